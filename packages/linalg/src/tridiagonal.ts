/**
 * The symmetric tridiagonal eigenproblem in float64 JavaScript, in O(n²) time so that the host's slow
 * loops never do O(n³) work: eigenvalues by implicit QL (no vectors accumulated), eigenvectors by inverse
 * iteration with reorthogonalisation inside clusters (LAPACK's dstein scheme), each unreduced block apart.
 */

import { LinalgError } from './errors';

const EPS = 2 ** -52;

/** max |d_i| + |e_i| over [lo, hi): ‖T‖'s scale, for the absolute part of the deflation test. */
function blockNorm(d: Float64Array, e: Float64Array, lo: number, hi: number): number {
  let norm = 0;
  for (let i = lo; i < hi; i++) norm = Math.max(norm, Math.abs(d[i]!) + (i < hi - 1 ? Math.abs(e[i]!) : 0));
  return norm;
}

/**
 * Whether off-diagonal e between diagonals a and b can be set to zero: relative to its neighbours (which
 * keeps small eigenvalues relatively accurate where the matrix allows), or below `small` = ε‖T‖, a
 * perturbation no larger than the rounding every eigenvalue carries anyway (EISPACK's tql1 test) — without
 * it a cluster of eigenvalues at zero, where the relative test can never pass, does not converge.
 */
function negligible(e: number, a: number, b: number, small: number): boolean {
  const size = Math.abs(e);
  return size <= EPS * (Math.abs(a) + Math.abs(b)) || size <= small;
}

/**
 * √(a² + b²) without Math.hypot's cost (~40 ns a call in V8, most of the QL sweep's time): the plain formula
 * whenever the squares neither overflow nor underflow, Math.hypot's scaling otherwise.
 */
function hypot(a: number, b: number): number {
  const s = a * a + b * b;
  return s > 1e-300 && s < 1e300 ? Math.sqrt(s) : Math.hypot(a, b);
}

/** Eigenvalues (ascending) and unit eigenvectors (row j of `vectors` is the j-th, length n). */
export interface TridiagonalEigen {
  readonly values: Float64Array;
  readonly vectors: Float64Array;
}

/**
 * Eigenvalues of the unreduced block d[lo..hi), e[lo..hi−1) by implicit QL with Wilkinson shifts, in place
 * (d ends as the eigenvalues, unsorted; e is destroyed).
 */
