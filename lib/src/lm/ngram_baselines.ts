/**
 * The unsmoothed and the simplest smoothed n-gram models, baselines for Kneser-Ney
 * (Jurafsky & Martin, Speech and Language Processing, 3rd ed. draft, ch. 3.1 and 3.5).
 *
 * With h the last N − 1 words (fewer at a sentence start), c(hw) the count of the n-gram
 * hw in the padded training sentences and c(h·) = Σ_w c(hw) (the count of h followed by
 * some word), over the vocabulary vocabSize (every word except <s>):
 * - maximum likelihood (MLE):  p(w | h) = c(hw) / c(h·).
 *   For a context never seen before a word (c(h·) = 0) the ratio is undefined; the model
 *   then uses the longest suffix of h that was seen (down to the unigram c(w) / Σ_v c(v)),
 *   so every p(· | h) is still a distribution. Unseen n-grams get probability 0, so test
 *   perplexity is usually infinite — the point of smoothing.
 * - add-k (Laplace for k = 1):  p(w | h) = (c(hw) + k) / (c(h·) + k |W|);
 *   an unseen context gives the uniform 1 / |W|.
 * An unknown context word (outside a closed vocabulary) makes the context unseen.
 */
import { ArgumentError } from "../errors.js";
import { BOS_ID, NgramCounts, type NgramCountOptions } from "./ngram_counts.js";
import type { LanguageModel } from "./perplexity.js";

/** c(h·) for every node h of levels 0..N−1: per level m, [size_m] Σ_w c(hw) over the children at level m + 1. */
function contextTotals(counts: NgramCounts): Float64Array[] {
  const L = counts.levels;
  const totals: Float64Array[] = [];
  for (let m = 0; m < counts.order; m++) {
    const t = new Float64Array(m === 0 ? 1 : L[m].size);
    const child = L[m + 1];
    for (let g = 0; g < child.size; g++) {
      if (m === 0 && child.word[g] === BOS_ID) continue; // <s> is never predicted
      t[child.parent[g]] += child.count[g];
    }
    totals.push(t);
  }
  return totals;
}

/** Shared word handling of the two baselines. */
abstract class CountLm implements LanguageModel {
  /** The counts the model reads. */
  readonly counts: NgramCounts;
  /** Words the model predicts: every word id except <s>. */
  readonly vocabulary: ReadonlySet<string>;
  /** Per level m = 0..N−1: [size_m] c(h·). */
  protected readonly totals: Float64Array[];

  protected constructor(counts: NgramCounts) {
    this.counts = counts;
    this.vocabulary = new Set(counts.words.filter((_, i) => i !== BOS_ID));
    this.totals = contextTotals(counts);
  }

  /** The unknown-word token, or null for a closed vocabulary. */
  get unk(): string | null {
    return this.counts.unk;
  }

  /** N − 1. */
  get contextLength(): number {
    return this.counts.order - 1;
  }

  protected toId(word: string): number {
    const id = this.counts.id(word);
    return id >= 0 ? id : this.counts.unkId;
  }

  /** (c(hw), c(h·)) for the last k context ids and word id w; c(h·) = 0 if h is unseen. */
  protected pair(word: number, context: number[], k: number): [number, number] {
    const C = this.counts;
    if (context.slice(context.length - k).some((id) => id < 0)) return [0, 0];
    const h = k === 0 ? 0 : C.find(context, context.length - k, context.length);
    if (h < 0) return [0, 0];
    const hw = C.child(k + 1, h, word);
    return [hw < 0 ? 0 : C.levels[k + 1].count[hw], this.totals[k][h]];
  }

  /** p(word | context) with context oldest first (only the last N − 1 words are used). */
  abstract prob(word: string, context: readonly string[]): number;

  /** ln p(word | context). */
  logProb(word: string, context: readonly string[]): number {
    return Math.log(this.prob(word, context));
  }

  protected ids(word: string, context: readonly string[]): [number, number[]] {
    const ctx = context.slice(Math.max(0, context.length - this.contextLength)).map((w) => this.toId(w));
    return [this.toId(word), ctx];
  }
}

/** The maximum-likelihood n-gram model (see the file comment). */
export class MleLm extends CountLm {
  private constructor(counts: NgramCounts) {
    super(counts);
  }

  /** @param counts - n-gram counts; the model has their order N. */
  static fromCounts(counts: NgramCounts): MleLm {
    return new MleLm(counts);
  }

  /** Counts and model in one call. @param order - N ≥ 1. */
  static fromSentences(sentences: Iterable<readonly string[]>, order: number, options: NgramCountOptions = {}): MleLm {
    return new MleLm(NgramCounts.fromSentences(sentences, order, options));
  }

  /** c(hw)/c(h·) for the longest suffix h of the context with c(h·) > 0; 0 for <s> and words outside the vocabulary. */
  prob(word: string, context: readonly string[]): number {
    const [w, ctx] = this.ids(word, context);
    if (w < 0 || w === BOS_ID) return 0;
    for (let k = ctx.length; k >= 0; k--) {
      const [c, total] = this.pair(w, ctx, k);
      if (total > 0) return c / total;
    }
    return 0; // empty training corpus
  }
}

/** The add-k n-gram model (see the file comment). */
export class AddKLm extends CountLm {
  /** The pseudo-count k added to every n-gram. */
  readonly k: number;

  private constructor(counts: NgramCounts, k: number) {
    super(counts);
    if (!(k > 0) || !Number.isFinite(k)) throw new ArgumentError(`AddKLm: expected k > 0, got ${k}`);
    this.k = k;
  }

  /**
   * @param counts - n-gram counts; the model has their order N.
   * @param k - the pseudo-count, > 0. Default: 1 (Laplace).
   */
  static fromCounts(counts: NgramCounts, k = 1): AddKLm {
    return new AddKLm(counts, k);
  }

  /** Counts and model in one call. @param order - N ≥ 1. @param k - default 1. */
  static fromSentences(sentences: Iterable<readonly string[]>, order: number, k = 1, options: NgramCountOptions = {}): AddKLm {
    return new AddKLm(NgramCounts.fromSentences(sentences, order, options), k);
  }

  /** (c(hw) + k) / (c(h·) + k|W|) with h the last N − 1 context words; 0 for <s> and words outside the vocabulary. */
  prob(word: string, context: readonly string[]): number {
    const [w, ctx] = this.ids(word, context);
    if (w < 0 || w === BOS_ID) return 0;
    const [c, total] = this.pair(w, ctx, ctx.length);
    return (c + this.k) / (total + this.k * this.vocabulary.size);
  }
}
