/**
 * The hybrid word/char LM (lib/src/lm/hybrid/) against oracles: the spelling of each word
 * against a step-by-step loop of the char LSTM cell (no masks, one word at a time); the gradient
 * of the char part against central differences; the replacement rate against p; evaluation with
 * nothing spelled against the plain RnnLm's evaluateLm; and a behavioural check: on a corpus
 * where a name's ending decides the next word, the hybrid predicts the verb after NEW names
 * (OOV at test time), the plain LM cannot.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { seededGenerator, setSeed } from "../lib/src/random.js";
import { EOS_ID, UNK_ID, Vocab } from "../lib/src/data/vocab.js";
import { charVocab } from "../lib/src/lm/char_lm.js";
import { RnnLm } from "../lib/src/lm/rnn_lm.js";
import { evaluateLm, trainLm } from "../lib/src/lm/train_lm.js";
import { HybridLm } from "../lib/src/lm/hybrid/model.js";
import { encodeHybridStream } from "../lib/src/lm/hybrid/stream.js";
import { HybridBatches, hybridBatchTensors, type HybridBatch } from "../lib/src/lm/hybrid/batches.js";
import { trainHybridLm } from "../lib/src/lm/hybrid/train.js";
import { evaluateHybridLm } from "../lib/src/lm/hybrid/evaluate.js";

before(async () => {
  await initBackend({ quiet: true });
});

const corpus = [
  ["кот", "ест", "рыбу"],
  ["кот", "ест", "мясо"],
  ["пёс", "ест", "мясо"],
  ["кот", "спит"],
];
const words = Vocab.fromSentences(corpus, { minCount: 2 }); // кот, ест, мясо; пёс, рыбу, спит → <UNK>
const chars = charVocab(corpus.flat().join(" ") + " котик");

const small = (seed = 2) => {
  setSeed(seed);
  return new HybridLm({ vocabSize: words.size, alphabetSize: chars.size, embeddingSize: 5, hiddenSize: 6, layers: 1, charEmbeddingSize: 3, charHiddenSize: 4, initScale: 0.5 });
};

/** One window holding the whole stream (B = 1), every in-vocabulary word spelled if p = 1. */
function wholeStream(sentences: string[][], p = 0, seed = 0): HybridBatch {
  const stream = encodeHybridStream(words, chars, sentences);
  const batches = new HybridBatches(stream, { batchSize: 1, bptt: stream.ids.length - 1, replaceProb: p, seed });
  return [...batches.windows()][0];
}

