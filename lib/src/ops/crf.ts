/**
 * The linear-chain conditional random field (Lafferty, McCallum & Pereira 2001) as the
 * output layer of a tagger (Huang, Xu & Yu 2015; Lample et al. 2016 §2.2): instead of
 * choosing each tag on its own, it scores whole tag paths, so a tagger can learn that
 * I-PER never follows B-LOC.
 *
 * Inputs: emissions e [B, T, K] (the network's score of tag k at step t), tags y int32
 * [B, T], mask m [B, T] (1 real, 0 padding; right padding, the first step of every
 * sequence real). Parameters: start [K], end [K] and transitions A [K, K] where
 * **A[i, j] is the score of going from tag i at step t−1 to tag j at step t** (row = from,
 * column = to, as pytorch-crf). For a sequence of length L (= Σ_t m_t):
 *
 *     score(y) = start[y_0] + Σ_{t=0}^{L−1} e_t[y_t] + Σ_{t=1}^{L−1} A[y_{t−1}, y_t] + end[y_{L−1}]
 *     p(y | e) = exp(score(y)) / Z,   log Z = log Σ_{y'} exp(score(y'))   (K^L paths)
 *
 * 1. Forward algorithm (log Z in O(L·K²)): α_0[j] = start[j] + e_0[j];
 *    α_t[j] = logsumexp_i (α_{t−1}[i] + A[i, j]) + e_t[j] at a real step, α_t = α_{t−1}
 *    at a padded one; log Z = logsumexp_j (α_{L−1}[j] + end[j]).
 * 2. Log-likelihood: log p(y | e) = score(y) − log Z ≤ 0; training maximises it, so the
 *    tagger's loss is its negative. Its gradient with respect to e, start, end and A is
 *    the gold path's feature counts minus their expectation under p (the marginals).
 * 3. Viterbi decoding: the same recursion with max instead of logsumexp, δ_t[j] =
 *    max_i (δ_{t−1}[i] + A[i, j]) + e_t[j], remembering the argmax i; the best last tag is
 *    argmax_j (δ_{L−1}[j] + end[j]) and the back-pointers give the rest, in float64 on the
 *    emissions' values: decoding needs no gradient.
 *
 * Two implementations. When an engine is active (engine/engine.ts, `initEngine`), log Z and
 * the log-likelihood with their gradients, and Viterbi, run as fused kernels
 * (ops/crf_fused.ts: one forward–backward pass instead of T steps of small tfjs ops).
 * Otherwise, and always in `crfLogPartitionReference`, `crfLogLikelihoodReference` and
 * `viterbiDecodeReference`, log Z is a loop of tfjs ops differentiated by tfjs autodiff,
 * the log-likelihood `crfScore` − that, and Viterbi plain JavaScript: the readable
 * definition and the fused kernels' test oracle (test/crf-kernel.test.ts). `crfScore`
 * itself is a few gathers, tfjs ops in both.
 *
 * References: Lafferty et al. (2001), "Conditional random fields"; Huang et al. (2015),
 * "Bidirectional LSTM-CRF models for sequence tagging"; Lample et al. (2016), "Neural
 * architectures for named entity recognition" §2.2; kmkurn/pytorch-crf (the API model).
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { getKernels } from "../engine/engine.js";
import { fusedCrfLogLikelihood, fusedCrfLogPartition, fusedViterbiDecode } from "./crf_fused.js";
import { uniformVariable } from "./init.js";

/** The CRF's parameters. */
export interface CrfParams {
  /** [K]: score of starting a sequence with tag k. */
  start: tf.Tensor1D;
  /** [K]: score of ending a sequence with tag k. */
  end: tf.Tensor1D;
  /** [K, K]: transitions[i, j] = score of tag i at step t−1 followed by tag j at step t. */
  transitions: tf.Tensor2D;
}

/**
 * How `crfLogLikelihood` reduces the per-sequence log-likelihoods [B] to a scalar:
 * "sum" over sequences, "mean" over sequences, "tokenMean" = sum ÷ number of real steps.
 */
export type CrfReduction = "sum" | "mean" | "tokenMean";

/** Best paths from `viterbiDecode`. */
export interface ViterbiResult {
  /** B paths, path b of length `lengths[b]`: the tag ids at its real steps. */
  paths: number[][];
  /** [B] the real lengths L_b = Σ_t mask[b, t]. */
  lengths: number[];
  /** [B] score(path_b) (see the file comment), in float64 from the float32 inputs. */
  scores: number[];
}

