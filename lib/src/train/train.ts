/**
 * The training loop of the course: minibatch gradient descent with optional clipping.
 *
 * At each step s = 0, 1, …, steps−1:
 *   1. batch = nextBatch(s);
 *   2. L, g = value and gradient of model.loss(batch) w.r.t. model.weights (tf.variableGrads);
 *   3. record L and ‖g‖ = sqrt(Σ_p ‖g_p‖²), BEFORE clipping;
 *   4. clip: first each entry to [−value, value] if `clip.value`, then the whole gradient
 *      to norm ≤ θ if `clip.globalNorm` (g ← g·θ/‖g‖ when ‖g‖ > θ; Pascanu, Mikolov &
 *      Bengio 2013, "On the difficulty of training recurrent neural networks");
 *   5. optimizer.applyGradients(g) (Adam: Kingma & Ba 2015, the engine's `FusedAdam` when an
 *      engine is active — the same update as tf.train.adam in one pass per weight, without
 *      tf.train.adam's per-weight ops and their garbage — else tf.train.adam; or plain SGD);
 *   6. dispose the batch, the loss and the gradients — the loop leaks no tensor;
 *   7. every `evalEvery` steps and after the last one, call `evaluate`.
 *
 * The loop itself draws no random numbers: with the same seed for the model's weights
 * (`setSeed`) and for `nextBatch`, two runs give the same history on the same backend.
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import type { Trainable } from "../models/common.js";
import { adamOptimizer } from "../optim/adam.js";
import { clipByGlobalNorm, clipByValue, globalNorm } from "../optim/clip.js";

/** Clipping of the gradient before each update. */
export interface ClipOptions {
  /** θ > 0: rescale g to norm θ when ‖g‖ > θ. Default: no norm clipping. */
  globalNorm?: number;
  /** c > 0: clip each entry to [−c, c] (applied before norm clipping). Default: no value clipping. */
  value?: number;
}

/** Options of `train`. */
export interface TrainOptions {
  /** Number of updates, ≥ 1. */
  steps: number;
  /** "adam", "sgd", or a `tf.Optimizer` (which `train` does not dispose). Default: "adam". */
  optimizer?: "adam" | "sgd" | tf.Optimizer;
  /** Step size for "adam" / "sgd"; not allowed with a `tf.Optimizer`. Default: 0.01 (adam), 0.1 (sgd). */
  learningRate?: number;
  /** Gradient clipping. Default: none. */
  clip?: ClipOptions;
  /** Call `evaluate` every this many steps (and after the last step). Default: 100. */
  evalEvery?: number;
  /** Measures the model, e.g. accuracy on a held-out batch. Default: none (no evaluations). */
  evaluate?: (step: number) => Record<string, number>;
  /** Called after each step with its record, e.g. to print or plot progress. Default: none. */
  onStep?: (record: StepRecord) => void;
}

/** What one step recorded. */
export interface StepRecord {
  /** The step index s (0-based). */
  step: number;
  /** L on this step's batch (before the update). */
  loss: number;
  /** ‖g‖ before clipping. */
  gradNorm: number;
  /** Whether norm clipping rescaled the gradient. */
  clipped: boolean;
  /** Wall time of the step, milliseconds. */
  ms: number;
}

/** One evaluation: the step after which it ran, and `evaluate`'s metrics. */
export interface EvalRecord {
  step: number;
  metrics: Record<string, number>;
}

/** What `train` returns. */
export interface TrainHistory {
  /** One record per step. */
  steps: StepRecord[];
  /** [steps] the losses, for plotting. */
  losses: number[];
  /** [steps] the gradient norms before clipping. */
  gradNorms: number[];
  /** The evaluations, in order. */
  evals: EvalRecord[];
  /** Wall time of the whole run, milliseconds. */
  totalMs: number;
}

/**
 * Trains `model` (see the file comment for the step).
 * @param model - weights and `loss(batch)`.
 * @param nextBatch - the batch for step s; `train` disposes its tensors after the step.
 * @param options - steps, optimizer, learningRate, clip, evalEvery, evaluate, onStep.
 * @returns the history: per-step loss, gradient norm, clipping and time; evaluations.
 */
