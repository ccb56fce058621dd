/**
 * Generation (lib/src/generation/) against oracles:
 * - top-p and top-K distributions by hand; a custom decoder (min-p) plugged into `generate`,
 *   every token it chose checked against the model's distribution recomputed from zeros;
 * - batched generation (prompts of different lengths, per-row initial states) equals one
 *   prompt at a time;
 * - beam search: a naive reference implementation (every prefix rescored from the zero state,
 *   no carried state) gives the same n-best lists for small widths, with and without length
 *   normalisation and early stopping; with width ≥ V^L the n-best list is the top of exhaustive
 *   enumeration; a small width misses the exhaustive best on some tiny model; length
 *   normalisation changes the winner on a constructed model; truncation is marked; early
 *   stopping saves forward calls without changing the answer.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { setSeed } from "../lib/src/random.js";
import { RnnLm } from "../lib/src/lm/rnn_lm.js";
import { SamplingDecoder, UniformDecoder, makeDecoder, sampleIndex, type Decoder } from "../lib/src/generation/decoders.js";
import { generate, generateBatch, type NextTokenModel } from "../lib/src/generation/generate.js";
import { beamSearch, beamSearchBatch, lengthPenalty, type BeamHypothesis, type LengthNormalization } from "../lib/src/generation/beam_search.js";
import type { CellState } from "../lib/src/rnn/cell.js";

before(async () => {
  await initBackend({ quiet: true });
});

const tiny = (V = 7, seed = 5, scale = 0.8) => {
  setSeed(seed);
  return new RnnLm({ vocabSize: V, embeddingSize: 4, hiddenSize: 6, layers: 2, initScale: scale });
};

/** ln p(· | prompt, prefix) [V] by one forward pass from zeros over the whole prefix. */
function nextLogProbs(lm: NextTokenModel, prompt: readonly number[], prefix: readonly number[]): number[] {
  const all = [...prompt, ...prefix];
  return tf.tidy(() => {
    const x = tf.tensor2d([all], undefined, "int32") as tf.Tensor2D;
    const { logits, finalStates } = lm.forward(x, lm.zeroStates(1));
    tf.dispose(finalStates);
    const row = tf.logSoftmax(logits).arraySync() as number[][][];
    return row[0][all.length - 1];
  });
}

describe("decoders", () => {
  test("top-p keeps the shortest most-likely prefix reaching p, after top-K; renormalised (by hand)", () => {
    const z = [0.5, 0.3, 0.15, 0.05].map(Math.log);
    const close = (a: ArrayLike<number>, b: number[]) => b.forEach((x, i) => assert.ok(Math.abs(a[i] - x) < 1e-12, `${Array.from(a)} vs ${b}`));
    close(new SamplingDecoder({ topP: 0.7 }).distribution(z), [0.625, 0.375, 0, 0]); // 0.5 < 0.7 ≤ 0.8
    close(new SamplingDecoder({ topP: 0.85 }).distribution(z), [0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0]);
    close(new SamplingDecoder({ topP: 0.4 }).distribution(z), [1, 0, 0, 0]); // at least one token
    close(new SamplingDecoder({ topP: 1 }).distribution(z), [0.5, 0.3, 0.15, 0.05]);
    // top-K first (→ 0.625, 0.375), then the nucleus of that: 0.625 ≥ 0.6
    close(new SamplingDecoder({ topK: 2, topP: 0.6 }).distribution(z), [1, 0, 0, 0]);
    // temperature before the nucleus: τ = 2 gives q ∝ √p = [.707, .548, .387, .224] / 1.866
    const s = [0.5, 0.3, 0.15, 0.05].map(Math.sqrt);
    const S = s.reduce((a, b) => a + b);
    const head = (s[0] + s[1]) / S; // 0.673
    close(new SamplingDecoder({ temperature: 2, topP: 0.6 }).distribution(z), [s[0] / (s[0] + s[1]), s[1] / (s[0] + s[1]), 0, 0]);
    assert.ok(head > 0.6 && s[0] / S < 0.6);
    assert.throws(() => new SamplingDecoder({ topP: 0 }), /expected topP in \(0, 1\], got 0/);
    assert.throws(() => makeDecoder("argmax", { topP: 0.9 }), /expected topP only with strategy "sample", got strategy "argmax"/);
  });

  test("sampleIndex follows the CDF; the uniform decoder is uniform (chi-square, df 4, bound 18.47)", () => {
    const us = [0, 0.49, 0.5, 0.79, 0.8, 0.999];
    let i = 0;
    assert.deepEqual(us.map(() => sampleIndex([0.5, 0, 0.3, 0.2], () => us[i++])), [0, 0, 2, 2, 3, 3]);
    const counts = [0, 0, 0, 0, 0];
    let x = 0.123;
    const rand = () => (x = (x * 9301 + 0.49297) % 1); // any stream of uniforms
    const uniform = new UniformDecoder();
    for (let k = 0; k < 5000; k++) counts[uniform.choose([9, 0, 0, 0, 0], rand)]++;
    const chi = counts.reduce((s, c) => s + (c - 1000) ** 2 / 1000, 0);
    assert.ok(chi < 18.47, `${counts}`);
  });

  test("a custom decoder plugs in: min-p sampling only ever picks tokens with p ≥ 0.3 · max p", () => {
    const lm = tiny(9, 3, 1.5);
    const minP: Decoder = {
      name: "min-p(0.3)",
      choose(z, random) {
        const q = new SamplingDecoder().distribution(z);
        const top = Math.max(...q);
        const kept = q.map((x) => (x >= 0.3 * top ? x : 0));
        const mass = kept.reduce((a, b) => a + b, 0);
        return sampleIndex(kept.map((x) => x / mass), random);
      },
    };
    let checked = 0;
    for (let seed = 0; seed < 4; seed++) {
      const g = generate(lm, { prompt: [2], strategy: minP, maxLength: 8, stopAt: null, seed });
      g.ids.forEach((y, t) => {
        const p = nextLogProbs(lm, [2], g.ids.slice(0, t)).map(Math.exp);
        assert.ok(p[y] >= 0.3 * Math.max(...p) - 1e-6, `seed ${seed} step ${t}: p ${p[y]} vs max ${Math.max(...p)}`);
        assert.ok(Math.abs(Math.log(p[y]) - g.logProbs[t]) < 1e-5);
        checked++;
      });
    }
    assert.equal(checked, 32);
    lm.dispose();
  });
});

