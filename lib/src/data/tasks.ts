/**
 * Seeded synthetic tasks for the four recurrent architectures of the lecture.
 *
 * | task              | architecture     | what it tests                                      |
 * |-------------------|------------------|----------------------------------------------------|
 * | `addingProblem`   | many-to-one      | long-range dependencies (regression)               |
 * | `rememberTask`    | many-to-one      | memory over a delay of T blank steps               |
 * | `copyTask`        | many-to-many     | memory of several symbols over a delay             |
 * | `nextTokenTask`   | many-to-many     | right context: needs a bidirectional network       |
 * | `spellingTask`    | one-to-many      | generating a sequence from one vector              |
 * | `reverseTask`     | encoder–decoder  | unaligned input and output sequences               |
 *
 * Every task is an object whose `batch(size, seed)` returns fresh tensors (the caller
 * disposes them; `train()` does). The same seed gives the same batch: each call starts
 * its own mulberry32 generator from `seed`, independent of `setSeed` and of other calls.
 *
 * Sequence-to-sequence vocabularies put `<sos>` at id 0 and `<eos>` at id 1 (`SOS`, `EOS`).
 *
 * The adding problem is Hochreiter & Schmidhuber (1997), "Long short-term memory", §5.4,
 * in the form of Le, Jaitly & Hinton (2015): one marker in each half of the sequence. The
 * copy task is Arjovsky, Shah & Bengio (2016), "Unitary evolution recurrent neural networks".
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { seededGenerator } from "../random.js";

/** Many-to-one data (`SequenceClassifier`). */
export interface SequenceBatch {
  /** [B, T, D] input features. */
  inputs: tf.Tensor3D;
  /** [B, T], 1 for real steps; absent when every step is real. */
  mask?: tf.Tensor2D;
  /** int32 [B] class ids (classification) or float32 [B, O] values (regression). */
  targets: tf.Tensor;
}

/** Aligned many-to-many data (`SequenceTagger`). */
export interface TaggingBatch {
  /** [B, T, D] input features. */
  inputs: tf.Tensor3D;
  /** [B, T], 1 for real input steps; absent when every step is real. */
  mask?: tf.Tensor2D;
  /** int32 [B, T], one class id per step (0 where `targetMask` is 0). */
  targets: tf.Tensor2D;
  /** [B, T], 1 at the steps the loss counts. */
  targetMask: tf.Tensor2D;
}

/** One-to-many data (`SequenceGenerator`). */
export interface GenerationBatch {
  /** [B, Dv] one input vector per example. */
  vectors: tf.Tensor2D;
  /** int32 [B, L] output token ids, ending with `EOS` (padding after it is `EOS`). */
  targets: tf.Tensor2D;
  /** [B, L], 1 up to and including the first `EOS`. */
  targetMask: tf.Tensor2D;
}

/** Unaligned many-to-many data (`EncoderDecoder`). */
export interface TranslationBatch {
  /** [B, S, vocabSize] one-hot source tokens. */
  sources: tf.Tensor3D;
  /** [B, S], 1 for real source steps. */
  sourceMask: tf.Tensor2D;
  /** int32 [B, L] output token ids, ending with `EOS` (padding after it is `EOS`). */
  targets: tf.Tensor2D;
  /** [B, L], 1 up to and including the first `EOS`. */
  targetMask: tf.Tensor2D;
}

/** A synthetic task: sizes for building a model, and seeded batches. */
export interface Task<Batch> {
  /** A short name for tables and plots, e.g. "adding(T=50)". */
  readonly name: string;
  /** D (or Dv for `spellingTask`, vocabSize for `reverseTask`): size of each input vector. */
  readonly inputSize: number;
  /** K classes, O regression outputs, or vocabSize output tokens. */
  readonly outputSize: number;
  /** What always predicting the best constant scores: the baseline MSE (regression) or chance accuracy. */
  readonly baseline: number;
  /** Token names for sequence-to-sequence tasks (`SOS` = 0, `EOS` = 1); empty otherwise. */
  readonly vocabulary: readonly string[];
  /**
   * A batch of `size` examples.
   * @param size - B ≥ 1.
   * @param seed - integer in [0, 2^32); the same seed gives the same batch.
   */
  batch(size: number, seed: number): Batch;
}

/** Id of the start-of-sequence token in sequence-to-sequence vocabularies. */
export const SOS = 0;
/** Id of the end-of-sequence token in sequence-to-sequence vocabularies. */
export const EOS = 1;

/** The batch generator for `seed` (mulberry32, see lib/src/random.ts). */
function generator(seed: number): () => number {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new ArgumentError(`batch: expected seed an integer in [0, 2^32), got ${seed}`);
  }
  return seededGenerator(seed);
}

/** An integer uniform in [lo, hi). */
const randInt = (rand: () => number, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo));

