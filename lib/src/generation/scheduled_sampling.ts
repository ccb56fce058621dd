/**
 * Scheduled sampling (Bengio, Vinyals, Jaitly & Shazeer 2015). Exposure bias: training feeds the
 * decoder the true previous token y_{t−1} (teacher forcing), testing feeds its own ŷ_{t−1}, so
 * at test time it meets its own mistakes, which it never saw in training. Scheduled sampling
 * feeds, at every output position t ≥ 1 and independently for every token of the batch,
 *
 *     x_t = y_{t−1}                                    with probability εᵢ  (a coin per token)
 *     x_t = ŷ_{t−1} ~ replacement(z_{t−1})             otherwise,
 *
 * where z_{t−1} are the model's logits at t − 1 given the inputs it was actually fed, and εᵢ
 * comes from a `Schedule` at training step i (schedules.ts). The replacement is any `Decoder`
 * (decoders.ts): "sample" draws from the model's distribution (the paper), "argmax" takes its
 * most likely token, "uniform" draws uniformly from the vocabulary (the paper's "uniform
 * scheduled sampling"). ε = 1 is teacher forcing; ε = 0 "always sampling", the paper's failing
 * baseline. The targets never change: the loss is still −Σ_t ln p(y_t | x_≤t).
 *
 * No gradient flows through the draw: ŷ is a discrete id, and the paper back-propagates as if it
 * were given. The loss is then a function of the weights only through the logits computed on the
 * sequence x̃ actually fed, which is exactly the teacher-forced loss on x̃. Hence two passes:
 *
 * 1. `scheduledInputs`: run the model position by position without a gradient (the recurrent
 *    layers through the engine's fused sequence ops, from one position to the next where a coin
 *    says "model"; the output layer only on the rows that sample), flipping the coins and
 *    drawing ŷ, to build x̃ [B, T];
 * 2. the ordinary loss on x̃ (`RnnLm.loss`, `EncoderDecoder.loss` with `decoderInputs`), whole
 *    sequences through the fused sequence ops, with its gradient.
 *
 * This equals the one-pass loop that draws inside the gradient tape, in value and gradient
 * (test/scheduled-sampling.test.ts checks both against such a loop written with `cell.step`),
 * and costs one extra forward pass without a tape — the time "without a big loss" of the slide
 * (measured by `scheduledSamplingCost` in experiments/scheduled_sampling.ts).
 *
 * `ScheduledSampler` ties a schedule, a replacement and a seeded generator together; its
 * `lmBatch` / `seq2seqBatch` turn a batch into its scheduled-sampling version at step i, to be
 * passed to an ordinary training loop (train/train.ts `train`, lm/train_sentence_lm.ts).
 *
 * Critiques to read beside it: Huszár 2015, "How (not) to train your generative model" (the
 * objective is improper: its optimum is not the true distribution); He et al. 2019, "Exposure
 * bias versus self-recovery" (the measured effect is small).
 */
import * as tf from "@tensorflow/tfjs";
import type { LmBatch } from "../data/lm_batches.js";
import { ArgumentError } from "../errors.js";
import type { EncoderDecoder, Seq2SeqBatch } from "../models/encoder_decoder.js";
import type { TranslationBatch } from "../data/tasks.js";
import { seededGenerator } from "../random.js";
import type { CellState } from "../rnn/cell.js";
import { makeDecoder, UniformDecoder, type Decoder, type DecoderChoice } from "./decoders.js";
import { encoderDecoderLm } from "./encoder_decoder_lm.js";
import type { HiddenStateModel, NextTokenModel } from "./generate.js";
import type { Schedule } from "./schedules.js";

/** Options of `scheduledInputs`. */
export interface ScheduledInputsOptions {
  /** ε ∈ [0, 1], the probability of feeding the true token. */
  epsilon: number;
  /** How ŷ is drawn: "sample" (the model's distribution), "argmax", "uniform" or a `Decoder`. Default: "sample". */
  replacement?: DecoderChoice;
  /** The uniform generator for the coins and the draws (e.g. `seededGenerator(seed)`). */
  random: () => number;
  /** The state before position 0 (each [B, H]). Default: `model.zeroStates(B)`. */
  initialStates?: CellState[];
}

/** What `scheduledInputs` fed. */
export interface ScheduledInputs {
  /** int32 [B, T] x̃, the inputs fed: the true ones, or the model's where `sampled` is 1. */
  inputs: Int32Array;
  /** [B, T] 1 where the coin chose the model's token (it may equal the true one), else 0. */
  sampled: Uint8Array;
}

