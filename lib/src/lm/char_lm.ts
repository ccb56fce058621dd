/**
 * The character-level LM (Karpathy 2015, "The unreasonable effectiveness of recurrent neural
 * networks"; Graves 2013): the same `RnnLm` (lm/rnn_lm.ts) over characters instead of words,
 * trained with the same `trainLm` (lm/train_lm.ts). Only the text ↔ ids helpers differ:
 *
 * - the vocabulary is a `Vocab` (data/vocab.ts) over `charTokenize` (data/tokenize.ts):
 *   Unicode code points after NFC, so Cyrillic letters (and "й" typed as и + U+0306) are one
 *   token each; spaces and newlines are tokens too — the model learns where words and lines end;
 * - a text becomes the stream <EOS> c_1 … c_n: the leading <EOS> is context only (as in
 *   `encodeStream`), so the first character is predicted too;
 * - ids → text joins the characters; <UNK> (a character unseen when the vocabulary was built)
 *   becomes U+FFFD "�", and <PAD>, <SOS>, <EOS> become nothing.
 *
 * `sampleText` continues a prompt one character at a time with lm/generate.ts:
 *   c_t ~ softmax(z_t / τ),  τ = 0 meaning argmax.
 */
import { charTokenize, type CharTokenizeOptions } from "../data/tokenize.js";
import { EOS_ID, PAD_ID, SOS_ID, UNK_ID, Vocab } from "../data/vocab.js";
import { ArgumentError } from "../errors.js";
import { generate, type NextTokenModel } from "./generate.js";

/** The character that stands for <UNK> in decoded text. */
export const UNKNOWN_CHAR = "\uFFFD";

/** Options of `charVocab`. */
export interface CharVocabOptions extends CharTokenizeOptions {
  /** Keep a character only if it occurs at least this often. Default: 1. */
  minCount?: number;
  /** Largest vocabulary size including the 4 special tokens. Default: unlimited. */
  maxSize?: number;
}

/**
 * The character vocabulary of a text (ids by frequency, then code-unit order; data/vocab.ts).
 * @param text - the training text.
 * @param options - normalize (default true), lowercase (default false), minCount (1), maxSize (unlimited).
 * @returns the vocabulary: 4 specials + one id per distinct character kept.
 */
export function charVocab(text: string, options: CharVocabOptions = {}): Vocab {
  return Vocab.fromTokens(charTokenize(text, options), { minCount: options.minCount, maxSize: options.maxSize, unkAliases: [] });
}

/** Options of `encodeText`. */
export interface EncodeTextOptions extends CharTokenizeOptions {
  /** Prepend <EOS> as context (see the file comment). Default: true. */
  leadingEos?: boolean;
}

/**
 * Text → character ids.
 * @param vocab - a character vocabulary (`charVocab`).
 * @param text - the text.
 * @param options - leadingEos (default true), normalize (true), lowercase (false).
 * @returns int32 [n + 1] (<EOS>, c_1 … c_n), or [n] without the leading <EOS>; unseen characters → <UNK>.
 */
export function encodeText(vocab: Vocab, text: string, options: EncodeTextOptions = {}): Int32Array {
  const chars = charTokenize(text, options);
  const lead = options.leadingEos === false ? 0 : 1;
  const out = new Int32Array(lead + chars.length);
  if (lead === 1) out[0] = EOS_ID;
  out.set(vocab.encode(chars), lead);
  return out;
}

/**
 * Character ids → text (see the file comment for the special ids).
 * @param vocab - the character vocabulary.
 * @param ids - [n] ids.
 * @returns the text.
 */
export function decodeText(vocab: Vocab, ids: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id === PAD_ID || id === SOS_ID || id === EOS_ID) continue;
    s += id === UNK_ID ? UNKNOWN_CHAR : vocab.tokenOf(id);
  }
  return s;
}

/** Options of `sampleText`. */
export interface SampleTextOptions {
  /** Text to continue (may be empty: then the model starts after <EOS>). Default: "". */
  prompt?: string;
  /** Characters to generate (≥ 1). Default: 200. */
  length?: number;
  /** τ ≥ 0; 0 = argmax. Default: 1. */
  temperature?: number;
  /** Sample among the K most likely characters. Default: all. */
  topK?: number;
  /** Seed of the sampling generator. Default: 0. */
  seed?: number;
}

/**
 * Continues a prompt character by character (lm/generate.ts; never stops early, <EOS> is
 * dropped from the text).
 * @param model - a char-level LM over `vocab`.
 * @param vocab - its character vocabulary.
 * @param options - prompt (""), length (200), temperature (1; 0 = argmax), topK, seed (0).
 * @returns the prompt (NFC-normalized) followed by `length` generated characters (fewer if it generated specials).
 */
export function sampleText(model: NextTokenModel, vocab: Vocab, options: SampleTextOptions = {}): string {
  const prompt = options.prompt ?? "";
  const length = options.length ?? 200;
  const tau = options.temperature ?? 1;
  if (!Number.isInteger(length) || length < 1) throw new ArgumentError(`sampleText: expected length an integer ≥ 1, got ${length}`);
  if (!(tau >= 0) || !Number.isFinite(tau)) throw new ArgumentError(`sampleText: expected temperature ≥ 0, got ${tau}`);
  const ids = encodeText(vocab, prompt);
  const g = generate(model, {
    prompt: Array.from(ids),
    maxLength: length,
    strategy: tau === 0 ? "argmax" : "sample",
    temperature: tau === 0 ? undefined : tau,
    topK: options.topK,
    stopAt: null,
    seed: options.seed,
  });
  return prompt.normalize("NFC") + decodeText(vocab, g.ids);
}
