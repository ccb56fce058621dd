/**
 * The three taggers (lib/src/tagging/lstm_tagger.ts, bilstm_crf.ts through tagger_config.ts)
 * and constrained decoding (tagging/constraints.ts):
 * - the LSTM tagger's loss equals the lecture's formula computed here from its weights in
 *   float64 (an LSTM written out, ŷ_t = softmax(U h_t + b̂), −Σ_t log ŷ_t[y_t] averaged over
 *   sentences), and its scores at word t do not depend on later words (the biLSTM's do);
 * - padding changes nothing: for every kind, with and without char features, the loss and
 *   every gradient of a padded batch equal the mean of the unpadded one-sentence runs, and
 *   so do the decoded tags;
 * - dropout: a training step (dropoutSeed) is repeatable and differs from evaluation;
 *   decode ignores it;
 * - constrained decoding never returns an invalid sequence (read by the strict scheme rules
 *   of ner/tag_scheme.ts, an independent oracle) and equals the best valid path found by
 *   enumerating all K^L paths, for the CRF and for a softmax tagger, in IOB2, IOB1 and IOBES;
 * - the weight shapes a config implies are those of the built tagger.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { seededGenerator, setSeed } from "../lib/src/random.js";
import { TagSet } from "../lib/src/ner/tag_set.js";
import { tagsToSpans } from "../lib/src/ner/tag_scheme.js";
import type { TagScheme } from "../lib/src/ner/types.js";
import { crfScore } from "../lib/src/ops/crf.js";
import { BiLstmCrfTagger } from "../lib/src/tagging/bilstm_crf.js";
import { LstmTagger } from "../lib/src/tagging/lstm_tagger.js";
import { isAllowedPath, transitionConstraints } from "../lib/src/tagging/constraints.js";
import { createTagger, taggerWeightShapes, TAGGER_KINDS, type TaggerConfig } from "../lib/src/tagging/tagger_config.js";
import type { Tagger, TaggerBatch } from "../lib/src/tagging/tagger.js";

before(async () => {
  await initBackend({ quiet: true });
});

const V = 13;
const A = 9;

/** B sentences of the given lengths, right-padded to T = max length; char ids 1..A−1, C = 4. */
function randomBatch(lengths: number[], K: number, seed: number, chars: boolean): { batch: TaggerBatch; words: number[][]; tags: number[][]; charIds: number[][][] } {
  const rand = seededGenerator(seed);
  const T = Math.max(...lengths);
  const C = 4;
  const words = lengths.map((L) => Array.from({ length: L }, () => 1 + Math.floor(rand() * (V - 1))));
  const tags = lengths.map((L) => Array.from({ length: L }, () => Math.floor(rand() * K)));
  const charIds = lengths.map((L) => Array.from({ length: L }, () => Array.from({ length: 1 + Math.floor(rand() * C) }, () => 1 + Math.floor(rand() * (A - 1)))));
  const pad = (row: number[]) => [...row, ...new Array<number>(T - row.length).fill(0)];
  const batch: TaggerBatch = {
    words: tf.tensor2d(words.map(pad), [lengths.length, T], "int32"),
    tags: tf.tensor2d(tags.map(pad), [lengths.length, T], "int32"),
    mask: tf.tensor2d(lengths.map((L) => pad(new Array<number>(L).fill(1))), [lengths.length, T]),
  };
  if (chars) {
    const data = charIds.map((s) => Array.from({ length: T }, (_, t) => [...(s[t] ?? []), ...new Array<number>(C - (s[t]?.length ?? 0)).fill(0)]));
    batch.chars = tf.tensor3d(data, [lengths.length, T, C], "int32");
  }
  return { batch, words, tags, charIds };
}

/** Sentence b of a batch alone, unpadded. */
function single(words: number[], tags: number[], charIds: number[][] | undefined): TaggerBatch {
  const L = words.length;
  const batch: TaggerBatch = { words: tf.tensor2d([words], [1, L], "int32"), tags: tf.tensor2d([tags], [1, L], "int32"), mask: tf.ones([1, L]) };
  if (charIds !== undefined) batch.chars = tf.tensor3d([charIds.map((w) => [...w, ...new Array<number>(4 - w.length).fill(0)])], [1, L, 4], "int32");
  return batch;
}

