/**
 * Training a tagger (tagging/tagger.ts) on tagged sentences, with early stopping on the
 * development set's entity-level F1 (Lample et al. 2016 §4; Ma & Hovy 2016 §4.2):
 *
 * 1. Each epoch e the training sentences are shuffled (seed derived from `seed` and e), cut
 *    into pools of 50 batches, each pool sorted by length and cut into batches of B, and the
 *    batches shuffled: a batch pads to about its own length, and the order still changes
 *    every epoch. Word dropout, if any, replaces each SINGLETON training word (seen once)
 *    by `<UNK>` with probability p in that epoch's batches (Lample et al.: p = 0.5), so the
 *    `<UNK>` embedding is trained; the characters stay.
 * 2. One step per batch: loss = −(1/B) Σ_b log p(y_b) (the tagger's), gradients, clipping
 *    to global norm `clip` (5), an Adam (default, lr 1e-3) or SGD update; the tagger's
 *    dropout runs with a seed derived from (seed, e, step), so a step is repeatable.
 *    A fresh optimizer is made every epoch (as lm/train_lm.ts does: Adam's moments restart),
 *    which makes a run resumed after epoch e identical to an uninterrupted one.
 * 3. After each epoch: the dev set is tagged (no dropout; constrained decoding if asked,
 *    tagging/constraints.ts) and scored with conlleval's semantics (ner/evaluate.ts). A dev
 *    F1 above the best so far makes this epoch the best and its weights are copied (the
 *    "dev-selected epoch"); `patience` epochs in a row without a better F1 stop training.
 *    `onEpoch` gets the record, the state and the best weights — where callers save a
 *    checkpoint (tagging/tagger_checkpoint.ts).
 * 4. No training on NaN: a step whose loss or gradient norm is not finite is not applied
 *    and stops training with `TrainingDivergedError` (lm/train_lm.ts), as do non-finite
 *    weights at an epoch's end (checked before `onEpoch`).
 *
 * Without a dev set there is no early stopping: every epoch runs and the last is "best".
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { seededGenerator } from "../random.js";
import { UNK_ID } from "../data/vocab.js";
import { WordDropout } from "../data/unk.js";
import { adamOptimizer } from "../optim/adam.js";
import { clipByGlobalNorm, globalNorm } from "../optim/clip.js";
import { FusedSgd } from "../optim/sgd.js";
import { makeNerBatch, nerBatchTensors, type NerBatch, type NerVocabs } from "../ner/batches.js";
import type { NerSentence } from "../ner/types.js";
import { TrainingDivergedError } from "../lm/train_lm.js";
import { evaluateTagger } from "./predict.js";
import type { Tagger, TransitionConstraints } from "./tagger.js";

/** Options of {@link trainTaggerSteps} (defaults after Lample et al. 2016, with Adam). */
export interface TrainTaggerOptions {
  /** The most epochs in total (epochs 1 … epochs, fewer when early stopping ends it). Default: 50. */
  epochs?: number;
  /** Stop after this many epochs in a row without a better dev F1. Default: 5. */
  patience?: number;
  /** B, sentences per batch. Default: 32. */
  batchSize?: number;
  /** "adam" or "sgd". Default: "adam". */
  optimizer?: "adam" | "sgd";
  /** Learning rate. Default: 1e-3 for Adam, 0.01 for SGD (Lample et al.). */
  learningRate?: number;
  /** Clip the gradients' global norm to this. Default: 5. */
  clip?: number;
  /** Replace singleton training words by `<UNK>` with this probability (step 1). Default: 0. */
  wordDropout?: number;
  /** Development sentences, scored after every epoch (early stopping). Default: none. */
  dev?: readonly NerSentence[];
  /** Decode the dev set with these constraints (tagging/constraints.ts). Default: none. */
  constraints?: TransitionConstraints;
  /** Whether the tagger reads char ids (its config has chars); required. */
  chars: boolean;
  /** Whether the tagger reads capitalisation classes (its config has caps). Default: false. */
  caps?: boolean;
  /** Seed of the batch order, word dropout and dropout. Default: 1. */
  seed?: number;
  /** Continue a run: its state after its last epoch (from a checkpoint). Default: a new run. */
  resume?: TaggerTrainingState;
  /** Called after every step. */
  onStep?: (info: { epoch: number; step: number; steps: number; loss: number }) => void;
  /** Called after every epoch with its record, the state, and the best epoch's weights (in `tagger.weights` order). */
  onEpoch?: (record: TaggerEpochRecord, state: TaggerTrainingState, best: Float32Array[]) => void;
}

