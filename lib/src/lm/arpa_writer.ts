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
 * which is the back-off rule. Numbers are written with JavaScript's shortest round-trip
 * form, so `ArpaLm` read back from the file gives the same log10 probabilities (listed
 * n-grams bit for bit; backed-off ones up to float rounding of log10(γ p) = log10 γ + log10 p).
 * <s> is listed with log10 p = −99 (it is never predicted), as SRILM does; vocabulary
 * words never seen in training (e.g. <unk> added by the model) are listed as unigrams.
 * The n-grams of each order are sorted by word ids with each context's children together
 * (IRSTLM needs this); IRSTLM's `compile-lm --eval` on the exported PTB KN5 model gives
 * the same perplexity as `ArpaLm` (test/arpa.test.ts checks this on a small model).
 */
import * as fs from "node:fs";
import type { KneserNeyLm } from "./kneser_ney.js";

/** Formats a log10 value for ARPA (shortest round-trip decimal; −99 for p = 0). */
function num(x: number): string {
  return x === -Infinity ? "-99" : String(x);
}

/** Fills a fixed-size buffer and hands it out when full (the ARPA writer's output). */
class ChunkWriter {
  private buf = Buffer.allocUnsafe(1 << 20);
  private pos = 0;
  /** Whether the buffer is nearly full (the caller then takes it). */
  get full(): boolean {
    return this.pos > this.buf.length - 4096;
  }
  /** Appends a string (UTF-8); strings longer than the free space grow the buffer. */
  text(s: string): void {
    if (this.pos + 3 * s.length > this.buf.length) this.ensure(3 * s.length);
    this.pos += this.buf.write(s, this.pos, "utf8");
  }
  /** Appends an ASCII string (numbers), byte by byte: cheaper than a native call for short strings. */
  ascii(s: string): void {
    if (this.pos + s.length > this.buf.length) this.ensure(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
  }
  /** Appends raw bytes. */
  bytes(b: Uint8Array): void {
    if (this.pos + b.length > this.buf.length) this.ensure(b.length);
    if (b.length > 32) this.buf.set(b, this.pos);
    else for (let i = 0; i < b.length; i++) this.buf[this.pos + i] = b[i];
    this.pos += b.length;
  }
  /** Appends one byte (tab, space, newline). */
  byte(b: number): void {
    if (this.pos + 1 > this.buf.length) this.ensure(1);
    this.buf[this.pos++] = b;
  }
  private ensure(extra: number): void {
    const next = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.pos + extra));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  /** The bytes written since the last call. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }
}

const TAB = 9;
const SPACE = 32;
const NEWLINE = 10;

/** A stable counting sort of `items` by an integer key in [0, range). */
function countingSort(items: Int32Array, key: (item: number) => number, range: number): Int32Array {
  const start = new Int32Array(range + 1);
  for (let i = 0; i < items.length; i++) start[key(items[i]) + 1]++;
  for (let k = 0; k < range; k++) start[k + 1] += start[k];
  const out = new Int32Array(items.length);
  for (let i = 0; i < items.length; i++) out[start[key(items[i])]++] = items[i];
  return out;
}

/**
 * The ARPA file of a Kneser-Ney model as UTF-8 chunks of about 1 MB (a 5-gram PTB model
 * is ~130 MB). The n-grams of each order are sorted lexicographically by word id (unigrams
 * by id, then by (rank of the context, word id)), so each context's children are
 * together — IRSTLM needs this; SRILM and KenLM accept any order.
 * @param model - the model.
 * @returns an iterator over consecutive pieces of the file.
 */
export function* arpaChunks(model: KneserNeyLm): Generator<Buffer> {
  const C = model.counts;
  const N = model.order;
  const L = C.levels;
  const W = C.wordCount;
  const vocabSize = W - 1;
  const probs = model.storedProbs();
  const wordBytes = C.words.map((w) => Buffer.from(w, "utf8"));
  const unseen: number[] = []; // vocabulary ids without a unigram node
  for (let id = 0; id < W; id++) if (L[1].index.get(id) < 0) unseen.push(id);
  const out = new ChunkWriter();
  out.text("\\data\\\n");
  for (let n = 1; n <= N; n++) out.text(`ngram ${n}=${L[n].size + (n === 1 ? unseen.length : 0)}\n`);
  const unseenLine = (id: number) => {
    out.ascii(num(Math.log10(model.gamma[0][0] / vocabSize)));
    out.byte(TAB);
    out.bytes(wordBytes[id]);
    out.byte(NEWLINE);
  };
  const ids = new Int32Array(N);
  let rankBelow = new Int32Array(1); // rank of each node of the level below in its sorted order
  for (let n = 1; n <= N; n++) {
    out.text(`\n\\${n}-grams:\n`);
    const size = L[n].size;
    const nodes = new Int32Array(size);
    for (let g = 0; g < size; g++) nodes[g] = g;
    const byWord = countingSort(nodes, (g) => L[n].word[g], W);
    const order = countingSort(byWord, (g) => rankBelow[L[n].parent[g]], rankBelow.length); // stable: by (context rank, word)
    const rank = new Int32Array(size);
    let u = 0; // next unseen vocabulary word (unigrams only)
    for (let r = 0; r < size; r++) {
      const g = order[r];
      rank[g] = r;
      for (; n === 1 && u < unseen.length && unseen[u] < L[1].word[g]; u++) unseenLine(unseen[u]);
      out.ascii(num(L[n].word[g] === 0 && n === 1 ? -99 : Math.log10(probs[n][g])));
      out.byte(TAB);
      for (let k = n, h = g; k >= 1; k--) {
        ids[k - 1] = L[k].word[h];
        h = L[k].parent[h];
      }
      for (let k = 0; k < n; k++) {
        if (k > 0) out.byte(SPACE);
        out.bytes(wordBytes[ids[k]]);
      }
      if (n < N && model.invDenominator[n][g] > 0) {
        out.byte(TAB);
        out.ascii(num(Math.log10(model.gamma[n][g])));
      }
      out.byte(NEWLINE);
      if (out.full) yield out.take();
    }
    for (; n === 1 && u < unseen.length; u++) unseenLine(unseen[u]);
    rankBelow = rank;
  }
  out.text("\n\\end\\\n");
  yield out.take();
}

/** The whole ARPA text of a model (fine for small models; use `writeArpa` for big ones). */
export function toArpa(model: KneserNeyLm): string {
  return Buffer.concat([...arpaChunks(model)]).toString("utf8");
}

/**
 * Writes a model as an ARPA file.
 * @param model - the model.
 * @param file - the output path.
 * @returns the number of bytes written.
 */
export function writeArpa(model: KneserNeyLm, file: string): number {
  const fd = fs.openSync(file, "w");
  let bytes = 0;
  try {
    for (const chunk of arpaChunks(model)) bytes += fs.writeSync(fd, chunk);
  } finally {
    fs.closeSync(fd);
  }
  return bytes;
}
