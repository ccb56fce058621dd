/**
 * Sequence ops: run a recurrent cell over a padded batch [B, T, D].
 *
 * This file is the single place where the recurrence over time is computed; models,
 * layers and notebooks call only these functions (or `cellSequence` in rnn/cell_sequence.ts,
 * which loops over any `RecurrentCell`'s step with `scan` below), so a faster
 * implementation (fused kernels) can replace them here without touching anything else.
 *
 * - `rnnSequence`, `lstmSequence`, `gruSequence` — the built-in cells' recurrences. When an
 *   engine is active (engine/engine.ts, `initEngine`) they run as one fused kernel per
 *   sequence (ops/fused.ts); otherwise, and always in `rnnSequenceReference`,
 *   `lstmSequenceReference`, `gruSequenceReference`, as tfjs ops with the input projection
 *   x_t·W_x hoisted out of the loop: one [B·T, D]·[D, kH] matmul for all T steps, leaving
 *   only the h_{t-1}·W_h matmul inside the loop. The reference bodies are the readable
 *   definition and the fused kernels' test oracle (test/engine.test.ts).
 *
 * Conventions shared by every op (see `SequenceOptions` in ops/types.ts):
 * 1. Masks. `mask` is [B, T], 1 for a real step, 0 for padding. At a padded step the
 *    state is carried over unchanged, s_t = m_t·s'_t + (1 − m_t)·s_{t-1}, and the output
 *    is 0, y_t = m_t·h'_t. With right padding the final state is therefore the state after
 *    each sequence's last real step.
 * 2. Reverse. With `reverse: true` the steps run t = T-1, ..., 0 and `outputs[:, t]` is
 *    still the output at input position t. With right padding the padded tail is met
 *    first and carries the initial state, so each sequence's backward run starts at its
 *    own last real token.
 * 3. Initial state: default zeros, one [B, H] per state entry.
 *
 * Weight layouts (row-vector convention, x [B, D] · V [D, H], no transposes): see
 * ops/types.ts (`RnnWeights`, `LstmWeights`, `GruWeights`).
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { getKernels } from "../engine/engine.js";
import { fusedGruSequence, fusedLstmSequence, fusedRnnSequence } from "./fused.js";
import type { CellState, GruWeights, LstmWeights, RnnSequenceOptions, RnnWeights, SequenceOptions, SequenceResult } from "./types.js";

export type { GruWeights, LstmWeights, RnnActivation, RnnSequenceOptions, RnnWeights } from "./types.js";

/**
 * The vanilla RNN over a batch: h_t = act(x_t V + h_{t-1} W + b).
 * Runs the engine's fused kernel when an engine is active, else the reference below.
 * @param xs - [B, T, D].
 * @param weights - V [D, H], W [H, H], b [H].
 * @param options - mask [B, T], initial state [h] ([B, H]), reverse, activation.
 * @returns outputs [B, T, H] and final state [h] ([B, H]).
 */
export function rnnSequence(xs: tf.Tensor3D, weights: RnnWeights, options: RnnSequenceOptions = {}): SequenceResult {
  const kernels = getKernels();
  if (kernels === null) return rnnSequenceReference(xs, weights, options);
  checkRnn(xs, weights, options);
  return fusedRnnSequence(kernels, xs, weights, options);
}

/**
 * The vanilla RNN over a batch: h_t = act(x_t V + h_{t-1} W + b).
 * The tfjs-op reference (readable definition; the fused kernels' test oracle), used when no engine is active.
 * @param xs - [B, T, D].
 * @param weights - V [D, H], W [H, H], b [H].
 * @param options - mask [B, T], initial state [h] ([B, H]), reverse, activation.
 * @returns outputs [B, T, H] and final state [h] ([B, H]).
 */
export function rnnSequenceReference(xs: tf.Tensor3D, weights: RnnWeights, options: RnnSequenceOptions = {}): SequenceResult {
  const { V, W, b } = weights;
  const { B, H } = checkRnn(xs, weights, options);
  const act = options.activation ?? "tanh";
  return tidyResult(() => {
    const initialState = options.initialState ?? [tf.zeros([B, H]) as tf.Tensor2D]; // 1 × [B, H]
    const xV = project(xs, V, b); // T × [B, H]: x_t V + b
    return scan(xV, initialState, options, (xVt, [hPrev]) => {
      const a = tf.add(xVt, tf.matMul(hPrev, W)); // [B, H]
      return [(act === "tanh" ? tf.tanh(a) : tf.relu(a)) as tf.Tensor2D]; // [B, H]
    });
  });
}

