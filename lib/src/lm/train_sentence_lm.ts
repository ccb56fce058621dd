/**
 * The sentence-level RNN LM of the generation slides, beside the stream LM of train_lm.ts:
 * every sentence is its own row,
 *
 *     inputs  <SOS> w_1 … w_n          h₀ = 0 for every sentence
 *     targets w_1 … w_n <EOS>
 *
 * (data/lm_batches.ts `sentenceBatches`: right-padded, masked), so the model learns how a
 * sentence starts from <SOS> with a zero state, and when to stop (<EOS>). Generation then
 * starts from `[SOS_ID]` with h₀ = 0 and stops at `<EOS>` — "finite sequences need <EOS>, the
 * first word needs <SOS>" — and argmax decoding always writes the same sentence.
 *
 * Training (one epoch = every sentence once):
 * 1. sentences shuffled with the epoch's seed and bucketed by length (little padding);
 * 2. for each batch: optionally its scheduled-sampling version (generation/scheduled_sampling.ts,
 *    `ScheduledSampler.lmBatch` at the global step i), the masked mean cross-entropy from zero
 *    states, gradient, clipping by global norm, Adam (the engine's `FusedAdam` when an engine is
 *    active) or SGD;
 * 3. a step whose loss or gradient norm is not finite stops training (`TrainingDivergedError`),
 *    nothing applied;
 * 4. after each epoch: the validation perplexity (`evaluateSentenceLm`) and `onEpoch`.
 *
 * `trainSentenceLmSteps` is the same loop as a generator that yields after every step, so that a
 * caller (`seqlab train-lm --context sentence`) can react to signals between two steps;
 * `startEpoch` continues a run: epochs startEpoch … epochs, shuffled as an uninterrupted run
 * shuffles them, the global step i starting at (startEpoch − 1) · ⌈N / B⌉.
 *
 * Perplexity counts every word and every <EOS> (not <SOS>, which is given): the convention of
 * lm/perplexity.ts, so it is comparable to the n-gram models'. A checkpoint of such a model
 * (lm/checkpoint.ts `saveLm`) records `training: { context: "sentence", … }`; `seqlab generate`
 * reads it to start from <SOS>.
 */
import * as tf from "@tensorflow/tfjs";
import { lmBatchTensors, sentenceBatches, type SentenceBatch } from "../data/lm_batches.js";
import type { Vocab } from "../data/vocab.js";
import { ArgumentError } from "../errors.js";
import type { ScheduledSampler } from "../generation/scheduled_sampling.js";
import { adamOptimizer } from "../optim/adam.js";
import { clipByGlobalNorm } from "../optim/clip.js";
import type { RnnLm } from "./rnn_lm.js";
import { TrainingDivergedError } from "./train_lm.js";

/** Options of `trainSentenceLm`. */
export interface TrainSentenceLmOptions {
  /** Epochs in total: training runs epochs startEpoch … epochs. Default: 1. */
  epochs?: number;
  /** The first epoch to run (≥ 1; its shuffling and global step as in an uninterrupted run). Default: 1. */
  startEpoch?: number;
  /** B, sentences per batch. Default: 32. */
  batchSize?: number;
  /** "adam" or "sgd". Default: "adam". */
  optimizer?: "adam" | "sgd";
  /** Learning rate. Default: 2e-3 (Adam), 1 (SGD). */
  learningRate?: number;
  /** Clip the gradients' global norm to this. Default: 5. */
  clip?: number;
  /** Seed of the shuffling (epoch e uses seed + e). Default: 0. */
  seed?: number;
  /** Scheduled sampling: each batch's inputs as this sampler feeds them at the global step. Default: teacher forcing. */
  scheduledSampling?: ScheduledSampler;
  /** Validation sentences (ids, without <SOS>/<EOS>), evaluated after each epoch. */
  valid?: readonly Int32Array[];
  /** Stop after this many steps in total. Default: no limit. */
  maxSteps?: number;
  /** Called after every step: global step i (from 0), loss, and the fraction of inputs sampled from the model. */
  onStep?: (info: { step: number; epoch: number; loss: number; sampledFraction: number }) => void;
  /** Called after every epoch. */
  onEpoch?: (record: SentenceEpochRecord) => void;
}

