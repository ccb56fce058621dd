/**
 * The experiments of notebook `06-scheduled-sampling` on grapheme-to-phoneme conversion (CMU
 * Pronouncing Dictionary, datasets/cmudict.ts; an LSTM encoder–decoder, models/encoder_decoder.ts):
 *
 * - `g2pRun`: train one model with teacher forcing or a `ScheduledSampler`, then decode the test
 *   words greedily and with beam search and score WER / PER (generation/error_rates.ts);
 * - `samplingConfigs`: the comparison of the paper — teacher forcing, the three decay laws,
 *   uniform scheduled sampling, always sampling — with schedules scaled to the number of steps;
 * - `exposureBias`: per output position, the error rate with gold-fed decoder inputs (teacher
 *   forcing at test time) against self-fed ones (greedy decoding): exposure bias made visible;
 * - `scheduledSamplingCost`: milliseconds per training step with scheduled sampling against
 *   teacher forcing, same model and batches — the slide's "without a big loss in time"
 *   (`sentenceLmSamplingCost`: the same for a sentence-level RNN LM).
 *
 * Each is deterministic for its options and seed on one backend.
 */
import * as tf from "@tensorflow/tfjs";
import { ARPABET, loadCmuDict, splitCmuDict, type PronunciationEntry } from "../datasets/cmudict.js";
import { decodePhonemes, g2pBatch, g2pExamples, g2pVocab, type G2pExample, type G2pVocab } from "../data/g2p.js";
import { ArgumentError } from "../errors.js";
import { translate } from "../generation/encoder_decoder_lm.js";
import { errorRates, type ErrorRates } from "../generation/error_rates.js";
import { ScheduledSampler } from "../generation/scheduled_sampling.js";
import { ConstantSchedule, ExponentialSchedule, InverseSigmoidSchedule, LinearSchedule } from "../generation/schedules.js";
import { EncoderDecoder } from "../models/encoder_decoder.js";
import { RnnLm } from "../lm/rnn_lm.js";
import { trainSentenceLm } from "../lm/train_sentence_lm.js";
import { shiftRight } from "../models/common.js";
import { seededGenerator, setSeed } from "../random.js";
import { train } from "../train/train.js";

/** One configuration of the comparison: a name and how to make its sampler (none: teacher forcing). */
export interface SamplingConfig {
  name: string;
  sampler?: (seed: number) => ScheduledSampler;
}

/**
 * The paper's comparison, schedules scaled so that ε reaches `finalEpsilon` at the last step:
 * teacher forcing; linear max(ε, 1 − c·i); exponential kⁱ; inverse sigmoid k/(k + exp(i/k));
 * uniform SS (the inverse sigmoid schedule, uniform replacement); always sampling (ε = 0).
 * @param steps - training steps.
 * @param finalEpsilon - ε at the last step, in (0, 1). Default: 0.25.
 */
export function samplingConfigs(steps: number, finalEpsilon = 0.25): SamplingConfig[] {
  if (!(finalEpsilon > 0 && finalEpsilon < 1)) throw new ArgumentError(`samplingConfigs: expected finalEpsilon in (0, 1), got ${finalEpsilon}`);
  const linear = new LinearSchedule({ k: 1, c: (1 - finalEpsilon) / steps, epsilon: finalEpsilon });
  const exponential = new ExponentialSchedule(finalEpsilon ** (1 / steps));
  // k/(k + e^{steps/k}) = finalEpsilon ⇔ steps = k·ln(k·(1 − ε)/ε): solve for k ≥ 1 by bisection
  const r = (1 - finalEpsilon) / finalEpsilon;
  let lo = 1;
  let hi = Math.max(2, steps);
  for (let i = 0; i < 100; i++) {
    const k = (lo + hi) / 2;
    if (k * Math.log(k * r) < steps) lo = k;
    else hi = k;
  }
  const sigmoid = new InverseSigmoidSchedule(Math.max(1, lo));
  return [
    { name: "teacher forcing" },
    { name: "SS linear", sampler: (seed) => new ScheduledSampler({ schedule: linear, seed }) },
    { name: "SS exponential", sampler: (seed) => new ScheduledSampler({ schedule: exponential, seed }) },
    { name: "SS inverse sigmoid", sampler: (seed) => new ScheduledSampler({ schedule: sigmoid, seed }) },
    { name: "uniform SS", sampler: (seed) => new ScheduledSampler({ schedule: sigmoid, replacement: "uniform", seed }) },
    { name: "always sample", sampler: (seed) => new ScheduledSampler({ schedule: new ConstantSchedule(0), seed }) },
  ];
}

