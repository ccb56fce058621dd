/**
 * Training and evaluating a recurrent LM on a token stream, as Zaremba, Sutskever & Vinyals
 * (2014) did on PTB (their "small" configuration is the default here):
 *
 * 1. The training stream is cut into B parallel streams and windows of k = `bptt` tokens
 *    (data/lm_batches.ts). Each window starts from the previous window's final state,
 *    detached: truncated BPTT over k steps, the state carried across the whole epoch.
 * 2. One step per window: loss (cross-entropy over the window's targets, or only the last
 *    one in "one-output" mode; with SGD summed over the k steps and averaged over the B rows,
 *    as Zaremba et al., `sumOverTime`), gradients, clipping by global norm (`clip`, 5), update
 *    (SGD by default, lr 1: `FusedSgd`, optim/sgd.ts, with the clipping folded into its step;
 *    Adam: the engine's `FusedAdam` when an engine is active, else tf.train.adam).
 * 3. Learning rate: lr_e = lr · decay^max(0, e − decayAfter) for epoch e = 1, 2, …
 *    (Zaremba small: lr 1, decay 0.5 after epoch 4, 13 epochs).
 * 4. After each epoch: perplexity on the validation stream (if given) and `onEpoch` (where
 *    callers save a checkpoint, lm/checkpoint.ts).
 * 5. No training on NaN: a step whose loss or gradient global norm (computed for clipping
 *    anyway) is not finite is not applied and stops training with `TrainingDivergedError`,
 *    naming the epoch, the step and the value; so do non-finite weights at an epoch's end
 *    (checked before `onEpoch`), so a checkpoint never holds a diverged model.
 *
 * Evaluation (`evaluateLm`) runs the same windows without updates and returns
 * ln p(target) for every token of the stream, in stream order: the perplexity is
 * exp(−mean ln p) over them (lm/perplexity.ts has the convention), and the per-token values
 * are what interpolation with an n-gram model needs (lm/interpolate.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { streamBatches, detachState, lmBatchTensors } from "../data/lm_batches.js";
import { EOS_ID, type Vocab } from "../data/vocab.js";
import { WordDropout } from "../data/unk.js";
import { ArgumentError, SeqlabError } from "../errors.js";
import { adamOptimizer } from "../optim/adam.js";
import { clipByGlobalNorm, globalNorm } from "../optim/clip.js";
import { FusedSgd } from "../optim/sgd.js";
import type { CellState } from "../rnn/cell.js";
import { rnnLmWeightShapes } from "./checkpoint.js";
import type { PerplexityReport } from "./perplexity.js";
import type { LmLossMode, RnnLm } from "./rnn_lm.js";

/** Options of `trainLm` (defaults: Zaremba et al. 2014, small). */
export interface TrainLmOptions {
  /** Epochs in total: training runs epochs startEpoch … epochs. Default: 13. */
  epochs?: number;
  /** The first epoch to run (from 1; > 1 resumes a run, which sets the learning rate of that epoch). Default: 1. */
  startEpoch?: number;
  /** B, parallel streams. Default: 20. */
  batchSize?: number;
  /** k, BPTT window. Default: 20. */
  bptt?: number;
  /**
   * "sgd" (default) or "adam", or any tf.Optimizer (then lr/decay are ignored). For "sgd" and
   * "adam" a new optimizer is made at every epoch with that epoch's rate, so Adam's moments
   * restart each epoch — which also makes a run resumed at `startEpoch` identical to an
   * uninterrupted one.
   */
  optimizer?: "sgd" | "adam" | tf.Optimizer;
  /** Initial learning rate. Default: 1 for SGD, 1e-3 for Adam. */
  learningRate?: number;
  /**
   * Differentiate the window's loss summed over its k time steps (and averaged over the B
   * rows) instead of the mean over all B·k targets — the loss Zaremba et al.'s lr 1 and clip 5
   * refer to (their code: `reduce_sum(loss) / batch_size`). The gradient is k times the mean's.
   * Reported perplexities always use the mean. Default: true for "sgd", false otherwise.
   */
  sumOverTime?: boolean;
  /** Learning-rate decay per epoch after `decayAfter`. Default: 0.5 for SGD, 1 (none) for Adam. */
  decay?: number;
  /** Epochs at the initial rate. Default: 4. */
  decayAfter?: number;
  /** Clip the gradients' global norm to this. Default: 5. */
  clip?: number;
  /** Which positions count. Default: "k-outputs". */
  mode?: LmLossMode;
  /**
   * Word dropout, the lecture's second <UNK> strategy: every epoch each token of the training
   * stream is replaced by <UNK> with this probability (data/unk.ts), as an input and as a
   * target alike, so the model learns both to read <UNK> and to predict it. Default: 0.
   */
  wordDropout?: number;
  /** The <UNK> id for word dropout. Default: 1 (data/vocab.ts). */
  unkId?: number;
  /** Ids word dropout never replaces. Default: data/unk.ts's default (the special tokens). */
  keepIds?: number[];
  /** Validation stream, evaluated after each epoch. */
  valid?: Int32Array;
  /** Called after every step with the epoch (from 1), step in the epoch, steps per epoch and the loss. */
  onStep?: (info: { epoch: number; step: number; steps: number; loss: number }) => void;
  /** Also evaluate the validation stream every this many steps (counted over the whole run), reported to `onEval`. Default: never. */
  evalEvery?: number;
  /** Called with the step (over the whole run, from 1) and the validation perplexity, every `evalEvery` steps. */
  onEval?: (step: number, validPerplexity: number) => void;
  /** Called after every epoch. */
  onEpoch?: (record: EpochRecord) => void;
  /** Stop after this many steps in total (for quick runs). Default: no limit. */
  maxSteps?: number;
  /** Seed of word dropout. Default: 0. */
  seed?: number;
}

