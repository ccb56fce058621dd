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
 * per number. When a core looks free, `writeArpa` cuts a big model's file into segments of
 * ~2 MB: the main thread encodes and writes the even ones, a worker thread (arpa_worker.ts)
 * encodes the odd ones into a ring of 4 shared slots, which the main thread writes in order
 * between its own. PTB's KN5 (2.3M n-grams, 97 MB): about 0.7 s on a quiet 2-core machine
 * (`npm run bench -- --workloads kn_ptb`).
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
   * `writeArpa` only: encode every other segment of the file in a worker thread. Default:
   * for 200,000 n-grams or more when a core looks free (see `defaultWorker`).
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
   * The worker thread: "done" (it encoded its segments), "failed" (it did not start or
   * failed; the main thread encoded the rest), or "unused".
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
 * Whether to use the worker thread by default: for 200,000 n-grams or more, when a core
 * looks free — the 1-minute load average below the number of CPUs − 1/2 (on a busy machine
 * the two threads wait on each other and the file takes longer: PTB's KN5 at load 13 on 2
 * cores, 2.1–2.6 s with the worker against 1.7–2.1 s without) — and not under Deno, whose
 * worker_threads may not run the entry (the wait would then time out).
 */
function defaultWorker(ngrams: number): boolean {
  const cpus = os.availableParallelism();
  return cpus >= 2 && ngrams >= 200_000 && os.loadavg()[0] < cpus - 0.5 && !("Deno" in globalThis);
}

/** Estimated bytes of the file's segments at most (see arpa_worker.ts): a ring of 4 costs ~8 MB. */
const SEGMENT_BYTES = 2 << 20;

/**
 * `writeArpa`, saying whether the worker thread did its part.
 * @returns the bytes written and the worker's fate.
 */
export function writeArpaReport(model: KneserNeyLm, file: string, options: ArpaWriteOptions = {}): ArpaWriteReport {
  const t = arpaTables(model, options.precision ?? "float32");
  const ngrams = t.word.reduce((a, w, n) => a + (n > 0 ? w.length : 0), 0);
  const useWorker = options.worker ?? defaultWorker(ngrams);
  const bounds = useWorker ? segmentBounds(t, SEGMENT_BYTES) : [{ n: 1, g: 0 }, { n: t.order + 1, g: 0 }];
  const fd = fs.openSync(file, "w");
  const report: ArpaWriteReport = { bytes: 0, worker: useWorker ? "failed" : "unused" };
  let worker: SegmentWorker | undefined;
  try {
    worker = bounds.length > 2 ? startWorker(t, bounds) : undefined;
    const enc = new ArpaEncoder(t, Buffer.allocUnsafe(Math.max(1 << 22, 4 * maxLineBytes(t))));
    const flush = () => {
      const view = enc.take();
      writeAll(fd, view);
      report.bytes += view.length;
    };
    enc.header();
    let ended = false;
    for (let j = 0; j + 1 < bounds.length; j++) {
      // The odd segments are the worker's: written from its slot as soon as it is full.
      const theirs = j % 2 === 1 && worker !== undefined ? worker.segment(j) : undefined;
      if (theirs !== undefined) {
        flush();
        writeAll(fd, theirs);
        report.bytes += theirs.length;
        worker!.release(j);
        ended = j + 2 === bounds.length;
        continue;
      }
      const c: ArpaCursor = { n: bounds[j].n, g: bounds[j].g, u: 0, headed: bounds[j].g > 0 };
      while (!enc.encode(c, bounds[j + 1].n, bounds[j + 1].g)) flush();
    }
    if (!ended) enc.end();
    flush();
    if (worker !== undefined && !worker.failed) report.worker = "done";
  } finally {
    worker?.stop();
    fs.closeSync(fd);
  }
  return report;
}

/**
 * Cuts the file into segments at line boundaries, never inside the unigrams: of about
 * `maxBytes` estimated bytes, or a 16th of the file if that is smaller (≥ 4 kB), so that a
 * small file is shared too (a line's estimated bytes: the numbers, n words of the average
 * length and their spaces, a tab and a newline).
 * @returns [K + 1] boundaries, from { n: 1, g: 0 } to { n: N + 1, g: 0 }.
 */
