/**
 * The fused CRF: the linear-chain CRF's log-partition log Z with its gradient, and Viterbi
 * decoding, computed by the engine's kernels (`crfForward`, `crfBackward`, `crfViterbi` in
 * engine/kernels.ts; equations in lib/csrc/crf.c and engine/js_crf.ts) instead of T steps
 * of small tfjs ops. ops/crf.ts dispatches here when an engine is active; its `*Reference`
 * functions are the tfjs-op definition these are tested against (test/crf-kernel.test.ts).
 *
 * Mechanism (that of ops/fused.ts):
 *   1. Kernel "SeqlabCrfLogPartition": inputs emissions [B, T, K], start [K], end [K],
 *      transitions [K, K] and lengths int32 [B]; outputs log Z [B] and the tape (the
 *      forward variables α, [B·T·K] float32).
 *   2. Its gradient saves the inputs and the tape and calls "SeqlabCrfLogPartitionGrad",
 *      which returns the gradients of emissions, start, end and transitions at once, the
 *      forward–backward marginals weighted by ḡ_b = dL/d log Z_b:
 *
 *          ∂L/∂e[b, t, j] = ḡ_b p(y_t = j | e_b)            (0 at padded steps)
 *          ∂L/∂start[j]   = Σ_b ḡ_b p(y_0 = j | e_b)
 *          ∂L/∂end[j]     = Σ_b ḡ_b p(y_{L_b−1} = j | e_b)
 *          ∂L/∂A[i, j]    = Σ_b ḡ_b Σ_{t=1}^{L_b−1} p(y_{t−1} = i, y_t = j | e_b)
 *
 *      (∂ log Z / ∂θ = E_p[∂ score(y) / ∂θ], the expected feature counts). lengths takes no
 *      gradient (they are data).
 *   3. Kernel "SeqlabCrfLogLikelihood" (inputs as 1 plus tags int32 [B, T]) returns the
 *      per-sequence log p(y_b | e_b) = score(y_b) − log Z_b [B] and the same tape: log Z by
 *      `crfForward`, the gold path's score summed here (B·T terms, float64). Its gradient
 *      is the gold path's feature counts minus the marginals: `crfBackward` with
 *      dL/d log Z = −ḡ, then +ḡ_b at e[b, t, y_t], start[y_0], end[y_{L−1}] and
 *      A[y_{t−1}, y_t]. One kernel pair replaces `crfScore`'s ~20 small ops and their
 *      gradients in the training loss.
 * Viterbi needs no gradient, so it is not a tfjs kernel: `fusedViterbiDecode` reads the
 * emissions' values and calls `crfViterbi` directly.
 *
 * Reference: Sutton & McCallum (2012), "An introduction to conditional random fields" §4.1, §5.1.
 */
import * as tf from "@tensorflow/tfjs";
import type { Kernels } from "../engine/kernels.js";
import { defineKernel, noMaskGradient, run, useKernels, type Attrs, type Out } from "./fused.js";

/** A kernel's input values by name (ops/fused.ts reads tags and lengths as int32). */
type Values = Record<string, Float32Array | Int32Array>;

/** The CRF's parameters as tensors (ops/crf.ts `CrfParams`). */
interface CrfTensors {
  /** [K]. */
  start: tf.Tensor1D;
  /** [K]. */
  end: tf.Tensor1D;
  /** [K, K]: row = from, column = to. */
  transitions: tf.Tensor2D;
}

const NAME = "SeqlabCrfLogPartition";
const SAVED = ["emissions", "start", "end", "transitions", "lengths"];

/** log Z [B] and the tape by `crfForward`. */
function computeLogZ(k: Kernels, v: Values, a: Attrs): [Out, Out] {
  const B = a.B as number, T = a.T as number, K = a.K as number;
  const logZ = new Float32Array(B);
  const tape = new Float32Array(k.crfTapeSize({ B, T, K }));
  k.crfForward({
    B, T, K, emissions: v.emissions as Float32Array, lengths: v.lengths as Int32Array,
    start: v.start as Float32Array, end: v.end as Float32Array, transitions: v.transitions as Float32Array, logZ, tape,
  });
  return [{ shape: [B], values: logZ }, { shape: [tape.length], values: tape }];
}