/** What one epoch did. */
export interface EpochRecord {
  /** From 1. */
  epoch: number;
  learningRate: number;
  /** exp(mean training loss over the epoch's steps). */
  trainPerplexity: number;
  /** Validation perplexity, if a validation stream was given. */
  validPerplexity?: number;
  steps: number;
  /** Wall time of the epoch (with validation). */
  seconds: number;
  /** Tokens per second of the training steps. */
  tokensPerSecond: number;
}

/** The result of `evaluateLm`. */
export interface LmEvaluation {
  /** exp(−Σ ln p / N). */
  perplexity: number;
  /** N, the tokens predicted (all but the stream's first). */
  tokens: number;
  /** [N] ln p of each predicted token, in stream order (token j+1 given tokens ≤ j). */
  logProbs: Float64Array;
}

/**
 * Training stopped because a step's loss or gradient norm, or the weights after an epoch,
 * were not finite (NaN or ±Infinity). Nothing of the diverged step was applied, and
 * `onEpoch` (hence any checkpoint) was not called for the epoch it happened in.
 */
export class TrainingDivergedError extends SeqlabError {
  /**
   * @param message - the message (it names the epoch, the step and the value).
   * @param epoch - the epoch (from 1).
   * @param step - the step in the epoch (from 1).
   * @param value - the value that is not finite: the loss, else the gradient norm, else the weight.
   */
  constructor(message: string, readonly epoch: number, readonly step: number, readonly value: number) {
    super(message);
  }
}

/** What `trainLmSteps` yields after each step. */
export interface TrainLmProgress {
  /** From 1. */
  epoch: number;
  /** The step in the epoch, from 1. */
  step: number;
  /** Whether this was the epoch's last step (its record is in `onEpoch`'s call, made before). */
  endOfEpoch: boolean;
}

/**
 * Trains `model` on a token stream (steps 1–4 of the file comment).
 * @param model - the LM.
 * @param train - [N] the training stream (sentences joined, each ended by <EOS>).
 * @param options - see `TrainLmOptions`.
 * @returns one record per epoch.
 * @throws TrainingDivergedError if a loss or gradient norm is not finite (the step is not applied).
 */
