/**
 * The engine's kernel interface: the few fused computations that decide training speed,
 * on plain Float32Arrays, so that one implementation can be swapped for another.
 *
 * Implementations (one concept each):
 * - `native` (engine/native.ts): lib/csrc compiled by node-gyp at install where a C
 *   compiler and a CBLAS (OpenBLAS) exist; GEMM through BLAS, its threads use every core;
 *   the elementwise kernels in the widest vector copy the CPU has (csrc/simd_dispatch.c).
 * - `wasm` (engine/wasm.ts): the same C sources compiled to WebAssembly with SIMD
 *   (lib/csrc, built by lib/scripts/build-wasm.sh, the .wasm files committed: SIMD128, and
 *   relaxed SIMD where the runtime has it); portable, the default.
 * - `js` (engine/js.ts): plain TypeScript loops, the readable fallback.
 * The tfjs-op implementations in ops/ stay the reference and the test oracle.
 *
 * Conventions for every kernel:
 * - float32, row-major, dense; the caller allocates every output (exact sizes below) and
 *   the kernel overwrites it entirely (no accumulation unless stated).
 * - Sequence layouts match ops/sequence.ts: x [B, T, D], outputs [B, T, H], mask [B, T]
 *   (1 real, 0 padding, or null = all real), initial/final states [B, H].
 *   Weights: LSTM W [H+D, 4H] columns (f, i, C̃, o), b [4H]; GRU W [H+D, 3H] columns
 *   (r, u, h̃), b [3H]; RNN V [D, H], W [H, H], b [H]. Rows 0..H-1 of a fused W multiply
 *   h_{t-1}, rows H.. multiply x_t.
 * - Masks: s_t = m·s'_t + (1-m)·s_{t-1}; output y_t = m·h'_t. Reverse: t = T-1 .. 0, and
 *   out[:, t] is still the output at position t.
 * - CRF kernels: emissions [B, T, K], lengths [B] (right padding, each in [1, T]), start /
 *   end [K], transitions [K, K] (row = from, column = to); equations in lib/csrc/crf.c.
 * - A forward pass fills `tape` (size from the matching `*TapeSize`); the backward pass
 *   reads it and must be given the same inputs. Gradients: dOut [B, T, H] is dL/d outputs;
 *   dhT/dcT (nullable = zero) are dL/d final state; the backward writes dx [B, T, D],
 *   dW, db (overwritten, not accumulated), dh0/dc0 [B, H].
 */

/** Which implementation a `Kernels` object is. */
export type KernelsName = "native" | "wasm" | "js";

/** Sizes of one sequence call. */
export interface SeqSizes {
  /** Batch size B. */
  B: number;
  /** Steps T. */
  T: number;
  /** Input size D. */
  D: number;
  /** Hidden size H. */
  H: number;
}

/** Forward arguments shared by the three recurrences. */
export interface SeqForwardArgs extends SeqSizes {
  /** Run t = T-1 .. 0. */
  reverse: boolean;
  /** [B, T, D]. */
  x: Float32Array;
  /** [B, T] or null (all real). */
  mask: Float32Array | null;
  /** [B, H] initial hidden state. */
  h0: Float32Array;
  /** out: [B, T, H] outputs (0 at padded steps). */
  out: Float32Array;
  /** out: [B, H] final hidden state. */
  hT: Float32Array;
  /** out: the tape for the backward pass, `*TapeSize(sizes)` floats. */
  tape: Float32Array;
}

/** Backward arguments shared by the three recurrences (plus the forward's inputs and tape). */
export interface SeqBackwardArgs extends SeqSizes {
  reverse: boolean;
  /** [B, T, D], as given to the forward. */
  x: Float32Array;
  mask: Float32Array | null;
  /** [B, H], as given to the forward. */
  h0: Float32Array;
  /** The forward's tape. */
  tape: Float32Array;
  /** [B, T, H] dL/d outputs. */
  dOut: Float32Array;
  /** [B, H] dL/d final hidden state, or null (zero). */
  dhT: Float32Array | null;
  /** out: [B, T, D]. */
  dx: Float32Array;
  /** out: [B, H]. */
  dh0: Float32Array;
}

/** LSTM forward: W [H+D, 4H], b [4H], c0/cT [B, H]. */
export interface LstmForwardArgs extends SeqForwardArgs {
  W: Float32Array;
  b: Float32Array;
  c0: Float32Array;
  /** out: [B, H] final cell state. */
  cT: Float32Array;
}

/** LSTM backward. */
export interface LstmBackwardArgs extends SeqBackwardArgs {
  W: Float32Array;
  c0: Float32Array;
  /** [B, H] dL/d final cell state, or null (zero). */
  dcT: Float32Array | null;
  /** out: [H+D, 4H]. */
  dW: Float32Array;
  /** out: [4H]. */
  db: Float32Array;
  /** out: [B, H]. */
  dc0: Float32Array;
}