/**
 * score(y) of the given tag paths (see the file comment).
 * @param emissions - float32 [B, T, K].
 * @param tags - int32 [B, T], values in [0, K) everywhere (padding included).
 * @param params - start [K], end [K], transitions [K, K].
 * @param mask - [B, T] right padding, mask[b, 0] = 1. Default: every step real.
 * @returns [B] the score of each sequence's path.
 */
export function crfScore(emissions: tf.Tensor3D, tags: tf.Tensor2D, params: CrfParams, mask?: tf.Tensor2D): tf.Tensor1D {
  const { B, T, K } = checkInputs("crfScore", emissions, params, mask);
  checkTags("crfScore", tags, B, T, K);
  return tf.tidy(() => {
    const m = maskOf(mask, B, T); // [B, T]
    const rows = tf.reshape(tf.range(0, B * T, 1, "int32"), [B, T]); // [B, T]: b·T + t
    const at = tf.add(tf.mul(rows, tf.scalar(K, "int32")), tags) as tf.Tensor2D; // [B, T]: index of e[b, t, y_t] flattened
    const emitted = tf.gather(tf.reshape(emissions, [B * T * K]), at); // [B, T]: e_t[y_t]
    const startScore = tf.gather(params.start, tf.reshape(tf.slice(tags, [0, 0], [B, 1]), [B])); // [B]
    // The last real step of a right-padded row is where m_t = 1 and m_{t+1} = 0.
    const mNext = tf.concat([tf.slice(m, [0, 1], [B, T - 1]), tf.zeros([B, 1])], 1); // [B, T]
    const isLast = tf.mul(m, tf.sub(1, mNext)); // [B, T]
    const endScore = tf.sum(tf.mul(tf.gather(params.end, tags), isLast), 1); // [B]
    let score = tf.add(tf.add(startScore, endScore), tf.sum(tf.mul(emitted, m), 1)); // [B]
    if (T > 1) {
      const prev = tf.slice(tags, [0, 0], [B, T - 1]); // [B, T−1]: y_{t−1}
      const next = tf.slice(tags, [0, 1], [B, T - 1]); // [B, T−1]: y_t
      const flat = tf.add(tf.mul(prev, tf.scalar(K, "int32")), next) as tf.Tensor2D; // [B, T−1]: index of A[y_{t−1}, y_t] in A flattened
      const trans = tf.gather(tf.reshape(params.transitions, [K * K]), flat); // [B, T−1]
      score = tf.add(score, tf.sum(tf.mul(trans, tf.slice(m, [0, 1], [B, T - 1])), 1)); // [B]
    }
    return score as tf.Tensor1D;
  });
}

/**
 * log Z by the forward algorithm (step 1 of the file comment), masked. Runs the engine's
 * fused kernel when an engine is active, else `crfLogPartitionReference`.
 * @param emissions - float32 [B, T, K].
 * @param params - start [K], end [K], transitions [K, K].
 * @param mask - [B, T] right padding, mask[b, 0] = 1. Default: every step real.
 * @returns [B] log Z of each sequence.
 */
export function crfLogPartition(emissions: tf.Tensor3D, params: CrfParams, mask?: tf.Tensor2D): tf.Tensor1D {
  const kernels = getKernels();
  if (kernels === null) return crfLogPartitionReference(emissions, params, mask);
  const { lengths } = checkInputs("crfLogPartition", emissions, params, mask);
  return fusedCrfLogPartition(kernels, emissions, params, lengths);
}

/**
 * log Z by the forward algorithm as tfjs ops, one step at a time (the readable definition
 * and the fused kernel's test oracle), differentiable by tfjs autodiff.
 * @param emissions - float32 [B, T, K].
 * @param params - start [K], end [K], transitions [K, K].
 * @param mask - [B, T] right padding, mask[b, 0] = 1. Default: every step real.
 * @returns [B] log Z of each sequence.
 */
