/**
 * The engine's CRF kernels (lib/csrc/crf.c for native and wasm, engine/js_crf.ts for js)
 * and the fused CRF ops (ops/crf_fused.ts: log Z, the log-likelihood, Viterbi, through
 * ops/crf.ts) against oracles:
 * - brute force: all K^L tag paths of each sequence enumerated in float64 (K ≤ 4, L ≤ 5):
 *   log Z = logsumexp of the path scores; the gradient of Σ_b w_b log Z_b = the expected
 *   feature counts Σ_y p(y) w_b [feature of y] (marginals of every emission, start, end and
 *   transition); the Viterbi path = the argmax and its score;
 * - the tfjs-op reference (`crfLogPartitionReference`, `crfLogLikelihoodReference`,
 *   `viterbiDecodeReference`, differentiated by tfjs autodiff): values and gradients at
 *   CoNLL-like sizes (K = 9, T = 14) with ragged masks, every reduction;
 * - float64 central finite differences of the brute-force log-likelihood;
 * - batched = one sequence at a time; padded emissions neither read nor given a gradient;
 *   forbidden transitions (−∞); large scores (|e| ≈ 100) without overflow;
 * - argument errors (a length-0 sequence, a length past T, a wrong array length) and the
 *   ops' dispatch to the active kernels.
 * Every implementation runs the same suite: js always; native and wasm when they load
 * (skipped with the loader's reason otherwise).
 *
 * Tolerances (u = 2⁻²⁴, the float32 unit roundoff). The kernels compute in float32
 * (js in float64, but its tape is float32), so their errors scale with the size of the
 * numbers the forward algorithm adds: S_b = |start|∞ + |end|∞ + L_b |e_b|∞ + (L_b − 1) |A|∞
 * bounds every partial path score of sequence b. Each α_t is rounded at ~u·S_b, log Z
 * inherits that, and a marginal exp(α + β − log Z) has that absolute error in its
 * exponent. Bounds, with c = 8:
 *   |Δ log Z_b| ≤ c u (1 + S_b);   |Δ ∂/∂e_b| ≤ c u (1 + S_b) |w_b|;
 *   |Δ ∂/∂start|, |Δ ∂/∂end|, |Δ ∂/∂A| ≤ c u Σ_b |w_b| (1 + S_b) L_b   (sums of ≤ L_b marginals per sequence).
 * Over 12,000 random problems (K ≤ 6, T ≤ 5, |e| ≤ 0.1 … 100) the largest error seen was
 * 2.8 of these units (native/wasm; js 2.0), so c = 8 leaves a margin of ~3 and a wrong
 * marginal (errors ≥ 1e-3) fails by orders of magnitude. Against the tfjs reference (itself
 * float32, its own order of operations) the bounds are doubled (c = 16). Viterbi is float64
 * in every implementation and in the reference, the same operations in the same order:
 * paths and scores must be equal.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { ArgumentError } from "../lib/src/errors.js";
import { withKernels } from "../lib/src/engine/engine.js";
import { jsKernels } from "../lib/src/engine/js.js";
import type { CrfInputs, Kernels } from "../lib/src/engine/kernels.js";
import { loadNativeKernels } from "../lib/src/engine/native.js";
import { loadWasmKernels } from "../lib/src/engine/wasm.js";
import { finiteDifferences64 } from "../lib/src/gradcheck/gradcheck.js";
import {
  crfLogLikelihood,
  crfLogLikelihoodReference,
  crfLogPartition,
  crfLogPartitionReference,
  viterbiDecode,
  viterbiDecodeReference,
  type CrfParams,
  type CrfReduction,
} from "../lib/src/ops/crf.js";

before(async () => {
  await initBackend({ quiet: true });
});

/** Each kernels implementation, or the reason it is skipped. */
function implementations(): { name: string; k?: Kernels; skip?: string }[] {
  const load = (name: string, f: () => Kernels) => {
    try {
      return { name, k: f() };
    } catch (err) {
      return { name, skip: `${name} kernels did not load: ${(err as Error).message}` };
    }
  };
  return [{ name: "js", k: jsKernels }, load("native", loadNativeKernels), load("wasm", loadWasmKernels)];
}

