/**
 * Tagger batches (lib/src/ner/batches.ts). Oracles: the padded arrays of two hand-made
 * sentences, written out in full below; word dropout touches only real words and only
 * word ids; the tensors feed `BiLstmCrfTagger` (tagging/bilstm_crf.ts) as a `TaggerBatch`,
 * with and without character features, and its loss equals the one of the same batch built
 * by hand as in test/tagger.test.ts.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { setSeed } from "../lib/src/random.js";
import { ArgumentError } from "../lib/src/errors.js";
import { WordDropout } from "../lib/src/data/unk.js";
import { PAD_ID, UNK_ID } from "../lib/src/data/vocab.js";
import { buildNerVocabs, CAPS, capsOf, makeNerBatch, nerBatches, nerBatchTensors } from "../lib/src/ner/batches.js";
import { BiLstmCrfTagger, type TaggerBatch } from "../lib/src/tagging/bilstm_crf.js";
import type { NerSentence } from "../lib/src/ner/types.js";

before(async () => {
  await initBackend({ quiet: true });
});

const TRAIN: NerSentence[] = [
  { tokens: ["Дэвид", "Эберсман", "из", "Facebook"], tags: ["B-PER", "I-PER", "O", "B-ORG"] },
  { tokens: ["из", "США"], tags: ["O", "B-LOC"] },
];

describe("vocabularies and arrays", () => {
  test("two sentences padded to T = 4: words, tags, mask, chars, exactly", () => {
    const v = buildNerVocabs(TRAIN);
    // Words: "из" twice first, then the others by code-unit order: Facebook < Дэвид < США < Эберсман.
    assert.deepEqual(v.words.tokens, ["<PAD>", "<UNK>", "<SOS>", "<EOS>", "из", "Facebook", "Дэвид", "США", "Эберсман"]);
    assert.deepEqual(v.tags.tags, ["O", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-PER", "I-PER"]);
    const b = makeNerBatch([TRAIN[1], { tokens: ["Дэвид", "из", "Москвы"], tags: ["B-PER", "O", "B-LOC"] }], v);
    assert.deepEqual(b.shape, [2, 3]);
    assert.deepEqual([...b.words], [4, 7, PAD_ID, 6, 4, UNK_ID]);
    assert.deepEqual([...b.tags], [0, 1, 0, 5, 0, 1]);
    assert.deepEqual([...b.mask], [1, 1, 0, 1, 1, 1]);
    assert.deepEqual(b.lengths, [2, 3]);
    assert.equal(b.charLength, 6); // "Москвы"
    const ch = (w: string) => Array.from(w, (c) => v.chars.idOf(c));
    const row = (w: string) => [...ch(w), ...new Array<number>(6 - Array.from(w).length).fill(0)];
    assert.deepEqual([...b.chars!], [...row("из"), ...row("США"), ...new Array<number>(6).fill(0), ...row("Дэвид"), ...row("из"), ...row("Москвы")]);
    assert.ok(row("Москвы").includes(UNK_ID)); // "М", "к", "в", "ы" are not in the training words
    assert.equal(b.caps, undefined);
    const padded = makeNerBatch([TRAIN[1]], v, { padTo: 5, chars: false });
    assert.deepEqual([...padded.words], [4, 7, 0, 0, 0]);
    assert.deepEqual([...padded.mask], [1, 1, 0, 0, 0]);
    assert.equal(padded.chars, undefined);
    assert.equal(makeNerBatch([TRAIN[0]], v, { maxWordLength: 3 }).charLength, 3);
  });

  test("lower-casing with the capitalisation feature", () => {
    const v = buildNerVocabs(TRAIN, { lowercase: true });
    assert.ok(v.words.has("сша") && !v.words.has("США"));
    const b = makeNerBatch([{ tokens: ["США", "iPhone", "39-летний", "Дэвид", ",", "Д"], tags: ["B-LOC", "O", "O", "B-PER", "O", "O"] }], v);
    assert.deepEqual([...b.caps!], [CAPS.upper, CAPS.mixed, CAPS.lower, CAPS.capitalised, CAPS.noLetter, CAPS.capitalised]);
    assert.equal(b.words[0], v.words.idOf("сша"));
    assert.equal(capsOf("McDonald"), CAPS.mixed);
    assert.equal(makeNerBatch([TRAIN[1]], v, { caps: false }).caps, undefined);
  });

  test("word dropout: only real words, only word ids, seeded", () => {
    const v = buildNerVocabs(TRAIN);
    const clean = makeNerBatch(TRAIN, v);
    const b = makeNerBatch(TRAIN, v, { wordDropout: new WordDropout({ p: 1, seed: 3 }) });
    assert.deepEqual([...b.words], [...clean.words].map((id) => (id === PAD_ID ? PAD_ID : UNK_ID)));
    assert.deepEqual([...b.chars!], [...clean.chars!]);
    assert.deepEqual([...b.tags], [...clean.tags]);
    const half = () => [...makeNerBatch(TRAIN, v, { wordDropout: new WordDropout({ p: 0.5, seed: 9 }) }).words];
    assert.deepEqual(half(), half());
  });

  test("nerBatches: every sentence once, seeded order; argument errors", () => {
    const v = buildNerVocabs(TRAIN);
    const many = Array.from({ length: 7 }, (_, i) => TRAIN[i % 2]);
    const bs = nerBatches(many, v, { batchSize: 3, seed: 1 });
    assert.deepEqual(bs.map((b) => b.shape[0]), [3, 3, 1]);
    assert.deepEqual(bs.flatMap((b) => b.indices).sort(), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(nerBatches(many, v, { batchSize: 3, seed: 1 }).map((b) => b.indices), bs.map((b) => b.indices));
    assert.deepEqual(nerBatches(many, v, { batchSize: 7 })[0].indices, [0, 1, 2, 3, 4, 5, 6]);
    const arg = (f: () => unknown, m: RegExp) => assert.throws(f, (e: unknown) => e instanceof ArgumentError && m.test((e as Error).message));
    arg(() => makeNerBatch([TRAIN[0]], v, { padTo: 3 }), /expected padTo ≥ 4 \(the longest sentence\), got 3/);
    arg(() => makeNerBatch([], v), /expected at least one sentence, got none/);
    arg(() => makeNerBatch([{ tokens: [], tags: [] }], v), /sentence 0: expected at least one token, got none/);
    arg(() => makeNerBatch([{ tokens: ["a"], tags: [] }], v), /sentence 0: expected 1 tags \(one per token\), got 0/);
    arg(() => nerBatches(many, v, { batchSize: 0 }), /expected batchSize to be an integer ≥ 1, got 0/);
  });
});

describe("the tensors feed BiLstmCrfTagger", () => {
  test("with and without char features: shapes, dtypes, a finite loss equal to the hand-built batch's, decoded lengths", () => {
    const v = buildNerVocabs(TRAIN);
    for (const chars of [false, true]) {
      setSeed(7);
      const tagger = new BiLstmCrfTagger({
        vocabularySize: v.words.size,
        numTags: v.tags.size,
        embeddingSize: 8,
        hiddenSize: 6,
        ...(chars ? { chars: { alphabetSize: v.chars.size, embeddingSize: 4, hiddenSize: 3 } } : {}),
      });
      const b = makeNerBatch(TRAIN, v, { chars });
      const t = nerBatchTensors(b);
      const batch: TaggerBatch = t; // assignable: the structural type of TaggerBatch
      assert.deepEqual([t.words.dtype, t.mask.dtype, t.tags.dtype], ["int32", "float32", "int32"]);
      assert.deepEqual(t.words.shape, [2, 4]);
      if (chars) assert.deepEqual(t.chars!.shape, [2, 4, 8]); // "Эберсман", "Facebook": 8 characters
      // The same batch by hand (as test/tagger.test.ts builds them).
      const hand: TaggerBatch = {
        words: tf.tensor2d([[6, 8, 4, 5], [4, 7, 0, 0]], [2, 4], "int32"),
        tags: tf.tensor2d([[5, 6, 0, 3], [0, 1, 0, 0]], [2, 4], "int32"),
        mask: tf.tensor2d([[1, 1, 1, 1], [1, 1, 0, 0]], [2, 4]),
        ...(chars ? { chars: t.chars } : {}),
      };
      const loss = tagger.loss(batch).dataSync()[0];
      assert.ok(Number.isFinite(loss) && loss > 0);
      assert.equal(tagger.loss(hand).dataSync()[0], loss);
      assert.deepEqual(tagger.decode(batch).lengths, [4, 2]);
      tf.dispose([t.words, t.mask, t.tags, t.chars, hand.words, hand.tags, hand.mask, ...tagger.weights]);
    }
  });
});