/** The gradients of Σ_b dLogZ[b] log Z_b w.r.t. emissions, start, end, transitions by `crfBackward`. */
function computeLogZGrad(k: Kernels, v: Values, a: Attrs): Out[] {
  const B = a.B as number, T = a.T as number, K = a.K as number;
  const dEmissions = new Float32Array(B * T * K), dStart = new Float32Array(K), dEnd = new Float32Array(K), dTransitions = new Float32Array(K * K);
  k.crfBackward({
    B, T, K, emissions: v.emissions as Float32Array, lengths: v.lengths as Int32Array,
    start: v.start as Float32Array, end: v.end as Float32Array, transitions: v.transitions as Float32Array,
    tape: v.tape as Float32Array, dLogZ: v.dLogZ as Float32Array, dEmissions, dStart, dEnd, dTransitions,
  });
  return [{ shape: [B, T, K], values: dEmissions }, { shape: [K], values: dStart }, { shape: [K], values: dEnd }, { shape: [K, K], values: dTransitions }];
}

defineKernel(NAME, computeLogZ);
defineKernel(NAME + "Grad", computeLogZGrad);

tf.registerGradient({
  kernelName: NAME,
  inputsToSave: SAVED,
  outputsToSave: [false, true], // the tape
  gradFunc: (dy, saved, attrs) => {
    const [dLogZ] = dy as tf.Tensor[]; // [dLogZ [B], dTape (unused)]
    const inputs: Record<string, tf.Tensor> = { tape: saved[SAVED.length], dLogZ };
    SAVED.forEach((n, j) => (inputs[n] = saved[j]));
    const [dEmissions, dStart, dEnd, dTransitions] = run(NAME + "Grad", inputs, attrs as unknown as Attrs);
    return { emissions: () => dEmissions, start: () => dStart, end: () => dEnd, transitions: () => dTransitions, lengths: noMaskGradient };
  },
});

const LLH = "SeqlabCrfLogLikelihood";
const LLH_SAVED = ["emissions", "tags", "start", "end", "transitions", "lengths"];

defineKernel(LLH, (k, v, a) => {
  const [logZ, tape] = computeLogZ(k, v, a);
  const B = a.B as number, T = a.T as number, K = a.K as number;
  const e = v.emissions, y = v.tags, A = v.transitions, lengths = v.lengths;
  const llh = new Float32Array(B);
  for (let b = 0; b < B; b++) {
    const L = lengths[b], o = b * T;
    let score = v.start[y[o]] + v.end[y[o + L - 1]]; // score(y_b), float64
    for (let t = 0; t < L; t++) score += e[(o + t) * K + y[o + t]];
    for (let t = 1; t < L; t++) score += A[y[o + t - 1] * K + y[o + t]];
    llh[b] = score - logZ.values[b];
  }
  return [{ shape: [B], values: llh }, tape];
});

defineKernel(LLH + "Grad", (k, v, a) => {
  const B = a.B as number, T = a.T as number, K = a.K as number;
  const g = v.dLlh; // [B] dL/d log p(y_b | e_b)
  const grads = computeLogZGrad(k, { ...v, dLogZ: g.map((x) => -x) }, a); // −ḡ_b × the marginals
  const [dE, dStart, dEnd, dA] = grads.map((o) => o.values);
  const y = v.tags, lengths = v.lengths;
  for (let b = 0; b < B; b++) {
    const L = lengths[b], o = b * T;
    dStart[y[o]] += g[b]; // + ḡ_b × the gold path's feature counts
    dEnd[y[o + L - 1]] += g[b];
    for (let t = 0; t < L; t++) dE[(o + t) * K + y[o + t]] += g[b];
    for (let t = 1; t < L; t++) dA[y[o + t - 1] * K + y[o + t]] += g[b];
  }
  return grads;
});