/** What one epoch did. */
export interface TaggerEpochRecord {
  /** From 1. */
  epoch: number;
  /** The mean training loss over the epoch's steps (a negative log-likelihood per sentence). */
  loss: number;
  steps: number;
  /** Dev scores (conlleval's, in [0, 1]), when a dev set is given. */
  devF1?: number;
  devPrecision?: number;
  devRecall?: number;
  /** Whether this epoch has the best dev F1 so far. */
  best: boolean;
  /** Wall time of the training steps. */
  trainSeconds: number;
  /** Wall time of the whole epoch, dev evaluation included. */
  seconds: number;
  /** Training sentences per second of the steps. */
  sentencesPerSecond: number;
}

/** Where a run stands after an epoch (what a resumed run continues from). */
export interface TaggerTrainingState {
  /** Epochs done. */
  epoch: number;
  /** The epoch with the best dev F1 (0 before any). */
  bestEpoch: number;
  /** Its dev F1 (−1 before any). */
  bestF1: number;
  /** Epochs since the best. */
  sinceBest: number;
  /** Early stopping has ended the run. */
  stopped: boolean;
}

/** What `trainTaggerSteps` yields after each step. */
export interface TrainTaggerProgress {
  epoch: number;
  /** The step in the epoch, from 1. */
  step: number;
  /** Whether this was the epoch's last step (`onEpoch` has been called). */
  endOfEpoch: boolean;
}

/** The state of a run that has done nothing yet. */
export const INITIAL_TAGGER_STATE: Readonly<TaggerTrainingState> = { epoch: 0, bestEpoch: 0, bestF1: -1, sinceBest: 0, stopped: false };

/**
 * Trains a tagger (steps 1–4 of the file comment).
 * @param tagger - the tagger (its weights are updated in place).
 * @param vocabs - its vocabularies (ner/batches.ts).
 * @param train - the training sentences, in the vocabularies' scheme.
 * @param options - see {@link TrainTaggerOptions}.
 * @returns the records of the epochs run, the final state, and the best epoch's weights.
 */
export function trainTagger(tagger: Tagger, vocabs: NerVocabs, train: readonly NerSentence[], options: TrainTaggerOptions): TrainTaggerResult {
  const steps = trainTaggerSteps(tagger, vocabs, train, options);
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}

/** What {@link trainTagger} returns. */
export interface TrainTaggerResult {
  records: TaggerEpochRecord[];
  state: TaggerTrainingState;
  /** The best epoch's weights (the current ones if no epoch ran), in `tagger.weights` order. */
  best: Float32Array[];
}

/**
 * `trainTagger` one step at a time: yields after every step, so a caller can keep its event
 * loop running (signals, a progress bar) and stop between two steps (`return()`).
 * @param tagger - the tagger.
 * @param vocabs - its vocabularies.
 * @param train - the training sentences.
 * @param options - see {@link TrainTaggerOptions}.
 */
