/**
 * The linear-chain CRF (lib/src/ops/crf.ts) against oracles written here:
 * - brute force: every one of the K^L tag paths of each sequence enumerated in float64
 *   JavaScript from the tensors' values; log Z = logsumexp of their scores, the Viterbi
 *   path = their argmax (tiny sizes, K ≤ 4, T ≤ 5, with right-padding masks);
 * - batched = one sequence at a time, unpadded;
 * - the gradient of the log-likelihood (tfjs autodiff, float32) against float64 central
 *   finite differences of the brute-force log-likelihood;
 * - two hand-computed values (K = 2, T = 2) with the arithmetic written out;
 * - error messages for bad shapes, dtypes, masks and tags.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { setSeed } from "../lib/src/random.js";
import { ArgumentError } from "../lib/src/errors.js";
import { finiteDifferences64, relativeError } from "../lib/src/gradcheck/gradcheck.js";
import { Crf, crfLogLikelihood, crfLogPartition, crfScore, viterbiDecode, type CrfParams } from "../lib/src/ops/crf.js";

before(async () => {
  await initBackend({ quiet: true });
});

/** A tiny problem as plain float64 arrays. */
interface Problem {
  B: number;
  T: number;
  K: number;
  e: number[]; // [B·T·K]
  start: number[]; // [K]
  end: number[]; // [K]
  A: number[]; // [K·K]
  tags: number[]; // [B·T]
  lengths: number[]; // [B]
}

/** A seeded random problem; lengths in [1, T] with at least one full-length row. */
function makeProblem(seed: number, B: number, T: number, K: number): Problem {
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const normal = (n: number, scale: number) => Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
  const lengths = Array.from({ length: B }, (_, b) => (b === 0 ? T : 1 + Math.floor(rand() * T)));
  return {
    B, T, K, lengths,
    e: normal(B * T * K, 2),
    start: normal(K, 1),
    end: normal(K, 1),
    A: normal(K * K, 1),
    tags: Array.from({ length: B * T }, () => Math.floor(rand() * K)),
  };
}

/** The problem as tensors (emissions, tags, mask, params). */
function tensors(p: Problem) {
  const mask = Array.from({ length: p.B * p.T }, (_, i) => (i % p.T < p.lengths[Math.floor(i / p.T)] ? 1 : 0));
  return {
    emissions: tf.tensor3d(p.e, [p.B, p.T, p.K]),
    tags: tf.tensor2d(p.tags, [p.B, p.T], "int32"),
    mask: tf.tensor2d(mask, [p.B, p.T]),
    params: { start: tf.tensor1d(p.start), end: tf.tensor1d(p.end), transitions: tf.tensor2d(p.A, [p.K, p.K]) } as CrfParams,
  };
}

/** score of path y (length L) of sequence b, float64, straight from the definition. */
function pathScore(p: Problem, b: number, y: number[]): number {
  const e = (t: number, k: number) => p.e[(b * p.T + t) * p.K + k];
  let s = p.start[y[0]] + e(0, y[0]) + p.end[y[y.length - 1]];
  for (let t = 1; t < y.length; t++) s += p.A[y[t - 1] * p.K + y[t]] + e(t, y[t]);
  return s;
}

/** All K^L paths of length L. */
function allPaths(K: number, L: number): number[][] {
  let paths: number[][] = [[]];
  for (let t = 0; t < L; t++) paths = paths.flatMap((y) => Array.from({ length: K }, (_, k) => [...y, k]));
  return paths;
}

/** Brute force for sequence b: log Z, the best path and its score. */
function bruteForce(p: Problem, b: number): { logZ: number; best: number[]; bestScore: number } {
  const scores = allPaths(p.K, p.lengths[b]).map((y) => ({ y, s: pathScore(p, b, y) }));
  const max = Math.max(...scores.map((x) => x.s));
  const logZ = max + Math.log(scores.reduce((acc, x) => acc + Math.exp(x.s - max), 0));
  const top = scores.find((x) => x.s === max)!;
  return { logZ, best: top.y, bestScore: top.s };
}

/** Brute-force log-likelihood summed over the batch, float64. */
function bruteLogLikelihood(p: Problem): number {
  let total = 0;
  for (let b = 0; b < p.B; b++) {
    const y = p.tags.slice(b * p.T, b * p.T + p.lengths[b]);
    total += pathScore(p, b, y) - bruteForce(p, b).logZ;
  }
  return total;
}

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

