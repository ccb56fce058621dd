/**
 * The biLSTM-CRF tagger (lib/src/tagging/bilstm_crf.ts, char_encoder.ts) on synthetic
 * tagging tasks whose answers are known by construction:
 * - "chunks" (word features only): tags O/B/I where B marks a "start" word and I a
 *   "continuation" word that follows B or I — the I tag needs the left context and the
 *   CRF's transitions. The tagger must cut its loss by far and decode ≥ 95 % of the tags.
 * - "capitals" (char features): every batch draws fresh word ids from a large vocabulary,
 *   so word embeddings cannot memorise; a word's tag is B/I/O by whether its FIRST
 *   CHARACTER is the capital marker (and whether the previous word was capitalised). With
 *   char features the tagger must decode ≥ 95 % of unseen words; without, it cannot beat
 *   guessing by much (≤ 75 %), which shows the char encoder is what learned.
 * - every variable gets a non-zero gradient; batch/shape errors.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { seededGenerator, setSeed } from "../lib/src/random.js";
import { ArgumentError } from "../lib/src/errors.js";
import { BiLstmCrfTagger, type TaggerBatch } from "../lib/src/tagging/bilstm_crf.js";

before(async () => {
  await initBackend({ quiet: true });
});

const O = 0;
const Bt = 1;
const I = 2;

/** A batch as plain arrays; lengths in [3, T], right padding with word id 0, tag O. */
interface RawBatch {
  words: number[][];
  tags: number[][];
  chars?: number[][][];
  lengths: number[];
}

function toTensors(raw: RawBatch, T: number, C = 0): TaggerBatch {
  const B = raw.words.length;
  const pad = (row: number[]) => [...row, ...new Array<number>(T - row.length).fill(0)];
  const batch: TaggerBatch = {
    words: tf.tensor2d(raw.words.map(pad), [B, T], "int32"),
    tags: tf.tensor2d(raw.tags.map(pad), [B, T], "int32"),
    mask: tf.tensor2d(raw.lengths.map((L) => pad(new Array<number>(L).fill(1))), [B, T]),
  };
  if (raw.chars !== undefined) {
    const data = raw.chars.map((sentence) =>
      Array.from({ length: T }, (_, t) => {
        const word = sentence[t] ?? [];
        return [...word, ...new Array<number>(C - word.length).fill(0)];
      }),
    );
    batch.chars = tf.tensor3d(data, [B, T, C], "int32");
  }
  return batch;
}

/** "chunks": words 1..3 start a chunk (B), 4..5 continue one (I after B/I, else O), 6..11 are O. */
function chunksBatch(rand: () => number, B: number, T: number): RawBatch {
  const raw: RawBatch = { words: [], tags: [], lengths: [] };
  for (let b = 0; b < B; b++) {
    const L = 3 + Math.floor(rand() * (T - 2));
    const words: number[] = [];
    const tags: number[] = [];
    for (let t = 0; t < L; t++) {
      const w = 1 + Math.floor(rand() * 11);
      words.push(w);
      const inChunk = t > 0 && tags[t - 1] !== O;
      tags.push(w <= 3 ? Bt : w <= 5 && inChunk ? I : O);
    }
    raw.words.push(words);
    raw.tags.push(tags);
    raw.lengths.push(L);
  }
  return raw;
}

/** "capitals": fresh word ids in [1, 5000); spelling = [capital marker 1 or a letter 2..9] + 1..3 letters. */
function capitalsBatch(rand: () => number, B: number, T: number): RawBatch {
  const raw: RawBatch = { words: [], tags: [], chars: [], lengths: [] };
  for (let b = 0; b < B; b++) {
    const L = 3 + Math.floor(rand() * (T - 2));
    const words: number[] = [];
    const tags: number[] = [];
    const chars: number[][] = [];
    for (let t = 0; t < L; t++) {
      const capital = rand() < 0.5;
      const n = 1 + Math.floor(rand() * 3);
      chars.push([capital ? 1 : 2 + Math.floor(rand() * 8), ...Array.from({ length: n }, () => 2 + Math.floor(rand() * 8))]);
      words.push(1 + Math.floor(rand() * 4999));
      tags.push(!capital ? O : t > 0 && tags[t - 1] !== O ? I : Bt);
    }
    raw.words.push(words);
    raw.tags.push(tags);
    raw.chars!.push(chars);
    raw.lengths.push(L);
  }
  return raw;
}

/** Fraction of real words whose decoded tag is right. */
function decodeAccuracy(tagger: BiLstmCrfTagger, raw: RawBatch, batch: TaggerBatch): number {
  const { paths, lengths } = tagger.decode(batch);
  assert.deepEqual(lengths, raw.lengths);
  let right = 0;
  let total = 0;
  paths.forEach((path, b) => path.forEach((tag, t) => {
    right += tag === raw.tags[b][t] ? 1 : 0;
    total++;
  }));
  return right / total;
}

/** Adam on fresh batches; returns [first loss, mean of the last 10 losses]. */
function fit(tagger: BiLstmCrfTagger, next: () => TaggerBatch, steps: number, lr: number): [number, number] {
  const adam = tf.train.adam(lr);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const batch = next();
    const { value, grads } = tf.variableGrads(() => tagger.loss(batch), tagger.weights);
    adam.applyGradients(grads as Record<string, tf.Variable>);
    losses.push(value.dataSync()[0]);
    tf.dispose([value, grads, batch.words, batch.tags, batch.mask, batch.chars]);
  }
  adam.dispose();
  return [losses[0], losses.slice(-10).reduce((a, b) => a + b, 0) / 10];
}

