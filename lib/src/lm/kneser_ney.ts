/**
 * Interpolated modified Kneser-Ney smoothing (Chen & Goodman 1998, "An empirical study of
 * smoothing techniques for language modeling", TR-10-98, §3.5 and §4.1.6; 1999 Computer
 * Speech & Language 13), orders 1–5 (any N ≥ 1 works).
 *
 * Notation: h is a context of n − 1 words, h' the same context without its oldest word,
 * a(hw) the count used at order n:
 * 1. the highest order N uses the real counts, a(hw) = c(hw);
 * 2. lower orders use continuation counts, a(hw) = N1+(• h w) = |{v : c(v h w) > 0}|, except
 *    for n-grams that start with <s>, which have no left neighbour and keep c(hw) (as SRILM
 *    and KenLM do);
 * 3. per order n, from the count-of-counts n_k = |{n-grams g : a(g) = k}| (the unigram <s>
 *    left out), with Y = n1 / (n1 + 2 n2):
 *        D1 = 1 − 2Y n2/n1,   D2 = 2 − 3Y n3/n2,   D3+ = 3 − 4Y n4/n3,
 *    and D(0) = 0, D(1) = D1, D(2) = D2, D(a ≥ 3) = D3+;
 * 4. with S(h) = Σ_w a(hw) and N_k(h) = |{w : a(hw) = k}| (N_3 counting a ≥ 3):
 *        p_n(w | h) = max(a(hw) − D(a(hw)), 0) / S(h) + γ(h) p_{n−1}(w | h'),
 *        γ(h) = (D1 N_1(h) + D2 N_2(h) + D3+ N_3+(h)) / S(h),
 *    and p_n(w | h) = p_{n−1}(w | h') when S(h) = 0 (h never seen before a word);
 * 5. the unigram level is interpolated with the uniform distribution over the vocabulary W
 *    (every word id except <s>, so </s> and the unknown-word token are in it):
 *        p_1(w) = max(a(w) − D(a(w)), 0) / S(ε) + γ(ε) / |W|.
 * Since Σ_w max(a − D, 0) = S(h) − γ(h) S(h), every p_n(· | h) sums to 1 over W for every
 * context, seen or not, and is > 0 for every w in W.
 *
 * Word ids and the trie are those of `NgramCounts` (ngram_counts.ts). `logProb` is the
 * natural log (the `LanguageModel` convention of perplexity.ts); `log10Prob` the ARPA one.
 */
import { ArgumentError } from "../errors.js";
import { BOS_ID, NgramCounts, type NgramLevel } from "./ngram_counts.js";
import { sharedFloat64Array } from "./ngram_sort.js";
import type { LanguageModel } from "./perplexity.js";

/** The three discounts of one order, and the count-of-counts they came from. */
export interface KneserNeyDiscounts {
  /** D1, D2, D3+. */
  D: [number, number, number];
  /** n1, n2, n3, n4 of the counts a(g) used at this order. */
  countOfCounts: [number, number, number, number];
  /** True if the count-of-counts gave no valid discounts (0 ≤ D_k ≤ k) and the fallback was used. */
  fallback: boolean;
}

/** Options of `KneserNeyLm.fromCounts`. */
export interface KneserNeyOptions {
  /** D1, D2, D3+ used for an order whose count-of-counts give no valid discounts (as KenLM's --discount_fallback). Default: [0.5, 1, 1.5]. */
  discountFallback?: [number, number, number];
}

/**
 * Modified Kneser-Ney discounts from count-of-counts (step 3 of the file comment).
 * @param n - [4] n1, n2, n3, n4.
 * @returns [3] D1, D2, D3+, or null if a count-of-count is 0 or a discount falls outside [0, k].
 */
export function modifiedKneserNeyDiscounts(n: readonly number[]): [number, number, number] | null {
  const [n1, n2, n3, n4] = n;
  if (n1 <= 0 || n2 <= 0 || n3 <= 0 || n4 <= 0) return null;
  const Y = n1 / (n1 + 2 * n2);
  const D: [number, number, number] = [1 - (2 * Y * n2) / n1, 2 - (3 * Y * n3) / n2, 3 - (4 * Y * n4) / n3];
  return D.every((d, k) => d >= 0 && d <= k + 1) ? D : null;
}

