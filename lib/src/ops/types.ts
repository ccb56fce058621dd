/**
 * The types the sequence ops share with the fused kernels below them and the cells above
 * them: the recurrent state, the options and result of a sequence run, and the weights of
 * the three built-in recurrences. They live here, in the lower layer, so that ops/ never
 * imports rnn/ (rnn/cell.ts re-exports the first three for cell authors).
 *
 * Weight layouts (row-vector convention, x [B, D] · V [D, H], no transposes):
 * - RNN:  V [D, H], W [H, H], b [H];                 h_t = act(x_t V + h_{t-1} W + b).
 * - LSTM: W [H+D, 4H], b [4H], columns (f, i, C̃, o); z_t = [h_{t-1}, x_t], rows 0..H-1 of
 *         W multiply h_{t-1} and rows H..H+D-1 multiply x_t (see rnn/lstm.ts).
 * - GRU:  W [H+D, 3H], b [3H], columns (r, u, h̃) (see rnn/gru.ts).
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

/** The vanilla RNN's nonlinearity. */
export type RnnActivation = "tanh" | "relu";

/** Weights of the vanilla RNN h_t = act(x_t V + h_{t-1} W + b). */
export interface RnnWeights {
  /** [D, H] input-to-hidden. */
  V: tf.Tensor2D;
  /** [H, H] hidden-to-hidden. */
  W: tf.Tensor2D;
  /** [H] bias. */
  b: tf.Tensor1D;
}

/** Options of `rnnSequence`. */
export interface RnnSequenceOptions extends SequenceOptions {
  /** The nonlinearity. Default: "tanh". */
  activation?: RnnActivation;
}

/** Weights of the LSTM: fused gate matrix over z_t = [h_{t-1}, x_t], columns in the order (f, i, C̃, o). */
export interface LstmWeights {
  /** [H+D, 4H]: [W_f | W_i | W_c | W_o]; rows 0..H-1 multiply h_{t-1}, rows H.. multiply x_t. */
  W: tf.Tensor2D;
  /** [4H]: [b_f | b_i | b_c | b_o]. */
  b: tf.Tensor1D;
}

/** Weights of the GRU (Cho et al. 2014), columns in the order (r, u, h̃). */
export interface GruWeights {
  /** [H+D, 3H]: [W_r | W_u | W_h]; rows 0..H-1 multiply h_{t-1} (r_t ⊙ h_{t-1} for W_h), rows H.. multiply x_t. */
  W: tf.Tensor2D;
  /** [3H]: [b_r | b_u | b_h]. */
  b: tf.Tensor1D;
}
