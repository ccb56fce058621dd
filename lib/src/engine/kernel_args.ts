/**
 * Length checks of the kernels' arguments, applied once by `checkedKernels`, the wrapper
 * through which the compiled implementations (native.ts, wasm.ts) hand out their kernels:
 * C code trusts its sizes, so a wrong length must fail here with an `ArgumentError`
 * ("expected x of length B·T·D = 60, got 59") instead of corrupting memory.
 *
 * Sizes (kernels.ts): x [B, T, D], out/dOut [B, T, H], mask [B, T], states [B, H];
 * LSTM W [H+D, 4H], b [4H]; GRU W [H+D, 3H], b [3H]; RNN V [D, H], W [H, H], b [H];
 * CRF emissions [B, T, K], lengths [B] each in [1, T], start/end [K], transitions [K, K].
 */
import { ArgumentError } from "../errors.js";
import type { CrfInputs, Kernels, SeqBackwardArgs, SeqForwardArgs, SeqSizes } from "./kernels.js";

type Arr = Float32Array | Int32Array | Float64Array;

/**
 * Throws unless `arr` has exactly `n` elements (null passes when `nullable`).
 * @param where - the kernel, e.g. "wasm lstmForward".
 * @param name - the argument and its shape formula, e.g. "x [B, T, D]".
 */
export function checkLength(where: string, name: string, arr: Arr | null, n: number, nullable = false): void {
  if (arr === null && nullable) return;
  if (arr === null || arr.length !== n) {
    throw new ArgumentError(`${where}: expected ${name} of length ${n}, got ${arr === null ? "null" : arr.length}`);
  }
}

/** Checks B, T, D, H are positive integers. */
export function checkSizes(where: string, s: SeqSizes): void {
  for (const [k, v] of Object.entries({ B: s.B, T: s.T, D: s.D, H: s.H })) {
    if (!Number.isInteger(v) || v <= 0) throw new ArgumentError(`${where}: expected ${k} a positive integer, got ${v}`);
  }
}

/** Checks the arguments every forward shares. */
export function checkSeqForward(where: string, a: SeqForwardArgs, tapeSize: number): void {
  checkSizes(where, a);
  const { B, T, D, H } = a;
  checkLength(where, "x [B, T, D]", a.x, B * T * D);
  checkLength(where, "mask [B, T]", a.mask, B * T, true);
  checkLength(where, "h0 [B, H]", a.h0, B * H);
  checkLength(where, "out [B, T, H]", a.out, B * T * H);
  checkLength(where, "hT [B, H]", a.hT, B * H);
  checkLength(where, "tape", a.tape, tapeSize);
}

/** Checks the arguments every backward shares. */
export function checkSeqBackward(where: string, a: SeqBackwardArgs, tapeSize: number): void {
  checkSizes(where, a);
  const { B, T, D, H } = a;
  checkLength(where, "x [B, T, D]", a.x, B * T * D);
  checkLength(where, "mask [B, T]", a.mask, B * T, true);
  checkLength(where, "h0 [B, H]", a.h0, B * H);
  checkLength(where, "tape", a.tape, tapeSize);
  checkLength(where, "dOut [B, T, H]", a.dOut, B * T * H);
  checkLength(where, "dhT [B, H]", a.dhT, B * H, true);
  checkLength(where, "dx [B, T, D]", a.dx, B * T * D);
  checkLength(where, "dh0 [B, H]", a.dh0, B * H);
}

/** Checks a GEMM's sizes and operand lengths. */
export function checkGemm(where: string, M: number, N: number, K: number, A: Float32Array, B: Float32Array, C: Float32Array): void {
  for (const [k, v] of Object.entries({ M, N, K })) {
    if (!Number.isInteger(v) || v < 0) throw new ArgumentError(`${where}: expected ${k} a non-negative integer, got ${v}`);
  }
  checkLength(where, "A [M·K]", A, M * K);
  checkLength(where, "B [K·N]", B, K * N);
  checkLength(where, "C [M, N]", C, M * N);
}

/** Checks softmax cross-entropy's sizes; targets in [0, K) where the mask is not 0. */
export function checkSoftmaxCe(where: string, N: number, K: number, logits: Float32Array, targets: Int32Array, mask: Float32Array | null): void {
  if (!Number.isInteger(N) || N < 0 || !Number.isInteger(K) || K <= 0) {
    throw new ArgumentError(`${where}: expected N ≥ 0 and K > 0 integers, got N = ${N}, K = ${K}`);
  }
  checkLength(where, "logits/probs [N, K]", logits, N * K);
  checkLength(where, "targets [N]", targets, N);
  checkLength(where, "mask [N]", mask, N, true);
  for (let n = 0; n < N; n++) {
    const y = targets[n];
    if ((mask === null || mask[n] !== 0) && (y < 0 || y >= K)) {
      throw new ArgumentError(`${where}: expected targets[${n}] in [0, ${K}), got ${y}`);
    }
  }
}