/**
 * Steps 1–2 of the file comment: a(g) per level, the real counts at order N and for n-grams
 * starting with <s> (the first bos[n] nodes), else N1+(• g), the number of distinct n-grams
 * one order up whose suffix is g.
 * @returns per level n = 1..N (index 0 unused): [size_n] a(g).
 */
function adjustedCounts(L: readonly NgramLevel[], bos: readonly number[]): Int32Array[] {
  const N = L.length - 1;
  const adjusted: Int32Array[] = [new Int32Array(0)];
  for (let n = 1; n <= N; n++) adjusted.push(n === N ? L[n].count.slice() : new Int32Array(L[n].size));
  for (let n = 2; n <= N; n++) countLeftNeighbours(L[n].suffix, adjusted[n - 1]);
  for (let n = 1; n < N; n++) adjusted[n].set(L[n].count.subarray(0, bos[n]));
  return adjusted;
}

/** below[s]++ for the suffix s of every n-gram: one more distinct left neighbour of s. */
function countLeftNeighbours(suffix: Int32Array, below: Int32Array): void {
  for (let g = 0; g < suffix.length; g++) below[suffix[g]]++;
}

/** n1 … n4: how many n-grams g ≥ from have a(g) = 1, 2, 3, 4. */
function countOfCounts(a: Int32Array, from: number): [number, number, number, number] {
  const cc: [number, number, number, number] = [0, 0, 0, 0];
  for (let g = from; g < a.length; g++) if (a[g] >= 1 && a[g] <= 4) cc[a[g] - 1]++;
  return cc;
}

/**
 * Step 4 for one order: for every context h (a node one level down, its children
 * first[h] … first[h + 1] − 1), S(h) = Σ a(hw) and γ(h) = (D1 N_1(h) + D2 N_2(h) + D3+ N_3+(h)) / S(h);
 * inv[h] = 1/S(h), or 0 and γ(h) = 1 if S(h) = 0. Children below `skip` (the unigram <s>) are left out.
 */
function contextWeights(first: Int32Array, a: Int32Array, D: readonly number[], skip: number, inv: Float64Array, gam: Float64Array): void {
  const [D1, D2, D3] = D;
  for (let h = 0; h < inv.length; h++) {
    let S = 0;
    let N1 = 0;
    let N2 = 0;
    let N3 = 0;
    for (let g = Math.max(first[h], skip); g < first[h + 1]; g++) {
      const x = a[g];
      S += x;
      if (x === 1) N1++;
      else if (x === 2) N2++;
      else if (x >= 3) N3++;
    }
    inv[h] = S > 0 ? 1 / S : 0;
    gam[h] = S > 0 ? (D1 * N1 + D2 * N2 + D3 * N3) / S : 1;
  }
}

/** An interpolated modified Kneser-Ney n-gram language model (see the file comment). */
export class KneserNeyLm implements LanguageModel {
  /** The counts (trie and word ids) the model was built from. */
  readonly counts: NgramCounts;
  /** Per level n = 1..N (index 0 unused): [size_n] a(g), the count used at order n. */
  readonly adjusted: Int32Array[];
  /** Per level n = 1..N (index 0 unused): the discounts. */
  readonly discounts: KneserNeyDiscounts[];
  /** Per level m = 0..N−1, as a context of order m + 1: [size_m] 1 / S(h), 0 if S(h) = 0 (level 0: the root). */
  readonly invDenominator: Float64Array[];
  /** Per level m = 0..N−1, as a context of order m + 1: [size_m] γ(h), 1 if S(h) = 0. */
  readonly gamma: Float64Array[];
  /** Words the model predicts: every word id except <s>. */
  readonly vocabulary: ReadonlySet<string>;