function checkInt(fn: string, name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new ArgumentError(`${fn}: expected ${name} an integer ≥ ${min}, got ${value}`);
  }
}

/**
 * The adding problem: at each step a pair (value ~ U[0, 1), marker ∈ {0, 1}); exactly two
 * markers are 1, one in each half of the sequence; the target is the sum of the two
 * marked values. Always predicting 1 (the mean) scores MSE = Var(u1 + u2) = 1/6 ≈ 0.167,
 * the `baseline`; a model that "solves" it goes well below (e.g. < 0.01).
 * @param options.length - T ≥ 2, the sequence length. Default: 50.
 * @returns batches with inputs [B, T, 2] (value, marker) and float32 targets [B, 1].
 */
export function addingProblem(options: { length?: number } = {}): Task<SequenceBatch> {
  const T = options.length ?? 50;
  checkInt("addingProblem", "length", T, 2);
  return {
    name: `adding(T=${T})`, inputSize: 2, outputSize: 1, baseline: 1 / 6, vocabulary: [],
    batch(size, seed) {
      checkInt("addingProblem.batch", "size", size, 1);
      const rand = generator(seed);
      const x = new Float32Array(size * T * 2);
      const y = new Float32Array(size);
      const half = Math.floor(T / 2);
      for (let b = 0; b < size; b++) {
        for (let t = 0; t < T; t++) x[(b * T + t) * 2] = rand();
        const first = randInt(rand, 0, half);
        const second = randInt(rand, half, T);
        x[(b * T + first) * 2 + 1] = 1;
        x[(b * T + second) * 2 + 1] = 1;
        y[b] = x[(b * T + first) * 2] + x[(b * T + second) * 2];
      }
      return { inputs: tf.tensor3d(x, [size, T, 2]), targets: tf.tensor2d(y, [size, 1]) }; // [B, T, 2], [B, 1]
    },
  };
}

/**
 * Remember one symbol over a delay: step 0 shows a symbol s ∈ [0, K) (one-hot), then
 * `delay` steps show random distractors (one-hot in K further features); the label of
 * the sequence is s. The network must keep s in its state while the distractors push it
 * around, and the gradient that teaches it to do so must flow back through all `delay`
 * steps, so the task gets harder as the delay grows: an LSTM learns it at delays where a
 * vanilla RNN stays near chance (1/K).
 * @param options.symbols - K ≥ 2. Default: 4.
 * @param options.delay - T ≥ 0 distractor steps. Default: 20.
 * @returns batches with inputs [B, T+1, 2K] and int32 targets [B].
 */
export function rememberTask(options: { symbols?: number; delay?: number } = {}): Task<SequenceBatch> {
  const K = options.symbols ?? 4;
  const delay = options.delay ?? 20;
  checkInt("rememberTask", "symbols", K, 2);
  checkInt("rememberTask", "delay", delay, 0);
  const T = delay + 1;
  const D = 2 * K;
  return {
    name: `remember(K=${K}, delay=${delay})`, inputSize: D, outputSize: K, baseline: 1 / K, vocabulary: [],
    batch(size, seed) {
      checkInt("rememberTask.batch", "size", size, 1);
      const rand = generator(seed);
      const x = new Float32Array(size * T * D);
      const y = new Int32Array(size);
      for (let b = 0; b < size; b++) {
        y[b] = randInt(rand, 0, K);
        x[b * T * D + y[b]] = 1;
        for (let t = 1; t < T; t++) x[(b * T + t) * D + K + randInt(rand, 0, K)] = 1;
      }
      return { inputs: tf.tensor3d(x, [size, T, D]), targets: tf.tensor1d(y, "int32") }; // [B, T+1, 2K], [B]
    },
  };
}

/**
 * The copy task: S symbols from [0, K), then `delay` blanks, then S steps showing the
 * recall marker, at which the network must output the S symbols in order. Steps:
 * [0, S) symbols, [S, S+delay) blanks, [S+delay, 2S+delay) recall. Input features: K
 * symbol one-hots, then "blank", then "recall" (D = K + 2). Only the recall steps count
 * in the loss (`targetMask`); chance accuracy is 1/K.
 * @param options.symbols - K ≥ 2. Default: 4.
 * @param options.length - S ≥ 1 symbols to copy. Default: 3.
 * @param options.delay - blank steps ≥ 0. Default: 10.
 * @returns batches with inputs [B, 2S+delay, K+2], int32 targets and targetMask [B, 2S+delay].
 */
