/**
 * One-to-many: generate a sequence from one vector — image captioning, or here spelling
 * a digit's name from its one-hot vector.
 *
 *     s_0^(i) = tanh(v Winit_i + binit_i)      each [B, H], one per state entry (h, and C for an LSTM)
 *     h_t = cell(onehot(y_{t−1}), s_{t−1})     y_0 = <sos>
 *     p(y_t | y_<t, v) = softmax(h_t U + b̂)  [B, vocabSize]
 *
 * Training uses teacher forcing (the true y_{t−1} is fed back; see common.ts); `predict`
 * decodes greedily, feeding back its own argmax until `<eos>`.
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import type { GenerationBatch } from "../data/tasks.js";
import type { CellState, RecurrentCell } from "../rnn/cell.js";
import { glorotUniform } from "../rnn/init.js";
import {
  greedyDecode, Linear, stateCount, teacherForcedLoss, toDecoderCell, type DecoderSpec, type Trainable,
} from "./common.js";

/** Options of `SequenceGenerator`. */
export interface SequenceGeneratorOptions {
  /** The decoder: `{ kind, hiddenSize }` or a `RecurrentCell` with inputSize vocabSize. */
  cell: DecoderSpec | RecurrentCell;
  /** Dv: size of the input vector. */
  vectorSize: number;
  /** vocabSize: number of output tokens, `<sos>` and `<eos>` included. */
  vocabularySize: number;
  /** Id of `<sos>`. Default: 0. */
  sos?: number;
  /** Id of `<eos>`. Default: 1. */
  eos?: number;
  /** Longest sequence `predict` generates. Default: 20. */
  maxLength?: number;
}

/** A sequence generator from one vector (see the file comment). */
export class SequenceGenerator implements Trainable<GenerationBatch> {
  readonly cell: RecurrentCell;
  /** One [Dv, H] matrix per state entry. */
  readonly Winit: tf.Variable<tf.Rank.R2>[];
  /** One [H] bias per state entry. */
  readonly binit: tf.Variable<tf.Rank.R1>[];
  readonly out: Linear;
  readonly sos: number;
  readonly eos: number;
  readonly maxLength: number;

  constructor(options: SequenceGeneratorOptions) {
    const { vectorSize: Dv, vocabularySize: vocabSize } = options;
    if (!Number.isInteger(Dv) || Dv < 1) throw new ArgumentError(`SequenceGenerator: expected vectorSize an integer ≥ 1, got ${Dv}`);
    if (!Number.isInteger(vocabSize) || vocabSize < 2) throw new ArgumentError(`SequenceGenerator: expected vocabularySize an integer ≥ 2, got ${vocabSize}`);
    this.cell = toDecoderCell("SequenceGenerator", options.cell, vocabSize);
    this.sos = options.sos ?? 0;
    this.eos = options.eos ?? 1;
    this.maxLength = options.maxLength ?? 20;
    const H = this.cell.hiddenSize;
    const n = stateCount(this.cell);
    this.Winit = Array.from({ length: n }, () => glorotUniform([Dv, H]) as tf.Variable<tf.Rank.R2>); // n × [Dv, H]
    this.binit = Array.from({ length: n }, () => tf.tidy(() => tf.variable(tf.zeros([H]))) as tf.Variable<tf.Rank.R1>); // n × [H]
    this.out = new Linear(H, vocabSize);
  }

  /** The cell's weights, then Winit_i, binit_i for each state entry, then U [H, vocabSize], bHat [vocabSize]. */
  get weights(): tf.Variable[] {
    return [...this.cell.weights, ...this.Winit.flatMap((W, i) => [W, this.binit[i]]), ...this.out.weights];
  }

  /**
   * The decoder's initial state from the vectors.
   * @param vectors - [B, Dv].
   * @returns one [B, H] tensor per state entry.
   */
  initialState(vectors: tf.Tensor2D): CellState {
    return this.Winit.map((W, i) => tf.tanh(tf.add(tf.matMul(vectors, W), this.binit[i])) as tf.Tensor2D); // [B, H]
  }

  /** @returns the teacher-forced masked mean cross-entropy of `batch.targets`. */
  loss(batch: GenerationBatch): tf.Scalar {
    return tf.tidy(() =>
      teacherForcedLoss(this.cell, this.initialState(batch.vectors), this.out, batch.targets, batch.targetMask, this.sos),
    );
  }

  /**
   * Greedy generation.
   * @param vectors - [B, Dv].
   * @param maxLength - L. Default: the constructor's `maxLength`.
   * @returns int32 [B, L] token ids, `<eos>` from each sequence's first `<eos>` on.
   */
  predict(vectors: tf.Tensor2D, maxLength = this.maxLength): tf.Tensor2D {
    const state = tf.tidy(() => this.initialState(vectors));
    try {
      return greedyDecode(this.cell, state, this.out, this.sos, this.eos, maxLength);
    } finally {
      tf.dispose(state);
    }
  }
}
