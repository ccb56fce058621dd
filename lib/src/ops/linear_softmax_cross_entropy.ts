/**
 * The output layer of a language model or tagger and its loss in one op: a linear map of
 * the hidden states to K class scores, then softmax cross-entropy (ops/softmax_cross_entropy.ts):
 *
 *     z_n = h_n W + b,   L = − Σ_n mask_n · log softmax(z_n)_{y_n} / Σ_n mask_n
 *
 * (0 when there is no real position). Gradients, with G_n = ∂L/∂z_n = mask_n (p_n − onehot(y_n)) / Σ mask:
 *
 *     ∂L/∂W = hᵀ G,   ∂L/∂h = G Wᵀ,   ∂L/∂b = Σ_n G_n.
 *
 * Why fuse: for a word-level LM, K is the vocabulary (10 000 for PTB) and z has N·K
 * entries (4 M for 400 positions) — the largest tensor of a training step. As separate
 * tfjs ops the step allocates and walks it a dozen times (matMul, bias add, log-softmax,
 * their gradients, the bias's column sum); the fused kernel pair (ops/fused.ts, C in
 * lib/csrc/linear_softmax_ce.c) keeps one [N, K] buffer: the forward writes b, adds h W,
 * takes the softmax in place; the backward turns it into G in place and runs two GEMMs.
 *
 * When an engine is active (engine/engine.ts) the fused kernels run; otherwise
 * `linearSoftmaxCrossEntropyReference`, which composes tf.matMul, tf.add and
 * `softmaxCrossEntropyReference` — the readable version and the fused kernels' test oracle.
 *
 * Shapes: N positions or B sequences × T steps; H input size; K classes.
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { getKernels } from "../engine/engine.js";
import { fusedLinearSoftmaxCrossEntropy } from "./fused.js";
import { softmaxCrossEntropyReference } from "./softmax_cross_entropy.js";

const FN = "linearSoftmaxCrossEntropy";

/** Checks shapes; returns h as [M, H], targets as [M], the mask as [M] or undefined. */
function flatten(
  h: tf.Tensor,
  W: tf.Tensor,
  b: tf.Tensor,
  targets: tf.Tensor,
  mask: tf.Tensor | undefined,
): { h2: tf.Tensor2D; y: tf.Tensor1D; m: tf.Tensor1D | undefined } {
  if (h.rank !== 2 && h.rank !== 3) {
    throw new ArgumentError(`${FN}: expected h of rank 2 [N, H] or 3 [B, T, H], got shape [${h.shape}]`);
  }
  const lead = h.shape.slice(0, -1);
  const H = h.shape[h.rank - 1];
  if (W.rank !== 2 || W.shape[0] !== H) {
    throw new ArgumentError(`${FN}: expected W of shape [${H}, K] (H from h), got [${W.shape}]`);
  }
  const K = W.shape[1] as number;
  if (b.rank !== 1 || b.shape[0] !== K) {
    throw new ArgumentError(`${FN}: expected b of shape [${K}] (K from W), got [${b.shape}]`);
  }
  if (targets.dtype !== "int32") {
    throw new ArgumentError(`${FN}: expected int32 targets, got ${targets.dtype}`);
  }
  if (targets.shape.join(",") !== lead.join(",")) {
    throw new ArgumentError(`${FN}: expected targets of shape [${lead}], got [${targets.shape}]`);
  }
  if (mask !== undefined && mask.shape.join(",") !== lead.join(",")) {
    throw new ArgumentError(`${FN}: expected mask of shape [${lead}], got [${mask.shape}]`);
  }
  const M = lead.reduce((p, q) => p * q, 1);
  return {
    h2: tf.reshape(h, [M, H]), // [M, H]
    y: tf.reshape(targets, [M]), // [M]
    m: mask === undefined ? undefined : tf.reshape(tf.cast(mask, "float32"), [M]), // [M]
  };
}

/**
 * Mean negative log-likelihood of `targets` under softmax(h W + b), over real positions;
 * equal to `softmaxCrossEntropy(tf.add(tf.matMul(h, W), b), targets, mask)` in value and
 * in its gradients w.r.t. h, W and b.
 * @param h - [N, H] or [B, T, H], the hidden states.
 * @param W - [H, K], the output weights.
 * @param b - [K], the output bias.
 * @param targets - int32 [N] or [B, T], class ids in [0, K).
 * @param mask - optional [N] or [B, T], 1 for real positions and 0 for padding. Default: all real.
 * @returns a scalar: −Σ mask·log p(target) / Σ mask (0 if Σ mask = 0).
 * @throws ArgumentError on a rank, shape or dtype mismatch (and, with an engine, a target outside [0, K)).
 */
