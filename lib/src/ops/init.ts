/**
 * `uniformVariable`: the one seeded draw every trainable weight starts from, U(-limit, limit)
 * with its seed from `nextSeed()` (lib/src/random.ts). It sits in ops/ so that the CRF
 * (ops/crf.ts) and the cells' initialisers (rnn/init.ts, which re-exports it) share it
 * without ops/ importing rnn/.
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { nextSeed } from "../random.js";

/**
 * A trainable variable ~ U(-limit, limit), seeded by `nextSeed()`.
 * @param shape - any shape, e.g. [D, H].
 * @param limit - the half-width of the interval, > 0.
 * @returns a float32 `tf.Variable` of `shape`.
 */
export function uniformVariable(shape: number[], limit: number): tf.Variable {
  if (!(limit > 0) || !Number.isFinite(limit)) {
    throw new ArgumentError(`uniformVariable: expected limit > 0, got ${limit}`);
  }
  return tf.tidy(() => tf.variable(tf.randomUniform(shape, -limit, limit, "float32", nextSeed()))); // shape
}