function qlValues(d: Float64Array, e: Float64Array, lo: number, hi: number): void {
  const small = EPS * blockNorm(d, e, lo, hi);
  for (let l = lo; l < hi; l++) {
    for (let iter = 0; ; iter++) {
      let m = l;
      for (; m < hi - 1; m++) {
        if (negligible(e[m]!, d[m]!, d[m + 1]!, small)) break;
      }
      if (m === l) break;
      if (iter === 90)
        throw new LinalgError('eigh: the tridiagonal QL iteration did not converge in 90 steps');
      let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
      let r = hypot(g, 1);
      g = d[m]! - d[l]! + e[l]! / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let underflow = false;
      for (let i = m - 1; i >= l; i--) {
        const f = s * e[i]!;
        const b = c * e[i]!;
        r = hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          // A zero rotation splits the block: deflate and start the sweep again.
          d[i + 1] = d[i + 1]! - p;
          e[m] = 0;
          underflow = true;
          break;
        }
        const inverse = 1 / r; // one division on the sweep's critical path, not two
        s = f * inverse;
        c = g * inverse;
        g = d[i + 1]! - p;
        r = (d[i]! - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (underflow) continue;
      d[l] = d[l]! - p;
      e[l] = g;
      e[m] = 0;
    }
  }
}

/** A reproducible start vector for inverse iteration (xorshift: no dependence on Math.random). */
function startVector(x: Float64Array, seed: number): void {
  let s = (seed * 2654435761 + 12345) >>> 0 || 1;
  for (let i = 0; i < x.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    x[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
}

/** LU factors of T − λI with partial pivoting (LAPACK's dgttrf), reused across inverse-iteration steps. */
interface ShiftedLU {
  /** 1 / U's diagonal: the solves multiply (a division costs ~4× a multiply and sits on their critical path). */
  readonly inv: Float64Array;
  readonly du: Float64Array;
  readonly dl: Float64Array;
  readonly du2: Float64Array;
  readonly swap: Uint8Array;
}

function shiftedWorkspace(n: number): ShiftedLU {
  return {
    inv: new Float64Array(n),
    du: new Float64Array(n),
    dl: new Float64Array(n),
    du2: new Float64Array(n),
    swap: new Uint8Array(n),
  };
}

/**
 * Factors T − λI into `lu` for the block's tridiagonal T, pivots below `tiny` raised to it: near an
 * eigenvalue the solve is meant to blow up along the eigenvector, never to divide by zero.
 */
function factorShifted(d: Float64Array, e: Float64Array, lambda: number, tiny: number, lu: ShiftedLU): void {
  const { inv, du, dl, du2, swap } = lu;
  const n = d.length;
  const raised = (x: number) => (Math.abs(x) < tiny ? (x < 0 ? -tiny : tiny) : x);
  // One pass: the current row's diagonal and superdiagonal as they stand after earlier eliminations.
  let diag = d[0]! - lambda;
  let upper = n > 1 ? e[0]! : 0;
  for (let i = 0; i < n - 1; i++) {
    const lower = e[i]!;
    let nextDiag = d[i + 1]! - lambda;
    let nextUpper = i < n - 2 ? e[i + 1]! : 0;
    if (Math.abs(diag) >= Math.abs(lower)) {
      const pivot = raised(diag);
      const fact = lower / pivot;
      inv[i] = 1 / pivot;
      dl[i] = fact;
      du[i] = upper;
      du2[i] = 0;
      swap[i] = 0;
      nextDiag -= fact * upper;
    } else {
      // Rows i and i + 1 swap: the pivot is the subdiagonal entry.
      const fact = diag / lower;
      inv[i] = 1 / lower;
      dl[i] = fact;
      du[i] = nextDiag;
      du2[i] = nextUpper;
      swap[i] = 1;
      nextDiag = upper - fact * nextDiag;
      nextUpper = -fact * nextUpper;
    }
    diag = nextDiag;
    upper = nextUpper;
  }
  inv[n - 1] = 1 / raised(diag);
}

/** Solves (T − λI) x = b in place from the factors (LAPACK's dgtts2). */
function solveShifted(lu: ShiftedLU, x: Float64Array): void {
  const { inv, du, dl, du2, swap } = lu;
  const n = x.length;
  for (let i = 0; i < n - 1; i++) {
    if (swap[i]) {
      const temp = x[i]!;
      x[i] = x[i + 1]!;
      x[i + 1] = temp - dl[i]! * x[i]!;
    } else {
      x[i + 1] = x[i + 1]! - dl[i]! * x[i]!;
    }
  }
  x[n - 1] = x[n - 1]! * inv[n - 1]!;
  if (n > 1) x[n - 2] = (x[n - 2]! - du[n - 2]! * x[n - 1]!) * inv[n - 2]!;
  for (let i = n - 3; i >= 0; i--) x[i] = (x[i]! - du[i]! * x[i + 1]! - du2[i]! * x[i + 2]!) * inv[i]!;
}

function normalize(x: Float64Array): void {
  // Usually the squares neither overflow nor underflow: one pass for the norm, one to scale.
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i]! * x[i]!;
  if (sum > 1e-280 && sum < 1e280) {
    const f = 1 / Math.sqrt(sum);
    for (let i = 0; i < x.length; i++) x[i] = x[i]! * f;
    return;
  }
  let big = 0;
  for (let i = 0; i < x.length; i++) big = Math.max(big, Math.abs(x[i]!));
  if (big === 0 || !Number.isFinite(big)) return;
  // Scaled by 1/big first so that the squares cannot overflow.
  const scale = 1 / big;
  sum = 0;
  for (let i = 0; i < x.length; i++) {
    const t = x[i]! * scale;
    sum += t * t;
  }
  const f = scale / Math.sqrt(sum);
  for (let i = 0; i < x.length; i++) x[i] = x[i]! * f;
}

/**
 * Solves per eigenvector. λ from QL is within ~ε‖T‖ (float64) of the eigenvalue, so each solve shrinks the
 * other eigenvectors' share by ε‖T‖/gap: below 1e-9 after one solve for gaps over 1e-6‖T‖ (closer ones are
 * reorthogonalised as a cluster), far below float32's 6e-8 after two. LAPACK's dstein does at least three,
 * for float64 results.
 */
const SOLVES = 2;

/** Eigenvectors of one unreduced block for its ascending eigenvalues `lambdas`; rows of length n. */
function blockVectors(d: Float64Array, e: Float64Array, lambdas: Float64Array): Float64Array[] {
  const n = d.length;
  let tnorm = 0;
  for (let i = 0; i < n; i++) {
    tnorm = Math.max(
      tnorm,
      Math.abs(d[i]!) + (i > 0 ? Math.abs(e[i - 1]!) : 0) + (i < n - 1 ? Math.abs(e[i]!) : 0),
    );
  }
  // Vectors of eigenvalues further apart than this come out orthogonal to ~1e-10 by themselves (the
  // loss is about ε‖T‖/gap); LAPACK's 1e-3‖T‖ is far more cautious than float32 results need.
  const ortol = 1e-6 * tnorm;
  const pertol = 10 * EPS * tnorm;
  const tiny = Math.max(EPS * tnorm, Number.MIN_VALUE * 1e10);
  const out: Float64Array[] = [];
  const lu = shiftedWorkspace(n);
  let clusterStart = 0;
  let previous = -Infinity;
  for (let j = 0; j < lambdas.length; j++) {
    if (j > 0 && lambdas[j]! - lambdas[j - 1]! >= ortol) clusterStart = j;
    // Equal eigenvalues would give equal solves: shift each a little above the one before.
    const lambda = Math.max(lambdas[j]!, previous + pertol);
    previous = lambda;
    const x = new Float64Array(n);
    startVector(x, j + 1);
    factorShifted(d, e, lambda, tiny, lu);
    for (let iter = 0; iter < SOLVES; iter++) {
      normalize(x);
      solveShifted(lu, x);
      for (let c = clusterStart; c < j; c++) {
        const z = out[c]!;
        let dot = 0;
        for (let i = 0; i < n; i++) dot += x[i]! * z[i]!;
        for (let i = 0; i < n; i++) x[i] = x[i]! - dot * z[i]!;
      }
    }
    normalize(x);
    out.push(x);
  }
  return out;
}

/**
 * Eigenvalues (ascending) and eigenvectors of the symmetric tridiagonal matrix with diagonal `d` (length n)
 * and off-diagonal `e` (length n − 1). O(n²) plus O(k²·n) for each cluster of k close eigenvalues. Only
 * the eigenvectors of the values from ascending index `from` on are formed (row j − from of `vectors`):
 * `from` = n gives the values alone, in O(n²).
 */
export function tridiagonalEigen(d: Float64Array, e: Float64Array, from = 0): TridiagonalEigen {
  const n = d.length;
  const blocks: { lo: number; hi: number; lambdas: Float64Array }[] = [];
  const small = EPS * blockNorm(d, e, 0, n);
  let lo = 0;
  for (let hi = 1; hi <= n; hi++) {
    const split = hi === n || negligible(e[hi - 1]!, d[hi - 1]!, d[hi]!, small);
    if (!split) continue;
    const lambdas = d.slice(lo, hi);
    const scratch = new Float64Array(hi - lo);
    scratch.set(e.subarray(lo, hi - 1));
    qlValues(lambdas, scratch, 0, hi - lo);
    blocks.push({ lo, hi, lambdas: lambdas.sort() });
    lo = hi;
  }
  const values = new Float64Array(n);
  let filled = 0;
  for (const { lambdas } of blocks) {
    values.set(lambdas, filled);
    filled += lambdas.length;
  }
  values.sort();
  // Vectors for every value at or above the cut (ties at it included), placed by value below.
  const cut = from < n ? values[from]! : Number.POSITIVE_INFINITY;
  const pairs: { value: number; block: number; vector: Float64Array }[] = [];
  for (const { lo, hi, lambdas } of blocks) {
    const first = lambdas.findIndex((v) => v >= cut);
    if (first < 0) continue;
    const wanted = lambdas.subarray(first);
    const vecs =
      hi - lo === 1 ? [Float64Array.of(1)] : blockVectors(d.slice(lo, hi), e.slice(lo, hi - 1), wanted);
    wanted.forEach((value, j) => {
      pairs.push({ value, block: lo, vector: vecs[j]! });
    });
  }
  pairs.sort((a, b) => a.value - b.value);
  const vectors = new Float64Array((n - Math.min(from, n)) * n);
  // Ties at the cut may bring one vector too many: the lowest ones go.
  pairs.slice(pairs.length - (n - Math.min(from, n))).forEach((p, j) => {
    vectors.set(p.vector, j * n + p.block);
  });
  return { values, vectors };
}
