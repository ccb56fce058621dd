/**
 * Gradient clipping, the standard cure for exploding gradients in RNNs.
 *
 * Reference: Pascanu, Mikolov & Bengio (2013), "On the difficulty of training recurrent
 * neural networks", Algorithm 1; Mikolov (2012) for clipping by value.
 *
 * 1. Global norm: ‖g‖ = sqrt(Σ_p Σ_i g_{p,i}²) over all parameters p together.
 * 2. Clip by global norm: if ‖g‖ > θ then g ← g · θ/‖g‖ (same direction, norm θ), else g unchanged.
 * 3. Clip by value: g_i ← min(max(g_i, −c), c) entry by entry (changes the direction).
 * 4. Choosing θ (the lecture's rule, after Pascanu et al. §3.2): train for a while without
 *    clipping, record the gradient norms, and take their mean as θ (`clippingThreshold`).
 *
 * Tensors: the functions return new tensors that the caller owns (even when nothing was
 * clipped) and never dispose their inputs.
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { getKernels } from "../engine/engine.js";
import { jsKernels } from "../engine/js.js";
import { transientValues } from "../backend/seqlab_backend.js";

/** Gradients as a list or a name → tensor map (as `tf.variableGrads` returns them). */
export type Grads = tf.Tensor[] | tf.NamedTensorMap;

/** What `clipByGlobalNorm` returns. */
export interface ClipResult<G extends Grads> {
  /** The (possibly) rescaled gradients, same container type and shapes as the input. */
  grads: G;
  /** ‖g‖ before clipping. */
  norm: number;
  /** Whether ‖g‖ > threshold, i.e. the gradients were rescaled. */
  clipped: boolean;
}

/**
 * The global norm ‖g‖ = sqrt(Σ_p ‖g_p‖²) of all gradients together.
 * @param grads - tensors of any shapes.
 * @returns ‖g‖ ≥ 0 (0 for no tensors).
 */
export function globalNorm(grads: Grads): number {
  // One pass over each gradient's values in float64 by the engine's `sumOfSquares` kernel (C on
  // native; exact to float64 rounding, and no full-size temporaries: on the seqlab backend the
  // values are read without copies).
  const kernels = getKernels() ?? jsKernels;
  let sum = 0;
  for (const g of tensors(grads)) {
    const v = transientValues(g);
    sum += kernels.sumOfSquares(v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>));
  }
  return Math.sqrt(sum);
}

/**
 * Rescales the gradients to global norm `threshold` if their norm exceeds it:
 * g ← g · θ/‖g‖ when ‖g‖ > θ.
 * @param grads - tensors of any shapes (list or map).
 * @param threshold - θ > 0.
 * @returns new tensors in the same container, the norm before clipping, and whether it clipped.
 */
export function clipByGlobalNorm<G extends Grads>(grads: G, threshold: number): ClipResult<G> {
  if (!(threshold > 0) || !Number.isFinite(threshold)) {
    throw new ArgumentError(`clipByGlobalNorm: expected threshold a finite number > 0, got ${threshold}`);
  }
  const norm = globalNorm(grads);
  const clipped = norm > threshold;
  const scale = clipped ? threshold / norm : 1;
  return { grads: mapGrads(grads, (g) => (clipped ? tf.mul(g, scale) : tf.clone(g))), norm, clipped };
}

/**
 * Clips every entry to [−limit, limit].
 * @param grads - tensors of any shapes (list or map).
 * @param limit - c > 0.
 * @returns new tensors in the same container.
 */
export function clipByValue<G extends Grads>(grads: G, limit: number): G {
  if (!(limit > 0) || !Number.isFinite(limit)) {
    throw new ArgumentError(`clipByValue: expected limit a finite number > 0, got ${limit}`);
  }
  return mapGrads(grads, (g) => tf.clipByValue(g, -limit, limit));
}

/**
 * The lecture's clipping threshold: the mean of gradient norms recorded without clipping
 * (over runs and/or training steps), θ = (1/N) Σ_n ‖g_n‖.
 * @param norms - [N] recorded norms, each finite and ≥ 0.
 * @returns θ > 0.
 */
export function clippingThreshold(norms: ArrayLike<number>): number {
  if (norms.length === 0) throw new ArgumentError("clippingThreshold: expected at least one gradient norm, got 0");
  let sum = 0;
  for (let i = 0; i < norms.length; i++) {
    const n = norms[i];
    if (!(n >= 0) || !Number.isFinite(n)) throw new ArgumentError(`clippingThreshold: expected norms[${i}] finite and ≥ 0, got ${n}`);
    sum += n;
  }
  const mean = sum / norms.length;
  if (!(mean > 0)) throw new ArgumentError("clippingThreshold: expected a positive mean norm, got 0 (all norms are 0)");
  return mean;
}

function tensors(grads: Grads): tf.Tensor[] {
  return Array.isArray(grads) ? grads : Object.values(grads);
}

/** Applies `f` to each tensor, keeping the container type. */
function mapGrads<G extends Grads>(grads: G, f: (g: tf.Tensor) => tf.Tensor): G {
  if (Array.isArray(grads)) return grads.map((g) => f(g)) as G;
  const out: tf.NamedTensorMap = {};
  for (const [name, g] of Object.entries(grads)) out[name] = f(g);
  return out as G;
}
