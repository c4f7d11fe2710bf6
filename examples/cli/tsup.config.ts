import { defineConfig, library } from '../../tsup.shared.ts';

export default defineConfig(
  library({
    entry: ['src/main.ts', 'src/mnist_cnn.ts', 'src/xor.ts', 'src/linear_regression.ts'],
    format: ['esm'],
    platform: 'node',
    sourcemap: false,
  }),
);
