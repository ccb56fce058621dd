/**
 * Tiny float64 linear algebra for the exact (non-tfjs) RNN maths of `vanilla.ts` and
 * `jacobian.ts`. Matrices are row-major `Float64Array`s with their sizes passed
 * alongside: A [m, n] has A[i, j] = A[i * n + j]. Vectors are `Float64Array`s.
 *
 * Nothing here is fast or clever; everything is short enough to check by eye, because
 * these functions are the oracles the tfjs code is tested against.
 */
import { ArgumentError } from "../errors.js";
import { nextSeed, seededGenerator } from "../random.js";

/**
 * y = A x.
 * @param A - [m, n].
 * @param x - [n].
 * @returns [m].
 */
export function matVec(A: Float64Array, m: number, n: number, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(m); // [m]
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += A[i * n + j] * x[j];
    y[i] = s;
  }
  return y;
}

/**
 * y = Aᵀ x.
 * @param A - [m, n].
 * @param x - [m].
 * @returns [n].
 */
export function matTVec(A: Float64Array, m: number, n: number, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(n); // [n]
  for (let i = 0; i < m; i++) {
    const xi = x[i];
    for (let j = 0; j < n; j++) y[j] += A[i * n + j] * xi;
  }
  return y;
}

/**
 * C = A B.
 * @param A - [m, k].
 * @param B - [k, n].
 * @returns [m, n].
 */
export function matMul(A: Float64Array, B: Float64Array, m: number, k: number, n: number): Float64Array {
  const C = new Float64Array(m * n); // [m, n]
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const a = A[i * k + p];
      if (a === 0) continue;
      for (let j = 0; j < n; j++) C[i * n + j] += a * B[p * n + j];
    }
  }
  return C;
}

/**
 * G += a bᵀ (in place).
 * @param G - [m, n].
 * @param a - [m].
 * @param b - [n].
 */
export function addOuter(G: Float64Array, a: ArrayLike<number>, b: ArrayLike<number>): void {
  const m = a.length;
  const n = b.length;
  for (let i = 0; i < m; i++) {
    const ai = a[i];
    for (let j = 0; j < n; j++) G[i * n + j] += ai * b[j];
  }
}

/** The n × n identity, [n, n]. */
export function identity(n: number): Float64Array {
  const I = new Float64Array(n * n); // [n, n]
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  return I;
}

/**
 * diag(d) A: scales row i of A by d[i].
 * @param d - [m].
 * @param A - [m, n].
 * @returns [m, n].
 */
export function diagTimes(d: ArrayLike<number>, A: Float64Array, n: number): Float64Array {
  const out = new Float64Array(A.length); // [m, n]
  for (let i = 0; i < d.length; i++) for (let j = 0; j < n; j++) out[i * n + j] = d[i] * A[i * n + j];
  return out;
}

/** The Euclidean norm ‖v‖₂. */
export function norm2(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/**
 * A seeded uniform generator on [0, 1) (mulberry32, the same generator as
 * `lib/src/random.ts`, but private to the caller so it leaves the global sequence alone).
 * @param seed - integer seed. Default: `nextSeed()` from the global generator.
 */
export function uniformGenerator(seed: number = nextSeed()): () => number {
  if (!Number.isInteger(seed)) throw new ArgumentError(`uniformGenerator: expected an integer seed, got ${seed}`);
  return seededGenerator(seed);
}

/** A standard normal sample from a uniform generator (Box–Muller). */
export function gaussian(uniform: () => number): number {
  const u1 = 1 - uniform(); // in (0, 1], so the log is finite
  const u2 = uniform();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * The spectral norm ‖A‖₂ = σ_max(A), by power iteration on AᵀA (float64).
 *
 * Power iteration converges at the rate (σ₂/σ₁)²; `iterations` is an upper bound, it stops
 * when the estimate changes by less than 1e-13 relative.
 * @param A - [m, n].
 * @param iterations - at most this many iterations. Default: 500.
 * @returns σ_max ≥ 0.
 */
export function spectralNorm(A: Float64Array, m: number, n: number, iterations = 500): number {
  // A fixed, generic start vector: deterministic, and not orthogonal to any particular direction.
  let v = new Float64Array(n); // [n]
  for (let j = 0; j < n; j++) v[j] = 1 + 0.1 * Math.sin(1 + 7.3 * j);
  let sigma = 0;
  for (let it = 0; it < iterations; it++) {
    const nv = norm2(v);
    if (nv === 0) return 0;
    for (let j = 0; j < n; j++) v[j] /= nv;
    const Av = matVec(A, m, n, v); // [m]
    const next = norm2(Av);
    v = matTVec(A, m, n, Av); // [n], AᵀA v
    if (Math.abs(next - sigma) <= 1e-13 * next) return next;
    sigma = next;
  }
  return sigma;
}
