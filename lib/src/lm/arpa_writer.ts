/**
 * Writing ARPA back-off files (Doug Paul's format, as written and read by SRILM, KenLM,
 * IRSTLM; the reader, with the strict rules a file must meet, is lm/arpa_reader.ts):
 *
 *     \data\
 *     ngram 1=<count>
 *     …
 *     \1-grams:
 *     <log10 p(w)>  <w>  [<log10 bow(w)>]
 *     \2-grams:
 *     <log10 p(w2 | w1)>  <w1 w2>  [<log10 bow(w1 w2)>]
 *     …
 *     \end\
 *
 * A back-off model scores p(w | h) as the stored p(hw) if the n-gram hw is listed, else
 * bow(h) · p(w | h') with h' = h without its oldest word (bow(h) = 1 if h is not listed).
 *
 * Export of an interpolated Kneser-Ney model (kneser_ney.ts) in this form is exact: the
 * listed n-grams are the seen ones with p(hw) = p_n(w | h), the interpolated probability,
 * and bow(h) = γ(h); for an unseen hw the interpolated formula reduces to γ(h) p_{n−1}(w | h'),
 * which is the back-off rule.
 *
 * Numbers (`precision`):
 * - "float32" (the default): the shortest decimal that reads back as the same float32
 *   (float_format.ts), what SRILM, KenLM and IRSTLM keep and how KenLM writes it. A reader
 *   that rounds each number to float32 gets exactly fround(log10 p); `ArpaLm`, which keeps
 *   doubles, gets log10 p within half a float32 step (relative error < 2^−24 ≈ 6e−8).
 * - "float64": JavaScript's shortest round trip of the double, so `ArpaLm` gives back the
 *   model's log10 probabilities bit for bit for listed n-grams (backed-off ones up to float
 *   rounding of log10 γ + log10 p); about 30% more bytes, and slower to format.
 * <s> is listed with log10 p = −99 (it is never predicted), as SRILM does; vocabulary
 * words never seen in training (e.g. <unk> added by the model) are listed as unigrams.
 * The n-grams of each order are in the trie's order, lexicographic by word ids, each
 * context's children together (IRSTLM needs this; SRILM and KenLM accept any order);
 * IRSTLM's `compile-lm --eval` on the exported model gives the same perplexity as `ArpaLm`
 * (test/arpa.test.ts, on a small model and on PTB's KN5).
 *
 * Speed: lines are encoded straight into one reusable byte buffer (no string per line or
 * per number; a context's words are encoded once for all its children), handed to the
 * file in 4 MB writes: PTB's KN5 (2.3M n-grams, 95 MB) in about 0.6 s.
 */
import * as fs from "node:fs";
import { writeAscii, writeFloat32 } from "./float_format.js";
import type { KneserNeyLm } from "./kneser_ney.js";
import type { NgramLevel } from "./ngram_sort.js";
import { BOS_ID } from "./sentence_ids.js";

/** Options of `arpaChunks`, `toArpa`, `writeArpa`. */
export interface ArpaWriteOptions {
  /** How numbers are written (see the file comment): "float32" or "float64". Default: "float32". */
  precision?: "float32" | "float64";
}

const TAB = 9;
const SPACE = 32;
const NEWLINE = 10;
/** Bytes a number takes at most: "-1.2345679e-38" is 14; a double's shortest form 24. */
const MAX_NUMBER = 25;

/** Writes a double in JavaScript's shortest round-trip form. */
function writeFloat64(buf: Uint8Array, pos: number, x: number): number {
  return writeAscii(buf, pos, String(x));
}

/** Encodes a model's ARPA text into a reusable buffer, a chunk at a time. */
class ArpaEncoder {
  private buf: Uint8Array;
  private pos = 0;
  private readonly model: KneserNeyLm;
  private readonly writeNumber: (buf: Uint8Array, pos: number, x: number) => number;
  /** Every word's UTF-8 bytes, one after the other: word id w is wordBytes[wordStart[w] … wordStart[w + 1]). */
  private readonly wordBytes: Uint8Array;
  private readonly wordStart: Int32Array;
  private readonly probs: Float64Array[];
  /** The longest line's bytes (the buffer always has room for one). */
  private readonly maxLine: number;
  /** The current line's context words. */
  private readonly context: ContextBytes;
  /** Formatted back-off weights. */
  private readonly bows: Log10Cache;