/** mulberry32: a seeded uniform generator in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A CRF problem: the kernels' inputs (float32), tags, and the weights w = dL/d log Z. */
interface Problem extends CrfInputs {
  tags: Int32Array; // [B, T]
  w: Float32Array; // [B]
}

/** Seeded random problem; lengths in [1, T], the first full; emissions ~ U(−scale, scale). */
function makeProblem(seed: number, B: number, T: number, K: number, scale = 2): Problem {
  const r = rng(seed);
  const u = (n: number, s: number) => Float32Array.from({ length: n }, () => (2 * r() - 1) * s);
  return {
    B, T, K,
    emissions: u(B * T * K, scale),
    lengths: Int32Array.from({ length: B }, (_, b) => (b === 0 ? T : 1 + Math.floor(r() * T))),
    start: u(K, 1),
    end: u(K, 1),
    transitions: u(K * K, 1),
    tags: Int32Array.from({ length: B * T }, () => Math.floor(r() * K)),
    w: u(B, 1.5),
  };
}

/** All K^L paths of length L. */
function allPaths(K: number, L: number): number[][] {
  let paths: number[][] = [[]];
  for (let t = 0; t < L; t++) paths = paths.flatMap((y) => Array.from({ length: K }, (_, k) => [...y, k]));
  return paths;
}

/** score(y) of sequence b, float64, from the definition in ops/crf.ts. */
function pathScore(p: CrfInputs, b: number, y: number[]): number {
  const e = (t: number, k: number) => p.emissions[(b * p.T + t) * p.K + k];
  let s = p.start[y[0]] + e(0, y[0]) + p.end[y[y.length - 1]];
  for (let t = 1; t < y.length; t++) s += p.transitions[y[t - 1] * p.K + y[t]] + e(t, y[t]);
  return s;
}

/** Brute force in float64: log Z, the gradient of Σ_b w_b log Z_b (expected counts), Viterbi. */
function bruteForce(p: CrfInputs, w: ArrayLike<number>) {
  const { B, T, K } = p;
  const logZ: number[] = [], best: number[][] = [], bestScore: number[] = [];
  const dE = new Float64Array(B * T * K), dStart = new Float64Array(K), dEnd = new Float64Array(K), dA = new Float64Array(K * K);
  for (let b = 0; b < B; b++) {
    const L = p.lengths[b];
    const paths = allPaths(K, L).map((y) => ({ y, s: pathScore(p, b, y) }));
    const max = Math.max(...paths.map((x) => x.s));
    const Z = max + Math.log(paths.reduce((acc, x) => acc + Math.exp(x.s - max), 0));
    logZ.push(Z);
    const top = paths.find((x) => x.s === max)!; // the first in lexicographic order: ties to the smallest ids
    best.push(top.y);
    bestScore.push(top.s);
    for (const { y, s } of paths) {
      const q = w[b] * Math.exp(s - Z); // w_b p(y)
      dStart[y[0]] += q;
      dEnd[y[L - 1]] += q;
      for (let t = 0; t < L; t++) dE[(b * T + t) * K + y[t]] += q;
      for (let t = 1; t < L; t++) dA[y[t - 1] * K + y[t]] += q;
    }
  }
  return { logZ, best, bestScore, dE, dStart, dEnd, dA };
}

/** Runs one implementation's three kernels; outputs start as NaN (every element must be written). */
function runKernels(k: Kernels, p: CrfInputs, w: Float32Array) {
  const { B, T, K } = p;
  const nan = (n: number) => new Float32Array(n).fill(NaN);
  const logZ = nan(B), tape = nan(k.crfTapeSize(p));
  k.crfForward({ ...p, logZ, tape });
  const g = { dEmissions: nan(B * T * K), dStart: nan(K), dEnd: nan(K), dTransitions: nan(K * K) };
  k.crfBackward({ ...p, tape, dLogZ: w, ...g });
  const paths = new Int32Array(B * T).fill(-7), scores = new Float64Array(B).fill(NaN);
  k.crfViterbi({ ...p, paths, scores });
  return { logZ, ...g, paths, scores };
}