export function trainLm(model: RnnLm, train: Int32Array, options: TrainLmOptions = {}): EpochRecord[] {
  const steps = trainLmSteps(model, train, options);
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}

/**
 * `trainLm` one step at a time: yields after every step (after `onEpoch` at an epoch's end)
 * and returns the records. A caller that awaits between steps keeps its event loop running
 * (signals, a UI); stopping early (`return()`) abandons training between two steps, with
 * nothing half applied.
 * @param model - the LM.
 * @param train - [N] the training stream.
 * @param options - see `TrainLmOptions`.
 */
export function* trainLmSteps(model: RnnLm, train: Int32Array, options: TrainLmOptions = {}): Generator<TrainLmProgress, EpochRecord[], void> {
  const epochs = options.epochs ?? 13;
  const B = options.batchSize ?? 20;
  const k = options.bptt ?? 20;
  const clip = options.clip ?? 5;
  const decay = options.decay ?? (options.optimizer === "adam" ? 1 : 0.5);
  const decayAfter = options.decayAfter ?? 4;
  for (const [name, v] of Object.entries({ epochs, batchSize: B, bptt: k })) {
    if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`trainLm: expected ${name} an integer ≥ 1, got ${v}`);
  }
  if (!(clip > 0)) throw new ArgumentError(`trainLm: expected clip > 0, got ${clip}`);
  const choice = options.optimizer ?? "sgd";
  const lr0 = options.learningRate ?? (choice === "adam" ? 1e-3 : 1);
  if (!(lr0 > 0)) throw new ArgumentError(`trainLm: expected learningRate > 0, got ${lr0}`);
  const owned = typeof choice === "string";
  const lossScale = (options.sumOverTime ?? choice === "sgd") && options.mode !== "one-output" ? k : 1; // sum over the k steps
  const dropout = (options.wordDropout ?? 0) > 0 ? new WordDropout({ p: options.wordDropout!, seed: options.seed ?? 0, unkId: options.unkId, keep: options.keepIds }) : null;
  let batches = streamBatches(train, { batchSize: B, bptt: k });
  const weights = model.weights;
  const records: EpochRecord[] = [];
  let total = 0;
  let optimizer: tf.Optimizer | null = owned ? null : (choice as tf.Optimizer);
  let state: CellState[] = [];
  try {
    const first = options.startEpoch ?? 1;
    if (!Number.isInteger(first) || first < 1) throw new ArgumentError(`trainLm: expected startEpoch an integer ≥ 1, got ${first}`);
    dropout?.skip((first - 1) * train.length); // a resumed run draws what the earlier epochs would have drawn
    for (let epoch = first; epoch <= epochs; epoch++) {
      const lr = lr0 * decay ** Math.max(0, epoch - decayAfter);
      if (owned) {
        optimizer?.dispose();
        // Adam: the engine's fused Adam when an engine is active (the same update, optim/adam.ts).
        optimizer = choice === "adam" ? adamOptimizer(lr) : new FusedSgd(lr);
      }
      const t0 = performance.now();
      if (dropout !== null) batches = streamBatches(dropout.apply(train), { batchSize: B, bptt: k }); // fresh replacements each epoch
      state = model.zeroStates(B);
      let lossSum = 0;
      let steps = 0;
      let stepMs = 0;
      for (const window of batches.windows()) {
        if (options.maxSteps !== undefined && total >= options.maxSteps) break;
        const s0 = performance.now();
        const batch = lmBatchTensors(window);
        let finalStates: CellState[] = [];
        const { value, grads } = tf.variableGrads(() => {
          const r = model.loss(batch, { initialStates: state, mode: options.mode });
          finalStates = r.finalStates.map((s) => s.map((t) => tf.keep(t)));
          return lossScale === 1 ? r.loss : tf.mul(r.loss, lossScale);
        }, weights);
        const loss = value.dataSync()[0] / lossScale; // the mean over the window's targets
        // Not `instanceof`: tf.Optimizer's Symbol.hasInstance accepts any optimizer.
        const fused = FusedSgd.prototype.isPrototypeOf(optimizer!);
        // ‖g‖, needed for clipping anyway, doubles as the divergence check (no extra pass).
        const clipped = fused ? null : clipByGlobalNorm(grads, clip);
        const norm = clipped === null ? globalNorm(grads) : clipped.norm;
        const diverged = !Number.isFinite(loss) || !Number.isFinite(norm);
        if (!diverged && clipped === null) {
          const sgd = optimizer as FusedSgd;
          // Clipping folded into the SGD step (optim/sgd.ts): g · θ/‖g‖ when ‖g‖ > θ.
          sgd.scale = norm > clip ? clip / norm : 1;
          sgd.applyGradients(grads);
        } else if (!diverged) {
          optimizer!.applyGradients(clipped!.grads);
        }
        if (clipped !== null) tf.dispose(clipped.grads as tf.NamedTensorMap);
        tf.dispose([value, grads as tf.NamedTensorMap, batch as unknown as tf.TensorContainer]);
        const next = finalStates.map((s) => detachState(s));
        tf.dispose([state as unknown as tf.TensorContainer, finalStates as unknown as tf.TensorContainer]);
        state = next;
        if (diverged) {
          throw new TrainingDivergedError(
            `trainLm: expected a finite loss and gradient norm, got loss ${loss} and gradient norm ${norm} at epoch ${epoch}, step ${steps + 1}; ` +
              "the step was not applied (lower the learning rate or clip harder)",
            epoch,
            steps + 1,
            Number.isFinite(loss) ? norm : loss,
          );
        }
        lossSum += loss;
        steps++;
        total++;
        stepMs += performance.now() - s0;
        options.onStep?.({ epoch, step: steps, steps: batches.numWindows, loss });
        if (options.evalEvery !== undefined && options.valid !== undefined && total % options.evalEvery === 0) {
          options.onEval?.(total, evaluateLm(model, options.valid, { batchSize: B, bptt: k }).perplexity);
        }
        if (steps < batches.numWindows) yield { epoch, step: steps, endOfEpoch: false };
      }
      tf.dispose(state as unknown as tf.TensorContainer);
      state = [];
      if (steps === 0) break;
      // A finite gradient times the learning rate can still overflow a weight: check them once per epoch.
      weights.forEach((w, i) => {
        const values = w.dataSync() as Float32Array;
        const bad = values.findIndex((x) => !Number.isFinite(x));
        if (bad >= 0) {
          const name = rnnLmWeightShapes(model.config)[i]?.name ?? `weight ${i}`;
          throw new TrainingDivergedError(`trainLm: expected finite weights after epoch ${epoch}, step ${steps}, got ${values[bad]} in ${name} at index ${bad} (lower the learning rate or clip harder)`, epoch, steps, values[bad]);
        }
      });
      const record: EpochRecord = {
        epoch,
        learningRate: lr,
        trainPerplexity: Math.exp(lossSum / steps),
        steps,
        seconds: 0,
        tokensPerSecond: (steps * B * k) / (stepMs / 1000),
      };
      if (options.valid !== undefined) record.validPerplexity = evaluateLm(model, options.valid, { batchSize: B, bptt: k }).perplexity;
      record.seconds = (performance.now() - t0) / 1000;
      records.push(record);
      options.onEpoch?.(record);
      yield { epoch, step: steps, endOfEpoch: true };
    }
  } finally {
    tf.dispose(state as unknown as tf.TensorContainer);
    if (owned) optimizer?.dispose();
  }
  return records;
}

