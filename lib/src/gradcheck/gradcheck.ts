/**
 * Gradient checks: is a gradient right? Compare it with an independent computation.
 *
 * Three gradients of the same loss can be compared:
 * - autodiff: tfjs's reverse mode (`tf.variableGrads`), float32;
 * - finite differences: central differences g_i ≈ (L(θ + εe_i) − L(θ − εe_i)) / 2ε,
 *   whose error is O(ε²) truncation plus O(u·|L|/ε) rounding (u the unit roundoff); in
 *   float32 `gradCheck` uses the fourth-order central stencil
 *   g_i ≈ [8(L(θ+εe_i) − L(θ−εe_i)) − (L(θ+2εe_i) − L(θ−2εe_i))] / 12ε (O(ε⁴) truncation),
 *   which allows a larger ε and so less rounding error;
 * - hand: a gradient derived on paper (e.g. BPTT in `rnn/vanilla.ts`).
 *
 * The measure is the relative error of two gradient vectors a, b (`relativeError`):
 *
 *     rel(a, b) = max_i |a_i − b_i| / max(max_i |a_i|, max_i |b_i|, floor)
 *
 * i.e. the worst entry's error relative to the largest entry (a max-norm relative error;
 * `floor` keeps it finite when both gradients are 0). Typical levels: float64 finite
 * differences with ε = 1e-6 agree with a correct gradient to ~1e-8; float32 checks with
 * ε = 3e-2 to ~1e-5–1e-4 (up to ~1e-3 for parameters whose gradient is much smaller than the
 * loss, where the float32 rounding of L dominates); a wrong gradient gives ~1e-1 or more.
 *
 * Reference: CS231n notes "Gradient checks"; Goodfellow, Bengio & Courville (2016) §11.5.
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { random } from "../random.js";

/**
 * Relative error of two gradients: max_i |a_i − b_i| / max(max_i |a_i|, max_i |b_i|, floor).
 * @param a - [n] one gradient.
 * @param b - [n] the other.
 * @param floor - the smallest denominator, so two zero gradients give 0. Default: 1e-8.
 * @returns the relative error ≥ 0 (0 for empty vectors; NaN if an entry is NaN).
 */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-8): number {
  if (a.length !== b.length) throw new ArgumentError(`relativeError: expected b of length ${a.length} (as a), got ${b.length}`);
  if (!(floor > 0)) throw new ArgumentError(`relativeError: expected floor > 0, got ${floor}`);
  let diff = 0;
  let scale = floor;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return NaN;
    diff = Math.max(diff, d);
    scale = Math.max(scale, Math.abs(a[i]), Math.abs(b[i]));
  }
  return diff / scale;
}

/**
 * Central finite differences in float64: g_i = (f(θ + εe_i) − f(θ − εe_i)) / 2ε.
 * `theta` is perturbed in place and restored exactly after each entry.
 * @param f - the loss of a flat parameter vector.
 * @param theta - [n] the point.
 * @param eps - the step ε. Default: 1e-6 (balances O(ε²) truncation and O(1e-16/ε) rounding).
 * @returns [n] the gradient estimate.
 */
export function finiteDifferences64(f: (theta: Float64Array) => number, theta: Float64Array, eps = 1e-6): Float64Array {
  checkEps("finiteDifferences64", eps);
  const g = new Float64Array(theta.length); // [n]
  for (let i = 0; i < theta.length; i++) {
    const original = theta[i];
    theta[i] = original + eps;
    const plus = f(theta);
    theta[i] = original - eps;
    const minus = f(theta);
    theta[i] = original;
    g[i] = (plus - minus) / (2 * eps);
  }
  return g;
}

/** One parameter's line of a gradient-check report. */
export interface GradCheckRow {
  param: string;
  shape: number[];
  autodiffVsFiniteDiff: number;
  handVsAutodiff?: number;
  handVsFiniteDiff?: number;
}

/** A gradient-check report: one row per parameter and the maxima over rows. */
export interface GradCheckReport {
  rows: GradCheckRow[];
  autodiffVsFiniteDiff: number;
  handVsAutodiff?: number;
  handVsFiniteDiff?: number;
}

