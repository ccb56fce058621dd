/**
 * The clipping experiment of notebook `02-gradients`: a vanilla RNN on the adding problem,
 * trained by SGD with and without gradient clipping, the threshold chosen by the lecture's
 * rule (Pascanu, Mikolov & Bengio 2013, §3.2).
 *
 * 1. Calibrate: train `runs` networks WITHOUT clipping at a learning rate where plain SGD is
 *    stable, record every gradient norm, and set θ = their mean (`clippingThreshold`).
 * 2. Train at a larger learning rate, once without clipping and once with the global norm
 *    clipped at θ, from the same initial weights and batches (seed r for run r).
 */
import { addingProblem } from "../data/tasks.js";
import { SequenceClassifier } from "../models/many_to_one.js";
import { setSeed } from "../random.js";
import { clippingThreshold } from "../optim/clip.js";
import { train, type TrainHistory } from "../train/train.js";

/** Options of {@link clippingExperiment}. */
export interface ClippingExperimentOptions {
  /** T of the adding problem. Default: 20. */
  length?: number;
  /** H of the tanh RNN. Default: 32. */
  hidden?: number;
  /** SGD steps per run. Default: 300. */
  steps?: number;
  /** Runs (seeds 1..runs) per setting. Default: 3. */
  runs?: number;
  /** Batch size B. Default: 32. */
  batchSize?: number;
  /** The stable learning rate of the calibration runs. Default: 0.1. */
  calibrationLearningRate?: number;
  /** The learning rate compared with and without clipping. Default: 0.3. */
  learningRate?: number;
}

/** What the experiment measured. */
export interface ClippingExperiment {
  /** θ: the mean gradient norm of the calibration runs. */
  threshold: number;
  /** The calibration runs (no clipping, stable learning rate). */
  calibration: TrainHistory[];
  /** At `learningRate`, without clipping. */
  unclipped: TrainHistory[];
  /** At `learningRate`, clipped at θ. */
  clipped: TrainHistory[];
}

/** Runs the experiment (see the file comment). Deterministic for the same options and backend. */
export function clippingExperiment(options: ClippingExperimentOptions = {}): ClippingExperiment {
  const task = addingProblem({ length: options.length ?? 20 });
  const hidden = options.hidden ?? 32;
  const runs = Array.from({ length: options.runs ?? 3 }, (_, r) => r + 1);
  const batchSize = options.batchSize ?? 32;
  const steps = options.steps ?? 300;
  const fit = (seed: number, learningRate: number, globalNorm?: number): TrainHistory => {
    setSeed(seed); // the same initial weights for every setting of run `seed`
    const model = new SequenceClassifier({
      encoder: { kind: "rnn", inputSize: task.inputSize, hiddenSize: hidden },
      outputSize: 1,
      objective: "regression",
    });
    try {
      return train(model, (s) => task.batch(batchSize, seed * 1_000_003 + s), {
        steps,
        optimizer: "sgd",
        learningRate,
        clip: globalNorm === undefined ? undefined : { globalNorm },
      });
    } finally {
      model.weights.forEach((w) => w.dispose());
    }
  };
  const calibration = runs.map((seed) => fit(seed, options.calibrationLearningRate ?? 0.1));
  const threshold = clippingThreshold(calibration.flatMap((h) => h.gradNorms));
  const lr = options.learningRate ?? 0.3;
  return {
    threshold,
    calibration,
    unclipped: runs.map((seed) => fit(seed, lr)),
    clipped: runs.map((seed) => fit(seed, lr, threshold)),
  };
}

/** The mean loss over the last tenth of the steps (NaN if any of them is not finite). */
export function finalLoss(history: TrainHistory): number {
  const n = Math.max(1, Math.ceil(history.losses.length / 10));
  const tail = history.losses.slice(-n);
  return tail.every(Number.isFinite) ? tail.reduce((a, b) => a + b, 0) / n : NaN;
}

/** The first step whose loss is not finite, or undefined when training never diverged. */
export function divergedAt(history: TrainHistory): number | undefined {
  const i = history.losses.findIndex((l) => !Number.isFinite(l));
  return i < 0 ? undefined : i;
}
