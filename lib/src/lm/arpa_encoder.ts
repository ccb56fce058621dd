/**
 * The ARPA text of a Kneser-Ney model, encoded straight into a byte buffer (the format and
 * what it stores: arpa_writer.ts). Everything the encoder reads is in `ArpaTables`, plain
 * typed arrays (shared memory where the model's are), so that a worker thread can encode
 * one part of the file while the main thread encodes the other (arpa_worker.ts).
 *
 * A line of level n is
 *     <log10 p(g)> TAB <w_1 … w_n> [TAB <log10 γ(g)>] NEWLINE
 * with the back-off weight for n < N when g is a context (S(g) > 0). The n-grams come in the
 * trie's order (lexicographic by word ids): consecutive lines usually share their first
 * n − 1 words, kept encoded in `ContextBytes`. Back-off weights repeat (a few thousand
 * distinct values over 1.5M contexts in PTB's KN5), so their text is cached (`Log10Cache`).
 * No string is made per line or per number.
 */
import { writeAscii, writeFloat32 } from "./float_format.js";
import type { KneserNeyLm } from "./kneser_ney.js";
import { sharedInt32Array } from "./ngram_sort.js";

/** How numbers are written: shortest round trip of the float32 (KenLM's way) or of the double. */
export type ArpaPrecision = "float32" | "float64";

/** What the encoder reads (see the file comment); level arrays are indexed by n = 0 … N. */
export interface ArpaTables {
  order: number;
  precision: ArpaPrecision;
  /** Per level: [size_n] last word id and parent node (the trie of NgramCounts). */
  word: Int32Array[];
  parent: Int32Array[];
  /** Per level n ≥ 1: [size_n] p_n(g), the interpolated probability (0 for <s>: written −99). */
  probs: Float64Array[];
  /** Per level n < N: [size_n] γ(g), and 1/S(g) (0: g is no context, no back-off weight written). */
  gamma: Float64Array[];
  invDenominator: Float64Array[];
  /** Every word's UTF-8 bytes one after the other: word w is wordBytes[wordStart[w] … wordStart[w + 1]). */
  wordBytes: Uint8Array;
  wordStart: Int32Array;
  /** Vocabulary ids without a unigram node (ascending), listed with log10 `unseenProb`: γ(ε)/|W|. */
  unseen: Int32Array;
  unseenProb: number;
}

/**
 * The tables of a model.
 * @param model - the model.
 * @param precision - how numbers are written.
 */
export function arpaTables(model: KneserNeyLm, precision: ArpaPrecision): ArpaTables {
  if (precision !== "float32" && precision !== "float64") throw new TypeError(`precision: expected "float32" or "float64", got ${String(precision)}`);
  const C = model.counts;
  const words = C.words;
  const encoded = words.map((w) => Buffer.from(w, "utf8"));
  const wordStart = sharedInt32Array(words.length + 1);
  for (let w = 0; w < words.length; w++) wordStart[w + 1] = wordStart[w] + encoded[w].length;
  const wordBytes = new Uint8Array(new SharedArrayBuffer(wordStart[words.length]));
  for (let w = 0; w < words.length; w++) wordBytes.set(encoded[w], wordStart[w]);
  const seen = new Uint8Array(words.length);
  for (const w of C.levels[1].word) seen[w] = 1;
  return {
    order: model.order,
    precision,
    word: C.levels.map((L) => L.word),
    parent: C.levels.map((L) => L.parent),
    probs: model.storedProbs(),
    gamma: [...model.gamma],
    invDenominator: [...model.invDenominator],
    wordBytes,
    wordStart,
    unseen: Int32Array.from({ length: words.length }, (_, w) => w).filter((w) => !seen[w]),
    unseenProb: model.gamma[0][0] / (words.length - 1),
  };
}

/** Bytes a number takes at most: "-1.2345679e-38" is 14; a double's shortest form 24. */
const MAX_NUMBER = 25;
const TAB = 9;
const SPACE = 32;
const NEWLINE = 10;

/** Writes a double in JavaScript's shortest round-trip form. */
function writeFloat64(buf: Uint8Array, pos: number, x: number): number {
  return writeAscii(buf, pos, String(x));
}

/** Where the encoding is: the next line is node g of level n (u: the next unseen unigram, level 1). */
export interface ArpaCursor {
  n: number;
  g: number;
  u: number;
  /** Whether level n's section header is written. */
  headed: boolean;
}

/** The longest line of a model's file, in bytes. */
export function maxLineBytes(t: ArpaTables): number {
  let longest = 0;
  for (let w = 0; w + 1 < t.wordStart.length; w++) longest = Math.max(longest, t.wordStart[w + 1] - t.wordStart[w]);
  return 2 * MAX_NUMBER + 4 + t.order * (longest + 1);
}