  constructor(model: KneserNeyLm, options: ArpaWriteOptions, chunkBytes: number) {
    this.model = model;
    const precision = options.precision ?? "float32";
    if (precision !== "float32" && precision !== "float64") throw new TypeError(`precision: expected "float32" or "float64", got ${String(precision)}`);
    this.writeNumber = precision === "float32" ? writeFloat32 : writeFloat64;
    const words = model.counts.words;
    const encoded = words.map((w) => Buffer.from(w, "utf8"));
    this.wordStart = new Int32Array(words.length + 1);
    let longest = 0;
    for (let w = 0; w < words.length; w++) {
      this.wordStart[w + 1] = this.wordStart[w] + encoded[w].length;
      longest = Math.max(longest, encoded[w].length);
    }
    this.wordBytes = Buffer.concat(encoded);
    this.maxLine = 2 * MAX_NUMBER + 4 + model.order * (longest + 1);
    this.buf = Buffer.allocUnsafe(Math.max(chunkBytes, 4 * this.maxLine));
    this.probs = model.storedProbs();
    this.context = new ContextBytes(model.counts.levels, this.wordBytes, this.wordStart, longest);
    this.bows = new Log10Cache(this.writeNumber);
  }

  /** Whether less than two lines' room is left (a line, and the unseen <unk> line before it). */
  get full(): boolean {
    return this.pos > this.buf.length - 2 * this.maxLine;
  }

  /** The bytes encoded since the last call (a view, valid until the next encoding call). */
  take(): Uint8Array {
    const out = this.buf.subarray(0, this.pos);
    this.pos = 0;
    return out;
  }

  /** Appends ASCII text (headers). */
  text(s: string): void {
    this.pos = writeAscii(this.buf, this.pos, s);
  }

  /** Appends a log10 value; −99 for log10 0 (as SRILM writes p = 0). */
  private log10(p: number): void {
    const x = Math.log10(p);
    this.pos = x === -Infinity ? writeAscii(this.buf, this.pos, "-99") : this.writeNumber(this.buf, this.pos, x);
  }

  /** Appends the bytes of word id w. */
  private word(w: number): void {
    const buf = this.buf;
    const bytes = this.wordBytes;
    let pos = this.pos;
    for (let i = this.wordStart[w], end = this.wordStart[w + 1]; i < end; i++) buf[pos++] = bytes[i];
    this.pos = pos;
  }

  /** The line of a vocabulary word never seen in training: the uniform share γ(ε)/|W| only. */
  unseenUnigram(w: number): void {
    this.log10(this.model.gamma[0][0] / (this.model.counts.wordCount - 1));
    this.buf[this.pos++] = TAB;
    this.word(w);
    this.buf[this.pos++] = NEWLINE;
  }

