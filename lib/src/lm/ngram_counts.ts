/**
 * N-gram counts of orders 1..N, stored as a trie of integer ids.
 *
 * Each sentence w_1 … w_m is padded as <s> w_1 … w_m </s> and every contiguous
 * substring of length 1..N is counted once per occurrence (so the unigram <s> counts the
 * sentences, and "<s> w_1" the sentence starts). <s> is never predicted; </s> is.
 *
 * Storage (compact, no string key per n-gram): word ids are integers (0 = <s>, 1 = </s>,
 * 2 = the unknown-word token if there is one, then words by first occurrence). The n-grams
 * of order n are nodes 0 … size_n − 1 of level n, with typed arrays
 *     word[g] = last word id,   parent[g] = node of its first n − 1 words at level n − 1,
 *     count[g] = c(w_1 … w_n),
 * and level 0 is the single root node (the empty n-gram). Children are found through one
 * open-addressing hash table per level keyed by parent·|W| + word (an exact integer below
 * 2^53), so the n-gram "a b c" is child(child(child(root, a), b), c).
 *
 * Text format (the PTB convention): one sentence per line, whitespace-separated tokens;
 * empty lines are skipped; a line may start with <s> and end with </s>, which are dropped.
 */
import { ArgumentError } from "../errors.js";
import { findNul } from "../datasets/text_file.js";

/** The sentence-start token: context only, never predicted. */
export const BOS = "<s>";
/** The sentence-end token: predicted at the end of every sentence. */
export const EOS = "</s>";
/** The default unknown-word token (PTB writes it in the text already). */
export const UNK = "<unk>";

/** Id of <s>. */
export const BOS_ID = 0;
/** Id of </s>. */
export const EOS_ID = 1;

/**
 * Splits text into sentences: one per non-empty line, tokens separated by whitespace.
 * A leading <s> and a trailing </s> are dropped; anywhere else they are an error.
 * @param text - the whole file.
 * @param source - name for error messages (a file path). Default: "text".
 * @returns one token array per non-empty line.
 */
export function readSentences(text: string, source = "text"): string[][] {
  if (typeof text !== "string") throw new ArgumentError(`readSentences: expected text to be a string, got ${text === null ? "null" : typeof text}`);
  const nul = findNul(text);
  if (nul !== null) throw new ArgumentError(`${source}:${nul.line}: expected text, got a NUL character at column ${nul.column} (a binary file?)`);
  const sentences: string[][] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const tokens = lines[i].split(/\s+/).filter((t) => t.length > 0);
    if (tokens[0] === BOS) tokens.shift();
    if (tokens[tokens.length - 1] === EOS) tokens.pop();
    for (let j = 0; j < tokens.length; j++) {
      if (tokens[j] === BOS || tokens[j] === EOS) {
        throw new ArgumentError(
          `${source}:${i + 1}: expected ${BOS} only at the start and ${EOS} only at the end of a line, got '${tokens[j]}' at token ${j + 1}`,
        );
      }
    }
    if (tokens.length > 0) sentences.push(tokens);
  }
  return sentences;
}

/** An open-addressing hash table from integer keys (< 2^53) to int32 values (−1 = absent). */
export class IdTable {
  private keys: Float64Array;
  private values: Int32Array;
  private mask: number;
  /** Number of stored keys. */
  size = 0;

  /** @param capacity - initial number of slots, rounded up to a power of two. Default: 1024. */
  constructor(capacity = 1024) {
    let n = 16;
    while (n < capacity) n *= 2;
    this.keys = new Float64Array(n).fill(-1);
    this.values = new Int32Array(n);
    this.mask = n - 1;
  }

  private slot(key: number): number {
    // Mix the low and high 32 bits (multiplicative hashing), then probe linearly.
    const lo = key >>> 0;
    const hi = Math.floor(key / 4294967296) >>> 0;
    let h = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1);
    h ^= h >>> 15;
    let i = h & this.mask;
    while (this.keys[i] !== -1 && this.keys[i] !== key) i = (i + 1) & this.mask;
    return i;
  }

  /** The value stored for `key`, or −1 (also for a negative key, e.g. from an unknown word's id −1). */
  get(key: number): number {
    if (key < 0) return -1;
    const i = this.slot(key);
    return this.keys[i] === key ? this.values[i] : -1;
  }

  /** Stores `value` (≥ 0) for `key` (an integer in [0, 2^53)). */
  set(key: number, value: number): void {
    if (!(key >= 0)) throw new ArgumentError(`IdTable.set: expected a key ≥ 0, got ${key}`);
    if ((this.size + 1) * 4 > this.keys.length * 3) this.grow();
    const i = this.slot(key);
    if (this.keys[i] !== key) {
      this.keys[i] = key;
      this.size++;
    }
    this.values[i] = value;
  }

  private grow(): void {
    const { keys, values } = this;
    this.keys = new Float64Array(keys.length * 2).fill(-1);
    this.values = new Int32Array(keys.length * 2);
    this.mask = this.keys.length - 1;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === -1) continue;
      const j = this.slot(keys[i]);
      this.keys[j] = keys[i];
      this.values[j] = values[i];
    }
  }

  /** Bytes held by the table's arrays. */
  get bytes(): number {
    return this.keys.byteLength + this.values.byteLength;
  }
}

