import { expectNoLeaks } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { faceSet, SIZE } from '../test/faces';
import { EigenFaces } from './eigenfaces';
import { PcaError } from './errors';
import { syntheticScene } from './scene';

const data = faceSet(1);
const model = EigenFaces.fit(data.train, { k: 12 });
afterAll(() => {
  data.dispose();
  model.dispose();
});

/** T frames: person 2 walking along a curve over one background, a stranger standing still to the right. */
function video(path: { x: number; y: number }[]) {
  const frames = path.map((p) =>
    syntheticScene({
      height: 72,
      width: 128,
      faces: [
        { ...p, size: SIZE, person: 2 },
        { x: 100, y: 40, size: SIZE, person: 700 },
      ],
      seed: 1,
    }),
  );
  const stacked = tf.concat(frames.map((f) => f.image));
  tf.dispose(frames.map((f) => f.image));
  return stacked;
}

describe('EigenFaces.track', () => {
  it('follows a moving face, searching near its last place', async () => {
    const path = Array.from({ length: 8 }, (_, t) => ({
      x: 4 + 5 * t,
      y: Math.round(20 + 10 * Math.sin(t / 2)),
    }));
    const frames = video(path);
    const found = await expectNoLeaks(() =>
      model.track(frames, { radius: 8, start: { ...path[0]!, width: SIZE, height: SIZE } }),
    );
    expect(found).toHaveLength(8);
    for (const [t, box] of found.entries()) {
      expect(Math.abs(box.x - path[t]!.x), `frame ${t}: ${JSON.stringify(box)}`).toBeLessThanOrEqual(1);
      expect(Math.abs(box.y - path[t]!.y), `frame ${t}: ${JSON.stringify(box)}`).toBeLessThanOrEqual(1);
    }
    // Without a start it begins from the best box of the first frame (one of the two faces) and keeps to it.
    const auto = model.track(frames, { radius: 8 });
    const first = auto[0]!;
    const onWalker = Math.abs(first.x - path[0]!.x) <= 1 && Math.abs(first.y - path[0]!.y) <= 1;
    for (const [t, box] of auto.entries()) {
      const want = onWalker ? path[t]! : { x: 100, y: 40 };
      expect(Math.abs(box.x - want.x) + Math.abs(box.y - want.y)).toBeLessThanOrEqual(2);
    }
    frames.dispose();
  });

  it('loses a face that jumps farther than its radius', () => {
    const path = [
      { x: 4, y: 10 },
      { x: 6, y: 10 },
      { x: 40, y: 40 },
    ];
    const frames = video(path);
    const found = model.track(frames, { radius: 4, start: { ...path[0]!, width: SIZE, height: SIZE } });
    // Frame 2 is searched only within 4 pixels of frame 1's box.
    expect(Math.abs(found[2]!.x - found[1]!.x)).toBeLessThanOrEqual(4);
    expect(Math.abs(found[2]!.y - found[1]!.y)).toBeLessThanOrEqual(4);
    frames.dispose();
  });

  it('says what is wrong with its arguments', () => {
    const bad = (fn: () => unknown, message: RegExp) => {
      expect(fn).toThrow(PcaError);
      expect(fn).toThrow(message);
    };
    const frames = tf.zeros([2, 30, 30, 1]);
    bad(
      () => model.track(tf.reshape(data.test, [60, 24, 24]), {}),
      /expected grayscale frames \[T, H, W, 1\], got shape \[60, 24, 24\]/,
    );
    bad(() => model.track(frames, { radius: -1 }), /radius must be an integer ≥ 0, got -1/);
    bad(() => model.track(frames, { scales: [3] }), /at scale 3 the 30×30 image shrinks to 10×10/);
    frames.dispose();
  });
});
