import { defineConfig, type Options } from 'tsup';

/**
 * The build every package shares: ESM + CJS + .d.ts from `src/index.ts`, dependencies and peers left
 * external (tsup's default), ES2022 for Node ≥ 20 and current browsers.
 */
export function library(options: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    splitting: false,
    ...options,
  };
}

export { defineConfig, type Options };
