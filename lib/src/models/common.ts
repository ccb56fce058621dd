/**
 * Pieces the four architectures share: how a model is given its recurrent part, the
 * output layer ŷ = softmax(h U + b̂), reading the last real step, and the decoder's two modes
 * (teacher forcing for the loss, greedy decoding for predictions).
 *
 * A model accepts its recurrent part in three forms, so any cell plugs in:
 * - a `CellSpec` `{ kind: "lstm", inputSize, hiddenSize }`: a built-in cell made by `makeCell`;
 * - any `RecurrentCell` (a built-in cell or a student's own class with just `step`);
 * - any `SequenceLayer` (`recurrentLayer`, `StackedRnn`, `Bidirectional`).
 *
 * Decoders (one-to-many, encoder–decoder) run step by step, so they take a cell: a
 * `DecoderSpec` `{ kind, hiddenSize }` (its input size is the vocabulary size vocabSize: the
 * previous token, one-hot) or a `RecurrentCell` with `inputSize` vocabSize.
 *
 * Teacher forcing (Williams & Zipser 1989): during training the decoder's input at step
 * t is the TRUE token y_{t−1} (y_0 = `<sos>`), so all steps run in one sequence op and
 * one mistake does not derail the rest of the sequence. Greedy decoding feeds back its
 * own most likely token, ŷ_t = argmax_k softmax(h_t U + b̂)_k.
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { softmaxCrossEntropy } from "../ops/softmax_cross_entropy.js";
import { cellSequence } from "../rnn/cell_sequence.js";
import type { CellState, RecurrentCell } from "../rnn/cell.js";
import { glorotUniform } from "../rnn/init.js";
import { asLayer, makeCell, type CellKind, type SequenceLayer } from "../rnn/layer.js";

export type { CellKind };

/** A built-in cell to create: kind, D and H. */
export interface CellSpec {
  kind: CellKind;
  /** D: size of each input vector. */
  inputSize: number;
  /** H: hidden size. */
  hiddenSize: number;
}

/** A decoder cell to create: its input is the previous token one-hot, so D = vocabSize is implied. */
export interface DecoderSpec {
  kind: CellKind;
  /** H: hidden size. */
  hiddenSize: number;
}

/** The recurrent part of a model: a cell to create, a cell, or a sequence layer. */
export type EncoderSpec = CellSpec | RecurrentCell | SequenceLayer;

/** A model `train()` can fit: trainable weights and a loss on a batch. */
export interface Trainable<Batch> {
  /** Every trainable variable, each once. */
  readonly weights: tf.Variable[];
  /** The scalar loss to minimise on `batch`. */
  loss(batch: Batch): tf.Scalar;
}

/** Turns any `EncoderSpec` into a `SequenceLayer`. */
export function toLayer(spec: EncoderSpec): SequenceLayer {
  if ("run" in spec || "step" in spec) return asLayer(spec);
  return asLayer(makeCell(spec.kind, spec.inputSize, spec.hiddenSize));
}

/** Turns a decoder spec into a cell whose input size must be `vocabSize`. */
export function toDecoderCell(where: string, spec: DecoderSpec | RecurrentCell, vocabSize: number): RecurrentCell {
  const cell = "step" in spec ? spec : makeCell(spec.kind, vocabSize, spec.hiddenSize);
  if (cell.inputSize !== vocabSize) {
    throw new ArgumentError(`${where}: expected decoder inputSize = vocabularySize = ${vocabSize}, got ${cell.inputSize}`);
  }
  return cell;
}

/** How many tensors a cell's state holds (1 for RNN/GRU, 2 for LSTM). */
export function stateCount(cell: RecurrentCell): number {
  return tf.tidy(() => cell.zeroState(1).length);
}

/**
 * The output layer: logits h U + b̂ (the lecture's ŷ_t = g(U h_t + b̂) with the course's
 * [in, out] layout: U [H, K], b̂ `bHat` [K]).
 */
export class Linear {
  /** [H, K]. */
  readonly U: tf.Variable<tf.Rank.R2>;
  /** [K]. */
  readonly bHat: tf.Variable<tf.Rank.R1>;

  /**
   * @param inputSize - H.
   * @param outputSize - K; U ~ Glorot uniform, b̂ = 0.
   */
  constructor(inputSize: number, outputSize: number) {
    this.U = glorotUniform([inputSize, outputSize]) as tf.Variable<tf.Rank.R2>; // [H, K]
    this.bHat = tf.tidy(() => tf.variable(tf.zeros([outputSize]))) as tf.Variable<tf.Rank.R1>; // [K] (tidy frees the zeros)
  }

  /** @param h - [N, H]. @returns [N, K]. */
  apply(h: tf.Tensor2D): tf.Tensor2D {
    return tf.fused.matMul({ a: h, b: this.U, bias: this.bHat }) as tf.Tensor2D; // [N, K]: h U + b̂ (one kernel on the seqlab backend)
  }

  /** @param hs - [B, T, H]. @returns [B, T, K]. */
  applySequence(hs: tf.Tensor3D): tf.Tensor3D {
    const [B, T, H] = hs.shape;
    const y = this.apply(tf.reshape(hs, [B * T, H])); // [B·T, K]
    return tf.reshape(y, [B, T, this.U.shape[1]]); // [B, T, K]
  }

  get weights(): tf.Variable[] {
    return [this.U, this.bHat];
  }
}

/**
 * Each sequence's output at its last real step.
 * @param outputs - [B, T, H].
 * @param mask - optional [B, T] right-padding mask. Default: every step real (the step T−1).
 * @returns [B, H].
 */
