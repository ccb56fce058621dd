/**
 * Corpus text → sentences of word ids, the input of n-gram counting (ngram_counts.ts).
 *
 * Text format (the PTB convention): one sentence per line, tokens separated by white space
 * (what the regular expression `\s` matches: ASCII tab, line feed, vertical tab, form feed,
 * carriage return and space, and U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F,
 * U+205F, U+3000, U+FEFF); lines end at "\n" (a "\r" before it is white space); empty lines
 * are skipped; a line may start with <s> and end with </s>, which are dropped; anywhere else
 * they are an error naming the line and the token.
 *
 * Two readers of that format give the same sentences: `readSentences` (token strings, for
 * the course's small corpora) and `textToIds` (word ids straight from the text, without a
 * string array per sentence: the CLI's `kn` on PTB's 930k tokens).
 *
 * Word ids: 0 = <s>, 1 = </s>, 2 = the unknown-word token if there is one, then the words
 * by first occurrence. A corpus of m sentences is stored as one Int32Array
 *     <s> w_1 … w_k </s> <s> … </s>
 * of the padded sentences one after the other.
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

/** Whether UTF-16 code unit c is white space for `\s` (see the file comment; "\n" included). */
export function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** The message for a boundary token inside a line (token counted after a leading <s> is dropped). */
function boundaryError(source: string, line: number, token: string, index: number): ArgumentError {
  return new ArgumentError(`${source}:${line}: expected ${BOS} only at the start and ${EOS} only at the end of a line, got '${token}' at token ${index}`);
}

/**
 * Splits text into sentences: one per non-empty line, tokens separated by white space
 * (see the file comment).
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
      if (tokens[j] === BOS || tokens[j] === EOS) throw boundaryError(source, i + 1, tokens[j], j + 1);
    }
    if (tokens.length > 0) sentences.push(tokens);
  }
  return sentences;
}

/** A growable Int32Array. */
export class IntList {
  /** The storage; entries [0, length) are the list. */
  data: Int32Array;
  /** Number of entries. */
  length = 0;
  /** @param capacity - initial capacity. Default: 1024. */
  constructor(capacity = 1024) {
    this.data = new Int32Array(Math.max(16, capacity));
  }
  /** Appends x. */
  push(x: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = x;
  }
  private grow(): void {
    const next = new Int32Array(this.data.length * 2);
    next.set(this.data);
    this.data = next;
  }
}

/** The vocabulary being built: id → word and word → id (see the file comment for the order). */
export interface WordIndex {
  /** Id → word. */
  words: string[];
  /** Word → id. */
  ids: Map<string, number>;
}

/**
 * A new vocabulary holding <s>, </s> and the unknown-word token.
 * @param unk - the unknown-word token, or null for none.
 */
export function newWordIndex(unk: string | null): WordIndex {
  const words = unk === null ? [BOS, EOS] : [BOS, EOS, unk];
  return { words, ids: new Map(words.map((w, i) => [w, i])) };
}

/**
 * Word → id for tokens that are still inside the text: an open-addressing table on the
 * FNV-1a hash of the UTF-16 code units (Fowler, Noll & Vo), compared with the stored words
 * code unit by code unit, so a token is sliced out of the text only the first time it is seen.
 */
class TokenTable {
  private slots: Int32Array; // word id, −1 = empty
  private hashes: Int32Array; // the word's hash, per slot
  private mask: number;
  private count = 0;
  private readonly words: string[];

  constructor(words: string[]) {
    this.words = words;
    this.slots = new Int32Array(1 << 12).fill(-1);
    this.hashes = new Int32Array(1 << 12);
    this.mask = (1 << 12) - 1;
    for (let id = 0; id < words.length; id++) this.insert(id, hashOf(words[id], 0, words[id].length));
  }