  private constructor(counts: NgramCounts, adjusted: Int32Array[], discounts: KneserNeyDiscounts[], invDen: Float64Array[], gamma: Float64Array[]) {
    this.counts = counts;
    this.adjusted = adjusted;
    this.discounts = discounts;
    this.invDenominator = invDen;
    this.gamma = gamma;
    this.vocabulary = new Set(counts.words.filter((_, i) => i !== BOS_ID));
  }

  /** The order N. */
  get order(): number {
    return this.counts.order;
  }

  /** The unknown-word token, or null for a closed vocabulary. */
  get unk(): string | null {
    return this.counts.unk;
  }

  /** The number of context words used: N − 1. */
  get contextLength(): number {
    return this.order - 1;
  }

  /**
   * Builds the model from counts (steps 1–4 of the file comment).
   * @param counts - n-gram counts of orders 1..N.
   * @param options - the discount fallback.
   */
  static fromCounts(counts: NgramCounts, options: KneserNeyOptions = {}): KneserNeyLm {
    if (!(counts instanceof NgramCounts)) throw new ArgumentError(`counts: expected NgramCounts (NgramCounts.fromSentences), got ${counts === null ? "null" : typeof counts}`);
    const fallbackD = options.discountFallback ?? [0.5, 1, 1.5];
    if (fallbackD.length !== 3 || !fallbackD.every((d, k) => d >= 0 && d <= k + 1)) {
      throw new ArgumentError(`KneserNeyLm: expected discountFallback [D1, D2, D3+] with 0 ≤ Dk ≤ k, got [${fallbackD.join(", ")}]`);
    }
    const N = counts.order;
    const L = counts.levels;
    // The n-grams that start with <s> are the first bos[n] nodes of level n (id 0 sorts first).
    const bos = [0, L[1].size > 0 && L[1].word[0] === BOS_ID ? 1 : 0];
    for (let n = 2; n <= N; n++) bos.push(L[n].firstChild[bos[n - 1]]);
    const adjusted = adjustedCounts(L, bos);
    const discounts: KneserNeyDiscounts[] = [{ D: [0, 0, 0], countOfCounts: [0, 0, 0, 0], fallback: false }];
    const invDen: Float64Array[] = [];
    const gamma: Float64Array[] = [];
    for (let n = 1; n <= N; n++) {
      // 3. Discounts per order from the count-of-counts of a(g) (the unigram <s> left out).
      const cc = countOfCounts(adjusted[n], n === 1 ? bos[1] : 0);
      const D = modifiedKneserNeyDiscounts(cc);
      discounts.push({ D: D ?? [fallbackD[0], fallbackD[1], fallbackD[2]], countOfCounts: cc, fallback: D === null });
      // 4. S(h) and γ(h) for every context node h at level n − 1.
      const inv = sharedFloat64Array(L[n - 1].size); // shared: read by writeArpa's worker thread
      const gam = sharedFloat64Array(L[n - 1].size);
      contextWeights(L[n].firstChild, adjusted[n], discounts[n].D, n === 1 ? bos[1] : 0, inv, gam);
      invDen.push(inv);
      gamma.push(gam);
    }
    return new KneserNeyLm(counts, adjusted, discounts, invDen, gamma);
  }

  /**
   * Builds counts and model from sentences in one call.
   * @param sentences - token arrays without <s> / </s>.
   * @param order - N (1–5 in the course; any N ≥ 1).
   * @param options - the unknown-word token and the discount fallback.
   */
  static fromSentences(sentences: Iterable<readonly string[]>, order: number, options: KneserNeyOptions & { unk?: string | null } = {}): KneserNeyLm {
    // NgramCounts checks the arguments: at least one word (an empty corpus is an ArgumentError), tokens without white space, order ≥ 1.
    return KneserNeyLm.fromCounts(NgramCounts.fromSentences(sentences, order, { unk: options.unk }), options);
  }

  private discount(n: number, a: number): number {
    const D = this.discounts[n].D;
    return a <= 0 ? 0 : a === 1 ? D[0] : a === 2 ? D[1] : D[2];
  }