describe("CRF vs brute-force enumeration", () => {
  const sizes: [number, number, number][] = [[1, 1, 3], [3, 2, 2], [4, 3, 3], [5, 5, 4], [3, 4, 1]];
  for (const [B, T, K] of sizes) {
    test(`score, log Z and Viterbi, B=${B} T=${T} K=${K} with padding`, () => {
      for (let seed = 1; seed <= 3; seed++) {
        const p = makeProblem(seed * 101 + K, B, T, K);
        const { emissions, tags, mask, params } = tensors(p);
        const score = crfScore(emissions, tags, params, mask).arraySync();
        const logZ = crfLogPartition(emissions, params, mask).arraySync();
        const vit = viterbiDecode(emissions, params, mask);
        assert.deepEqual(vit.lengths, p.lengths);
        for (let b = 0; b < B; b++) {
          const y = p.tags.slice(b * T, b * T + p.lengths[b]);
          const bf = bruteForce(p, b);
          close(score[b], pathScore(p, b, y), 1e-5, `score[${b}]`);
          close(logZ[b], bf.logZ, 1e-5, `logZ[${b}]`);
          assert.deepEqual(vit.paths[b], bf.best, `Viterbi path of sequence ${b}`);
          close(vit.scores[b], bf.bestScore, 1e-6, `Viterbi score[${b}]`);
          assert.ok(bf.bestScore <= bf.logZ); // one term of the logsumexp
        }
        // The Viterbi paths (padded with tag 0) scored by crfScore give the Viterbi scores.
        const best = tf.tensor2d(vit.paths.map((y) => [...y, ...new Array<number>(T - y.length).fill(0)]), [B, T], "int32");
        crfScore(emissions, best, params, mask).arraySync().forEach((s, b) => close(s, vit.scores[b], 1e-5, `crfScore(Viterbi path ${b})`));
        best.dispose();
        tf.dispose([emissions, tags, mask, params.start, params.end, params.transitions]);
      }
    });
  }

  test("fast-check: random sizes and masks, log Z and Viterbi match enumeration", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.nat(), (B, T, K, seed) => {
        const p = makeProblem(seed, B, T, K);
        tf.tidy(() => {
          const { emissions, mask, params } = tensors(p);
          const logZ = crfLogPartition(emissions, params, mask).arraySync();
          const vit = viterbiDecode(emissions, params, mask);
          for (let b = 0; b < B; b++) {
            const bf = bruteForce(p, b);
            close(logZ[b], bf.logZ, 1e-5, `logZ[${b}]`);
            assert.deepEqual(vit.paths[b], bf.best);
          }
        });
      }),
      { numRuns: 40, seed: 7 },
    );
  });

  test("no mask = an all-ones mask", () => {
    const p = makeProblem(5, 3, 4, 3);
    p.lengths = [4, 4, 4];
    tf.tidy(() => {
      const { emissions, tags, mask, params } = tensors(p);
      assert.deepEqual(crfLogPartition(emissions, params).arraySync(), crfLogPartition(emissions, params, mask).arraySync());
      assert.deepEqual(crfScore(emissions, tags, params).arraySync(), crfScore(emissions, tags, params, mask).arraySync());
      assert.deepEqual(viterbiDecode(emissions, params), viterbiDecode(emissions, params, mask));
    });
  });
});

describe("CRF batched = one at a time", () => {
  test("each padded row equals its own unpadded run, and padding values do not matter", () => {
    const p = makeProblem(42, 4, 5, 4);
    p.lengths = [5, 2, 1, 4];
    tf.tidy(() => {
      const { emissions, tags, mask, params } = tensors(p);
      const score = crfScore(emissions, tags, params, mask).arraySync();
      const logZ = crfLogPartition(emissions, params, mask).arraySync();
      const vit = viterbiDecode(emissions, params, mask);
      // Garbage in the padded emissions/tags changes nothing.
      const noisy = tf.where(tf.cast(tf.expandDims(mask, 2), "bool"), emissions, tf.fill(emissions.shape, 1e3)) as tf.Tensor3D;
      const noisyTags = tf.where(tf.cast(mask, "bool"), tags, tf.fill(tags.shape, p.K - 1, "int32")) as tf.Tensor2D;
      assert.deepEqual(crfLogPartition(noisy, params, mask).arraySync(), logZ);
      assert.deepEqual(crfScore(noisy, noisyTags, params, mask).arraySync(), score);
      for (let b = 0; b < p.B; b++) {
        const L = p.lengths[b];
        const e1 = tf.slice(emissions, [b, 0, 0], [1, L, p.K]); // [1, L, K]
        const y1 = tf.slice(tags, [b, 0], [1, L]); // [1, L]
        close(crfScore(e1, y1, params).arraySync()[0], score[b], 1e-6, `score[${b}]`);
        close(crfLogPartition(e1, params).arraySync()[0], logZ[b], 1e-6, `logZ[${b}]`);
        const one = viterbiDecode(e1, params);
        assert.deepEqual(one.paths[0], vit.paths[b]);
        close(one.scores[0], vit.scores[b], 1e-9, `Viterbi score[${b}]`);
      }
    });
  });
});

