import type { Model } from '@cnn/layers';
import { type AlexNetTable, alexnetLike } from './alexnet';
import type { ClassifierOptions } from './common';

/**
 * ZFNet (Zeiler & Fergus 2014, Fig. 3) as a table of {@link alexnetLike}: AlexNet with conv1 7×7 stride 2
 * (was 11×11 stride 4) and conv2 stride 2, on one tower. Sizes follow the figure: 224 → 110 → 55 → 26 →
 * 13 → 13 → 13 → 6 (conv1 padded by 1; the first two poolings keep ceil-mode sizes, 'same' here).
 * `wide` swaps conv3–5's 384, 384, 256 filters for 512, 1024, 512: the change seed 003 lists (the
 * paper's Table 2 row that reached 16.0% top-5 error as one net, 11.7% in its ensemble).
 *
 * @example
 * ```ts
 * const narrow = alexnetLike('zfnet_fig3', zfnetTable(false), { classes: 10 });
 * ```
 */
export function zfnetTable(wide: boolean): AlexNetTable {
  const [c3, c4, c5] = wide ? [512, 1024, 512] : [384, 384, 256];
  return {
    inputShape: [224, 224, 3],
    convs: [
      { name: 'conv1', filters: 96, kernel: 7, stride: 2, padding: 1, lrn: true, pool: 'same' },
      { name: 'conv2', filters: 256, kernel: 5, stride: 2, lrn: true, pool: 'same' },
      { name: 'conv3', filters: c3, kernel: 3, padding: 1 },
      { name: 'conv4', filters: c4, kernel: 3, padding: 1 },
      { name: 'conv5', filters: c5, kernel: 3, padding: 1, pool: 'valid' },
    ],
    fc: 4096,
  };
}

/** Options of {@link zfnet}. */
export interface ZfNetOptions extends ClassifierOptions {
  /** conv3–5 with 512, 1024, 512 filters (seed 003's ZFNet) instead of Fig. 3's 384, 384, 256. Default true. */
  wide?: boolean;
  /** Dropout before fc6 and fc7. Default 0.5. */
  dropout?: number;
  /** Units of fc6 and fc7. Default 4096. */
  fcUnits?: number;
}

/**
 * ZFNet (Zeiler & Fergus 2014): {@link zfnetTable} built by {@link alexnetLike}. Activations `conv1`…
 * `conv5`, `lrn1`, `lrn2`, `pool1`, `pool2`, `pool5`, `fc6`–`fc8`: the layers the deconvnet visualises.
 *
 * @example
 * ```ts
 * const net = zfnet({ wide: false });   // Fig. 3's 384-384-256
 * ```
 */
export function zfnet(options: ZfNetOptions = {}): Model {
  return alexnetLike('zfnet', zfnetTable(options.wide ?? true), options);
}
