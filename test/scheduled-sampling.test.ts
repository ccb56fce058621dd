/**
 * Scheduled sampling (lib/src/generation/schedules.ts, scheduled_sampling.ts) and the
 * sentence-level LM (lib/src/lm/train_sentence_lm.ts):
 * - the schedules' values by hand;
 * - ε = 1 is teacher forcing exactly (inputs and loss, RnnLm and encoder–decoder);
 * - ε = 0 with argmax feeds the greedy chain (checked against the model rerun from zeros, and
 *   against the encoder–decoder's own greedy `predict`);
 * - the coin is flipped per token at rate 1 − ε; uniform SS draws uniformly;
 * - the two-pass loss equals a one-pass loop that draws inside the gradient tape with
 *   `cell.step` (value and gradient), and its gradient equals central finite differences of the
 *   whole SS loss with the draws held fixed (same seed): no gradient flows through the draw;
 * - a sentence-level LM learns to start at <SOS> and stop at <EOS>; its perplexity equals the
 *   sum of per-token log-probabilities computed from zeros; argmax from <SOS> is always the same.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { seededGenerator, setSeed } from "../lib/src/random.js";
import { RnnLm } from "../lib/src/lm/rnn_lm.js";
import { sentenceBatches, lmBatchTensors, type LmBatch } from "../lib/src/data/lm_batches.js";
import { EOS_ID, SOS_ID } from "../lib/src/data/vocab.js";
import { reverseTask } from "../lib/src/data/tasks.js";
import { EncoderDecoder } from "../lib/src/models/encoder_decoder.js";
import { ArgmaxDecoder, SamplingDecoder } from "../lib/src/generation/decoders.js";
import { generateMany, type NextTokenModel } from "../lib/src/generation/generate.js";
import { encoderDecoderLm, translate } from "../lib/src/generation/encoder_decoder_lm.js";
import { ScheduledSampler, scheduledInputs } from "../lib/src/generation/scheduled_sampling.js";
import {
  ConstantSchedule, ExponentialSchedule, InverseSigmoidSchedule, LinearSchedule, scheduleCurve, stepAtLevel, type Schedule,
} from "../lib/src/generation/schedules.js";
import { evaluateSentenceLm, trainSentenceLm } from "../lib/src/lm/train_sentence_lm.js";

before(async () => {
  await initBackend({ quiet: true });
});

const close = (a: number, b: number, tol: number, what = "") => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

describe("schedules", () => {
  test("the three laws of Bengio et al. and the constant, by hand", () => {
    const lin = new LinearSchedule({ k: 1, c: 0.1, epsilon: 0.2 });
    [[0, 1], [3, 0.7], [8, 0.2], [50, 0.2]].forEach(([i, e]) => close(lin.epsilon(i), e, 1e-12, `linear ${i}`));
    const exp = new ExponentialSchedule(0.5);
    [[0, 1], [3, 0.125], [10, 1 / 1024]].forEach(([i, e]) => close(exp.epsilon(i), e, 1e-15, `exp ${i}`));
    const sig = new InverseSigmoidSchedule(10);
    close(sig.epsilon(0), 10 / 11, 1e-15, "sigmoid 0");
    close(sig.epsilon(20), 10 / (10 + Math.exp(2)), 1e-15, "sigmoid 20");
    assert.equal(sig.epsilon(1e6), 0);
    // ε = 1/2 at i = k ln k = 23.03: the first integer step at or below it is 24
    assert.equal(stepAtLevel(sig, 0.5), 24);
    assert.equal(stepAtLevel(lin, 0.5), 5);
    assert.equal(stepAtLevel(lin, 0.1), null); // the floor is 0.2
    assert.equal(new ConstantSchedule(0.3).epsilon(123), 0.3);
    const curve = scheduleCurve(exp, 10, 3);
    assert.deepEqual(curve.steps, [0, 3, 6, 9]);
    assert.deepEqual(curve.epsilon, [1, 0.125, 1 / 64, 1 / 512]);
    assert.throws(() => new ExponentialSchedule(1), /ExponentialSchedule: expected k in \(0, 1\), got 1/);
    assert.throws(() => new InverseSigmoidSchedule(0.5), /expected k ≥ 1, got 0.5/);
    assert.throws(() => new LinearSchedule({ c: 0 }), /expected c > 0, got 0/);
    assert.throws(() => lin.epsilon(-1), /expected the step i an integer ≥ 0, got -1/);
    // a student's own schedule plugs in
    const cosine: Schedule = { name: "cosine", epsilon: (i) => 0.5 * (1 + Math.cos(Math.PI * Math.min(i / 100, 1))) };
    assert.equal(stepAtLevel(cosine, 0.5), 50);
  });
});

const tinyLm = (V = 8, seed = 3) => {
  setSeed(seed);
  return new RnnLm({ vocabSize: V, embeddingSize: 5, hiddenSize: 7, layers: 2, initScale: 0.6 });
};

/** Sentences of ids in [4, V) of lengths 2..6. */
function corpus(n: number, V: number, seed: number): Int32Array[] {
  const r = seededGenerator(seed);
  return Array.from({ length: n }, () => Int32Array.from({ length: 2 + Math.floor(r() * 5) }, () => 4 + Math.floor(r() * (V - 4))));
}

