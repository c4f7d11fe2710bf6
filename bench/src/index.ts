// `pnpm bench`: every benchmark, one JSON line per figure on stdout. `--backends wasm` limits the backends
// (the first one listed is the baseline of the ratios); `--only matmul` runs one benchmark.
import { parseArgs } from 'node:util';
import { datasets } from './datasets';
import { matmul } from './matmul';
import { mnistCnnForwardBackward } from './mnist_cnn';

const BENCHES: Record<string, (backends: string[]) => Promise<void>> = {
  matmul,
  'mnist-cnn': mnistCnnForwardBackward,
  datasets,
};

const { values } = parseArgs({
  options: { backends: { type: 'string', default: 'cpu,wasm' }, only: { type: 'string' } },
});
const backends = values.backends.split(',');
for (const [name, run] of Object.entries(BENCHES)) {
  if (values.only === undefined || values.only === name) await run(backends);
}