export function crfLogPartitionReference(emissions: tf.Tensor3D, params: CrfParams, mask?: tf.Tensor2D): tf.Tensor1D {
  const { B, T, K } = checkInputs("crfLogPartition", emissions, params, mask);
  return tf.tidy(() => {
    const m = maskOf(mask, B, T); // [B, T]
    const steps = tf.unstack(emissions, 1) as tf.Tensor2D[]; // T × [B, K]
    const masks = tf.unstack(tf.expandDims(m, 2), 1) as tf.Tensor2D[]; // T × [B, 1]
    const A = tf.expandDims(params.transitions, 0); // [1, K, K]
    let alpha: tf.Tensor2D = tf.add(params.start, steps[0]); // [B, K]: α_0
    for (let t = 1; t < T; t++) {
      const paths = tf.add(tf.expandDims(alpha, 2), A); // [B, K, K]: α_{t−1}[i] + A[i, j]
      const next = tf.add(tf.logSumExp(paths, 1), steps[t]); // [B, K]: α_t
      alpha = tf.add(tf.mul(masks[t], next), tf.mul(tf.sub(1, masks[t]), alpha)); // [B, K]: padded steps keep α
    }
    return tf.logSumExp(tf.add(alpha, params.end), 1) as tf.Tensor1D; // [B]
  });
}

/** Options of `crfLogLikelihood`. */
export interface CrfLogLikelihoodOptions {
  /** [B, T] right padding, mask[b, 0] = 1. Default: every step real. */
  mask?: tf.Tensor2D;
  /** "sum" | "mean" | "tokenMean" (see `CrfReduction`). Default: "sum" (as pytorch-crf). */
  reduction?: CrfReduction;
}

/**
 * The log-likelihood log p(y | e) = score(y) − log Z, reduced over the batch. It is ≤ 0;
 * a training loss is its negative (see `Crf.logLikelihood` and the tagger's `loss`).
 * Differentiable (tf.grads, tf.variableGrads) with respect to emissions and the three
 * parameters. With an engine active, one fused kernel computes it with its gradient
 * (ops/crf_fused.ts), else `crfLogLikelihoodReference`.
 * @param emissions - float32 [B, T, K].
 * @param tags - int32 [B, T], values in [0, K).
 * @param params - start [K], end [K], transitions [K, K].
 * @param options - mask [B, T] and reduction (see `CrfLogLikelihoodOptions`).
 * @returns [] the reduced log-likelihood.
 */
export function crfLogLikelihood(emissions: tf.Tensor3D, tags: tf.Tensor2D, params: CrfParams, options: CrfLogLikelihoodOptions = {}): tf.Scalar {
  const kernels = getKernels();
  if (kernels === null) return crfLogLikelihoodReference(emissions, tags, params, options);
  const { B, lengths } = checkLogLikelihood(emissions, tags, params, options);
  return tf.tidy(() => {
    const perSequence = fusedCrfLogLikelihood(kernels, emissions, tags, params, lengths); // [B]
    return reduce(perSequence, options.reduction ?? "sum", B, lengths.reduce((n, L) => n + L, 0));
  });
}

/**
 * `crfLogLikelihood` as tfjs ops (`crfScore` − `crfLogPartitionReference`), differentiated by
 * tfjs autodiff: the fused kernel's test oracle.
 * @param emissions - float32 [B, T, K]. @param tags - int32 [B, T], values in [0, K).
 * @param params - start [K], end [K], transitions [K, K].
 * @param options - mask [B, T] and reduction (see `CrfLogLikelihoodOptions`).
 * @returns [] the reduced log-likelihood.
 */
export function crfLogLikelihoodReference(emissions: tf.Tensor3D, tags: tf.Tensor2D, params: CrfParams, options: CrfLogLikelihoodOptions = {}): tf.Scalar {
  const { B, lengths } = checkLogLikelihood(emissions, tags, params, options);
  const { mask } = options;
  return tf.tidy(() => {
    const perSequence = tf.sub(crfScore(emissions, tags, params, mask), crfLogPartitionReference(emissions, params, mask)) as tf.Tensor1D; // [B]
    return reduce(perSequence, options.reduction ?? "sum", B, lengths.reduce((n, L) => n + L, 0));
  });
}

/** Checks the arguments of `crfLogLikelihood` (reduction first). */
function checkLogLikelihood(emissions: tf.Tensor3D, tags: tf.Tensor2D, params: CrfParams, options: CrfLogLikelihoodOptions) {
  const reduction = options.reduction ?? "sum";
  if (reduction !== "sum" && reduction !== "mean" && reduction !== "tokenMean") {
    throw new ArgumentError(`crfLogLikelihood: expected reduction "sum", "mean" or "tokenMean", got ${JSON.stringify(reduction)}`);
  }
  const sizes = checkInputs("crfLogLikelihood", emissions, params, options.mask);
  checkTags("crfLogLikelihood", tags, sizes.B, sizes.T, sizes.K);
  return sizes;
}