export function* trainTaggerSteps(
  tagger: Tagger,
  vocabs: NerVocabs,
  train: readonly NerSentence[],
  options: TrainTaggerOptions,
): Generator<TrainTaggerProgress, TrainTaggerResult, void> {
  const epochs = options.epochs ?? 50;
  const patience = options.patience ?? 5;
  const B = options.batchSize ?? 32;
  const clip = options.clip ?? 5;
  const seed = options.seed ?? 1;
  const choice = options.optimizer ?? "adam";
  const lr = options.learningRate ?? (choice === "adam" ? 1e-3 : 0.01);
  const p = options.wordDropout ?? 0;
  for (const [name, v] of Object.entries({ epochs, patience, batchSize: B })) {
    if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`trainTagger: expected ${name} an integer ≥ 1, got ${v}`);
  }
  if (!(clip > 0)) throw new ArgumentError(`trainTagger: expected clip > 0, got ${clip}`);
  if (!(lr > 0) || !Number.isFinite(lr)) throw new ArgumentError(`trainTagger: expected learningRate a finite number > 0, got ${lr}`);
  if (choice !== "adam" && choice !== "sgd") throw new ArgumentError(`trainTagger: expected optimizer "adam" or "sgd", got ${JSON.stringify(choice)}`);
  if (!(p >= 0 && p < 1)) throw new ArgumentError(`trainTagger: expected wordDropout a probability in [0, 1), got ${p}`);
  if (!Number.isInteger(seed)) throw new ArgumentError(`trainTagger: expected seed an integer, got ${seed}`);
  if (train.length === 0) throw new ArgumentError("trainTagger: expected at least one training sentence, got none");
  const weights = tagger.weights;
  const state: TaggerTrainingState = { ...(options.resume ?? INITIAL_TAGGER_STATE) };
  let best = weights.map((w) => Float32Array.from(w.dataSync() as Float32Array));
  const keep = p > 0 ? nonSingletonIds(train, vocabs) : [];
  const records: TaggerEpochRecord[] = [];
  while (!state.stopped && state.epoch < epochs) {
    const epoch = state.epoch + 1;
    const t0 = performance.now();
    // 1. The epoch's batches.
    const dropout = p > 0 ? new WordDropout({ p, seed: mixSeeds(seed, epoch, 1), keep }) : undefined;
    const batches = lengthBatches(train.length, (i) => train[i].tokens.length, B, mixSeeds(seed, epoch, 0)).map((ids) =>
      makeNerBatch(ids.map((i) => train[i]), vocabs, { chars: options.chars, caps: options.caps ?? false, ...(dropout !== undefined ? { wordDropout: dropout } : {}) }, ids),
    );
    // 2. The steps.
    const optimizer: tf.Optimizer = choice === "sgd" ? new FusedSgd(lr) : adamOptimizer(lr);
    let lossSum = 0;
    let stepMs = 0;
    let sentences = 0;
    try {
      for (let s = 0; s < batches.length; s++) {
        const s0 = performance.now();
        const loss = step(tagger, weights, batches[s], optimizer, clip, mixSeeds(seed, epoch, s + 2), epoch, s + 1);
        stepMs += performance.now() - s0;
        lossSum += loss;
        sentences += batches[s].shape[0];
        options.onStep?.({ epoch, step: s + 1, steps: batches.length, loss });
        if (s + 1 < batches.length) yield { epoch, step: s + 1, endOfEpoch: false };
      }
    } finally {
      optimizer.dispose();
    }
    checkFinite(weights, epoch, batches.length);
    // 3. Dev F1, the best epoch, early stopping.
    const record: TaggerEpochRecord = {
      epoch,
      loss: lossSum / batches.length,
      steps: batches.length,
      best: false,
      trainSeconds: stepMs / 1000,
      seconds: 0,
      sentencesPerSecond: sentences / (stepMs / 1000),
    };
    if (options.dev !== undefined && options.dev.length > 0) {
      const e = evaluateTagger(tagger, options.dev, vocabs, { constraints: options.constraints, chars: options.chars, caps: options.caps }).scores;
      Object.assign(record, { devF1: e.f1, devPrecision: e.precision, devRecall: e.recall });
    }
    const f1 = record.devF1 ?? epoch; // without dev: the last epoch is the best
    state.epoch = epoch;
    if (f1 > state.bestF1) {
      Object.assign(state, { bestEpoch: epoch, bestF1: f1, sinceBest: 0 });
      record.best = true;
      best = weights.map((w) => Float32Array.from(w.dataSync() as Float32Array));
    } else {
      state.sinceBest++;
      if (state.sinceBest >= patience) state.stopped = true;
    }
    record.seconds = (performance.now() - t0) / 1000;
    records.push(record);
    options.onEpoch?.(record, { ...state }, best);
    yield { epoch, step: batches.length, endOfEpoch: true };
  }
  return { records, state: { ...state }, best };
}