/** |got − want| ≤ abs + rel·|want| elementwise. */
function assertClose(what: string, got: ArrayLike<number>, want: ArrayLike<number>, abs: number, rel = 0): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= abs + rel * Math.abs(want[i]))) assert.fail(`${what}[${i}]: expected ${want[i]}, got ${got[i]} (|err| ${err.toExponential(2)}, bound ${(abs + rel * Math.abs(want[i])).toExponential(2)})`);
  }
}

/** The float32 unit roundoff. */
const U = 2 ** -24;

/** The error bounds of the file comment for problem p and weights w, with constant c. */
function bounds(p: CrfInputs, w: ArrayLike<number>, c: number): { logZ: number[]; dE: number[]; params: number } {
  const maxAbs = (a: ArrayLike<number>, from = 0, to = a.length) => {
    let m = 0;
    for (let i = from; i < to; i++) m = Math.max(m, Math.abs(a[i]));
    return m;
  };
  const logZ: number[] = [], dE: number[] = [];
  let params = 0;
  for (let b = 0; b < p.B; b++) {
    const L = p.lengths[b], o = b * p.T * p.K;
    const S = maxAbs(p.start) + maxAbs(p.end) + L * maxAbs(p.emissions, o, o + L * p.K) + (L - 1) * maxAbs(p.transitions); // S_b
    logZ.push(c * U * (1 + S));
    dE.push(c * U * (1 + S) * Math.abs(w[b]));
    params += c * U * Math.abs(w[b]) * (1 + S) * L;
  }
  return { logZ, dE, params };
}

/** Checks one implementation against brute force on problem p (bounds of the file comment, c = 8). */
function checkAgainstBruteForce(k: Kernels, p: Problem): void {
  const got = runKernels(k, p, p.w);
  const bf = bruteForce(p, p.w);
  const tol = bounds(p, p.w, 8);
  const { B, T, K } = p;
  for (let b = 0; b < B; b++) {
    const L = p.lengths[b];
    assertClose(`log Z[${b}]`, [got.logZ[b]], [bf.logZ[b]], tol.logZ[b]);
    assertClose(`dEmissions[${b}]`, got.dEmissions.subarray(b * T * K, (b + 1) * T * K), bf.dE.subarray(b * T * K, (b + 1) * T * K), tol.dE[b]);
    assert.deepEqual(Array.from(got.paths.subarray(b * T, b * T + L)), bf.best[b], `Viterbi path ${b}`);
    assert.deepEqual(Array.from(got.paths.subarray(b * T + L, (b + 1) * T)), new Array<number>(T - L).fill(-1), `padding of path ${b}`);
    assertClose(`Viterbi score ${b}`, [got.scores[b]], [bf.bestScore[b]], 1e-12, 1e-15); // float64, summed in the same order
  }
  assertClose("dStart", got.dStart, bf.dStart, tol.params);
  assertClose("dEnd", got.dEnd, bf.dEnd, tol.params);
  assertClose("dTransitions", got.dTransitions, bf.dA, tol.params);
}

/** The problem's tensors. */
function tensors(p: Problem) {
  const { B, T, K } = p;
  const mask = Float32Array.from({ length: B * T }, (_, i) => (i % T < p.lengths[Math.floor(i / T)] ? 1 : 0));
  return {
    emissions: tf.tensor3d(p.emissions, [B, T, K]),
    tags: tf.tensor2d(p.tags, [B, T], "int32"),
    mask: tf.tensor2d(mask, [B, T]),
    params: { start: tf.tensor1d(p.start), end: tf.tensor1d(p.end), transitions: tf.tensor2d(p.transitions, [K, K]) } as CrfParams,
  };
}

