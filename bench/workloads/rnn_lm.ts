/**
 * Benchmark workload: one training step of the PTB-small recurrent language model
 * (Zaremba, Sutskever & Vinyals 2014, "small" configuration, here with V = 10,000,
 * E = 200, two recurrent layers of H = 200, T = 20, B = 20), built from the library:
 *
 *   x      = gather(E_emb, ids)                       // [B, T, E]
 *   h¹     = lstmSequence(x,  W¹, b¹).outputs         // [B, T, H]   (or gruSequence)
 *   h²     = lstmSequence(h¹, W², b²).outputs         // [B, T, H]
 *   loss   = linearSoftmaxCrossEntropy(h², U, bHat, targets)   // []  full softmax:
 *          = softmaxCrossEntropy(h² U + b̂, targets)          //     one fused op with an engine
 *   step   = tf.variableGrads(loss) then Adam.applyGradients
 *
 * Random token ids (seeded): the speed does not depend on the text. Runs on one backend
 * per process (tfjs backends are process-wide) and prints one JSON line on stdout, which
 * bench/run.ts collects:
 *
 *   node --import tsx bench/workloads/rnn_lm.ts --backend wasm --cell lstm --steps 10 --reps 3
 *
 * Timing: `warmup` steps are run and discarded, then `reps` repetitions of `steps` steps;
 * each repetition gives a mean ms/step and the median over repetitions is quoted. The wasm
 * and cpu backends execute kernels synchronously, so wall-clock timers around the calls
 * measure the compute (a `dataSync()` of the loss closes each step anyway).
 */
import * as tf from "@tensorflow/tfjs";
import { Command, InvalidArgumentError, Option } from "commander";
import { initBackend, type BackendName } from "../../lib/src/backend/backend.js";
import { initEngine } from "../../lib/src/engine/engine.js";
import { FusedAdam } from "../../lib/src/optim/adam.js";
import { gruSequence, lstmSequence } from "../../lib/src/ops/sequence.js";
import { linearSoftmaxCrossEntropy } from "../../lib/src/ops/linear_softmax_cross_entropy.js";
import { recurrentUniform, uniformVariable } from "../../lib/src/rnn/init.js";
import { Linear } from "../../lib/src/models/common.js";
import { seededGenerator, setSeed } from "../../lib/src/random.js";

/** The recurrent cell of the language model. */
export type LmCell = "lstm" | "gru";

/** Sizes of the language model and of one batch. */
export interface LmSizes {
  /** Vocabulary size V. */
  V: number;
  /** Embedding size E. */
  E: number;
  /** Hidden units per layer H. */
  H: number;
  /** Recurrent layers L. */
  L: number;
  /** Steps per sequence T. */
  T: number;
  /** Sequences per batch B. */
  B: number;
}

/** PTB-small (Zaremba et al. 2014) with a 10k vocabulary. */
export const PTB_SMALL: LmSizes = { V: 10_000, E: 200, H: 200, L: 2, T: 20, B: 20 };

/** Tiny sizes for a smoke run (`--quick`). */
export const QUICK: LmSizes = { V: 500, E: 16, H: 16, L: 2, T: 8, B: 4 };

/**
 * Matmul FLOPs of one training step: forward (the input/recurrent projections of every
 * layer and the output layer, 2 FLOPs per multiply-add) times 3 (backward ≈ 2 × forward:
 * one matmul for the input gradient and one for the weight gradient per forward matmul).
 * Element-wise work, the gather and Adam are not counted: this is the matmul-bound limit.
 * @param s - the sizes.
 * @param cell - "lstm" (4 gate blocks) or "gru" (3).
 * @returns FLOPs per step.
 */
export function stepFlops(s: LmSizes, cell: LmCell): number {
  const gates = cell === "lstm" ? 4 : 3;
  let perToken = 0;
  for (let l = 0; l < s.L; l++) {
    const D = l === 0 ? s.E : s.H;
    perToken += 2 * (D + s.H) * gates * s.H; // [1, D+H] × [D+H, gates·H]
  }
  perToken += 2 * s.H * s.V; // [1, H] × [H, V]
  return 3 * s.B * s.T * perToken;
}

/** The result line a workload prints. */
export interface WorkloadResult {
  workload: string;
  backend: BackendName;
  backendDetail: string;
  /** The engine's description ("tfjs (reference ops, no engine)" without one). */
  engine: string;
  sizes: LmSizes;
  warmup: number;
  reps: number;
  steps: number;
  /** ms/step of each repetition (mean over its steps). */
  repMs: number[];
  /** Median of `repMs`. */
  msPerStep: number;
  /** B·T / step time. */
  tokensPerSec: number;
  /** Matmul FLOPs per step (see `stepFlops`). */
  flopsPerStep: number;
  /** Measured peak matmul GFLOP/s on this backend (square matMul of `peakSize`). */
  peakGflops: number;
  peakSize: number;
  /** flopsPerStep / (msPerStep · peak): fraction of the matmul-bound limit reached. */
  fractionOfMatmulLimit: number;
  /** Median split of a step: forward only, backward (= variableGrads − forward), Adam. */
  breakdownMs: { forward: number; backward: number; optimizer: number };
  finalLoss: number;
  /** process.resourceUsage().maxRSS in MB. */
  peakRssMb: number;
}

