/**
 * The wasm engine's second thread (engine/wasm.ts, `GemmWorker`): it instantiates the same
 * WebAssembly module on the shared memory, with its own stack, says ready, then runs each
 * posted half of a GEMM. Plain CommonJS kept in the sources (like course/kernel-preload.js),
 * so the same file runs under lib/src (tests, via tsx) and lib/dist (the built package);
 * `.cjs`, so it stays CommonJS whatever the package's module type.
 *
 * Shared words, set up by `GemmWorker`: control (Int32) [0] job number posted, [1] job
 * number done, [2] ready, [3] error; params (Float64): the 13 arguments of sl_gemm_ld.
 */
"use strict";
const { parentPort, workerData } = require("worker_threads");
const { module: wasmModule, memory, ctrl, params, stackTop, pack } = workerData; // `module` is CommonJS's own
const c = new Int32Array(ctrl), p = new Float64Array(params);
const ex = new WebAssembly.Instance(wasmModule, { env: { memory, sl_gemm_parallel: () => 0 } }).exports;
ex.__stack_pointer.value = stackTop;
Atomics.store(c, 2, 1);
parentPort.postMessage("ready");
let seen = 0;
for (;;) {
  Atomics.wait(c, 0, seen);
  seen = Atomics.load(c, 0);
  try {
    ex.sl_gemm_ws(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], pack);
  } catch (e) {
    Atomics.store(c, 3, 1);
  }
  Atomics.store(c, 1, seen);
  Atomics.notify(c, 1);
}
