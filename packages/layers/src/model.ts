import { Rng } from '@cnn/core';
import * as tf from '@tensorflow/tfjs-core';
import { LayerError, ShapeError } from './errors';
import { type CallOptions, Layer, type LayerConfig, type Weight, type WeightShape } from './layer';
import { formatShape, type Shape } from './shape';
import { SymbolicTensor } from './symbolic';
import {
  type Compiled,
  type CompileOptions,
  compileOptions,
  type Data,
  evaluate,
  type FitOptions,
  fit,
  type History,
  type Logs,
} from './training';

/** The layer behind a model input: it holds the input's shape and passes tensors through. */
export class InputLayer extends Layer {
  readonly className = 'InputLayer';
  constructor(
    readonly batchInputShape: Shape,
    config: LayerConfig = {},
  ) {
    super(config);
  }
  computeOutputShape(): Shape {
    return this.batchInputShape;
  }
  call([x]: readonly tf.Tensor[]): tf.Tensor {
    return x!;
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), batchInputShape: this.batchInputShape };
  }
}

/**
 * A model input of the given shape (without the batch axis): the start of a functional graph.
 *
 * @example
 * ```ts
 * const x = input({ shape: [28, 28, 1] });
 * ```
 */
export function input(config: { shape: readonly number[]; name?: string }): SymbolicTensor {
  const layer = new InputLayer([null, ...config.shape], { name: config.name });
  return new SymbolicTensor(layer, [], layer.batchInputShape, layer.name);
}

export interface ModelConfig extends LayerConfig {
  inputs: SymbolicTensor | readonly SymbolicTensor[];
  outputs: SymbolicTensor | readonly SymbolicTensor[];
  /** Seed of the weights' initialisers (each layer draws from its own fork). Default 0. */
  seed?: number;
  /**
   * False makes the graph without its weights: shapes, `countParams`, `weightShapes` and `summarize` work
   * and nothing is allocated (VGG-16's 553 MB, say) until {@link Model.buildWeights}. Default true.
   */
  build?: boolean;
}

/** What `Model.run` returns: every activation asked for, by name. */
export type Activations = Record<string, tf.Tensor>;

/**
 * A functional graph of layers: several inputs and outputs, shared layers, and every intermediate
 * activation reachable by name in one forward pass (`run`). Weights are made when the model is, from
 * `seed`. A model is a layer too, so models nest.
 *
 * @example
 * ```ts
 * const x = input({ shape: [28, 28, 1] });
 * const h = new Conv2D({ filters: 8, kernelSize: 3, activation: 'relu', name: 'conv' }).apply(x);
 * const y = new Dense({ units: 10 }).apply(new Flatten().apply(h));
 * const net = new Model({ inputs: x, outputs: y });
 * const { conv, [y.name]: logits } = net.run(images, { outputs: ['conv', y.name] });
 * ```
 */
export class Model extends Layer {
  readonly className: string = 'Functional';
  readonly inputs: readonly SymbolicTensor[];
  readonly outputs: readonly SymbolicTensor[];
  /** Every node of the graph in an order that computes each after its inputs. */
  readonly nodes: readonly SymbolicTensor[];
  /** Each layer once, in the order of first use. */
  readonly layers: readonly Layer[];

  constructor(config: ModelConfig) {
    super(config);
    this.inputs = [config.inputs].flat() as SymbolicTensor[];
    this.outputs = [config.outputs].flat() as SymbolicTensor[];
    this.nodes = topologicalOrder(this.outputs, this.inputs, this.name);
    this.layers = [...new Set(this.nodes.map((n) => n.layer))];
    const names = new Set<string>();
    for (const layer of this.layers) {
      if (names.has(layer.name)) {
        throw new LayerError(
          `${this.name}: two different layers are named '${layer.name}'; names must be unique`,
        );
      }
      names.add(layer.name);
    }
    this.#seed = config.seed ?? 0;
    if (config.build ?? true) this.buildWeights();
  }

  #seed: number;

