/**
 * The worker thread of `writeArpa` (arpa_writer.ts). The file is cut into segments of about
 * 2 MB at line boundaries (`bounds`: segment j is the lines from bounds[j] up to
 * bounds[j + 1]); the main thread encodes and writes the even segments, this worker encodes
 * the odd ones (arpa_encoder.ts) into a ring of shared slots, which the main thread writes
 * in file order between its own. Protocol, on the shared Int32Array `ctrl`:
 *   [0] the worker's state: 0 starting, 1 running, 2 done, 3 failed;
 *   [1 + 2s] slot s: 0 free, 1 full;  [2 + 2s] its length in bytes.
 * Segment j = 2k + 1 goes to slot k mod R. Each change is followed by Atomics.notify.
 */
import { workerData } from "node:worker_threads";
import { ArpaEncoder, type ArpaTables } from "./arpa_encoder.js";

/** What the main thread passes. */
export interface ArpaWorkerData {
  tables: ArpaTables;
  /** [K + 1] segment boundaries (the last: { n: N + 1, g: 0 }). */
  bounds: { n: number; g: number }[];
  /** R slots of `slotBytes` bytes each. */
  slots: SharedArrayBuffer;
  slotBytes: number;
  ctrl: Int32Array;
}

const { tables, bounds, slots, slotBytes, ctrl } = workerData as ArpaWorkerData;
const R = slots.byteLength / slotBytes;
const signal = (i: number, value: number) => {
  Atomics.store(ctrl, i, value);
  Atomics.notify(ctrl, i);
};
signal(0, 1);
try {
  let enc: ArpaEncoder | undefined;
  for (let j = 1, k = 0; j + 1 < bounds.length; j += 2, k++) {
    const s = k % R;
    while (Atomics.load(ctrl, 1 + 2 * s) !== 0) Atomics.wait(ctrl, 1 + 2 * s, 1); // the main thread has not written it yet
    const out = new Uint8Array(slots, s * slotBytes, slotBytes);
    if (enc === undefined) enc = new ArpaEncoder(tables, out);
    else enc.retarget(out);
    const from = bounds[j];
    const done = enc.encode({ n: from.n, g: from.g, u: 0, headed: from.g > 0 }, bounds[j + 1].n, bounds[j + 1].g);
    if (!done) throw new Error("a segment is larger than its slot");
    if (j + 2 === bounds.length) enc.end();
    Atomics.store(ctrl, 2 + 2 * s, enc.pos);
    signal(1 + 2 * s, 1);
  }
  signal(0, 2);
} catch {
  Atomics.store(ctrl, 0, 3); // the main thread encodes the rest itself
  for (let i = 0; i < ctrl.length; i++) Atomics.notify(ctrl, i);
}
