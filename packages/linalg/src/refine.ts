import { jacobiEigen } from './jacobi';

/**
 * One refinement of approximate right singular vectors, on the host in O(n²) plus O(k³) per cluster.
 *
 * The SVD starts from V₀, eigenvectors of AᵀA computed in float32: accurate for the large singular values,
 * not for the small ones, since forming AᵀA squares the condition number. With B = A V₀, the matrix
 * C = BᵀB is nearly diagonal and — unlike AᵀA — each entry carries an error relative to its own columns'
 * norms (c_ij ± ε‖b_i‖‖b_j‖), the property one-sided Jacobi relies on. This returns the orthogonal W that
 * diagonalises C: first-order rotations K_ij = c_ij / (c_jj − c_ii) (Ogita & Aishima's refinement) for
 * well-separated pairs, and a float64 Jacobi eigensolve for each cluster of pairs too close for first
 * order. Then B W has orthogonal columns to float32 accuracy and V₀ W is the refined V.
 */

/** A pair needs a dense solve when its coupling exceeds this fraction of its diagonal gap: K² stays ≤ 1e-6. */
const FIRST_ORDER = 1e-4;
/** Couplings below this fraction of √(c_ii c_jj) leave u_iᵀu_j at float32's roundoff: left alone. */
const NEGLIGIBLE = 1e-7;

export interface Refinement {
  /** W, n×n row-major, columns ordered by `diag` descending. */
  readonly w: Float64Array;
  /** The diagonal of WᵀCW (the squared singular values), descending. */
  readonly diag: Float64Array;
  /** Size of the largest cluster solved densely (for diagnostics). */
  readonly largestCluster: number;
}

function find(parent: Int32Array, i: number): number {
  let root = i;
  while (parent[root] !== root) root = parent[root]!;
  while (parent[i] !== root) {
    const next = parent[i]!;
    parent[i] = root;
    i = next;
  }
  return root;
}

/**
 * A ← (A + Aᵀ)/2 in place for a row-major n×n matrix, in tiles: a column walk of a large matrix misses the
 * TLB at every step.
 */
function symmetrize(a: Float64Array, n: number): Float64Array {
  const T = 32;
  for (let i0 = 0; i0 < n; i0 += T) {
    for (let j0 = 0; j0 <= i0; j0 += T) {
      for (let i = i0; i < Math.min(n, i0 + T); i++) {
        for (let j = j0; j < Math.min(i, j0 + T); j++) {
          const v = 0.5 * (a[i * n + j]! + a[j * n + i]!);
          a[i * n + j] = v;
          a[j * n + i] = v;
        }
      }
    }
  }
  return a;
}

const diagonal = (a: Float64Array, n: number) => Float64Array.from({ length: n }, (_, i) => a[i * n + i]!);

/**
 * W for symmetric C (n×n row-major float64), which it overwrites: n² float64 arrays are few here, since
 * each large allocation pressures V8's collector (25–120 ms a call at n = 784 with four of them). Columns
 * whose c_ii ≤ `nullLevel` (numerically zero singular values) are neither grouped nor rotated: the caller
 * replaces them.
 */