/**
 * The LSTM over a batch (equations in rnn/lstm.ts), with z_t W split as h_{t-1} W_h + x_t W_x.
 * Runs the engine's fused kernel when an engine is active, else the reference below.
 * @param xs - [B, T, D].
 * @param weights - W [H+D, 4H] (columns f, i, C̃, o), b [4H].
 * @param options - mask [B, T], initial state [h, C] (each [B, H]), reverse.
 * @returns outputs [B, T, H] and final state [h, C] (each [B, H]).
 */
export function lstmSequence(xs: tf.Tensor3D, weights: LstmWeights, options: SequenceOptions = {}): SequenceResult {
  const kernels = getKernels();
  if (kernels === null) return lstmSequenceReference(xs, weights, options);
  checkLstm(xs, weights, options);
  return fusedLstmSequence(kernels, xs, weights, options);
}

/**
 * The LSTM over a batch (equations in rnn/lstm.ts), with z_t W split as h_{t-1} W_h + x_t W_x.
 * The tfjs-op reference (readable definition; the fused kernels' test oracle), used when no engine is active.
 * @param xs - [B, T, D].
 * @param weights - W [H+D, 4H] (columns f, i, C̃, o), b [4H].
 * @param options - mask [B, T], initial state [h, C] (each [B, H]), reverse.
 * @returns outputs [B, T, H] and final state [h, C] (each [B, H]).
 */
export function lstmSequenceReference(xs: tf.Tensor3D, weights: LstmWeights, options: SequenceOptions = {}): SequenceResult {
  const { W, b } = weights;
  const { B, D, H } = checkLstm(xs, weights, options);
  return tidyResult(() => {
    const initialState = options.initialState ?? [tf.zeros([B, H]) as tf.Tensor2D, tf.zeros([B, H]) as tf.Tensor2D]; // 2 × [B, H]
    const Wh = tf.slice(W, [0, 0], [H, 4 * H]); // [H, 4H]
    const Wx = tf.slice(W, [H, 0], [D, 4 * H]); // [D, 4H]
    const xW = project(xs, Wx, b); // T × [B, 4H]: x_t W_x + b
    return scan(xW, initialState, options, (xWt, [hPrev, cPrev]) => {
      const a = tf.add(xWt, tf.matMul(hPrev, Wh)); // [B, 4H] = z_t W + b
      const [af, ai, ac, ao] = tf.split(a, 4, 1) as tf.Tensor2D[]; // 4 × [B, H]
      const f = tf.sigmoid(af); // [B, H]
      const i = tf.sigmoid(ai); // [B, H]
      const cTilde = tf.tanh(ac); // [B, H]
      const o = tf.sigmoid(ao); // [B, H]
      const c = tf.add(tf.mul(f, cPrev), tf.mul(i, cTilde)) as tf.Tensor2D; // [B, H]
      const h = tf.mul(o, tf.tanh(c)) as tf.Tensor2D; // [B, H]
      return [h, c];
    });
  });
}

/**
 * The GRU over a batch (equations and convention in rnn/gru.ts).
 * Runs the engine's fused kernel when an engine is active, else the reference below.
 * @param xs - [B, T, D].
 * @param weights - W [H+D, 3H] (columns r, u, h̃), b [3H].
 * @param options - mask [B, T], initial state [h] ([B, H]), reverse.
 * @returns outputs [B, T, H] and final state [h] ([B, H]).
 */
export function gruSequence(xs: tf.Tensor3D, weights: GruWeights, options: SequenceOptions = {}): SequenceResult {
  const kernels = getKernels();
  if (kernels === null) return gruSequenceReference(xs, weights, options);
  checkGru(xs, weights, options);
  return fusedGruSequence(kernels, xs, weights, options);
}

/**
 * The GRU over a batch (equations and convention in rnn/gru.ts).
 * The tfjs-op reference (readable definition; the fused kernels' test oracle), used when no engine is active.
 * @param xs - [B, T, D].
 * @param weights - W [H+D, 3H] (columns r, u, h̃), b [3H].
 * @param options - mask [B, T], initial state [h] ([B, H]), reverse.
 * @returns outputs [B, T, H] and final state [h] ([B, H]).
 */