/** GRU forward: W [H+D, 3H], b [3H]. */
export interface GruForwardArgs extends SeqForwardArgs {
  W: Float32Array;
  b: Float32Array;
}

/** GRU backward. */
export interface GruBackwardArgs extends SeqBackwardArgs {
  W: Float32Array;
  /** out: [H+D, 3H]. */
  dW: Float32Array;
  /** out: [3H]. */
  db: Float32Array;
}

/** Vanilla RNN forward: V [D, H], W [H, H], b [H], act tanh or relu. */
export interface RnnForwardArgs extends SeqForwardArgs {
  V: Float32Array;
  W: Float32Array;
  b: Float32Array;
  relu: boolean;
}

/** Vanilla RNN backward. */
export interface RnnBackwardArgs extends SeqBackwardArgs {
  V: Float32Array;
  W: Float32Array;
  relu: boolean;
  /** out: [D, H]. */
  dV: Float32Array;
  /** out: [H, H]. */
  dW: Float32Array;
  /** out: [H]. */
  db: Float32Array;
}

/** Softmax cross-entropy forward over N rows of K logits. */
export interface SoftmaxCeForwardArgs {
  N: number;
  K: number;
  /** [N, K] logits. */
  logits: Float32Array;
  /** [N] int32 class ids in [0, K) (rows with mask 0 are not read). */
  targets: Int32Array;
  /** [N] or null (all 1). */
  mask: Float32Array | null;
  /** out: [N, K] softmax probabilities (the tape of the backward). */
  probs: Float32Array;
}

/** Softmax cross-entropy backward: dlogits = scale · mask_n · (probs − onehot(target)). */
export interface SoftmaxCeBackwardArgs {
  N: number;
  K: number;
  probs: Float32Array;
  targets: Int32Array;
  mask: Float32Array | null;
  /** dL/dloss ÷ Σ mask (the forward's loss is a mean over real rows). */
  scale: number;
  /** out: [N, K]; may be the same array as `probs`. */
  dlogits: Float32Array;
}

/**
 * The fused output layer + softmax cross-entropy forward over N rows h_n ∈ R^H:
 * z = h W + b (never stored apart from probs), p = softmax(z), loss as `SoftmaxCeForwardArgs`.
 */
export interface LinearSoftmaxCeForwardArgs {
  N: number;
  /** Input size H. */
  H: number;
  /** Classes K. */
  K: number;
  /** [N, H] inputs. */
  h: Float32Array;
  /** [H, K] weights. */
  W: Float32Array;
  /** [K] bias. */
  b: Float32Array;
  /** [N] int32 class ids in [0, K) (rows with mask 0 are not read). */
  targets: Int32Array;
  /** [N] or null (all 1). */
  mask: Float32Array | null;
  /** out: [N, K] softmax(h W + b) (the tape of the backward). */
  probs: Float32Array;
}

/**
 * Its backward, with G = scale · m_n · (probs_n − onehot(y_n)) = dL/dz:
 * dW = hᵀ G, dh = G Wᵀ, db = Σ_n G_n. The kernel may compute G in `probs`' memory, so
 * `probs` is unspecified afterwards (a tape serves one backward).
 */
export interface LinearSoftmaxCeBackwardArgs {
  N: number;
  H: number;
  K: number;
  /** [N, H], as given to the forward. */
  h: Float32Array;
  /** [H, K], as given to the forward. */
  W: Float32Array;
  /** [N, K] the forward's probs; unspecified after the call (js and native write G there). */
  probs: Float32Array;
  targets: Int32Array;
  mask: Float32Array | null;
  /** dL/dloss ÷ Σ mask (the forward's loss is a mean over real rows). */
  scale: number;
  /** out: [N, H]. */
  dh: Float32Array;
  /** out: [H, K]. */
  dW: Float32Array;
  /** out: [K]. */
  db: Float32Array;
}

/** One Adam step in place (the formula of tf.train.adam, see optim/adam.ts). */
export interface AdamArgs {
  /** [n] parameters, updated in place. */
  p: Float32Array;
  /** [n] gradient. */
  g: Float32Array;
  /** [n] first moment, updated in place. */
  m: Float32Array;
  /** [n] second moment, updated in place. */
  v: Float32Array;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** 1 − beta1^t for this step t (t from 1). */
  oneMinusBeta1Pow: number;
  /** 1 − beta2^t. */
  oneMinusBeta2Pow: number;
}

/** One SGD step in place, p ← p − step · g (optim/sgd.ts; step = lr · the clipping scale). */
export interface SgdArgs {
  /** [n] parameters, updated in place. */
  p: Float32Array;
  /** [n] gradient. */
  g: Float32Array;
  /** lr · scale, rounded to float32 by the kernel. */
  step: number;
}

