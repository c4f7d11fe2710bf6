import type { WeightShape } from './layer';
import type { Model } from './model';
import { formatShape } from './shape';

/** One row of a model summary: a node of its graph. */
export interface SummaryRow {
  /** The activation's name (the layer's, `:k` for a shared layer's k-th use). */
  readonly name: string;
  readonly className: string;
  readonly outputShape: readonly (number | null)[];
  /** Weights' values of the layer (counted on its first use only). */
  readonly params: number;
  /** Values of this activation for one image (the batch axis left out). */
  readonly activations: number;
  /** Names of the nodes it takes. */
  readonly inputs: readonly string[];
}

/** A model's summary: its rows and totals (seed 003's VGG-16 table: activations and parameters per layer). */
export interface Summary {
  readonly rows: readonly SummaryRow[];
  readonly params: number;
  readonly trainableParams: number;
  /** Activations of one image's forward pass, inputs included. */
  readonly activations: number;
  /** The same in bytes of float32. */
  readonly activationBytes: number;
}

/**
 * Per-layer output shapes, parameter counts and activation memory, and their totals.
 *
 * @example
 * ```ts
 * console.log(formatSummary(summarize(vgg16)));   // … 138,357,544 parameters, ~24M activations ≈ 93 MB
 * ```
 */
export function summarize(model: Model): Summary {
  const size = (shapes: readonly WeightShape[]) =>
    shapes.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  const seen = new Set<unknown>();
  const rows = model.nodes.map((node) => {
    const first = !seen.has(node.layer);
    seen.add(node.layer);
    return {
      name: node.name,
      className: node.layer.className,
      outputShape: node.shape,
      params: !first
        ? 0
        : node.layer.built
          ? node.layer.countParams()
          : size(node.layer.weightShapes(node.inputs.map((i) => i.shape))),
      activations: node.shape.slice(1).reduce<number>((n, d) => n * (d ?? 1), 1),
      inputs: node.inputs.map((i) => i.name),
    };
  });
  const activations = rows.reduce((n, r) => n + r.activations, 0);
  return {
    rows,
    params: model.countParams(),
    // A model made with `build: false` is counted from its shapes: summarising allocates nothing.
    trainableParams: model.built
      ? model.trainableWeights.reduce((n, w) => n + w.variable.size, 0)
      : model.trainable
        ? size(model.weightShapes().filter((w) => w.trainable))
        : 0,
    activations,
    activationBytes: activations * 4,
  };
}

const group = (n: number) => n.toLocaleString('en-US');

/** A summary as a text table, as Keras prints one. */
export function formatSummary(summary: Summary): string {
  const header = ['layer (type)', 'output shape', 'params', 'activations'];
  const body = summary.rows.map((r) => [
    `${r.name} (${r.className})`,
    formatShape(r.outputShape),
    group(r.params),
    group(r.activations),
  ]);
  const widths = header.map((h, k) => Math.max(h.length, ...body.map((row) => row[k]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, k) => (k >= 2 ? c.padStart(widths[k]!) : c.padEnd(widths[k]!))).join('  ');
  const rule = '─'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [
    line(header),
    rule,
    ...body.map(line),
    rule,
    `parameters: ${group(summary.params)} (trainable ${group(summary.trainableParams)})`,
    `activations per image: ${group(summary.activations)} ≈ ${(summary.activationBytes / 2 ** 20).toFixed(1)} MiB (float32, forward)`,
  ].join('\n');
}
