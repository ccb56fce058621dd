/**
 * Batches for taggers: B sentences padded to one length T with `<PAD>`, a mask, word ids,
 * tag ids, and optionally character ids and a capitalisation feature — the arrays of
 * `TaggerBatch` (tagging/bilstm_crf.ts), which `nerBatchTensors` turns into tensors.
 *
 * For sentence b of length L_b ≤ T (right padding, as the sequence ops and the CRF expect):
 *
 *     words[b, t] = id of word t  (t < L_b),   <PAD> = 0 after      int32   [B, T]
 *     tags[b, t]  = id of tag t   (t < L_b),   0 ("O") after        int32   [B, T]
 *     mask[b, t]  = 1 (t < L_b),  0 after                           float32 [B, T]
 *     chars[b, t, j] = id of character j of word t, 0 after it      int32   [B, T, C]
 *     caps[b, t]  = capitalisation class of word t, 0 after         int32   [B, T]
 *
 * T is the longest sentence of the batch, or `padTo` (the lecture's fixed length k); C the
 * longest word, or `maxWordLength` (longer words are cut). The vocabularies:
 *   - words: `Vocab` (data/vocab.ts) built from the training sentences, `<PAD>` = 0,
 *     `<UNK>` = 1 for unknown words; with `lowercase` the words are lower-cased before
 *     lookup, and the lost information comes back as the `caps` feature;
 *   - characters: a `Vocab` of code points of the training words (case kept), id 0 =
 *     padding as char_encoder.ts expects, `<UNK>` = 1 for unseen characters;
 *   - tags: `TagSet` (ner/tag_set.ts), "O" = 0.
 * Word dropout (data/unk.ts, the lecture's second `<UNK>` strategy) replaces word ids by
 * `<UNK>` with probability p at training time; characters stay, so the char features still
 * see the word (Lample et al. 2016 §4: "we replace singletons with UNK with p = 0.5").
 *
 * Capitalisation classes (Collobert et al. 2011, "Natural language processing (almost)
 * from scratch", §3.5; Huang et al. 2015's spelling features): 0 padding, 1 no capital
 * ("москва", "39-летний"), 2 first letter capital only ("Москва"), 3 all letters capital
 * ("США", "NATO"), 4 capitals elsewhere ("iPhone", "McDonald"), 5 no letter ("1996", ",").
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { seededGenerator } from "../random.js";
import type { WordDropout } from "../data/unk.js";
import { PAD_ID, Vocab, type VocabOptions } from "../data/vocab.js";
import { TagSet } from "./tag_set.js";
import type { NerSentence, TagScheme } from "./types.js";

/** The three vocabularies of a tagger (see the file comment). */
export interface NerVocabs {
  words: Vocab;
  chars: Vocab;
  tags: TagSet;
  /** Words are lower-cased before lookup. */
  lowercase: boolean;
}

/** Options of {@link buildNerVocabs}. */
export interface NerVocabOptions {
  /** The tags' scheme. Default: "IOB2". */
  scheme?: TagScheme;
  /** Lower-case words (the caps feature keeps the case). Default: false. */
  lowercase?: boolean;
  /** Word vocabulary: keep words seen at least this often. Default: 1. */
  minCount?: number;
  /** Word vocabulary: at most this many ids, specials included. Default: unlimited. */
  maxSize?: number;
  /** Character vocabulary: keep characters seen at least this often. Default: 1. */
  charMinCount?: number;
}

/**
 * The word, character and tag vocabularies of training sentences.
 * @param sentences - the training sentences.
 * @param options - scheme ("IOB2"), lowercase (false), minCount (1), maxSize (unlimited), charMinCount (1).
 * @returns the vocabularies.
 */
export function buildNerVocabs(sentences: readonly NerSentence[], options: NerVocabOptions = {}): NerVocabs {
  const lowercase = options.lowercase ?? false;
  const vocab: VocabOptions = { minCount: options.minCount, maxSize: options.maxSize, unkAliases: [] };
  const words = Vocab.fromSentences(sentences.map((s) => (lowercase ? s.tokens.map((w) => w.toLowerCase()) : s.tokens)), vocab);
  const chars = Vocab.fromTokens(
    (function* () {
      for (const s of sentences) for (const w of s.tokens) yield* Array.from(w);
    })(),
    { minCount: options.charMinCount, unkAliases: [] },
  );
  return { words, chars, tags: TagSet.fromTags(sentences.map((s) => s.tags), options.scheme ?? "IOB2"), lowercase };
}