describe("batched generation", () => {
  test("prompts of different lengths in one batch equal one at a time (argmax ids and log-probabilities)", () => {
    const lm = tiny();
    const prompts = [[3], [2, 4, 5], [6, 1], [3, 3, 3], [0]];
    const batch = generateBatch(lm, prompts, { strategy: "argmax", maxLength: 9, stopAt: 2 });
    prompts.forEach((p, r) => {
      const one = generate(lm, { prompt: p, strategy: "argmax", maxLength: 9, stopAt: 2 });
      assert.deepEqual(batch[r].ids, one.ids, `prompt ${p}`);
      assert.equal(batch[r].finished, one.finished);
      batch[r].logProbs.forEach((x, t) => assert.ok(Math.abs(x - one.logProbs[t]) < 1e-5));
    });
    assert.ok(batch.some((g) => g.finished) || batch.every((g) => g.ids.length === 9));
    lm.dispose();
  });

  test("per-row initial states: row r continues from its own state, as a single run from that state", () => {
    const lm = tiny();
    const states = tf.tidy(() => lm.zeroStates(3).map((s) => s.map((x) => tf.keep(tf.randomUniform(x.shape, -1, 1, "float32", 7 + x.size) as tf.Tensor2D))));
    const rows = generateBatch(lm, [[1], [2], [3]], { strategy: "argmax", maxLength: 6, stopAt: null, initialStates: states });
    for (let r = 0; r < 3; r++) {
      const own = states.map((s) => s.map((x) => tf.slice(x, [r, 0], [1, x.shape[1]]) as tf.Tensor2D));
      const one = generate(lm, { prompt: [r + 1], strategy: "argmax", maxLength: 6, stopAt: null, initialStates: own });
      assert.deepEqual(rows[r].ids, one.ids);
      tf.dispose(own);
    }
    assert.throws(() => generateBatch(lm, [[1], [2]], { initialStates: states }), /expected initialStates of 1 or 2 rows \(one per prompt\), got 3/);
    tf.dispose(states);
    lm.dispose();
  });
});

/** A bigram model from a table: ln p(next | last input), the state is unused. */
function tableModel(probs: number[][]): NextTokenModel & { calls: number } {
  const V = probs[0].length;
  const table = tf.keep(tf.tensor2d(probs.map((row) => row.map((p) => Math.log(p)))));
  const model = {
    calls: 0,
    vocabSize: V,
    zeroStates: (B: number) => [[tf.zeros([B, 1]) as tf.Tensor2D] as CellState],
    forward(inputs: tf.Tensor2D, initialStates?: CellState[]) {
      model.calls++;
      return tf.tidy(() => ({
        logits: tf.gather(table, inputs) as unknown as tf.Tensor3D, // [B, T, V]
        finalStates: [[tf.clone(initialStates![0][0])] as CellState],
      }));
    },
  };
  return model;
}

