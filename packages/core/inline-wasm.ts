// `import dataUrl from 'pkg/file.wasm?inline'` — the file as a `data:application/wasm` URL — for the two
// tools that read this package's sources: tsup (esbuild) building the browser bundle, and Vite running the
// browser tests.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Options } from 'tsup';
import type { Plugin as VitePlugin } from 'vitest/config';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

const require = createRequire(import.meta.url);
const QUERY = '?inline';
const isInlineWasm = (id: string) => id.endsWith(`.wasm${QUERY}`);

async function dataUrlModule(path: string): Promise<string> {
  return `export default "data:application/wasm;base64,${(await readFile(path)).toString('base64')}";`;
}

export const esbuildInlineWasm: EsbuildPlugin = {
  name: 'inline-wasm',
  setup(build) {
    build.onResolve({ filter: /\.wasm\?inline$/ }, (args) => ({
      path: require.resolve(args.path.slice(0, -QUERY.length)),
      namespace: 'inline-wasm',
    }));
    build.onLoad({ filter: /.*/, namespace: 'inline-wasm' }, async (args) => ({
      contents: await dataUrlModule(args.path),
      loader: 'js',
    }));
  },
};

export const viteInlineWasm: VitePlugin = {
  name: 'inline-wasm',
  enforce: 'pre',
  resolveId(id) {
    return isInlineWasm(id) ? `\0${require.resolve(id.slice(0, -QUERY.length))}${QUERY}` : null;
  },
  load(id) {
    return id.startsWith('\0') && isInlineWasm(id) ? dataUrlModule(id.slice(1, -QUERY.length)) : null;
  },
};