export function gruSequenceReference(xs: tf.Tensor3D, weights: GruWeights, options: SequenceOptions = {}): SequenceResult {
  const { W, b } = weights;
  const { B, D, H } = checkGru(xs, weights, options);
  return tidyResult(() => {
    const initialState = options.initialState ?? [tf.zeros([B, H]) as tf.Tensor2D]; // 1 × [B, H]
    const WhGates = tf.slice(W, [0, 0], [H, 2 * H]); // [H, 2H]: h rows of (r, u)
    const WhCand = tf.slice(W, [0, 2 * H], [H, H]); // [H, H]: h rows of h̃
    const Wx = tf.slice(W, [H, 0], [D, 3 * H]); // [D, 3H]
    const xW = project(xs, Wx, b); // T × [B, 3H]: x_t W_x + b
    return scan(xW, initialState, options, (xWt, [hPrev]) => {
      const [xg, xc] = tf.split(xWt, [2 * H, H], 1) as tf.Tensor2D[]; // [B, 2H], [B, H]
      const gates = tf.sigmoid(tf.add(xg, tf.matMul(hPrev, WhGates))); // [B, 2H]
      const [r, u] = tf.split(gates, 2, 1) as tf.Tensor2D[]; // 2 × [B, H]
      const hTilde = tf.tanh(tf.add(xc, tf.matMul(tf.mul(r, hPrev), WhCand))); // [B, H]
      const h = tf.add(hPrev, tf.mul(u, tf.sub(hTilde, hPrev))) as tf.Tensor2D; // [B, H] = (1-u) h + u h̃
      return [h];
    });
  });
}

/**
 * `tf.tidy` for a function returning a structure of tensors (a `SequenceResult`, a layer's
 * result): keeps the returned tensors, disposes every other tensor made inside.
 */
export function tidyResult<T extends object>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}