/** The G2P data of one run. */
export interface G2pData {
  vocab: G2pVocab;
  train: G2pExample[];
  test: PronunciationEntry[];
}

/**
 * The dictionary split (datasets/cmudict.ts), cut to the sizes asked.
 * @param options - trainWords, testWords (default all), part ("test" or "dev", default "test").
 */
export function g2pData(options: { trainWords?: number; testWords?: number; part?: "test" | "dev" } = {}): G2pData {
  const split = splitCmuDict(loadCmuDict());
  const trainEntries = split.train.slice(0, options.trainWords ?? split.train.length);
  const held = split[options.part ?? "test"];
  return { vocab: g2pVocab(ARPABET), train: g2pExamples(trainEntries), test: held.slice(0, options.testWords ?? held.length) };
}

/** Options of `g2pRun`. */
export interface G2pRunOptions {
  /** The data (`g2pData`). */
  data: G2pData;
  /** Scheduled sampling, or none for teacher forcing. */
  sampler?: ScheduledSampler;
  /** Seed of the weights and batches. Default: 1. */
  seed?: number;
  /** Training steps. Default: 2000. */
  steps?: number;
  /** B. Default: 64. */
  batchSize?: number;
  /** H of the LSTM encoder and decoder. Default: 128. */
  hidden?: number;
  /** Adam's learning rate. Default: 3e-3. */
  learningRate?: number;
  /** Beam width of the second decoding. Default: 5. */
  beamWidth?: number;
}

/** What `g2pRun` measured. */
export interface G2pResult {
  greedy: ErrorRates;
  beam: ErrorRates;
  /** Training losses, one per step. */
  losses: number[];
  /** Mean milliseconds per training step. */
  msPerStep: number;
  model: EncoderDecoder;
}

/** What `trainG2p` produced: the model and its training record. */
export interface G2pTraining {
  model: EncoderDecoder;
  /** [steps] training losses. */
  losses: number[];
  /** [steps] fraction of decoder inputs (positions t ≥ 1) fed from the model at each step (0 with teacher forcing). */
  sampled: number[];
  /** Mean milliseconds per training step (batch, scheduled-sampling pass, loss, gradient, update). */
  msPerStep: number;
  /** Wall time of the training. */
  seconds: number;
}

/**
 * The model of a G2P run: an LSTM encoder over one-hot letters, an LSTM decoder over phonemes.
 * @param vocab - the G2P vocabularies.
 * @param hidden - H of both LSTMs.
 * @param maxLength - the longest output `translate` writes (`<eos>` included).
 */
export function g2pModel(vocab: G2pVocab, hidden: number, maxLength: number): EncoderDecoder {
  return new EncoderDecoder({
    encoder: { kind: "lstm", inputSize: vocab.graphemes.length, hiddenSize: hidden },
    decoder: { kind: "lstm", hiddenSize: hidden },
    vocabularySize: vocab.phonemes.length,
    maxLength,
  });
}

/** The longest output of a run on `data`: the longest training pronunciation, `<eos>` and 4 to spare. */
export function g2pMaxLength(data: G2pData): number {
  return 1 + Math.max(...data.train.map((e) => e.phonemes.length)) + 4;
}

/**
 * Trains one G2P model (`setSeed(seed)` first): B random training examples per step (seeded),
 * source reversed, Adam, gradients clipped to norm 5, teacher forcing or the sampler's inputs.
 * The caller disposes `model.weights`.
 * @param options - as `g2pRun` (beamWidth unused).
 */
export function trainG2p(options: G2pRunOptions): G2pTraining {
  const { data } = options;
  const seed = options.seed ?? 1;
  const B = options.batchSize ?? 64;
  setSeed(seed);
  const model = g2pModel(data.vocab, options.hidden ?? 128, g2pMaxLength(data));
  const random = seededGenerator(seed);
  const sampler = options.sampler;
  const sampled: number[] = [];
  const history = train(
    model,
    (step) => {
      const examples = Array.from({ length: B }, () => data.train[Math.floor(random() * data.train.length)]);
      const batch = g2pBatch(examples, data.vocab, { reverseSource: true });
      if (sampler === undefined) {
        sampled.push(0);
        return batch;
      }
      const fed = sampler.seq2seqBatch(model, batch, step);
      sampled.push(sampler.lastSampledFraction);
      return fed;
    },
    { steps: options.steps ?? 2000, optimizer: "adam", learningRate: options.learningRate ?? 3e-3, clip: { globalNorm: 5 }, evalEvery: 1e9 },
  );
  return { model, losses: history.losses, sampled, msPerStep: history.totalMs / history.losses.length, seconds: history.totalMs / 1000 };
}