/** What one epoch did. */
export interface SentenceEpochRecord {
  epoch: number;
  steps: number;
  /** exp(token-weighted mean training loss). */
  trainPerplexity: number;
  validPerplexity?: number;
  seconds: number;
}

/** What `evaluateSentenceLm` returns. */
export interface SentenceEvaluation {
  /** exp(−Σ ln p / N). */
  perplexity: number;
  /** N = Σ (n_i + 1): the words and the <EOS> of every sentence. */
  tokens: number;
  /** [sentences] Σ ln p of each sentence (words and <EOS>), in the input order. */
  sentenceLogProbs: Float64Array;
}

/**
 * Encodes sentences of words as id arrays (OOV words → <UNK>), without <SOS>/<EOS>.
 * @param vocab - the vocabulary.
 * @param sentences - token arrays.
 */
export function encodeSentences(vocab: Vocab, sentences: readonly (readonly string[])[]): Int32Array[] {
  return sentences.map((s) => vocab.encode(s));
}

/**
 * Trains `model` as a sentence-level LM (steps 1–4 of the file comment).
 * @param model - the LM.
 * @param sentences - id arrays without <SOS>/<EOS>.
 * @param options - see `TrainSentenceLmOptions`.
 * @returns one record per epoch.
 * @throws TrainingDivergedError on a non-finite loss or gradient norm.
 */
export function trainSentenceLm(model: RnnLm, sentences: readonly Int32Array[], options: TrainSentenceLmOptions = {}): SentenceEpochRecord[] {
  const steps = trainSentenceLmSteps(model, sentences, options);
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}

/** What `trainSentenceLmSteps` yields after each step. */
export interface SentenceLmProgress {
  epoch: number;
  /** Steps done in this epoch. */
  step: number;
  /** Whether this step ended the epoch (`onEpoch` has run). */
  endOfEpoch: boolean;
}

/**
 * `trainSentenceLm` one step at a time: yields after every step (after `onEpoch` at an epoch's
 * end) and returns the epoch records. Stopping it early (`return()`) frees its optimizer.
 * @param model - the LM.
 * @param sentences - id arrays without <SOS>/<EOS>.
 * @param options - see `TrainSentenceLmOptions`.
 */