/**
 * Checks the fused output layer's sizes: h [N, H], W [H, K], b [K] (forward only, pass
 * null in the backward), probs [N, K]; targets and mask as `checkSoftmaxCe`.
 */
export function checkLinearSoftmaxCe(
  where: string,
  a: { N: number; H: number; K: number; h: Float32Array; W: Float32Array; probs: Float32Array; targets: Int32Array; mask: Float32Array | null },
  b: Float32Array | null,
): void {
  if (!Number.isInteger(a.H) || a.H <= 0) throw new ArgumentError(`${where}: expected H a positive integer, got ${a.H}`);
  checkSoftmaxCe(where, a.N, a.K, a.probs, a.targets, a.mask);
  checkLength(where, "h [N, H]", a.h, a.N * a.H);
  checkLength(where, "W [H, K]", a.W, a.H * a.K);
  if (b !== null) checkLength(where, "b [K]", b, a.K);
}

/**
 * Throws unless there are B lengths, each an integer in [1, T]: a length-0 sequence has no
 * path (log Z = −∞), and a length past T would read past the emissions.
 */
export function checkCrfLengths(where: string, lengths: Int32Array, B: number, T: number): void {
  checkLength(where, "lengths [B]", lengths, B);
  for (let b = 0; b < B; b++) {
    const L = lengths[b];
    if (!(L >= 1 && L <= T)) throw new ArgumentError(`${where}: expected lengths[${b}] in [1, ${T}], got ${L}`);
  }
}

/** Checks the inputs every CRF kernel reads: B, T, K positive, emissions [B, T, K], lengths, start, end, transitions. */
export function checkCrfInputs(where: string, a: CrfInputs): void {
  for (const [k, v] of Object.entries({ B: a.B, T: a.T, K: a.K })) {
    if (!Number.isInteger(v) || v <= 0) throw new ArgumentError(`${where}: expected ${k} a positive integer, got ${v}`);
  }
  const { B, T, K } = a;
  checkLength(where, "emissions [B, T, K]", a.emissions, B * T * K);
  checkCrfLengths(where, a.lengths, B, T);
  checkLength(where, "start [K]", a.start, K);
  checkLength(where, "end [K]", a.end, K);
  checkLength(where, "transitions [K, K]", a.transitions, K * K);
}

/**
 * `k` with every argument checked once, before the call, by the functions above; messages
 * name the implementation and the kernel ("native lstmForward: expected x [B, T, D] of
 * length 60, got 59"). The compiled implementations (native.ts, wasm.ts) hand out their
 * kernels only through this wrapper, so their own code does no checking.
 * @param k - any kernels implementation.
 * @returns the same kernels, checked; `name`, `threads` and `description` read through.
 */