/**
 * Step 1 of the file comment: the inputs scheduled sampling feeds, position by position.
 * Position 0 is always the true token; a position t ≥ 1 with mask 0 (padding) keeps its true
 * token and flips no coin. Random draws, in order: for t = 1 … T−1, first one coin per real row
 * (in row order), then the replacement's draws for the rows whose coin said "model".
 *
 * Only what the draws need is computed: the positions between two positions where some row
 * samples are fed in one call (their logits are never looked at), and the output layer runs only
 * on the rows that sample when the model has `hiddenStates` / `logitsOf` (`RnnLm`,
 * `encoderDecoderLm`). So ε = 1 runs nothing, and ε near 1 little; uniform replacement (whose
 * draw ignores the model) never runs the model when its vocabSize is known.
 * @param model - the LM (or `encoderDecoderLm(model)`).
 * @param tokens - int32 [B, T] the true inputs.
 * @param shape - [B, T].
 * @param mask - optional [B, T], 1 where the position is real. Default: all real.
 * @param options - epsilon, replacement ("sample"), random, initialStates.
 */
export function scheduledInputs(
  model: NextTokenModel | (NextTokenModel & HiddenStateModel),
  tokens: Int32Array,
  shape: readonly [number, number],
  mask: ArrayLike<number> | undefined,
  options: ScheduledInputsOptions,
): ScheduledInputs {
  const [B, T] = shape;
  if (tokens.length !== B * T) throw new ArgumentError(`scheduledInputs: expected ${B}·${T} = ${B * T} tokens (shape [B, T]), got ${tokens.length}`);
  if (mask !== undefined && mask.length !== B * T) throw new ArgumentError(`scheduledInputs: expected a mask of ${B * T} entries, got ${mask.length}`);
  const epsilon = options.epsilon;
  if (!(epsilon >= 0 && epsilon <= 1)) throw new ArgumentError(`scheduledInputs: expected epsilon in [0, 1], got ${epsilon}`);
  const replacement: Decoder = makeDecoder(options.replacement ?? "sample");
  const inputs = Int32Array.from(tokens);
  const sampled = new Uint8Array(B * T);
  if (epsilon === 1 || T === 1) return { inputs, sampled }; // every coin says "true" (u < 1 always)
  const random = options.random;
  const known = model.vocabSize ?? (model as { config?: { vocabSize?: unknown } }).config?.vocabSize;
  const uniformSize = replacement instanceof UniformDecoder && typeof known === "number" ? known : undefined;
  let state = options.initialStates ?? model.zeroStates(B);
  let owned = options.initialStates === undefined; // whether `state` is ours to dispose
  let fed = 0; // positions 0 … fed−1 are in `state`
  try {
    for (let p = 1; p < T; p++) {
      // 1. the coins of position p
      const rows: number[] = [];
      for (let b = 0; b < B; b++) {
        if (mask !== undefined && mask[b * T + p] === 0) continue;
        if (random() >= epsilon) rows.push(b);
      }
      if (rows.length === 0) continue;
      if (uniformSize !== undefined) {
        // uniform SS: the draw does not depend on the model, which need not run
        for (const b of rows) {
          inputs[b * T + p] = replacement.choose({ length: uniformSize } as ArrayLike<number>, random);
          sampled[b * T + p] = 1;
        }
        continue;
      }
      // 2. z_{p−1} of those rows given x̃_0 … x̃_{p−1}: feed positions fed … p−1 in one call, no gradient
      const { logits, next } = lastLogits(model, inputs, B, T, fed, p, state, rows); // [rows·vocabSize]
      if (owned) tf.dispose(state);
      state = next;
      owned = true;
      fed = p;
      // 3. the replacements
      const vocabSize = logits.length / rows.length;
      rows.forEach((b, i) => {
        const y = replacement.choose(logits.subarray(i * vocabSize, (i + 1) * vocabSize), random);
        if (!Number.isInteger(y) || y < 0 || y >= vocabSize) throw new ArgumentError(`scheduledInputs: expected replacement ${replacement.name} to return an id in [0, ${vocabSize}), got ${y}`);
        inputs[b * T + p] = y;
        sampled[b * T + p] = 1;
      });
    }
  } finally {
    if (owned) tf.dispose(state);
  }
  return { inputs, sampled };
}

/**
 * Feeds positions [from, to) of every row from `state`; returns the logits at position to − 1 of
 * the chosen rows and the new state.
 */
function lastLogits(
  model: NextTokenModel | (NextTokenModel & HiddenStateModel),
  inputs: Int32Array,
  B: number,
  T: number,
  from: number,
  to: number,
  state: CellState[],
  rows: number[],
): { logits: Float32Array; next: CellState[] } {
  const n = to - from;
  const ids = new Int32Array(B * n);
  for (let b = 0; b < B; b++) ids.set(inputs.subarray(b * T + from, b * T + to), b * n);
  const picked = tf.tidy(() => {
    const x = tf.tensor2d(ids, [B, n], "int32"); // [B, n]
    const idx = tf.tensor1d(rows, "int32"); // [R]
    if ("hiddenStates" in model && "logitsOf" in model) {
      const { hidden, finalStates } = model.hiddenStates(x, state); // [B, n, H]
      const H = hidden.shape[2];
      const h = tf.gather(tf.reshape(tf.slice(hidden, [0, n - 1, 0], [B, 1, H]), [B, H]), idx) as tf.Tensor2D; // [R, H]
      return { z: model.logitsOf(h), finalStates }; // [R, vocabSize]
    }
    const { logits, finalStates } = model.forward(x, state); // [B, n, vocabSize]
    const V = logits.shape[2];
    return { z: tf.gather(tf.reshape(tf.slice(logits, [0, n - 1, 0], [B, 1, V]), [B, V]), idx), finalStates }; // [R, vocabSize]
  });
  const logits = picked.z.dataSync() as Float32Array;
  picked.z.dispose();
  return { logits, next: picked.finalStates };
}

