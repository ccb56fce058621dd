/**
 * Seeded weight initialisers for the recurrent cells.
 *
 * Every random draw takes its seed from `nextSeed()` (lib/src/random.ts), so the same
 * `setSeed(s)` followed by the same cell constructions gives the same weights on every
 * backend.
 *
 * The built-in cells use PyTorch's recurrent default (`torch.nn.RNN/LSTM/GRU`): every
 * weight and bias ~ U(-k, k) with k = 1/sqrt(H), H the hidden size. It keeps the
 * pre-activations of the gates O(1) whatever D, so tanh and σ start away from saturation.
 * `glorotUniform` (Glorot & Bengio 2010: U(-a, a), a = sqrt(6 / (fanIn + fanOut))) is the
 * Keras default for input kernels, offered for students who want to compare.
 *
 * Variables are created without names (tfjs variable names must be unique in a process);
 * the cells document the order of their `weights` instead.
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { uniformVariable } from "../ops/init.js";
import { nextSeed } from "../random.js";

export { uniformVariable } from "../ops/init.js";

/** How a cell initialises its weights. */
export type InitScheme = "uniform" | "glorot";

/**
 * PyTorch's recurrent default: U(-1/sqrt(H), 1/sqrt(H)).
 * @param shape - e.g. [H+D, 4H] or [4H].
 * @param hiddenSize - H.
 */
export function recurrentUniform(shape: number[], hiddenSize: number): tf.Variable {
  return uniformVariable(shape, 1 / Math.sqrt(hiddenSize));
}

/**
 * Glorot (Xavier) uniform for a [fanIn, fanOut] matrix: U(-a, a), a = sqrt(6 / (fanIn + fanOut)).
 * @param shape - [fanIn, fanOut].
 */
export function glorotUniform(shape: [number, number]): tf.Variable {
  const [fanIn, fanOut] = shape;
  return uniformVariable(shape, Math.sqrt(6 / (fanIn + fanOut)));
}

/**
 * A weight matrix initialised by `scheme`.
 * @param shape - [rows, cols]; for "glorot" rows is the fan-in and cols the fan-out.
 * @param hiddenSize - H, for the "uniform" scheme.
 * @param scheme - "uniform" (±1/sqrt(H)) or "glorot".
 */
export function initMatrix(shape: [number, number], hiddenSize: number, scheme: InitScheme): tf.Variable {
  return scheme === "glorot" ? glorotUniform(shape) : recurrentUniform(shape, hiddenSize);
}

/**
 * A bias vector: ±1/sqrt(H) for "uniform" (as PyTorch), zeros for "glorot" (as Keras).
 * @param size - length of the vector.
 * @param hiddenSize - H.
 * @param scheme - the cell's scheme.
 * @param fill - optional [start, end, value]: entries start..end-1 set to `value`
 *   (the LSTM forget-gate bias).
 */
export function initBias(
  size: number,
  hiddenSize: number,
  scheme: InitScheme,
  fill?: [number, number, number],
): tf.Variable {
  return tf.tidy(() => {
    const limit = 1 / Math.sqrt(hiddenSize);
    let b: tf.Tensor1D =
      scheme === "glorot" ? tf.zeros([size]) : tf.randomUniform([size], -limit, limit, "float32", nextSeed()); // [size]
    if (fill !== undefined) {
      const [start, end, value] = fill;
      const mask = tf.tensor1d(Array.from({ length: size }, (_, j) => (j >= start && j < end ? 1 : 0))); // [size]
      b = tf.add(tf.mul(b, tf.sub(1, mask)), tf.mul(mask, value)); // [size]
    }
    return tf.variable(b);
  });
}

/** Checks that a size is a positive integer: "LstmCell: expected hiddenSize a positive integer, got 0". */
export function checkSize(where: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new ArgumentError(`${where}: expected ${name} a positive integer, got ${value}`);
  }
}
