import { defineConfig, library } from '../../tsup.shared.ts';

// Node and browser builds differ only in `#platform` (files and the disk cache, or fetch and the Cache API).
export default defineConfig([
  library({ platform: 'node', shims: true, clean: ['!browser/**'] }),
  library({
    outDir: 'dist/browser',
    format: ['esm'],
    platform: 'browser',
    dts: false,
    splitting: true,
  }),
]);