export function copyTask(options: { symbols?: number; length?: number; delay?: number } = {}): Task<TaggingBatch> {
  const K = options.symbols ?? 4;
  const S = options.length ?? 3;
  const delay = options.delay ?? 10;
  checkInt("copyTask", "symbols", K, 2);
  checkInt("copyTask", "length", S, 1);
  checkInt("copyTask", "delay", delay, 0);
  const T = 2 * S + delay;
  const D = K + 2;
  return {
    name: `copy(K=${K}, S=${S}, delay=${delay})`, inputSize: D, outputSize: K, baseline: 1 / K, vocabulary: [],
    batch(size, seed) {
      checkInt("copyTask.batch", "size", size, 1);
      const rand = generator(seed);
      const x = new Float32Array(size * T * D);
      const y = new Int32Array(size * T);
      const m = new Float32Array(size * T);
      for (let b = 0; b < size; b++) {
        for (let i = 0; i < S; i++) {
          const s = randInt(rand, 0, K);
          x[(b * T + i) * D + s] = 1;
          const r = S + delay + i; // where symbol i is recalled
          y[b * T + r] = s;
          m[b * T + r] = 1;
          x[(b * T + r) * D + K + 1] = 1;
        }
        for (let t = S; t < S + delay; t++) x[(b * T + t) * D + K] = 1;
      }
      return {
        inputs: tf.tensor3d(x, [size, T, D]), // [B, T, K+2]
        targets: tf.tensor2d(y, [size, T], "int32"), // [B, T]
        targetMask: tf.tensor2d(m, [size, T]), // [B, T]
      };
    },
  };
}

/**
 * Tag each token with the NEXT token (or `END`, class K, at the last real token). Tokens
 * are uniform in [0, K); lengths uniform in [minLength, maxLength], padded to maxLength.
 * A left-to-right network has not seen x_{t+1} when it tags x_t, so it is at chance (1/K)
 * except at the last step; a bidirectional network reads it from the backward half.
 * The `baseline` is the best a left-to-right tagger can do when all lengths are equal:
 * ((T−1)/K + 1)/T.
 * @param options.symbols - K ≥ 2. Default: 5.
 * @param options.maxLength - T ≥ 2. Default: 8.
 * @param options.minLength - in [2, T]. Default: T (no padding).
 * @returns batches with one-hot inputs [B, T, K], mask, int32 targets (K+1 classes) and targetMask [B, T].
 */
export function nextTokenTask(
  options: { symbols?: number; maxLength?: number; minLength?: number } = {},
): Task<TaggingBatch> {
  const K = options.symbols ?? 5;
  const T = options.maxLength ?? 8;
  const minLength = options.minLength ?? T;
  checkInt("nextTokenTask", "symbols", K, 2);
  checkInt("nextTokenTask", "maxLength", T, 2);
  if (!Number.isInteger(minLength) || minLength < 2 || minLength > T) {
    throw new ArgumentError(`nextTokenTask: expected minLength an integer in [2, ${T}], got ${minLength}`);
  }
  return {
    name: `next-token(K=${K}, T=${T})`, inputSize: K, outputSize: K + 1,
    baseline: ((T - 1) / K + 1) / T, vocabulary: [],
    batch(size, seed) {
      checkInt("nextTokenTask.batch", "size", size, 1);
      const rand = generator(seed);
      const x = new Float32Array(size * T * K);
      const y = new Int32Array(size * T);
      const m = new Float32Array(size * T);
      for (let b = 0; b < size; b++) {
        const len = randInt(rand, minLength, T + 1);
        const tokens = Array.from({ length: len }, () => randInt(rand, 0, K));
        for (let t = 0; t < len; t++) {
          x[(b * T + t) * K + tokens[t]] = 1;
          y[b * T + t] = t + 1 < len ? tokens[t + 1] : K;
          m[b * T + t] = 1;
        }
      }
      const mask = tf.tensor2d(m, [size, T]); // [B, T]
      return {
        inputs: tf.tensor3d(x, [size, T, K]), // [B, T, K]
        mask,
        targets: tf.tensor2d(y, [size, T], "int32"), // [B, T]
        targetMask: tf.clone(mask), // [B, T]
      };
    },
  };
}

/** The English names of the digits 0–9. */
export const DIGIT_NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"] as const;

/**
 * One-to-many: from a one-hot digit d ∈ [0, 10), spell its English name letter by
 * letter, then `<eos>` ("three" → t h r e e <eos>). The vocabulary is `<sos>`, `<eos>`
 * and the 15 letters of the names, sorted. L = 6 (the longest name, 5 letters, + `<eos>`).
 * @returns batches with vectors [B, 10], int32 targets and targetMask [B, 6].
 */
