/**
 * N-gram counts of orders 1..N, stored as a trie of integer ids.
 *
 * Each sentence w_1 … w_m is padded as <s> w_1 … w_m </s> and every contiguous
 * substring of length 1..N is counted once per occurrence (so the unigram <s> counts the
 * sentences, and "<s> w_1" the sentence starts). <s> is never predicted; </s> is.
 *
 * Storage (compact, no string key per n-gram): word ids are integers (0 = <s>, 1 = </s>,
 * 2 = the unknown-word token if there is one, then words by first occurrence; see
 * sentence_ids.ts). The n-grams of order n are nodes 0 … size_n − 1 of level n, in
 * lexicographic order of their word ids, with typed arrays
 *     word[g] = last word id,   parent[g] = node of its first n − 1 words at level n − 1,
 *     count[g] = c(w_1 … w_n),  suffix[g] = node of its last n − 1 words at level n − 1,
 * and level 0 is the single root node (the empty n-gram). The children of a context node h
 * are a contiguous run of level n sorted by word id (`firstChild`), so the n-gram "a b c"
 * is child(child(child(root, a), b), c), each step a binary search. The levels are built by
 * sorting the corpus positions (ngram_sort.ts).
 *
 * Text format: sentence_ids.ts (one sentence per line, whitespace-separated tokens, PTB).
 */
import { ArgumentError } from "../errors.js";
import { countNgramsBySorting, type NgramLevel } from "./ngram_sort.js";
import { BOS, BOS_ID, EOS, EOS_ID, IntList, newWordIndex, textToIds, UNK, type WordIndex } from "./sentence_ids.js";

export { BOS, BOS_ID, EOS, EOS_ID, UNK, readSentences } from "./sentence_ids.js";
export { IdTable } from "./id_table.js";
export type { NgramLevel } from "./ngram_sort.js";

/** Options of `NgramCounts.fromSentences` / `fromText`. */
export interface NgramCountOptions {
  /**
   * The unknown-word token, always in the vocabulary (id 2) even if the text never has it;
   * `null` for a closed vocabulary of the training words only. Default: "<unk>".
   */
  unk?: string | null;
}

/** Counts of all n-grams of orders 1..N of a corpus, with the word ↔ id maps (see file comment). */
export class NgramCounts {
  /** Id → word: 0 <s>, 1 </s>, 2 the unknown-word token (if any), then by first occurrence. */
  readonly words: string[];
  /** The unknown-word token, or null for a closed vocabulary. */
  readonly unk: string | null;
  /** Levels 0..N: level 0 is the root (the empty n-gram), level n the n-grams of order n. */
  readonly levels: NgramLevel[];
  private readonly ids: Map<string, number>;

  private constructor(order: number, vocab: WordIndex, unk: string | null, levels: NgramLevel[]) {
    this.words = vocab.words;
    this.unk = unk;
    this.levels = levels;
    this.ids = vocab.ids;
    if (this.levels.length !== order + 1) throw new Error("internal: wrong number of levels");
  }

  /** The highest order N. */
  get order(): number {
    return this.levels.length - 1;
  }

  /** Number of word ids |W| (including <s>). */
  get wordCount(): number {
    return this.words.length;
  }

  /** Number of sentences counted: c(<s>). */
  get sentenceCount(): number {
    const g = this.child(1, 0, BOS_ID);
    return g < 0 ? 0 : this.levels[1].count[g];
  }

  /** Id of a word, or −1 if it is not in the vocabulary. */
  id(word: string): number {
    return this.ids.get(word) ?? -1;
  }

  /** Id of the unknown-word token, or −1 for a closed vocabulary. */
  get unkId(): number {
    return this.unk === null ? -1 : this.id(this.unk);
  }

