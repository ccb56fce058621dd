/**
 * The four architectures (lib/src/models/) and their loss (lib/src/ops/softmax_cross_entropy.ts).
 *
 * - softmax cross-entropy and accuracy against float64 brute force; its gradient against
 *   the closed form (softmax − onehot)·mask/Σmask;
 * - each model: prediction shapes, padded batches equal one-at-a-time runs, no tensor
 *   leaks, and a short training run on its tiny task in which the loss clearly drops;
 * - a student-style cell (a class with only `step`) plugs into the classifier and tagger.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { setSeed, nextSeed } from "../lib/src/random.js";
import { accuracy, softmaxCrossEntropy } from "../lib/src/ops/softmax_cross_entropy.js";
import {
  copyTask, decodeTokens, DIGIT_NAMES, nextTokenTask, rememberTask, reverseTask, spellingTask,
} from "../lib/src/data/tasks.js";
import type { CellState, RecurrentCell } from "../lib/src/rnn/cell.js";
import { Bidirectional } from "../lib/src/rnn/bidirectional.js";
import { makeCell } from "../lib/src/rnn/layer.js";
import { SequenceClassifier } from "../lib/src/models/many_to_one.js";
import { SequenceTagger } from "../lib/src/models/many_to_many.js";
import { SequenceGenerator } from "../lib/src/models/one_to_many.js";
import { EncoderDecoder } from "../lib/src/models/encoder_decoder.js";
import { train } from "../lib/src/train/train.js";

before(async () => {
  await initBackend({ quiet: true });
});

/** A seeded float64 array in [−scale, scale). */
function randomArray(n: number, scale: number): number[] {
  return Array.from({ length: n }, () => (nextSeed() / 0x7fffffff - 0.5) * 2 * scale);
}

describe("softmaxCrossEntropy", () => {
  /** float64: −Σ m log softmax(z)[y] / Σ m, log-sum-exp with the max subtracted. */
  function oracle(z: number[][], y: number[], m: number[]): number {
    let total = 0;
    let count = 0;
    z.forEach((row, n) => {
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      total += m[n] * (lse - row[y[n]]);
      count += m[n];
    });
    return count > 0 ? total / count : 0;
  }

  test("[N, K] and [B, T, K] with mask equal the float64 brute force, even for huge logits", () => {
    setSeed(5);
    const [B, T, K] = [3, 4, 5];
    const z = randomArray(B * T * K, 4);
    z[7] = 500; // exp(500) overflows float32: only a stable log-softmax survives
    const y = Array.from({ length: B * T }, (_, i) => (i * 7) % K);
    const m = [1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0];
    const rows = Array.from({ length: B * T }, (_, i) => z.slice(i * K, (i + 1) * K));
    const flat = softmaxCrossEntropy(tf.tensor2d(rows), tf.tensor1d(y, "int32"));
    assert.ok(Math.abs(flat.dataSync()[0] - oracle(rows, y, Array(B * T).fill(1))) < 1e-4);
    const masked = softmaxCrossEntropy(tf.tensor3d(z, [B, T, K]), tf.tensor2d(y, [B, T], "int32"), tf.tensor2d(m, [B, T]));
    assert.ok(Math.abs(masked.dataSync()[0] - oracle(rows, y, m)) < 1e-4);
    const empty = softmaxCrossEntropy(tf.tensor2d(rows), tf.tensor1d(y, "int32"), tf.zeros([B * T]));
    assert.equal(empty.dataSync()[0], 0);
  });

  test("gradient = (softmax(z) − onehot(y))·m / Σm", () => {
    setSeed(6);
    const [N, K] = [5, 3];
    const z = tf.tensor2d(randomArray(N * K, 2), [N, K]);
    const y = tf.tensor1d([0, 2, 1, 1, 0], "int32");
    const m = tf.tensor1d([1, 0, 1, 1, 0]);
    const g = tf.grad((logits: tf.Tensor) => softmaxCrossEntropy(logits, y, m))(z).arraySync() as number[][];
    const zs = z.arraySync() as number[][];
    zs.forEach((row, n) => {
      const e = row.map((v) => Math.exp(v));
      const s = e.reduce((a, b) => a + b, 0);
      const mn = [1, 0, 1, 1, 0][n];
      row.forEach((_, k) => {
        const expected = ((e[k] / s - (k === [0, 2, 1, 1, 0][n] ? 1 : 0)) * mn) / 3;
        assert.ok(Math.abs(g[n][k] - expected) < 1e-5, `g[${n}][${k}] = ${g[n][k]}, expected ${expected}`);
      });
    });
  });

  test("accuracy counts argmax hits over real positions; shape errors name the argument", () => {
    const z = tf.tensor2d([[1, 2, 0], [3, 0, 0], [0, 0, 1], [0, 5, 0]]);
    const y = tf.tensor1d([1, 1, 2, 1], "int32");
    assert.equal(accuracy(z, y), 3 / 4);
    assert.equal(accuracy(z, y, tf.tensor1d([1, 1, 0, 0])), 1 / 2);
    assert.throws(() => softmaxCrossEntropy(z, tf.tensor1d([1, 2, 0], "int32")), {
      name: "ArgumentError", message: /expected targets of shape \[4\], got \[3\]/,
    });
    assert.throws(() => softmaxCrossEntropy(z, tf.tensor1d([1, 2, 0, 1])), { message: /expected int32 targets, got float32/ });
  });
});

