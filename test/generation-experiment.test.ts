/**
 * Notebook 05's experiment cells (lib/src/experiments/generation.ts) and distinct-n
 * (lib/src/generation/diversity.ts): distinct-n by hand; N argmax texts are one text, N samples
 * differ; the sweep's rows and perplexities equal the scorer's own; an exhaustive-width beam finds
 * a best hypothesis at least as probable as every narrower one.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { initBackend } from "../lib/src/backend/backend.js";
import { setSeed } from "../lib/src/random.js";
import { Vocab, SOS_ID } from "../lib/src/data/vocab.js";
import { RnnLm } from "../lib/src/lm/rnn_lm.js";
import { KneserNeyLm } from "../lib/src/lm/kneser_ney.js";
import { perplexity } from "../lib/src/lm/perplexity.js";
import { distinctN } from "../lib/src/generation/diversity.js";
import { argmaxVersusSampling, beamWidthSweep, decodingSweep } from "../lib/src/experiments/generation.js";

before(async () => {
  await initBackend({ quiet: true });
});

const sentences = [["the", "cat", "sat"], ["the", "dog", "sat"], ["a", "dog", "ran"]];
const vocab = Vocab.fromSentences(sentences);
const model = () => {
  setSeed(6);
  return new RnnLm({ vocabSize: vocab.size, embeddingSize: 6, hiddenSize: 8, layers: 1, initScale: 1 });
};

describe("generation experiments", () => {
  test("distinct-n by hand", () => {
    // bigrams: (a b) (b a) (a b) | (a b) (b c): 3 distinct of 5
    assert.equal(distinctN([["a", "b", "a", "b"], ["a", "b", "c"]], 2), 3 / 5);
    assert.equal(distinctN([["a", "b", "a", "b"], ["a", "b", "c"]], 1), 3 / 7);
    assert.equal(distinctN([["a"]], 2), 0);
    assert.equal(distinctN([[1, 2], [1, 2]], 2), 1 / 2);
  });

  test("argmax texts are one text; samples differ; the sweep's perplexities are the scorer's", () => {
    const lm = model();
    const r = argmaxVersusSampling(lm, vocab, { prompt: [SOS_ID], n: 10, maxLength: 8, seed: 2 });
    assert.equal(r.distinctArgmax, 1);
    assert.ok(r.distinctSamples > 1);
    const kn = KneserNeyLm.fromSentences(sentences, 2);
    const rows = decodingSweep(lm, vocab, ["argmax", { temperature: 0.7 }, { topP: 0.5 }], { prompt: [SOS_ID], n: 8, maxLength: 6, scorer: kn });
    assert.deepEqual(rows.map((x) => x.decoder), ["argmax", "sample(τ=0.7)", "sample(τ=1, top-p=0.5)"]);
    for (const row of rows) {
      assert.equal(row.perplexity, perplexity(kn, row.texts).perplexity);
      assert.equal(row.distinct2, distinctN(row.texts, 2));
    }
    assert.equal(new Set(rows[0].texts.map((t) => t.join(" "))).size, 1);
    lm.dispose();
  });

  test("an exhaustive-width beam's best is at least as probable as every narrower beam's", () => {
    const lm = model();
    const L = 3;
    const rows = beamWidthSweep(lm, [[SOS_ID]], [1, 2, 4, vocab.size ** L], ["none"], L);
    const exact = rows[rows.length - 1].logProb;
    for (const row of rows) assert.ok(row.logProb <= exact + 1e-6, `width ${row.width}: ${row.logProb} > ${exact}`);
    assert.ok(rows.every((row) => row.length >= 1 && row.length <= L));
    lm.dispose();
  });
});
