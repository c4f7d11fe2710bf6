// The checks both Node entry points run: backend choice, gradients through conv2d on wasm (the filled
// kernel), image I/O, the embedded MNIST digits through a dataset pipeline, and one tfjs-core for every
// @cnn package.
export const PACKAGES = ['core', 'linalg', 'pca', 'datasets', 'layers', 'zoo', 'visualize', 'generate'];

export async function check(tf, core, datasets, layers, require, realpathSync) {
  const auto = await core.ready();
  const wasm = await core.ready({ backend: 'wasm' });
  const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1);
  const f = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2);
  const gradOn = () => tf.grads((a, b) => tf.sum(tf.square(tf.conv2d(a, b, 2, 'same'))))([x, f]);
  const [, dfWasm] = gradOn();
  await core.ready({ backend: 'cpu' });
  const [, dfCpu] = gradOn();
  const difference =
    tf.max(tf.abs(tf.sub(dfWasm, dfCpu))).dataSync()[0] / tf.max(tf.abs(dfCpu)).dataSync()[0];
  const image = core.decodeImage(await core.encodePng(tf.fill([3, 2, 3], 0.5)));
  const digits = await datasets.mnistEmbedded();
  const augment = new datasets.Augmenter({ seed: 0, crop: { padding: 2 } });
  const [batch] = await datasets.Dataset.fromImages(digits)
    .batch(8)
    .map(({ x, y }) => ({ x: augment.apply(x), y }))
    .take(1)
    .toArray();
  const xor = new layers.Sequential(
    [new layers.Dense({ units: 4, activation: 'tanh' }), new layers.Dense({ units: 2 })],
    {
      inputShape: [2],
    },
  ).compile({ optimizer: 'adam', loss: 'softmaxCrossEntropy' });
  const history = await xor.fit(
    {
      x: tf.tensor2d([
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ]),
      y: tf.tensor1d([0, 1, 1, 0], 'int32'),
    },
    { epochs: 3, progress: false },
  );
  const saved = layers.toJSON(xor);
  const tfjsCore = new Set(
    PACKAGES.map((p) =>
      realpathSync(require.resolve('@tensorflow/tfjs-core', { paths: [require.resolve(`@cnn/${p}`)] })),
    ),
  );
  return {
    auto: auto.backend,
    skipped: auto.skipped.map((s) => s.backend),
    wasm: wasm.backend,
    filled: wasm.filledKernels,
    relativeDifference: difference,
    image: image.shape,
    digits: digits.shape,
    batch: batch.x.shape,
    xorEpochs: history.epochs.length,
    savedClass: saved.class_name,
    tfjsCoreFiles: [...tfjsCore],
    tfjsCoreModulesLoaded: Object.keys(require.cache).filter((k) => k.endsWith('tf-core.node.js')).length,
    oneEngine: globalThis._tfengine === tf.engine(),
  };
}
