/**
 * train_epoch: the first `warmup + reps × steps` windows of a real PTB epoch through the
 * library's `trainLm` — what `seqlab train-lm` and notebook 04 run, not a bare step:
 *
 *   PTB train (SEQLAB_DATA) → Vocab (10,000 words + the specials) → encodeStream → trainLm with
 *   the PTB-small LSTM LM (E = H = 200, 2 layers), B = 20 streams, bptt k = 20, SGD lr 1 on the
 *   loss summed over the window's k steps, the gradient's global norm clipped at 5
 *   (Zaremba et al. 2014 small; the lr schedule's epoch 1), the state carried between windows.
 *
 * Timing: `onStep` stamps the wall clock after every step, so a step's time is everything
 * between two stamps (window slicing, tensor creation, forward, backward, the norm, the
 * update, the loss read back, disposal, GC). The `warmup` first steps are dropped, the rest cut
 * into `reps` blocks of `steps`; the median block mean is quoted. In the same process and on
 * the same model, `bareMsPerStep` times the bare step (one fixed window, zero state,
 * `tf.variableGrads` + `FusedSgd`, loss read back): the difference is trainLm's own cost.
 *
 *   SEQLAB_DATA=… node --import tsx bench/workloads/train_epoch.ts --backend seqlab --reps 3 --steps 100
 */
import * as tf from "@tensorflow/tfjs";
import { Command, Option } from "commander";
import { initBackend, type BackendName } from "../../lib/src/backend/backend.js";
import { initEngine } from "../../lib/src/engine/engine.js";
import { loadLmCorpus } from "../../lib/src/datasets/lm_corpus.js";
import { Vocab } from "../../lib/src/data/vocab.js";
import { lmBatchTensors, streamBatches } from "../../lib/src/data/lm_batches.js";
import { RnnLm, type LmTensorBatch } from "../../lib/src/lm/rnn_lm.js";
import type { CellState } from "../../lib/src/rnn/cell.js";
import { encodeStream, trainLm } from "../../lib/src/lm/train_lm.js";
import { FusedSgd } from "../../lib/src/optim/sgd.js";
import { setSeed } from "../../lib/src/random.js";
import { countOption, describeBackend, median, runIfMain, type WorkloadResult } from "./rnn_lm.js";

/** The result line of this workload: `lstm_lm`'s fields that apply, and the bare step. */
export interface TrainEpochResult extends Pick<WorkloadResult, "backend" | "backendDetail" | "engine" | "sizes" | "warmup" | "reps" | "steps" | "repMs" | "msPerStep" | "tokensPerSec" | "peakRssMb"> {
  workload: "train_epoch";
  /** The bare step in this process (median of `reps` blocks of 10). */
  bareMsPerStep: number;
  /** Mean training loss of the timed steps (both sides start from the same recipe). */
  meanLoss: number;
}

/**
 * The bare step: loss from the given states, gradients, the fused SGD update, the loss read back.
 * @param model - the LM.
 * @param batch - inputs and targets [B, T].
 * @param states - the initial states (kept).
 * @param sgd - the optimizer.
 */
export function bareSgdStep(model: RnnLm, batch: LmTensorBatch, states: CellState[], sgd: FusedSgd): void {
  const { value, grads } = tf.variableGrads(() => {
    const r = model.loss(batch, { initialStates: states });
    tf.dispose(r.finalStates as unknown as tf.TensorContainer);
    return r.loss;
  }, model.weights);
  value.dataSync();
  sgd.applyGradients(grads);
  tf.dispose([value, grads as tf.NamedTensorMap]);
}

async function main(): Promise<void> {
  const program = new Command("train_epoch")
    .description("A slice of a real PTB epoch through trainLm (SGD lr 1, clip 5, carried state); prints one JSON line.")
    .addOption(new Option("--backend <name>", "tfjs backend").choices(["wasm", "cpu", "tensorflow", "seqlab"]).default("seqlab"))
    .option("--warmup <n>", "first steps, not timed", countOption, 10)
    .option("--reps <n>", "blocks of timed steps (median quoted)", countOption, 3)
    .option("--steps <n>", "steps per block", countOption, 100)
    .option("--seed <n>", "seed of the weights", countOption, 1234)
    .option("--quick", "the first 2,000 sentences and a small model, for a smoke run", false);
  program.parse();
  const o = program.opts();
  const info = await initBackend({ backend: o.backend as BackendName, quiet: true });
  const engine = initEngine({ quiet: true });
  setSeed(o.seed);
  const corpus = await loadLmCorpus({ dataset: "ptb", maxTrain: o.quick ? 2000 : undefined });
  const vocab = Vocab.fromSentences(corpus.train, { unkAliases: [corpus.unk] });
  const train = encodeStream(vocab, corpus.train);
  const size = o.quick ? 32 : 200;
  const model = new RnnLm({ vocabSize: vocab.size, cell: "lstm", embeddingSize: size, hiddenSize: size, layers: 2 });
  const B = o.quick ? 4 : 20, k = 20;
  const total = o.warmup + o.reps * o.steps;
  if (streamBatches(train, { batchSize: B, bptt: k }).numWindows < total) throw new Error(`train_epoch: the epoch has fewer than ${total} windows`);

  // trainLm, one epoch cut after `total` steps; a stamp after every step.
  const stamps: number[] = [];
  const losses: number[] = [];
  const start = performance.now();
  trainLm(model, train, { epochs: 1, batchSize: B, bptt: k, optimizer: "sgd", learningRate: 1, clip: 5, maxSteps: total, onStep: ({ loss }) => {
    stamps.push(performance.now());
    losses.push(loss);
  } });
  const stepMs = stamps.map((t, i) => t - (i === 0 ? start : stamps[i - 1]));
  const timed = stepMs.slice(o.warmup);
  const repMs = Array.from({ length: o.reps }, (_, r) => timed.slice(r * o.steps, (r + 1) * o.steps).reduce((a, b) => a + b, 0) / o.steps);
  const msPerStep = median(repMs);

  // The bare step on the same model: one window, zero state, gradients and the fused SGD update.
  const window = streamBatches(train, { batchSize: B, bptt: k }).window(0);
  const batch = lmBatchTensors(window);
  const zero = model.zeroStates(B);
  const sgd = new FusedSgd(1e-3); // a small rate: the model stays trained as it was
  const bareStep = (): void => bareSgdStep(model, batch, zero, sgd);
  for (let i = 0; i < 3; i++) bareStep();
  const bareReps: number[] = [];
  for (let r = 0; r < o.reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) bareStep();
    bareReps.push((performance.now() - t0) / 10);
  }
  tf.dispose([batch as unknown as tf.TensorContainer, zero as unknown as tf.TensorContainer]);

  const result: TrainEpochResult = {
    workload: "train_epoch",
    backend: info.name as BackendName,
    backendDetail: describeBackend(info),
    engine: engine.description,
    sizes: { V: vocab.size, E: size, H: size, L: 2, T: k, B },
    warmup: o.warmup,
    reps: o.reps,
    steps: o.steps,
    repMs,
    msPerStep,
    tokensPerSec: (B * k) / (msPerStep / 1000),
    bareMsPerStep: median(bareReps),
    meanLoss: losses.slice(o.warmup).reduce((a, b) => a + b, 0) / (losses.length - o.warmup),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(result) + "\n");
}

runIfMain(import.meta.filename, main);
