/**
 * `SequenceLayer`: a whole-sequence layer, [B, T, D] → [B, T, outputSize], built from
 * recurrent cells. Models take `SequenceLayer`s so that a single cell, a stack
 * (stacked.ts) and a bidirectional pair (bidirectional.ts) are interchangeable.
 *
 * A layer's state is a list of `CellState`s, one per cell it runs, in a documented order:
 * `recurrentLayer` has one, `Bidirectional` two (forward, backward), `StackedRnn` the
 * concatenation of its layers' lists, bottom layer first.
 *
 * Also here: `makeCell(kind, D, H)`, the factory for the built-in cells.
 */
import type * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { cellSequence } from "./cell_sequence.js";
import { checkSequenceArgs, type CellState, type RecurrentCell } from "./cell.js";
import { GruCell, type GruCellOptions } from "./gru.js";
import { LstmCell, type LstmCellOptions } from "./lstm.js";
import { RnnCell, type RnnCellOptions } from "./rnn_cell.js";

/** Options of `SequenceLayer.run`. */
export interface SequenceLayerRunOptions {
  /** [B, T], 1 for real steps, 0 for padding (see ops/sequence.ts). Default: all real. */
  mask?: tf.Tensor2D;
  /** One state per cell of the layer, in the layer's order (`stateCount` of them). Default: zeros. */
  initialStates?: CellState[];
}

/** A layer over whole sequences (see the file comment). */
export interface SequenceLayer {
  /** Size of each output vector. */
  readonly outputSize: number;
  /** Size of each input vector, when known (used by `StackedRnn` to check the stack). */
  readonly inputSize?: number;
  /** How many `CellState`s `run` takes and returns. Default when absent: 1. */
  readonly stateCount?: number;
  /** The trainable weights of every cell, in the layer's order. */
  readonly weights: tf.Variable[];
  /**
   * Runs the layer.
   * @param xs - [B, T, D].
   * @returns outputs [B, T, outputSize] (0 at padded steps) and one final state per cell.
   */
  run(xs: tf.Tensor3D, options?: SequenceLayerRunOptions): { outputs: tf.Tensor3D; finalStates: CellState[] };
}

/** Options of `recurrentLayer`. */
export interface RecurrentLayerOptions {
  /** Run from the last step to the first (outputs stay aligned with the inputs). Default: false. */
  reverse?: boolean;
}

/**
 * One cell as a layer: outputs [B, T, H] = `cellSequence(cell, xs)`, finalStates = [cell final state].
 * @param cell - the cell (D = cell.inputSize, H = cell.hiddenSize).
 * @param options - reverse (default false).
 */
export function recurrentLayer(cell: RecurrentCell, options: RecurrentLayerOptions = {}): SequenceLayer {
  const reverse = options.reverse ?? false;
  return {
    outputSize: cell.hiddenSize,
    inputSize: cell.inputSize,
    stateCount: 1,
    get weights() {
      return cell.weights;
    },
    run(xs, runOptions = {}) {
      checkSequenceArgs(`recurrentLayer(${cell.name}).run`, cell.inputSize, xs, runOptions.mask);
      const initialStates = runOptions.initialStates;
      if (initialStates !== undefined && initialStates.length !== 1) {
        throw new ArgumentError(`recurrentLayer(${cell.name}): expected initialStates of 1 state, got ${initialStates.length}`);
      }
      const { outputs, finalState } = cellSequence(cell, xs, {
        mask: runOptions.mask,
        initialState: initialStates?.[0],
        reverse,
      });
      return { outputs, finalStates: [finalState] };
    },
  };
}

/** Whether `x` is a `SequenceLayer` (has `run`) rather than a `RecurrentCell`. */
export function isSequenceLayer(x: RecurrentCell | SequenceLayer): x is SequenceLayer {
  return typeof (x as SequenceLayer).run === "function";
}

/** A cell or layer as a layer: cells go through `recurrentLayer`. */
export function asLayer(x: RecurrentCell | SequenceLayer): SequenceLayer {
  return isSequenceLayer(x) ? x : recurrentLayer(x);
}

/** The built-in cell kinds of `makeCell`. */
export type CellKind = "rnn" | "lstm" | "gru";

/** Options of `makeCell`: those of the chosen cell (an option of another kind is an error). */
export type MakeCellOptions = RnnCellOptions & LstmCellOptions & GruCellOptions;

/**
 * A built-in cell by name.
 * @param kind - "rnn" (RnnCell), "lstm" (LstmCell) or "gru" (GruCell).
 * @param inputSize - D.
 * @param hiddenSize - H.
 * @param options - passed to the cell: activation (rnn only), forgetBias (lstm only), init.
 */
export function makeCell(kind: CellKind, inputSize: number, hiddenSize: number, options: MakeCellOptions = {}): RecurrentCell {
  const { activation, forgetBias, init } = options;
  if (activation !== undefined && kind !== "rnn") {
    throw new ArgumentError(`makeCell: expected no activation option for kind "${kind}", got ${JSON.stringify(activation)}`);
  }
  if (forgetBias !== undefined && kind !== "lstm") {
    throw new ArgumentError(`makeCell: expected no forgetBias option for kind "${kind}", got ${forgetBias}`);
  }
  switch (kind) {
    case "rnn":
      return new RnnCell(inputSize, hiddenSize, { activation, init });
    case "lstm":
      return new LstmCell(inputSize, hiddenSize, { forgetBias, init });
    case "gru":
      return new GruCell(inputSize, hiddenSize, { init });
    default:
      throw new ArgumentError(`makeCell: expected kind "rnn", "lstm" or "gru", got ${JSON.stringify(kind)}`);
  }
}
