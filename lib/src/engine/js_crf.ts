/**
 * The CRF kernels of the js engine in plain TypeScript: the readable version of
 * lib/csrc/crf.c (same equations, same tape), for `jsKernels` (engine/js.ts).
 *
 * With emissions e [B, T, K], transitions A [K, K] (A[i, j]: tag i followed by tag j) and a
 * sequence of length L:
 *
 *     1. forward:   α_0[j] = start[j] + e_0[j],  α_t[j] = logsumexp_i (α_{t−1}[i] + A[i, j]) + e_t[j],
 *                   log Z = logsumexp_j (α_{L−1}[j] + end[j]);   the tape is α [B, T, K]
 *     2. backward:  β_{L−1} = end,  β_{t−1}[i] = logsumexp_j (A[i, j] + e_t[j] + β_t[j]);
 *                   with w = dL/d log Z:
 *                   ∂/∂e_t[j] = w exp(α_t[j] + β_t[j] − log Z)               (p(y_t = j))
 *                   ∂/∂start = w p(y_0 = ·),  ∂/∂end = w p(y_{L−1} = ·)
 *                   ∂/∂A[i, j] = w Σ_{t ≥ 1} exp(α_{t−1}[i] + A[i, j] + e_t[j] + β_t[j] − log Z)
 *     3. Viterbi:   max for logsumexp, back-pointers, float64 (ties to the smallest id).
 *
 * −∞ scores (forbidden transitions) are allowed; a sequence with log Z = −∞ (no path of
 * finite score) gets a zero gradient.
 * Arithmetic is float64 (JavaScript numbers) and rounds to float32 only where it is
 * stored (tape, outputs). Reference: Sutton & McCallum (2012), "An introduction to
 * conditional random fields" §4.1.
 */
import { checkCrfLengths } from "./kernel_args.js";
import type { CrfBackwardArgs, CrfForwardArgs, CrfSizes, CrfViterbiArgs } from "./kernels.js";

/** log Σ_j exp(x[xo + j] + y[yo + j]), j < K; −∞ when every term is −∞. */
function logSumExp2(K: number, x: ArrayLike<number>, xo: number, y: ArrayLike<number>, yo: number): number {
  let max = -Infinity;
  for (let j = 0; j < K; j++) max = Math.max(max, x[xo + j] + y[yo + j]);
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let j = 0; j < K; j++) sum += Math.exp(x[xo + j] + y[yo + j] - max);
  return max + Math.log(sum);
}

/** B·T·K: the forward variables α. */
export function crfTapeSize({ B, T, K }: CrfSizes): number {
  return B * T * K;
}

export function crfForward(a: CrfForwardArgs): void {
  const { B, T, K, emissions: e, lengths, start, end, transitions: A, logZ, tape } = a;
  checkCrfLengths("js crfForward", lengths, B, T);
  const m = new Float64Array(K); // the column maxima of one step
  for (let b = 0; b < B; b++) {
    const L = lengths[b];
    const o = b * T * K; // row (b, 0) of e and of the tape
    for (let j = 0; j < K; j++) tape[o + j] = start[j] + e[o + j];
    for (let t = 1; t < L; t++) {
      const prev = o + (t - 1) * K, cur = o + t * K;
      m.fill(-Infinity);
      for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) m[j] = Math.max(m[j], tape[prev + i] + A[i * K + j]);
      for (let j = 0; j < K; j++) {
        const shift = m[j] === -Infinity ? 0 : m[j];
        let sum = 0;
        for (let i = 0; i < K; i++) sum += Math.exp(tape[prev + i] + A[i * K + j] - shift);
        tape[cur + j] = shift + Math.log(sum) + e[cur + j]; // α_t[j]
      }
    }
    tape.fill(0, o + L * K, o + T * K);
    logZ[b] = logSumExp2(K, tape, o + (L - 1) * K, end, 0);
  }
}

export function crfBackward(a: CrfBackwardArgs): void {
  const { B, T, K, emissions: e, lengths, end, transitions: A, tape, dLogZ, dEmissions: dE, dStart, dEnd, dTransitions: dA } = a;
  checkCrfLengths("js crfBackward", lengths, B, T);
  let beta = new Float64Array(K); // β_t
  let next = new Float64Array(K); // β_{t−1}
  const u = new Float64Array(K); // e_t + β_t
  const sStart = new Float64Array(K), sEnd = new Float64Array(K), sA = new Float64Array(K * K);
  for (let b = 0; b < B; b++) {
    const L = lengths[b], w = dLogZ[b], o = b * T * K;
    dE.fill(0, o + L * K, o + T * K);
    const Z = logSumExp2(K, tape, o + (L - 1) * K, end, 0);
    if (Z === -Infinity) {
      dE.fill(0, o, o + L * K); // no path has a finite score: no counts (not NaN from −∞ − (−∞))
      continue;
    }
    beta.set(end);
    for (let t = L - 1; ; t--) {
      const r = o + t * K;
      for (let j = 0; j < K; j++) dE[r + j] = w * Math.exp(tape[r + j] + beta[j] - Z); // w p(y_t = j)
      if (t === L - 1) for (let j = 0; j < K; j++) sEnd[j] += dE[r + j];
      if (t === 0) {
        for (let j = 0; j < K; j++) sStart[j] += dE[r + j];
        break;
      }
      const prev = r - K;
      for (let j = 0; j < K; j++) u[j] = e[r + j] + beta[j];
      for (let i = 0; i < K; i++) {
        const c = tape[prev + i] - Z;
        for (let j = 0; j < K; j++) sA[i * K + j] += w * Math.exp(c + A[i * K + j] + u[j]); // w p(y_{t−1} = i, y_t = j)
        next[i] = logSumExp2(K, A, i * K, u, 0); // β_{t−1}[i]
      }
      [beta, next] = [next, beta];
    }
  }
  dStart.set(sStart);
  dEnd.set(sEnd);
  dA.set(sA);
}

export function crfViterbi(a: CrfViterbiArgs): void {
  const { B, T, K, emissions: e, lengths, start, end, transitions: A, paths, scores } = a;
  checkCrfLengths("js crfViterbi", lengths, B, T);
  let delta = new Float64Array(K); // δ_{t−1}
  let next = new Float64Array(K); // δ_t
  const back = new Int32Array(T * K); // back[t·K + j] = argmax_i of δ_t[j]
  for (let b = 0; b < B; b++) {
    const L = lengths[b], o = b * T * K;
    for (let j = 0; j < K; j++) delta[j] = start[j] + e[o + j];
    for (let t = 1; t < L; t++) {
      for (let j = 0; j < K; j++) {
        let best = -Infinity;
        let arg = 0;
        for (let i = 0; i < K; i++) {
          const s = delta[i] + A[i * K + j];
          if (s > best) {
            best = s;
            arg = i;
          }
        }
        next[j] = best + e[o + t * K + j];
        back[t * K + j] = arg;
      }
      [delta, next] = [next, delta];
    }
    let best = -Infinity;
    let last = 0;
    for (let j = 0; j < K; j++) {
      const s = delta[j] + end[j];
      if (s > best) {
        best = s;
        last = j;
      }
    }
    const p = b * T;
    paths.fill(-1, p + L, p + T);
    paths[p + L - 1] = last;
    for (let t = L - 1; t > 0; t--) paths[p + t - 1] = back[t * K + paths[p + t]];
    scores[b] = best;
  }
}