/** Sizes of one CRF call: B sequences of up to T steps, K tags. */
export interface CrfSizes {
  B: number;
  T: number;
  K: number;
}

/**
 * The inputs every CRF kernel reads (ops/crf.ts's conventions): A[i, j] is the score of tag
 * i at step t−1 followed by tag j at step t; sequence b is real at steps t < lengths[b].
 */
export interface CrfInputs extends CrfSizes {
  /** [B, T, K] emission scores (padded steps are not read). */
  emissions: Float32Array;
  /** [B] int32 real lengths L_b, each in [1, T] (right padding). */
  lengths: Int32Array;
  /** [K] start scores. */
  start: Float32Array;
  /** [K] end scores. */
  end: Float32Array;
  /** [K, K] transitions. */
  transitions: Float32Array;
}

/** CRF forward algorithm: log Z of every sequence. */
export interface CrfForwardArgs extends CrfInputs {
  /** out: [B] log Z_b. */
  logZ: Float32Array;
  /** out: the tape for the backward pass, `crfTapeSize(sizes)` floats (the forward variables α). */
  tape: Float32Array;
}

/**
 * The gradient of Σ_b dLogZ[b] · log Z_b (forward–backward marginals) w.r.t. emissions,
 * start, end and transitions, given the forward's inputs and tape. Every output is
 * overwritten; padded emissions get 0.
 */
export interface CrfBackwardArgs extends CrfInputs {
  /** The forward's tape. */
  tape: Float32Array;
  /** [B] dL/d log Z_b. */
  dLogZ: Float32Array;
  /** out: [B, T, K]. */
  dEmissions: Float32Array;
  /** out: [K]. */
  dStart: Float32Array;
  /** out: [K]. */
  dEnd: Float32Array;
  /** out: [K, K]. */
  dTransitions: Float32Array;
}

/**
 * Viterbi decoding in float64 from the float32 inputs; ties go to the smallest tag id
 * (the same arithmetic, in the same order, as ops/crf.ts's `viterbiDecodeReference`).
 */
export interface CrfViterbiArgs extends CrfInputs {
  /** out: [B, T] int32 the best path's tags, −1 at padded steps. */
  paths: Int32Array;
  /** out: [B] the best path's score. */
  scores: Float64Array;
}

/** The engine's kernels. */
export interface Kernels {
  readonly name: KernelsName;
  /** Threads the kernels compute with (GEMM). */
  readonly threads: number;
  /** A one-line description, e.g. "native (OpenBLAS 0.3.21, core Haswell, 2 threads, simd avx2)". */
  readonly description: string;
  /** A line to print when the kernels run far below what the machine can do (native: an old OpenBLAS core), else undefined. */
  readonly warning?: string;
  /**
   * C = alpha · op(A) · op(B) + beta · C, row-major; op(A) is [M, K] (A is [K, M] when
   * transA), op(B) is [K, N] (B is [N, K] when transB), C is [M, N]. beta = 0 ignores C's
   * old contents (even NaN).
   */
  gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number, A: Float32Array, B: Float32Array, beta: number, C: Float32Array): void;
  lstmTapeSize(s: SeqSizes): number;
  lstmForward(a: LstmForwardArgs): void;
  lstmBackward(a: LstmBackwardArgs): void;
  gruTapeSize(s: SeqSizes): number;
  gruForward(a: GruForwardArgs): void;
  gruBackward(a: GruBackwardArgs): void;
  rnnTapeSize(s: SeqSizes): number;
  rnnForward(a: RnnForwardArgs): void;
  rnnBackward(a: RnnBackwardArgs): void;
  /** Fills probs; returns [Σ_n −mask_n log p_n(target_n), Σ_n mask_n] (float64 sums). */
  softmaxCeForward(a: SoftmaxCeForwardArgs): [number, number];
  softmaxCeBackward(a: SoftmaxCeBackwardArgs): void;
  /** Fills probs = softmax(h W + b); returns [Σ_n −mask_n log p_n(target_n), Σ_n mask_n] (float64 sums). */
  linearSoftmaxCeForward(a: LinearSoftmaxCeForwardArgs): [number, number];
  /** Writes dh, dW, db; leaves probs unspecified (it may be used as the scratch for dL/dz). */
  linearSoftmaxCeBackward(a: LinearSoftmaxCeBackwardArgs): void;
  adam(a: AdamArgs): void;
  sgd(a: SgdArgs): void;
  /** Σ v_i² in float64 (products in float32 promoted exactly; four partial sums), the squared global norm's part of one tensor. */
  sumOfSquares(v: Float32Array): number;
  crfTapeSize(s: CrfSizes): number;
  /** Fills logZ and the tape. */
  crfForward(a: CrfForwardArgs): void;
  crfBackward(a: CrfBackwardArgs): void;
  crfViterbi(a: CrfViterbiArgs): void;
}