export function* trainSentenceLmSteps(model: RnnLm, sentences: readonly Int32Array[], options: TrainSentenceLmOptions = {}): Generator<SentenceLmProgress, SentenceEpochRecord[], void> {
  const epochs = options.epochs ?? 1;
  const first = options.startEpoch ?? 1;
  const B = options.batchSize ?? 32;
  const clip = options.clip ?? 5;
  const choice = options.optimizer ?? "adam";
  const lr = options.learningRate ?? (choice === "adam" ? 2e-3 : 1);
  for (const [name, v] of Object.entries({ epochs, startEpoch: first, batchSize: B })) {
    if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`trainSentenceLm: expected ${name} an integer ≥ 1, got ${v}`);
  }
  if (!(clip > 0)) throw new ArgumentError(`trainSentenceLm: expected clip > 0, got ${clip}`);
  if (!(lr > 0)) throw new ArgumentError(`trainSentenceLm: expected learningRate > 0, got ${lr}`);
  if (choice !== "adam" && choice !== "sgd") throw new ArgumentError(`trainSentenceLm: expected optimizer "adam" or "sgd", got ${JSON.stringify(choice)}`);
  if (sentences.length === 0) throw new ArgumentError("trainSentenceLm: expected at least one sentence, got 0");
  const optimizer: tf.Optimizer = choice === "sgd" ? tf.train.sgd(lr) : adamOptimizer(lr);
  const weights = model.weights;
  const records: SentenceEpochRecord[] = [];
  let step = (first - 1) * Math.ceil(sentences.length / B); // the global step i
  try {
    for (let epoch = first; epoch <= epochs; epoch++) {
      const t0 = performance.now();
      let lossSum = 0;
      let targets = 0;
      let steps = 0;
      const batches = sentenceBatches(sentences, { batchSize: B, bucket: true, shuffleSeed: (options.seed ?? 0) + epoch });
      for (const raw of batches) {
        if (options.maxSteps !== undefined && step >= options.maxSteps) break;
        const batch: SentenceBatch = options.scheduledSampling === undefined ? raw : options.scheduledSampling.lmBatch(model, raw, step);
        const tensors = lmBatchTensors(batch);
        const { value, grads } = tf.variableGrads(() => model.loss(tensors).loss, weights);
        const loss = value.dataSync()[0];
        const clipped = clipByGlobalNorm(grads, clip);
        if (!Number.isFinite(loss) || !Number.isFinite(clipped.norm)) {
          tf.dispose([value, grads as tf.NamedTensorMap, clipped.grads as tf.NamedTensorMap, tensors as unknown as tf.TensorContainer]);
          throw new TrainingDivergedError(
            `trainSentenceLm: expected a finite loss and gradient norm, got loss ${loss} and gradient norm ${clipped.norm} at epoch ${epoch}, step ${steps + 1}; the step was not applied`,
            epoch, steps + 1, Number.isFinite(loss) ? clipped.norm : loss,
          );
        }
        optimizer.applyGradients(clipped.grads);
        tf.dispose([value, grads as tf.NamedTensorMap, clipped.grads as tf.NamedTensorMap, tensors as unknown as tf.TensorContainer]);
        lossSum += loss * batch.numTargets;
        targets += batch.numTargets;
        options.onStep?.({ step, epoch, loss, sampledFraction: options.scheduledSampling?.lastSampledFraction ?? 0 });
        steps++;
        step++;
        if (steps < batches.length) yield { epoch, step: steps, endOfEpoch: false };
      }
      if (steps === 0) break;
      const record: SentenceEpochRecord = { epoch, steps, trainPerplexity: Math.exp(lossSum / targets), seconds: 0 };
      if (options.valid !== undefined) record.validPerplexity = evaluateSentenceLm(model, options.valid, { batchSize: B }).perplexity;
      record.seconds = (performance.now() - t0) / 1000;
      records.push(record);
      options.onEpoch?.(record);
      yield { epoch, step: steps, endOfEpoch: true };
    }
  } finally {
    optimizer.dispose();
  }
  return records;
}

/**
 * ln p of every sentence under the sentence-level LM: Σ_t ln p(x_{t+1} | <SOS> x_1 … x_t), h₀ = 0,
 * words and <EOS> predicted; and the perplexity over all of them.
 * @param model - the LM.
 * @param sentences - id arrays without <SOS>/<EOS>.
 * @param options - batchSize (default 64; the result does not depend on it beyond float rounding).
 */
export function evaluateSentenceLm(model: RnnLm, sentences: readonly Int32Array[], options: { batchSize?: number } = {}): SentenceEvaluation {
  if (sentences.length === 0) throw new ArgumentError("evaluateSentenceLm: expected at least one sentence, got 0");
  const sentenceLogProbs = new Float64Array(sentences.length);
  let tokens = 0;
  let sum = 0;
  for (const batch of sentenceBatches(sentences, { batchSize: options.batchSize ?? 64, bucket: true })) {
    const tensors = lmBatchTensors(batch);
    const r = model.logProbs(tensors); // zero initial states
    const values = r.logProbs.dataSync(); // [B, T], 0 at padding
    const [b, T] = batch.shape;
    for (let i = 0; i < b; i++) {
      let s = 0;
      for (let t = 0; t < T; t++) s += values[i * T + t];
      sentenceLogProbs[batch.indices[i]] = s;
      sum += s;
    }
    tokens += batch.numTargets;
    tf.dispose([r.logProbs, ...r.finalStates.flat(), tensors as unknown as tf.TensorContainer]);
  }
  return { perplexity: Math.exp(-sum / tokens), tokens, sentenceLogProbs };
}
