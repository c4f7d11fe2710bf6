import labels from './imagenet_classes.json';

// The 1000 ImageNet (ILSVRC-2012) class names in the order of the classifiers' outputs (synset ids sorted,
// as Keras' imagenet_class_index.json and torchvision), as data in imagenet_classes.json, copied from the
// npm package @tensorflow-models/mobilenet 2.1.1, dist/imagenet_classes.js (Apache-2.0, Copyright 2019
// Google LLC; tensorflow/tfjs-models). Each label is the synset's comma-separated names; 'crane' (134, the
// bird; 517, the machine) appears twice, as in ImageNet itself.

/**
 * ImageNet's 1000 class names, by output index: `IMAGENET_CLASSES[0]` is 'tench, Tinca tinca'.
 *
 * @example
 * ```ts
 * IMAGENET_CLASSES[281]; // 'tabby, tabby cat'
 * ```
 */
export const IMAGENET_CLASSES: readonly string[] = Object.freeze(labels);