/** ln p(· | prefix) from zeros: [V]. */
function nextLogProbs(lm: NextTokenModel, prefix: readonly number[]): number[] {
  return tf.tidy(() => {
    const { logits, finalStates } = lm.forward(tf.tensor2d([[...prefix]], undefined, "int32") as tf.Tensor2D, lm.zeroStates(1));
    tf.dispose(finalStates);
    return (tf.logSoftmax(logits).arraySync() as number[][][])[0][prefix.length - 1];
  });
}

const lossOf = (lm: RnnLm, b: LmBatch) =>
  tf.tidy(() => {
    const t = lmBatchTensors(b);
    return lm.loss(t).loss.dataSync()[0];
  });

describe("scheduled sampling on RnnLm", () => {
  test("ε = 1 is teacher forcing exactly; ε = 0 with argmax feeds the greedy chain", () => {
    const lm = tinyLm();
    const [batch] = sentenceBatches(corpus(6, 8, 1), { batchSize: 6 });
    const tf1 = new ScheduledSampler({ schedule: new ConstantSchedule(1), seed: 1 }).lmBatch(lm, batch, 0);
    assert.deepEqual(tf1.inputs, batch.inputs);
    assert.equal(lossOf(lm, tf1), lossOf(lm, batch));
    const [B, T] = batch.shape;
    const greedy = new ScheduledSampler({ schedule: new ConstantSchedule(0), replacement: "argmax" }).lmBatch(lm, batch, 0);
    for (let b = 0; b < B; b++) {
      assert.equal(greedy.inputs[b * T], SOS_ID);
      for (let t = 1; t < T; t++) {
        if (batch.mask[b * T + t] === 0) {
          assert.equal(greedy.inputs[b * T + t], batch.inputs[b * T + t], "padding keeps its token");
          continue;
        }
        const prefix = Array.from(greedy.inputs.subarray(b * T, b * T + t));
        assert.equal(greedy.inputs[b * T + t], new ArgmaxDecoder().choose(nextLogProbs(lm, prefix)), `row ${b} position ${t}`);
      }
    }
    assert.deepEqual(greedy.targets, batch.targets);
    lm.dispose();
  });

  test("the coin is flipped per token with P(model) = 1 − ε; uniform SS draws uniformly", () => {
    const lm = tinyLm(10, 4);
    const B = 200;
    const T = 12;
    const tokens = Int32Array.from({ length: B * T }, (_, i) => 4 + (i % 6));
    const { inputs, sampled } = scheduledInputs(lm, tokens, [B, T], undefined, { epsilon: 0.7, replacement: "uniform", random: seededGenerator(9) });
    const n = B * (T - 1);
    let s = 0;
    const counts = new Array(10).fill(0);
    let mixedRows = 0;
    for (let b = 0; b < B; b++) {
      let rowSampled = 0;
      assert.equal(sampled[b * T], 0);
      for (let t = 1; t < T; t++) {
        if (sampled[b * T + t] === 1) {
          rowSampled++;
          counts[inputs[b * T + t]]++;
        } else assert.equal(inputs[b * T + t], tokens[b * T + t]);
      }
      s += rowSampled;
      if (rowSampled > 0 && rowSampled < T - 1) mixedRows++;
    }
    const sd = Math.sqrt(n * 0.3 * 0.7);
    assert.ok(Math.abs(s - 0.3 * n) < 4 * sd, `${s} sampled of ${n}, expected ${0.3 * n} ± ${4 * sd}`);
    assert.ok(mixedRows > B / 2, `only ${mixedRows} rows mix true and sampled tokens: the coin is per token`);
    // a model with only forward / zeroStates (no hiddenStates / logitsOf) is fed the same tokens
    const plain: NextTokenModel = { forward: (x, st) => lm.forward(x, st), zeroStates: (n) => lm.zeroStates(n) };
    const mask = Float32Array.from({ length: 8 * T }, (_, i) => (i % T < 4 + (Math.floor(i / T) % 8) ? 1 : 0));
    const a = scheduledInputs(lm, tokens.subarray(0, 8 * T), [8, T], mask, { epsilon: 0.6, random: seededGenerator(4) });
    const c = scheduledInputs(plain, tokens.subarray(0, 8 * T), [8, T], mask, { epsilon: 0.6, random: seededGenerator(4) });
    assert.deepEqual(a, c);
    assert.ok(a.sampled.some((x) => x === 1));
    const chi = counts.reduce((x, c) => x + (c - s / 10) ** 2 / (s / 10), 0);
    assert.ok(chi < 27.88, `uniform draws ${counts} (chi-square ${chi.toFixed(1)}, df 9, p = 0.001 bound 27.88)`);
    lm.dispose();
  });

  /** The paper's loop in one pass: cell.step under the tape, every position's logits computed, the draw made inside it from the same generator. */
  function onePassLoss(lm: RnnLm, batch: LmBatch, epsilon: number, seed: number): { loss: number; grads: tf.Tensor[] } {
    const [B, T] = batch.shape;
    const random = seededGenerator(seed);
    const sampler = new SamplingDecoder();
    const { value, grads } = tf.variableGrads(() => {
      let state = lm.zeroStates(B);
      let x = Int32Array.from({ length: B }, (_, b) => batch.inputs[b * T]);
      const logits: tf.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        let h = tf.gather(lm.embedding, tf.tensor1d(x, "int32")) as tf.Tensor2D; // [B, E]
        state = lm.cells.map((cell, l) => {
          const s = cell.step(h, state[l]);
          h = s[0];
          return s;
        });
        const z = lm.output.apply(h); // [B, V]
        logits.push(z);
        if (t === T - 1) break;
        const zs = z.dataSync();
        const V = z.shape[1];
        // the coins of position t + 1 (real rows, in order), then the draws of the rows that sample
        const fromModel = Array.from({ length: B }, (_, b) => batch.mask[b * T + t + 1] === 1 && random() >= epsilon);
        x = Int32Array.from({ length: B }, (_, b) => (fromModel[b] ? sampler.choose(zs.subarray(b * V, (b + 1) * V), random) : batch.inputs[b * T + t + 1]));
      }
      const stacked = tf.stack(logits, 1) as tf.Tensor3D; // [B, T, V]
      const nll = tf.neg(tf.sum(tf.mul(tf.oneHot(tf.tensor2d(batch.targets, batch.shape, "int32"), stacked.shape[2]), tf.logSoftmax(stacked)), 2)); // [B, T]
      const mask = tf.tensor2d(batch.mask, batch.shape);
      return tf.div(tf.sum(tf.mul(nll, mask)), tf.sum(mask)) as tf.Scalar;
    }, lm.weights);
    const loss = value.dataSync()[0];
    value.dispose();
    return { loss, grads: lm.weights.map((w) => grads[w.name]) };
  }

  test("two passes equal the one-pass loop (loss and gradient), and the gradient is that of the loss with the draws held fixed", () => {
    const lm = tinyLm(8, 5);
    const [batch] = sentenceBatches(corpus(5, 8, 2), { batchSize: 5 });
    const epsilon = 0.4;
    const one = onePassLoss(lm, batch, epsilon, 17);
    const twoPassLoss = () => {
      const mixed = new ScheduledSampler({ schedule: new ConstantSchedule(epsilon), seed: 17 }).lmBatch(lm, batch, 0);
      return { mixed, loss: lossOf(lm, mixed) };
    };
    const { mixed, loss } = twoPassLoss();
    assert.notDeepEqual(mixed.inputs, batch.inputs, "some tokens were replaced");
    close(loss, one.loss, 1e-5, "loss");
    const t = lmBatchTensors(mixed);
    const { value, grads } = tf.variableGrads(() => lm.loss(t).loss, lm.weights);
    const two = lm.weights.map((w) => grads[w.name]);
    two.forEach((g, i) => {
      const a = g.dataSync();
      const b = one.grads[i].dataSync();
      a.forEach((x, j) => close(x, b[j], 1e-5 + 1e-3 * Math.abs(b[j]), `${lm.weights[i].name}[${j}]`));
    });
    // central differences of the WHOLE scheduled-sampling loss (phase 1 rerun with the same seed)
    const h = 1e-2;
    let checked = 0;
    for (const [wi, j] of [[0, 27], [0, 33], [lm.weights.length - 1, 4], [lm.weights.length - 2, 11], [1, 5]] as const) {
      const w = lm.weights[wi];
      const base = w.dataSync().slice();
      const at = (delta: number) => {
        const v = base.slice();
        v[j] += delta;
        w.assign(tf.tensor(v, w.shape));
        return twoPassLoss().loss;
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      w.assign(tf.tensor(base, w.shape));
      const g = two[wi].dataSync()[j];
      close(fd, g, 2e-3 + 2e-2 * Math.abs(g), `∂L/∂${w.name}[${j}]`);
      checked++;
    }
    assert.equal(checked, 5);
    tf.dispose([value, ...two, ...one.grads]);
    tf.dispose(t as unknown as tf.TensorContainer);
    lm.dispose();
  });
});

