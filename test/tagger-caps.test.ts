/**
 * The capitalisation feature of the taggers (tagging/word_inputs.ts): with lower-cased word
 * ids (ner/batches.ts `lowercase`), the case the ids lose reaches the model only through the
 * caps embedding E_caps[c_t].
 * - A task only the case decides: words of a small vocabulary, each seen capitalised and not,
 *   tagged B-PER exactly when capitalised. With `lowercase` and no chars, a tagger without caps
 *   cannot tell the two apart (dev F1 ≤ 0.5); the same tagger with caps learns it (≥ 0.95).
 * - Weight shapes: `taggerWeightShapes` equals each kind's `weights` with caps, with and
 *   without chars; the caps embedding is [6, Ecaps].
 * - Batches: a caps tagger without batch.caps, or a plain tagger given caps, is an
 *   ArgumentError naming the tagger.
 * - A checkpoint of a caps tagger loads and predicts the same tags.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { ArgumentError } from "../lib/src/errors.js";
import { buildNerVocabs, CAPS_SIZE, makeNerBatch, nerBatchTensors } from "../lib/src/ner/batches.js";
import type { NerSentence } from "../lib/src/ner/types.js";
import { seededGenerator, setSeed } from "../lib/src/random.js";
import { evaluateTagger, predictTags } from "../lib/src/tagging/predict.js";
import { loadTagger } from "../lib/src/tagging/tagger_checkpoint.js";
import { createTagger, TAGGER_KINDS, taggerWeightShapes, type TaggerConfig } from "../lib/src/tagging/tagger_config.js";
import { trainNerTagger, type NerTaggerSpec } from "../lib/src/tagging/train_ner_tagger.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-caps-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
before(async () => {
  await initBackend({ quiet: true });
});

const WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"];

/** Sentences of 3–8 words; a word is capitalised with probability 0.3 and then tagged B-PER. */
function caseOnlyCorpus(n: number, seed: number): NerSentence[] {
  const r = seededGenerator(seed);
  return Array.from({ length: n }, () => {
    const len = 3 + Math.floor(r() * 6);
    const tokens: string[] = [];
    const tags: string[] = [];
    for (let i = 0; i < len; i++) {
      const w = WORDS[Math.floor(r() * WORDS.length)];
      const cap = r() < 0.3;
      tokens.push(cap ? w[0].toUpperCase() + w.slice(1) : w);
      tags.push(cap ? "B-PER" : "O");
    }
    return { tokens, tags };
  });
}

const data = { train: caseOnlyCorpus(400, 1), dev: caseOnlyCorpus(100, 2) };
const spec = (caps: boolean): NerTaggerSpec => ({
  label: caps ? "bilstm + caps" : "bilstm",
  kind: "bilstm",
  embeddingSize: 8,
  hiddenSize: 8,
  caps: caps ? { embeddingSize: 4 } : null,
  vocab: { lowercase: true },
  train: { epochs: 4, patience: 10, learningRate: 0.02, batchSize: 16 },
});
const quiet = () => {};

describe("the caps feature carries the case that lower-cased word ids lose", () => {
  test("a task only the case decides: without caps dev F1 ≤ 0.5, with caps ≥ 0.95", () => {
    const plain = trainNerTagger(data, spec(false), { seed: 1, log: quiet });
    const caps = trainNerTagger(data, spec(true), { seed: 1, log: quiet });
    const best = (r: typeof plain) => Math.max(...r.history.map((h) => h.devF1!));
    assert.ok(best(plain) <= 0.5, `without caps: dev F1 ${best(plain)}`);
    assert.ok(best(caps) >= 0.95, `with caps: dev F1 ${best(caps)}`);
    assert.equal(caps.vocabs.words.has("Alpha"), false, "the vocabulary is lower-cased");
    tf.dispose([...plain.tagger.weights, ...caps.tagger.weights]);
  });

  test("a checkpoint of a caps tagger loads and predicts the same tags", () => {
    const dir = path.join(tmp, "caps");
    const run = trainNerTagger(data, spec(true), { seed: 3, checkpointDir: dir, log: quiet });
    const loaded = loadTagger(dir);
    assert.deepEqual(loaded.config.caps, { embeddingSize: 4 });
    const opts = { chars: false, caps: true };
    const tags = predictTags(loaded.tagger, data.dev, loaded.vocabs, opts);
    assert.deepEqual(tags, predictTags(run.tagger, data.dev, run.vocabs, opts));
    assert.equal(evaluateTagger(loaded.tagger, data.dev, loaded.vocabs, opts).scores.f1, Math.max(...run.history.map((h) => h.devF1!)));
    tf.dispose([...loaded.tagger.weights, ...run.tagger.weights]);
  });
});

describe("caps in the tagger's weights and batches", () => {
  for (const kind of TAGGER_KINDS) {
    for (const chars of [false, true]) {
      test(`${kind}${chars ? " + chars" : ""} + caps: taggerWeightShapes = the tagger's weights; caps.embedding [${CAPS_SIZE}, 3] after the word embedding`, () => {
        setSeed(1);
        const config: TaggerConfig = { kind, vocabularySize: 11, numTags: 5, embeddingSize: 4, hiddenSize: 6, caps: { embeddingSize: 3 }, chars: chars ? { alphabetSize: 9, embeddingSize: 2, hiddenSize: 2 } : null };
        const tagger = createTagger(config);
        const shapes = taggerWeightShapes(config);
        assert.deepEqual(tagger.weights.map((w) => w.shape), shapes.map((s) => s.shape));
        assert.deepEqual(shapes[1], { name: "caps.embedding", shape: [CAPS_SIZE, 3] });
        const D = 4 + 3 + (chars ? 4 : 0);
        const forwardW = shapes.find((s) => s.name === "forward.W")!;
        assert.deepEqual(forwardW.shape, [6 + D, 24], "the LSTM reads E + Ecaps (+ 2Hc)");
        tf.dispose(tagger.weights);
      });
    }
  }

  test("a caps tagger needs batch.caps, a plain one refuses it (ArgumentError naming the tagger)", () => {
    const sentences = data.dev.slice(0, 3);
    const vocabs = buildNerVocabs(data.train, { lowercase: true });
    const withCaps = nerBatchTensors(makeNerBatch(sentences, vocabs, { chars: false, caps: true }));
    const noCaps = nerBatchTensors(makeNerBatch(sentences, vocabs, { chars: false, caps: false }));
    const capsTagger = createTagger({ kind: "bilstm-crf", vocabularySize: vocabs.words.size, numTags: vocabs.tags.size, embeddingSize: 4, hiddenSize: 4, caps: {} });
    const plainTagger = createTagger({ kind: "lstm", vocabularySize: vocabs.words.size, numTags: vocabs.tags.size, embeddingSize: 4, hiddenSize: 4 });
    assert.throws(() => capsTagger.decode(noCaps), (e: Error) => e instanceof ArgumentError && /^BiLstmCrfTagger: expected batch\.caps \(the tagger reads capitalisation classes\), got none/.test(e.message));
    assert.throws(() => plainTagger.decode(withCaps), (e: Error) => e instanceof ArgumentError && /^LstmTagger: expected no batch\.caps \(the tagger has no caps embedding\), got \[3,\d+\]/.test(e.message));
    assert.equal(capsTagger.decode(withCaps).paths.length, 3);
    tf.dispose([withCaps, noCaps, capsTagger.weights, plainTagger.weights] as unknown as tf.TensorContainer);
  });
});
