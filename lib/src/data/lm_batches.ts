/**
 * Batches for language models: (1) contiguous streams cut into BPTT windows, (2) padded
 * per-sentence batches. Both give plain typed arrays (row-major [B, T]) plus the shape;
 * `lmBatchTensors` turns one batch into tf tensors (the caller disposes them).
 *
 * (1) Stream batching (truncated BPTT; Mikolov 2010, Zaremba et al. 2014).
 *   The corpus is one long id stream x_0 … x_{N-1} (sentences joined, each ended by
 *   `<EOS>`). Its M = N − 1 (input, target) pairs (x_j, x_{j+1}) are cut into B contiguous
 *   streams of S = ⌈M / B⌉ pairs: stream b holds pairs j = b·S … min((b+1)·S, M) − 1.
 *   Window w (of W = ⌈S / k⌉, k = BPTT length) is [B, k]:
 *
 *     inputs[b, t] = x_j,   targets[b, t] = x_{j+1},   mask[b, t] = 1,   j = b·S + w·k + t,
 *
 *   for w·k + t < S and j < M; other cells are padding (`padId`, mask 0), only at the end
 *   of the last window or of the last stream(s). Hence every token except x_0 is a target
 *   exactly once, and every token except x_{N-1} an input exactly once: nothing is dropped.
 *
 *   Hidden state across windows: row b of window w+1 continues row b of window w, so the
 *   caller runs window w+1 from the final state of window w, DETACHED (no gradient flows
 *   back into window w — truncated BPTT):
 *
 *     let state = cell.zeroState(B);
 *     for (const win of batches.windows()) {
 *       // inside optimizer.minimize: run the sequence op from `state`, keep its final state
 *       const next = detachState(finalState);     // values kept, gradient cut
 *       tf.dispose(state); state = next;
 *     }
 *
 *   Padding is right padding, so the sequence ops' mask convention (state carried over
 *   padded steps) keeps each row's state correct.
 *
 * (2) Per-sentence batches: each sentence s_1 … s_n becomes x = <SOS> s_1 … s_n <EOS>,
 *   inputs = x_0 … x_n, targets = x_1 … x_{n+1} (length L = n + 1), right-padded to the
 *   longest row of the batch, mask [B, T] = 1 on the first L steps. Bucketing sorts the
 *   sentences by length first (stable), so a batch holds similar lengths and little padding.
 *
 * Reference: Zaremba, Sutskever & Vinyals 2014, "Recurrent neural network regularization"
 * (the PTB reader: B parallel streams, windows of num_steps = 20, state carried over).
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { seededGenerator } from "../random.js";
import { EOS_ID, PAD_ID, SOS_ID } from "./vocab.js";

/** One [B, T] batch of next-token prediction: inputs, targets, mask, all row-major. */
export interface LmBatch {
  /** int32 [B, T] input ids. */
  inputs: Int32Array;
  /** int32 [B, T] target ids: the next token of each input. */
  targets: Int32Array;
  /** float32 [B, T]: 1 for a real (input, target) pair, 0 for padding. */
  mask: Float32Array;
  /** [B, T]. */
  shape: [number, number];
  /** Number of real targets = sum of mask. */
  numTargets: number;
}

/** One BPTT window of {@link StreamBatches}. */
export interface StreamWindow extends LmBatch {
  /** Window index w in [0, numWindows). */
  index: number;
}

/** One padded per-sentence batch of {@link sentenceBatches}. */
export interface SentenceBatch extends LmBatch {
  /** int32 [B]: index of each row's sentence in the input array. */
  indices: Int32Array;
  /** int32 [B]: number of real steps of each row (n + 1 with SOS and EOS). */
  lengths: Int32Array;
}

/** Options of {@link streamBatches}. */
export interface StreamBatchOptions {
  /** B, the number of parallel streams (rows). */
  batchSize: number;
  /** k, the BPTT window length (columns). */
  bptt: number;
  /** The id written into padding cells. Default: `PAD_ID` (0). */
  padId?: number;
}

/** The windows of a token stream cut into B streams (see the file comment). */
export class StreamBatches {
  /** B. */
  readonly batchSize: number;
  /** k. */
  readonly bptt: number;
  /** S = ⌈(N − 1) / B⌉, pairs per stream. */
  readonly streamLength: number;
  /** W = ⌈S / k⌉. */
  readonly numWindows: number;
  /** N − 1, the number of targets over all windows. */
  readonly numTargets: number;
  private readonly ids: Int32Array;
  private readonly padId: number;

