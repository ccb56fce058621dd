/**
 * The char-level LM helpers (lib/src/lm/char_lm.ts): Cyrillic text survives text → ids → text
 * (also when "й" comes decomposed), unseen characters decode to U+FFFD, and an `RnnLm` trained
 * with `trainLm` on a periodic Cyrillic text continues it exactly with argmax and mostly with
 * sampling.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { initBackend } from "../lib/src/backend/backend.js";
import { setSeed } from "../lib/src/random.js";
import { EOS_ID } from "../lib/src/data/vocab.js";
import { RnnLm } from "../lib/src/lm/rnn_lm.js";
import { trainLm, evaluateLm } from "../lib/src/lm/train_lm.js";
import { UNKNOWN_CHAR, charVocab, decodeText, encodeText, sampleText } from "../lib/src/lm/char_lm.js";

before(async () => {
  await initBackend({ quiet: true });
});

test("Cyrillic round trip: text → ids → text, spaces and newlines are tokens, й decomposed = й precomposed", () => {
  const text = "Съешь же ещё этих мягких французских булок,\nда выпей чаю. Йод!";
  const vocab = charVocab(text);
  const ids = encodeText(vocab, text);
  assert.equal(ids[0], EOS_ID);
  assert.equal(ids.length, Array.from(text).length + 1);
  assert.equal(decodeText(vocab, ids), text);
  assert.ok(vocab.has(" ") && vocab.has("\n") && vocab.has("ё") && vocab.has("Й"));
  const decomposed = "\u0418\u0306од"; // И + combining breve = Й
  assert.deepEqual(Array.from(encodeText(vocab, decomposed, { leadingEos: false })), [vocab.idOf("Й"), vocab.idOf("о"), vocab.idOf("д")]);
  // 4 specials + the distinct code points
  assert.equal(vocab.size, 4 + new Set(Array.from(text)).size);
  // an unseen character → <UNK> → U+FFFD
  assert.equal(decodeText(vocab, encodeText(vocab, "чаюz")), `чаю${UNKNOWN_CHAR}`);
});

test("a char LSTM LM learns a periodic Cyrillic text: argmax continues it exactly, sampling at τ = 0.5 mostly", () => {
  setSeed(1);
  const period = "мама мыла раму\n";
  const text = period.repeat(24); // 360 characters
  const vocab = charVocab(text);
  const lm = new RnnLm({ vocabSize: vocab.size, embeddingSize: 8, hiddenSize: 16, layers: 1, initScale: 0.1 });
  const stream = encodeText(vocab, text);
  const before = evaluateLm(lm, stream, { batchSize: 1, bptt: 120 }).perplexity;
  const t0 = performance.now();
  trainLm(lm, stream, { epochs: 20, batchSize: 8, bptt: 15, optimizer: "adam", learningRate: 0.03, decay: 1 });
  const after = evaluateLm(lm, stream, { batchSize: 1, bptt: 120 }).perplexity;
  // before: about uniform over the 17 ids; after: (almost) only the first "м" after the leading
  // <EOS> is uncertain (evaluated as one stream, the state carried through all of it).
  assert.ok(before > 10, `perplexity before training ${before}`);
  assert.ok(after < 1.3, `perplexity after training ${after} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const greedy = sampleText(lm, vocab, { prompt: "мама ", length: 45, temperature: 0 });
  assert.equal(greedy, "мама " + (period + period + period + period).slice(5, 50));
  const sampled = sampleText(lm, vocab, { prompt: "мама ", length: 60, temperature: 0.5, seed: 3 });
  const expected = "мама " + period.repeat(5).slice(5, 65);
  let same = 0;
  for (let i = 0; i < expected.length; i++) if (sampled[i] === expected[i]) same++;
  assert.ok(same / expected.length > 0.9, `${same} of ${expected.length} characters as the period: ${JSON.stringify(sampled)}`);
  // the same seed gives the same sample
  assert.equal(sampleText(lm, vocab, { prompt: "мама ", length: 60, temperature: 0.5, seed: 3 }), sampled);
  lm.dispose();
});
