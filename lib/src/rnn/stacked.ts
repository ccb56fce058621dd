/**
 * A stack of recurrent layers (a deep RNN, Graves, Mohamed & Hinton 2013): the output
 * sequence of layer l is the input sequence of layer l+1,
 *
 *     h^(0)_t = x_t,    h^(l)_t = cell_l(h^(l-1)_t, h^(l)_{t-1}),    outputs = h^(L)_{1..T}.
 *
 * Layers can be cells (run with `recurrentLayer`) or any `SequenceLayer`, so a stacked
 * bidirectional network is `new StackedRnn([new Bidirectional(f1, b1), new Bidirectional(f2, b2)])`
 * with f2, b2 of input size H_f1 + H_b1.
 *
 * States: `finalStates` is the concatenation of every layer's `finalStates`, bottom layer
 * first; `initialStates` uses the same order (`stateCount` entries in all).
 */
import type * as tf from "@tensorflow/tfjs";
import { tidyResult } from "../ops/sequence.js";
import { ArgumentError } from "../errors.js";
import { checkSequenceArgs, type CellState, type RecurrentCell } from "./cell.js";
import { asLayer, type SequenceLayer, type SequenceLayerRunOptions } from "./layer.js";

/** Layers run one on top of the other (see the file comment). */
export class StackedRnn implements SequenceLayer {
  /** The layers, bottom first (cells wrapped by `recurrentLayer`). */
  readonly layers: SequenceLayer[];
  readonly outputSize: number;
  readonly inputSize?: number;
  readonly stateCount: number;

  /**
   * @param layers - at least one cell or layer, bottom first; each layer's input size
   *   (when known) must equal the output size of the layer below.
   */
  constructor(layers: Array<RecurrentCell | SequenceLayer>) {
    if (layers.length === 0) throw new ArgumentError("StackedRnn: expected at least one layer, got 0");
    this.layers = layers.map(asLayer);
    this.layers.forEach((layer, l) => {
      const below = this.layers[l - 1];
      if (below !== undefined && layer.inputSize !== undefined && layer.inputSize !== below.outputSize) {
        throw new ArgumentError(
          `StackedRnn: expected layer ${l} of input size ${below.outputSize} (the output size of layer ${l - 1}), got ${layer.inputSize}`,
        );
      }
    });
    this.outputSize = this.layers[this.layers.length - 1].outputSize;
    this.inputSize = this.layers[0].inputSize;
    this.stateCount = this.layers.reduce((n, layer) => n + (layer.stateCount ?? 1), 0);
  }

  /** Every layer's weights, bottom layer first. */
  get weights(): tf.Variable[] {
    return this.layers.flatMap((layer) => layer.weights);
  }

  /**
   * Runs the stack.
   * @param xs - [B, T, D].
   * @param options - mask [B, T] (the same for every layer), initialStates (`stateCount` of them, bottom first).
   * @returns outputs [B, T, outputSize] of the top layer; finalStates of every layer, bottom first.
   */
  run(xs: tf.Tensor3D, options: SequenceLayerRunOptions = {}): { outputs: tf.Tensor3D; finalStates: CellState[] } {
    const { mask, initialStates } = options;
    checkSequenceArgs("StackedRnn.run", this.inputSize, xs, mask);
    if (initialStates !== undefined && initialStates.length !== this.stateCount) {
      throw new ArgumentError(`StackedRnn: expected initialStates of ${this.stateCount} states, got ${initialStates.length}`);
    }
    return tidyResult(() => {
      let outputs = xs; // [B, T, D]
      const finalStates: CellState[] = [];
      let offset = 0;
      for (const layer of this.layers) {
        const n = layer.stateCount ?? 1;
        const result = layer.run(outputs, { mask, initialStates: initialStates?.slice(offset, offset + n) });
        offset += n;
        outputs = result.outputs; // [B, T, H_l]
        finalStates.push(...result.finalStates);
      }
      return { outputs, finalStates };
    });
  }
}
