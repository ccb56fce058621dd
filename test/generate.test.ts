/**
 * Generation (lib/src/lm/generate.ts) against oracles: argmax and the returned log-probabilities
 * against re-running the whole prefix from the zero state (no carried state) at every step;
 * sampling frequencies against the model's softmax (chi-square); the temperature formula by
 * hand; beam search against enumeration of every sequence on a tiny vocabulary.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { setSeed } from "../lib/src/random.js";
import { RnnLm } from "../lib/src/lm/rnn_lm.js";
import {
  ArgmaxDecoder,
  SamplingDecoder,
  beamSearch,
  generate,
  generateMany,
  type Decoder,
  type NextTokenModel,
} from "../lib/src/lm/generate.js";
import type { CellState } from "../lib/src/rnn/cell.js";

before(async () => {
  await initBackend({ quiet: true });
});

const tiny = (V = 7, seed = 5) => {
  setSeed(seed);
  return new RnnLm({ vocabSize: V, embeddingSize: 4, hiddenSize: 6, layers: 2, initScale: 0.8 });
};

/** ln p(token | all before) for each token of `seq` after `prompt`, by one forward pass from zeros over the whole prefix. */
function oracleLogProbs(lm: RnnLm, prompt: number[], seq: number[]): number[][] {
  const all = [...prompt, ...seq];
  return tf.tidy(() => {
    const x = tf.tensor2d([all.slice(0, all.length - (seq.length > 0 ? 1 : 0))], undefined, "int32") as tf.Tensor2D;
    const logp = tf.logSoftmax(lm.forward(x).logits).arraySync() as number[][][]; // [1, T, V]
    return seq.map((_, t) => logp[0][prompt.length - 1 + t]);
  });
}

const argmaxOf = (row: number[]) => row.reduce((best, x, v) => (x > row[best] ? v : best), 0);

/** Chi-square statistic of observed counts against probabilities q (cells with q = 0 must be empty). */
function chiSquare(counts: number[], q: ArrayLike<number>, n: number): number {
  let x2 = 0;
  counts.forEach((c, v) => {
    if (q[v] === 0) assert.equal(c, 0, `token ${v} has probability 0 but was drawn ${c} times`);
    else x2 += (c - n * q[v]) ** 2 / (n * q[v]);
  });
  return x2;
}

