/**
 * Perplexity of a language model on a text, with the convention written down (the one of
 * SRILM's `ngram -ppl` and of the PTB papers, Mikolov et al. 2010, 2011):
 * 1. The text is one sentence per line; each sentence w_1 … w_m is scored as
 *    p(w_1 | <s>) p(w_2 | <s> w_1) … p(</s> | <s> w_1 … w_m): the m words and the sentence
 *    end </s> are predicted (</s> plays PTB's <eos>), <s> is context only, never predicted.
 * 2. Out-of-vocabulary words: if the model has an unknown-word token, an OOV word is
 *    scored as that token (counted in `unkMapped`); otherwise it is skipped — not predicted,
 *    not counted in N — and counted in `oov` (it still stands in the context of the next words).
 * 3. N = the number of predicted tokens = words + sentences − skipped OOVs, and
 *        ppl = 10^(−Σ log10 p / N) = exp(−Σ ln p / N).
 *    A predicted token with probability 0 makes the perplexity infinite (counted in `zeroProbs`;
 *    SRILM instead leaves such tokens out of N and reports them apart).
 * On PTB test this gives N = 78,669 words + 3,761 sentence ends = 82,430 tokens (<unk> is
 * an ordinary word of the 10k vocabulary there), and KN5 scores 141.19 (published: 141.2).
 *
 * The same functions serve n-gram and neural models: anything implementing `LanguageModel`,
 * or a list of per-token log-probabilities (`perplexityFromLogProbs`).
 */
import { ArgumentError } from "../errors.js";
import { BOS, EOS } from "./ngram_counts.js";

/** A model of p(word | context) over a fixed vocabulary. */
export interface LanguageModel {
  /** Words the model predicts (with </s>, without <s>). */
  readonly vocabulary: ReadonlySet<string>;
  /** The token OOV words are mapped to, or null for a closed vocabulary (OOV words are skipped). */
  readonly unk: string | null;
  /** How many preceding words the model reads (N − 1 for an n-gram model); omitted = the whole history. */
  readonly contextLength?: number;
  /**
   * ln p(word | context), natural log.
   * @param word - the predicted word, in the vocabulary.
   * @param context - the preceding words, oldest first, starting with "<s>".
   */
  logProb(word: string, context: readonly string[]): number;
  /** log10 p(word | context), if the model computes it directly (ARPA models do); else `logProb` / ln 10 is used. */
  log10Prob?(word: string, context: readonly string[]): number;
}

/** What `perplexity` measured. */
export interface PerplexityReport {
  /** 10^(−Σ log10 p / N). */
  perplexity: number;
  /** N: predicted tokens (words + sentence ends − skipped OOVs). */
  tokens: number;
  /** Sentences scored. */
  sentences: number;
  /** Words in the text (without sentence ends). */
  words: number;
  /** OOV words skipped (closed vocabulary). */
  oov: number;
  /** OOV words scored as the unknown-word token. */
  unkMapped: number;
  /** Predicted tokens with probability 0. */
  zeroProbs: number;
  /** Σ log10 p over the N predicted tokens. */
  log10Prob: number;
}

/**
 * Perplexity from per-token log-probabilities (step 3 of the file comment).
 * @param logProbs - [N] ln p of each predicted token (natural log, or log10 with `base` 10).
 * @param base - the logarithm's base: Math.E or 10. Default: Math.E.
 * @returns exp(−mean ln p); Infinity if some p is 0.
 */
