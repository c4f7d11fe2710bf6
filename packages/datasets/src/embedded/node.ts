import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

/** The `mnist` package's ten JSON files, one per digit, read from where Node resolves the package. */
export async function loadDigitFiles(): Promise<{ data: number[] }[]> {
  const require = createRequire(import.meta.url);
  return Promise.all(
    Array.from({ length: 10 }, async (_, digit) =>
      JSON.parse(await readFile(require.resolve(`mnist/src/digits/${digit}.json`), 'utf8')),
    ),
  );
}