function segmentBounds(t: ArpaTables, maxBytes: number): { n: number; g: number }[] {
  const avgWord = t.wordBytes.length / Math.max(1, t.wordStart.length - 1);
  const perLine = (n: number) => 10 + n * (avgWord + 1) + (n < t.order ? 10 : 0);
  let total = 0;
  for (let n = 1; n <= t.order; n++) total += t.word[n].length * perLine(n);
  const target = Math.min(maxBytes, Math.max(4096, total / 16));
  const bounds = [{ n: 1, g: 0 }];
  let start = 0; // estimated offset of the level's first line
  for (let n = 1; n <= t.order; n++) {
    const size = t.word[n].length;
    const end = start + size * perLine(n);
    if (n >= 2) {
      for (let cut = Math.ceil(start / target) * target; cut < end; cut += target) {
        const g = Math.floor((cut - start) / perLine(n));
        const last = bounds[bounds.length - 1];
        if (g < size && (last.n < n || last.g < g)) bounds.push({ n, g });
      }
    }
    start = end;
  }
  bounds.push({ n: t.order + 1, g: 0 });
  return bounds;
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
  for (let i = 0; i < workerData.ctrl.length; i++) Atomics.notify(workerData.ctrl, i);
});
`;

/** Slots in the ring between the worker and the main thread. */
const SLOTS = 4;

/** The worker's side as the main thread sees it (protocol: arpa_worker.ts). */
interface SegmentWorker {
  /** Blocks until segment j (odd) is encoded; its bytes, or undefined if the worker failed (then `failed` is set). */
  segment(j: number): Uint8Array | undefined;
  /** Gives segment j's slot back to the worker. */
  release(j: number): void;
  failed: boolean;
  stop(): void;
}

/** Starts the worker on the odd segments; undefined if it cannot start. */
function startWorker(t: ArpaTables, bounds: { n: number; g: number }[]): SegmentWorker | undefined {
  // A slot holds the longest odd segment at the longest line; pages are committed only as written.
  let longest = 0;
  for (let j = 1; j + 1 < bounds.length; j += 2) {
    let lines = 0;
    for (let n = bounds[j].n; n <= Math.min(bounds[j + 1].n, t.order); n++) {
      const from = n === bounds[j].n ? bounds[j].g : 0;
      const to = n === bounds[j + 1].n ? bounds[j + 1].g : t.word[n].length;
      lines += to - from;
    }
    longest = Math.max(longest, lines);
  }
  const slotBytes = (longest + 4) * maxLineBytes(t) + 64 * (t.order + 1) + 64;
  const ctrl = new Int32Array(new SharedArrayBuffer(4 * (1 + 2 * SLOTS)));
  let slots: SharedArrayBuffer;
  try {
    slots = new SharedArrayBuffer(SLOTS * slotBytes);
  } catch {
    return undefined;
  }
  const typescript = import.meta.url.endsWith(".ts");
  const data: ArpaWorkerData & { module: string; tsx?: string } = {
    tables: t,
    bounds,
    slots,
    slotBytes,
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
  const w: SegmentWorker = {
    failed: false,
    segment(j) {
      const s = ((j - 1) >> 1) % SLOTS;
      while (!w.failed && Atomics.load(ctrl, 1 + 2 * s) !== 1) {
        const state = Atomics.load(ctrl, 0);
        // Not started within 10 s, failed, or a slot not filled within 10 minutes: the main thread takes over.
        if (state === 3) w.failed = true;
        else if (state === 0) w.failed = Atomics.wait(ctrl, 0, 0, 10_000) === "timed-out";
        else w.failed = Atomics.wait(ctrl, 1 + 2 * s, 0, 600_000) === "timed-out";
      }
      return w.failed ? undefined : new Uint8Array(slots, s * slotBytes, Atomics.load(ctrl, 2 + 2 * s));
    },
    release(j) {
      const s = ((j - 1) >> 1) % SLOTS;
      Atomics.store(ctrl, 1 + 2 * s, 0);
      Atomics.notify(ctrl, 1 + 2 * s);
    },
    stop() {
      void worker.terminate();
    },
  };
  return w;
}