/** Capitalisation classes (see the file comment). */
export const CAPS = { pad: 0, lower: 1, capitalised: 2, upper: 3, mixed: 4, noLetter: 5 } as const;
/** The number of capitalisation classes (an embedding of this many rows). */
export const CAPS_SIZE = 6;

/** The capitalisation class of a word (see the file comment). */
export function capsOf(word: string): number {
  const letters = Array.from(word).filter((c) => /\p{L}/u.test(c));
  if (letters.length === 0) return CAPS.noLetter;
  const upper = letters.map((c) => c !== c.toLowerCase());
  if (!upper.some(Boolean)) return CAPS.lower;
  if (upper.every(Boolean)) return letters.length === 1 ? CAPS.capitalised : CAPS.upper;
  return upper[0] && !upper.slice(1).some(Boolean) ? CAPS.capitalised : CAPS.mixed;
}

/** One padded batch as row-major arrays (see the file comment). */
export interface NerBatch {
  /** int32 [B, T]. */
  words: Int32Array;
  /** int32 [B, T]. */
  tags: Int32Array;
  /** float32 [B, T]. */
  mask: Float32Array;
  /** int32 [B, T, C], when asked for. */
  chars?: Int32Array;
  /** int32 [B, T], when asked for. */
  caps?: Int32Array;
  /** [B, T]. */
  shape: [number, number];
  /** C (0 without chars). */
  charLength: number;
  /** [B] sentence lengths L_b. */
  lengths: number[];
  /** [B] the index of each row's sentence in the list given. */
  indices: number[];
}

/** Options of {@link makeNerBatch} and {@link nerBatches}. */
export interface NerBatchOptions {
  /** T, the padded length (≥ every sentence's length). Default: the longest sentence of the batch. */
  padTo?: number;
  /** Make `chars`. Default: true. */
  chars?: boolean;
  /** C: cut words to this many characters. Default: the longest word of the batch. */
  maxWordLength?: number;
  /** Make `caps`. Default: true when the vocabulary lower-cases, else false. */
  caps?: boolean;
  /** Replace word ids by `<UNK>` at training time (data/unk.ts). Default: none. */
  wordDropout?: WordDropout;
}

/**
 * Pads sentences into one batch (see the file comment).
 * @param sentences - B ≥ 1 sentences, each with ≥ 1 token and tags of the vocabularies' tag set.
 * @param vocabs - from {@link buildNerVocabs}.
 * @param options - padTo, chars (true), maxWordLength, caps, wordDropout.
 * @param indices - the sentences' indices for `NerBatch.indices`. Default: 0..B−1.
 * @returns the batch.
 * @throws ArgumentError for no sentence, an empty sentence, tags and tokens of different lengths, or padTo below a sentence's length; TagError for a tag outside the tag set.
 */