/** Encodes ARPA lines into a buffer (see the file comment). */
export class ArpaEncoder {
  /** The output; bytes [0, pos) are encoded. */
  buf: Uint8Array;
  pos = 0;
  private readonly t: ArpaTables;
  private readonly writeNumber: (buf: Uint8Array, pos: number, x: number) => number;
  private readonly maxLine: number;
  private readonly context: ContextBytes;
  private readonly bows: Log10Cache;

  /**
   * @param t - the tables.
   * @param buf - the output buffer; at least 4 lines long.
   */
  constructor(t: ArpaTables, buf: Uint8Array) {
    this.t = t;
    this.writeNumber = t.precision === "float32" ? writeFloat32 : writeFloat64;
    this.maxLine = maxLineBytes(t);
    if (buf.length < 4 * this.maxLine) throw new RangeError(`ArpaEncoder: expected a buffer of at least ${4 * this.maxLine} bytes, got ${buf.length}`);
    this.buf = buf;
    this.context = new ContextBytes(t);
    this.bows = new Log10Cache(this.writeNumber);
  }

  /** Continues in another buffer (at least 4 lines long), from its start. */
  retarget(buf: Uint8Array): void {
    if (buf.length < 4 * this.maxLine) throw new RangeError(`ArpaEncoder: expected a buffer of at least ${4 * this.maxLine} bytes, got ${buf.length}`);
    this.buf = buf;
    this.pos = 0;
  }

  /** Whether less than two lines' room is left (a line, and an unseen unigram's line before it). */
  get full(): boolean {
    return this.pos > this.buf.length - 2 * this.maxLine;
  }

  /** The bytes encoded since the last call (a view, valid until the next encoding call). */
  take(): Uint8Array {
    const out = this.buf.subarray(0, this.pos);
    this.pos = 0;
    return out;
  }

  /** Appends ASCII text. */
  text(s: string): void {
    this.pos = writeAscii(this.buf, this.pos, s);
  }

  /** The \data\ section: the number of n-grams per order. */
  header(): void {
    const t = this.t;
    this.text("\\data\\\n");
    for (let n = 1; n <= t.order; n++) this.text(`ngram ${n}=${t.word[n].length + (n === 1 ? t.unseen.length : 0)}\n`);
  }

  /** The end of the file. */
  end(): void {
    this.text("\n\\end\\\n");
  }

  /**
   * Encodes lines from the cursor (moved along) up to node `stopG` of level `stopN` (not
   * included; stopN = N + 1: to the last line), with the section headers on the way.
   * @returns true when the stop is reached, false when the buffer is full first.
   */
  encode(c: ArpaCursor, stopN: number, stopG: number): boolean {
    const N = this.t.order;
    while (c.n <= N && (c.n < stopN || c.g < stopG)) {
      if (!c.headed) {
        this.text(`\n\\${c.n}-grams:\n`);
        c.headed = true;
      }
      const size = this.t.word[c.n].length;
      const limit = c.n === stopN ? stopG : size;
      c.g = c.n === 1 ? this.unigrams(c, limit) : this.lines(c.n, c.g, limit);
      if (c.g < limit || (c.n === 1 && c.g === size && c.u < this.t.unseen.length)) return false; // full
      if (c.g === size) {
        c.n++;
        c.g = 0;
        c.headed = false;
      }
    }
    return true;
  }

  /** Appends log10 p; −99 for p = 0 (as SRILM writes it). */
  private log10(p: number): void {
    const x = Math.log10(p);
    this.pos = x === -Infinity ? writeAscii(this.buf, this.pos, "-99") : this.writeNumber(this.buf, this.pos, x);
  }

  /** Appends the bytes of word id w. */
  private word(w: number): void {
    const buf = this.buf;
    const bytes = this.t.wordBytes;
    let pos = this.pos;
    for (let i = this.t.wordStart[w], end = this.t.wordStart[w + 1]; i < end; i++) buf[pos++] = bytes[i];
    this.pos = pos;
  }

  /** The unigram lines, with the unseen vocabulary words in id order among them; returns the next node. */
  private unigrams(c: ArpaCursor, limit: number): number {
    const { unseen, word } = this.t;
    let g = c.g;
    while (g < limit && !this.full) {
      if (c.u < unseen.length && unseen[c.u] < word[1][g]) this.unseenLine(unseen[c.u++]);
      else g = this.lines(1, g, g + 1);
    }
    if (g === word[1].length) while (c.u < unseen.length && !this.full) this.unseenLine(unseen[c.u++]);
    return g;
  }

  /** The line of a vocabulary word never seen in training: the uniform share γ(ε)/|W| only. */
  private unseenLine(w: number): void {
    this.log10(this.t.unseenProb);
    this.buf[this.pos++] = TAB;
    this.word(w);
    this.buf[this.pos++] = NEWLINE;
  }

