import { defineConfig, library } from '../../tsup.shared.ts';

// Node and browser builds differ only in `#platform` (model files on disk, or a stand-in that has none).
export default defineConfig([
  library({ platform: 'node', clean: ['!browser/**'] }),
  library({
    outDir: 'dist/browser',
    format: ['esm'],
    platform: 'browser',
    dts: false,
    splitting: true,
  }),
]);