  /** The id of text[start, end) with hash h, or −1. */
  find(text: string, start: number, end: number, h: number): number {
    const words = this.words;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const id = this.slots[i];
      if (id < 0) return -1;
      if (this.hashes[i] !== h) continue;
      const w = words[id];
      if (w.length !== end - start) continue;
      let k = 0;
      while (k < w.length && w.charCodeAt(k) === text.charCodeAt(start + k)) k++;
      if (k === w.length) return id;
    }
  }

  /** Adds word id `id` with hash h (not present yet). */
  insert(id: number, h: number): void {
    if (2 * (this.count + 1) > this.slots.length) this.grow();
    let i = h & this.mask;
    while (this.slots[i] >= 0) i = (i + 1) & this.mask;
    this.slots[i] = id;
    this.hashes[i] = h;
    this.count++;
  }

  private grow(): void {
    const { slots, hashes } = this;
    this.slots = new Int32Array(slots.length * 2).fill(-1);
    this.hashes = new Int32Array(slots.length * 2);
    this.mask = this.slots.length - 1;
    this.count = 0;
    for (let i = 0; i < slots.length; i++) if (slots[i] >= 0) this.insert(slots[i], hashes[i]);
  }
}

/** FNV-1a over the code units of s[start, end). */
function hashOf(s: string, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * Reads text (see the file comment) into padded sentences of word ids, adding new words to
 * `vocab`; the same sentences and ids as `readSentences` followed by
 * `NgramCounts.fromSentences`, without a string per token kept.
 * @param text - the whole file.
 * @param vocab - the vocabulary, extended in place.
 * @param source - name for error messages (a file path). Default: "text".
 * @returns the corpus ([length] ids, see the file comment) and the number of sentences.
 * @throws ArgumentError naming source:line for a NUL character or a misplaced <s> / </s>.
 */
export function textToIds(text: string, vocab: WordIndex, source = "text"): { corpus: IntList; sentences: number } {
  if (typeof text !== "string") throw new ArgumentError(`textToIds: expected text to be a string, got ${text === null ? "null" : typeof text}`);
  const nul = findNul(text);
  if (nul !== null) throw new ArgumentError(`${source}:${nul.line}: expected text, got a NUL character at column ${nul.column} (a binary file?)`);
  const { words, ids } = vocab;
  const table = new TokenTable(words);
  const corpus = new IntList((text.length >>> 2) + 16);
  const line = new IntList(256); // the ids of the current line
  let sentences = 0;
  let lineNo = 1;
  const n = text.length;
  let i = 0;
  while (i <= n) {
    // 1. The tokens of one line, up to "\n" or the end.
    line.length = 0;
    while (i < n) {
      let c = text.charCodeAt(i);
      if (c === 10) break;
      if (isSpace(c)) {
        i++;
        continue;
      }
      const start = i;
      let h = Math.imul(0x811c9dc5 ^ c, 0x01000193); // hashOf, inline
      while (++i < n) {
        c = text.charCodeAt(i);
        if (c === 10 || isSpace(c)) break;
        h = Math.imul(h ^ c, 0x01000193);
      }
      let id = table.find(text, start, i, h);
      if (id < 0) {
        const token = text.slice(start, i);
        id = words.length;
        words.push(token);
        ids.set(token, id);
        table.insert(id, h);
      }
      line.push(id);
    }
    // 2. Drop a leading <s> and a trailing </s>; any other is an error.
    let a = 0;
    let b = line.length;
    const t = line.data;
    if (b > 0 && t[0] === BOS_ID) a = 1;
    if (b > a && t[b - 1] === EOS_ID) b--;
    for (let j = a; j < b; j++) if (t[j] <= EOS_ID) throw boundaryError(source, lineNo, words[t[j]], j - a + 1);
    if (b > a) {
      sentences++;
      corpus.push(BOS_ID);
      for (let j = a; j < b; j++) corpus.push(t[j]);
      corpus.push(EOS_ID);
    }
    i++; // past "\n" (or past the end)
    lineNo++;
  }
  return { corpus, sentences };
}
