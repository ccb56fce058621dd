/**
 * The gated recurrent unit (Cho et al. 2014, "Learning phrase representations using RNN
 * encoder–decoder for statistical machine translation"). With [a, b] a concatenation:
 *
 *     r_t  = σ(W_r [h_{t-1}, x_t] + b_r)              reset gate
 *     u_t  = σ(W_u [h_{t-1}, x_t] + b_u)              update gate
 *     h̃_t  = tanh(W_h [r_t ⊙ h_{t-1}, x_t] + b_h)     candidate
 *     h_t  = (1 − u_t) ⊙ h_{t-1} + u_t ⊙ h̃_t
 *
 * Conventions, since the literature differs:
 * - u_t = 1 takes the candidate, u_t = 0 keeps the old state (as Chung et al. 2014,
 *   "Empirical evaluation of gated recurrent neural networks on sequence modeling", and
 *   the lecture). Cho et al. and PyTorch write h_t = z_t ⊙ h_{t-1} + (1 − z_t) ⊙ h̃_t:
 *   the same model with their z_t = 1 − u_t (the gate's weights and bias change sign).
 * - The reset gate multiplies h_{t-1} *before* the matmul, as in Cho et al. PyTorch's
 *   `nn.GRU` (and cuDNN, Keras `reset_after=True`) applies it after:
 *   h̃_t = tanh(W_hx x_t + b_hx + r_t ⊙ (W_hh h_{t-1} + b_hh)), with two biases; that is
 *   a different function, so weights do not transfer between the two without care.
 *
 * Storage: one W [H+D, 3H] with column blocks in the order **(r, u, h̃)**:
 * W = [W_r | W_u | W_h], rows 0..H-1 multiply h_{t-1} (r_t ⊙ h_{t-1} for W_h) and rows
 * H..H+D-1 multiply x_t; b [3H] = [b_r | b_u | b_h]. All ~ U(±1/sqrt(H)) by default.
 *
 * Weights (the order of `weights`): W [H+D, 3H], b [3H]. State: [h], [B, H].
 */
import * as tf from "@tensorflow/tfjs";
import { gruSequence } from "../ops/sequence.js";
import { checkStepArgs, type CellState, type RecurrentCell, type SequenceOptions, type SequenceResult } from "./cell.js";
import { checkSize, initBias, initMatrix, type InitScheme } from "./init.js";

/** Options of `GruCell`. */
export interface GruCellOptions {
  /** Weight initialisation (init.ts). Default: "uniform", U(±1/sqrt(H)) for W and b. */
  init?: InitScheme;
}

/** The GRU cell (see the file comment for the equations, convention and layout of W). */
export class GruCell implements RecurrentCell {
  readonly name = "gru";
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** [H+D, 3H]: [W_r | W_u | W_h], rows for h_{t-1} first, then x_t. */
  readonly W: tf.Variable<tf.Rank.R2>;
  /** [3H]: [b_r | b_u | b_h]. */
  readonly b: tf.Variable<tf.Rank.R1>;

  /**
   * @param inputSize - D.
   * @param hiddenSize - H.
   * @param options - init (default "uniform").
   */
  constructor(inputSize: number, hiddenSize: number, options: GruCellOptions = {}) {
    checkSize("GruCell", "inputSize", inputSize);
    checkSize("GruCell", "hiddenSize", hiddenSize);
    const H = hiddenSize;
    this.inputSize = inputSize;
    this.hiddenSize = H;
    const scheme = options.init ?? "uniform";
    this.W = initMatrix([H + inputSize, 3 * H], H, scheme) as tf.Variable<tf.Rank.R2>; // [H+D, 3H]
    this.b = initBias(3 * H, H, scheme) as tf.Variable<tf.Rank.R1>; // [3H]
  }

  /** [W, b]. */
  get weights(): tf.Variable[] {
    return [this.W, this.b];
  }

  /** [h0] with h0 = 0, [B, H]. */
  zeroState(batchSize: number): CellState {
    checkSize("GruCell.zeroState", "batchSize", batchSize);
    return [tf.zeros([batchSize, this.hiddenSize])];
  }

  /**
   * One step of the four equations.
   * @param x - x_t, [B, D].
   * @param state - [h_{t-1}], [B, H].
   * @returns [h_t], [B, H].
   */
  step(x: tf.Tensor2D, state: CellState): CellState {
    checkStepArgs("GruCell.step", this.inputSize, this.hiddenSize, x, state, ["h"]);
    return tf.tidy(() => {
      const [hPrev] = state;
      const [Wr, Wu, Wh] = tf.split(this.W, 3, 1); // 3 × [H+D, H]
      const [br, bu, bh] = tf.split(this.b, 3); // 3 × [H]
      const z = tf.concat([hPrev, x], 1); // [B, H+D]
      const r = tf.sigmoid(tf.add(tf.matMul(z, Wr as tf.Tensor2D), br)); // [B, H]
      const u = tf.sigmoid(tf.add(tf.matMul(z, Wu as tf.Tensor2D), bu)); // [B, H]
      const zr = tf.concat([tf.mul(r, hPrev), x], 1) as tf.Tensor2D; // [B, H+D]
      const hTilde = tf.tanh(tf.add(tf.matMul(zr, Wh as tf.Tensor2D), bh)); // [B, H]
      const h = tf.add(tf.mul(tf.sub(1, u), hPrev), tf.mul(u, hTilde)) as tf.Tensor2D; // [B, H]
      return [h];
    });
  }

  /** The whole sequence via `gruSequence` (ops/sequence.ts). xs [B, T, D] → outputs [B, T, H]. */
  sequence(xs: tf.Tensor3D, options: SequenceOptions = {}): SequenceResult {
    return gruSequence(xs, { W: this.W, b: this.b }, options);
  }
}
