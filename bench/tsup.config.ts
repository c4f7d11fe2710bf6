import { defineConfig, library } from '../tsup.shared.ts';

export default defineConfig(library({ format: ['esm'], platform: 'node', dts: false, sourcemap: false }));