export function spellingTask(): Task<GenerationBatch> {
  const letters = [...new Set(DIGIT_NAMES.join(""))].sort();
  const vocabulary = ["<sos>", "<eos>", ...letters];
  const L = Math.max(...DIGIT_NAMES.map((w) => w.length)) + 1;
  return {
    name: "spelling", inputSize: 10, outputSize: vocabulary.length, baseline: 1 / letters.length, vocabulary,
    batch(size, seed) {
      checkInt("spellingTask.batch", "size", size, 1);
      const rand = generator(seed);
      const v = new Float32Array(size * 10);
      const y = new Int32Array(size * L).fill(EOS);
      const m = new Float32Array(size * L);
      for (let b = 0; b < size; b++) {
        const d = randInt(rand, 0, 10);
        v[b * 10 + d] = 1;
        const word = DIGIT_NAMES[d];
        for (let t = 0; t < word.length; t++) y[b * L + t] = vocabulary.indexOf(word[t]);
        for (let t = 0; t <= word.length; t++) m[b * L + t] = 1;
      }
      return {
        vectors: tf.tensor2d(v, [size, 10]), // [B, 10]
        targets: tf.tensor2d(y, [size, L], "int32"), // [B, L]
        targetMask: tf.tensor2d(m, [size, L]), // [B, L]
      };
    },
  };
}

/**
 * Unaligned many-to-many: read digits x_1..x_n (n uniform in [minLength, maxLength]),
 * write them reversed ("sort": in increasing order), then `<eos>`. Output step t depends
 * on input step n+1−t, so no step-by-step alignment exists; the output (n + 1 tokens) is
 * longer than the input. Vocabulary: `<sos>`, `<eos>`, then the K digits "0", "1", ...
 * @param options.symbols - K digits, in [2, 10]. Default: 8.
 * @param options.minLength - ≥ 1. Default: 3.
 * @param options.maxLength - S ≥ minLength. Default: 6.
 * @param options.transform - "reverse" or "sort". Default: "reverse".
 * @returns batches with one-hot sources [B, S, K+2], sourceMask [B, S], int32 targets and targetMask [B, S+1].
 */
export function reverseTask(
  options: { symbols?: number; minLength?: number; maxLength?: number; transform?: "reverse" | "sort" } = {},
): Task<TranslationBatch> {
  const K = options.symbols ?? 8;
  const minLength = options.minLength ?? 3;
  const S = options.maxLength ?? 6;
  const transform = options.transform ?? "reverse";
  if (!Number.isInteger(K) || K < 2 || K > 10) {
    throw new ArgumentError(`reverseTask: expected symbols an integer in [2, 10], got ${K}`);
  }
  checkInt("reverseTask", "minLength", minLength, 1);
  checkInt("reverseTask", "maxLength", S, minLength);
  if (transform !== "reverse" && transform !== "sort") {
    throw new ArgumentError(`reverseTask: expected transform "reverse" or "sort", got "${transform}"`);
  }
  const vocabulary = ["<sos>", "<eos>", ...Array.from({ length: K }, (_, k) => String(k))];
  const vocabSize = vocabulary.length;
  const L = S + 1;
  return {
    name: `${transform}(K=${K}, n=${minLength}..${S})`, inputSize: vocabSize, outputSize: vocabSize, baseline: 1 / K, vocabulary,
    batch(size, seed) {
      checkInt("reverseTask.batch", "size", size, 1);
      const rand = generator(seed);
      const x = new Float32Array(size * S * vocabSize);
      const xm = new Float32Array(size * S);
      const y = new Int32Array(size * L).fill(EOS);
      const ym = new Float32Array(size * L);
      for (let b = 0; b < size; b++) {
        const n = randInt(rand, minLength, S + 1);
        const digits = Array.from({ length: n }, () => randInt(rand, 0, K));
        const out = transform === "reverse" ? [...digits].reverse() : [...digits].sort((p, q) => p - q);
        for (let t = 0; t < n; t++) {
          x[(b * S + t) * vocabSize + 2 + digits[t]] = 1;
          xm[b * S + t] = 1;
          y[b * L + t] = 2 + out[t];
        }
        for (let t = 0; t <= n; t++) ym[b * L + t] = 1;
      }
      return {
        sources: tf.tensor3d(x, [size, S, vocabSize]), // [B, S, vocabSize]
        sourceMask: tf.tensor2d(xm, [size, S]), // [B, S]
        targets: tf.tensor2d(y, [size, L], "int32"), // [B, L]
        targetMask: tf.tensor2d(ym, [size, L]), // [B, L]
      };
    },
  };
}

/**
 * Token ids to text, stopping at the first `EOS` (not included); `SOS` is skipped.
 * @param ids - token ids of one sequence.
 * @param vocabulary - the task's vocabulary.
 * @param separator - between tokens. Default: "" (letters and digits read as words).
 */
export function decodeTokens(ids: ArrayLike<number>, vocabulary: readonly string[], separator = ""): string {
  const out: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] === EOS) break;
    if (ids[i] !== SOS) out.push(vocabulary[ids[i]] ?? "?");
  }
  return out.join(separator);
}