  /** The lines of nodes g0 … limit − 1 of level n ≥ 1, until the buffer is full; returns the next node. */
  private lines(n: number, g0: number, limit: number): number {
    const t = this.t;
    const word = t.word[n];
    const parent = t.parent[n];
    const probs = t.probs[n];
    const inv = n < t.order ? t.invDenominator[n] : null;
    const gamma = n < t.order ? t.gamma[n] : null;
    const ctx = this.context;
    let g = g0;
    for (; g < limit && !this.full; g++) {
      this.log10(probs[g]);
      this.buf[this.pos++] = TAB;
      if (n > 1) {
        ctx.moveTo(n - 1, parent[g]);
        const buf = this.buf;
        const bytes = ctx.bytes;
        let pos = this.pos;
        for (let i = 0, end = ctx.end[n - 1]; i < end; i++) buf[pos++] = bytes[i];
        this.pos = pos;
      }
      this.word(word[g]);
      if (inv !== null && inv[g] > 0) {
        this.buf[this.pos++] = TAB;
        this.pos = this.bows.write(this.buf, this.pos, gamma![g]);
      }
      this.buf[this.pos++] = NEWLINE;
    }
    return g;
  }
}

/**
 * The words of the current context node, "w_1 w_2 … w_k " (a space after each), kept from
 * one line to the next: the next context in the trie's order usually differs in its last
 * word only, so `moveTo` re-encodes from the first level where the nodes differ.
 */
class ContextBytes {
  /** The encoded words; word j (1-based) ends at end[j] (end[0] = 0). */
  readonly bytes: Uint8Array;
  readonly end: Int32Array;
  /** node[j]: the context's node at level j (−1: none yet). */
  private readonly node: Int32Array;
  private readonly t: ArpaTables;

  constructor(t: ArpaTables) {
    this.t = t;
    let longest = 0;
    for (let w = 0; w + 1 < t.wordStart.length; w++) longest = Math.max(longest, t.wordStart[w + 1] - t.wordStart[w]);
    this.bytes = new Uint8Array(t.order * (longest + 1) + 1);
    this.end = new Int32Array(t.order + 1);
    this.node = new Int32Array(t.order + 1).fill(-1);
  }

  /** Makes node h at level k the context (its ancestors are the first k − 1 words). */
  moveTo(k: number, h: number): void {
    if (this.node[k] === h) return;
    // The levels j ≤ k whose node changes: up from k while the ancestor differs (a node fixes its ancestors).
    let j = k;
    for (let x = h; j >= 1 && this.node[j] !== x; j--) {
      this.node[j] = x;
      x = this.t.parent[j][x];
    }
    const { wordBytes, wordStart } = this.t;
    for (let i = j + 1; i <= k; i++) {
      const w = this.t.word[i][this.node[i]];
      let pos = this.end[i - 1];
      for (let b = wordStart[w], e = wordStart[w + 1]; b < e; b++) this.bytes[pos++] = wordBytes[b];
      this.bytes[pos++] = SPACE;
      this.end[i] = pos;
    }
  }
}

/**
 * The formatted log10 of recurring values: a direct-mapped cache from the value (its bits
 * hashed) to the bytes written for it.
 */
class Log10Cache {
  private readonly keys = new Float64Array(1 << 14).fill(NaN);
  private readonly text = new Uint8Array((1 << 14) * MAX_NUMBER);
  private readonly length = new Uint8Array(1 << 14);
  private readonly writeNumber: (buf: Uint8Array, pos: number, x: number) => number;
  private readonly f64 = new Float64Array(1);
  private readonly u32 = new Uint32Array(this.f64.buffer);

  constructor(writeNumber: (buf: Uint8Array, pos: number, x: number) => number) {
    this.writeNumber = writeNumber;
  }

  /** Writes log10 x at pos (−99 for x = 0); returns the position after it. */
  write(buf: Uint8Array, pos: number, x: number): number {
    this.f64[0] = x;
    const slot = Math.imul(this.u32[0] ^ Math.imul(this.u32[1], 0x85ebca6b), 0x9e3779b1) >>> 18;
    const at = slot * MAX_NUMBER;
    if (this.keys[slot] === x) {
      for (let i = 0, n = this.length[slot]; i < n; i++) buf[pos++] = this.text[at + i];
      return pos;
    }
    const lx = Math.log10(x);
    const end = lx === -Infinity ? writeAscii(buf, pos, "-99") : this.writeNumber(buf, pos, lx);
    this.keys[slot] = x;
    this.length[slot] = end - pos;
    for (let i = pos; i < end; i++) this.text[at + i - pos] = buf[i];
    return end;
  }
}