  /**
   * @param ids - [N] the token stream, N ≥ 2.
   * @param options - batchSize B, bptt k, padId (default 0).
   */
  constructor(ids: ArrayLike<number>, options: StreamBatchOptions) {
    const { batchSize: B, bptt: k } = options;
    if (!Number.isInteger(B) || B < 1) throw new ArgumentError(`streamBatches: expected batchSize to be an integer ≥ 1, got ${B}`);
    if (!Number.isInteger(k) || k < 1) throw new ArgumentError(`streamBatches: expected bptt to be an integer ≥ 1, got ${k}`);
    if (ids.length < 2) throw new ArgumentError(`streamBatches: expected a stream of at least 2 tokens, got ${ids.length}`);
    this.ids = Int32Array.from(ids);
    this.batchSize = B;
    this.bptt = k;
    this.padId = options.padId ?? PAD_ID;
    this.numTargets = ids.length - 1;
    this.streamLength = Math.ceil(this.numTargets / B);
    this.numWindows = Math.ceil(this.streamLength / k);
  }

  /**
   * Window w.
   * @param w - index in [0, numWindows).
   * @returns inputs, targets, mask [B, k].
   */
  window(w: number): StreamWindow {
    if (!Number.isInteger(w) || w < 0 || w >= this.numWindows) {
      throw new ArgumentError(`StreamBatches.window: expected an integer in [0, ${this.numWindows}), got ${w}`);
    }
    const { batchSize: B, bptt: k, streamLength: S, numTargets: M } = this;
    const inputs = new Int32Array(B * k).fill(this.padId); // [B, k]
    const targets = new Int32Array(B * k).fill(this.padId); // [B, k]
    const mask = new Float32Array(B * k); // [B, k]
    let n = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < k; t++) {
        const j = b * S + w * k + t;
        if (w * k + t >= S || j >= M) break;
        inputs[b * k + t] = this.ids[j];
        targets[b * k + t] = this.ids[j + 1];
        mask[b * k + t] = 1;
        n++;
      }
    }
    return { inputs, targets, mask, shape: [B, k], numTargets: n, index: w };
  }

  /** All windows in order (computed one at a time). */
  *windows(): IterableIterator<StreamWindow> {
    for (let w = 0; w < this.numWindows; w++) yield this.window(w);
  }
}

/**
 * Cuts a token stream into B parallel streams and BPTT windows of length k (see the file comment).
 * @param ids - [N] token ids (e.g. all sentences joined, each followed by `EOS_ID`).
 * @param options - batchSize B, bptt k, padId (default 0).
 * @returns the windows, each [B, k].
 */
export function streamBatches(ids: ArrayLike<number>, options: StreamBatchOptions): StreamBatches {
  return new StreamBatches(ids, options);
}

/**
 * Joins sentences into one stream, appending `eosId` after each (PTB: the line end is `<eos>`).
 * @param sentences - id arrays.
 * @param eosId - the separator. Default: `EOS_ID` (3).
 * @returns int32 [Σ (n_i + 1)].
 */
export function joinSentences(sentences: readonly ArrayLike<number>[], eosId = EOS_ID): Int32Array {
  let n = 0;
  for (const s of sentences) n += s.length + 1;
  const out = new Int32Array(n);
  let o = 0;
  for (const s of sentences) {
    for (let i = 0; i < s.length; i++) out[o++] = s[i];
    out[o++] = eosId;
  }
  return out;
}

/** Options of {@link sentenceBatches}. */
export interface SentenceBatchOptions {
  /** B, sentences per batch (the last batch may have fewer rows). */
  batchSize: number;
  /** Sort by length (stable) before cutting into batches, to reduce padding. Default: false. */
  bucket?: boolean;
  /** If set, shuffle the sentences (and, with bucketing, the batch order) with this seed. Default: no shuffle. */
  shuffleSeed?: number;
  /** Prepend `sosId` to every sentence. Default: true. */
  addSos?: boolean;
  /** Append `eosId` to every sentence. Default: true. */
  addEos?: boolean;
  /** Default: `SOS_ID` (2). */
  sosId?: number;
  /** Default: `EOS_ID` (3). */
  eosId?: number;
  /** Default: `PAD_ID` (0). */
  padId?: number;
}