/** The median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Peak matmul throughput: median of a few [n, n] × [n, n] products (one warm-up).
 * @param n - the side of the square.
 * @returns GFLOP/s = 2n³ / time.
 */
export function peakMatmulGflops(n: number, reps = 3): number {
  const a = tf.randomUniform([n, n], -1, 1, "float32", 1); // [n, n]
  const b = tf.randomUniform([n, n], -1, 1, "float32", 2); // [n, n]
  const times: number[] = [];
  for (let r = 0; r <= reps; r++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b); // [n, n]
    c.dataSync();
    const dt = performance.now() - t0;
    c.dispose();
    if (r > 0) times.push(dt);
  }
  a.dispose();
  b.dispose();
  return (2 * n ** 3) / (median(times) / 1000) / 1e9;
}

/** What `timeTrainingSteps` measured. */
export interface StepTiming {
  /** ms/step of each repetition (mean over its steps). */
  repMs: number[];
  /** Median of `repMs`. */
  msPerStep: number;
  /** Median split: forward only (no tape), backward (= variableGrads − forward), optimizer. */
  breakdownMs: { forward: number; backward: number; optimizer: number };
  /** The loss of the last timed step. */
  finalLoss: number;
}

/**
 * The timing protocol of every training workload: `warmup` steps discarded, then `reps`
 * repetitions of `steps` steps (variableGrads + applyGradients + reading the loss); the
 * median of the per-repetition means is quoted. The forward alone is timed separately, tape
 * free, on min(5, reps·steps) batches, and subtracted from variableGrads for the backward.
 * @param loss - the loss of batch i (i counts up; the caller cycles through its batches).
 * @param variables - what the optimizer updates.
 * @param optimizer - the optimizer.
 * @param o - warmup, reps, steps.
 */
export function timeTrainingSteps(
  loss: (i: number) => tf.Scalar,
  variables: tf.Variable[],
  optimizer: tf.Optimizer,
  o: { warmup: number; reps: number; steps: number },
): StepTiming {
  let k = 0;
  const split = { forward: [] as number[], backward: [] as number[], optimizer: [] as number[] };
  let finalLoss = NaN;
  const step = (record: boolean): number => {
    const i = k++;
    const t0 = performance.now();
    const { value, grads } = tf.variableGrads(() => loss(i), variables);
    const t1 = performance.now();
    optimizer.applyGradients(grads as tf.NamedTensorMap as Record<string, tf.Variable>); // the update reads gradients only
    finalLoss = value.dataSync()[0];
    const t2 = performance.now();
    value.dispose();
    tf.dispose(grads);
    if (record) {
      split.optimizer.push(t2 - t1);
      split.backward.push(t1 - t0); // forward subtracted below
    }
    return t2 - t0;
  };
  for (let w = 0; w < o.warmup; w++) step(false);
  const repMs: number[] = [];
  for (let r = 0; r < o.reps; r++) {
    let total = 0;
    for (let i = 0; i < o.steps; i++) total += step(true);
    repMs.push(total / o.steps);
  }
  for (let i = 0; i < Math.min(5, o.reps * o.steps); i++) {
    const t0 = performance.now();
    tf.tidy(() => loss(i).dataSync());
    split.forward.push(performance.now() - t0);
  }
  const forward = median(split.forward);
  return {
    repMs,
    msPerStep: median(repMs),
    breakdownMs: { forward, backward: median(split.backward) - forward, optimizer: median(split.optimizer) },
    finalLoss,
  };
}