/** Options of `gradCheck`. */
export interface GradCheckOptions {
  /** A hand-derived gradient, one tensor per param in the same order and shapes. Default: none (only autodiff vs finite differences). */
  hand?: tf.Tensor[];
  /**
   * The finite-difference step ε of the fourth-order stencil. Default: 3e-2. In float32
   * (unit roundoff u ≈ 6e-8) the rounding error is ≈ u·|L|/ε and the truncation error
   * O(ε⁴ L⁽⁵⁾). Measured on the vanilla RNN (D 3, H 5, K 4, T 6) with weights of scale
   * 0.1 / 0.3 / 0.5, the worst relative error over parameters and 3 seeds was 7e-4 / 8e-5 /
   * 5e-5 with ε = 3e-2, against 2e-3 / 2e-4 / 2e-4 with ε = 1e-2 and 2e-3 / 1e-3 / 5e-3 with
   * ε = 1e-1 (the 0.1 case is rounding-bound: dL/dW is small next to L).
   */
  eps?: number;
  /** At most this many entries of each variable get finite differences (chosen with the seeded `random()`). Default: 64. */
  maxEntries?: number;
  /** A name per param for the report. Default: each variable's `name`. */
  names?: string[];
}

/**
 * float32 gradient check of a tfjs loss: autodiff vs central finite differences (each
 * sampled entry perturbed by ±ε with `assign`, the variable restored exactly afterwards),
 * and, when `hand` is given, hand vs both (fourth-order stencil, see the file comment; the
 * float32 rounding of θ ± ε changes the step by ≲ 1e-6 relative, negligible here). Creates
 * no lasting tensors.
 * @param loss - the scalar loss of the current values of `params`.
 * @param params - the variables to check.
 * @returns the report (`autodiffVsFiniteDiff` and `handVsFiniteDiff` over the sampled entries, `handVsAutodiff` over all).
 */
export function gradCheck(
  loss: () => tf.Scalar,
  params: tf.Variable[],
  options: GradCheckOptions = {},
): GradCheckReport {
  const eps = options.eps ?? 3e-2;
  const maxEntries = options.maxEntries ?? 64;
  checkEps("gradCheck", eps);
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new ArgumentError(`gradCheck: expected maxEntries a positive integer, got ${maxEntries}`);
  }
  if (params.length === 0) throw new ArgumentError("gradCheck: expected at least one variable in params, got 0");
  params.forEach((v, i) => {
    if (v.dtype !== "float32") throw new ArgumentError(`gradCheck: expected params[${i}] of dtype float32, got ${v.dtype}`);
  });
  const { hand, names } = options;
  if (hand !== undefined) {
    if (hand.length !== params.length) throw new ArgumentError(`gradCheck: expected ${params.length} hand gradients (one per param), got ${hand.length}`);
    hand.forEach((h, i) => {
      if (!tf.util.arraysEqual(h.shape, params[i].shape)) {
        throw new ArgumentError(`gradCheck: expected hand[${i}] of shape [${params[i].shape}], got [${h.shape}]`);
      }
    });
  }
  if (names !== undefined && names.length !== params.length) {
    throw new ArgumentError(`gradCheck: expected ${params.length} names, got ${names.length}`);
  }

  // 1. Autodiff, read back as float arrays.
  const autodiff: Float32Array[] = tf.tidy(() => {
    const { grads } = tf.variableGrads(loss, params);
    return params.map((v) => {
      const g = grads[v.name] as tf.Tensor | null | undefined;
      return g ? (g.dataSync() as Float32Array).slice() : new Float32Array(v.size);
    });
  });
  const lossValue = () => tf.tidy(() => loss().dataSync()[0]);

  // 2. Finite differences on sampled entries, 3. compare.
  const rows = params.map((v, p): GradCheckRow => {
    const original = (v.dataSync() as Float32Array).slice();
    const entries = sampleEntries(v.size, maxEntries);
    const fd = new Float64Array(entries.length);
    try {
      entries.forEach((index, j) => {
        // Fourth-order central stencil: [8(L(θ+ε) − L(θ−ε)) − (L(θ+2ε) − L(θ−2ε))] / 12ε.
        const at = (delta: number) => {
          const work = original.slice();
          work[index] = original[index] + delta;
          assignData(v, work);
          return lossValue();
        };
        fd[j] = (8 * (at(eps) - at(-eps)) - (at(2 * eps) - at(-2 * eps))) / (12 * eps);
      });
    } finally {
      assignData(v, original);
    }
    const auto = entries.map((i) => autodiff[p][i]);
    const row: GradCheckRow = {
      param: names?.[p] ?? v.name,
      shape: v.shape.slice(),
      autodiffVsFiniteDiff: relativeError(auto, fd),
    };
    if (hand !== undefined) {
      const h = hand[p].dataSync();
      row.handVsAutodiff = relativeError(h, autodiff[p]);
      row.handVsFiniteDiff = relativeError(entries.map((i) => h[i]), fd);
    }
    return row;
  });
  const max = (key: "autodiffVsFiniteDiff" | "handVsAutodiff" | "handVsFiniteDiff") =>
    rows.reduce((m, r) => Math.max(m, r[key] ?? 0), 0);
  const report: GradCheckReport = { rows, autodiffVsFiniteDiff: max("autodiffVsFiniteDiff") };
  if (hand !== undefined) {
    report.handVsAutodiff = max("handVsAutodiff");
    report.handVsFiniteDiff = max("handVsFiniteDiff");
  }
  return report;
}