describe("CRF by hand", () => {
  // K = 2, T = 2, one sequence: e = [[1, 0], [0, 2]], start = [0.5, 0], end = [0, 1],
  // A = [[0, -1], [2, 0]] (A[i][j]: i → j). The four paths:
  //   (0,0): 0.5 + 1 + 0 + 0 + 0 = 1.5      (0,1): 0.5 + 1 + (−1) + 2 + 1 = 3.5
  //   (1,0): 0 + 0 + 2 + 0 + 0 = 2          (1,1): 0 + 0 + 0 + 2 + 1 = 3
  // log Z = log(e^1.5 + e^3.5 + e^2 + e^3) = 4.2058…, best path (0,1) with score 3.5,
  // log p((1,0)) = 2 − log Z. The transposed convention A[j][i] would score (0,1) as
  // 0.5 + 1 + 2 + 2 + 1 = 6.5, so the test also pins the row = from, column = to reading.
  const logZ = Math.log(Math.exp(1.5) + Math.exp(3.5) + Math.exp(2) + Math.exp(3));
  const make = () => ({
    emissions: tf.tensor3d([[[1, 0], [0, 2]]]),
    params: { start: tf.tensor1d([0.5, 0]), end: tf.tensor1d([0, 1]), transitions: tf.tensor2d([[0, -1], [2, 0]]) },
  });

  test("log Z, Viterbi and a log-likelihood", () => {
    tf.tidy(() => {
      const { emissions, params } = make();
      close(crfLogPartition(emissions, params).arraySync()[0], logZ, 1e-6, "log Z");
      const vit = viterbiDecode(emissions, params);
      assert.deepEqual(vit.paths, [[0, 1]]);
      close(vit.scores[0], 3.5, 1e-12, "best score");
      const tags = tf.tensor2d([[1, 0]], [1, 2], "int32");
      close(crfScore(emissions, tags, params).arraySync()[0], 2, 1e-6, "score (1,0)");
      close(crfLogLikelihood(emissions, tags, params).arraySync(), 2 - logZ, 1e-6, "log p");
    });
  });

  test("reductions: sum, mean over sequences, mean over real tokens", () => {
    tf.tidy(() => {
      const p = makeProblem(9, 3, 4, 3);
      p.lengths = [4, 2, 3];
      const { emissions, tags, mask, params } = tensors(p);
      const sum = bruteLogLikelihood(p);
      close(crfLogLikelihood(emissions, tags, params, { mask }).arraySync(), sum, 1e-5, "sum");
      close(crfLogLikelihood(emissions, tags, params, { mask, reduction: "mean" }).arraySync(), sum / 3, 1e-5, "mean");
      close(crfLogLikelihood(emissions, tags, params, { mask, reduction: "tokenMean" }).arraySync(), sum / 9, 1e-5, "tokenMean");
    });
  });
});

describe("CRF gradient", () => {
  test("autodiff (float32) vs float64 finite differences of the brute-force log-likelihood", () => {
    const p = makeProblem(77, 3, 4, 3);
    p.lengths = [4, 3, 1];
    const { emissions, tags, mask } = tensors(p);
    const vars = {
      e: tf.variable(emissions),
      start: tf.variable(tf.tensor1d(p.start)),
      end: tf.variable(tf.tensor1d(p.end)),
      A: tf.variable(tf.tensor2d(p.A, [p.K, p.K])),
    };
    const { grads } = tf.variableGrads(
      () => crfLogLikelihood(vars.e as tf.Tensor3D, tags, { start: vars.start as tf.Tensor1D, end: vars.end as tf.Tensor1D, transitions: vars.A as tf.Tensor2D }, { mask }),
      [vars.e, vars.start, vars.end, vars.A],
    );
    const parts: [keyof Problem & ("e" | "start" | "end" | "A"), tf.Variable][] = [["e", vars.e], ["start", vars.start], ["end", vars.end], ["A", vars.A]];
    for (const [key, v] of parts) {
      const theta = Float64Array.from(p[key]);
      const fd = finiteDifferences64((th) => bruteLogLikelihood({ ...p, [key]: Array.from(th) }), theta);
      const auto = grads[v.name].dataSync();
      const err = relativeError(auto, fd);
      assert.ok(err < 1e-5, `d logL / d ${key}: relative error ${err}`);
      // Padded emissions get exactly zero gradient.
      if (key === "e") {
        for (let b = 0; b < p.B; b++) {
          for (let t = p.lengths[b]; t < p.T; t++) for (let k = 0; k < p.K; k++) assert.equal(auto[(b * p.T + t) * p.K + k], 0);
        }
      }
    }
    tf.dispose([emissions, tags, mask, grads, ...Object.values(vars)]);
  });

  test("Crf layer: U(−0.1, 0.1) init, gradients reach all three parameters", () => {
    setSeed(3);
    const crf = new Crf(4);
    for (const w of crf.weights) {
      const x = w.dataSync();
      assert.ok(x.every((v) => Math.abs(v) <= 0.1) && x.some((v) => v !== 0));
    }
    assert.deepEqual(crf.transitions.shape, [4, 4]);
    tf.tidy(() => {
      const e = tf.randomNormal([2, 3, 4], 0, 1, "float32", 1) as tf.Tensor3D;
      const tags = tf.tensor2d([[0, 1, 2], [3, 3, 0]], [2, 3], "int32");
      const { value, grads } = tf.variableGrads(() => tf.neg(crf.logLikelihood(e, tags, { reduction: "mean" })), crf.weights);
      assert.ok(value.arraySync() > 0);
      for (const w of crf.weights) assert.ok(tf.max(tf.abs(grads[w.name])).dataSync()[0] > 1e-4, w.name);
    });
    tf.dispose(crf.weights);
  });
});