  /**
   * Makes the weights of a model made with `build: false` (a no-op once built), from `seed` (default: the
   * model's): the same weights as building it at once, whether called here or by an enclosing model.
   *
   * @example
   * ```ts
   * const net = new Model({ inputs: x, outputs: y, build: false });
   * console.log(net.countParams());   // counted from shapes, nothing allocated
   * net.buildWeights();
   * ```
   */
  buildWeights(seed?: number): this {
    if (!this.built && seed !== undefined) this.#seed = seed;
    this.ensureBuilt(
      this.inputs.map((i) => i.shape),
      new Rng(this.#seed),
    );
    return this;
  }

  /** Builds every layer, each from its own fork of the model's seed (a nesting model's `rng` is not used). */
  protected override build(): void {
    const rng = new Rng(this.#seed);
    for (const node of this.nodes)
      node.layer.ensureBuilt(
        node.inputs.map((i) => i.shape),
        rng.fork(),
      );
  }

  /** Every layer's weight shapes, each layer at its first use (the graph fixes the shapes it is given). */
  override weightShapes(_inputShapes?: readonly Shape[]): WeightShape[] {
    const seen = new Set<Layer>();
    return this.nodes.flatMap((node) => {
      if (seen.has(node.layer)) return [];
      seen.add(node.layer);
      const trainable = node.layer.trainable;
      return node.layer
        .weightShapes(node.inputs.map((i) => i.shape))
        .map((w) => ({ ...w, trainable: w.trainable && trainable }));
    });
  }

  /** The number of weights' values: counted from the graph's shapes if the weights are not built. */
  override countParams(): number {
    if (this.built) return super.countParams();
    return this.weightShapes().reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  }

  override get weights(): readonly Weight[] {
    return this.layers.flatMap((layer) => layer.weights);
  }

  override get trainableWeights(): readonly Weight[] {
    return this.trainable ? this.layers.flatMap((layer) => layer.trainableWeights) : [];
  }

  /** The layer of that name. */
  getLayer(name: string): Layer {
    const layer = this.layers.find((l) => l.name === name);
    if (!layer)
      throw new LayerError(
        `${this.name} has no layer '${name}'; it has ${this.layers.map((l) => l.name).join(', ')}`,
      );
    return layer;
  }

  computeOutputShape(inputShapes: readonly Shape[]): Shape {
    if (inputShapes.length !== this.inputs.length) {
      throw new ShapeError(this.name, `takes ${this.inputs.length} inputs, got ${inputShapes.length}`);
    }
    inputShapes.forEach((shape, i) => {
      const expected = this.inputs[i]!.shape;
      if (
        shape.length !== expected.length ||
        shape.some((d, k) => k > 0 && expected[k] !== null && d !== expected[k])
      ) {
        throw new ShapeError(
          this.name,
          `input ${i} should be ${formatShape(expected)}, got ${formatShape(shape)}`,
        );
      }
    });
    return this.outputs[0]!.shape;
  }

  call(inputs: readonly tf.Tensor[], options: CallOptions): tf.Tensor {
    const name = this.outputs[0]!.name;
    return this.run(inputs, { ...options, outputs: [name] })[name]!;
  }

  /**
   * One forward pass, returning the activations named in `outputs` (node names: layer names, `name:k` for
   * a shared layer's k-th use; default: the model's outputs). Intermediates not asked for are freed, and
   * nodes none of them depends on are not computed. In training, layers that choose their inputs
   * ({@link Layer.keptInputs}: stochastic depth, drop-path) choose first, and the branches they drop are
   * skipped: no kernel runs for them and their weights get no gradient.
   */
  run(
    inputs: tf.Tensor | readonly tf.Tensor[],
    options: CallOptions & { outputs?: readonly string[] } = {},
  ): Activations {
    if (!this.built) {
      throw new LayerError(`${this.name} was made with build: false; call buildWeights() before running it`);
    }
    const given = [inputs].flat() as tf.Tensor[];
    this.computeOutputShape(given.map((t) => [null, ...t.shape.slice(1)]));
    const wanted = options.outputs ?? this.outputs.map((o) => o.name);
    const known = new Set(this.nodes.map((n) => n.name));
    for (const name of wanted) {
      if (!known.has(name)) {
        throw new LayerError(`${this.name} has no activation '${name}'; it has ${[...known].join(', ')}`);
      }
    }
    const { kept: _, ...base } = options;
    // Layers that choose their inputs choose first, in graph order (the order their draws had when they
    // drew in call), so that the branches they drop are never computed.
    const choices = new Map<SymbolicTensor, readonly number[]>();
    if (base.training) {
      for (const node of this.nodes) {
        const kept = node.layer.keptInputs?.(node.inputs.length, base);
        if (kept) choices.set(node, kept);
      }
    }
    const needed = neededNodes(this.nodes, wanted, choices);
    return tf.tidy(() => {
      const values = new Map<SymbolicTensor, tf.Tensor>();
      this.inputs.forEach((node, i) => {
        values.set(node, given[i]!);
      });
      for (const node of this.nodes) {
        if (values.has(node) || !needed.has(node)) continue;
        const kept = choices.get(node);
        const inputs = kept ? kept.map((k) => node.inputs[k]!) : node.inputs;
        const opts = kept ? { ...base, kept } : base;
        values.set(
          node,
          node.layer.call(
            inputs.map((i) => values.get(i)!),
            opts,
          ),
        );
      }
      const out: Activations = {};
      for (const node of this.nodes) {
        if (!wanted.includes(node.name)) continue;
        const value = values.get(node)!;
        // An output that is a given input (a block whose branch was dropped passes its input on) is
        // returned as a clone, so that disposing the output never disposes the caller's input.
        out[node.name] = given.includes(value) ? tf.clone(value) : value;
      }
      return out;
    });
  }

  /** Set by a callback to stop `fit` after the current epoch (early stopping). */
  stopTraining = false;
  #compiled: Compiled | undefined;

  /** Chooses the optimiser, loss and metrics `fit` and `evaluate` use. */
  compile(options: CompileOptions): this {
    this.#compiled = compileOptions(options);
    return this;
  }

  /** The compiled optimiser, loss and metrics. */
  get compiled(): Compiled {
    if (!this.#compiled)
      throw new LayerError(`${this.name}: call compile({ optimizer, loss }) before fit or evaluate`);
    return this.#compiled;
  }

  /**
   * Trains the model: `epochs` passes over `data` (tensors, batched and shuffled with `seed`, or the
   * batches of a `Dataset`), with a progress bar in a terminal, callbacks and validation after each epoch.
   *
   * @example
   * ```ts
   * net.compile({ optimizer: new Adam({ learningRate: 1e-3 }), loss: 'softmaxCrossEntropy', metrics: ['accuracy'] });
   * const { epochs } = await net.fit(train, { epochs: 4, validationData: test });
   * ```
   */
  fit(data: Data, options?: FitOptions): Promise<History> {
    return fit(this, this.compiled, data, options);
  }

  /** The loss and metrics on `data`, in inference mode. */
  evaluate(data: Data, options?: { batchSize?: number }): Promise<Logs> {
    return evaluate(this, this.compiled, data, options);
  }

  /** The model's (first) output for a batch, computed in inference mode. */
  predict(x: tf.Tensor | readonly tf.Tensor[]): tf.Tensor {
    return this.call([x].flat() as tf.Tensor[], { training: false });
  }

  override getConfig(): Record<string, unknown> {
    return {
      ...super.getConfig(),
      layers: this.layers.map((l) => ({ className: l.className, config: l.getConfig() })),
    };
  }
}

/**
 * The nodes the wanted activations depend on, walking back from them through each node's inputs, or
 * only through the inputs a layer chose to keep.
 */
function neededNodes(
  nodes: readonly SymbolicTensor[],
  wanted: readonly string[],
  choices: ReadonlyMap<SymbolicTensor, readonly number[]>,
): Set<SymbolicTensor> {
  const needed = new Set<SymbolicTensor>();
  const stack = nodes.filter((n) => wanted.includes(n.name));
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (needed.has(node)) continue;
    needed.add(node);
    const kept = choices.get(node);
    for (const parent of kept ? kept.map((k) => node.inputs[k]!) : node.inputs) stack.push(parent);
  }
  return needed;
}

/** Nodes from the inputs to the outputs, each after everything it depends on (depth-first post-order). */
function topologicalOrder(
  outputs: readonly SymbolicTensor[],
  inputs: readonly SymbolicTensor[],
  model: string,
): SymbolicTensor[] {
  const order: SymbolicTensor[] = [];
  const done = new Set<SymbolicTensor>();
  const inputSet = new Set(inputs);
  const visit = (node: SymbolicTensor) => {
    if (done.has(node)) return;
    if (node.inputs.length === 0 && !inputSet.has(node)) {
      throw new LayerError(
        `${model}: ${node.name} is an input of the graph but not among the model's inputs`,
      );
    }
    for (const parent of node.inputs) visit(parent);
    done.add(node);
    order.push(node);
  };
  for (const node of inputs) visit(node);
  for (const node of outputs) visit(node);
  return order;
}

/**
 * A stack of layers, each applied to the output of the one before: sugar for a one-input, one-output
 * {@link Model}.
 *
 * @example
 * ```ts
 * const net = new Sequential([new Flatten(), new Dense({ units: 10 })], { inputShape: [28, 28, 1] });
 * ```
 */
export class Sequential extends Model {
  override readonly className: string = 'Sequential';
  constructor(
    layers: readonly Layer[],
    config: LayerConfig & { inputShape: readonly number[]; seed?: number },
  ) {
    if (layers.length === 0) throw new LayerError('Sequential: give at least one layer');
    const x = input({ shape: config.inputShape });
    let y = x;
    for (const layer of layers) y = layer.apply(y);
    super({ name: config.name, trainable: config.trainable, seed: config.seed, inputs: x, outputs: y });
  }
}