/**
 * Padded per-sentence batches with <SOS>/<EOS> and masks (see the file comment).
 * @param sentences - id arrays (unknown words already `UNK_ID`).
 * @param options - batchSize, bucket (default false), shuffleSeed, addSos/addEos (default true), ids.
 * @returns the batches; each sentence is in exactly one row of one batch (`indices`).
 */
export function sentenceBatches(sentences: readonly ArrayLike<number>[], options: SentenceBatchOptions): SentenceBatch[] {
  const B = options.batchSize;
  if (!Number.isInteger(B) || B < 1) throw new ArgumentError(`sentenceBatches: expected batchSize to be an integer ≥ 1, got ${B}`);
  const pre = options.addSos === false ? [] : [options.sosId ?? SOS_ID];
  const post = options.addEos === false ? [] : [options.eosId ?? EOS_ID];
  const padId = options.padId ?? PAD_ID;
  const rng = options.shuffleSeed === undefined ? undefined : seededGenerator(options.shuffleSeed);

  let order = sentences.map((_, i) => i);
  if (rng !== undefined) shuffleInPlace(order, rng);
  if (options.bucket === true) order = order.slice().sort((a, b) => sentences[a].length - sentences[b].length); // stable
  const groups: number[][] = [];
  for (let i = 0; i < order.length; i += B) groups.push(order.slice(i, i + B));
  if (rng !== undefined && options.bucket === true) shuffleInPlace(groups, rng);

  return groups.map((rows) => {
    const seqs = rows.map((i) => [...pre, ...Array.from(sentences[i]), ...post]);
    const lengths = Int32Array.from(seqs, (x) => Math.max(0, x.length - 1));
    const T = Math.max(1, ...lengths);
    const b = rows.length;
    const inputs = new Int32Array(b * T).fill(padId); // [b, T]
    const targets = new Int32Array(b * T).fill(padId); // [b, T]
    const mask = new Float32Array(b * T); // [b, T]
    let n = 0;
    seqs.forEach((x, r) => {
      for (let t = 0; t < lengths[r]; t++) {
        inputs[r * T + t] = x[t];
        targets[r * T + t] = x[t + 1];
        mask[r * T + t] = 1;
        n++;
      }
    });
    return { inputs, targets, mask, shape: [b, T] as [number, number], numTargets: n, indices: Int32Array.from(rows), lengths };
  });
}

/**
 * One batch as tensors. The caller owns them: dispose them (or create them inside `tf.tidy`).
 * @param batch - a stream window or sentence batch.
 * @returns inputs int32 [B, T], targets int32 [B, T], mask float32 [B, T].
 */
export function lmBatchTensors(batch: LmBatch): { inputs: tf.Tensor2D; targets: tf.Tensor2D; mask: tf.Tensor2D } {
  return {
    inputs: tf.tensor2d(batch.inputs, batch.shape, "int32"), // [B, T]
    targets: tf.tensor2d(batch.targets, batch.shape, "int32"), // [B, T]
    mask: tf.tensor2d(batch.mask, batch.shape, "float32"), // [B, T]
  };
}

/** Identity forward, zero gradient: tf's missing `stopGradient`. */
const stopGradientOp = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => [tf.zerosLike(dy)],
})) as Parameters<typeof tf.customGrad>[0]);

/**
 * `x` with the gradient cut: the same values, but no gradient flows through it into `x`.
 * @param x - any tensor.
 * @returns a new tensor of x's shape (the caller disposes it).
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stopGradientOp(x) as T;
}

/**
 * The carried state of truncated BPTT: each tensor of a final state, detached
 * ({@link stopGradient}) and `tf.keep`-ed so it survives the `tf.tidy` / `minimize` that made
 * it. Pass the result as the initial state of the next window; dispose the old one.
 * @param state - the final state of window w (each [B, H]).
 * @returns new tensors, same values, each [B, H] (the caller disposes them).
 */
export function detachState<T extends tf.Tensor>(state: readonly T[]): T[] {
  return state.map((s) => tf.keep(stopGradient(s)));
}

function shuffleInPlace<T>(a: T[], rng: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
}
