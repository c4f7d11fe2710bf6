// Run in a scratch project that installed the packed tarballs: what a user's CommonJS app sees.
const { realpathSync } = require('node:fs');
const tf = require('@tensorflow/tfjs-core');
const core = require('@cnn/core');
const datasets = require('@cnn/datasets');
const layers = require('@cnn/layers');
for (const name of ['linalg', 'pca', 'zoo', 'visualize', 'generate']) require(`@cnn/${name}`);

import('./check.mjs')
  .then(({ check }) => check(tf, core, datasets, layers, require, realpathSync))
  .then((result) => console.log(JSON.stringify(result)));