/**
 * float64 check: a hand gradient vs float64 central finite differences.
 * @param loss - the loss of a flat parameter vector.
 * @param grad - its hand-derived gradient, [n].
 * @param theta - [n] the point (left unchanged).
 * @param options.eps - the step ε. Default: 1e-6.
 * @returns the relative error (see `relativeError`) and both gradients, [n] each.
 */
export function gradCheck64(
  loss: (theta: Float64Array) => number,
  grad: (theta: Float64Array) => Float64Array,
  theta: Float64Array,
  options: { eps?: number } = {},
): { relError: number; fd: Float64Array; hand: Float64Array } {
  const hand = Float64Array.from(grad(Float64Array.from(theta)));
  if (hand.length !== theta.length) throw new ArgumentError(`gradCheck64: expected grad of length ${theta.length}, got ${hand.length}`);
  const fd = finiteDifferences64(loss, Float64Array.from(theta), options.eps ?? 1e-6);
  return { relError: relativeError(hand, fd), fd, hand };
}

/**
 * A report as table records (for `showTable`): one record per parameter plus a final "max"
 * record, errors in exponent form ("3.1e-5"); the hand columns appear only when checked.
 */
export function gradCheckTable(report: GradCheckReport): Record<string, string>[] {
  const hasHand = report.handVsAutodiff !== undefined;
  const record = (param: string, shape: string, r: Omit<GradCheckRow, "param" | "shape">) => {
    const out: Record<string, string> = {
      parameter: param,
      shape,
      "autodiff vs finite diff": formatError(r.autodiffVsFiniteDiff),
    };
    if (hasHand) {
      out["hand vs autodiff"] = formatError(r.handVsAutodiff);
      out["hand vs finite diff"] = formatError(r.handVsFiniteDiff);
    }
    return out;
  };
  return [
    ...report.rows.map((r) => record(r.param, `[${r.shape.join(", ")}]`, r)),
    record("max", "", report),
  ];
}

/** "3.1e-5" (two significant digits), "0" for exactly 0, "" when absent. */
function formatError(x: number | undefined): string {
  if (x === undefined) return "";
  if (x === 0) return "0";
  return x.toExponential(1).replace("e+", "e");
}

/** Replaces a variable's value with `data` (same shape), leaving no tensor behind. */
function assignData(v: tf.Variable, data: Float32Array): void {
  tf.tidy(() => v.assign(tf.tensor(data, v.shape, v.dtype)));
}

/** All indices of [0, size) if size ≤ max, else `max` distinct ones chosen with `random()`, sorted. */
function sampleEntries(size: number, max: number): number[] {
  const all = Array.from({ length: size }, (_, i) => i);
  if (size <= max) return all;
  for (let i = 0; i < max; i++) {
    const j = i + Math.floor(random() * (size - i)); // partial Fisher–Yates
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, max).sort((a, b) => a - b);
}

function checkEps(fn: string, eps: number): void {
  if (!(eps > 0) || !Number.isFinite(eps)) throw new ArgumentError(`${fn}: expected eps > 0, got ${eps}`);
}
