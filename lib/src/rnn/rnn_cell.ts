/**
 * The vanilla (Elman) recurrent cell:
 *
 *     h_t = tanh(x_t V + h_{t-1} W + b)        (or relu instead of tanh)
 *
 * Elman, "Finding structure in time", Cognitive Science 1990. The lecture writes
 * h_t = tanh(V x_t + W h_{t-1} + b) with column vectors; in code x_t is a row of a batch
 * [B, D], so V is stored as [D, H] and W as [H, H] and the step is two plain matmuls,
 * x_t·V and h_{t-1}·W, with no transposes. V here is the lecture's Vᵀ.
 *
 * Weights (the order of `weights`): V [D, H], W [H, H], b [H], all ~ U(±1/sqrt(H)) by
 * default (PyTorch's `nn.RNN` initialisation, see init.ts). State: [h].
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { rnnSequence, type RnnActivation } from "../ops/sequence.js";
import { checkStepArgs, type CellState, type RecurrentCell, type SequenceOptions, type SequenceResult } from "./cell.js";
import { checkSize, initBias, initMatrix, type InitScheme } from "./init.js";

/** Options of `RnnCell`. */
export interface RnnCellOptions {
  /** The nonlinearity. Default: "tanh" (relu cells need care: h can grow without bound). */
  activation?: RnnActivation;
  /** Weight initialisation (init.ts). Default: "uniform", U(±1/sqrt(H)) for V, W and b. */
  init?: InitScheme;
}

/** The vanilla RNN cell h_t = act(x_t V + h_{t-1} W + b) (see the file comment). */
export class RnnCell implements RecurrentCell {
  readonly name: string;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly activation: RnnActivation;
  /** [D, H] input-to-hidden. */
  readonly V: tf.Variable<tf.Rank.R2>;
  /** [H, H] hidden-to-hidden. */
  readonly W: tf.Variable<tf.Rank.R2>;
  /** [H] bias. */
  readonly b: tf.Variable<tf.Rank.R1>;

  /**
   * @param inputSize - D.
   * @param hiddenSize - H.
   * @param options - activation (default "tanh"), init (default "uniform").
   */
  constructor(inputSize: number, hiddenSize: number, options: RnnCellOptions = {}) {
    checkSize("RnnCell", "inputSize", inputSize);
    checkSize("RnnCell", "hiddenSize", hiddenSize);
    const activation = options.activation ?? "tanh";
    if (activation !== "tanh" && activation !== "relu") {
      throw new ArgumentError(`RnnCell: expected activation "tanh" or "relu", got ${JSON.stringify(activation)}`);
    }
    const scheme = options.init ?? "uniform";
    this.name = activation === "tanh" ? "rnn" : "rnn-relu";
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.activation = activation;
    this.V = initMatrix([inputSize, hiddenSize], hiddenSize, scheme) as tf.Variable<tf.Rank.R2>; // [D, H]
    this.W = initMatrix([hiddenSize, hiddenSize], hiddenSize, scheme) as tf.Variable<tf.Rank.R2>; // [H, H]
    this.b = initBias(hiddenSize, hiddenSize, scheme) as tf.Variable<tf.Rank.R1>; // [H]
  }

  /** [V, W, b]. */
  get weights(): tf.Variable[] {
    return [this.V, this.W, this.b];
  }

  /** [h0] with h0 = 0, [B, H]. */
  zeroState(batchSize: number): CellState {
    checkSize("RnnCell.zeroState", "batchSize", batchSize);
    return [tf.zeros([batchSize, this.hiddenSize])];
  }

  /**
   * h_t = act(x_t V + h_{t-1} W + b).
   * @param x - [B, D].
   * @param state - [h_{t-1}], [B, H].
   * @returns [h_t], [B, H].
   */
  step(x: tf.Tensor2D, state: CellState): CellState {
    checkStepArgs("RnnCell.step", this.inputSize, this.hiddenSize, x, state, ["h"]);
    return tf.tidy(() => {
      const [hPrev] = state;
      const a = tf.add(tf.add(tf.matMul(x, this.V), tf.matMul(hPrev, this.W)), this.b); // [B, H]
      return [(this.activation === "tanh" ? tf.tanh(a) : tf.relu(a)) as tf.Tensor2D]; // [B, H]
    });
  }

  /** The whole sequence via `rnnSequence` (ops/sequence.ts). xs [B, T, D] → outputs [B, T, H]. */
  sequence(xs: tf.Tensor3D, options: SequenceOptions = {}): SequenceResult {
    return rnnSequence(xs, { V: this.V, W: this.W, b: this.b }, { ...options, activation: this.activation });
  }
}
