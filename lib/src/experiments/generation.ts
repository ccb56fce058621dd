/**
 * The experiments of notebook `05-generation` (decoders of lib/src/generation/ on a trained LM,
 * e.g. a sentence-level LSTM LM on PTB or Brown, lm/train_sentence_lm.ts):
 *
 * - `argmaxVersusSampling`: N argmax generations from the same start with h₀ = 0 are one text
 *   repeated N times; N samples differ (the slide's claim);
 * - `decodingSweep`: for each decoder (temperature, top-K, top-p), N texts, their diversity
 *   (distinct-1, distinct-2, generation/diversity.ts) and their quality (perplexity under another
 *   LM, e.g. the course's KN5, lm/perplexity.ts);
 * - `beamWidthSweep`: beam width against the best hypothesis' log-probability per token and its
 *   length, with and without length normalisation (the "beam search curse": wider beams find
 *   more probable, shorter outputs; Koehn & Knowles 2017).
 */
import type { Vocab } from "../data/vocab.js";
import { EOS_ID } from "../data/vocab.js";
import { beamSearchBatch, type LengthNormalization } from "../generation/beam_search.js";
import type { SamplingOptions } from "../generation/decoders.js";
import { distinctN } from "../generation/diversity.js";
import { generateMany, type Generation, type NextTokenModel } from "../generation/generate.js";
import { perplexity, type LanguageModel } from "../lm/perplexity.js";

/** Words of a generation, without the final <EOS>. */
function words(vocab: Vocab, g: { ids: number[] }, stopAt = EOS_ID): string[] {
  const ids = g.ids[g.ids.length - 1] === stopAt ? g.ids.slice(0, -1) : g.ids;
  return vocab.decode(ids);
}

/** Common options of the sweeps. */
export interface GenerationExperimentOptions {
  /** The start: e.g. [SOS_ID] for a sentence-level LM. */
  prompt: number[];
  /** Texts per decoder. Default: 20. */
  n?: number;
  /** New tokens at most. Default: 40. */
  maxLength?: number;
  /** Seed of sampling. Default: 0. */
  seed?: number;
}

/** What `argmaxVersusSampling` produced. */
export interface ArgmaxVersusSampling {
  argmax: string[][];
  samples: string[][];
  /** Distinct texts among the N argmax generations (1, as the slide says). */
  distinctArgmax: number;
  /** Distinct texts among the N samples. */
  distinctSamples: number;
}

/** N argmax generations and N samples from the same start (see the file comment). */
export function argmaxVersusSampling(model: NextTokenModel, vocab: Vocab, options: GenerationExperimentOptions): ArgmaxVersusSampling {
  const base = { prompt: options.prompt, maxLength: options.maxLength ?? 40, seed: options.seed ?? 0 };
  const n = options.n ?? 20;
  const argmax = generateMany(model, n, { ...base, strategy: "argmax" }).map((g) => words(vocab, g));
  const samples = generateMany(model, n, base).map((g) => words(vocab, g));
  const count = (texts: string[][]) => new Set(texts.map((t) => t.join(" "))).size;
  return { argmax, samples, distinctArgmax: count(argmax), distinctSamples: count(samples) };
}

/** One decoder's row of `decodingSweep`. */
export interface DecodingRow {
  decoder: string;
  distinct1: number;
  distinct2: number;
  /** Mean words per text. */
  meanLength: number;
  /** Perplexity of the texts under `scorer` (words and </s>), when given. */
  perplexity?: number;
  texts: string[][];
}

/**
 * Diversity against quality for each decoder (see the file comment).
 * @param decoders - "argmax" or sampling options (τ, top-K, top-p), one row each.
 * @param scorer - the LM that judges quality (e.g. KN5), optional.
 */
export function decodingSweep(
  model: NextTokenModel,
  vocab: Vocab,
  decoders: readonly ("argmax" | SamplingOptions)[],
  options: GenerationExperimentOptions & { scorer?: LanguageModel },
): DecodingRow[] {
  return decoders.map((d) => {
    const gens: Generation[] = generateMany(model, options.n ?? 20, {
      prompt: options.prompt, maxLength: options.maxLength ?? 40, seed: options.seed ?? 0,
      ...(d === "argmax" ? { strategy: "argmax" as const } : { strategy: "sample" as const, ...d }),
    });
    const texts = gens.map((g) => words(vocab, g));
    const name = d === "argmax" ? "argmax" : `sample(τ=${d.temperature ?? 1}${d.topK === undefined ? "" : `, top-${d.topK}`}${d.topP === undefined || d.topP === 1 ? "" : `, top-p=${d.topP}`})`;
    const row: DecodingRow = { decoder: name, distinct1: distinctN(texts, 1), distinct2: distinctN(texts, 2), meanLength: texts.reduce((s, t) => s + t.length, 0) / texts.length, texts };
    if (options.scorer !== undefined) row.perplexity = perplexity(options.scorer, texts).perplexity;
    return row;
  });
}

/** One row of `beamWidthSweep`. */
export interface BeamWidthRow {
  width: number;
  normalization: string;
  /** Mean over prompts of the best hypothesis' log P / |Y|. */
  logProbPerToken: number;
  /** Mean over prompts of the best hypothesis' log P. */
  logProb: number;
  /** Mean length |Y| (the stop token counted). */
  length: number;
  /** Fraction of best hypotheses cut at maxLength. */
  truncated: number;
}

/**
 * The best hypothesis of each prompt for each width and normalisation.
 * @param prompts - start sequences (e.g. [[SOS_ID]], or [SOS_ID, w] for several first words).
 * @param widths - beam widths.
 * @param norms - normalisations. Default: ["none", "length"].
 * @param maxLength - new tokens at most. Default: 40.
 */
export function beamWidthSweep(
  model: NextTokenModel,
  prompts: readonly number[][],
  widths: readonly number[],
  norms: readonly LengthNormalization[] = ["none", "length"],
  maxLength = 40,
): BeamWidthRow[] {
  const rows: BeamWidthRow[] = [];
  for (const norm of norms) {
    for (const width of widths) {
      const best = beamSearchBatch(model, prompts, { beamWidth: width, nBest: 1, maxLength, lengthNormalization: norm }).map((l) => l[0]);
      const mean = (f: (h: (typeof best)[number]) => number) => best.reduce((s, h) => s + f(h), 0) / best.length;
      rows.push({
        width,
        normalization: typeof norm === "string" ? norm : `α=${norm.alpha}`,
        logProbPerToken: mean((h) => h.logProb / h.ids.length),
        logProb: mean((h) => h.logProb),
        length: mean((h) => h.ids.length),
        truncated: mean((h) => (h.truncated ? 1 : 0)),
      });
    }
  }
  return rows;
}