const disposeBatch = (b: TaggerBatch) => tf.dispose([b.words, b.tags!, b.mask!, ...(b.chars ? [b.chars] : [])]);

function config(kind: TaggerConfig["kind"], chars: boolean, K = 5): TaggerConfig {
  return { kind, vocabularySize: V, numTags: K, embeddingSize: 6, hiddenSize: 5, chars: chars ? { alphabetSize: A, embeddingSize: 3, hiddenSize: 4 } : null };
}

describe("the LSTM tagger is the lecture's ŷ_t = softmax(U h_t + b̂) with cross-entropy summed over t", () => {
  test("its loss equals a float64 LSTM and cross-entropy computed here from its weights", () => {
    setSeed(3);
    const K = 4;
    const tagger = new LstmTagger({ vocabularySize: V, numTags: K, embeddingSize: 6, hiddenSize: 5 });
    const { batch, words, tags } = randomBatch([5, 2, 4], K, 11, false);
    const got = tagger.loss(batch).dataSync()[0];
    // The direct computation: x_t = E[w_t]; [f i c̃ o] = [h_{t−1}, x_t] W + b; C_t = f C_{t−1} + i c̃; h_t = o tanh(C_t).
    const E = tagger.embedding.arraySync();
    const W = tagger.forward.W.arraySync();
    const b = tagger.forward.b.arraySync() as number[];
    const U = tagger.out.U.arraySync();
    const bHat = tagger.out.bHat.arraySync() as number[];
    const H = 5;
    const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
    let total = 0;
    words.forEach((sentence, s) => {
      let h = new Array<number>(H).fill(0);
      let c = new Array<number>(H).fill(0);
      sentence.forEach((w, t) => {
        const z = [...h, ...E[w]];
        const a = Array.from({ length: 4 * H }, (_, j) => b[j] + z.reduce((sum, zi, i) => sum + zi * W[i][j], 0));
        c = c.map((cj, j) => sigmoid(a[j]) * cj + sigmoid(a[H + j]) * Math.tanh(a[2 * H + j]));
        h = c.map((cj, j) => sigmoid(a[3 * H + j]) * Math.tanh(cj));
        const logits = Array.from({ length: K }, (_, k) => bHat[k] + h.reduce((sum, hi, i) => sum + hi * U[i][k], 0));
        const m = Math.max(...logits);
        const logZ = m + Math.log(logits.reduce((sum, l) => sum + Math.exp(l - m), 0));
        total += logZ - logits[tags[s][t]]; // −log ŷ_t[y_t]
      });
    });
    const want = total / words.length; // summed over t, averaged over the 3 sentences
    assert.ok(Math.abs(got - want) < 1e-4 * Math.max(1, want), `loss ${got} vs direct ${want}`);
    disposeBatch(batch);
  });

  test("left to right: the LSTM's scores at word t ignore the words after t; the biLSTM's do not", () => {
    setSeed(4);
    for (const bidirectional of [false, true]) {
      const tagger = new LstmTagger({ vocabularySize: V, numTags: 3, embeddingSize: 4, hiddenSize: 4, bidirectional });
      const a = tagger.emissions({ words: tf.tensor2d([[1, 2, 3, 4]], [1, 4], "int32") }).arraySync()[0];
      const c = tagger.emissions({ words: tf.tensor2d([[1, 2, 9, 10]], [1, 4], "int32") }).arraySync()[0];
      const diff = (t: number) => Math.max(...a[t].map((x, k) => Math.abs(x - c[t][k])));
      if (!bidirectional) assert.ok(diff(0) === 0 && diff(1) === 0, "words 0, 1 unchanged by words 2, 3");
      else assert.ok(diff(0) > 1e-6, "the biLSTM's word 0 sees word 2");
      assert.ok(diff(2) > 1e-6, "word 2 changed, so do its scores");
    }
  });
});