export function perplexityFromLogProbs(logProbs: ArrayLike<number>, base: number = Math.E): number {
  if (logProbs === null || typeof logProbs !== "object" || typeof logProbs.length !== "number") {
    throw new ArgumentError(`perplexityFromLogProbs: expected logProbs, an array of numbers, got ${kindOf(logProbs)}`);
  }
  if (!(typeof base === "number" && base > 1 && Number.isFinite(base))) throw new ArgumentError(`perplexityFromLogProbs: expected base a finite number > 1 (Math.E or 10), got ${base}`);
  if (logProbs.length === 0) throw new ArgumentError("perplexityFromLogProbs: expected at least one log-probability, got 0");
  let sum = 0;
  for (let i = 0; i < logProbs.length; i++) {
    if (Number.isNaN(logProbs[i]) || logProbs[i] > 1e-9) throw new ArgumentError(`perplexityFromLogProbs: expected log-probabilities ≤ 0, got ${logProbs[i]} at index ${i}`);
    sum += logProbs[i];
  }
  return Math.pow(base, -sum / logProbs.length);
}

/**
 * Scores sentences with a model (steps 1–3 of the file comment).
 * @param model - the model.
 * @param sentences - token arrays without <s> / </s>.
 * @returns the perplexity and the counts it rests on.
 */
export function perplexity(model: LanguageModel, sentences: Iterable<readonly string[]>): PerplexityReport {
  if (model === null || typeof model !== "object" || typeof model.logProb !== "function" || typeof model.vocabulary?.has !== "function") {
    const what = model !== null && typeof model === "object" ? (typeof model.logProb !== "function" ? "an object without logProb()" : "an object without vocabulary.has()") : kindOf(model);
    throw new ArgumentError(`perplexity: expected model, a LanguageModel (vocabulary, unk, logProb), got ${what}`);
  }
  if (sentences === null || typeof (sentences as Partial<Iterable<unknown>>)?.[Symbol.iterator] !== "function" || typeof sentences === "string") {
    throw new ArgumentError(`perplexity: expected sentences, an iterable of token arrays, got ${kindOf(sentences)}`);
  }
  const unk = model.unk;
  if (unk !== null && !model.vocabulary.has(unk)) throw new ArgumentError(`perplexity: expected the model's unk '${unk}' in its vocabulary`);
  const keep = model.contextLength ?? Infinity;
  const report: PerplexityReport = { perplexity: NaN, tokens: 0, sentences: 0, words: 0, oov: 0, unkMapped: 0, zeroProbs: 0, log10Prob: 0 };
  for (const sentence of sentences) {
    if (!Array.isArray(sentence)) throw new ArgumentError(`perplexity: expected sentences[${report.sentences}] to be an array of tokens, got ${kindOf(sentence)}`);
    report.sentences++;
    report.words += sentence.length;
    const history: string[] = [BOS];
    for (let i = 0; i <= sentence.length; i++) {
      let word = i < sentence.length ? sentence[i] : EOS;
      if (!model.vocabulary.has(word)) {
        if (unk === null) {
          report.oov++;
          history.push(word);
          continue;
        }
        report.unkMapped++;
        word = unk;
      }
      const context = history.length > keep ? history.slice(history.length - keep) : history;
      const ctx = keep === 0 ? [] : context;
      const lp = model.log10Prob !== undefined ? model.log10Prob(word, ctx) : model.logProb(word, ctx) / Math.LN10;
      if (lp === -Infinity) report.zeroProbs++;
      report.log10Prob += lp;
      report.tokens++;
      history.push(word);
    }
  }
  report.perplexity = report.tokens === 0 ? NaN : Math.pow(10, -report.log10Prob / report.tokens);
  return report;
}

/** What a value is, for messages: null, a type name, or a short string. */
function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : typeof v;
}

/** The report as the CLI prints it: a line "perplexity <number>" and the counts. */
export function formatPerplexity(report: PerplexityReport): string {
  return [
    `perplexity ${report.perplexity.toFixed(4)}`,
    `tokens ${report.tokens} (words ${report.words} + sentence ends ${report.sentences} - OOV skipped ${report.oov})`,
    `sentences ${report.sentences}`,
    `oov ${report.oov} skipped, ${report.unkMapped} scored as unk`,
    `zero-probability tokens ${report.zeroProbs}`,
    `log10 probability ${report.log10Prob.toFixed(4)}`,
  ].join("\n");
}