describe("HybridLm", () => {
  test("spell(): the masked batched char LSTM equals a loop of LstmCell.step over each word's characters alone", () => {
    const lm = small();
    const list = ["кот", "котик", "пёс", "к"];
    const C = 5;
    const ids = list.map((w) => Array.from(chars.encode(Array.from(w))));
    const padded = ids.map((w) => [...w, ...new Array(C - w.length).fill(0)]);
    const got = lm.spell(tf.tensor2d(padded, [list.length, C], "int32") as tf.Tensor2D).arraySync() as number[][]; // [4, E]
    ids.forEach((w, n) => {
      const expected = tf.tidy(() => {
        let state = lm.charLstm.zeroState(1);
        for (const c of w) state = lm.charLstm.step(tf.gather(lm.charEmbedding, tf.tensor1d([c], "int32")) as tf.Tensor2D, state);
        return lm.projection.apply(state[0]).arraySync()[0];
      });
      expected.forEach((x, j) => assert.ok(Math.abs(x - got[n][j]) < 1e-5, `${list[n]}[${j}]: ${got[n][j]} vs ${x}`));
    });
    lm.dispose();
  });

  test("an OOV word is represented by its spelling, not E[<UNK>]; different spellings differ; in-vocabulary words keep E[w]", () => {
    const lm = small();
    const win = wholeStream([["кот", "ест", "рыбу"], ["пёс", "спит"], ["кот", "рыбу"]]);
    // stream: <EOS> кот ест рыбу <EOS> пёс спит <EOS> кот рыбу <EOS>; inputs are its first 10 tokens
    assert.deepEqual(Array.from(win.inputs), [EOS_ID, words.idOf("кот"), words.idOf("ест"), UNK_ID, EOS_ID, UNK_ID, UNK_ID, EOS_ID, words.idOf("кот"), UNK_ID]);
    assert.deepEqual(Array.from(win.spelled), [3, 5, 6, 9]); // рыбу, пёс, спит, рыбу
    const t = hybridBatchTensors(win);
    const x = lm.represent(t).arraySync()[0] as number[][]; // [10, E]
    const E = lm.word.embedding.arraySync() as number[][];
    const near = (a: number[], b: number[]) => a.every((v, j) => Math.abs(v - b[j]) < 1e-6);
    assert.ok(near(x[1], E[words.idOf("кот")]) && near(x[2], E[words.idOf("ест")]) && near(x[0], E[EOS_ID]));
    for (const i of [3, 5, 6]) assert.ok(!near(x[i], E[UNK_ID]), `position ${i} should not be E[<UNK>]`);
    assert.ok(!near(x[3], x[5]) && !near(x[5], x[6]));
    assert.ok(near(x[3], x[9]), "the same spelling gives the same input");
    const spelled = lm.spell(tf.tensor2d(win.chars, [4, win.maxChars], "int32") as tf.Tensor2D).arraySync() as number[][];
    assert.ok(near(x[5], spelled[1]));
    lm.dispose();
  });

  test("gradients reach the char part (central differences along random directions), and only through spelled words", () => {
    const lm = small(3);
    const t = hybridBatchTensors(wholeStream([["кот", "ест", "рыбу"], ["пёс", "спит"]]));
    const lossOf = () => tf.tidy(() => lm.loss(t).loss.dataSync()[0]);
    const { grads } = tf.variableGrads(() => lm.loss(t).loss, lm.weights);
    lm.charWeights.forEach((w, i) => {
      const g = grads[w.name];
      assert.ok(g !== undefined, `no gradient for char weight ${i}`);
      const gNorm = tf.norm(g).dataSync()[0];
      assert.ok(gNorm > 1e-4, `char weight ${i}: ‖g‖ = ${gNorm}`);
      const d = tf.tidy(() => { const r = tf.randomNormal(w.shape, 0, 1, "float32", 40 + i); return tf.div(tf.add(r, tf.div(g, gNorm)), tf.norm(r)); });
      const exact = tf.sum(tf.mul(g, d)).dataSync()[0];
      const w0 = w.clone();
      const at = (s: number) => { tf.tidy(() => w.assign(tf.add(w0, tf.mul(s, d)))); return lossOf(); };
      const h = 0.05;
      const fd = (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h); // 4th-order central difference
      w.assign(w0);
      tf.dispose([w0, d]);
      assert.ok(Math.abs(fd - exact) < 2e-3 * Math.max(Math.abs(exact), 0.05 * gNorm) + 2e-5, `char weight ${i}: fd ${fd} vs autodiff ${exact}`);
    });
    tf.dispose(grads);
    // a one-letter OOV word: the window pads C to 2, and the gradient exists
    const one = wholeStream([["кот", "к"]]);
    assert.deepEqual([one.spelled.length, one.maxChars], [1, 2]);
    const t1 = hybridBatchTensors(one);
    const g1 = tf.variableGrads(() => lm.loss(t1).loss, lm.weights).grads;
    assert.ok(tf.norm(g1[lm.charLstm.W.name]).dataSync()[0] > 0);
    // nothing spelled: the char weights do not touch the loss
    const none = hybridBatchTensors(wholeStream([["кот", "ест", "мясо"]]));
    assert.equal(none.chars.shape[0], 0);
    const g0 = tf.variableGrads(() => lm.loss(none).loss, lm.weights).grads;
    for (const w of lm.charWeights) assert.ok(g0[w.name] === undefined || tf.norm(g0[w.name]).dataSync()[0] === 0);
    lm.dispose();
  });

  test("replacement: in-vocabulary words are spelled at rate ≈ p (seeded), OOV always, <EOS> never", () => {
    const sentences = Array.from({ length: 500 }, (_, i) => (i % 2 === 0 ? ["кот", "ест", "мясо"] : ["пёс", "ест"]));
    const stream = encodeHybridStream(words, chars, sentences);
    const spelledOf = (seed: number) => {
      const batches = new HybridBatches(stream, { batchSize: 10, bptt: 25, replaceProb: 0.1, seed });
      const epochs = [0, 1].map(() => [...batches.windows()].map((w) => ({ w, spelled: new Set(w.spelled) })));
      return epochs;
    };
    const [first, second] = spelledOf(7);
    let inVocab = 0;
    let hits = 0;
    let oov = 0;
    for (const { w, spelled } of first) {
      w.inputs.forEach((id, i) => {
        if (w.mask[i] !== 1) return;
        if (id === EOS_ID) assert.ok(!spelled.has(i));
        else if (id === UNK_ID) { assert.ok(spelled.has(i)); oov++; }
        else { inVocab++; if (spelled.has(i)) hits++; }
      });
    }
    assert.equal(oov, 250);
    const rate = hits / inVocab;
    const sigma = Math.sqrt((0.1 * 0.9) / inVocab); // inVocab = 1000 words → σ ≈ 0.0095
    assert.ok(Math.abs(rate - 0.1) < 4 * sigma, `rate ${rate} over ${inVocab} words`);
    const flat = (e: typeof first) => e.map(({ spelled }) => [...spelled].join(",")).join(";");
    assert.equal(flat(spelledOf(7)[0]), flat(first), "same seed, same replacements");
    assert.notEqual(flat(spelledOf(8)[0]), flat(first));
    assert.notEqual(flat(second), flat(first), "the next epoch draws anew");
  });

  test("with nothing spelled (p = 0, no OOV) evaluation equals the plain RnnLm's evaluateLm of its word part", () => {
    const lm = small(4);
    const sentences = [["кот", "ест", "мясо"], ["кот", "ест"], ["ест", "мясо", "кот"]];
    const stream = encodeHybridStream(words, chars, sentences);
    const a = evaluateHybridLm(lm, stream, { batchSize: 2, bptt: 3 });
    const b = evaluateLm(lm.word, stream.ids, { batchSize: 2, bptt: 3 });
    assert.equal(a.tokens, b.tokens);
    a.logProbs.forEach((x, j) => assert.ok(Math.abs(x - b.logProbs[j]) < 1e-5, `token ${j}: ${x} vs ${b.logProbs[j]}`));
    lm.dispose();
  });
});