describe("BiLstmCrfTagger learns", () => {
  test("chunks (word features): loss falls by > 90 %, decode accuracy ≥ 95 %", () => {
    setSeed(11);
    const rand = seededGenerator(11);
    const T = 8;
    const tagger = new BiLstmCrfTagger({ vocabularySize: 12, numTags: 3, embeddingSize: 8, hiddenSize: 8 });
    const [first, last] = fit(tagger, () => toTensors(chunksBatch(rand, 16, T), T), 80, 0.03);
    assert.ok(last < 0.1 * first, `loss ${first} → ${last}`);
    const raw = chunksBatch(rand, 64, T);
    const batch = toTensors(raw, T);
    const acc = decodeAccuracy(tagger, raw, batch);
    assert.ok(acc >= 0.95, `decode accuracy ${acc}`);
    tf.dispose([batch.words, batch.tags, batch.mask, ...tagger.weights]);
  });

  test("capitals: with char features ≥ 95 % on unseen words, without ≤ 75 %", () => {
    const T = 6;
    const C = 4;
    const accuracies: number[] = [];
    for (const chars of [true, false]) {
      setSeed(5);
      const rand = seededGenerator(5);
      const tagger = new BiLstmCrfTagger({
        vocabularySize: 5000, numTags: 3, embeddingSize: 8, hiddenSize: 8,
        chars: chars ? { alphabetSize: 10, embeddingSize: 6, hiddenSize: 6 } : undefined,
      });
      const batchOf = (raw: RawBatch) => toTensors(chars ? raw : { ...raw, chars: undefined }, T, C);
      fit(tagger, () => batchOf(capitalsBatch(rand, 16, T)), 80, 0.03);
      const raw = capitalsBatch(rand, 64, T);
      const batch = batchOf(raw);
      accuracies.push(decodeAccuracy(tagger, raw, batch));
      tf.dispose([batch.words, batch.tags, batch.mask, batch.chars, ...tagger.weights]);
    }
    assert.ok(accuracies[0] >= 0.95, `with chars: ${accuracies[0]}`);
    assert.ok(accuracies[1] <= 0.75, `without chars: ${accuracies[1]}`);
  });
});

describe("BiLstmCrfTagger wiring", () => {
  test("every variable gets a non-zero gradient (chars on), and loss = −mean CRF log-likelihood of the emissions", () => {
    setSeed(2);
    const tagger = new BiLstmCrfTagger({ vocabularySize: 20, numTags: 4, embeddingSize: 5, hiddenSize: 4, chars: { alphabetSize: 7, embeddingSize: 3, hiddenSize: 2 } });
    assert.equal(tagger.weights.length, 1 + 5 + 4 + 2 + 3);
    assert.equal(new Set(tagger.weights).size, tagger.weights.length);
    tf.tidy(() => {
      const batch: TaggerBatch = {
        words: tf.tensor2d([[3, 7, 19], [5, 1, 0]], [2, 3], "int32"),
        tags: tf.tensor2d([[0, 3, 2], [1, 1, 0]], [2, 3], "int32"),
        mask: tf.tensor2d([[1, 1, 1], [1, 1, 0]]),
        chars: tf.tensor3d([[[1, 2, 0], [3, 0, 0], [4, 5, 6]], [[6, 0, 0], [2, 2, 0], [0, 0, 0]]], [2, 3, 3], "int32"),
      };
      const { value, grads } = tf.variableGrads(() => tagger.loss(batch), tagger.weights);
      tagger.weights.forEach((w, i) => {
        assert.ok(tf.max(tf.abs(grads[w.name])).dataSync()[0] > 0, `weights[${i}] ${w.shape} has a zero gradient`);
      });
      const e = tagger.emissions(batch);
      const expected = tf.neg(tagger.crf.logLikelihood(e, batch.tags!, { mask: batch.mask, reduction: "mean" }));
      assert.ok(Math.abs(value.arraySync() - expected.arraySync()) < 1e-6);
      // Decoding is Viterbi on the same emissions.
      assert.deepEqual(tagger.decode(batch), tagger.crf.decode(e, batch.mask));
    });
    tf.dispose(tagger.weights);
  });

  test("errors: chars missing or unexpected, words dtype, tags missing", () => {
    setSeed(1);
    const withChars = new BiLstmCrfTagger({ vocabularySize: 5, numTags: 2, embeddingSize: 2, hiddenSize: 2, chars: { alphabetSize: 3 } });
    const plain = new BiLstmCrfTagger({ vocabularySize: 5, numTags: 2, embeddingSize: 2, hiddenSize: 2 });
    const words = tf.tensor2d([[1, 2]], [1, 2], "int32");
    const chars = tf.tensor3d([[[1], [2]]], [1, 2, 1], "int32");
    const msg = (m: string) => (e: unknown) => e instanceof ArgumentError && e.message === m;
    assert.throws(() => withChars.loss({ words, tags: words }), msg("BiLstmCrfTagger: expected batch.chars (the tagger has char features), got none"));
    assert.throws(() => plain.decode({ words, chars }), msg("BiLstmCrfTagger: expected no batch.chars (the tagger has no char features), got [1,2,1]"));
    assert.throws(() => plain.decode({ words: tf.cast(words, "float32") as tf.Tensor2D }), msg("BiLstmCrfTagger: expected words int32 [B, T], got float32 [1,2]"));
    assert.throws(() => plain.loss({ words }), msg("BiLstmCrfTagger.loss: expected batch.tags, got none"));
    assert.throws(() => new BiLstmCrfTagger({ vocabularySize: 5, numTags: 0 }), msg("BiLstmCrfTagger: expected numTags a positive integer, got 0"));
    tf.dispose([words, chars, ...withChars.weights, ...plain.weights]);
  });
});