/** Value and gradients (emissions, start, end, transitions) of a CRF log-likelihood function. */
function valueAndGrads(
  f: typeof crfLogLikelihood, p: Problem, reduction: CrfReduction,
): { value: number; grads: Float32Array[] } {
  return tf.tidy(() => {
    const { emissions, tags, mask, params } = tensors(p);
    const g = tf.valueAndGrads((e: tf.Tensor, s: tf.Tensor, en: tf.Tensor, A: tf.Tensor) =>
      f(e as tf.Tensor3D, tags, { start: s as tf.Tensor1D, end: en as tf.Tensor1D, transitions: A as tf.Tensor2D }, { mask, reduction }),
    );
    const { value, grads } = g([emissions, params.start, params.end, params.transitions]);
    return { value: value.dataSync()[0], grads: grads.map((x) => x.dataSync() as Float32Array) };
  });
}

for (const impl of implementations()) {
  describe(`${impl.name} CRF kernels`, { skip: impl.skip ?? false }, () => {
    const k = () => impl.k as Kernels;

    test("log Z, its gradient (marginals) and Viterbi = brute-force enumeration (K ≤ 4, L ≤ 5, ragged)", () => {
      for (const [B, T, K] of [[1, 1, 1], [1, 1, 3], [3, 2, 2], [4, 3, 3], [5, 5, 4], [3, 4, 1], [2, 5, 4]]) {
        for (let seed = 1; seed <= 3; seed++) checkAgainstBruteForce(k(), makeProblem(seed * 97 + B * 11 + K, B, T, K));
      }
    });

    test("fast-check: random sizes, lengths and scales = brute force", () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.nat(), fc.constantFrom(0.1, 2, 8, 100), (B, T, K, seed, scale) => {
          checkAgainstBruteForce(k(), makeProblem(seed, B, T, K, scale));
        }),
        { numRuns: 60, seed: 13 },
      );
    });

    test("K = 5 … 8 (vector tails of 1, 2, 3 lanes and none), L = 4", () => {
      for (const K of [5, 6, 7, 8]) checkAgainstBruteForce(k(), makeProblem(K, 3, 4, K));
    });

    test("large scores (|e| ≈ 100, |log Z| ≈ 500): no overflow, still = brute force", () => {
      for (let seed = 1; seed <= 5; seed++) checkAgainstBruteForce(k(), makeProblem(seed, 3, 5, 4, 100));
    });

    test("forbidden transitions (−∞): their paths have probability 0, gradient 0 there, no NaN", () => {
      const p = makeProblem(8, 3, 4, 3);
      p.transitions[0 * 3 + 1] = -Infinity; // 0 → 1 forbidden
      p.transitions[2 * 3 + 2] = -Infinity; // 2 → 2 forbidden
      checkAgainstBruteForce(k(), p);
      const got = runKernels(k(), p, p.w);
      assert.equal(got.dTransitions[1], 0);
      assert.equal(got.dTransitions[8], 0);
      // Every path forbidden (K = 1, A = −∞, L = 2): log Z = −∞ and a zero gradient, not NaN.
      const q = makeProblem(9, 1, 2, 1);
      q.transitions[0] = -Infinity;
      const none = runKernels(k(), q, q.w);
      assert.deepEqual(Array.from(none.logZ), [-Infinity]);
      assert.ok([...none.dEmissions, ...none.dStart, ...none.dEnd, ...none.dTransitions].every((x) => x === 0), "zero gradient");
    });

    test("batched = one sequence at a time (bit for bit per sequence); padded emissions are not read and get 0", () => {
      const p = makeProblem(21, 4, 6, 5);
      p.lengths.set([6, 2, 1, 5]);
      const all = runKernels(k(), p, p.w);
      const noisy = { ...p, emissions: p.emissions.slice() };
      for (let b = 0; b < p.B; b++) for (let t = p.lengths[b]; t < p.T; t++) noisy.emissions.fill(1e4, (b * p.T + t) * p.K, (b * p.T + t + 1) * p.K);
      const fromNoisy = runKernels(k(), noisy, p.w);
      for (const key of ["logZ", "dEmissions", "dStart", "dEnd", "dTransitions", "paths", "scores"] as const) {
        assert.deepEqual(fromNoisy[key], all[key], `${key} with garbage in the padding`);
      }
      const sum = { dStart: new Float64Array(p.K), dEnd: new Float64Array(p.K), dTransitions: new Float64Array(p.K * p.K) };
      for (let b = 0; b < p.B; b++) {
        const L = p.lengths[b], { T, K } = p;
        const one = { B: 1, T: L, K, emissions: p.emissions.slice(b * T * K, b * T * K + L * K), lengths: Int32Array.of(L), start: p.start, end: p.end, transitions: p.transitions };
        const r = runKernels(k(), one, Float32Array.of(p.w[b]));
        // The same arithmetic on the same values: equal, not just close.
        assert.deepEqual(r.logZ, all.logZ.subarray(b, b + 1), `log Z[${b}]`);
        assert.deepEqual(r.dEmissions, all.dEmissions.slice(b * T * K, b * T * K + L * K), `dEmissions[${b}]`);
        assert.ok(all.dEmissions.subarray(b * T * K + L * K, (b + 1) * T * K).every((x) => x === 0), `padded dEmissions[${b}] = 0`);
        assert.deepEqual(Array.from(r.paths), Array.from(all.paths.subarray(b * T, b * T + L)));
        assert.equal(r.scores[0], all.scores[b]);
        r.dStart.forEach((x, j) => (sum.dStart[j] += x));
        r.dEnd.forEach((x, j) => (sum.dEnd[j] += x));
        r.dTransitions.forEach((x, j) => (sum.dTransitions[j] += x));
      }
      // The parameter gradients are sums over the batch in float32: reordering them costs ≤ B·u of Σ_b |w_b| L_b.
      const reorder = p.B * U * p.w.reduce((acc, w, b) => acc + Math.abs(w) * p.lengths[b], 0);
      assertClose("dStart = Σ one at a time", all.dStart, sum.dStart, reorder);
      assertClose("dEnd = Σ one at a time", all.dEnd, sum.dEnd, reorder);
      assertClose("dTransitions = Σ one at a time", all.dTransitions, sum.dTransitions, reorder);
    });

    test("a length-0 sequence, a length past T, and wrong array lengths are ArgumentErrors naming them", () => {
      const p = makeProblem(3, 2, 4, 3);
      const out = () => ({ logZ: new Float32Array(2), tape: new Float32Array(k().crfTapeSize(p)) });
      const rejects = (fn: () => void, message: string) => assert.throws(fn, (e: unknown) => e instanceof ArgumentError && e.message === message);
      const name = impl.name;
      rejects(() => k().crfForward({ ...p, lengths: Int32Array.of(4, 0), ...out() }), `${name} crfForward: expected lengths[1] in [1, 4], got 0`);
      rejects(() => k().crfViterbi({ ...p, lengths: Int32Array.of(5, 1), paths: new Int32Array(8), scores: new Float64Array(2) }), `${name} crfViterbi: expected lengths[0] in [1, 4], got 5`);
      const grads = { dLogZ: new Float32Array(2), dEmissions: new Float32Array(24), dStart: new Float32Array(3), dEnd: new Float32Array(3), dTransitions: new Float32Array(9) };
      rejects(() => k().crfBackward({ ...p, lengths: Int32Array.of(-1, 2), tape: out().tape, ...grads }), `${name} crfBackward: expected lengths[0] in [1, 4], got -1`);
      if (name !== "js") {
        // The compiled kernels trust their sizes: checkedKernels (engine/kernel_args.ts) checks every array first.
        rejects(() => k().crfForward({ ...p, emissions: p.emissions.subarray(1), ...out() }), `${name} crfForward: expected emissions [B, T, K] of length 24, got 23`);
        rejects(() => k().crfForward({ ...p, lengths: Int32Array.of(4), ...out() }), `${name} crfForward: expected lengths [B] of length 2, got 1`);
        rejects(() => k().crfBackward({ ...p, tape: new Float32Array(3), ...grads }), `${name} crfBackward: expected tape of length 24, got 3`);
        rejects(() => k().crfBackward({ ...p, tape: out().tape, ...grads, dTransitions: new Float32Array(8) }), `${name} crfBackward: expected dTransitions [K, K] of length 9, got 8`);
        rejects(() => k().crfViterbi({ ...p, paths: new Int32Array(7), scores: new Float64Array(2) }), `${name} crfViterbi: expected paths [B, T] of length 8, got 7`);
      }
    });

    describe("through the ops (ops/crf.ts → ops/crf_fused.ts) vs the tfjs-op reference", () => {
      for (const reduction of ["sum", "mean", "tokenMean"] as const) {
        test(`crfLogLikelihood (${reduction}): value and gradients = crfLogLikelihoodReference + autodiff, K = 9, T = 14, ragged`, () => {
          const p = makeProblem(reduction.length, 6, 14, 9, 3);
          p.lengths.set([14, 1, 7, 13, 2, 9]);
          const want = valueAndGrads(crfLogLikelihoodReference, p, reduction);
          const got = withKernels(k(), () => valueAndGrads(crfLogLikelihood, p, reduction));
          // dL/d log Z_b = −w_b with w_b = 1, 1/B or 1/(Σ L): the bounds of the file comment, c = 16.
          const w = new Float64Array(p.B).fill(reduction === "sum" ? 1 : reduction === "mean" ? 1 / p.B : 1 / p.lengths.reduce((a, L) => a + L, 0));
          const tol = bounds(p, w, 16);
          assertClose("value", [got.value], [want.value], tol.logZ.reduce((a, x, b) => a + x * w[b], 0));
          for (let b = 0; b < p.B; b++) {
            const r = [b * 14 * 9, (b + 1) * 14 * 9];
            assertClose(`d/d emissions[${b}]`, got.grads[0].subarray(r[0], r[1]), want.grads[0].subarray(r[0], r[1]), tol.dE[b]);
          }
          ["start", "end", "transitions"].forEach((name, j) => assertClose(`d/d ${name}`, got.grads[j + 1], want.grads[j + 1], tol.params));
        });
      }

      test("crfLogPartition = crfLogPartitionReference (B = 32, T = 14, K = 9), and inside tf.variableGrads", () => {
        const p = makeProblem(44, 32, 14, 9, 4);
        const tol = bounds(p, new Float64Array(p.B).fill(1), 16);
        tf.tidy(() => {
          const { emissions, mask, params } = tensors(p);
          const want = crfLogPartitionReference(emissions, params, mask).dataSync();
          const got = withKernels(k(), () => crfLogPartition(emissions, params, mask)).dataSync();
          for (let b = 0; b < p.B; b++) assertClose(`log Z[${b}]`, [got[b]], [want[b]], tol.logZ[b]);
          const v = tf.variable(emissions);
          const { grads } = withKernels(k(), () => tf.variableGrads(() => tf.sum(crfLogPartition(v as tf.Tensor3D, params, mask)) as tf.Scalar, [v]));
          const ref = tf.grad((e: tf.Tensor) => tf.sum(crfLogPartitionReference(e as tf.Tensor3D, params, mask)))(emissions);
          assertClose("d log Z / d emissions", grads[v.name].dataSync(), ref.dataSync(), Math.max(...tol.dE));
          v.dispose();
        });
      });

      test("gradient = float64 finite differences of the brute-force log-likelihood", () => {
        const p = makeProblem(77, 3, 4, 3);
        p.lengths.set([4, 3, 1]);
        const got = withKernels(k(), () => valueAndGrads(crfLogLikelihood, p, "sum"));
        const tol = bounds(p, new Float64Array(p.B).fill(1), 8); // + 1e-8 for the differences' own O(ε²) and rounding error
        const bruteLogLikelihood = (q: CrfInputs): number => {
          let total = 0;
          const { logZ } = bruteForce(q, new Float64Array(q.B));
          for (let b = 0; b < q.B; b++) total += pathScore(q, b, Array.from(p.tags.subarray(b * q.T, b * q.T + q.lengths[b]))) - logZ[b];
          return total;
        };
        const keys = ["emissions", "start", "end", "transitions"] as const;
        keys.forEach((key, j) => {
          const fd = finiteDifferences64((th) => bruteLogLikelihood({ ...p, [key]: th } as unknown as CrfInputs), Float64Array.from(p[key]));
          assertClose(`d logL / d ${key}`, got.grads[j], fd, (key === "emissions" ? Math.max(...tol.dE) : tol.params) + 1e-8);
        });
      });

      test("viterbiDecode = viterbiDecodeReference exactly, ties included", () => {
        // Integer scores and zero transitions: many paths tie, the smallest ids must win.
        const p = makeProblem(5, 8, 7, 4);
        p.emissions.forEach((x, i) => (p.emissions[i] = Math.round(x)));
        p.transitions.fill(0);
        p.start.fill(0);
        p.end.fill(0);
        p.lengths.set([7, 3, 1, 6, 7, 2, 5, 4]);
        const q = makeProblem(6, 16, 14, 9, 3);
        for (const x of [p, q]) {
          tf.tidy(() => {
            const { emissions, mask, params } = tensors(x);
            const want = viterbiDecodeReference(emissions, params, mask);
            assert.deepEqual(withKernels(k(), () => viterbiDecode(emissions, params, mask)), want);
          });
        }
      });

      test("no tensor is left behind", () => {
        const p = makeProblem(3, 4, 5, 3);
        const { emissions, tags, mask, params } = tensors(p);
        const v = tf.variable(emissions);
        const before = tf.memory().numTensors;
        withKernels(k(), () => {
          tf.tidy(() => void tf.variableGrads(() => crfLogLikelihood(v as tf.Tensor3D, tags, params, { mask }), [v]));
          tf.tidy(() => void tf.grads((e: tf.Tensor) => crfLogPartition(e as tf.Tensor3D, params, mask))([emissions]));
          viterbiDecode(emissions, params, mask);
        });
        assert.equal(tf.memory().numTensors, before);
        tf.dispose([v, emissions, tags, mask, params.start, params.end, params.transitions]);
      });
    });
  });
}