/** Options of `evaluateLm`. */
export interface EvaluateLmOptions {
  /** B. Default: 20. */
  batchSize?: number;
  /** k. Default: 20. */
  bptt?: number;
}

/**
 * ln p of every token of a stream given all the tokens before it (state carried across
 * windows), and the perplexity.
 * @param model - the LM.
 * @param ids - [N] the stream, N ≥ 2; token 0 is context only.
 * @param options - batchSize, bptt (the result does not depend on them beyond float rounding).
 * @returns perplexity, N − 1 and the per-token ln p in stream order.
 */
export function evaluateLm(model: RnnLm, ids: Int32Array, options: EvaluateLmOptions = {}): LmEvaluation {
  const batches = streamBatches(ids, { batchSize: options.batchSize ?? 20, bptt: options.bptt ?? 20 });
  const { batchSize: B, bptt: k, streamLength: S, numTargets: M } = batches;
  const logProbs = new Float64Array(M);
  let state: CellState[] = model.zeroStates(B);
  for (const window of batches.windows()) {
    const batch = lmBatchTensors(window);
    const r = model.logProbs(batch, state);
    const values = r.logProbs.dataSync(); // [B, k]
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < k; t++) {
        const j = b * S + window.index * k + t; // target j + 1 of the stream
        if (window.mask[b * k + t] === 1) logProbs[j] = values[b * k + t];
      }
    }
    tf.dispose([batch as unknown as tf.TensorContainer, r.logProbs, state as unknown as tf.TensorContainer]);
    state = r.finalStates;
  }
  tf.dispose(state as unknown as tf.TensorContainer);
  let sum = 0;
  for (let j = 0; j < M; j++) sum += logProbs[j];
  return { perplexity: Math.exp(-sum / M), tokens: M, logProbs };
}

