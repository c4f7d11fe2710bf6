import { defineConfig, library } from '../../tsup.shared.ts';

export default defineConfig(
  library({
    entry: ['src/main.ts', 'src/image_svd_main.ts'],
    format: ['esm'],
    platform: 'node',
    sourcemap: false,
  }),
);
