/**
 * The experiments of notebook `05-generation` (decoders of lib/src/generation/ on a trained LM,
 * a sentence-level LSTM LM on PTB or Brown, lm/train_sentence_lm.ts):
 *
 * - `trainCorpusSentenceLm`: the notebook's LM — train it, or continue or only evaluate a
 *   checkpointed run (`FULL_SENTENCE_LM`, trained beforehand by
 *   `lib/scripts/train-generation-runs.js sentence-lm`);
 * - `argmaxVersusSampling`: N argmax generations from the same start with h₀ = 0 are one text
 *   repeated N times; N samples differ (the slide's claim);
 * - `decodingSweep`: for each decoder (temperature, top-K, top-p), N texts, their diversity
 *   (distinct-1, distinct-2, generation/diversity.ts) and their quality (perplexity under another
 *   LM, e.g. the course's KN5, lm/perplexity.ts); `diversityQualityChart` plots one against the other;
 * - `beamWidthSweep`: beam width against the best hypothesis' log-probability per token and its
 *   length, with and without length normalisation (the "beam search curse": wider beams find
 *   more probable, shorter outputs; Koehn & Knowles 2017); `beamWidthChart` plots it;
 * - `lengthChart`: the distribution of sentence lengths, generated against real (<EOS> ends them).
 */
import type { Vocab } from "../data/vocab.js";
import { EOS_ID } from "../data/vocab.js";
import { beamSearchBatch, type LengthNormalization } from "../generation/beam_search.js";
import type { SamplingOptions } from "../generation/decoders.js";
import { distinctN } from "../generation/diversity.js";
import { generateMany, type Generation, type NextTokenModel } from "../generation/generate.js";
import { perplexity, type LanguageModel } from "../lm/perplexity.js";
import { lineChart, scatterPlot, type Figure } from "../plot/figure.js";

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

/**
 * Diversity against quality, one point per decoder of `decodingSweep` (rows with a perplexity):
 * distinct-2 on x, the scorer's perplexity of the texts on y (log scale), grouped into series by
 * `family` (e.g. "temperature", "top-p"), each point labelled with its decoder.
 * @param rows - the sweep's rows.
 * @param family - the series of a row. Default: `decoderFamily`.
 */
export function diversityQualityChart(rows: readonly DecodingRow[], family: (row: DecodingRow) => string = decoderFamily): Figure {
  const groups = new Map<string, DecodingRow[]>();
  for (const r of rows) {
    if (r.perplexity === undefined) continue;
    const f = family(r);
    groups.set(f, [...(groups.get(f) ?? []), r]);
  }
  const fig = scatterPlot(
    [...groups].map(([name, rs]) => ({ name, x: rs.map((r) => r.distinct2), y: rs.map((r) => r.perplexity!), labels: rs.map((r) => shortName(r.decoder)) })),
    { title: "diversity against quality of the generated text", xLabel: "distinct-2 (higher: more diverse)", yLabel: "perplexity under the scorer (lower: more typical text)", logY: true },
  );
  for (const trace of fig.data) {
    trace.mode = "lines+markers+text"; // a sweep is a curve: join its points in order
    trace.textposition = "top center";
    trace.textfont = { size: 9 };
  }
  return fig;
}

/** A point's label: "τ=0.7" for "sample(τ=0.7)", "p=0.9" for "sample(τ=1, top-p=0.9)", else the name. */
function shortName(decoder: string): string {
  const m = /^sample\((.*)\)$/.exec(decoder);
  return m === null ? decoder : m[1].replace(/^τ=1, /, "").replace("top-p=", "p=");
}

/** "top-p", "top-K" or "temperature": the knob a sampling row of `decodingSweep` turns; another row's decoder name ("argmax", or a reference such as real sentences). */
export function decoderFamily(row: DecodingRow): string {
  if (!row.decoder.startsWith("sample(")) return row.decoder;
  if (row.decoder.includes("top-p")) return "top-p";
  if (row.decoder.includes("top-")) return "top-K";
  return "temperature";
}

/**
 * One measure of `beamWidthSweep` against the width, one line per normalisation.
 * @param rows - the sweep's rows.
 * @param measure - "logProbPerToken", "logProb", "length" or "truncated".
 */
export function beamWidthChart(rows: readonly BeamWidthRow[], measure: "logProbPerToken" | "logProb" | "length" | "truncated"): Figure {
  const labels = { logProbPerToken: "mean log P per token", logProb: "mean log P of the best hypothesis", length: "mean length (tokens, <EOS> counted)", truncated: "fraction cut at maxLength" };
  const norms = [...new Set(rows.map((r) => r.normalization))];
  const fig = lineChart(
    norms.map((n) => {
      const rs = rows.filter((r) => r.normalization === n);
      return { name: n === "none" ? "no normalisation" : n === "length" ? "score / length" : `Wu et al. ${n}`, x: rs.map((r) => r.width), y: rs.map((r) => r[measure]) };
    }),
    { title: `beam width against ${labels[measure]}`, xLabel: "beam width m (log scale)", yLabel: labels[measure] },
  );
  fig.layout.xaxis = { ...(fig.layout.xaxis as object), type: "log" };
  for (const trace of fig.data) trace.mode = "lines+markers";
  return fig;
}

/**
 * The distribution of sentence lengths (words, without <EOS>) of several sets of texts: the
 * fraction of texts of each length, up to `maxLength` (longer ones counted at maxLength).
 * @param sets - name and texts (token arrays) of each set, e.g. generated and real sentences.
 * @param maxLength - the last length shown. Default: 60.
 */
export function lengthChart(sets: readonly { name: string; texts: readonly (readonly unknown[])[] }[], maxLength = 60): Figure {
  const x = Array.from({ length: maxLength + 1 }, (_, n) => n);
  return lineChart(
    sets.map(({ name, texts }) => {
      const counts = new Array<number>(maxLength + 1).fill(0);
      for (const t of texts) counts[Math.min(t.length, maxLength)]++;
      return { name: `${name} (mean ${(texts.reduce((s, t) => s + t.length, 0) / Math.max(1, texts.length)).toFixed(1)})`, x, y: counts.map((c) => c / Math.max(1, texts.length)) };
    }),
    { title: "sentence lengths", xLabel: `words before <EOS> (≥ ${maxLength} counted at ${maxLength})`, yLabel: "fraction of sentences" },
  );
}
