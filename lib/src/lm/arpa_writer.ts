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
 *   doubles, gets log10 p within one float32 step (relative error ≤ 2^−23 ≈ 1.2e−7: half a
 *   step to the float32, half a step to the shortest decimal that reads back as it).
 * - "float64": JavaScript's shortest round trip of the double, so `ArpaLm` gives back the
 *   model's log10 probabilities bit for bit for listed n-grams (backed-off ones up to float
 *   rounding of log10 γ + log10 p); about 30% more bytes, and slower to format.
 * <s> is listed with log10 p = −99 (it is never predicted), as SRILM does; vocabulary
 * words never seen in training (e.g. <unk> added by the model) are listed as unigrams.
 * The n-grams of each order are in the trie's order, lexicographic by word ids, each
 * context's children together (IRSTLM needs this; SRILM and KenLM accept any order);
 * IRSTLM's `compile-lm --eval` on the exported model gives the same perplexity as `ArpaLm`
 * (test/arpa.test.ts on a small model, test/kn-build.test.ts on PTB's KN5).
 *
 * Speed (arpa_encoder.ts): lines are encoded straight into byte buffers, no string per line or
 * per number. `writeArpa` splits a big model's file in two at about half its bytes: a
 * worker thread (arpa_worker.ts) encodes the second half into shared memory while the main
 * thread encodes and writes the first, then writes the worker's bytes. PTB's KN5 (2.3M
 * n-grams, 97 MB): about 0.35 s on 2 free cores, 0.6 s on one (`npm run bench -- --workloads kn_ptb`).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import { Worker } from "node:worker_threads";
import { ArpaEncoder, arpaTables, maxLineBytes, type ArpaCursor, type ArpaPrecision, type ArpaTables } from "./arpa_encoder.js";
import type { ArpaWorkerData } from "./arpa_worker.js";
import type { KneserNeyLm } from "./kneser_ney.js";

/** Options of `arpaChunks`, `toArpa`, `writeArpa`. */
export interface ArpaWriteOptions {
  /** How numbers are written (see the file comment): "float32" or "float64". Default: "float32". */
  precision?: ArpaPrecision;
  /**
   * `writeArpa` only: encode the second half of the file in a worker thread. Default: true
   * when the machine has 2 or more CPUs and the model 200,000 n-grams or more (not under Deno).
   */
  worker?: boolean;
}

/**
 * The ARPA text of a model as views of one reusable buffer, each valid until the next
 * step of the iterator.
 */
function* encodeArpa(t: ArpaTables, chunkBytes: number): Generator<Uint8Array> {
  const enc = new ArpaEncoder(t, Buffer.allocUnsafe(Math.max(chunkBytes, 4 * maxLineBytes(t))));
  enc.header();
  const c: ArpaCursor = { n: 1, g: 0, u: 0, headed: false };
  while (!enc.encode(c, t.order + 1, 0)) yield enc.take();
  enc.end();
  yield enc.take();
}

/**
 * The ARPA file of a Kneser-Ney model as UTF-8 chunks of about 1 MB (a 5-gram PTB model
 * is ~97 MB). The n-grams of each order are sorted lexicographically by word id, so each
 * context's children are together — IRSTLM needs this; SRILM and KenLM accept any order.
 * @param model - the model.
 * @param options - the precision of the numbers. Default: float32.
 * @returns an iterator over consecutive pieces of the file.
 */
export function* arpaChunks(model: KneserNeyLm, options: ArpaWriteOptions = {}): Generator<Buffer> {
  for (const view of encodeArpa(arpaTables(model, options.precision ?? "float32"), 1 << 20)) yield Buffer.from(view);
}

/**
 * The whole ARPA text of a model (fine for small models; use `writeArpa` for big ones).
 * @param options - the precision of the numbers. Default: float32.
 */
export function toArpa(model: KneserNeyLm, options: ArpaWriteOptions = {}): string {
  return Buffer.concat([...arpaChunks(model, options)]).toString("utf8");
}

/** Writes all of `bytes` at the file's current position. */
function writeAll(fd: number, bytes: Uint8Array): void {
  for (let off = 0; off < bytes.length; ) off += fs.writeSync(fd, bytes, off, bytes.length - off);
}

/** What `writeArpaReport` did. */
export interface ArpaWriteReport {
  /** Bytes written. */
  bytes: number;
  /**
   * The worker thread: "done" (it encoded the second half), "failed" (it did not start or
   * failed; the main thread encoded everything), or "unused".
   */
  worker: "done" | "failed" | "unused";
}

/**
 * Writes a model as an ARPA file (see the file comment for the worker thread).
 * @param model - the model.
 * @param file - the output path.
 * @param options - the precision of the numbers (default float32); whether to use a worker thread.
 * @returns the number of bytes written.
 */
export function writeArpa(model: KneserNeyLm, file: string, options: ArpaWriteOptions = {}): number {
  return writeArpaReport(model, file, options).bytes;
}

/**
 * `writeArpa`, saying whether the worker thread did its half.
 * @returns the bytes written and the worker's fate.
 */
export function writeArpaReport(model: KneserNeyLm, file: string, options: ArpaWriteOptions = {}): ArpaWriteReport {
  const t = arpaTables(model, options.precision ?? "float32");
  const ngrams = t.word.reduce((a, w, n) => a + (n > 0 ? w.length : 0), 0);
  // Not by default under Deno, whose worker_threads may not run the entry (the wait would then time out).
  const useWorker = options.worker ?? (os.availableParallelism() >= 2 && ngrams >= 200_000 && !("Deno" in globalThis));
  const fd = fs.openSync(file, "w");
  const report: ArpaWriteReport = { bytes: 0, worker: "unused" };
  try {
    const split = useWorker && t.order >= 2 ? startWorker(t) : undefined;
    if (useWorker) report.worker = "failed";
    const enc = new ArpaEncoder(t, Buffer.allocUnsafe(Math.max(1 << 22, 4 * maxLineBytes(t))));
    enc.header();
    const c: ArpaCursor = { n: 1, g: 0, u: 0, headed: false };
    const [stopN, stopG] = split === undefined ? [t.order + 1, 0] : [split.from.n, split.from.g];
    const flush = () => {
      const view = enc.take();
      writeAll(fd, view);
      report.bytes += view.length;
    };
    while (!enc.encode(c, stopN, stopG)) flush();
    const theirs = split === undefined ? undefined : split.result();
    if (theirs !== undefined) {
      flush();
      writeAll(fd, theirs);
      report.bytes += theirs.length;
      report.worker = "done";
    } else {
      // No worker, or it failed: the rest here.
      while (!enc.encode(c, t.order + 1, 0)) flush();
      enc.end();
      flush();
    }
  } finally {
    fs.closeSync(fd);
  }
  return report;
}

/** Lines' estimated bytes per level: the numbers, n words of about `wordBytes` and a space, a tab, a newline. */
function splitPoint(t: ArpaTables): { n: number; g: number } {
  const avgWord = t.wordBytes.length / Math.max(1, t.wordStart.length - 1);
  const perLine = (n: number) => 10 + n * (avgWord + 1) + (n < t.order ? 10 : 0);
  let total = 0;
  for (let n = 1; n <= t.order; n++) total += t.word[n].length * perLine(n);
  let before = 0;
  for (let n = 1; n <= t.order; n++) {
    const level = t.word[n].length * perLine(n);
    if (n >= 2 && before + level >= total / 2) return { n, g: Math.min(t.word[n].length, Math.max(0, Math.round((total / 2 - before) / perLine(n)))) };
    before += level;
  }
  return { n: t.order, g: t.word[t.order].length };
}

/**
 * The JavaScript a worker starts with: under tsx (the sources run as TypeScript) it first
 * registers tsx in the worker, then imports arpa_worker.
 */
const WORKER_ENTRY = `
const { workerData } = require("node:worker_threads");
(async () => {
  if (workerData.tsx !== undefined) (await import(workerData.tsx)).register();
  await import(workerData.module);
})().catch(() => {
  Atomics.store(workerData.ctrl, 0, 3);
  Atomics.notify(workerData.ctrl, 0);
});
`;

/**
 * Starts the worker on the second half of the file.
 * @returns where its part starts, and `result()`, which blocks until the worker is done and
 *   returns its bytes (undefined if it failed or never started: the caller encodes that part).
 */
function startWorker(t: ArpaTables): { from: { n: number; g: number }; result: () => Uint8Array | undefined } | undefined {
  const from = splitPoint(t);
  let lines = 0;
  for (let n = from.n; n <= t.order; n++) lines += t.word[n].length - (n === from.n ? from.g : 0);
  let out: SharedArrayBuffer;
  try {
    out = new SharedArrayBuffer((lines + 4) * maxLineBytes(t) + 64 * t.order + 64); // pages are committed as they are written
  } catch {
    return undefined;
  }
  const ctrl = new Int32Array(new SharedArrayBuffer(8));
  const typescript = import.meta.url.endsWith(".ts");
  const data: ArpaWorkerData & { module: string; tsx?: string } = {
    tables: t,
    from,
    out,
    ctrl,
    module: new URL(typescript ? "./arpa_worker.ts" : "./arpa_worker.js", import.meta.url).href,
    tsx: typescript ? import.meta.resolve("tsx/esm/api") : undefined, // its ES module build (the CommonJS one registers a path that does not exist)
  };
  let worker: Worker;
  try {
    worker = new Worker(WORKER_ENTRY, { eval: true, workerData: data });
  } catch {
    return undefined;
  }
  worker.unref();
  worker.on("error", () => {}); // failures are reported through ctrl
  return {
    from,
    result: () => {
      // Wait for the state to pass 0 (started, up to 10 s) and then 1 (done, up to 10 min).
      for (const [state, ms] of [[0, 10_000], [1, 600_000]]) if (Atomics.load(ctrl, 0) === state) Atomics.wait(ctrl, 0, state, ms);
      const ok = Atomics.load(ctrl, 0) === 2;
      void worker.terminate();
      return ok ? new Uint8Array(out, 0, Atomics.load(ctrl, 1)) : undefined;
    },
  };
}
