import { ready } from '@cnn/core';
import { EigenFaces, syntheticFaces, syntheticScene } from '@cnn/pca';
import * as tf from '@tensorflow/tfjs-core';
import { report, time } from './report';

/** Scales `locate` searches, as issue 6 asks: windows of 24, 36 and 48 pixels. */
const SCALES = [1, 1.5, 2];

/**
 * Eigenfaces `locate` on a 256×256 image at 3 scales (the figure): the distance from face space of
 * every window (stride 1) by convolutions, then non-maximum suppression — seconds per call, with a model
 * of k = 20 eigenfaces of 24×24 synthetic faces (160 faces of 20 people). Also the fit, for scale.
 */
export async function eigenfaces(backends: string[]): Promise<void> {
  for (const backend of backends) {
    await ready({ backend });
    const { images } = syntheticFaces({ people: 20, perPerson: 8, size: 24, seed: 1 });
    const fitSeconds = await time(
      async () => {
        EigenFaces.fit(images, { k: 20 }).dispose();
      },
      { warmup: 1, runs: 3 },
    );
    report({
      bench: 'eigenfaces',
      backend,
      op: 'fit',
      shape: '160x24x24',
      k: 20,
      value: fitSeconds,
      unit: 's',
    });
    const model = EigenFaces.fit(images, { k: 20 });
    const faces = [
      { x: 26, y: 38, size: 24 },
      { x: 141, y: 26, size: 36 },
      { x: 77, y: 141, size: 48 },
    ];
    const { image } = syntheticScene({ height: 256, width: 256, faces, seed: 1 });
    let found = 0;
    const slow = backend === 'cpu';
    const seconds = await time(
      async () => {
        const located = model.locate(image, { scales: SCALES, stride: 1, maxBoxes: 3 });
        found = faces.filter((f) =>
          located.boxes.some(
            (b) => Math.abs(b.x - f.x) <= 3 && Math.abs(b.y - f.y) <= 3 && Math.abs(b.width - f.size) <= 1,
          ),
        ).length;
        tf.dispose(located.maps.map((m) => m.map));
      },
      { warmup: slow ? 0 : 1, runs: slow ? 1 : 3 },
    );
    const figure = {
      bench: 'eigenfaces',
      backend,
      op: 'locate',
      shape: '256x256',
      scales: SCALES.join(','),
      k: 20,
    };
    report({ ...figure, value: seconds, unit: 's' });
    report({ ...figure, value: found, unit: `of ${faces.length} faces found` });
    tf.dispose([images, image]);
    model.dispose();
  }
}