export function refineRotation(cIn: Float64Array, n: number, nullLevel: number): Refinement {
  const c = symmetrize(cIn, n);
  const d = diagonal(c, n);
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  for (let i = 0; i < n; i++) {
    const cii = d[i]!;
    if (cii <= nullLevel) continue;
    for (let j = i + 1; j < n; j++) {
      const cjj = d[j]!;
      if (cjj <= nullLevel) continue;
      const cij = Math.abs(c[i * n + j]!);
      if (cij > FIRST_ORDER * Math.abs(cii - cjj) && cij > NEGLIGIBLE * Math.sqrt(cii * cjj)) {
        const [ri, rj] = [find(parent, i), find(parent, j)];
        if (ri !== rj) parent[Math.max(ri, rj)] = Math.min(ri, rj);
      }
    }
  }
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const root = find(parent, i);
    const g = groups.get(root);
    if (g) g.push(i);
    else groups.set(root, [i]);
  }
  // Q: block diagonal (after permutation), one Jacobi eigenbasis per cluster, the identity on singletons
  // (most columns): kept per cluster, so that every n² pass below runs along rows.
  const groupOf = new Int32Array(n);
  const clusters: { members: number[]; q: Float64Array }[] = [];
  let largestCluster = 1;
  for (const [root, members] of groups) {
    for (const i of members) groupOf[i] = root;
    const k = members.length;
    if (k === 1) continue;
    largestCluster = Math.max(largestCluster, k);
    const sub = new Float64Array(k * k);
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) sub[a * k + b] = c[members[a]! * n + members[b]!]!;
    }
    clusters.push({ members, q: jacobiEigen(sub, k).vectors });
  }
  // C' = Qᵀ C Q, in place: C itself outside the clusters' rows and columns. Columns first (CQ: a cluster's
  // block reads only its own columns of C), then rows (Qᵀ·).
  const c2 = c;
  const column = new Float64Array(n);
  for (const { members, q } of clusters) {
    const k = members.length;
    const block = members.map(() => new Float64Array(n));
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < k; a++) column[a] = c[i * n + members[a]!]!;
      for (let b = 0; b < k; b++) {
        let sum = 0;
        for (let a = 0; a < k; a++) sum += column[a]! * q[a * k + b]!;
        block[b]![i] = sum;
      }
    }
    members.forEach((j, b) => {
      for (let i = 0; i < n; i++) c2[i * n + j] = block[b]![i]!;
    });
  }
  for (const { members, q } of clusters) {
    const k = members.length;
    const rows = members.map((_, b) => {
      const row = new Float64Array(n);
      for (let a = 0; a < k; a++) {
        const qab = q[a * k + b]!;
        const from = members[a]! * n;
        for (let j = 0; j < n; j++) row[j] = row[j]! + qab * c2[from + j]!;
      }
      return row;
    });
    members.forEach((i, b) => {
      c2.set(rows[b]!, i * n);
    });
  }
  // Clusters' rows and columns made exactly symmetric again (elsewhere C' is C, symmetric already).
  for (const { members } of clusters) {
    for (const i of members) {
      for (let j = 0; j < n; j++) {
        const v = 0.5 * (c2[i * n + j]! + c2[j * n + i]!);
        c2[i * n + j] = v;
        c2[j * n + i] = v;
      }
    }
  }
  const d2 = diagonal(c2, n);
  // K for pairs in different clusters; W = Q (I + K), row by row: a singleton's row is e_i + K's row i.
  const krow = (i: number, into: Float64Array, scale: number) => {
    const di = d2[i]!;
    for (let j = 0; j < n; j++) {
      if (i === j || groupOf[i] === groupOf[j]) continue;
      const gap = d2[j]! - di;
      const cij = c2[i * n + j]!;
      if (gap === 0 || Math.abs(cij) > FIRST_ORDER * Math.abs(gap)) continue;
      into[j] = into[j]! + (scale * cij) / gap;
    }
  };
  const w = new Float64Array(n * n);
  const clusterOf = new Map(clusters.map((cl) => [cl.members[0]!, cl]));
  for (let i = 0; i < n; i++) {
    if (!clusterOf.has(groupOf[i]!)) {
      const row = w.subarray(i * n, (i + 1) * n);
      row[i] = 1;
      krow(i, row, 1);
    }
  }
  for (const { members, q } of clusters) {
    const k = members.length;
    // Rows a of Q (I + K) for a in the cluster: Σ_b q[a, b] (e_{m_b} + K[m_b, :]).
    const kRows = members.map((i) => {
      const row = new Float64Array(n);
      krow(i, row, 1);
      return row;
    });
    for (let a = 0; a < k; a++) {
      const row = w.subarray(members[a]! * n, (members[a]! + 1) * n);
      for (let b = 0; b < k; b++) {
        const qab = q[a * k + b]!;
        row[members[b]!] = row[members[b]!]! + qab;
        const kb = kRows[b]!;
        for (let j = 0; j < n; j++) row[j] = row[j]! + qab * kb[j]!;
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d2[y]! - d2[x]!);
  const diag = Float64Array.from(order, (src) => d2[src]!);
  // W's columns in that order, row by row in place (mostly the order is already descending).
  if (order.every((src, dst) => src === dst)) return { w, diag, largestCluster };
  const row = new Float64Array(n);
  for (let a = 0; a < n; a++) {
    row.set(w.subarray(a * n, (a + 1) * n));
    for (let dst = 0; dst < n; dst++) w[a * n + dst] = row[order[dst]!]!;
  }
  return { w, diag, largestCluster };
}
