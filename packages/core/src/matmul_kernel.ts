import * as tf from '@tensorflow/tfjs-core';

/**
 * A faster BatchMatMul for the wasm backend, wrapped around the backend's own kernel.
 *
 * wasm hands a product to XNNPACK only when it is a single matrix product without transpose flags; every
 * other case (a flag set, a batch of matrices, a broadcast batch) runs a scalar triple loop 8–10× slower.
 * XNNPACK also packs its right operand `b` into its own layout before multiplying, caching the packing per
 * tensor: a `b` never seen before costs ~6–18 ns an element to pack, so multiplying by a freshly updated
 * 3136 × 1024 weight matrix spends more on packing (~60 ms) than on arithmetic (~25 ms). Both facts decide
 * how this kernel computes C = op(a) · op(b):
 *
 * - `plain`: C = A · B with A, B made explicit (transposed where flagged), B packed;
 * - `swapped`: Cᵀ = Bᵀ · Aᵀ, then C = transpose(Cᵀ), A packed: cheaper when B is large and new while A is
 *   small (a dense layer's forward pass and input gradient during training).
 *
 * The form with the fewer element moves wins, a packed element counting {@link PACK_COST} transposed ones.
 * A `b` seen before without a transpose flag is taken to be a weight that persists (inference): it goes
 * the plain way, so the backend's cached packing serves every later call.
 *
 * Batches fold into one product where one side is shared (a batch of rows times one matrix); equal batches
 * of large matrices run one XNNPACK product each; anything else keeps the backend's kernel.
 */

type Info = tf.TensorInfo;

/** Cost of packing one element of `b`, in transposed elements (measured: ~2×, up to 4× at 4 KiB strides). */
const PACK_COST = 2;

/** Batched products below this many multiply-adds a matrix stay in the backend's loop (measured break-even). */
const MIN_LOOPED_WORK = 1 << 20;

const size = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/**
 * Whether op(a) · op(b) of stored matrices `a`, `b` costs no more the plain way (B packed) than swapped
 * (A packed, Cᵀ transposed back), counting element moves; `cached`: B's packing is already made.
 */
export function plainIsCheaper(
  a: readonly [number, number],
  transposeA: boolean,
  b: readonly [number, number],
  transposeB: boolean,
  cached: boolean,
): boolean {
  const [sizeA, sizeB] = [a[0] * a[1], b[0] * b[1]];
  const outSize = (transposeA ? a[1] : a[0]) * (transposeB ? b[0] : b[1]);
  const plain = (transposeA ? sizeA : 0) + (transposeB ? sizeB : 0) + (cached ? 0 : PACK_COST * sizeB);
  const swapped = (transposeA ? 0 : sizeA) + (transposeB ? 0 : sizeB) + PACK_COST * sizeA + outSize;
  return plain <= swapped;
}

/**
 * The BatchMatMul kernel that routes every product to XNNPACK's fast path through explicit transposes,
 * calling `original` (the backend's own kernel) only without transpose flags and on single matrices.
 * `original` must be the kernel function as registered before this one, never this kernel itself.
 */