export function makeNerBatch(sentences: readonly NerSentence[], vocabs: NerVocabs, options: NerBatchOptions = {}, indices?: readonly number[]): NerBatch {
  const B = sentences.length;
  if (B === 0) throw new ArgumentError("makeNerBatch: expected at least one sentence, got none");
  const idx = indices ?? sentences.map((_, i) => i);
  sentences.forEach((s, b) => {
    if (s.tokens.length === 0) throw new ArgumentError(`makeNerBatch: sentence ${idx[b]}: expected at least one token, got none`);
    if (s.tags.length !== s.tokens.length) throw new ArgumentError(`makeNerBatch: sentence ${idx[b]}: expected ${s.tokens.length} tags (one per token), got ${s.tags.length}`);
  });
  const longest = Math.max(...sentences.map((s) => s.tokens.length));
  const T = options.padTo ?? longest;
  if (!Number.isInteger(T) || T < longest) throw new ArgumentError(`makeNerBatch: expected padTo ≥ ${longest} (the longest sentence), got ${options.padTo}`);
  const words = new Int32Array(B * T).fill(PAD_ID); // [B, T]
  const tags = new Int32Array(B * T); // [B, T], 0 = "O" at padding
  const mask = new Float32Array(B * T); // [B, T]
  const withCaps = options.caps ?? vocabs.lowercase;
  const caps = withCaps ? new Int32Array(B * T) : undefined; // [B, T]
  sentences.forEach((s, b) => {
    s.tokens.forEach((w, t) => {
      words[b * T + t] = vocabs.words.idOf(vocabs.lowercase ? w.toLowerCase() : w);
      mask[b * T + t] = 1;
      if (caps !== undefined) caps[b * T + t] = capsOf(w);
    });
    tags.set(vocabs.tags.encode(s.tags), b * T);
  });
  const dropped = options.wordDropout === undefined ? words : options.wordDropout.apply(words);
  let chars: Int32Array | undefined;
  let C = 0;
  if (options.chars !== false) {
    const longestWord = Math.max(...sentences.flatMap((s) => s.tokens.map((w) => Array.from(w).length)));
    C = options.maxWordLength ?? longestWord;
    if (!Number.isInteger(C) || C < 1) throw new ArgumentError(`makeNerBatch: expected maxWordLength to be an integer ≥ 1, got ${options.maxWordLength}`);
    C = Math.min(C, longestWord);
    chars = new Int32Array(B * T * C); // [B, T, C], 0 = padding
    sentences.forEach((s, b) =>
      s.tokens.forEach((w, t) => {
        const cs = Array.from(w).slice(0, C);
        cs.forEach((c, j) => (chars![(b * T + t) * C + j] = vocabs.chars.idOf(c)));
      }),
    );
  }
  return {
    words: dropped,
    tags,
    mask,
    ...(chars !== undefined ? { chars } : {}),
    ...(caps !== undefined ? { caps } : {}),
    shape: [B, T],
    charLength: C,
    lengths: sentences.map((s) => s.tokens.length),
    indices: [...idx],
  };
}

/**
 * Cuts sentences into batches of `batchSize` (the last may be smaller), in order or shuffled.
 * @param sentences - the sentences.
 * @param vocabs - from {@link buildNerVocabs}.
 * @param options - batchSize (required, ≥ 1), seed (shuffle with this seed; default: keep the order), and {@link NerBatchOptions}.
 * @returns the batches; every sentence is in exactly one.
 */
export function nerBatches(sentences: readonly NerSentence[], vocabs: NerVocabs, options: NerBatchOptions & { batchSize: number; seed?: number }): NerBatch[] {
  const { batchSize } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ArgumentError(`nerBatches: expected batchSize to be an integer ≥ 1, got ${batchSize}`);
  const order = sentences.map((_, i) => i);
  if (options.seed !== undefined) {
    const rand = seededGenerator(options.seed);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
  }
  const out: NerBatch[] = [];
  for (let k = 0; k < order.length; k += batchSize) {
    const ids = order.slice(k, k + batchSize);
    out.push(makeNerBatch(ids.map((i) => sentences[i]), vocabs, options, ids));
  }
  return out;
}

/** A batch as tensors; assignable to `TaggerBatch` (tagging/bilstm_crf.ts). The caller disposes them. */
export interface NerBatchTensors {
  /** int32 [B, T]. */
  words: tf.Tensor2D;
  /** float32 [B, T]. */
  mask: tf.Tensor2D;
  /** int32 [B, T]. */
  tags: tf.Tensor2D;
  /** int32 [B, T, C]. */
  chars?: tf.Tensor3D;
  /** int32 [B, T]. */
  caps?: tf.Tensor2D;
}

/**
 * The batch's arrays as tensors (see {@link NerBatchTensors}).
 * @param batch - from {@link makeNerBatch}.
 * @returns words, mask, tags, and chars / caps when the batch has them.
 */
export function nerBatchTensors(batch: NerBatch): NerBatchTensors {
  const [B, T] = batch.shape;
  return {
    words: tf.tensor2d(batch.words, [B, T], "int32"),
    mask: tf.tensor2d(batch.mask, [B, T], "float32"),
    tags: tf.tensor2d(batch.tags, [B, T], "int32"),
    ...(batch.chars !== undefined ? { chars: tf.tensor3d(batch.chars, [B, T, batch.charLength], "int32") } : {}),
    ...(batch.caps !== undefined ? { caps: tf.tensor2d(batch.caps, [B, T], "int32") } : {}),
  };
}
