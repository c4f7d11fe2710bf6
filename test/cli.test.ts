// The README's main job, run as a user runs it (from the build): it trains, reports, and leaks nothing.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const main = join(import.meta.dirname, '..', 'examples', 'cli', 'dist', 'main.js');

describe('the example CLI', () => {
  it('reports the backend and why faster ones were skipped, trains on the embedded digits, and prints accuracy and images/s', async () => {
    const { stdout, stderr } = await exec(process.execPath, [
      main,
      '--epochs',
      '2',
      '--steps',
      '3',
      '--batch',
      '8',
    ]);
    expect(stdout).toMatch(/^backend: wasm \(node, \d threads?\)$/m);
    expect(stdout).toMatch(/skipped tensorflow: @tensorflow\/tfjs-node is not usable/);
    expect(stdout).toMatch(/2 epochs of 24 of 8,000 MNIST digits, batch 8; loss \d+\.\d+ → \d+\.\d+/);
    expect(stdout).toMatch(/test accuracy \d+\.\d\d% on 2,000 held-out digits/);
    expect(stdout).toMatch(/\d+\.\d images\/s/);
    expect(stdout).toMatch(/tensors left behind between epochs: 0$/m);
    expect(stderr).toMatch(/epoch 2\/2 .* 3\/3/); // the progress bar, on stderr
  });

  it('refuses a bad option with the usage', async () => {
    const error = await exec(process.execPath, [main, '--steps', 'many']).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(error).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--steps takes a positive integer, got 'many'/),
    });
  });
});