export function linearSoftmaxCrossEntropy(h: tf.Tensor, W: tf.Tensor, b: tf.Tensor, targets: tf.Tensor, mask?: tf.Tensor): tf.Scalar {
  const kernels = getKernels();
  if (kernels === null) return linearSoftmaxCrossEntropyReference(h, W, b, targets, mask);
  return tf.tidy(() => {
    const { h2, y, m } = flatten(h, W, b, targets, mask);
    return fusedLinearSoftmaxCrossEntropy(kernels, h2, W as tf.Tensor2D, b as tf.Tensor1D, y, m);
  });
}

/**
 * ln softmax(h_n W + b)_{y_n} for every row: the per-position log-probabilities that
 * perplexity and interpolation need (no gradient; evaluation only). With an engine the
 * logits come from one GEMM and each row's log-softmax from the engine's softmax kernel
 * (the training loss's own code, float64 sums); otherwise `linearTargetLogProbsReference`.
 * @param h - [N, H] or [B, T, H]. @param W - [H, K]. @param b - [K].
 * @param targets - int32 [N] or [B, T], class ids in [0, K).
 * @returns float32, shaped like `targets`: ln p(target) ≤ 0 at every position.
 * @throws ArgumentError on a rank, shape or dtype mismatch, or a target outside [0, K).
 */
export function linearTargetLogProbs(h: tf.Tensor, W: tf.Tensor, b: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  const kernels = getKernels();
  if (kernels === null) return linearTargetLogProbsReference(h, W, b, targets);
  const { h2, y } = flatten(h, W, b, targets, undefined);
  const [M, H] = h2.shape;
  const K = W.shape[1] as number;
  const ys = y.dataSync() as Int32Array;
  const z = new Float32Array(M * K); // [M, K] logits
  kernels.gemm(false, false, M, K, H, 1, h2.dataSync() as Float32Array, W.dataSync() as Float32Array, 0, z);
  tf.dispose([h2, y]);
  const bias = b.dataSync() as Float32Array;
  const out = new Float32Array(M);
  const probs = new Float32Array(K); // one row's scratch
  const target = new Int32Array(1);
  for (let n = 0; n < M; n++) {
    if (!(ys[n] >= 0 && ys[n] < K)) throw new ArgumentError(`linearTargetLogProbs: expected targets in [0, ${K}), got ${ys[n]} at position ${n}`);
    const row = z.subarray(n * K, (n + 1) * K);
    for (let k = 0; k < K; k++) row[k] += bias[k];
    target[0] = ys[n];
    out[n] = -kernels.softmaxCeForward({ N: 1, K, logits: row, targets: target, mask: null, probs })[0];
  }
  return tf.tensor(out, targets.shape, "float32");
}

/**
 * `linearTargetLogProbs` as tfjs ops (matMul, bias add, logSoftmax, gather): the reference.
 * @param h - [N, H] or [B, T, H]. @param W - [H, K]. @param b - [K]. @param targets - int32 [N] or [B, T].
 * @returns float32, shaped like `targets`.
 */
export function linearTargetLogProbsReference(h: tf.Tensor, W: tf.Tensor, b: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const { h2, y } = flatten(h, W, b, targets, undefined);
    const [M] = y.shape;
    const K = W.shape[1] as number;
    const logp = tf.reshape(tf.logSoftmax(tf.add(tf.matMul(h2, W as tf.Tensor2D), b)), [M * K]); // [M·K]
    const at = tf.add(tf.mul(tf.range(0, M, 1, "int32"), tf.scalar(K, "int32")), y); // [M]: row offset + target
    return tf.reshape(tf.gather(logp, at), targets.shape);
  });
}

/**
 * `linearSoftmaxCrossEntropy` as tfjs ops (matMul, bias add, `softmaxCrossEntropyReference`):
 * the reference, used when no engine is active.
 * @param h - [N, H] or [B, T, H]. @param W - [H, K]. @param b - [K].
 * @param targets - int32 [N] or [B, T]. @param mask - optional [N] or [B, T].
 * @returns a scalar: −Σ mask·log p(target) / Σ mask (0 if Σ mask = 0).
 */
export function linearSoftmaxCrossEntropyReference(h: tf.Tensor, W: tf.Tensor, b: tf.Tensor, targets: tf.Tensor, mask?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const { h2, y, m } = flatten(h, W, b, targets, mask);
    const z = tf.add(tf.matMul(h2, W as tf.Tensor2D), b); // [M, K]
    return softmaxCrossEntropyReference(z, y, m);
  });
}