/**
 * A student's cell: an Elman RNN written with only `step`,
 * h_t = tanh(x_t Wx + h_{t−1} Wh + b). No `sequence` fast path: `cellSequence` loops.
 */
class StudentCell implements RecurrentCell {
  readonly name = "student";
  readonly Wx: tf.Variable;
  readonly Wh: tf.Variable;
  readonly b: tf.Variable;
  constructor(readonly inputSize: number, readonly hiddenSize: number) {
    this.Wx = tf.variable(tf.randomUniform([inputSize, hiddenSize], -0.5, 0.5, "float32", nextSeed()));
    this.Wh = tf.variable(tf.randomUniform([hiddenSize, hiddenSize], -0.5, 0.5, "float32", nextSeed()));
    this.b = tf.variable(tf.zeros([hiddenSize]));
  }
  get weights() {
    return [this.Wx, this.Wh, this.b];
  }
  zeroState(batchSize: number): CellState {
    return [tf.zeros([batchSize, this.hiddenSize])];
  }
  step(x: tf.Tensor2D, [h]: CellState): CellState {
    return [tf.tanh(tf.add(tf.add(tf.matMul(x, this.Wx), tf.matMul(h, this.Wh)), this.b)) as tf.Tensor2D];
  }
}

/** Mean of the first and last `n` losses. */
const head = (xs: number[], n = 10) => xs.slice(0, n).reduce((a, b) => a + b, 0) / n;
const tail = (xs: number[], n = 10) => xs.slice(-n).reduce((a, b) => a + b, 0) / n;

/** Runs `f` and counts the tensors it left behind (a leak-free op leaves only its result). */
function countNew<T>(f: () => T): { result: T; created: number } {
  const before = tf.memory().numTensors;
  const result = f();
  return { result, created: tf.memory().numTensors - before };
}

