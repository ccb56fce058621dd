/**
 * The worker thread of `writeArpa` (arpa_writer.ts): encodes the lines from node `from.g` of
 * level `from.n` to the end of the file (arpa_encoder.ts) into the shared buffer `out`,
 * while the main thread encodes and writes the lines before. Protocol, on the shared
 * Int32Array `ctrl`: [0] state (0 starting, 1 running, 2 done, 3 failed), [1] the bytes
 * written; each change is followed by Atomics.notify on [0].
 */
import { workerData } from "node:worker_threads";
import { ArpaEncoder, type ArpaTables } from "./arpa_encoder.js";

/** What the main thread passes. */
export interface ArpaWorkerData {
  tables: ArpaTables;
  from: { n: number; g: number };
  out: SharedArrayBuffer;
  ctrl: Int32Array;
}

const { tables, from, out, ctrl } = workerData as ArpaWorkerData;
const set = (state: number) => {
  Atomics.store(ctrl, 0, state);
  Atomics.notify(ctrl, 0);
};
set(1);
try {
  const enc = new ArpaEncoder(tables, new Uint8Array(out));
  const done = enc.encode({ n: from.n, g: from.g, u: 0, headed: from.g > 0 }, tables.order + 1, 0);
  if (!done) throw new Error("the output buffer is too small");
  enc.end();
  Atomics.store(ctrl, 1, enc.pos);
  set(2);
} catch {
  set(3); // the main thread encodes this part itself
}