describe("CRF op dispatch", () => {
  test("crfLogPartition, its gradient and viterbiDecode call the active kernels, and only then", () => {
    const calls: string[] = [];
    const spy: Kernels = { ...jsKernels };
    for (const name of ["crfForward", "crfBackward", "crfViterbi"] as const) {
      const original = jsKernels[name] as (a: never) => void;
      (spy as unknown as Record<string, unknown>)[name] = (a: never) => {
        calls.push(name);
        original(a);
      };
    }
    const p = makeProblem(1, 2, 3, 3);
    const { emissions, tags, mask, params } = tensors(p);
    const run = () => {
      tf.tidy(() => void tf.grad((e: tf.Tensor) => crfLogLikelihood(e as tf.Tensor3D, tags, params, { mask }))(emissions));
      viterbiDecode(emissions, params, mask);
    };
    withKernels(null, run);
    assert.deepEqual(calls, [], "no engine: the reference ops");
    withKernels(spy, run);
    assert.deepEqual(calls, ["crfForward", "crfBackward", "crfViterbi"]);
    tf.dispose([emissions, tags, mask, params.start, params.end, params.transitions]);
  });

  test("a sequence of length 0 and a tag out of range are refused before any kernel runs, with the op's message, engine or not", () => {
    const p = makeProblem(1, 2, 3, 3);
    const { emissions, tags, params } = tensors(p);
    const mask = tf.tensor2d([[1, 1, 0], [0, 0, 0]]);
    const badTags = tf.tensor2d([[0, 3, 0], [1, 1, 1]], [2, 3], "int32");
    for (const k of [jsKernels, null]) {
      withKernels(k, () => {
        assert.throws(() => crfLogPartition(emissions, params, mask), { message: "crfLogPartition: expected the first step of every sequence real, got mask[1, 0] = 0" });
        assert.throws(() => crfLogLikelihood(emissions, tags, params, { mask }), { message: "crfLogLikelihood: expected the first step of every sequence real, got mask[1, 0] = 0" });
        assert.throws(() => viterbiDecode(emissions, params, mask), { message: "viterbiDecode: expected the first step of every sequence real, got mask[1, 0] = 0" });
        assert.throws(() => crfLogLikelihood(emissions, badTags, params), { message: "crfLogLikelihood: expected tags in [0, 3), got tags[0, 1] = 3" });
      });
    }
    tf.dispose([emissions, tags, badTags, mask, params.start, params.end, params.transitions]);
  });
});
