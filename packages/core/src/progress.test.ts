import { describe, expect, it } from 'vitest';
import { ProgressBar } from './progress';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 100, write: (s: string) => chunks.push(s) } };
}

describe('ProgressBar', () => {
  it('writes a line at each quarter when the stream is not a terminal (CI logs)', () => {
    const { chunks, stream } = sink(false);
    const bar = new ProgressBar({ total: 8, label: 'train', unit: 'img', stream });
    for (let i = 1; i <= 8; i++) bar.update(i, { loss: 1 / i });
    bar.finish();
    expect(chunks).toHaveLength(4);
    expect(chunks.every((c) => c.endsWith('\n') && c.startsWith('train '))).toBe(true);
    expect(chunks[0]).toMatch(/ 2\/8 .* img\/s .* loss 0\.500/);
    expect(chunks[3]).toMatch(/█{10,} 8\/8 /);
  });

  it('redraws one line in place on a terminal and ends it on finish', () => {
    const { chunks, stream } = sink(true);
    const bar = new ProgressBar({ total: 3, stream });
    bar.update(1);
    bar.update(3);
    bar.finish();
    expect(chunks.every((c) => c.startsWith('\r'))).toBe(true);
    expect(chunks.at(-1)).toMatch(/3\/3 .* it\/s/);
    expect(chunks.at(-1)?.endsWith('\u001b[K\n')).toBe(true); // clear to the end of the line, then a newline
  });
});