test("behaviour: a name's ending decides the verb; after NEW names the hybrid predicts it, the plain LM cannot", () => {
  // Names are two random syllables + "ov" (then "runs") or + "ina" (then "sings"). Six frequent
  // names are in the vocabulary; 60 rare training names and 40 test names are <UNK> words.
  const rng = seededGenerator(5);
  const syl = ["ba", "ko", "mi", "du", "re", "sa", "lu", "pe", "ni", "to", "ga", "vi", "zo", "fe"];
  const used = new Set<string>();
  const newName = (cls: number): string => {
    for (;;) {
      const n = syl[Math.floor(rng() * syl.length)] + syl[Math.floor(rng() * syl.length)] + (cls === 0 ? "ov" : "ina");
      if (!used.has(n)) { used.add(n); return n; }
    }
  };
  const verb = ["runs", "sings"];
  const train: string[][] = [];
  for (let i = 0; i < 6; i++) { const n = newName(i % 2); for (let r = 0; r < 8; r++) train.push([n, verb[i % 2]]); }
  for (let i = 0; i < 60; i++) train.push([newName(i % 2), verb[i % 2]]);
  for (let i = train.length - 1; i > 0; i--) { const j = Math.floor(rng() * (i + 1)); [train[i], train[j]] = [train[j], train[i]]; }
  const test_ = Array.from({ length: 40 }, (_, i) => [newName(i % 2), verb[i % 2]]);
  for (let i = test_.length - 1; i > 0; i--) { const j = Math.floor(rng() * (i + 1)); [test_[i], test_[j]] = [test_[j], test_[i]]; }
  const wv = Vocab.fromSentences(train, { minCount: 2 });
  assert.equal(wv.size, 4 + 6 + 2);
  const cv = charVocab(train.flat().join(" "));
  const trainStream = encodeHybridStream(wv, cv, train);
  const testStream = encodeHybridStream(wv, cv, test_);
  const config = { vocabSize: wv.size, embeddingSize: 16, hiddenSize: 24, layers: 1, initScale: 0.3 };
  const afterOov = (logProbs: Float64Array) => {
    const xs: number[] = [];
    testStream.ids.forEach((id, j) => { if (id === UNK_ID) xs.push(logProbs[j]); }); // ln p(verb | …, new name)
    assert.equal(xs.length, 40);
    return xs.reduce((s, x) => s + x, 0) / xs.length;
  };

  setSeed(11);
  const hybrid = new HybridLm({ ...config, alphabetSize: cv.size, charEmbeddingSize: 8, charHiddenSize: 16 });
  trainHybridLm(hybrid, new HybridBatches(trainStream, { batchSize: 8, bptt: 12, replaceProb: 0.1, seed: 1 }), { epochs: 20, learningRate: 0.03 });
  const h = afterOov(evaluateHybridLm(hybrid, testStream, { batchSize: 1, bptt: 200 }).logProbs);

  setSeed(11);
  const plain = new RnnLm(config);
  trainLm(plain, trainStream.ids, { epochs: 20, batchSize: 8, bptt: 12, optimizer: "adam", learningRate: 0.03, decay: 1 });
  const p = afterOov(evaluateLm(plain, testStream.ids, { batchSize: 1, bptt: 200 }).logProbs);

  // The plain LM sees <UNK> and can at best split ln(1/2) = −0.69 between the verbs; the hybrid reads the ending.
  assert.ok(p < -0.6, `plain LM: mean ln p(verb | new name) = ${p}`);
  assert.ok(h > -0.2, `hybrid: mean ln p(verb | new name) = ${h} (plain ${p})`);
  hybrid.dispose();
  plain.dispose();
});