/** One training step (step 2 of the file comment); returns the loss. */
function step(tagger: Tagger, weights: tf.Variable[], batch: NerBatch, optimizer: tf.Optimizer, clip: number, dropoutSeed: number, epoch: number, s: number): number {
  const t = nerBatchTensors(batch); // chars and caps exactly when the tagger reads them (the batch was made so)
  const input = { ...t, dropoutSeed };
  const { value, grads } = tf.variableGrads(() => tagger.loss(input), weights);
  const loss = value.dataSync()[0];
  // Not `instanceof`: tf.Optimizer's Symbol.hasInstance accepts any optimizer.
  const fused = FusedSgd.prototype.isPrototypeOf(optimizer);
  const clipped = fused ? null : clipByGlobalNorm(grads, clip);
  const norm = clipped === null ? globalNorm(grads) : clipped.norm;
  const diverged = !Number.isFinite(loss) || !Number.isFinite(norm);
  if (!diverged && clipped === null) {
    (optimizer as FusedSgd).scale = norm > clip ? clip / norm : 1; // clipping folded into the SGD step (optim/sgd.ts)
    optimizer.applyGradients(grads);
  } else if (!diverged) {
    optimizer.applyGradients(clipped!.grads);
  }
  if (clipped !== null) tf.dispose(clipped.grads as tf.NamedTensorMap);
  tf.dispose([value, grads as tf.NamedTensorMap, t as unknown as tf.TensorContainer]);
  if (diverged) {
    throw new TrainingDivergedError(
      `trainTagger: expected a finite loss and gradient norm, got loss ${loss} and gradient norm ${norm} at epoch ${epoch}, step ${s}; the step was not applied (lower the learning rate or clip harder)`,
      epoch,
      s,
      Number.isFinite(loss) ? norm : loss,
    );
  }
  return loss;
}

/** Step 4 at an epoch's end: every weight finite. */
function checkFinite(weights: tf.Variable[], epoch: number, steps: number): void {
  weights.forEach((w, i) => {
    const values = w.dataSync() as Float32Array;
    const bad = values.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new TrainingDivergedError(`trainTagger: expected finite weights after epoch ${epoch}, got ${values[bad]} in weight ${i} [${w.shape}] at index ${bad} (lower the learning rate or clip harder)`, epoch, steps, values[bad]);
  });
}

/**
 * Batches of similar lengths in a seeded random order (step 1 of the file comment).
 * @param n - the number of sentences.
 * @param lengthOf - sentence i's length.
 * @param batchSize - B.
 * @param seed - the shuffle's seed.
 * @returns arrays of sentence indices; every index in exactly one.
 */
export function lengthBatches(n: number, lengthOf: (i: number) => number, batchSize: number, seed: number): number[][] {
  const rand = seededGenerator(seed);
  const shuffle = <T>(xs: T[]) => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  };
  const order = shuffle(Array.from({ length: n }, (_, i) => i));
  const pool = 50 * batchSize;
  const batches: number[][] = [];
  for (let k = 0; k < n; k += pool) {
    const sorted = order.slice(k, k + pool).sort((a, b) => lengthOf(a) - lengthOf(b) || a - b);
    for (let j = 0; j < sorted.length; j += batchSize) batches.push(sorted.slice(j, j + batchSize));
  }
  return shuffle(batches);
}

/** The word ids word dropout must keep: the special ids and every word seen more than once in training. */
function nonSingletonIds(train: readonly NerSentence[], vocabs: NerVocabs): number[] {
  const counts = new Map<number, number>();
  for (const s of train) {
    for (const w of s.tokens) {
      const id = vocabs.words.idOf(vocabs.lowercase ? w.toLowerCase() : w);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  const keep = [0, 1, 2, 3, UNK_ID];
  for (const [id, c] of counts) if (c > 1) keep.push(id);
  return keep;
}

/** A seed from several integers (FNV-1a over them), in [0, 2^31). */
export function mixSeeds(...xs: number[]): number {
  let h = 0x811c9dc5;
  for (const x of xs) {
    h = Math.imul(h ^ (x >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  }
  return h >>> 1;
}