/**
 * Trains and scores one G2P model (see the file comment). The caller disposes `model.weights`.
 */
export function g2pRun(options: G2pRunOptions): G2pResult {
  const { model, losses, msPerStep } = trainG2p(options);
  return {
    greedy: scoreG2p(model, options.data, 1),
    beam: scoreG2p(model, options.data, options.beamWidth ?? 5),
    losses,
    msPerStep,
    model,
  };
}

/**
 * WER and PER of a model on `data.test` (every reference pronunciation counts as correct).
 * @param beamWidth - 1 greedy, else beam search.
 */
export function scoreG2p(model: EncoderDecoder, data: G2pData, beamWidth: number, chunk = 256): ErrorRates {
  const predictions: string[][] = [];
  for (let i = 0; i < data.test.length; i += chunk) {
    const part = data.test.slice(i, i + chunk);
    const batch = g2pBatch(part.map((e) => ({ word: e.word, phonemes: e.pronunciations[0] })), data.vocab, { reverseSource: true });
    for (const t of translate(model, batch.sources, batch.sourceMask, { beamWidth })) predictions.push(decodePhonemes(t.ids, data.vocab));
    tf.dispose(batch as unknown as tf.TensorContainer);
  }
  return errorRates(predictions, data.test.map((e) => e.pronunciations));
}

/** Per-position error rates of `exposureBias`. */
export interface ExposureBiasCurve {
  /** Output positions t = 0, 1, … (the last one is `<eos>` of the longest word). */
  positions: number[];
  /** P(argmax ≠ y_t) with the true y_<t fed (teacher forcing at test time). */
  goldFed: number[];
  /** P(ŷ_t ≠ y_t) with the model's own ŷ_<t fed (greedy decoding). */
  selfFed: number[];
  /** Words with a position t (the reference has ≥ t tokens before `<eos>`). */
  counts: number[];
}

/**
 * Exposure bias made visible: for each test word (its first pronunciation), position by position,
 * whether the decoder's token is wrong when it was fed the truth so far, against when it was fed
 * its own outputs. A self-fed sequence that is wrong at t is compared position-wise after it too.
 */
export function exposureBias(model: EncoderDecoder, data: G2pData, chunk = 256): ExposureBiasCurve {
  const L = 1 + Math.max(...data.test.map((e) => e.pronunciations[0].length));
  const wrongGold = new Array<number>(L).fill(0);
  const wrongSelf = new Array<number>(L).fill(0);
  const counts = new Array<number>(L).fill(0);
  for (let i = 0; i < data.test.length; i += chunk) {
    const part = data.test.slice(i, i + chunk);
    const batch = g2pBatch(part.map((e) => ({ word: e.word, phonemes: e.pronunciations[0] })), data.vocab, { reverseSource: true });
    const gold = tf.tidy(() => {
      const enc = model.encode(batch.sources, batch.sourceMask);
      const { logits } = model.decodeForward(shiftRight(batch.targets, model.sos), enc);
      return tf.argMax(logits, 2).arraySync() as number[][]; // [B, L']
    });
    const self = translate(model, batch.sources, batch.sourceMask, { maxLength: L });
    const targets = batch.targets.arraySync() as number[][];
    part.forEach((e, b) => {
      const n = e.pronunciations[0].length; // positions 0 … n (n is <eos>)
      const own = [...self[b].ids, model.eos];
      for (let t = 0; t <= n; t++) {
        counts[t]++;
        if (gold[b][t] !== targets[b][t]) wrongGold[t]++;
        if (own[t] !== targets[b][t]) wrongSelf[t]++;
      }
    });
    tf.dispose(batch as unknown as tf.TensorContainer);
  }
  const positions = counts.map((_, t) => t).filter((t) => counts[t] > 0);
  return {
    positions,
    goldFed: positions.map((t) => wrongGold[t] / counts[t]),
    selfFed: positions.map((t) => wrongSelf[t] / counts[t]),
    counts: positions.map((t) => counts[t]),
  };
}

/** What `scheduledSamplingCost` measured. */
export interface SamplingCost {
  /** Mean ms per training step with teacher forcing. */
  teacherForcingMs: number;
  /** Mean ms per step with scheduled sampling (ε = 0.5, model samples). */
  scheduledMs: number;
  /** scheduledMs / teacherForcingMs. */
  ratio: number;
}

