// `pnpm bench`: every benchmark, one JSON line per figure on stdout. `--backends wasm` limits the backends
// (the first one listed is the baseline of the ratios); `--only matmul` runs one benchmark; `--threads 2`
// runs wasm's XNNPACK on 2 threads (default 1 in Node); `--epochs 8` sets the training budget of the
// reproductions' parts (`--only repro-degradation`, `repro-stochastic-depth`, `repro-fractal`), `--drops
// 0.75` their step schedule (η / 10 after that fraction of the run; `none` for a constant η), `--seed 2`
// the nets' seed, `--nets plain | resnet` the degradation run's pair, `--eta 0.05` and `--momentum keras`
// the degradation and stochastic-depth runs' base step size and SGD momentum form.
import { parseArgs } from 'node:util';
import { ready } from '@cnn/core';
import { convnetjsTrain } from './convnetjs_train';
import { datasets } from './datasets';
import { eigenfaces } from './eigenfaces';
import { layersTrain } from './layers_train';
import { linalg } from './linalg';
import { matmul } from './matmul';
import { mnistCnnTraining } from './mnist_cnn';
import { mnistCnnProfile } from './mnist_cnn_profile';
import { pca } from './pca';
import {
  type ReproOptions,
  reproDegradation,
  reproductions,
  reproFractal,
  reproStochasticDepth,
} from './reproductions';
import { zooInference } from './zoo_inference';

const BENCHES: Record<string, (backends: string[]) => Promise<void>> = {
  matmul,
  'mnist-cnn': mnistCnnTraining,
  'mnist-cnn-profile': mnistCnnProfile,
  datasets,
  'layers-train': layersTrain,
  'convnetjs-train': convnetjsTrain,
  linalg,
  pca,
  eigenfaces,
  'zoo-inference': zooInference,
};

/**
 * Long runs (minutes of training each), only when named (`--only reproductions`, `--only repro-fractal`);
 * `--epochs` sets their budget.
 */
const PARTS: Record<string, (backends: string[], options: ReproOptions) => Promise<void>> = {
  reproductions,
  'repro-degradation': reproDegradation,
  'repro-stochastic-depth': reproStochasticDepth,
  'repro-fractal': reproFractal,
};

const { values } = parseArgs({
  options: {
    backends: { type: 'string', default: 'cpu,wasm' },
    only: { type: 'string' },
    threads: { type: 'string' },
    epochs: { type: 'string' },
    drops: { type: 'string' },
    seed: { type: 'string' },
    nets: { type: 'string' },
    eta: { type: 'string' },
    momentum: { type: 'string' },
  },
});
const backends = values.backends.split(',');
// wasm's thread count is fixed when it first initialises: before any benchmark, which then reuse it.
if (values.threads !== undefined && backends.includes('wasm')) {
  await ready({ backend: 'wasm', threads: Number(values.threads) });
}
for (const [name, run] of Object.entries(BENCHES)) {
  if (values.only === undefined || values.only === name) await run(backends);
}
if (values.only !== undefined) {
  await PARTS[values.only]?.(backends, {
    ...(values.epochs === undefined ? {} : { epochs: Number(values.epochs) }),
    ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
    // `--eta 0.05`: the degradation and stochastic-depth runs' base step size.
    ...(values.eta === undefined ? {} : { eta: Number(values.eta) }),
    // `--momentum keras`: SGD's momentum in Keras' form (the default, torch's, is rescaled at each drop of η).
    ...(values.momentum === undefined ? {} : { momentum: values.momentum as ReproOptions['momentum'] }),
    // `--nets resnet`: the degradation run's residual pair alone.
    ...(values.nets === undefined ? {} : { nets: values.nets as ReproOptions['nets'] }),
    // `--drops 0.5,0.75`: η / 10 after half and after three quarters of the run; `--drops none`: constant η.
    ...(values.drops === undefined
      ? {}
      : { drops: values.drops === 'none' ? [] : values.drops.split(',').map(Number) }),
  });
}