describe("padding changes nothing", () => {
  for (const kind of TAGGER_KINDS) {
    for (const chars of [false, true]) {
      test(`${kind}${chars ? " + chars" : ""}: loss, every gradient and the decoded tags of a padded batch equal the one-sentence runs`, () => {
        setSeed(7);
        const tagger = createTagger(config(kind, chars));
        const lengths = [4, 1, 6, 3];
        const { batch, words, tags, charIds } = randomBatch(lengths, 5, 21, chars);
        const { value, grads } = tf.variableGrads(() => tagger.loss(batch), tagger.weights);
        const singles = lengths.map((_, s) => single(words[s], tags[s], chars ? charIds[s] : undefined));
        const parts = singles.map((one) => tf.variableGrads(() => tagger.loss(one), tagger.weights));
        const meanLoss = parts.reduce((sum, p) => sum + p.value.dataSync()[0], 0) / lengths.length;
        assert.ok(Math.abs(value.dataSync()[0] - meanLoss) < 1e-4 * Math.max(1, meanLoss), `loss ${value.dataSync()[0]} vs ${meanLoss}`);
        for (const w of tagger.weights) {
          const g = grads[w.name].dataSync();
          const sum = new Float64Array(g.length);
          for (const p of parts) p.grads[w.name].dataSync().forEach((x, i) => (sum[i] += x / lengths.length));
          const scale = Math.max(1e-3, ...Array.from(sum, Math.abs));
          const worst = Math.max(...Array.from(g, (x, i) => Math.abs(x - sum[i])));
          assert.ok(worst < 2e-4 * scale, `${kind}: gradient of ${w.name} [${w.shape}] differs by ${worst} (scale ${scale})`);
        }
        const padded = tagger.decode(batch).paths;
        singles.forEach((one, s) => assert.deepEqual(padded[s], tagger.decode(one).paths[0], `sentence ${s}`));
        tf.dispose([value, grads as tf.NamedTensorMap, ...parts.flatMap((p) => [p.value, ...Object.values(p.grads)])]);
        singles.forEach(disposeBatch);
        disposeBatch(batch);
        tf.dispose(tagger.weights);
      });
    }
  }
});

describe("dropout", () => {
  test("a training step (dropoutSeed) is repeatable, differs from evaluation, and decode ignores it", () => {
    setSeed(5);
    for (const kind of TAGGER_KINDS) {
      const tagger = createTagger({ ...config(kind, true), dropout: 0.5 });
      const { batch } = randomBatch([5, 3], 5, 8, true);
      const evalLoss = tagger.loss(batch).dataSync()[0];
      const a = tagger.loss({ ...batch, dropoutSeed: 17 }).dataSync()[0];
      const b = tagger.loss({ ...batch, dropoutSeed: 17 }).dataSync()[0];
      const c = tagger.loss({ ...batch, dropoutSeed: 18 }).dataSync()[0];
      assert.equal(a, b, `${kind}: same seed, same loss`);
      assert.notEqual(a, evalLoss, `${kind}: dropout changes the loss`);
      assert.notEqual(a, c, `${kind}: another seed, another mask`);
      assert.deepEqual(tagger.decode({ ...batch, dropoutSeed: 17 }).paths, tagger.decode(batch).paths, `${kind}: decode without dropout`);
      assert.equal(evalLoss, tagger.loss(batch).dataSync()[0], `${kind}: evaluation is deterministic`);
      disposeBatch(batch);
    }
  });
});

/** Every path of length L over K tags. */
function* allPaths(K: number, L: number): Generator<number[]> {
  const path = new Array<number>(L).fill(0);
  for (;;) {
    yield [...path];
    let i = L - 1;
    while (i >= 0 && path[i] === K - 1) path[i--] = 0;
    if (i < 0) return;
    path[i]++;
  }
}