describe("SequenceClassifier (many-to-one)", () => {
  test("padded batch = each sequence alone; predict leaks nothing but its result", () => {
    setSeed(1);
    const model = new SequenceClassifier({ encoder: { kind: "gru", inputSize: 3, hiddenSize: 4 }, outputSize: 2 });
    const xs = tf.tensor3d(randomArray(2 * 5 * 3, 1), [2, 5, 3]);
    const mask = tf.tensor2d([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]);
    const { result: batched, created } = countNew(() => model.predict(xs, mask));
    assert.equal(created, 1);
    assert.deepEqual(batched.shape, [2, 2]);
    const first = model.predict(tf.slice(xs, [0, 0, 0], [1, 3, 3]));
    const second = model.predict(tf.slice(xs, [1, 0, 0], [1, 5, 3]));
    const expected = [...first.dataSync(), ...second.dataSync()];
    batched.dataSync().forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-5));
  });

  test("learns rememberTask (delay 3): loss halves, accuracy far above chance", () => {
    setSeed(2);
    const task = rememberTask({ symbols: 3, delay: 3 });
    const model = new SequenceClassifier({ encoder: { kind: "rnn", inputSize: task.inputSize, hiddenSize: 8 }, outputSize: task.outputSize });
    const history = train(model, (s) => task.batch(16, s), { steps: 120, learningRate: 0.03 });
    assert.ok(tail(history.losses) < head(history.losses) / 2, `loss ${head(history.losses)} → ${tail(history.losses)}`);
    const test = task.batch(200, 999);
    assert.ok(model.evaluate(test) > 0.8);
  });

  test("a student cell with only `step` plugs in and learns", () => {
    setSeed(3);
    const task = rememberTask({ symbols: 3, delay: 2 });
    const model = new SequenceClassifier({ encoder: new StudentCell(task.inputSize, 6), outputSize: task.outputSize });
    assert.equal(model.weights.length, 5);
    const history = train(model, (s) => task.batch(16, s), { steps: 80, learningRate: 0.03 });
    assert.ok(tail(history.losses) < head(history.losses) / 2, `loss ${head(history.losses)} → ${tail(history.losses)}`);
  });
});

describe("SequenceTagger (many-to-many, aligned)", () => {
  test("tags [B, T]; logits [B, T, K]", () => {
    setSeed(4);
    const task = copyTask({ symbols: 3, length: 2, delay: 2 });
    const model = new SequenceTagger({ encoder: { kind: "lstm", inputSize: task.inputSize, hiddenSize: 5 }, numTags: task.outputSize });
    const batch = task.batch(3, 0);
    assert.deepEqual(model.predict(batch.inputs).shape, [3, 6, 3]);
    const { result: tags, created } = countNew(() => model.tag(batch.inputs));
    assert.equal(created, 1);
    assert.deepEqual(tags.shape, [3, 6]);
    assert.equal(tags.dtype, "int32");
  });

  test("next-token tagging: a bidirectional tagger learns it, a left-to-right one stays near its ceiling", () => {
    setSeed(5);
    const task = nextTokenTask({ symbols: 3, maxLength: 5, minLength: 3 });
    const bi = new SequenceTagger({
      encoder: new Bidirectional(makeCell("rnn", task.inputSize, 8), makeCell("rnn", task.inputSize, 8)),
      numTags: task.outputSize,
    });
    const uni = new SequenceTagger({ encoder: { kind: "rnn", inputSize: task.inputSize, hiddenSize: 16 }, numTags: task.outputSize });
    const hb = train(bi, (s) => task.batch(16, s), { steps: 150, learningRate: 0.03 });
    const hu = train(uni, (s) => task.batch(16, s), { steps: 150, learningRate: 0.03 });
    assert.ok(tail(hb.losses) < head(hb.losses) / 2, `bi loss ${head(hb.losses)} → ${tail(hb.losses)}`);
    const test = task.batch(300, 12345);
    const [accBi, accUni] = [bi.evaluate(test), uni.evaluate(test)];
    assert.ok(accBi > 0.9, `bidirectional accuracy ${accBi}`);
    assert.ok(accUni < 0.6, `left-to-right accuracy ${accUni}`);
  });

  test("a student cell plugs into the tagger and learns the copy task", () => {
    setSeed(6);
    const task = copyTask({ symbols: 3, length: 1, delay: 1 });
    const model = new SequenceTagger({ encoder: new StudentCell(task.inputSize, 8), numTags: task.outputSize });
    const history = train(model, (s) => task.batch(16, s), { steps: 80, learningRate: 0.03 });
    assert.ok(tail(history.losses) < head(history.losses) / 2, `loss ${head(history.losses)} → ${tail(history.losses)}`);
  });
});

