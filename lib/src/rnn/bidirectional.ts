/**
 * A bidirectional recurrent layer (Schuster & Paliwal 1997): one cell reads the sequence
 * left to right, another right to left, and the output at position t concatenates both,
 *
 *     →h_t = fwd(x_t, →h_{t-1}),   ←h_t = bwd(x_t, ←h_{t+1}),   y_t = [→h_t, ←h_t]   [B, Hf+Hb].
 *
 * With right padding (mask [B, T]) the backward cell starts at each sequence's own last
 * real token (ops/sequence.ts, reverse), and y_t = 0 at padded steps.
 *
 * States: finalStates = [forward final state, backward final state]. The backward final
 * state is the one after reading position 0, i.e. a summary of the whole sequence read
 * right to left.
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { tidyResult } from "../ops/sequence.js";
import { cellSequence } from "./cell_sequence.js";
import { checkSequenceArgs, type CellState, type RecurrentCell } from "./cell.js";
import type { SequenceLayer, SequenceLayerRunOptions } from "./layer.js";

/** A forward and a backward cell over the same inputs (see the file comment). */
export class Bidirectional implements SequenceLayer {
  readonly forward: RecurrentCell;
  readonly backward: RecurrentCell;
  /** Hf + Hb. */
  readonly outputSize: number;
  /** D, the input size of both cells. */
  readonly inputSize: number;
  readonly stateCount = 2;

  /**
   * @param forward - the left-to-right cell, [D → Hf].
   * @param backward - the right-to-left cell, [D → Hb] (same D).
   */
  constructor(forward: RecurrentCell, backward: RecurrentCell) {
    if (forward.inputSize !== backward.inputSize) {
      throw new ArgumentError(
        `Bidirectional: expected backward cell of input size ${forward.inputSize} (the forward cell's), got ${backward.inputSize}`,
      );
    }
    if (forward === backward) {
      throw new ArgumentError("Bidirectional: expected two distinct cells, got the same cell twice");
    }
    this.forward = forward;
    this.backward = backward;
    this.outputSize = forward.hiddenSize + backward.hiddenSize;
    this.inputSize = forward.inputSize;
  }

  /** The forward cell's weights, then the backward cell's. */
  get weights(): tf.Variable[] {
    return [...this.forward.weights, ...this.backward.weights];
  }

  /**
   * Runs both directions.
   * @param xs - [B, T, D].
   * @param options - mask [B, T]; initialStates [forward, backward].
   * @returns outputs [B, T, Hf+Hb] and finalStates [forward final, backward final].
   */
  run(xs: tf.Tensor3D, options: SequenceLayerRunOptions = {}): { outputs: tf.Tensor3D; finalStates: CellState[] } {
    const { mask, initialStates } = options;
    checkSequenceArgs("Bidirectional.run", this.inputSize, xs, mask);
    if (initialStates !== undefined && initialStates.length !== 2) {
      throw new ArgumentError(`Bidirectional: expected initialStates of 2 states [forward, backward], got ${initialStates.length}`);
    }
    return tidyResult(() => {
      const fwd = cellSequence(this.forward, xs, { mask, initialState: initialStates?.[0] }); // [B, T, Hf]
      const bwd = cellSequence(this.backward, xs, { mask, initialState: initialStates?.[1], reverse: true }); // [B, T, Hb]
      const outputs = tf.concat([fwd.outputs, bwd.outputs], 2) as tf.Tensor3D; // [B, T, Hf+Hb]
      return { outputs, finalStates: [fwd.finalState, bwd.finalState] };
    });
  }
}