export function checkedKernels(k: Kernels): Kernels {
  const at = (op: string): string => `${k.name} ${op}`;
  return {
    get name() {
      return k.name;
    },
    get threads() {
      return k.threads;
    },
    get description() {
      return k.description;
    },
    get warning() {
      return k.warning;
    },

    gemm(transA, transB, M, N, K, alpha, A, B, beta, C) {
      checkGemm(at("gemm"), M, N, K, A, B, C);
      k.gemm(transA, transB, M, N, K, alpha, A, B, beta, C);
    },

    lstmTapeSize: (s) => k.lstmTapeSize(s),
    lstmForward(a) {
      const where = at("lstmForward");
      checkSeqForward(where, a, k.lstmTapeSize(a));
      const { B, D, H } = a;
      checkLength(where, "W [H+D, 4H]", a.W, (H + D) * 4 * H);
      checkLength(where, "b [4H]", a.b, 4 * H);
      checkLength(where, "c0 [B, H]", a.c0, B * H);
      checkLength(where, "cT [B, H]", a.cT, B * H);
      k.lstmForward(a);
    },
    lstmBackward(a) {
      const where = at("lstmBackward");
      checkSeqBackward(where, a, k.lstmTapeSize(a));
      const { B, D, H } = a;
      checkLength(where, "W [H+D, 4H]", a.W, (H + D) * 4 * H);
      checkLength(where, "c0 [B, H]", a.c0, B * H);
      checkLength(where, "dcT [B, H]", a.dcT, B * H, true);
      checkLength(where, "dW [H+D, 4H]", a.dW, (H + D) * 4 * H);
      checkLength(where, "db [4H]", a.db, 4 * H);
      checkLength(where, "dc0 [B, H]", a.dc0, B * H);
      k.lstmBackward(a);
    },

    gruTapeSize: (s) => k.gruTapeSize(s),
    gruForward(a) {
      const where = at("gruForward");
      checkSeqForward(where, a, k.gruTapeSize(a));
      const { D, H } = a;
      checkLength(where, "W [H+D, 3H]", a.W, (H + D) * 3 * H);
      checkLength(where, "b [3H]", a.b, 3 * H);
      k.gruForward(a);
    },
    gruBackward(a) {
      const where = at("gruBackward");
      checkSeqBackward(where, a, k.gruTapeSize(a));
      const { D, H } = a;
      checkLength(where, "W [H+D, 3H]", a.W, (H + D) * 3 * H);
      checkLength(where, "dW [H+D, 3H]", a.dW, (H + D) * 3 * H);
      checkLength(where, "db [3H]", a.db, 3 * H);
      k.gruBackward(a);
    },

    rnnTapeSize: (s) => k.rnnTapeSize(s),
    rnnForward(a) {
      const where = at("rnnForward");
      checkSeqForward(where, a, k.rnnTapeSize(a));
      const { D, H } = a;
      checkLength(where, "V [D, H]", a.V, D * H);
      checkLength(where, "W [H, H]", a.W, H * H);
      checkLength(where, "b [H]", a.b, H);
      k.rnnForward(a);
    },
    rnnBackward(a) {
      const where = at("rnnBackward");
      checkSeqBackward(where, a, k.rnnTapeSize(a));
      const { D, H } = a;
      checkLength(where, "V [D, H]", a.V, D * H);
      checkLength(where, "W [H, H]", a.W, H * H);
      checkLength(where, "dV [D, H]", a.dV, D * H);
      checkLength(where, "dW [H, H]", a.dW, H * H);
      checkLength(where, "db [H]", a.db, H);
      k.rnnBackward(a);
    },

    softmaxCeForward(a) {
      const where = at("softmaxCeForward");
      checkSoftmaxCe(where, a.N, a.K, a.logits, a.targets, a.mask);
      checkLength(where, "probs [N, K]", a.probs, a.N * a.K);
      return k.softmaxCeForward(a);
    },
    softmaxCeBackward(a) {
      const where = at("softmaxCeBackward");
      checkSoftmaxCe(where, a.N, a.K, a.probs, a.targets, a.mask);
      checkLength(where, "dlogits [N, K]", a.dlogits, a.N * a.K);
      k.softmaxCeBackward(a);
    },

    linearSoftmaxCeForward(a) {
      checkLinearSoftmaxCe(at("linearSoftmaxCeForward"), a, a.b);
      return k.linearSoftmaxCeForward(a);
    },
    linearSoftmaxCeBackward(a) {
      const where = at("linearSoftmaxCeBackward");
      checkLinearSoftmaxCe(where, a, null);
      checkLength(where, "dh [N, H]", a.dh, a.N * a.H);
      checkLength(where, "dW [H, K]", a.dW, a.H * a.K);
      checkLength(where, "db [K]", a.db, a.K);
      k.linearSoftmaxCeBackward(a);
    },

    adam(a) {
      const n = a.p.length;
      for (const [name, v] of [["g", a.g], ["m", a.m], ["v", a.v]] as const) checkLength(at("adam"), `${name} [n]`, v, n);
      k.adam(a);
    },
    sgd(a) {
      checkLength(at("sgd"), "g [n]", a.g, a.p.length);
      if (!Number.isFinite(a.step)) throw new ArgumentError(`${at("sgd")}: expected step a finite number, got ${a.step}`);
      k.sgd(a);
    },
    sumOfSquares(v) {
      if (!(v instanceof Float32Array)) throw new ArgumentError(`${at("sumOfSquares")}: expected a Float32Array, got ${Object.prototype.toString.call(v)}`);
      return k.sumOfSquares(v);
    },

    crfTapeSize: (s) => k.crfTapeSize(s),
    crfForward(a) {
      const where = at("crfForward");
      checkCrfInputs(where, a);
      checkLength(where, "logZ [B]", a.logZ, a.B);
      checkLength(where, "tape", a.tape, k.crfTapeSize(a));
      k.crfForward(a);
    },
    crfBackward(a) {
      const where = at("crfBackward");
      checkCrfInputs(where, a);
      const { B, T, K } = a;
      checkLength(where, "tape", a.tape, k.crfTapeSize(a));
      checkLength(where, "dLogZ [B]", a.dLogZ, B);
      checkLength(where, "dEmissions [B, T, K]", a.dEmissions, B * T * K);
      checkLength(where, "dStart [K]", a.dStart, K);
      checkLength(where, "dEnd [K]", a.dEnd, K);
      checkLength(where, "dTransitions [K, K]", a.dTransitions, K * K);
      k.crfBackward(a);
    },
    crfViterbi(a) {
      const where = at("crfViterbi");
      checkCrfInputs(where, a);
      checkLength(where, "paths [B, T]", a.paths, a.B * a.T);
      checkLength(where, "scores [B]", a.scores, a.B);
      k.crfViterbi(a);
    },
  };
}