export function train<Batch extends object>(
  model: Trainable<Batch>,
  nextBatch: (step: number) => Batch,
  options: TrainOptions,
): TrainHistory {
  const { steps } = options;
  if (!Number.isInteger(steps) || steps < 1) throw new ArgumentError(`train: expected steps an integer ≥ 1, got ${steps}`);
  const evalEvery = options.evalEvery ?? 100;
  if (!Number.isInteger(evalEvery) || evalEvery < 1) {
    throw new ArgumentError(`train: expected evalEvery an integer ≥ 1, got ${evalEvery}`);
  }
  const clip = options.clip ?? {};
  for (const key of ["globalNorm", "value"] as const) {
    const v = clip[key];
    if (v !== undefined && !(v > 0 && Number.isFinite(v))) {
      throw new ArgumentError(`train: expected clip.${key} a finite number > 0, got ${v}`);
    }
  }
  const { optimizer, owned } = makeOptimizer(options.optimizer ?? "adam", options.learningRate);
  const weights = model.weights;
  const history: TrainHistory = { steps: [], losses: [], gradNorms: [], evals: [], totalMs: 0 };
  const start = performance.now();
  try {
    for (let step = 0; step < steps; step++) {
      const t0 = performance.now();
      const batch = nextBatch(step);
      const { value, grads } = tf.variableGrads(() => model.loss(batch), weights);
      tf.dispose(batch as tf.TensorContainer); // every tensor among its fields
      const loss = value.dataSync()[0];
      value.dispose();
      const gradNorm = globalNorm(grads);
      let g = grads;
      if (clip.value !== undefined) g = replace(g, clipByValue(g, clip.value));
      let clipped = false;
      if (clip.globalNorm !== undefined) {
        const result = clipByGlobalNorm(g, clip.globalNorm);
        g = replace(g, result.grads);
        clipped = result.clipped;
      }
      optimizer.applyGradients(g);
      tf.dispose(g);
      const record: StepRecord = { step, loss, gradNorm, clipped, ms: performance.now() - t0 };
      history.steps.push(record);
      history.losses.push(loss);
      history.gradNorms.push(gradNorm);
      options.onStep?.(record);
      if (options.evaluate !== undefined && ((step + 1) % evalEvery === 0 || step === steps - 1)) {
        history.evals.push({ step, metrics: options.evaluate(step) });
      }
    }
  } finally {
    if (owned) optimizer.dispose();
  }
  history.totalMs = performance.now() - start;
  return history;
}

/** Disposes `old` and returns `next` (the clip functions return new tensors). */
function replace(old: tf.NamedTensorMap, next: tf.NamedTensorMap): tf.NamedTensorMap {
  tf.dispose(old);
  return next;
}

/** The optimizer to use, and whether `train` created it (and must dispose it). */
function makeOptimizer(
  choice: "adam" | "sgd" | tf.Optimizer,
  learningRate: number | undefined,
): { optimizer: tf.Optimizer; owned: boolean } {
  if (learningRate !== undefined && !(learningRate > 0 && Number.isFinite(learningRate))) {
    throw new ArgumentError(`train: expected learningRate a finite number > 0, got ${learningRate}`);
  }
  if (typeof choice !== "string") {
    if (learningRate !== undefined) {
      throw new ArgumentError(`train: expected no learningRate with a tf.Optimizer (it has its own), got ${learningRate}`);
    }
    return { optimizer: choice, owned: false };
  }
  if (choice === "adam") {
    const lr = learningRate ?? 0.01;
    return { optimizer: adamOptimizer(lr), owned: true };
  }
  if (choice === "sgd") return { optimizer: tf.train.sgd(learningRate ?? 0.1), owned: true };
  throw new ArgumentError(`train: expected optimizer "adam", "sgd" or a tf.Optimizer, got ${JSON.stringify(choice)}`);
}