/** x_t Wx + b for every t in one matmul: [B, T, D] → T × [B, K]. */
function project(xs: tf.Tensor3D, Wx: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D[] {
  const [B, T, D] = xs.shape;
  const K = Wx.shape[1];
  const flat = tf.add(tf.matMul(tf.reshape(xs, [B * T, D]), Wx), b); // [B·T, K]
  return unstackSteps(tf.reshape(flat, [B, T, K])); // T × [B, K]
}

/**
 * The recurrence loop shared by every op: steps in order (or reversed), masking, outputs.
 * @param inputs - T × [B, ·], the per-step inputs of `step`.
 * @param initialState - the state before the first step.
 * @param step - (input_t, state_{t-1}) → state'_t, before masking.
 */
export function scan(
  inputs: tf.Tensor2D[],
  initialState: CellState,
  options: SequenceOptions,
  step: (input: tf.Tensor2D, state: CellState) => CellState,
): SequenceResult {
  const T = inputs.length;
  const masks =
    options.mask === undefined ? undefined : unstackSteps(tf.expandDims(tf.cast(options.mask, "float32"), 2) as tf.Tensor3D); // T × [B, 1]
  const outputs: tf.Tensor2D[] = new Array(T);
  let state = initialState;
  for (let k = 0; k < T; k++) {
    const t = options.reverse === true ? T - 1 - k : k;
    const next = step(inputs[t], state);
    if (masks === undefined) {
      state = next;
      outputs[t] = next[0];
    } else {
      const m = masks[t]; // [B, 1]
      const keep = tf.sub(1, m); // [B, 1]
      state = next.map((s, j) => tf.add(tf.mul(m, s), tf.mul(keep, state[j])) as tf.Tensor2D); // each [B, H]
      outputs[t] = tf.mul(m, next[0]) as tf.Tensor2D; // [B, H]
    }
  }
  const stacked = T === 1 ? tf.expandDims(outputs[0], 1) : tf.stack(outputs, 1); // [B, T, H]
  return { outputs: stacked as tf.Tensor3D, finalState: state };
}

/**
 * x [B, T, K] as T tensors [B, K]. For T = 1 a reshape: tfjs's `unstack` gradient fails
 * when there is a single output ("Argument tensors passed to stack must be a `Tensor[]`").
 */
export function unstackSteps(x: tf.Tensor3D): tf.Tensor2D[] {
  const [B, T, K] = x.shape;
  return T === 1 ? [tf.reshape(x, [B, K])] : (tf.unstack(x, 1) as tf.Tensor2D[]);
}

/** Checks the vanilla RNN's arguments; returns the sizes. */
function checkRnn(xs: tf.Tensor3D, weights: RnnWeights, options: RnnSequenceOptions): { B: number; T: number; D: number; H: number } {
  const { V, W, b } = weights;
  const [D, H] = V.shape;
  checkWeight("rnnSequence", "W", W.shape, [H, H]);
  checkWeight("rnnSequence", "b", b.shape, [H]);
  const [B, T] = checkInputs("rnnSequence", xs, D, options.mask);
  const act = options.activation ?? "tanh";
  if (act !== "tanh" && act !== "relu") {
    throw new ArgumentError(`rnnSequence: expected activation "tanh" or "relu", got ${JSON.stringify(act)}`);
  }
  if (options.initialState !== undefined) checkState("rnnSequence", options.initialState, B, H, 1);
  return { B, T, D, H };
}

/** Checks the LSTM's arguments; returns the sizes. */
function checkLstm(xs: tf.Tensor3D, weights: LstmWeights, options: SequenceOptions): { B: number; T: number; D: number; H: number } {
  const { W, b } = weights;
  const H = W.shape[1] / 4;
  const D = W.shape[0] - H;
  if (!Number.isInteger(H) || H <= 0 || D <= 0) {
    throw new ArgumentError(`lstmSequence: expected W of shape [H+D, 4H], got [${W.shape}]`);
  }
  checkWeight("lstmSequence", "b", b.shape, [4 * H]);
  const [B, T] = checkInputs("lstmSequence", xs, D, options.mask);
  if (options.initialState !== undefined) checkState("lstmSequence", options.initialState, B, H, 2);
  return { B, T, D, H };
}

/** Checks the GRU's arguments; returns the sizes. */
function checkGru(xs: tf.Tensor3D, weights: GruWeights, options: SequenceOptions): { B: number; T: number; D: number; H: number } {
  const { W, b } = weights;
  const H = W.shape[1] / 3;
  const D = W.shape[0] - H;
  if (!Number.isInteger(H) || H <= 0 || D <= 0) {
    throw new ArgumentError(`gruSequence: expected W of shape [H+D, 3H], got [${W.shape}]`);
  }
  checkWeight("gruSequence", "b", b.shape, [3 * H]);
  const [B, T] = checkInputs("gruSequence", xs, D, options.mask);
  if (options.initialState !== undefined) checkState("gruSequence", options.initialState, B, H, 1);
  return { B, T, D, H };
}

/** Checks xs [B, T, D] and mask [B, T]; returns [B, T]. */
export function checkInputs(where: string, xs: tf.Tensor3D, D: number, mask: tf.Tensor2D | undefined): [number, number] {
  if (xs.rank !== 3) throw new ArgumentError(`${where}: expected xs of rank 3 [B, T, D], got shape [${xs.shape}]`);
  const [B, T, d] = xs.shape;
  if (d !== D) throw new ArgumentError(`${where}: expected xs of shape [B, T, ${D}], got [${xs.shape}]`);
  if (T === 0) throw new ArgumentError(`${where}: expected at least one time step, got xs of shape [${xs.shape}]`);
  if (mask !== undefined && (mask.rank !== 2 || mask.shape[0] !== B || mask.shape[1] !== T)) {
    throw new ArgumentError(`${where}: expected mask of shape [${B}, ${T}], got [${mask.shape}]`);
  }
  return [B, T];
}

/** Checks that a state has `count` entries of shape [B, H]. */
export function checkState(where: string, state: CellState, B: number, H: number, count: number): void {
  if (state.length !== count) {
    throw new ArgumentError(`${where}: expected initialState of ${count} tensor(s), got ${state.length}`);
  }
  state.forEach((s, j) => {
    if (s.rank !== 2 || s.shape[0] !== B || s.shape[1] !== H) {
      throw new ArgumentError(`${where}: expected initialState[${j}] of shape [${B}, ${H}], got [${s.shape}]`);
    }
  });
}

function checkWeight(where: string, name: string, shape: number[], expected: number[]): void {
  if (shape.length !== expected.length || shape.some((n, j) => n !== expected[j])) {
    throw new ArgumentError(`${where}: expected ${name} of shape [${expected}], got [${shape}]`);
  }
}
