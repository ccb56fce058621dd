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
import { ArgumentError } from "../errors.js";
import type { CellState, SequenceOptions, SequenceResult } from "../ops/types.js";

export type { CellState, SequenceOptions, SequenceResult } from "../ops/types.js";

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
   * `rnnSequence`, `lstmSequence`, `gruSequence`); without it `cellSequence` (rnn/cell_sequence.ts) loops over `step`.
   * @param xs - [B, T, D].
   */
  sequence?(xs: tf.Tensor3D, options?: SequenceOptions): SequenceResult;
}

/** Shape of a tensor-like argument as text ("[2,9]"), or what it is instead. */
function shapeText(x: unknown): string {
  const shape = (x as { shape?: unknown } | null)?.shape;
  if (x === null || x === undefined || !Array.isArray(shape)) return x === null ? "null" : Array.isArray(x) ? "an array (not a tensor)" : typeof x;
  return JSON.stringify(shape);
}

/** Whether `x` is a tensor-like of rank `rank` whose entries equal `dims` (null = any). */
function hasShape(x: unknown, dims: readonly (number | null)[]): boolean {
  const shape = (x as { shape?: unknown } | null)?.shape;
  return Array.isArray(shape) && shape.length === dims.length && dims.every((d, i) => d === null || shape[i] === d);
}

/**
 * Checks a state argument: `names.length` tensors, each [B, H].
 * @param where - the public function, for messages ("LstmCell.step").
 * @param argument - the argument's name ("state", "initialState").
 * @param state - the value given.
 * @param names - the entries' names, e.g. ["h", "C"].
 * @param batch - B.
 * @param hiddenSize - H.
 * @throws ArgumentError "expected state[1] (C) of shape [batch=2, hiddenSize=16], got [2,8]".
 */
export function checkStateArg(where: string, argument: string, state: unknown, names: readonly string[], batch: number, hiddenSize: number): void {
  if (!Array.isArray(state) || state.length !== names.length) {
    const got = Array.isArray(state) ? `${state.length} tensor${state.length === 1 ? "" : "s"}` : shapeText(state);
    throw new ArgumentError(`${where}: expected ${argument} of ${names.length} tensor${names.length === 1 ? "" : "s"} [${names.join(", ")}], got ${got}`);
  }
  state.forEach((s, i) => {
    if (!hasShape(s, [batch, hiddenSize])) {
      throw new ArgumentError(`${where}: expected ${argument}[${i}] (${names[i]}) of shape [batch=${batch}, hiddenSize=${hiddenSize}], got ${shapeText(s)}`);
    }
  });
}

/**
 * Checks the arguments of `cell.step(x, state)` at the public boundary.
 * @param where - "LstmCell.step", etc.
 * @param inputSize - D.
 * @param hiddenSize - H.
 * @param x - should be [B, D].
 * @param state - should be `names.length` tensors [B, H].
 * @param names - the state entries' names.
 * @throws ArgumentError "LstmCell.step: expected x of shape [batch, inputSize=8], got [2,9]".
 */
export function checkStepArgs(where: string, inputSize: number, hiddenSize: number, x: unknown, state: unknown, names: readonly string[]): void {
  if (!hasShape(x, [null, inputSize])) throw new ArgumentError(`${where}: expected x of shape [batch, inputSize=${inputSize}], got ${shapeText(x)}`);
  checkStateArg(where, "state", state, names, (x as { shape: number[] }).shape[0], hiddenSize);
}

/**
 * Checks the arguments of a sequence run: xs [B, T, D], mask [B, T] and an initial state.
 * @param where - "LstmCell.sequence", "Bidirectional.run", etc.
 * @param inputSize - D, or undefined when the layer does not know it.
 * @param xs - should be [B, T, D].
 * @param mask - should be [B, T] when given.
 * @throws ArgumentError "…: expected xs of shape [batch, time, inputSize=8], got [2,5,9]".
 */
export function checkSequenceArgs(where: string, inputSize: number | undefined, xs: unknown, mask?: unknown): void {
  if (!hasShape(xs, [null, null, inputSize ?? null])) {
    throw new ArgumentError(`${where}: expected xs of shape [batch, time, inputSize${inputSize === undefined ? "" : `=${inputSize}`}], got ${shapeText(xs)}`);
  }
  const [B, T] = (xs as { shape: number[] }).shape;
  if (mask !== undefined && !hasShape(mask, [B, T])) throw new ArgumentError(`${where}: expected mask of shape [batch=${B}, time=${T}], got ${shapeText(mask)}`);
}