export function lastStep(outputs: tf.Tensor3D, mask?: tf.Tensor2D): tf.Tensor2D {
  const [B, T, H] = outputs.shape;
  if (mask === undefined) return tf.reshape(tf.slice(outputs, [0, T - 1, 0], [B, 1, H]), [B, H]); // [B, H]
  const last = tf.cast(tf.sub(tf.sum(mask, 1), 1), "int32"); // [B], index of the last real step
  const pick = tf.expandDims(tf.oneHot(last, T), 2); // [B, T, 1]
  return tf.sum(tf.mul(outputs, pick), 1) as tf.Tensor2D; // [B, H]
}

/**
 * The decoder's loss with teacher forcing: inputs [<sos>, y_1, …, y_{L−1}] (one-hot),
 * masked mean cross-entropy against y_1..y_L. With `previous` given, those tokens are the
 * inputs instead (scheduled sampling, generation/scheduled_sampling.ts, mixes the true tokens
 * with the model's own; the loss is otherwise the same).
 * @param cell - the decoder cell (D = vocabSize).
 * @param initialState - its state before the first step (each [B, H]).
 * @param out - the output layer H → vocabSize.
 * @param targets - int32 [B, L].
 * @param targetMask - [B, L].
 * @param sos - id of `<sos>`.
 * @param previous - int32 [B, L] the decoder's inputs. Default: [<sos>, y_1, …, y_{L−1}].
 */
export function teacherForcedLoss(
  cell: RecurrentCell,
  initialState: CellState,
  out: Linear,
  targets: tf.Tensor2D,
  targetMask: tf.Tensor2D,
  sos: number,
  previous?: tf.Tensor2D,
): tf.Scalar {
  const [B, L] = targets.shape;
  if (previous !== undefined && (previous.rank !== 2 || previous.shape[0] !== B || previous.shape[1] !== L || previous.dtype !== "int32")) {
    throw new ArgumentError(`teacherForcedLoss: expected int32 decoder inputs of shape [${B}, ${L}] (as the targets), got ${previous.dtype} [${previous.shape}]`);
  }
  const { outputs } = decoderSteps(cell, initialState, previous ?? shiftRight(targets, sos)); // [B, L, H]
  return softmaxCrossEntropy(out.applySequence(outputs), targets, targetMask);
}

/**
 * The teacher-forcing inputs: [<sos>, y_1, …, y_{L−1}].
 * @param targets - int32 [B, L].
 * @param sos - id of `<sos>`.
 * @returns int32 [B, L].
 */
export function shiftRight(targets: tf.Tensor2D, sos: number): tf.Tensor2D {
  const [B, L] = targets.shape;
  return tf.concat([tf.fill([B, 1], sos, "int32"), tf.slice(targets, [0, 0], [B, L - 1])], 1); // [B, L]
}

/**
 * Runs a decoder cell over given input tokens (one-hot) from a state.
 * @param cell - the decoder cell (D = vocabSize).
 * @param initialState - each [B, H].
 * @param tokens - int32 [B, T].
 * @returns outputs [B, T, H] and the final state.
 */
export function decoderSteps(cell: RecurrentCell, initialState: CellState, tokens: tf.Tensor2D): { outputs: tf.Tensor3D; finalState: CellState } {
  const xs = tf.cast(tf.oneHot(tokens, cell.inputSize), "float32") as tf.Tensor3D; // [B, T, vocabSize]
  return cellSequence(cell, xs, { initialState });
}

/**
 * Greedy decoding: start from `<sos>`, feed back the argmax token, stop when every
 * sequence has emitted `<eos>` or after `maxLength` steps.
 * @param cell - the decoder cell (D = vocabSize).
 * @param initialState - each [B, H].
 * @param out - the output layer H → vocabSize.
 * @param sos - id of `<sos>`. @param eos - id of `<eos>`.
 * @param maxLength - L ≥ 1.
 * @returns int32 [B, L]: the tokens, `<eos>` from each sequence's first `<eos>` on.
 */
export function greedyDecode(
  cell: RecurrentCell,
  initialState: CellState,
  out: Linear,
  sos: number,
  eos: number,
  maxLength: number,
): tf.Tensor2D {
  if (!Number.isInteger(maxLength) || maxLength < 1) {
    throw new ArgumentError(`greedyDecode: expected maxLength an integer ≥ 1, got ${maxLength}`);
  }
  const B = initialState[0].shape[0];
  const vocabSize = cell.inputSize;
  const ids = new Int32Array(B * maxLength).fill(eos);
  const done = new Array<boolean>(B).fill(false);
  let previous = new Int32Array(B).fill(sos);
  let state = initialState.map((s) => tf.clone(s));
  for (let t = 0; t < maxLength && done.includes(false); t++) {
    const next = tf.tidy(() => {
      const x = tf.cast(tf.oneHot(tf.tensor1d(previous, "int32"), vocabSize), "float32") as tf.Tensor2D; // [B, vocabSize]
      const s = cell.step(x, state); // each [B, H]
      return { s, token: tf.argMax(out.apply(s[0]), 1) }; // [B]
    });
    tf.dispose(state);
    state = next.s;
    previous = next.token.dataSync() as Int32Array;
    next.token.dispose();
    for (let b = 0; b < B; b++) {
      if (done[b]) continue;
      ids[b * maxLength + t] = previous[b];
      if (previous[b] === eos) done[b] = true;
    }
  }
  tf.dispose(state);
  return tf.tensor2d(ids, [B, maxLength], "int32"); // [B, L]
}