  /**
   * Encodes the lines of nodes g0, g0 + 1, … of level n until the level ends or the buffer is full.
   * @param unseen - level 1 only: vocabulary ids without a unigram node, ascending; `next.u` indexes it.
   * @returns the next node to encode.
   */
  lines(n: number, g0: number, unseen: Int32Array, next: { u: number }): number {
    const m = this.model;
    const level = m.counts.levels[n];
    const probs = this.probs[n];
    const hasBow = n < m.order;
    const inv = hasBow ? m.invDenominator[n] : null;
    const gam = hasBow ? m.gamma[n] : null;
    const ctx = this.context;
    let g = g0;
    for (; g < level.size && !this.full; g++) {
      const w = level.word[g];
      if (n === 1) for (; next.u < unseen.length && unseen[next.u] < w; next.u++) this.unseenUnigram(unseen[next.u]);
      if (n === 1 && w === BOS_ID) this.text("-99");
      else this.log10(probs[g]);
      this.buf[this.pos++] = TAB;
      if (n > 1) {
        ctx.moveTo(n - 1, level.parent[g]);
        const buf = this.buf;
        const bytes = ctx.bytes;
        let pos = this.pos;
        for (let i = 0, end = ctx.end[n - 1]; i < end; i++) buf[pos++] = bytes[i];
        this.pos = pos;
      }
      this.word(w);
      if (inv !== null && inv[g] > 0) {
        this.buf[this.pos++] = TAB;
        this.pos = this.bows.write(this.buf, this.pos, gam![g]);
      }
      this.buf[this.pos++] = NEWLINE;
    }
    if (n === 1 && g === level.size) for (; next.u < unseen.length && !this.full; next.u++) this.unseenUnigram(unseen[next.u]);
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
  bytes: Uint8Array;
  readonly end: Int32Array;
  /** node[j]: the context's node at level j (−1: none yet). */
  private readonly node: Int32Array;
  private readonly levels: NgramLevel[];
  private readonly wordBytes: Uint8Array;
  private readonly wordStart: Int32Array;

  constructor(levels: NgramLevel[], wordBytes: Uint8Array, wordStart: Int32Array, longestWord: number) {
    const N = levels.length - 1;
    this.levels = levels;
    this.wordBytes = wordBytes;
    this.wordStart = wordStart;
    this.bytes = new Uint8Array(N * (longestWord + 1) + 1);
    this.end = new Int32Array(N + 1);
    this.node = new Int32Array(N + 1).fill(-1);
  }

  /** Makes node h at level k the context (its ancestors are the first k − 1 words). */
  moveTo(k: number, h: number): void {
    if (this.node[k] === h) return;
    // The levels j ≤ k whose node changes: up from k while the ancestor differs (a node fixes its ancestors).
    let j = k;
    for (let x = h; j >= 1 && this.node[j] !== x; j--) {
      this.node[j] = x;
      x = this.levels[j].parent[x];
    }
    for (let i = j + 1; i <= k; i++) {
      const w = this.levels[i].word[this.node[i]];
      let pos = this.end[i - 1];
      for (let b = this.wordStart[w], e = this.wordStart[w + 1]; b < e; b++) this.bytes[pos++] = this.wordBytes[b];
      this.bytes[pos++] = SPACE;
      this.end[i] = pos;
    }
  }
}

/**
 * The formatted log10 of recurring values (a 5-gram model's back-off weights take a few
 * thousand distinct values over 1.5M contexts): a direct-mapped cache from the value to the bytes.
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
    this.text.set(buf.subarray(pos, end), at);
    return end;
  }
}

/**
 * The ARPA text of a model as views of one reusable buffer: each is valid until the next
 * step of the iterator (the writer's loop; `arpaChunks` copies them).
 */
function* encodeArpa(model: KneserNeyLm, options: ArpaWriteOptions, chunkBytes: number): Generator<Uint8Array> {
  const enc = new ArpaEncoder(model, options, chunkBytes);
  const L = model.counts.levels;
  const N = model.order;
  const W = model.counts.wordCount;
  const seen = new Uint8Array(W);
  for (let g = 0; g < L[1].size; g++) seen[L[1].word[g]] = 1;
  const unseen = Int32Array.from({ length: W }, (_, w) => w).filter((w) => !seen[w]);
  enc.text("\\data\\\n");
  for (let n = 1; n <= N; n++) enc.text(`ngram ${n}=${L[n].size + (n === 1 ? unseen.length : 0)}\n`);
  for (let n = 1; n <= N; n++) {
    enc.text(`\n\\${n}-grams:\n`);
    const next = { u: 0 };
    for (let g = 0; g < L[n].size || (n === 1 && next.u < unseen.length); ) {
      g = enc.lines(n, g, unseen, next);
      if (enc.full) yield enc.take();
    }
  }
  enc.text("\n\\end\\\n");
  yield enc.take();
}

/**
 * The ARPA file of a Kneser-Ney model as UTF-8 chunks of about 1 MB (a 5-gram PTB model
 * is ~95 MB). The n-grams of each order are sorted lexicographically by word id, so each
 * context's children are together — IRSTLM needs this; SRILM and KenLM accept any order.
 * @param model - the model.
 * @param options - the precision of the numbers. Default: float32.
 * @returns an iterator over consecutive pieces of the file.
 */
export function* arpaChunks(model: KneserNeyLm, options: ArpaWriteOptions = {}): Generator<Buffer> {
  for (const view of encodeArpa(model, options, 1 << 20)) yield Buffer.from(view);
}

/**
 * The whole ARPA text of a model (fine for small models; use `writeArpa` for big ones).
 * @param options - the precision of the numbers. Default: float32.
 */
export function toArpa(model: KneserNeyLm, options: ArpaWriteOptions = {}): string {
  return Buffer.concat([...arpaChunks(model, options)]).toString("utf8");
}

/**
 * Writes a model as an ARPA file, in 4 MB writes.
 * @param model - the model.
 * @param file - the output path.
 * @param options - the precision of the numbers. Default: float32.
 * @returns the number of bytes written.
 */
export function writeArpa(model: KneserNeyLm, file: string, options: ArpaWriteOptions = {}): number {
  const fd = fs.openSync(file, "w");
  let bytes = 0;
  try {
    for (const view of encodeArpa(model, options, 1 << 22)) {
      for (let off = 0; off < view.length; ) off += fs.writeSync(fd, view, off, view.length - off);
      bytes += view.length;
    }
  } finally {
    fs.closeSync(fd);
  }
  return bytes;
}