/** A growable Int32Array. */
class IntList {
  data = new Int32Array(1024);
  length = 0;
  push(x: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = x;
  }
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/** The n-grams of one order: node g has last word `word[g]`, context node `parent[g]` one level down, count `count[g]`. */
export interface NgramLevel {
  /** Number of distinct n-grams of this order. */
  readonly size: number;
  /** [size] last word id of each n-gram. */
  readonly word: Int32Array;
  /** [size] node of the first n − 1 words at the level below (0 = root for unigrams). */
  readonly parent: Int32Array;
  /** [size] c(w_1 … w_n): occurrences in the padded training sentences. */
  readonly count: Int32Array;
  /** parent·|W| + word → node. */
  readonly index: IdTable;
}

/** Options of `NgramCounts.fromSentences`. */
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
  /** Levels 1..N (index 0 is unused: the root). */
  readonly levels: NgramLevel[];
  private readonly ids: Map<string, number>;

  private constructor(order: number, words: string[], unk: string | null, levels: NgramLevel[]) {
    this.words = words;
    this.unk = unk;
    this.levels = levels;
    this.ids = new Map(words.map((w, i) => [w, i]));
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

  /** Id of a word, or −1 if it is not in the vocabulary. */
  id(word: string): number {
    return this.ids.get(word) ?? -1;
  }

  /** Id of the unknown-word token, or −1 for a closed vocabulary. */
  get unkId(): number {
    return this.unk === null ? -1 : this.id(this.unk);
  }

  /**
   * The node of the n-gram ids[start..end) at level n = end − start (1 ≤ n ≤ N), or −1 if it was never seen.
   * @param ids - word ids, oldest first; −1 (an unknown word) is never seen.
   * @param start - first index. Default: 0.
   * @param end - one past the last index. Default: ids.length.
   */
  find(ids: ArrayLike<number>, start = 0, end = ids.length): number {
    let node = 0;
    const W = this.words.length;
    for (let i = start; i < end; i++) {
      if (ids[i] < 0) return -1; // an unknown word: never seen
      node = this.levels[i - start + 1].index.get(node * W + ids[i]);
      if (node < 0) return -1;
    }
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

  /** Bytes held by the typed arrays and hash tables. */
  get bytes(): number {
    let b = 0;
    for (let n = 1; n <= this.order; n++) {
      const L = this.levels[n];
      b += L.word.byteLength + L.parent.byteLength + L.count.byteLength + L.index.bytes;
    }
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
    if (!Number.isInteger(order) || order < 1) throw new ArgumentError(`NgramCounts: expected order to be an integer ≥ 1, got ${order}`);
    const unk = options.unk === undefined ? UNK : options.unk;
    if (unk === BOS || unk === EOS) throw new ArgumentError(`NgramCounts: expected unk to differ from ${BOS} and ${EOS}, got '${unk}'`);
    const words = [BOS, EOS];
    if (unk !== null) words.push(unk);
    const ids = new Map(words.map((w, i) => [w, i]));
    if (sentences === null || typeof (sentences as Partial<Iterable<unknown>>)?.[Symbol.iterator] !== "function") {
      throw new ArgumentError(`sentences: expected an iterable of token arrays, got ${sentences === null ? "null" : typeof sentences}`);
    }

    // 1. Word ids, so that the hash keys parent·|W| + word can use the final |W|.
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
    const W = words.length;
    if (W * 2 ** 31 > Number.MAX_SAFE_INTEGER) throw new ArgumentError(`NgramCounts: expected fewer than 2^22 word types, got ${W}`);

    // 2. Every substring of length ≤ N inside one padded sentence, counted into the trie.
    const wordL: IntList[] = [];
    const parentL: IntList[] = [];
    const countL: IntList[] = [];
    const tables: IdTable[] = [];
    for (let n = 0; n <= order; n++) {
      wordL.push(new IntList());
      parentL.push(new IntList());
      countL.push(new IntList());
      tables.push(new IdTable(n === 1 ? 2 * W : 1024));
    }
    const c = corpus.data;
    let start = 0;
    while (start < corpus.length) {
      let end = start + 1;
      while (c[end - 1] !== EOS_ID) end++; // [start, end) is one padded sentence
      for (let a = start; a < end; a++) {
        let node = 0;
        for (let n = 1; n <= order && a + n <= end; n++) {
          const key = node * W + c[a + n - 1];
          let child = tables[n].get(key);
          if (child < 0) {
            child = wordL[n].length;
            wordL[n].push(c[a + n - 1]);
            parentL[n].push(node);
            countL[n].push(0);
            tables[n].set(key, child);
          }
          countL[n].data[child]++;
          node = child;
        }
      }
      start = end;
    }
    const levels: NgramLevel[] = [];
    for (let n = 0; n <= order; n++) {
      levels.push({ size: wordL[n].length, word: wordL[n].toArray(), parent: parentL[n].toArray(), count: countL[n].toArray(), index: tables[n] });
    }
    return new NgramCounts(order, words, unk, levels);
  }
}

/** A short description of a value for messages: JSON for strings and numbers, the type otherwise. */
function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return typeof v;
}
