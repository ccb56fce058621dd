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
 * Viterbi needs no gradient, so it is not a tfjs kernel: `fusedViterbiDecode` reads the
 * emissions' values and calls `crfViterbi` directly.
 *
 * Reference: Sutton & McCallum (2012), "An introduction to conditional random fields" §4.1, §5.1.
 */
import * as tf from "@tensorflow/tfjs";
import type { Kernels } from "../engine/kernels.js";
import { defineKernel, noMaskGradient, run, useKernels, type Attrs } from "./fused.js";

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

defineKernel(NAME, (k, v, a) => {
  const B = a.B as number, T = a.T as number, K = a.K as number;
  const logZ = new Float32Array(B);
  const tape = new Float32Array(k.crfTapeSize({ B, T, K }));
  k.crfForward({
    B, T, K, emissions: v.emissions as Float32Array, lengths: v.lengths as Int32Array,
    start: v.start as Float32Array, end: v.end as Float32Array, transitions: v.transitions as Float32Array, logZ, tape,
  });
  return [{ shape: [B], values: logZ }, { shape: [tape.length], values: tape }];
});

defineKernel(NAME + "Grad", (k, v, a) => {
  const B = a.B as number, T = a.T as number, K = a.K as number;
  const dEmissions = new Float32Array(B * T * K), dStart = new Float32Array(K), dEnd = new Float32Array(K), dTransitions = new Float32Array(K * K);
  k.crfBackward({
    B, T, K, emissions: v.emissions as Float32Array, lengths: v.lengths as Int32Array,
    start: v.start as Float32Array, end: v.end as Float32Array, transitions: v.transitions as Float32Array,
    tape: v.tape as Float32Array, dLogZ: v.dLogZ as Float32Array, dEmissions, dStart, dEnd, dTransitions,
  });
  return [{ shape: [B, T, K], values: dEmissions }, { shape: [K], values: dStart }, { shape: [K], values: dEnd }, { shape: [K, K], values: dTransitions }];
});

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
