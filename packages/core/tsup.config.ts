import { defineConfig, library } from '../../tsup.shared.ts';
import { esbuildInlineWasm } from './inline-wasm.ts';

/**
 * tfjs-core ships its gradient and chained-op registrations only as ESM with extensionless imports, which
 * plain Node can neither import nor require. The Node build bundles them (they share tfjs' global
 * registries and engine); the browser build leaves them to the app's bundler, which resolves them.
 */
const bundledTfjsInternals = [/^@tensorflow\/tfjs-core\/dist\//];

export default defineConfig([
  // `shims`: import.meta.url in the CJS build (the threaded wasm scripts are found from it).
  library({ platform: 'node', shims: true, noExternal: bundledTfjsInternals, clean: ['!browser/**'] }),
  library({
    entry: { index: 'src/index.ts' },
    outDir: 'dist/browser',
    format: ['esm'],
    platform: 'browser',
    dts: false,
    clean: true,
    splitting: true, // each wasm binary in a chunk of its own, loaded on demand
    noExternal: [/\.wasm\?inline$/],
    esbuildPlugins: [esbuildInlineWasm],
  }),
]);