/** Options of `ScheduledSampler`. */
export interface ScheduledSamplerOptions {
  /** εᵢ at step i. */
  schedule: Schedule;
  /** How ŷ is drawn (see `scheduledInputs`). Default: "sample". */
  replacement?: DecoderChoice;
  /** Seed of the coins and draws. Default: 0. */
  seed?: number;
}

/** A schedule, a replacement and a seeded generator: makes the scheduled-sampling batch of step i. */
export class ScheduledSampler {
  readonly schedule: Schedule;
  readonly replacement: Decoder;
  private readonly random: () => number;
  /** The fraction of real positions t ≥ 1 fed the model's token in the last batch. */
  lastSampledFraction = 0;

  /** @param options - schedule, replacement ("sample"), seed (0). */
  constructor(options: ScheduledSamplerOptions) {
    if (typeof options.schedule?.epsilon !== "function") throw new ArgumentError(`ScheduledSampler: expected a schedule with epsilon(i), got ${JSON.stringify(options.schedule)}`);
    this.schedule = options.schedule;
    this.replacement = makeDecoder(options.replacement ?? "sample");
    this.random = seededGenerator(options.seed ?? 0);
  }

  /** A short name for tables: "inverse sigmoid(k=1000), sample". */
  get name(): string {
    return `${this.schedule.name}, ${this.replacement.name}`;
  }

  /**
   * An LM batch (data/lm_batches.ts) with its inputs replaced as scheduled sampling feeds them at step i
   * (inputs[t] for t ≥ 1 is the true token targets[t−1]; targets and mask are unchanged).
   * @param model - the LM (`RnnLm`), run without a gradient.
   * @param batch - inputs, targets, mask [B, T].
   * @param step - the training step i.
   * @param initialStates - the state before the batch. Default: zeros (per-sentence batches).
   * @returns a new batch; the input batch is not changed.
   */
  lmBatch<Batch extends LmBatch>(model: NextTokenModel, batch: Batch, step: number, initialStates?: CellState[]): Batch {
    const { inputs, sampled } = scheduledInputs(model, batch.inputs, batch.shape, batch.mask, {
      epsilon: this.schedule.epsilon(step), replacement: this.replacement, random: this.random, initialStates,
    });
    this.lastSampledFraction = fraction(sampled, batch.mask, batch.shape);
    return { ...batch, inputs };
  }

  /**
   * A translation batch with `decoderInputs` as scheduled sampling feeds them at step i (position 0
   * `<sos>`, then y_{t−1} or the model's ŷ_{t−1}; positions after the target mask keep the true token).
   * @param model - the encoder–decoder, run without a gradient.
   * @param batch - sources, sourceMask, targets, targetMask.
   * @param step - the training step i.
   * @returns the batch with `decoderInputs` [B, L] (int32, a new tensor; the others shared).
   */
  seq2seqBatch(model: EncoderDecoder, batch: TranslationBatch, step: number): Seq2SeqBatch {
    const [B, L] = batch.targets.shape;
    const targets = batch.targets.dataSync() as Int32Array;
    const truth = new Int32Array(B * L); // [<sos>, y_1, …, y_{L−1}]
    for (let b = 0; b < B; b++) {
      truth[b * L] = model.sos;
      for (let t = 1; t < L; t++) truth[b * L + t] = targets[b * L + t - 1];
    }
    const mask = batch.targetMask.dataSync() as Float32Array;
    const epsilon = this.schedule.epsilon(step);
    const encoding = epsilon === 1 ? undefined : tf.tidy(() => model.encode(batch.sources, batch.sourceMask));
    try {
      const { inputs, sampled } = scheduledInputs(encoderDecoderLm(model), truth, [B, L], mask, {
        epsilon, replacement: this.replacement, random: this.random, initialStates: encoding === undefined ? undefined : [encoding],
      });
      this.lastSampledFraction = fraction(sampled, mask, [B, L]);
      return { ...batch, decoderInputs: tf.tensor2d(inputs, [B, L], "int32") };
    } finally {
      tf.dispose(encoding);
    }
  }
}

/** Sampled positions / real positions t ≥ 1. */
function fraction(sampled: Uint8Array, mask: ArrayLike<number> | undefined, [B, T]: readonly [number, number]): number {
  let n = 0;
  let s = 0;
  for (let b = 0; b < B; b++) {
    for (let t = 1; t < T; t++) {
      if (mask !== undefined && mask[b * T + t] === 0) continue;
      n++;
      s += sampled[b * T + t];
    }
  }
  return n === 0 ? 0 : s / n;
}
