import { defineConfig, library } from '../../tsup.shared.ts';

export default defineConfig(
  library({
    entry: ['src/main.ts'],
    format: ['esm'],
    platform: 'node',
    sourcemap: false,
  }),
);