describe("constrained decoding", () => {
  const schemes: TagScheme[] = ["IOB2", "IOB1", "IOBES"];
  for (const scheme of schemes) {
    test(`${scheme}: the CRF and a softmax tagger return the best VALID path (brute force over all K^L paths), never an invalid one`, () => {
      const tagSet = new TagSet(["LOC", "PER"], scheme);
      const K = tagSet.size; // 5 or 9
      const c = transitionConstraints(tagSet);
      setSeed(9);
      const crf = new BiLstmCrfTagger({ vocabularySize: V, numTags: K, embeddingSize: 4, hiddenSize: 3 });
      // Large random transitions, so the unconstrained best path is often invalid.
      crf.crf.transitions.assign(tf.randomNormal([K, K], 0, 3, "float32", 1));
      crf.crf.start.assign(tf.randomNormal([K], 0, 3, "float32", 2));
      const softmax = new LstmTagger({ vocabularySize: V, numTags: K, embeddingSize: 4, hiddenSize: 3, bidirectional: true });
      softmax.out.U.assign(tf.randomNormal(softmax.out.U.shape, 0, 3, "float32", 3));
      const lengths = [1, 3, K === 9 ? 3 : 4, 2];
      const { batch } = randomBatch(lengths, K, 31, false);
      let invalidUnconstrained = 0;
      for (const tagger of [crf, softmax] as Tagger[]) {
        const constrained = tagger.decode(batch, { constraints: c }).paths;
        const free = tagger.decode(batch).paths;
        const e = tagger.emissions(batch); // [B, T, K]
        const scores = tagger === crf ? null : (tf.logSoftmax(e).arraySync() as number[][][]);
        lengths.forEach((L, s) => {
          const path = constrained[s];
          const tags = tagSet.decode(path);
          assert.doesNotThrow(() => tagsToSpans(tags, scheme, { strict: true }), `valid ${scheme}: ${tags.join(" ")}`);
          if (!isAllowedPath(free[s], c)) invalidUnconstrained++;
          // Brute force: the score of every valid path.
          let best = -Infinity;
          let bestPath: number[] = [];
          const es = tf.slice(e, [s, 0, 0], [1, L, K]) as tf.Tensor3D;
          for (const p of allPaths(K, L)) {
            if (!isAllowedPath(p, c)) continue;
            const score = scores === null
              ? crfScore(es, tf.tensor2d([p], [1, L], "int32"), crf.crf.params).dataSync()[0]
              : p.reduce((sum, k, t) => sum + scores[s][t][k], 0);
            if (score > best + 1e-6) {
              best = score;
              bestPath = p;
            }
          }
          assert.deepEqual(path, bestPath, `${tagger === crf ? "CRF" : "softmax"}, sentence ${s}: ${tagSet.decode(path).join(" ")} vs brute force ${tagSet.decode(bestPath).join(" ")}`);
        });
      }
      assert.ok(invalidUnconstrained > 0, "the test has cases where the unconstrained decoding is invalid");
      disposeBatch(batch);
    });
  }

  test("the constraints of IOB2: O and B-X anywhere, I-X only after B-X or I-X, never first; IO allows everything", () => {
    const c = transitionConstraints(new TagSet(["LOC", "PER"], "IOB2")); // O, B-LOC, I-LOC, B-PER, I-PER
    const allowed = (i: number, j: number) => c.transitions[i * 5 + j] === 0;
    assert.deepEqual(Array.from(c.start, (x) => x === 0), [true, true, false, true, false]);
    assert.ok(allowed(1, 2) && allowed(2, 2) && !allowed(0, 2) && !allowed(1, 4) && !allowed(3, 2) && allowed(2, 3) && allowed(4, 0));
    const io = transitionConstraints(new TagSet(["LOC"], "IO"));
    assert.ok(Array.from(io.transitions).every((x) => x === 0) && Array.from(io.start).every((x) => x === 0));
  });
});

describe("configs", () => {
  test("taggerWeightShapes(config) are the built tagger's weight shapes, for every kind with and without chars", () => {
    for (const kind of TAGGER_KINDS) {
      for (const chars of [false, true]) {
        const cfg = config(kind, chars);
        const tagger = createTagger(cfg);
        assert.deepEqual(tagger.weights.map((w) => w.shape), taggerWeightShapes(cfg).map((s) => s.shape), `${kind} chars ${chars}`);
        tf.dispose(tagger.weights);
      }
    }
    assert.throws(() => createTagger({ ...config("lstm", false), kind: "gru" as never }), /kind: expected one of "lstm", "bilstm", "bilstm-crf", got "gru"/);
    assert.throws(() => createTagger({ ...config("lstm", false), dropout: 1 }), /dropout: expected a probability in \[0, 1\), got 1/);
  });
});
