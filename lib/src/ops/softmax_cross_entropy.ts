/**
 * Softmax cross-entropy: the loss of every classifier, tagger and decoder in the course.
 *
 * For logits z ∈ R^K at one position and the true class y,
 *
 *     log p(y | z) = z_y − logsumexp(z),   logsumexp(z) = m + log Σ_k exp(z_k − m),  m = max_k z_k
 *
 * (subtracting the max keeps exp from overflowing: the log-softmax of
 * Goodfellow, Bengio & Courville 2016, §6.2.2.3). The loss is the mean negative
 * log-likelihood over the real positions,
 *
 *     L = − Σ_n mask_n · log p(y_n | z_n) / Σ_n mask_n,
 *
 * and 0 when there is no real position. Padded positions (mask 0) contribute nothing,
 * to the value or to the gradient, so a batch of sequences of different lengths gives
 * the same loss as the real positions alone.
 *
 * Shapes: N positions, or B sequences × T steps; K classes.
 *
 * When an engine is active (engine/engine.ts) the loss runs as one fused kernel with a
 * hand-derived gradient (ops/fused.ts); `softmaxCrossEntropyReference` is the tfjs-op
 * definition below, the readable version and the fused kernel's test oracle.
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { getKernels } from "../engine/engine.js";
import { fusedSoftmaxCrossEntropy } from "./fused.js";

/** Checks shapes and returns the logits as [M, K], the targets as [M], the mask as [M] or undefined. */
function flatten(
  fn: string,
  logits: tf.Tensor,
  targets: tf.Tensor,
  mask: tf.Tensor | undefined,
): { z: tf.Tensor2D; y: tf.Tensor1D; m: tf.Tensor1D | undefined; K: number } {
  if (logits.rank !== 2 && logits.rank !== 3) {
    throw new ArgumentError(`${fn}: expected logits of rank 2 [N, K] or 3 [B, T, K], got shape [${logits.shape}]`);
  }
  const lead = logits.shape.slice(0, -1);
  const K = logits.shape[logits.rank - 1];
  if (targets.dtype !== "int32") {
    throw new ArgumentError(`${fn}: expected int32 targets, got ${targets.dtype}`);
  }
  if (targets.shape.join(",") !== lead.join(",")) {
    throw new ArgumentError(`${fn}: expected targets of shape [${lead}], got [${targets.shape}]`);
  }
  if (mask !== undefined && mask.shape.join(",") !== lead.join(",")) {
    throw new ArgumentError(`${fn}: expected mask of shape [${lead}], got [${mask.shape}]`);
  }
  const M = lead.reduce((a, b) => a * b, 1);
  return {
    z: tf.reshape(logits, [M, K]), // [M, K]
    y: tf.reshape(targets, [M]), // [M]
    m: mask === undefined ? undefined : tf.reshape(tf.cast(mask, "float32"), [M]), // [M]
    K,
  };
}

/**
 * Mean negative log-likelihood of `targets` under softmax(`logits`), over real positions.
 * @param logits - [N, K] or [B, T, K], unnormalised scores.
 * @param targets - int32 [N] or [B, T], class ids in [0, K).
 * @param mask - optional [N] or [B, T], 1 for real positions and 0 for padding. Default: all real.
 * @returns a scalar: −Σ mask·log p(target) / Σ mask (0 if Σ mask = 0).
 * @throws ArgumentError on a rank, shape or dtype mismatch.
 */
export function softmaxCrossEntropy(logits: tf.Tensor, targets: tf.Tensor, mask?: tf.Tensor): tf.Scalar {
  const kernels = getKernels();
  if (kernels === null) return softmaxCrossEntropyReference(logits, targets, mask);
  return tf.tidy(() => {
    const { z, y, m } = flatten("softmaxCrossEntropy", logits, targets, mask);
    return fusedSoftmaxCrossEntropy(kernels, z, y, m);
  });
}

/**
 * `softmaxCrossEntropy` as tfjs ops (log-softmax, one-hot, masked mean): the reference,
 * used when no engine is active.
 * @param logits - [N, K] or [B, T, K]. @param targets - int32 [N] or [B, T]. @param mask - optional [N] or [B, T].
 * @returns a scalar: −Σ mask·log p(target) / Σ mask (0 if Σ mask = 0).
 */
export function softmaxCrossEntropyReference(logits: tf.Tensor, targets: tf.Tensor, mask?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const { z, y, m, K } = flatten("softmaxCrossEntropy", logits, targets, mask);
    const logP = tf.logSoftmax(z); // [M, K], z − logsumexp(z), computed stably
    const logPy = tf.sum(tf.mul(logP, tf.oneHot(y, K)), 1); // [M], log p(y_n)
    const nll = tf.neg(logPy); // [M], ≥ 0
    if (m === undefined) return tf.mean(nll) as tf.Scalar;
    const count = tf.maximum(tf.sum(m), 1); // [] (counts are integers: max(·, 1) only changes 0)
    return tf.div(tf.sum(tf.mul(nll, m)), count) as tf.Scalar;
  });
}

/**
 * Fraction of real positions whose argmax class equals the target.
 * @param logits - [N, K] or [B, T, K].
 * @param targets - int32 [N] or [B, T].
 * @param mask - optional [N] or [B, T]. Default: all real.
 * @returns a number in [0, 1] (0 if there is no real position).
 */
export function accuracy(logits: tf.Tensor, targets: tf.Tensor, mask?: tf.Tensor): number {
  const [hits, count] = tf.tidy(() => {
    const { z, y, m } = flatten("accuracy", logits, targets, mask);
    const right = tf.cast(tf.equal(tf.argMax(z, 1), y), "float32"); // [M]
    const w = m ?? tf.onesLike(right); // [M]
    return [tf.sum(tf.mul(right, w)), tf.sum(w)];
  });
  const h = hits.dataSync()[0];
  const c = count.dataSync()[0];
  tf.dispose([hits, count]);
  return c > 0 ? h / c : 0;
}