/** The model's variables and its loss on one batch. */
export function buildModel(s: LmSizes, cell: LmCell) {
  const gates = cell === "lstm" ? 4 : 3;
  const emb = uniformVariable([s.V, s.E], 0.1); // [V, E]
  const layers = Array.from({ length: s.L }, (_, l) => {
    const D = l === 0 ? s.E : s.H;
    return {
      W: recurrentUniform([s.H + D, gates * s.H], s.H) as tf.Variable<tf.Rank.R2>, // [H+D, gates·H]
      b: recurrentUniform([gates * s.H], s.H) as tf.Variable<tf.Rank.R1>, // [gates·H]
    };
  });
  const out = new Linear(s.H, s.V); // U [H, V], bHat [V]
  const variables: tf.Variable[] = [emb, ...layers.flatMap((w) => [w.W, w.b]), ...out.weights];
  const loss = (ids: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar => {
    let h = tf.gather(emb, ids) as tf.Tensor3D; // [B, T, E]
    for (const w of layers) {
      h = (cell === "lstm" ? lstmSequence(h, w) : gruSequence(h, w)).outputs; // [B, T, H]
    }
    return linearSoftmaxCrossEntropy(h, out.U, out.bHat, targets); // []
  };
  return { variables, loss, parts: { emb, layers, out } };
}

/** "wasm SIMD, 1 thread(s), tfjs 4.22.0": the backend as the result lines describe it. */
export function describeBackend(info: { name: string; simd?: boolean; threads?: number; tfjsVersion: string }): string {
  return `${info.name}${info.simd === undefined ? "" : info.simd ? " SIMD" : " no-SIMD"}, ${info.threads ?? "?"} thread(s), tfjs ${info.tfjsVersion}`;
}

/** Seeded random token ids. @returns int32 [B, T]. */
export function randomIds(s: LmSizes, rand: () => number): tf.Tensor2D {
  const data = Int32Array.from({ length: s.B * s.T }, () => Math.floor(rand() * s.V));
  return tf.tensor2d(data, [s.B, s.T], "int32"); // [B, T]
}

/** Options of `runLm`. */
export interface RunLmOptions {
  backend: BackendName;
  cell: LmCell;
  sizes: LmSizes;
  warmup: number;
  reps: number;
  steps: number;
  peakSize: number;
  seed: number;
}

/** Runs the workload in this process and returns its result. */
export async function runLm(o: RunLmOptions): Promise<WorkloadResult> {
  const info = await initBackend({ backend: o.backend, quiet: true });
  const engine = initEngine({ quiet: true }); // SEQLAB_ENGINE, set by bench/run.ts
  const detail = describeBackend(info);
  setSeed(o.seed);
  const rand = seededGenerator(o.seed);
  const s = o.sizes;
  const { variables, loss } = buildModel(s, o.cell);
  // With an engine, its fused Adam (the same update, optim/adam.ts); without, tfjs's.
  const adam: tf.Optimizer = engine.name === "tfjs" ? tf.train.adam(1e-3) : new FusedAdam({ learningRate: 1e-3 });
  const batches = Array.from({ length: 4 }, () => ({ ids: randomIds(s, rand), targets: randomIds(s, rand) }));
  const timed = timeTrainingSteps((i) => loss(batches[i % batches.length].ids, batches[i % batches.length].targets), variables, adam, o);
  const { repMs, msPerStep } = timed;
  const flopsPerStep = stepFlops(s, o.cell);
  const peakGflops = peakMatmulGflops(o.peakSize);
  return {
    workload: `${o.cell}_lm`,
    backend: info.name,
    backendDetail: detail,
    engine: engine.description,
    sizes: s,
    warmup: o.warmup,
    reps: o.reps,
    steps: o.steps,
    repMs,
    msPerStep,
    tokensPerSec: (s.B * s.T) / (msPerStep / 1000),
    flopsPerStep,
    peakGflops,
    peakSize: o.peakSize,
    fractionOfMatmulLimit: flopsPerStep / (msPerStep / 1000) / (peakGflops * 1e9),
    breakdownMs: timed.breakdownMs,
    finalLoss: timed.finalLoss,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

/**
 * Runs `main` when `file` is the program (`node --import tsx bench/workloads/x.ts`), not when
 * imported; an error is printed with its stack and exits 1.
 */
export function runIfMain(file: string, main: () => Promise<void>): void {
  if (process.argv[1] !== file) return;
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  });
}

/** Parses a count option (an integer ≥ 0) for commander. */
export function countOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got '${value}'`);
  return n;
}

async function main(): Promise<void> {
  const program = new Command("rnn_lm")
    .description("One backend, one cell: time PTB-small LM training steps and print one JSON line.")
    .addOption(new Option("--backend <name>", "tfjs backend").choices(["wasm", "cpu", "tensorflow", "seqlab"]).default("wasm"))
    .addOption(new Option("--cell <cell>", "recurrent cell").choices(["lstm", "gru"]).default("lstm"))
    .option("--warmup <n>", "warm-up steps, not timed", countOption, 2)
    .option("--reps <n>", "repetitions (median quoted)", countOption, 3)
    .option("--steps <n>", "steps per repetition", countOption, 5)
    .option("--peak-size <n>", "side of the square matMul for the peak GFLOP/s", countOption, 1024)
    .option("--seed <n>", "seed of the weights and token ids", countOption, 1234)
    .option("--quick", "tiny sizes for a smoke run", false);
  program.parse();
  const o = program.opts();
  const result = await runLm({
    backend: o.backend as BackendName,
    cell: o.cell as LmCell,
    sizes: o.quick ? QUICK : PTB_SMALL,
    warmup: o.warmup,
    reps: Math.max(1, o.reps),
    steps: Math.max(1, o.steps),
    peakSize: o.peakSize,
    seed: o.seed,
  });
  process.stdout.write(JSON.stringify(result) + "\n");
}

runIfMain(import.meta.filename, main);