/**
 * Milliseconds per training step, teacher forcing against scheduled sampling (ε = 0.5), on the
 * same model size, batches and number of steps, alternating blocks of steps so that a busy
 * machine slows both alike. The first block of each is a warm-up and not counted.
 * @param options - data, steps per block (default 20), blocks (default 4), batchSize (64), hidden (128).
 */
export function scheduledSamplingCost(options: { data: G2pData; steps?: number; blocks?: number; batchSize?: number; hidden?: number }): SamplingCost {
  const steps = options.steps ?? 20;
  const blocks = options.blocks ?? 4;
  const sampler = new ScheduledSampler({ schedule: new ConstantSchedule(0.5), seed: 1 });
  const ms = { tf: 0, ss: 0 };
  for (let block = 0; block <= blocks; block++) {
    for (const kind of ["tf", "ss"] as const) {
      const r = g2pTrainOnly({ ...options, steps, sampler: kind === "ss" ? sampler : undefined });
      if (block > 0) ms[kind] += r;
    }
  }
  return { teacherForcingMs: ms.tf / (steps * blocks), scheduledMs: ms.ss / (steps * blocks), ratio: ms.ss / ms.tf };
}

/** Trains a fresh model for `steps` steps; returns the total ms of the steps. */
function g2pTrainOnly(options: { data: G2pData; steps: number; batchSize?: number; hidden?: number; sampler?: ScheduledSampler }): number {
  const { data } = options;
  setSeed(1);
  const H = options.hidden ?? 128;
  const model = new EncoderDecoder({
    encoder: { kind: "lstm", inputSize: data.vocab.graphemes.length, hiddenSize: H },
    decoder: { kind: "lstm", hiddenSize: H },
    vocabularySize: data.vocab.phonemes.length,
  });
  const random = seededGenerator(1);
  const B = options.batchSize ?? 64;
  const sampler = options.sampler;
  const history = train(
    model,
    (step) => {
      const batch = g2pBatch(Array.from({ length: B }, () => data.train[Math.floor(random() * data.train.length)]), data.vocab, { reverseSource: true });
      return sampler === undefined ? batch : sampler.seq2seqBatch(model, batch, step);
    },
    { steps: options.steps, optimizer: "adam", learningRate: 3e-3, clip: { globalNorm: 5 }, evalEvery: 1e9 },
  );
  tf.dispose(model.weights);
  return history.steps.reduce((s, r) => s + r.ms, 0);
}

/**
 * `scheduledSamplingCost` for a sentence-level RNN LM (lm/train_sentence_lm.ts) on random
 * sentences: ms per training step with teacher forcing against scheduled sampling (ε = 0.5,
 * model samples), alternating epochs of `batches` steps, the first of each not counted.
 * @param options - vocabSize (10,000), hidden = embedding size (200), layers (2), batchSize (32),
 *   lengths [min, max] of the sentences ([10, 40]), batches per epoch (10), epochs counted (3).
 */
export function sentenceLmSamplingCost(options: { vocabSize?: number; hidden?: number; layers?: number; batchSize?: number; lengths?: [number, number]; batches?: number; epochs?: number } = {}): SamplingCost {
  const V = options.vocabSize ?? 10000;
  const B = options.batchSize ?? 32;
  const [lo, hi] = options.lengths ?? [10, 40];
  const random = seededGenerator(1);
  const sentences = Array.from({ length: B * (options.batches ?? 10) }, () => Int32Array.from({ length: lo + Math.floor(random() * (hi - lo + 1)) }, () => 4 + Math.floor(random() * (V - 4))));
  const ms = { tf: 0, ss: 0 };
  let steps = 0;
  for (let epoch = 0; epoch <= (options.epochs ?? 3); epoch++) {
    for (const kind of ["tf", "ss"] as const) {
      setSeed(1);
      const lm = new RnnLm({ vocabSize: V, embeddingSize: options.hidden ?? 200, hiddenSize: options.hidden ?? 200, layers: options.layers ?? 2 });
      const t0 = performance.now();
      const [record] = trainSentenceLm(lm, sentences, { batchSize: B, scheduledSampling: kind === "ss" ? new ScheduledSampler({ schedule: new ConstantSchedule(0.5), seed: 1 }) : undefined });
      if (epoch > 0) {
        ms[kind] += performance.now() - t0;
        if (kind === "tf") steps += record.steps;
      }
      lm.dispose();
    }
  }
  return { teacherForcingMs: ms.tf / steps, scheduledMs: ms.ss / steps, ratio: ms.ss / ms.tf };
}
