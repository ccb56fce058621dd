/**
 * Grapheme-to-phoneme (G2P) batches for the encoder–decoder (models/encoder_decoder.ts) from
 * pronunciation entries (datasets/cmudict.ts): the source is the word's letters, one-hot; the
 * target its phonemes, then `<eos>`.
 *
 *     "hello" → sources onehot(h e l l o)           [B, S, 26]    S = longest word of the batch
 *               targets HH AH L OW <eos> <eos>…     [B, L]        L = longest pronunciation + 1
 *
 * Vocabularies (`G2pVocab`): graphemes a–z (ids 0–25); phonemes `<sos>` = 0, `<eos>` = 1 (the
 * encoder–decoder's defaults) and the phoneme symbols from id 2 in the given order (ARPABET's 39
 * by default). Masks: sourceMask 1 on the letters; targetMask 1 up to and including the first
 * `<eos>` (data/tasks.ts `TranslationBatch`).
 *
 * Training examples (`g2pExamples`): a word with several pronunciations gives one example per
 * pronunciation (`variants: "all"`, default) or only its first (`"first"`).
 * `reverseSource` feeds the letters last to first (Sutskever et al. 2014 reversed the source:
 * the first output then sits near the first input in time).
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import type { TranslationBatch } from "./tasks.js";

/** The two vocabularies of a G2P task. */
export interface G2pVocab {
  /** Letters, id = index (26: a–z). */
  graphemes: readonly string[];
  /** `<sos>`, `<eos>`, then the phonemes. */
  phonemes: readonly string[];
}

/** One training or test example. */
export interface G2pExample {
  word: string;
  /** The target pronunciation. */
  phonemes: readonly string[];
}

/** Id of `<sos>` among the phonemes. */
export const G2P_SOS = 0;
/** Id of `<eos>` among the phonemes. */
export const G2P_EOS = 1;

/**
 * The vocabularies.
 * @param phonemes - the phoneme symbols (e.g. datasets/cmudict.ts `ARPABET`).
 * @returns graphemes a–z; phonemes [<sos>, <eos>, ...phonemes].
 */
export function g2pVocab(phonemes: readonly string[]): G2pVocab {
  if (new Set(phonemes).size !== phonemes.length || phonemes.length === 0) throw new ArgumentError(`g2pVocab: expected distinct phoneme symbols, got [${phonemes.join(", ")}]`);
  return { graphemes: Array.from({ length: 26 }, (_, i) => String.fromCharCode(97 + i)), phonemes: ["<sos>", "<eos>", ...phonemes] };
}

/**
 * Examples from entries: one per pronunciation, or the first only.
 * @param entries - words with pronunciations.
 * @param variants - "all" (default) or "first".
 */
export function g2pExamples(entries: readonly { word: string; pronunciations: readonly (readonly string[])[] }[], variants: "all" | "first" = "all"): G2pExample[] {
  return entries.flatMap((e) => (variants === "first" ? e.pronunciations.slice(0, 1) : e.pronunciations).map((phonemes) => ({ word: e.word, phonemes })));
}

/** Options of `g2pBatch`. */
export interface G2pBatchOptions {
  /** Feed the letters last to first. Default: false. */
  reverseSource?: boolean;
}

/**
 * One padded batch (see the file comment). The caller owns the tensors.
 * @param examples - B ≥ 1 examples.
 * @param vocab - the vocabularies.
 * @param options - reverseSource (default false).
 * @throws ArgumentError naming the word for a letter or phoneme outside the vocabularies.
 */
export function g2pBatch(examples: readonly G2pExample[], vocab: G2pVocab, options: G2pBatchOptions = {}): TranslationBatch {
  const B = examples.length;
  if (B === 0) throw new ArgumentError("g2pBatch: expected at least one example, got 0");
  const D = vocab.graphemes.length;
  const letter = new Map(vocab.graphemes.map((g, i) => [g, i]));
  const phone = new Map(vocab.phonemes.map((p, i) => [p, i]));
  const S = Math.max(...examples.map((e) => e.word.length));
  const L = Math.max(...examples.map((e) => e.phonemes.length)) + 1;
  const x = new Float32Array(B * S * D); // [B, S, D]
  const xm = new Float32Array(B * S); // [B, S]
  const y = new Int32Array(B * L).fill(G2P_EOS); // [B, L]
  const ym = new Float32Array(B * L); // [B, L]
  examples.forEach((e, b) => {
    const n = e.word.length;
    if (n === 0) throw new ArgumentError(`g2pBatch: expected a non-empty word, got "" at example ${b}`);
    for (let t = 0; t < n; t++) {
      const c = e.word[options.reverseSource === true ? n - 1 - t : t];
      const id = letter.get(c);
      if (id === undefined) throw new ArgumentError(`g2pBatch: expected letters a–z, got ${JSON.stringify(c)} in "${e.word}"`);
      x[(b * S + t) * D + id] = 1;
      xm[b * S + t] = 1;
    }
    e.phonemes.forEach((p, t) => {
      const id = phone.get(p);
      if (id === undefined || id < 2) throw new ArgumentError(`g2pBatch: expected phonemes of the vocabulary, got ${JSON.stringify(p)} in the pronunciation of "${e.word}"`);
      y[b * L + t] = id;
    });
    for (let t = 0; t <= e.phonemes.length; t++) ym[b * L + t] = 1;
  });
  return {
    sources: tf.tensor3d(x, [B, S, D]),
    sourceMask: tf.tensor2d(xm, [B, S]),
    targets: tf.tensor2d(y, [B, L], "int32"),
    targetMask: tf.tensor2d(ym, [B, L]),
  };
}

/**
 * Phoneme ids back to symbols, up to the first `<eos>` (not included).
 * @param ids - output ids.
 * @param vocab - the vocabularies.
 */
export function decodePhonemes(ids: readonly number[], vocab: G2pVocab): string[] {
  const out: string[] = [];
  for (const id of ids) {
    if (id === G2P_EOS) break;
    if (id !== G2P_SOS) out.push(vocab.phonemes[id] ?? "?");
  }
  return out;
}