/** Every hypothesis of at most L tokens: ending at its first `stop`, or of length L without it (truncated). */
function enumerate(lm: NextTokenModel, prompt: number[], V: number, L: number, stop: number, norm: LengthNormalization): BeamHypothesis[] {
  const out: BeamHypothesis[] = [];
  const walk = (ids: number[], logProbs: number[]) => {
    const done = ids.length > 0 && ids[ids.length - 1] === stop;
    if (done || ids.length === L) {
      const logProb = logProbs.reduce((a, b) => a + b, 0);
      out.push({ ids, logProbs, logProb, score: logProb / lengthPenalty(norm, ids.length), truncated: !done });
      return;
    }
    const lp = nextLogProbs(lm, prompt, ids);
    for (let v = 0; v < V; v++) walk([...ids, v], [...logProbs, lp[v]]);
  };
  walk([], []);
  return out.sort((a, b) => b.score - a.score);
}

/** Beam search as the file comment states it, every prefix rescored from zeros (no carried state, no batching). */
function referenceBeam(lm: NextTokenModel, prompt: number[], V: number, o: { m: number; n: number; L: number; stop: number; norm: LengthNormalization; early: boolean }): BeamHypothesis[] {
  let live: { ids: number[]; logProb: number }[] = [{ ids: [], logProb: 0 }];
  const done: BeamHypothesis[] = [];
  const make = (ids: number[], logProb: number, truncated: boolean): BeamHypothesis => ({ ids, logProbs: [], logProb, score: logProb / lengthPenalty(o.norm, ids.length), truncated });
  for (let t = 0; t < o.L && live.length > 0; t++) {
    const cands = live.flatMap((h, parent) => nextLogProbs(lm, prompt, h.ids).map((lp, v) => ({ parent, v, logProb: h.logProb + lp })));
    cands.sort((a, b) => b.logProb - a.logProb || a.parent - b.parent || a.v - b.v);
    const next: typeof live = [];
    for (const c of cands) {
      if (next.length === o.m) break;
      const ids = [...live[c.parent].ids, c.v];
      if (c.v === o.stop) done.push(make(ids, c.logProb, false));
      else next.push({ ids, logProb: c.logProb });
    }
    live = next;
    if (t === o.L - 1) live.forEach((h) => done.push(make(h.ids, h.logProb, true)));
    else if (o.early && done.length >= o.n && live.length > 0) {
      const nth = [...done].sort((a, b) => b.score - a.score)[o.n - 1].score;
      if (Math.max(...live.map((h) => h.logProb)) / lengthPenalty(o.norm, o.L) <= nth) break;
    }
  }
  return done.sort((a, b) => b.score - a.score).slice(0, o.n);
}

const sameList = (got: BeamHypothesis[], want: BeamHypothesis[], what: string) => {
  assert.deepEqual(got.map((h) => h.ids), want.map((h) => h.ids), what);
  got.forEach((h, i) => {
    assert.ok(Math.abs(h.score - want[i].score) < 1e-4, `${what} rank ${i}: ${h.score} vs ${want[i].score}`);
    assert.equal(h.truncated, want[i].truncated, `${what} rank ${i}`);
    assert.ok(Math.abs(h.logProb - h.logProbs.reduce((a, b) => a + b, 0)) < 1e-9);
  });
};

const NORMS: LengthNormalization[] = ["none", "length", { alpha: 0.7 }];