describe("generate", () => {
  test("argmax: each token is the argmax of the next-token distribution of the whole prefix recomputed from zeros", () => {
    const lm = tiny();
    const prompt = [3, 4];
    const g = generate(lm, { prompt, strategy: "argmax", maxLength: 10, stopAt: null });
    assert.equal(g.ids.length, 10);
    // batched rows = one at a time
    for (const row of generateMany(lm, 3, { prompt, strategy: "argmax", maxLength: 10, stopAt: null })) assert.deepEqual(row.ids, g.ids);
    for (let t = 0; t < g.ids.length; t++) {
      const rows = oracleLogProbs(lm, prompt, g.ids.slice(0, t + 1));
      assert.equal(g.ids[t], argmaxOf(rows[t]), `step ${t}`);
      assert.ok(Math.abs(g.logProbs[t] - rows[t][g.ids[t]]) < 1e-5, `step ${t}: ${g.logProbs[t]} vs ${rows[t][g.ids[t]]}`);
    }
    lm.dispose();
  });

  test("sampling: frequencies over 6000 one-step draws match softmax(logits) (chi-square, df 6, p = 0.001 bound 22.46)", () => {
    const lm = tiny();
    const n = 6000;
    const gens = generateMany(lm, n, { prompt: [2], maxLength: 1, stopAt: null, seed: 11 });
    const p = oracleLogProbs(lm, [2], [0])[0].map(Math.exp);
    const counts = new Array(7).fill(0);
    for (const g of gens) counts[g.ids[0]]++;
    const x2 = chiSquare(counts, p, n);
    assert.ok(x2 < 22.46, `chi-square ${x2.toFixed(2)}; counts ${counts}, p ${p.map((x) => x.toFixed(3))}`);
    // the returned log-probability of each draw is the model's
    for (const g of gens.slice(0, 20)) assert.ok(Math.abs(Math.exp(g.logProbs[0]) - p[g.ids[0]]) < 1e-5);
    lm.dispose();
  });

  test("top-K sampling: only the K most likely tokens, with renormalised frequencies (chi-square, df 2, bound 13.82)", () => {
    const lm = tiny();
    const n = 4000;
    const gens = generateMany(lm, n, { prompt: [2], maxLength: 1, stopAt: null, seed: 12, topK: 3 });
    const p = oracleLogProbs(lm, [2], [0])[0].map(Math.exp);
    const top = p.map((x, v) => [x, v]).sort((a, b) => b[0] - a[0]).slice(0, 3).map(([, v]) => v);
    const z = top.reduce((s, v) => s + p[v], 0);
    const q = p.map((x, v) => (top.includes(v) ? x / z : 0));
    const counts = new Array(7).fill(0);
    for (const g of gens) counts[g.ids[0]]++;
    const x2 = chiSquare(counts, q, n);
    assert.ok(x2 < 13.82, `chi-square ${x2.toFixed(2)}; counts ${counts}`);
    lm.dispose();
  });

  test("a seed makes sampling repeatable; another seed gives another sequence", () => {
    const lm = tiny();
    const a = generate(lm, { prompt: [3], maxLength: 30, stopAt: null, seed: 7, temperature: 1.5 });
    const b = generate(lm, { prompt: [3], maxLength: 30, stopAt: null, seed: 7, temperature: 1.5 });
    const c = generate(lm, { prompt: [3], maxLength: 30, stopAt: null, seed: 8, temperature: 1.5 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.ids, c.ids);
    lm.dispose();
  });

  test("temperature: q ∝ exp(z/τ) by hand, and τ → 0 gives the argmax sequence", () => {
    // z = [0, ln 2, ln 4], τ = 2: q ∝ exp(z/2) = [1, √2, 2], sum 3 + √2.
    const q = new SamplingDecoder({ temperature: 2 }).distribution([0, Math.LN2, Math.log(4)]);
    const s = 3 + Math.SQRT2;
    [1 / s, Math.SQRT2 / s, 2 / s].forEach((x, i) => assert.ok(Math.abs(q[i] - x) < 1e-12));
    // τ = 0.01 with a margin of 0.2 leaves ≤ e^-20 off the argmax.
    const cold = new SamplingDecoder({ temperature: 0.01 }).distribution([0.1, 0.5, 0.3, -1]);
    assert.ok(cold[1] > 1 - 1e-8, `${cold[1]}`);
    const lm = tiny();
    const greedy = generate(lm, { prompt: [3], maxLength: 15, stopAt: null, strategy: "argmax" });
    // the margin between best and second logit along the greedy path bounds the chance of a different draw
    const rows = oracleLogProbs(lm, [3], greedy.ids);
    const margin = Math.min(...rows.map((r) => { const s = [...r].sort((a, b) => b - a); return s[0] - s[1]; }));
    const tau = margin / 40; // every other token has probability ≤ e^-40 at each step
    const sampled = generate(lm, { prompt: [3], maxLength: 15, stopAt: null, temperature: tau, seed: 1 });
    assert.deepEqual(sampled.ids, greedy.ids);
    lm.dispose();
  });

  test("stopAt: generation ends with the stop token; maxLength caps it otherwise; a custom model and decoder plug in", () => {
    // A counting model: the next token is (x + 1) mod V with logit 5, the state holds the one-hot of the last input.
    const V = 6;
    const counter: NextTokenModel = {
      zeroStates: (B) => [[tf.zeros([B, V]) as tf.Tensor2D]],
      forward: (inputs) =>
        tf.tidy(() => {
          const [B, T] = inputs.shape;
          const next = tf.mod(tf.add(inputs, tf.scalar(1, "int32")), tf.scalar(V, "int32")); // [B, T]
          const logits = tf.mul(tf.oneHot(next, V), 5) as tf.Tensor3D; // [B, T, V]
          const last = tf.reshape(tf.slice(inputs, [0, T - 1], [B, 1]), [B]);
          return { logits, finalStates: [[tf.cast(tf.oneHot(last, V), "float32") as tf.Tensor2D] as CellState] };
        }),
    };
    assert.deepEqual(generate(counter, { prompt: [0], strategy: "argmax", stopAt: 3 }).ids, [1, 2, 3]);
    assert.deepEqual(generate(counter, { prompt: [4], strategy: "argmax", stopAt: 3, maxLength: 20 }).ids, [5, 0, 1, 2, 3]);
    assert.deepEqual(generate(counter, { prompt: [0], strategy: "argmax", stopAt: null, maxLength: 8 }).ids, [1, 2, 3, 4, 5, 0, 1, 2]);
    const always4: Decoder = { name: "always-4", choose: () => 4 };
    assert.deepEqual(generate(counter, { prompt: [0], strategy: always4, stopAt: 3, maxLength: 3 }).ids, [4, 4, 4]);
    // sampled rows stop at their own first stop token
    const lm = tiny();
    const rows = generateMany(lm, 40, { prompt: [3], maxLength: 12, stopAt: 2, seed: 3, temperature: 2 });
    let stopped = 0;
    for (const g of rows) {
      const at = g.ids.indexOf(2);
      if (at >= 0) { assert.equal(at, g.ids.length - 1); stopped++; } else assert.equal(g.ids.length, 12);
    }
    assert.ok(stopped > 0 && stopped < 40, `${stopped} of 40 rows stopped`);
    lm.dispose();
  });

  test("errors name the argument", () => {
    const lm = tiny();
    assert.throws(() => new SamplingDecoder({ temperature: 0 }), /expected temperature > 0 \(use "argmax" for τ → 0\), got 0/);
    assert.throws(() => generate(lm, { prompt: [] }), /generate: expected a non-empty prompt/);
    assert.throws(() => generate(lm, { prompt: [9] }), /generate: expected prompt\[0\] an integer id in \[0, 7\), got 9/);
    assert.throws(() => generate(lm, { maxLength: 0 }), /expected maxLength an integer ≥ 1, got 0/);
    assert.throws(() => new SamplingDecoder({ topK: 0 }), /expected topK an integer ≥ 1, got 0/);
    lm.dispose();
  });
});

describe("beamSearch", () => {
  test("with beamWidth ≥ V^L it returns every sequence, best first, exactly as enumeration scores them (V = 3, L = 3)", () => {
    const V = 3;
    const L = 3;
    const stop = 2;
    const lm = tiny(V, 9);
    const prompt = [0];
    // enumeration: sequences of length L without the stop token, or ending at their first stop token
    const all: number[][] = [];
    const extend = (seq: number[]) => {
      if (seq.length > 0 && (seq[seq.length - 1] === stop || seq.length === L)) return void all.push(seq);
      for (let v = 0; v < V; v++) extend([...seq, v]);
    };
    extend([]);
    const scored = all
      .map((seq) => ({ seq, score: oracleLogProbs(lm, prompt, seq).reduce((s, row, t) => s + row[seq[t]], 0) }))
      .sort((a, b) => b.score - a.score);
    const beams = beamSearch(lm, { prompt, beamWidth: V ** L, maxLength: L, stopAt: stop });
    assert.equal(beams.length, all.length);
    assert.deepEqual(beams[0].ids, scored[0].seq);
    beams.forEach((b, i) => {
      assert.ok(Math.abs(b.score - scored[i].score) < 1e-5, `rank ${i}: ${b.score} vs ${scored[i].score}`);
      assert.ok(Math.abs(b.score - b.logProbs.reduce((s, x) => s + x, 0)) < 1e-9);
    });
    lm.dispose();
  });

  test("beamWidth 1 is argmax decoding", () => {
    const lm = tiny(7, 4);
    const greedy = generate(lm, { prompt: [3], strategy: "argmax", maxLength: 6, stopAt: 2 });
    const one = beamSearch(lm, { prompt: [3], beamWidth: 1, maxLength: 6, stopAt: 2 });
    assert.deepEqual(one[0].ids, greedy.ids);
    assert.ok(Math.abs(one[0].score - greedy.logProbs.reduce((s, x) => s + x, 0)) < 1e-9);
    lm.dispose();
  });
});

test("ArgmaxDecoder breaks ties by the smallest id", () => {
  assert.equal(new ArgmaxDecoder().choose([0, 2, 2, 1]), 1);
});