describe("SequenceGenerator (one-to-many)", () => {
  test("learns to spell the digits; greedy output [B, L] int32", () => {
    setSeed(7);
    const task = spellingTask();
    const model = new SequenceGenerator({
      cell: { kind: "gru", hiddenSize: 16 }, vectorSize: task.inputSize, vocabularySize: task.outputSize, maxLength: 7,
    });
    const history = train(model, (s) => task.batch(16, s), { steps: 100, learningRate: 0.03 });
    assert.ok(tail(history.losses) < head(history.losses) / 4, `loss ${head(history.losses)} → ${tail(history.losses)}`);
    const digits = tf.cast(tf.oneHot(tf.range(0, 10, 1, "int32"), 10), "float32") as tf.Tensor2D;
    const { result: ids, created } = countNew(() => model.predict(digits));
    assert.equal(created, 1);
    assert.deepEqual(ids.shape, [10, 7]);
    assert.equal(ids.dtype, "int32");
    const words = (ids.arraySync() as number[][]).map((r) => decodeTokens(r, task.vocabulary));
    const right = words.filter((w, d) => w === DIGIT_NAMES[d]).length;
    assert.ok(right >= 8, `spelled ${words}`);
  });

  test("the decoder's input size must be the vocabulary size", () => {
    assert.throws(() => new SequenceGenerator({ cell: makeCell("rnn", 4, 3), vectorSize: 2, vocabularySize: 5 }), {
      name: "ArgumentError", message: /expected decoder inputSize = vocabularySize = 5, got 4/,
    });
  });
});

describe("EncoderDecoder (many-to-many, unaligned)", () => {
  test("learns to reverse short sequences; greedy output [B, L] int32", () => {
    setSeed(8);
    const task = reverseTask({ symbols: 3, minLength: 1, maxLength: 3 });
    const model = new EncoderDecoder({
      encoder: { kind: "gru", inputSize: task.inputSize, hiddenSize: 24 }, decoder: { kind: "gru", hiddenSize: 24 },
      vocabularySize: task.outputSize, maxLength: 5,
    });
    const history = train(model, (s) => task.batch(16, s), { steps: 150, learningRate: 0.03 });
    assert.ok(tail(history.losses) < head(history.losses) / 3, `loss ${head(history.losses)} → ${tail(history.losses)}`);
    const test = task.batch(50, 4242);
    const { result: ids, created } = countNew(() => model.predict(test.sources, test.sourceMask));
    assert.equal(created, 1);
    assert.deepEqual(ids.shape, [50, 5]);
    const out = ids.arraySync() as number[][];
    const truth = test.targets.arraySync() as number[][];
    const exact = out.filter((r, b) => decodeTokens(r, task.vocabulary) === decodeTokens(truth[b], task.vocabulary)).length;
    assert.ok(exact / 50 > 0.5, `exact matches ${exact}/50`);
  });

  test("the encoder's final state must match the decoder's", () => {
    const model = new EncoderDecoder({
      encoder: { kind: "gru", inputSize: 4, hiddenSize: 3 }, decoder: { kind: "lstm", hiddenSize: 3 }, vocabularySize: 4,
    });
    assert.throws(() => model.predict(tf.zeros([1, 2, 4]) as tf.Tensor3D), {
      name: "ArgumentError", message: /expected the encoder's final state to match the decoder's \(2 × \[B, 3\]\), got 1 ×/,
    });
  });
});

test("building a model creates exactly its weights: no stray tensors (disposing them frees everything)", () => {
  const n0 = tf.memory().numTensors;
  const models = [
    new SequenceClassifier({ encoder: { kind: "gru", inputSize: 3, hiddenSize: 4 }, outputSize: 2 }),
    new SequenceTagger({ encoder: { kind: "rnn", inputSize: 3, hiddenSize: 4 }, numTags: 5 }),
    new SequenceGenerator({ cell: { kind: "lstm", hiddenSize: 5 }, vectorSize: 3, vocabularySize: 6 }),
  ];
  const weights = models.flatMap((m) => m.weights);
  assert.equal(tf.memory().numTensors - n0, weights.length);
  weights.forEach((w) => w.dispose());
  assert.equal(tf.memory().numTensors, n0);
});