describe("scheduled sampling on the encoder–decoder", () => {
  const task = reverseTask({ symbols: 5, minLength: 2, maxLength: 5 });
  const model = () => {
    setSeed(8);
    return new EncoderDecoder({ encoder: { kind: "gru", inputSize: task.inputSize, hiddenSize: 12 }, decoder: { kind: "gru", hiddenSize: 12 }, vocabularySize: task.outputSize });
  };

  test("ε = 1 is teacher forcing exactly; ε = 0 with argmax feeds the model's own greedy output; no tensor leaks", () => {
    const ed = model();
    const batch = task.batch(16, 3);
    const before = tf.memory().numTensors;
    const tfBatch = new ScheduledSampler({ schedule: new ConstantSchedule(1) }).seq2seqBatch(ed, batch, 0);
    assert.equal(tf.tidy(() => ed.loss(tfBatch).dataSync()[0]), tf.tidy(() => ed.loss(batch).dataSync()[0]));
    const [B, L] = batch.targets.shape;
    const targets = batch.targets.arraySync() as number[][];
    (tfBatch.decoderInputs!.arraySync() as number[][]).forEach((row, b) => assert.deepEqual(row, [ed.sos, ...targets[b].slice(0, L - 1)]));
    tfBatch.decoderInputs!.dispose();
    const self = new ScheduledSampler({ schedule: new ConstantSchedule(0), replacement: "argmax" }).seq2seqBatch(ed, batch, 5);
    const fed = self.decoderInputs!.arraySync() as number[][];
    const greedy = translate(ed, batch.sources, batch.sourceMask, { maxLength: L });
    const mask = batch.targetMask.arraySync() as number[][];
    let compared = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t + 1 < L && mask[b][t + 1] === 1 && t < greedy[b].ids.length; t++) {
        assert.equal(fed[b][t + 1], greedy[b].ids[t], `row ${b} step ${t}`);
        compared++;
      }
    }
    assert.ok(compared > B, `${compared} positions compared`);
    self.decoderInputs!.dispose();
    assert.equal(tf.memory().numTensors, before);
    tf.dispose(batch as unknown as tf.TensorContainer);
    tf.dispose(ed.weights);
  });

  test("beam search on the decoder (encoderDecoderLm) with width ≥ V^L finds the exhaustive best translation", () => {
    const ed = model();
    const batch = task.batch(3, 4);
    const L = 3;
    const V = task.outputSize;
    const beams = translate(ed, batch.sources, batch.sourceMask, { beamWidth: V ** L, maxLength: L });
    const lm = encoderDecoderLm(ed);
    for (let b = 0; b < 3; b++) {
      const enc = tf.tidy(() => ed.encode(tf.slice(batch.sources, [b, 0, 0], [1, -1, -1]) as tf.Tensor3D, tf.slice(batch.sourceMask, [b, 0], [1, -1]) as tf.Tensor2D));
      let best = { ids: [] as number[], lp: -Infinity };
      const walk = (ids: number[], lp: number) => {
        if ((ids.length > 0 && ids[ids.length - 1] === ed.eos) || ids.length === L) {
          if (lp > best.lp) best = { ids, lp };
          return;
        }
        const z = tf.tidy(() => {
          const { logits, finalStates } = lm.forward(tf.tensor2d([[ed.sos, ...ids]], undefined, "int32") as tf.Tensor2D, [enc]);
          tf.dispose(finalStates);
          return (tf.logSoftmax(logits).arraySync() as number[][][])[0][ids.length];
        });
        for (let v = 0; v < V; v++) walk([...ids, v], lp + z[v]);
      };
      walk([], 0);
      const want = best.ids[best.ids.length - 1] === ed.eos ? best.ids.slice(0, -1) : best.ids;
      assert.deepEqual(beams[b].ids, want, `source ${b}`);
      close(beams[b].logProb, best.lp, 1e-4, `source ${b}`);
      tf.dispose(enc);
    }
    tf.dispose(batch as unknown as tf.TensorContainer);
    tf.dispose(ed.weights);
  });
});