describe("beam search", () => {
  test("small widths: the same n-best lists as the reference (V = 5, L = 4; widths 1–3; each normalisation; early stopping on and off)", () => {
    for (const seed of [1, 2]) {
      const lm = tiny(5, seed, 1.2);
      for (const m of [1, 2, 3]) {
        for (const norm of NORMS) {
          for (const early of [true, false]) {
            const o = { m, n: 2, L: 4, stop: 3, norm, early };
            const got = beamSearch(lm, { prompt: [0], beamWidth: m, nBest: 2, maxLength: 4, stopAt: 3, lengthNormalization: norm, earlyStopping: early });
            sameList(got, referenceBeam(lm, [0], 5, o), `seed ${seed} m ${m} ${JSON.stringify(norm)} early ${early}`);
          }
        }
      }
      lm.dispose();
    }
  });

  test("width ≥ V^L prunes nothing: the n-best list is the top of exhaustive enumeration, early stopping included (V = 3, L = 4)", () => {
    const lm = tiny(3, 9, 1.5);
    for (const norm of NORMS) {
      const all = enumerate(lm, [0], 3, 4, 2, norm);
      const got = beamSearch(lm, { prompt: [0], beamWidth: 81, nBest: 5, maxLength: 4, stopAt: 2, lengthNormalization: norm });
      sameList(got, all.slice(0, 5), JSON.stringify(norm));
      const every = beamSearch(lm, { prompt: [0], beamWidth: 81, nBest: 1000, maxLength: 4, stopAt: 2, lengthNormalization: norm });
      assert.equal(every.length, all.length);
    }
    lm.dispose();
  });

  test("pruning: on some tiny model a width-1 or width-2 beam misses the exhaustive best, and never beats it", () => {
    let missed = 0;
    for (let seed = 0; seed < 12; seed++) {
      const lm = tiny(4, seed, 2);
      const best = enumerate(lm, [0], 4, 4, 3, "none")[0];
      for (const m of [1, 2]) {
        const [b] = beamSearch(lm, { prompt: [0], beamWidth: m, nBest: 1, maxLength: 4, stopAt: 3 });
        assert.ok(b.score <= best.score + 1e-6);
        if (b.ids.join() !== best.ids.join()) missed++;
      }
      lm.dispose();
    }
    assert.ok(missed > 0, "no tiny model where pruning changes the answer");
  });

  test("length normalisation changes the winner on a constructed model; truncated hypotheses are marked", () => {
    // tokens: 0 = <eos>, 1 = a, 2 = b, 3 = start. From start: <eos> 0.5, a 0.45; a → b 0.95; b → <eos> 0.95.
    const lm = tableModel([
      [0.25, 0.25, 0.25, 0.25],
      [0.025, 0.025, 0.95, 0],
      [0.95, 0.025, 0.025, 0],
      [0.5, 0.45, 0.05, 0],
    ].map((row) => row.map((p) => Math.max(p, 1e-9))));
    const run = (norm: LengthNormalization) => beamSearch(lm, { prompt: [3], beamWidth: 3, nBest: 3, maxLength: 5, stopAt: 0, lengthNormalization: norm })[0];
    assert.deepEqual(run("none").ids, [0]); // ln 0.5 = −0.69 > ln(0.45·0.95·0.95) = −0.90
    assert.deepEqual(run("length").ids, [1, 2, 0]); // −0.90 / 3 = −0.30 > −0.69
    assert.deepEqual(run({ alpha: 1 }).ids, [1, 2, 0]); // −0.90 / (8/6) = −0.676 > −0.693
    assert.deepEqual(run({ alpha: 0 }).ids, [0]);
    // n = 1: early stopping after step 1 would keep [<eos>] if it divided the live a's ln 0.45 by lp(1)
    // (−0.80 < −0.69); the valid bound divides by lp(maxLength) and goes on to find [a, b, <eos>].
    const one = beamSearch(lm, { prompt: [3], beamWidth: 2, nBest: 1, maxLength: 5, stopAt: 0, lengthNormalization: "length" });
    assert.deepEqual(one.map((h) => h.ids), [[1, 2, 0]]);
    const cut = beamSearch(lm, { prompt: [3], beamWidth: 2, maxLength: 2, stopAt: null });
    assert.ok(cut.length === 2 && cut.every((h) => h.truncated && h.ids.length === 2));
    assert.deepEqual(cut[0].ids, [1, 2]);
  });

  test("early stopping saves forward calls and changes nothing", () => {
    const lm = tableModel([
      [0.7, 0.1, 0.1, 0.1],
      [0.6, 0.2, 0.1, 0.1],
      [0.6, 0.1, 0.2, 0.1],
      [0.1, 0.4, 0.4, 0.1],
    ]);
    const lists = [true, false].map((early) => {
      lm.calls = 0;
      const r = beamSearch(lm, { prompt: [3], beamWidth: 3, nBest: 2, maxLength: 30, stopAt: 0, earlyStopping: early });
      return { r, calls: lm.calls };
    });
    sameList(lists[0].r, lists[1].r, "early vs full");
    assert.ok(lists[0].calls < lists[1].calls / 3, `${lists[0].calls} vs ${lists[1].calls} forward calls`);
  });

  test("several prompts at once equal one at a time", () => {
    const lm = tiny(6, 4, 1.2);
    const prompts = [[0], [1, 2], [5, 4, 3]];
    const before = tf.memory().numTensors;
    const batch = beamSearchBatch(lm, prompts, { beamWidth: 3, nBest: 3, maxLength: 5, stopAt: 2, lengthNormalization: "length" });
    generateBatch(lm, prompts, { maxLength: 5, seed: 1, topP: 0.8 });
    assert.equal(tf.memory().numTensors, before, "no tensor leaks");
    prompts.forEach((p, r) => sameList(batch[r], beamSearch(lm, { prompt: p, beamWidth: 3, nBest: 3, maxLength: 5, stopAt: 2, lengthNormalization: "length" }), `prompt ${p}`));
    assert.throws(() => beamSearch(lm, { lengthNormalization: { alpha: -1 } }), /expected lengthNormalization "none", "length" or \{ alpha ≥ 0 \}/);
    assert.throws(() => beamSearch(lm, { nBest: 0 }), /expected nBest an integer ≥ 1, got 0/);
    lm.dispose();
  });
});