  /** The term max(a(g) − D(a(g)), 0) of node g at level n (0 for g = −1). */
  private discounted(n: number, g: number): number {
    if (g < 0) return 0;
    const a = this.adjusted[n][g];
    return Math.max(a - this.discount(n, a), 0);
  }

  /**
   * p(w | context) on word ids (step 4–5 of the file comment), by the recursion from the
   * unigram level up to order min(N, context length + 1).
   * @param word - id of the predicted word.
   * @param context - [m] ids of the preceding words, oldest first; −1 marks an unknown word (it cuts the context).
   * @returns the probability; 0 for <s> or an id outside the vocabulary.
   */
  probIds(word: number, context: ArrayLike<number>): number {
    const C = this.counts;
    if (word === BOS_ID || word < 0 || word >= C.wordCount) return 0;
    const vocabSize = C.wordCount - 1;
    let p = this.discounted(1, C.child(1, 0, word)) * this.invDenominator[0][0] + this.gamma[0][0] / vocabSize;
    const m = Math.min(context.length, this.order - 1);
    for (let k = 1; k <= m; k++) {
      // h = the last k context words; find its node at level k.
      const h = C.find(context, context.length - k, context.length);
      if (h < 0 || this.invDenominator[k][h] === 0) break; // unseen h: p_{k+1} = p_k, and so for longer contexts
      const hw = C.child(k + 1, h, word);
      p = this.discounted(k + 1, hw) * this.invDenominator[k][h] + this.gamma[k][h] * p;
    }
    return p;
  }

  /** Word → id, mapping words outside the vocabulary to the unknown-word token, else to −1. */
  private toId(word: string): number {
    const id = this.counts.id(word);
    return id >= 0 ? id : this.counts.unkId;
  }

  /**
   * p(word | context).
   * @param word - the predicted word (</s> for the sentence end).
   * @param context - the preceding words, oldest first, starting with "<s>" at a sentence start; only the last N − 1 are used.
   * @returns the probability (0 for <s> and for a word outside a closed vocabulary).
   */
  prob(word: string, context: readonly string[]): number {
    return this.probIds(this.toId(word), context.slice(Math.max(0, context.length - (this.order - 1))).map((w) => this.toId(w)));
  }

  /** ln p(word | context) (see `prob`). */
  logProb(word: string, context: readonly string[]): number {
    return Math.log(this.prob(word, context));
  }

  /** log10 p(word | context), the ARPA convention (see `prob`). */
  log10Prob(word: string, context: readonly string[]): number {
    return Math.log10(this.prob(word, context));
  }

  /**
   * The probability p_n(w | h) of every stored n-gram g = hw at every level (what an ARPA
   * file stores): p_n(g) = max(a − D, 0)/S(h) + γ(h) p_{n−1}(suffix(g)), computed level by
   * level through suffix links.
   * @returns per level n = 1..N (index 0 unused): [size_n] probabilities (0 for the unigram <s>).
   */
  storedProbs(): Float64Array[] {
    const L = this.counts.levels;
    const vocabSize = this.counts.wordCount - 1;
    const out: Float64Array[] = [new Float64Array(0)];
    for (let n = 1; n <= this.order; n++) {
      const probs = sharedFloat64Array(L[n].size); // shared: read by writeArpa's worker thread
      const [D1, D2, D3] = this.discounts[n].D;
      const a = this.adjusted[n];
      const parent = L[n].parent;
      const suffix = L[n].suffix;
      const inv = this.invDenominator[n - 1];
      const gam = this.gamma[n - 1];
      const lower = n === 1 ? null : out[n - 1];
      for (let g = 0; g < L[n].size; g++) {
        const x = a[g];
        const discounted = x <= 0 ? 0 : Math.max(x - (x === 1 ? D1 : x === 2 ? D2 : D3), 0);
        const h = parent[g];
        probs[g] = lower === null ? discounted * inv[h] + gam[h] / vocabSize : discounted * inv[h] + gam[h] * lower[suffix[g]];
      }
      if (n === 1) for (let g = 0; g < L[1].size; g++) if (L[1].word[g] === BOS_ID) probs[g] = 0;
      out.push(probs);
    }
    return out;
  }
}
