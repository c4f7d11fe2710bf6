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
 * W for symmetric C (n×n row-major float64). Columns whose c_ii ≤ `nullLevel` (numerically zero singular
 * values) are neither grouped nor rotated: the caller replaces them.
 */
export function refineRotation(cIn: Float64Array, n: number, nullLevel: number): Refinement {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) c[i * n + j] = 0.5 * (cIn[i * n + j]! + cIn[j * n + i]!);
  }
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  for (let i = 0; i < n; i++) {
    const cii = c[i * n + i]!;
    if (cii <= nullLevel) continue;
    for (let j = i + 1; j < n; j++) {
      const cjj = c[j * n + j]!;
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
  // Q: block diagonal (after permutation), one Jacobi eigenbasis per cluster; identity on singletons.
  const q = new Float64Array(n * n);
  const groupOf = new Int32Array(n);
  let largestCluster = 1;
  for (const [root, members] of groups) {
    const k = members.length;
    largestCluster = Math.max(largestCluster, k);
    for (const i of members) groupOf[i] = root;
    if (k === 1) {
      q[members[0]! * n + members[0]!] = 1;
      continue;
    }
    const sub = new Float64Array(k * k);
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) sub[a * k + b] = c[members[a]! * n + members[b]!]!;
    }
    const { vectors } = jacobiEigen(sub, k);
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) q[members[a]! * n + members[b]!] = vectors[a * k + b]!;
    }
  }
  // C' = Qᵀ C Q, each product touching only the nonzeros of Q's columns (a cluster's members).
  const cq = new Float64Array(n * n);
  for (const members of groups.values()) {
    for (const j of members) {
      for (const a of members) {
        const qaj = q[a * n + j]!;
        if (qaj === 0) continue;
        for (let i = 0; i < n; i++) cq[i * n + j] = cq[i * n + j]! + c[i * n + a]! * qaj;
      }
    }
  }
  const c2 = new Float64Array(n * n);
  for (const members of groups.values()) {
    for (const i of members) {
      for (const a of members) {
        const qai = q[a * n + i]!;
        if (qai === 0) continue;
        for (let j = 0; j < n; j++) c2[i * n + j] = c2[i * n + j]! + qai * cq[a * n + j]!;
      }
    }
  }
  // K for pairs in different clusters; W = Q (I + K).
  const kmat = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const di = c2[i * n + i]!;
    for (let j = 0; j < n; j++) {
      if (i === j || groupOf[i] === groupOf[j]) continue;
      const gap = c2[j * n + j]! - di;
      const cij = 0.5 * (c2[i * n + j]! + c2[j * n + i]!);
      if (gap === 0 || Math.abs(cij) > FIRST_ORDER * Math.abs(gap)) continue;
      kmat[i * n + j] = cij / gap;
    }
  }
  const w = q.slice();
  for (let a = 0; a < n; a++) {
    const members = groups.get(groupOf[a]!)!;
    for (const i of members) {
      const qai = q[a * n + i]!;
      if (qai === 0) continue;
      for (let j = 0; j < n; j++) w[a * n + j] = w[a * n + j]! + qai * kmat[i * n + j]!;
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => c2[y * n + y]! - c2[x * n + x]!);
  const sorted = new Float64Array(n * n);
  const diag = new Float64Array(n);
  order.forEach((src, dst) => {
    diag[dst] = c2[src * n + src]!;
    for (let a = 0; a < n; a++) sorted[a * n + dst] = w[a * n + src]!;
  });
  return { w: sorted, diag, largestCluster };
}