/** Σ_b of the per-sequence log-likelihoods [B], ÷ B ("mean") or ÷ the number of real steps ("tokenMean"). */
function reduce(perSequence: tf.Tensor1D, reduction: CrfReduction, B: number, tokens: number): tf.Scalar {
  const total = tf.sum(perSequence) as tf.Scalar; // []
  if (reduction === "sum") return total;
  return tf.div(total, reduction === "mean" ? B : tokens); // []
}

/**
 * Viterbi decoding (step 3 of the file comment): the highest-scoring tag path of each
 * sequence, over its real steps only. Ties go to the smallest tag id. Runs the engine's
 * kernel when an engine is active, else `viterbiDecodeReference` (the same float64
 * arithmetic in the same order: the same paths and scores).
 * @param emissions - float32 [B, T, K].
 * @param params - start [K], end [K], transitions [K, K].
 * @param mask - [B, T] right padding, mask[b, 0] = 1. Default: every step real.
 * @returns paths (B arrays, path b of length lengths[b]), lengths [B], scores [B].
 */
export function viterbiDecode(emissions: tf.Tensor3D, params: CrfParams, mask?: tf.Tensor2D): ViterbiResult {
  const kernels = getKernels();
  if (kernels === null) return viterbiDecodeReference(emissions, params, mask);
  const { lengths } = checkInputs("viterbiDecode", emissions, params, mask);
  return { ...fusedViterbiDecode(kernels, emissions, params, lengths), lengths };
}

/**
 * Viterbi decoding in plain JavaScript (float64) on the emissions' values: the readable
 * definition and the engine kernel's test oracle.
 * @param emissions - float32 [B, T, K].
 * @param params - start [K], end [K], transitions [K, K].
 * @param mask - [B, T] right padding, mask[b, 0] = 1. Default: every step real.
 * @returns paths (B arrays, path b of length lengths[b]), lengths [B], scores [B].
 */
export function viterbiDecodeReference(emissions: tf.Tensor3D, params: CrfParams, mask?: tf.Tensor2D): ViterbiResult {
  const { B, T, K, lengths } = checkInputs("viterbiDecode", emissions, params, mask);
  const e = emissions.dataSync(); // [B·T·K]
  const start = params.start.dataSync(); // [K]
  const end = params.end.dataSync(); // [K]
  const A = params.transitions.dataSync(); // [K·K], A[i·K + j]
  const paths: number[][] = [];
  const scores: number[] = [];
  let delta = new Float64Array(K); // δ_{t−1}
  let next = new Float64Array(K); // δ_t
  const back = new Int32Array(T * K); // back[t·K + j] = argmax_i of δ_t[j]
  for (let b = 0; b < B; b++) {
    const L = lengths[b];
    const eb = b * T * K;
    for (let j = 0; j < K; j++) delta[j] = start[j] + e[eb + j];
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
        next[j] = best + e[eb + t * K + j];
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
    const path = new Array<number>(L);
    path[L - 1] = last;
    for (let t = L - 1; t > 0; t--) path[t - 1] = back[t * K + path[t]];
    paths.push(path);
    scores.push(best);
  }
  return { paths, lengths, scores };
}

/** A CRF layer: the three parameters as variables, and the functions above. */
export class Crf {
  /** K. */
  readonly numTags: number;
  /** [K] start scores. */
  readonly start: tf.Variable<tf.Rank.R1>;
  /** [K] end scores. */
  readonly end: tf.Variable<tf.Rank.R1>;
  /** [K, K]: transitions[i, j] = score of tag i followed by tag j. */
  readonly transitions: tf.Variable<tf.Rank.R2>;

  /**
   * @param numTags - K ≥ 1. Every parameter starts ~ U(−0.1, 0.1) (as pytorch-crf), seeded by `nextSeed()`.
   */
  constructor(numTags: number) {
    if (!Number.isInteger(numTags) || numTags < 1) {
      throw new ArgumentError(`Crf: expected numTags a positive integer, got ${numTags}`);
    }
    this.numTags = numTags;
    this.start = uniformVariable([numTags], 0.1) as tf.Variable<tf.Rank.R1>; // [K]
    this.end = uniformVariable([numTags], 0.1) as tf.Variable<tf.Rank.R1>; // [K]
    this.transitions = uniformVariable([numTags, numTags], 0.1) as tf.Variable<tf.Rank.R2>; // [K, K]
  }

  /** [start, end, transitions]. */
  get weights(): tf.Variable[] {
    return [this.start, this.end, this.transitions];
  }

  /** The parameters as a `CrfParams`. */
  get params(): CrfParams {
    return { start: this.start, end: this.end, transitions: this.transitions };
  }