export function fastBatchMatMul(original: tf.KernelFunc): tf.KernelFunc {
  // Data of the right operands met without a transpose flag. Met again, the data is taken to be a weight
  // that lives on: multiplied the plain way, its packing is cached by the backend for every later product.
  const rightOperands = new WeakSet<object>();

  /** Runs the backend's kernel on two matrices (rank 2 or batch 1), no flags; returns a tracked tensor. */
  const raw = (a: tf.Tensor, b: tf.Tensor, backend: object): tf.Tensor2D => {
    const info = original({
      inputs: { a, b },
      backend,
      attrs: { transposeA: false, transposeB: false },
    }) as Info;
    return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor2D;
  };

  /** op(a) · op(b) for stored matrices a, b: the cheaper of the plain and swapped forms. */
  const matrixProduct = (
    a: tf.Tensor2D,
    transposeA: boolean,
    b: tf.Tensor2D,
    transposeB: boolean,
    backend: object,
  ): tf.Tensor2D => {
    const cached = !transposeB && rightOperands.has(b.dataId);
    if (!transposeB) rightOperands.add(b.dataId);
    if (plainIsCheaper(a.shape, transposeA, b.shape, transposeB, cached)) {
      return raw(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b, backend);
    }
    const bt = transposeB ? b : tf.transpose(b);
    const at = transposeA ? a : tf.transpose(a);
    return tf.transpose(raw(bt, at, backend));
  };

  return ({ inputs, backend, attrs = {} }) => {
    const { a, b } = inputs as { a: tf.Tensor; b: tf.Tensor };
    const transposeA = attrs.transposeA === true;
    const transposeB = attrs.transposeB === true;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.rank < 2 || b.rank < 2) {
      return original({ inputs, backend, attrs });
    }
    const product = tf.tidy(() =>
      batchedMatMul(a, transposeA, b, transposeB, (x, tx, y, ty) => matrixProduct(x, tx, y, ty, backend)),
    );
    return product ?? original({ inputs, backend, attrs });
  };
}

type MatrixProduct = (a: tf.Tensor2D, ta: boolean, b: tf.Tensor2D, tb: boolean) => tf.Tensor2D;

/** Swaps the last two axes. */
const transposeLast = (t: tf.Tensor): tf.Tensor => {
  const perm = t.shape.map((_, i) => i);
  perm.splice(-2, 2, t.rank - 1, t.rank - 2);
  return tf.transpose(t, perm);
};

/**
 * op(a) · op(b) over the batch axes, made of 2-D products; `undefined` where no folding applies and the
 * backend's own loop is as good (small batched matrices, batches broadcast against each other).
 */
export function batchedMatMul(
  a: tf.Tensor,
  transposeA: boolean,
  b: tf.Tensor,
  transposeB: boolean,
  product: MatrixProduct,
): tf.Tensor | undefined {
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [ac, ar] : [ar, ac];
  const [kb, n] = transposeB ? [bc, br] : [br, bc];
  if (k !== kb) return undefined; // the backend's kernel reports the mismatch
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const batch = tf.broadcast_util.assertAndGetBroadcastShape(batchA, batchB);
  const [countA, countB] = [size(batchA), size(batchB)];
  const outShape = [...batch, m, n];
  if (countA === 1 && countB === 1) {
    const a2 = tf.reshape(a, [ar, ac]) as tf.Tensor2D;
    return tf.reshape(product(a2, transposeA, tf.reshape(b, [br, bc]) as tf.Tensor2D, transposeB), outShape);
  }
  if (countB === 1) {
    // A batch of left matrices times one right matrix: stack the rows of all of them into one product.
    const left = transposeA ? transposeLast(a) : a;
    const b2 = tf.reshape(b, [br, bc]) as tf.Tensor2D;
    return tf.reshape(
      product(tf.reshape(left, [countA * m, k]) as tf.Tensor2D, false, b2, transposeB),
      outShape,
    );
  }
  if (countA === 1) {
    // One left matrix times a batch: Cᵢᵀ = Bᵢᵀ · Aᵀ, with the Bᵢᵀ stacked into one left operand.
    const bt = transposeB ? b : transposeLast(b);
    const a2 = tf.reshape(a, [ar, ac]) as tf.Tensor2D;
    const ct = product(tf.reshape(bt, [countB * n, k]) as tf.Tensor2D, false, a2, !transposeA);
    return tf.reshape(transposeLast(tf.reshape(ct, [countB, n, m])), outShape);
  }
  if (countA !== countB || batchA.length !== batchB.length || m * k * n < MIN_LOOPED_WORK) return undefined;
  const as = tf.unstack(tf.reshape(a, [countA, ar, ac])) as tf.Tensor2D[];
  const bs = tf.unstack(tf.reshape(b, [countB, br, bc])) as tf.Tensor2D[];
  return tf.reshape(tf.stack(as.map((ai, i) => product(ai, transposeA, bs[i]!, transposeB))), outShape);
}