  /**
   * The node at level n of the n-gram (context h at level n − 1, then word w), or −1 if it was never seen.
   * @param n - the level, 1..N.
   * @param h - the context's node at level n − 1 (0 = root for n = 1).
   * @param w - the word id (−1, an unknown word, is never seen).
   */
  child(n: number, h: number, w: number): number {
    const L = this.levels[n];
    let lo = L.firstChild[h];
    let hi = L.firstChild[h + 1] - 1;
    const word = L.word;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const x = word[mid];
      if (x < w) lo = mid + 1;
      else if (x > w) hi = mid - 1;
      else return mid;
    }
    return -1;
  }

  /**
   * The node of the n-gram ids[start..end) at level n = end − start (1 ≤ n ≤ N), or −1 if it was never seen.
   * @param ids - word ids, oldest first; −1 (an unknown word) is never seen.
   * @param start - first index. Default: 0.
   * @param end - one past the last index. Default: ids.length.
   */
  find(ids: ArrayLike<number>, start = 0, end = ids.length): number {
    let node = 0;
    for (let i = start; i < end && node >= 0; i++) node = ids[i] < 0 ? -1 : this.child(i - start + 1, node, ids[i]);
    return node;
  }

  /** The words of node g at level n, oldest first. */
  ngram(n: number, g: number): string[] {
    const out = new Array<string>(n);
    for (let k = n; k >= 1; k--) {
      out[k - 1] = this.words[this.levels[k].word[g]];
      g = this.levels[k].parent[g];
    }
    return out;
  }

  /** Bytes held by the typed arrays. */
  get bytes(): number {
    let b = 0;
    for (const L of this.levels) b += L.word.byteLength + L.parent.byteLength + L.count.byteLength + L.firstChild.byteLength + L.suffix.byteLength;
    return b;
  }

  /**
   * Counts the n-grams of orders 1..N of padded sentences (see the file comment).
   * @param sentences - token arrays without <s> / </s>.
   * @param order - N, an integer ≥ 1.
   * @param options - the unknown-word token.
   * @returns the counts.
   * @throws ArgumentError for an order < 1, a corpus without a word ("sentences: expected at least
   *   one word, got no sentences"), a sentence that is not an array, or a token that is empty or has
   *   white space (it could not be written to an ARPA file and read back).
   */
  static fromSentences(sentences: Iterable<readonly string[]>, order: number, options: NgramCountOptions = {}): NgramCounts {
    const unk = checkOrderAndUnk(order, options);
    if (sentences === null || typeof (sentences as Partial<Iterable<unknown>>)?.[Symbol.iterator] !== "function") {
      throw new ArgumentError(`sentences: expected an iterable of token arrays, got ${sentences === null ? "null" : typeof sentences}`);
    }
    const vocab = newWordIndex(unk);
    const { words, ids } = vocab;
    const corpus = new IntList(); // all padded sentences, each as <s> … </s>
    let sentenceCount = 0;
    for (const sentence of sentences) {
      if (!Array.isArray(sentence)) throw new ArgumentError(`sentences[${sentenceCount}]: expected an array of tokens, got ${describeValue(sentence)}`);
      sentenceCount++;
      corpus.push(BOS_ID);
      for (const w of sentence) {
        if (w === BOS || w === EOS) throw new ArgumentError(`NgramCounts: expected no ${BOS} / ${EOS} inside a sentence, got '${w}'`);
        let id = ids.get(w);
        if (id === undefined) {
          // A token with white space (or an empty one) could not be written to an ARPA file and read back.
          if (typeof w !== "string" || w.length === 0 || /\s/u.test(w)) {
            throw new ArgumentError(`sentences[${sentenceCount - 1}]: expected tokens that are non-empty strings without white space, got ${describeValue(w)}`);
          }
          id = words.length;
          words.push(w);
          ids.set(w, id);
        }
        corpus.push(id);
      }
      corpus.push(EOS_ID);
    }
    if (corpus.length === 2 * sentenceCount) {
      throw new ArgumentError(`sentences: expected at least one word, got ${sentenceCount === 0 ? "no sentences" : `${sentenceCount} empty sentence${sentenceCount > 1 ? "s" : ""}`}`);
    }
    return NgramCounts.fromCorpus(corpus, order, vocab, unk);
  }

  /**
   * Counts the n-grams of a text in the format of sentence_ids.ts (one sentence per line),
   * without making a token array per sentence: the same counts and word ids as
   * `fromSentences(readSentences(text, source), order, options)`.
   * @param text - the whole file.
   * @param order - N, an integer ≥ 1.
   * @param options - the unknown-word token; `source`, the name for error messages (default "text").
   * @throws ArgumentError naming source:line for a misplaced <s> / </s> or a NUL character, and
   *   "source: expected at least one non-empty line (one sentence per line), got none".
   */
  static fromText(text: string, order: number, options: NgramCountOptions & { source?: string } = {}): NgramCounts {
    const unk = checkOrderAndUnk(order, options);
    const source = options.source ?? "text";
    const vocab = newWordIndex(unk);
    const { corpus, sentences } = textToIds(text, vocab, source);
    if (sentences === 0) throw new ArgumentError(`${source}: expected at least one non-empty line (one sentence per line), got none`);
    return NgramCounts.fromCorpus(corpus, order, vocab, unk);
  }

  /** The trie of a padded corpus (ngram_sort.ts). */
  private static fromCorpus(corpus: IntList, order: number, vocab: WordIndex, unk: string | null): NgramCounts {
    const W = vocab.words.length;
    if (W >= 2 ** 31 - 2) throw new ArgumentError(`NgramCounts: expected fewer than 2^31 − 2 word types, got ${W}`);
    return new NgramCounts(order, vocab, unk, countNgramsBySorting(corpus.data, corpus.length, W, order));
  }
}

/** Checks `order` and `options.unk`; returns the unknown-word token (null for none). */
function checkOrderAndUnk(order: number, options: NgramCountOptions): string | null {
  if (!Number.isInteger(order) || order < 1) throw new ArgumentError(`NgramCounts: expected order to be an integer ≥ 1, got ${order}`);
  if (order > 255) throw new ArgumentError(`NgramCounts: expected order ≤ 255, got ${order}`);
  const unk = options.unk === undefined ? UNK : options.unk;
  if (unk === BOS || unk === EOS) throw new ArgumentError(`NgramCounts: expected unk to differ from ${BOS} and ${EOS}, got '${unk}'`);
  if (unk !== null && (typeof unk !== "string" || unk.length === 0 || /\s/u.test(unk))) {
    throw new ArgumentError(`NgramCounts: expected unk to be a non-empty token without white space, or null, got ${describeValue(unk)}`);
  }
  return unk;
}

/** A short description of a value for messages: JSON for strings and numbers, the type otherwise. */
function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return typeof v;
}
