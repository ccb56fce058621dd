/**
 * `RecurrentCell`: the one interface every recurrent cell implements — the course's
 * vanilla RNN, LSTM and GRU cells, and a student's own cell. Every model, sequence op,
 * notebook and gradient check takes a `RecurrentCell`, so a new cell plugs in everywhere.
 *
 * A cell maps (x_t, state_{t-1}) to state_t. The state is a list of [B, H] tensors whose
 * first entry is the hidden state h_t, which is also the cell's output:
 * - vanilla RNN and GRU: state = [h];
 * - LSTM: state = [h, C] (hidden state and cell state).
 *
 * Shapes: B batch, D input size (`inputSize`), H hidden size (`hiddenSize`).
 */
import type * as tf from "@tensorflow/tfjs";

/** The recurrent state: `[h]` or `[h, C, ...]`, each [B, H]; `state[0]` is h_t. */
export type CellState = tf.Tensor2D[];

/** Options of a sequence run (see `ops/sequence.ts`). */
export interface SequenceOptions {
  /** [B, T], 1 for real steps and 0 for padding. At a padded step the state is carried over unchanged and the output is 0. Default: all steps real. */
  mask?: tf.Tensor2D;
  /** The state before the first step. Default: `cell.zeroState(B)`. */
  initialState?: CellState;
  /** Run from t = T-1 down to 0 (the backward half of a bidirectional network); outputs stay aligned with the inputs. Default: false. */
  reverse?: boolean;
}

/** What a sequence run returns. */
export interface SequenceResult {
  /** [B, T, H]: h_t at every step (0 at padded steps). */
  outputs: tf.Tensor3D;
  /** The state after the last real step of each sequence (each [B, H]). */
  finalState: CellState;
}

/** A recurrent cell (see the file comment). */
export interface RecurrentCell {
  /** A short name for tables and plots, e.g. "lstm". */
  readonly name: string;
  /** D: size of each input vector x_t. */
  readonly inputSize: number;
  /** H: size of the hidden state h_t (and of each state tensor). */
  readonly hiddenSize: number;
  /** The trainable weights, in a fixed documented order. */
  readonly weights: tf.Variable[];
  /** The zero state for a batch of `batchSize`: one [B, H] tensor per state entry. */
  zeroState(batchSize: number): CellState;
  /**
   * One time step.
   * @param x - [B, D] input x_t.
   * @param state - the state at t-1.
   * @returns the state at t (`[0]` is h_t, [B, H]).
   */
  step(x: tf.Tensor2D, state: CellState): CellState;
  /**
   * Optional fast path over a whole sequence (the built-in cells use the sequence ops
   * `rnnSequence`, `lstmSequence`, `gruSequence`); without it `cellSequence` loops over `step`.
   * @param xs - [B, T, D].
   */
  sequence?(xs: tf.Tensor3D, options?: SequenceOptions): SequenceResult;
}
