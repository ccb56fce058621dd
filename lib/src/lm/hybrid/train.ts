/**
 * Training the hybrid word/character LM (lm/hybrid/model.ts) with truncated BPTT, as
 * lm/train_lm.ts's steps 1–2:
 *
 * 1. The windows of `HybridBatches` (lm/hybrid/batches.ts) in order, each starting from the
 *    previous window's final state, detached: the state carried across the whole epoch. The
 *    batches draw which in-vocabulary words are spelled ("treated as new", probability p).
 * 2. One step per window: the mean cross-entropy over the window's real positions, gradients
 *    of all weights (word and character parts), clipping by global norm (`clip`, 5), update
 *    (Adam by default, or SGD).
 * 3. After each epoch: the training perplexity exp(mean loss over the epoch's steps).
 */
import * as tf from "@tensorflow/tfjs";
import { detachState } from "../../data/lm_batches.js";
import { ArgumentError } from "../../errors.js";
import { clipByGlobalNorm } from "../../optim/clip.js";
import type { CellState } from "../../rnn/cell.js";
import { hybridBatchTensors, type HybridBatches } from "./batches.js";
import type { HybridLm } from "./model.js";
import { adamOptimizer } from "../../optim/adam.js";

/** Options of `trainHybridLm`. */
export interface TrainHybridOptions {
  /** Epochs. Default: 1. */
  epochs?: number;
  /** "adam" (default) or "sgd". */
  optimizer?: "adam" | "sgd";
  /** Default: 1e-3 for Adam, 1 for SGD. */
  learningRate?: number;
  /** Clip the gradients' global norm to this. Default: 5. */
  clip?: number;
  /** Called after every epoch with its number (from 1) and exp(mean training loss). */
  onEpoch?: (epoch: number, trainPerplexity: number) => void;
}

/**
 * Truncated-BPTT training over the windows of `batches` (as lm/train_lm.ts's steps 1–2: the
 * state carried across windows, detached; clipping; one update per window).
 * @param model - the hybrid LM.
 * @param batches - the training windows (with replaceProb p for "treated as new").
 * @param options - epochs (1), optimizer ("adam"), learningRate, clip (5), onEpoch.
 * @returns the training perplexity of each epoch.
 */
export function trainHybridLm(model: HybridLm, batches: HybridBatches, options: TrainHybridOptions = {}): number[] {
  const epochs = options.epochs ?? 1;
  const clip = options.clip ?? 5;
  if (!Number.isInteger(epochs) || epochs < 1) throw new ArgumentError(`trainHybridLm: expected epochs an integer ≥ 1, got ${epochs}`);
  const kind = options.optimizer ?? "adam";
  const lr = options.learningRate ?? (kind === "adam" ? 1e-3 : 1);
  if (!(lr > 0)) throw new ArgumentError(`trainHybridLm: expected learningRate > 0, got ${lr}`);
  if (!(clip > 0)) throw new ArgumentError(`trainHybridLm: expected clip > 0, got ${clip}`);
  const optimizer: tf.Optimizer = kind === "adam" ? adamOptimizer(lr) : tf.train.sgd(lr); // FusedAdam with an engine (optim/adam.ts)
  const weights = model.weights;
  const out: number[] = [];
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      let state = model.zeroStates(batches.windowsOf.batchSize);
      let sum = 0;
      let steps = 0;
      for (const window of batches.windows()) {
        const batch = hybridBatchTensors(window);
        let finalStates: CellState[] = [];
        const { value, grads } = tf.variableGrads(() => {
          const r = model.loss(batch, state);
          finalStates = r.finalStates.map((s) => s.map((t) => tf.keep(t)));
          return r.loss;
        }, weights);
        sum += value.dataSync()[0];
        steps++;
        const clipped = clipByGlobalNorm(grads, clip);
        optimizer.applyGradients(clipped.grads);
        const next = finalStates.map((s) => detachState(s));
        tf.dispose([value, grads as tf.NamedTensorMap, clipped.grads as tf.NamedTensorMap, batch as unknown as tf.TensorContainer]);
        tf.dispose([state as unknown as tf.TensorContainer, finalStates as unknown as tf.TensorContainer]);
        state = next;
      }
      tf.dispose(state as unknown as tf.TensorContainer);
      out.push(Math.exp(sum / steps));
      options.onEpoch?.(epoch, out[out.length - 1]);
    }
  } finally {
    optimizer.dispose();
  }
  return out;
}
