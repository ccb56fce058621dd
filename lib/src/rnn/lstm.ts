/**
 * The LSTM cell (Hochreiter & Schmidhuber 1997, with the forget gate of Gers, Schmidhuber
 * & Cummins 2000), exactly as on the slide. With z_t = [h_{t-1}, x_t] (concatenation,
 * [B, H+D]):
 *
 *     f_t  = σ(W_f z_t + b_f)                 forget gate
 *     i_t  = σ(W_i z_t + b_i)                 input gate
 *     C̃_t  = tanh(W_c z_t + b_c)              candidate cell state
 *     C_t  = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t         new cell state
 *     o_t  = σ(W_o z_t + b_o)                 output gate
 *     h_t  = o_t ⊙ tanh(C_t)                  new hidden state
 *
 * Storage: the four gate matrices are fused into one variable W [H+D, 4H] whose column
 * blocks are, in this order, **(f, i, C̃, o)**: W = [W_f | W_i | W_c | W_o], each block
 * [H+D, H] (row-vector form: z_t W_f is the slide's W_f z_t). Rows 0..H-1 multiply
 * h_{t-1} and rows H..H+D-1 multiply x_t, following the order of z_t. The bias b [4H] is
 * [b_f | b_i | b_c | b_o]. One fused matmul computes all four gates at once;
 * `gate(name)` returns one block for inspection.
 *
 * Forget-gate bias: b_f starts at `forgetBias` (default 1.0), the other weights
 * ~ U(±1/sqrt(H)). With b_f = 0 the forget gate starts near σ(0) = 0.5 and the cell state
 * halves at every step, so gradients vanish over long spans before training has a chance
 * to learn to remember; b_f = 1 makes f_t ≈ 0.73 at the start. Gers et al. (2000)
 * recommended a positive initial forget bias, and Jozefowicz, Zaremba & Sutskever
 * (2015, "An empirical exploration of recurrent network architectures") found that
 * b_f = 1 closes most of the gap between the LSTM and the best architectures they found.
 *
 * Weights (the order of `weights`): W [H+D, 4H], b [4H]. State: [h, C], each [B, H].
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { lstmSequence } from "../ops/sequence.js";
import { checkStepArgs, type CellState, type RecurrentCell, type SequenceOptions, type SequenceResult } from "./cell.js";
import { checkSize, initBias, initMatrix, type InitScheme } from "./init.js";

/** Options of `LstmCell`. */
export interface LstmCellOptions {
  /** Initial value of every entry of b_f. Default: 1.0 (see the file comment). */
  forgetBias?: number;
  /** Weight initialisation (init.ts). Default: "uniform", U(±1/sqrt(H)) for W and b (except b_f). */
  init?: InitScheme;
}

/** The four gates in the order their blocks are stored in W and b. */
export const LSTM_GATES = ["f", "i", "c", "o"] as const;
/** A gate of the LSTM: forget, input, candidate (C̃), output. */
export type LstmGate = (typeof LSTM_GATES)[number];

/** The LSTM cell (see the file comment for the equations and the layout of W). */
export class LstmCell implements RecurrentCell {
  readonly name = "lstm";
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** [H+D, 4H]: [W_f | W_i | W_c | W_o], rows for h_{t-1} first, then x_t. */
  readonly W: tf.Variable<tf.Rank.R2>;
  /** [4H]: [b_f | b_i | b_c | b_o]. */
  readonly b: tf.Variable<tf.Rank.R1>;

  /**
   * @param inputSize - D.
   * @param hiddenSize - H.
   * @param options - forgetBias (default 1.0), init (default "uniform").
   */
  constructor(inputSize: number, hiddenSize: number, options: LstmCellOptions = {}) {
    checkSize("LstmCell", "inputSize", inputSize);
    checkSize("LstmCell", "hiddenSize", hiddenSize);
    const forgetBias = options.forgetBias ?? 1.0;
    if (!Number.isFinite(forgetBias)) {
      throw new ArgumentError(`LstmCell: expected forgetBias a finite number, got ${forgetBias}`);
    }
    const H = hiddenSize;
    this.inputSize = inputSize;
    this.hiddenSize = H;
    const scheme = options.init ?? "uniform";
    this.W = initMatrix([H + inputSize, 4 * H], H, scheme) as tf.Variable<tf.Rank.R2>; // [H+D, 4H]
    this.b = initBias(4 * H, H, scheme, [0, H, forgetBias]) as tf.Variable<tf.Rank.R1>; // [4H]
  }

  /** [W, b]. */
  get weights(): tf.Variable[] {
    return [this.W, this.b];
  }

  /** [h0, C0], both zeros [B, H]. */
  zeroState(batchSize: number): CellState {
    checkSize("LstmCell.zeroState", "batchSize", batchSize);
    return [tf.zeros([batchSize, this.hiddenSize]), tf.zeros([batchSize, this.hiddenSize])];
  }

  /**
   * One gate's weights, a copy: W_g [H+D, H] and b_g [H] (g in f, i, c, o).
   * The caller disposes them.
   */
  gate(g: LstmGate): { W: tf.Tensor2D; b: tf.Tensor1D } {
    const k = LSTM_GATES.indexOf(g);
    if (k < 0) throw new ArgumentError(`LstmCell.gate: expected one of f, i, c, o, got ${JSON.stringify(g)}`);
    const H = this.hiddenSize;
    return {
      W: tf.slice(this.W, [0, k * H], [H + this.inputSize, H]), // [H+D, H]
      b: tf.slice(this.b, [k * H], [H]), // [H]
    };
  }

  /**
   * One step of the six equations.
   * @param x - x_t, [B, D].
   * @param state - [h_{t-1}, C_{t-1}], each [B, H].
   * @returns [h_t, C_t], each [B, H].
   */
  step(x: tf.Tensor2D, state: CellState): CellState {
    checkStepArgs("LstmCell.step", this.inputSize, this.hiddenSize, x, state, ["h", "C"]);
    return tf.tidy(() => {
      const [hPrev, cPrev] = state;
      const z = tf.concat([hPrev, x], 1); // [B, H+D]
      const [af, ai, ac, ao] = tf.split(tf.add(tf.matMul(z, this.W), this.b), 4, 1); // 4 × [B, H]
      const f = tf.sigmoid(af); // [B, H]
      const i = tf.sigmoid(ai); // [B, H]
      const cTilde = tf.tanh(ac); // [B, H]
      const c = tf.add(tf.mul(f, cPrev), tf.mul(i, cTilde)) as tf.Tensor2D; // [B, H]
      const o = tf.sigmoid(ao); // [B, H]
      const h = tf.mul(o, tf.tanh(c)) as tf.Tensor2D; // [B, H]
      return [h, c];
    });
  }

  /** The whole sequence via `lstmSequence` (ops/sequence.ts). xs [B, T, D] → outputs [B, T, H]. */
  sequence(xs: tf.Tensor3D, options: SequenceOptions = {}): SequenceResult {
    return lstmSequence(xs, { W: this.W, b: this.b }, options);
  }
}