describe("sentence-level LM", () => {
  test("trained on <SOS> … <EOS> rows it starts at <SOS>, stops at <EOS>, and argmax always writes the same sentence", () => {
    const V = 9;
    setSeed(2);
    const lm = new RnnLm({ vocabSize: V, embeddingSize: 8, hiddenSize: 16, layers: 1, initScale: 0.3 });
    // two sentences: 4 5 6 (three times) and 7 8 (once)
    const sentences = [[4, 5, 6], [4, 5, 6], [7, 8], [4, 5, 6]].map((s) => Int32Array.from(s));
    const valid = [Int32Array.from([4, 5, 6]), Int32Array.from([7, 8])];
    const records = trainSentenceLm(lm, sentences, { epochs: 60, batchSize: 4, learningRate: 0.03, valid });
    assert.ok(records[59].trainPerplexity < records[0].trainPerplexity / 2, `${records[0].trainPerplexity} → ${records[59].trainPerplexity}`);
    const argmax = generateMany(lm, 5, { prompt: [SOS_ID], strategy: "argmax", maxLength: 10 });
    for (const g of argmax) {
      assert.deepEqual(g.ids, [4, 5, 6, EOS_ID]);
      assert.equal(g.finished, true);
    }
    const samples = generateMany(lm, 40, { prompt: [SOS_ID], maxLength: 10, seed: 3 });
    assert.ok(new Set(samples.map((g) => g.ids.join())).size >= 2, "samples differ");
    assert.ok(samples.filter((g) => g.ids.join() === "7,8,3").length >= 3, "the rarer sentence is sampled too");
    // perplexity = exp(−Σ ln p / N) with every word and <EOS> scored from h₀ = 0 after <SOS>
    const ev = evaluateSentenceLm(lm, valid, { batchSize: 1 });
    let sum = 0;
    valid.forEach((s, i) => {
      const seq = [SOS_ID, ...s, EOS_ID];
      let lp = 0;
      for (let t = 1; t < seq.length; t++) lp += nextLogProbs(lm, seq.slice(0, t))[seq[t]];
      close(ev.sentenceLogProbs[i], lp, 1e-4, `sentence ${i}`);
      sum += lp;
    });
    assert.equal(ev.tokens, 4 + 3);
    close(ev.perplexity, Math.exp(-sum / 7), 1e-4, "perplexity");
    close(records[59].validPerplexity!, ev.perplexity, 1e-4, "validation perplexity");
    lm.dispose();
  });

  test("training with scheduled sampling runs, samples at the scheduled rate and lowers the loss", () => {
    const lm = tinyLm(10, 6);
    const sampler = new ScheduledSampler({ schedule: new LinearSchedule({ k: 1, c: 0.05, epsilon: 0.5 }), seed: 2 });
    const fractions: number[] = [];
    const losses: number[] = [];
    const before = tf.memory().numTensors;
    trainSentenceLm(lm, corpus(40, 10, 5), { epochs: 4, batchSize: 8, scheduledSampling: sampler, onStep: (s) => (fractions.push(s.sampledFraction), losses.push(s.loss)) });
    assert.equal(tf.memory().numTensors, before);
    assert.equal(fractions[0], 0); // ε₀ = 1
    const late = fractions.slice(-5).reduce((a, b) => a + b) / 5; // ε = 0.5 from step 10 on
    assert.ok(late > 0.35 && late < 0.65, `sampled fraction ${late}`);
    assert.ok(losses[losses.length - 1] < losses[0]);
    lm.dispose();
  });
});