  /** `crfLogLikelihood` with this layer's parameters: emissions [B, T, K], tags int32 [B, T] → []. */
  logLikelihood(emissions: tf.Tensor3D, tags: tf.Tensor2D, options: CrfLogLikelihoodOptions = {}): tf.Scalar {
    return crfLogLikelihood(emissions, tags, this.params, options);
  }

  /** `viterbiDecode` with this layer's parameters: emissions [B, T, K], mask [B, T]. */
  decode(emissions: tf.Tensor3D, mask?: tf.Tensor2D): ViterbiResult {
    return viterbiDecode(emissions, this.params, mask);
  }
}

/** The mask as float32 [B, T] (all ones when absent). */
function maskOf(mask: tf.Tensor2D | undefined, B: number, T: number): tf.Tensor2D {
  return mask === undefined ? tf.ones([B, T]) : tf.cast(mask, "float32");
}

/**
 * Checks emissions, parameters and mask; reads the mask to check right padding.
 * @returns B, T, K and each sequence's length.
 */
function checkInputs(
  where: string,
  emissions: tf.Tensor3D,
  params: CrfParams,
  mask: tf.Tensor2D | undefined,
): { B: number; T: number; K: number; lengths: number[] } {
  if (emissions.rank !== 3) throw new ArgumentError(`${where}: expected emissions of rank 3 [B, T, K], got shape [${emissions.shape}]`);
  if (emissions.dtype !== "float32") throw new ArgumentError(`${where}: expected emissions of dtype float32, got ${emissions.dtype}`);
  const [B, T, K] = emissions.shape;
  if (B === 0 || T === 0 || K === 0) throw new ArgumentError(`${where}: expected emissions with B, T, K ≥ 1, got shape [${emissions.shape}]`);
  const check = (name: string, t: tf.Tensor, shape: number[]) => {
    if (!tf.util.arraysEqual(t.shape, shape)) throw new ArgumentError(`${where}: expected ${name} of shape [${shape}], got [${t.shape}]`);
    if (t.dtype !== "float32") throw new ArgumentError(`${where}: expected ${name} of dtype float32, got ${t.dtype}`);
  };
  check("start", params.start, [K]);
  check("end", params.end, [K]);
  check("transitions", params.transitions, [K, K]);
  if (mask === undefined) return { B, T, K, lengths: new Array<number>(B).fill(T) };
  if (mask.rank !== 2 || mask.shape[0] !== B || mask.shape[1] !== T) {
    throw new ArgumentError(`${where}: expected mask of shape [${B}, ${T}], got [${mask.shape}]`);
  }
  if (mask.dtype === "string" || mask.dtype === "complex64") {
    throw new ArgumentError(`${where}: expected mask of dtype float32, int32 or bool, got ${mask.dtype}`);
  }
  const m = mask.dataSync() as ArrayLike<number>; // [B·T]
  const lengths: number[] = [];
  for (let b = 0; b < B; b++) {
    let L = 0;
    for (let t = 0; t < T; t++) {
      const v = Number(m[b * T + t]);
      if (v !== 0 && v !== 1) throw new ArgumentError(`${where}: expected mask values 0 or 1, got mask[${b}, ${t}] = ${v}`);
      if (t === 0 && v !== 1) throw new ArgumentError(`${where}: expected the first step of every sequence real, got mask[${b}, 0] = ${v}`);
      if (v === 1 && L !== t) throw new ArgumentError(`${where}: expected a right-padded mask (1s then 0s), got mask[${b}, ${t}] = 1 after a 0`);
      if (v === 1) L++;
    }
    lengths.push(L);
  }
  return { B, T, K, lengths };
}

/** Checks tags: int32 [B, T], every value in [0, K). */
function checkTags(where: string, tags: tf.Tensor2D, B: number, T: number, K: number): void {
  if (tags.rank !== 2 || tags.shape[0] !== B || tags.shape[1] !== T) {
    throw new ArgumentError(`${where}: expected tags of shape [${B}, ${T}], got [${tags.shape}]`);
  }
  if (tags.dtype !== "int32") throw new ArgumentError(`${where}: expected tags of dtype int32, got ${tags.dtype}`);
  const y = tags.dataSync(); // [B·T]
  for (let i = 0; i < y.length; i++) {
    if (y[i] < 0 || y[i] >= K) {
      throw new ArgumentError(`${where}: expected tags in [0, ${K}), got tags[${Math.floor(i / T)}, ${i % T}] = ${y[i]}`);
    }
  }
}
