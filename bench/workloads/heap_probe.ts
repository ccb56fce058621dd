/**
 * Diagnostic (not part of `npm run bench`): does a big heap slow the training step? The
 * PTB-small LSTM LM's SGD step (random ids, B = T = 20, `RnnLm.loss` + `FusedSgd`), timed in a
 * process that loaded nothing else, or after `loadLmCorpus` has put PTB's sentences on the
 * heap (`--corpus ptb`, kept alive as `train_epoch` and `seqlab train-lm` keep them). Prints one
 * JSON line: ms per step, heap used, the MB of tensor data the step makes (every array the
 * backend stores, counted at its `write`; whether it came from the array pool or not), and the
 * major GCs (mark-compact) and their summed pause during the timed steps (node:perf_hooks "gc"
 * entries).
 *
 *   SEQLAB_DATA=… SEQLAB_ENGINE=native node --import tsx bench/workloads/heap_probe.ts [--corpus ptb]
 */
import * as tf from "@tensorflow/tfjs";
import { constants, PerformanceObserver } from "node:perf_hooks";
import { initBackend } from "../../lib/src/backend/backend.js";
import { initEngine } from "../../lib/src/engine/engine.js";
import { loadLmCorpus } from "../../lib/src/datasets/lm_corpus.js";
import { RnnLm } from "../../lib/src/lm/rnn_lm.js";
import { FusedSgd } from "../../lib/src/optim/sgd.js";
import { seededGenerator, setSeed } from "../../lib/src/random.js";
import { bareSgdStep } from "./train_epoch.js";

const withCorpus = process.argv.includes("--corpus") && process.argv[process.argv.indexOf("--corpus") + 1] === "ptb";
await initBackend({ backend: "seqlab", quiet: true });
const engine = initEngine({ quiet: true });
setSeed(1);
const corpus = withCorpus ? await loadLmCorpus({ dataset: "ptb" }) : null; // alive until the end
const model = new RnnLm({ vocabSize: 10002, embeddingSize: 200, hiddenSize: 200, layers: 2, cell: "lstm" });
const rand = seededGenerator(1);
const ids = () => tf.tensor2d(Int32Array.from({ length: 400 }, () => Math.floor(rand() * 10002)), [20, 20], "int32");
const batch = { inputs: ids(), targets: ids() };
const zero = model.zeroStates(20);
const sgd = new FusedSgd(1e-3); // a small rate: the weights barely move
const step = (): void => bareSgdStep(model, batch, zero, sgd); // train_epoch's bare step
for (let i = 0; i < 5; i++) step();
let majors = 0;
let majorMs = 0;
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
      majors++;
      majorMs += e.duration;
    }
  }
});
observer.observe({ entryTypes: ["gc"] });
// Count the tensor data made during the timed steps: every backend `write` (makeTensorInfo calls it).
const backend = tf.backend() as unknown as { write: (values: unknown, ...rest: unknown[]) => unknown };
const write = backend.write.bind(backend);
let tensorBytes = 0;
backend.write = (values, ...rest) => {
  if (ArrayBuffer.isView(values)) tensorBytes += values.byteLength;
  return write(values, ...rest);
};
const steps = 30;
const t0 = performance.now();
for (let i = 0; i < steps; i++) step();
const msPerStep = (performance.now() - t0) / steps;
await new Promise((resolve) => setTimeout(resolve, 50)); // let the last gc entries arrive
observer.disconnect();
console.log(JSON.stringify({
  corpus: corpus === null ? "none" : `ptb (${corpus.train.length} training sentences kept)`,
  engine: engine.description,
  steps,
  msPerStep: Number(msPerStep.toFixed(1)),
  heapUsedMb: Math.round(process.memoryUsage().heapUsed / 1e6),
  tensorMbPerStep: Number((tensorBytes / steps / 1e6).toFixed(1)),
  majorGcs: majors,
  majorGcPauseMsPerStep: Number((majorMs / steps).toFixed(2)),
}));
