/**
 * Batches of the hybrid word/character LM (lm/hybrid/model.ts): a stream window of word ids
 * (data/lm_batches.ts's `StreamBatches`, B rows of k = `bptt` tokens) plus the spelled
 * positions only — `spelled` [N] (flat b·T + t) and their characters `chars` [N, C] — so the
 * char LSTM runs on N words, not B·T.
 *
 * A position (b, t) of a window is spelled (u_t = 1) if it is a real token (mask 1) with a
 * spelling (lm/hybrid/stream.ts) and
 * 1. its word id is <UNK> (an OOV word with its characters), or
 * 2. it is an ordinary in-vocabulary word (not a special token) and its uniform draw is
 *    below p = `replaceProb` ("treated as new", training only; evaluation uses p = 0).
 *
 * Spellings longer than `maxChars` keep their first maxChars characters; C, the window's
 * longest, is at least 2 (see `HybridBatches.windows`).
 *
 * Replacement randomness: `HybridBatches` owns a `seededGenerator(seed)` (lib/src/random.ts)
 * and draws one uniform per window cell (padding and specials included, so the draws do not
 * depend on the data); successive `windows()` calls (epochs) continue the same sequence.
 *
 * As tensors (`hybridBatchTensors`), `source` [B·T] gives for each position its row of the
 * model's stacked table [E[w] (B·T rows); r (N rows)]: i itself, or B·T + n for the n-th
 * spelled position.
 */
import * as tf from "@tensorflow/tfjs";
import { SPECIAL_TOKENS, UNK_ID } from "../../data/vocab.js";
import { StreamBatches, type LmBatch } from "../../data/lm_batches.js";
import { ArgumentError } from "../../errors.js";
import { seededGenerator } from "../../random.js";
import type { HybridStream } from "./stream.js";

/** One window: word ids [B, T] plus the spelled positions and their characters. */
export interface HybridBatch extends LmBatch {
  /** int32 [N]: flat positions b·T + t with u = 1, increasing. */
  spelled: Int32Array;
  /** int32 [N, C]: their char ids, right-padded with 0. */
  chars: Int32Array;
  /** C, the longest spelling of the window, at least 2 (see `HybridBatches.windows`). */
  maxChars: number;
}

/** A batch as tensors (`hybridBatchTensors`). */
export interface HybridTensorBatch {
  /** int32 [B, T]. */
  inputs: tf.Tensor2D;
  /** int32 [B, T]. */
  targets: tf.Tensor2D;
  /** [B, T]. */
  mask?: tf.Tensor2D;
  /** int32 [N, C] characters of the spelled words (N may be 0). */
  chars: tf.Tensor2D;
  /** int32 [B·T]: the row of [E[w] (B·T rows); r (N rows)] each position takes. */
  source: tf.Tensor1D;
}

/** Options of `HybridBatches`. */
export interface HybridBatchOptions {
  /** B. Default: 20. */
  batchSize?: number;
  /** k. Default: 20. */
  bptt?: number;
  /** p: probability that an in-vocabulary word is spelled (training). Default: 0. */
  replaceProb?: number;
  /** Seed of the replacement generator. Default: 0. */
  seed?: number;
  /** C at most: longer words keep their first maxChars characters. Default: 20. */
  maxChars?: number;
}

/** Stream windows with the spelled positions (see the file comment). */
export class HybridBatches {
  readonly windowsOf: StreamBatches;
  readonly replaceProb: number;
  readonly maxChars: number;
  private readonly stream: HybridStream;
  private readonly random: () => number;

  /**
   * @param stream - ids and spellings (`encodeHybridStream`).
   * @param options - batchSize (20), bptt (20), replaceProb (0), seed (0), maxChars (20).
   */
  constructor(stream: HybridStream, options: HybridBatchOptions = {}) {
    if (stream.spellings.length !== stream.ids.length) {
      throw new ArgumentError(`HybridBatches: expected one spelling per token (${stream.ids.length}), got ${stream.spellings.length}`);
    }
    const p = options.replaceProb ?? 0;
    if (!(p >= 0 && p <= 1)) throw new ArgumentError(`HybridBatches: expected replaceProb in [0, 1], got ${p}`);
    const C = options.maxChars ?? 20;
    if (!Number.isInteger(C) || C < 1) throw new ArgumentError(`HybridBatches: expected maxChars an integer ≥ 1, got ${C}`);
    this.windowsOf = new StreamBatches(stream.ids, { batchSize: options.batchSize ?? 20, bptt: options.bptt ?? 20 });
    this.stream = stream;
    this.replaceProb = p;
    this.maxChars = C;
    this.random = seededGenerator(options.seed ?? 0);
  }

  /** All windows in order; replacement draws continue from the previous call. */
  *windows(): IterableIterator<HybridBatch & { index: number }> {
    const { batchSize: B, bptt: k, streamLength: S } = this.windowsOf;
    for (const win of this.windowsOf.windows()) {
      const spelled: number[] = [];
      const words: Int32Array[] = [];
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < k; t++) {
          const u = this.random(); // one draw per cell, always
          if (win.mask[b * k + t] !== 1) continue;
          const spelling = this.stream.spellings[b * S + win.index * k + t];
          if (spelling === null || spelling.length === 0) continue;
          const id = win.inputs[b * k + t];
          if (id === UNK_ID || (id >= SPECIAL_TOKENS.length && u < this.replaceProb)) {
            spelled.push(b * k + t);
            words.push(spelling.subarray(0, this.maxChars));
          }
        }
      }
      // C ≥ 2: the reference sequence ops' backward pass fails on length-1 sequences (tf.unstack's
      // gradient with a single output); an extra padding column changes nothing (masked).
      const C = Math.max(2, ...words.map((w) => w.length));
      const chars = new Int32Array(words.length * C); // [N, C]
      words.forEach((w, n) => chars.set(w, n * C));
      yield { ...win, spelled: Int32Array.from(spelled), chars, maxChars: C };
    }
  }
}

/**
 * One batch as tensors (the caller disposes them).
 * @param batch - a `HybridBatch`.
 * @returns inputs, targets, mask [B, T], chars [N, C], source [B·T].
 */
export function hybridBatchTensors(batch: HybridBatch): HybridTensorBatch {
  const [B, T] = batch.shape;
  const N = batch.spelled.length;
  const source = new Int32Array(B * T); // [B·T]
  for (let i = 0; i < B * T; i++) source[i] = i;
  batch.spelled.forEach((pos, n) => (source[pos] = B * T + n));
  return {
    inputs: tf.tensor2d(batch.inputs, batch.shape, "int32"), // [B, T]
    targets: tf.tensor2d(batch.targets, batch.shape, "int32"), // [B, T]
    mask: tf.tensor2d(batch.mask, batch.shape, "float32"), // [B, T]
    chars: tf.tensor2d(batch.chars, [N, batch.maxChars], "int32"), // [N, C]
    source: tf.tensor1d(source, "int32"), // [B·T]
  };
}
