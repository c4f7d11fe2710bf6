// Run in a scratch project that installed the packed tarballs: what a user's Node ESM app sees.

import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as core from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import '@cnn/linalg';
import '@cnn/pca';
import * as datasets from '@cnn/datasets';
import * as layers from '@cnn/layers';
import '@cnn/zoo';
import '@cnn/visualize';
import '@cnn/generate';
import { check } from './check.mjs';

const require = createRequire(import.meta.url);
console.log(JSON.stringify(await check(tf, core, datasets, layers, require, realpathSync)));