tf.registerGradient({
  kernelName: LLH,
  inputsToSave: LLH_SAVED,
  outputsToSave: [false, true], // the tape
  gradFunc: (dy, saved, attrs) => {
    const [dLlh] = dy as tf.Tensor[]; // [dLlh [B], dTape (unused)]
    const inputs: Record<string, tf.Tensor> = { tape: saved[LLH_SAVED.length], dLlh };
    LLH_SAVED.forEach((n, j) => (inputs[n] = saved[j]));
    const [dEmissions, dStart, dEnd, dTransitions] = run(LLH + "Grad", inputs, attrs as unknown as Attrs);
    return {
      emissions: () => dEmissions, start: () => dStart, end: () => dEnd, transitions: () => dTransitions,
      tags: noMaskGradient, lengths: noMaskGradient,
    };
  },
});

/**
 * log Z of every sequence by the engine's forward algorithm, differentiable (tf.grads,
 * tf.variableGrads) w.r.t. emissions and the three parameters. Same value as
 * `crfLogPartitionReference` (ops/crf.ts), whose argument checks it relies on.
 * @param k - the kernels to compute with.
 * @param emissions - float32 [B, T, K].
 * @param params - start [K], end [K], transitions [K, K].
 * @param lengths - [B] real lengths, each in [1, T].
 * @returns [B] log Z.
 */
export function fusedCrfLogPartition(k: Kernels, emissions: tf.Tensor3D, params: CrfTensors, lengths: readonly number[]): tf.Tensor1D {
  useKernels(k);
  const [B, T, K] = emissions.shape;
  return tf.tidy(() => {
    const inputs = { emissions, start: params.start, end: params.end, transitions: params.transitions, lengths: tf.tensor1d(lengths as number[], "int32") };
    const [logZ] = run(NAME, inputs, { B, T, K, engine: k.name });
    return logZ as tf.Tensor1D; // [B]
  });
}

/**
 * The per-sequence log-likelihood log p(y_b | e_b) = score(y_b) − log Z_b by the engine,
 * differentiable w.r.t. emissions and the three parameters (step 3 of the file comment).
 * Same value as `crfScore` − `crfLogPartitionReference` (ops/crf.ts), whose checks it relies on.
 * @param k - the kernels. @param emissions - float32 [B, T, K].
 * @param tags - int32 [B, T], values in [0, K). @param params - start [K], end [K], transitions [K, K].
 * @param lengths - [B] real lengths, each in [1, T].
 * @returns [B] log p(y_b | e_b).
 */
export function fusedCrfLogLikelihood(k: Kernels, emissions: tf.Tensor3D, tags: tf.Tensor2D, params: CrfTensors, lengths: readonly number[]): tf.Tensor1D {
  useKernels(k);
  const [B, T, K] = emissions.shape;
  return tf.tidy(() => {
    const inputs = { emissions, tags, start: params.start, end: params.end, transitions: params.transitions, lengths: tf.tensor1d(lengths as number[], "int32") };
    const [llh] = run(LLH, inputs, { B, T, K, engine: k.name });
    return llh as tf.Tensor1D; // [B]
  });
}

/**
 * The best tag path of every sequence by the engine's Viterbi kernel (float64, ties to the
 * smallest tag id); same result as `viterbiDecodeReference` (ops/crf.ts).
 * @param k - the kernels. @param emissions - float32 [B, T, K].
 * @param params - start [K], end [K], transitions [K, K]. @param lengths - [B], each in [1, T].
 * @returns paths (path b of length lengths[b]) and their scores [B].
 */
export function fusedViterbiDecode(
  k: Kernels, emissions: tf.Tensor3D, params: CrfTensors, lengths: readonly number[],
): { paths: number[][]; scores: number[] } {
  const [B, T, K] = emissions.shape;
  const paths = new Int32Array(B * T); // [B, T]
  const scores = new Float64Array(B); // [B]
  k.crfViterbi({
    B, T, K, emissions: emissions.dataSync() as Float32Array, lengths: Int32Array.from(lengths),
    start: params.start.dataSync() as Float32Array, end: params.end.dataSync() as Float32Array,
    transitions: params.transitions.dataSync() as Float32Array, paths, scores,
  });
  return { paths: lengths.map((L, b) => Array.from(paths.subarray(b * T, b * T + L))), scores: Array.from(scores) };
}