/**
 * Sentences as one stream for `trainLm` / `evaluateLm`: <EOS> s_1 <EOS> s_2 <EOS> … s_n <EOS>.
 * The leading <EOS> is context only (it plays <s>), so every word and every sentence end is
 * predicted — the tokens PTB perplexity counts (lm/perplexity.ts).
 * @param vocab - the vocabulary (OOV words become <UNK>).
 * @param sentences - token arrays.
 * @returns int32 [1 + Σ (m_i + 1)].
 */
export function encodeStream(vocab: Vocab, sentences: readonly (readonly string[])[]): Int32Array {
  let n = 1;
  for (const s of sentences) n += s.length + 1;
  const out = new Int32Array(n);
  out[0] = EOS_ID;
  let j = 1;
  for (const s of sentences) {
    out.set(vocab.encode(s), j);
    j += s.length;
    out[j++] = EOS_ID;
  }
  return out;
}

/**
 * Perplexity of an RNN LM on sentences, reported like n-gram models (lm/perplexity.ts):
 * every word and sentence end predicted, OOV words scored as <UNK> (counted in `unkMapped`).
 * @param model - the LM.
 * @param vocab - its vocabulary.
 * @param sentences - token arrays.
 * @param options - batchSize, bptt of the evaluation windows.
 * @returns the report and the per-token ln p (stream order).
 */
export function evaluateSentences(
  model: RnnLm,
  vocab: Vocab,
  sentences: readonly (readonly string[])[],
  options: EvaluateLmOptions = {},
): PerplexityReport & { logProbs: Float64Array } {
  const ids = encodeStream(vocab, sentences);
  const ev = evaluateLm(model, ids, options);
  let words = 0;
  let unkMapped = 0;
  for (const s of sentences) {
    words += s.length;
    for (const w of s) if (!vocab.has(w) && !vocab.unkAliases.includes(w)) unkMapped++; // the corpus's own <unk> is a word
  }
  let sum = 0;
  for (const x of ev.logProbs) sum += x;
  return {
    perplexity: ev.perplexity,
    tokens: ev.tokens,
    sentences: sentences.length,
    words,
    oov: 0,
    unkMapped,
    zeroProbs: 0,
    log10Prob: sum / Math.LN10,
    logProbs: ev.logProbs,
  };
}