describe("CRF argument errors", () => {
  const ok = () => ({
    emissions: tf.zeros([2, 3, 4]) as tf.Tensor3D,
    tags: tf.zeros([2, 3], "int32") as tf.Tensor2D,
    params: { start: tf.zeros([4]), end: tf.zeros([4]), transitions: tf.zeros([4, 4]) } as CrfParams,
  });
  const throwsWith = (fn: () => unknown, message: string) =>
    assert.throws(() => tf.tidy(() => void fn()), (e: unknown) => e instanceof ArgumentError && e.message === message);

  test("shapes and dtypes", () => {
    const { emissions, tags, params } = ok();
    throwsWith(() => crfLogPartition(tf.zeros([2, 3]) as unknown as tf.Tensor3D, params), "crfLogPartition: expected emissions of rank 3 [B, T, K], got shape [2,3]");
    throwsWith(() => crfLogPartition(tf.zeros([2, 3, 4], "int32") as tf.Tensor3D, params), "crfLogPartition: expected emissions of dtype float32, got int32");
    throwsWith(() => crfLogPartition(tf.zeros([2, 3, 5]) as tf.Tensor3D, params), "crfLogPartition: expected start of shape [5], got [4]");
    throwsWith(() => viterbiDecode(emissions, { ...params, transitions: tf.zeros([4, 3]) as tf.Tensor2D }), "viterbiDecode: expected transitions of shape [4,4], got [4,3]");
    throwsWith(() => crfScore(emissions, tf.zeros([2, 3]) as tf.Tensor2D, params), "crfScore: expected tags of dtype int32, got float32");
    throwsWith(() => crfScore(emissions, tf.zeros([2, 4], "int32") as tf.Tensor2D, params), "crfScore: expected tags of shape [2, 3], got [2,4]");
    throwsWith(() => crfScore(emissions, tf.tensor2d([[0, 1, 2], [3, 4, 0]], [2, 3], "int32"), params), "crfScore: expected tags in [0, 4), got tags[1, 1] = 4");
    throwsWith(() => crfLogLikelihood(emissions, tags, params, { reduction: "avg" as "mean" }), 'crfLogLikelihood: expected reduction "sum", "mean" or "tokenMean", got "avg"');
    throwsWith(() => new Crf(0), "Crf: expected numTags a positive integer, got 0");
    tf.dispose([emissions, tags, params.start, params.end, params.transitions]);
  });

  test("masks", () => {
    const { emissions, tags, params } = ok();
    throwsWith(() => crfLogPartition(emissions, params, tf.ones([2, 4]) as tf.Tensor2D), "crfLogPartition: expected mask of shape [2, 3], got [2,4]");
    throwsWith(() => crfLogPartition(emissions, params, tf.tensor2d([[1, 1, 1], [0, 1, 1]])), "crfLogPartition: expected the first step of every sequence real, got mask[1, 0] = 0");
    throwsWith(() => crfScore(emissions, tags, params, tf.tensor2d([[1, 0, 1], [1, 1, 1]])), "crfScore: expected a right-padded mask (1s then 0s), got mask[0, 2] = 1 after a 0");
    throwsWith(() => viterbiDecode(emissions, params, tf.tensor2d([[1, 0.5, 0], [1, 1, 1]])), "viterbiDecode: expected mask values 0 or 1, got mask[0, 1] = 0.5");
    // int32 and bool masks are accepted.
    tf.tidy(() => {
      const m = tf.tensor2d([[1, 1, 0], [1, 0, 0]], [2, 3], "int32");
      assert.deepEqual(viterbiDecode(emissions, params, m).lengths, [2, 1]);
      assert.deepEqual(crfLogPartition(emissions, params, tf.cast(m, "bool") as tf.Tensor2D).arraySync(), crfLogPartition(emissions, params, m).arraySync());
    });
    tf.dispose([emissions, tags, params.start, params.end, params.transitions]);
  });
});
