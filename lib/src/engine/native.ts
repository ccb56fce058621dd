/**
 * The native kernels: lib/csrc compiled by node-gyp (lib/scripts/build-native.cjs, run at
 * install) into lib/build/Release/seqlab_native.node, GEMM through the system CBLAS
 * (OpenBLAS, whose threads use every core) or, without one, csrc/gemm.c's blocked GEMM.
 *
 * Arrays go to C zero-copy (the addon reads and writes the caller's Float32Arrays); the
 * lengths are checked first, by `checkedKernels` (kernel_args.ts), because C trusts them. When the addon
 * is absent, `loadNativeKernels` throws a `BackendError` with the build's reason from
 * lib/build/native-status.json, so the engine can say why it fell back to wasm.
 */
import * as fs from "fs";
import * as path from "path";
import { BackendError } from "../errors.js";
import { checkedKernels } from "./kernel_args.js";
import type { CrfSizes, Kernels, SeqSizes } from "./kernels.js";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
/** This file's folder (lib/src/engine under tsx, lib/dist/engine when built). */
const here = path.dirname(fileURLToPath(import.meta.url));

/** lib/build (from lib/src/engine or lib/dist/engine). */
const BUILD_DIR = path.join(here, "..", "..", "build");
/** The compiled addon. */
export const NATIVE_PATH = path.join(BUILD_DIR, "Release", "seqlab_native.node");
/** The build's outcome, written by lib/scripts/build-native.cjs. */
export const NATIVE_STATUS_PATH = path.join(BUILD_DIR, "native-status.json");

type F = Float32Array;
type FN = Float32Array | null;

/** The addon's exports (argument order of lib/csrc/napi.c). */
interface Addon {
  gemm(tA: boolean, tB: boolean, M: number, N: number, K: number, alpha: number, A: F, B: F, beta: number, C: F): void;
  lstmForward(B: number, T: number, D: number, H: number, rev: boolean, x: F, mask: FN, h0: F, c0: F, W: F, b: F, out: F, hT: F, cT: F, tape: F): void;
  lstmBackward(B: number, T: number, D: number, H: number, rev: boolean, x: F, mask: FN, h0: F, c0: F, W: F, tape: F, dOut: F, dhT: FN, dcT: FN, dx: F, dW: F, db: F, dh0: F, dc0: F): void;
  gruForward(B: number, T: number, D: number, H: number, rev: boolean, x: F, mask: FN, h0: F, W: F, b: F, out: F, hT: F, tape: F): void;
  gruBackward(B: number, T: number, D: number, H: number, rev: boolean, x: F, mask: FN, h0: F, W: F, tape: F, dOut: F, dhT: FN, dx: F, dW: F, db: F, dh0: F): void;
  rnnForward(B: number, T: number, D: number, H: number, rev: boolean, relu: boolean, x: F, mask: FN, h0: F, V: F, W: F, b: F, out: F, hT: F, tape: F): void;
  rnnBackward(B: number, T: number, D: number, H: number, rev: boolean, relu: boolean, x: F, mask: FN, h0: F, V: F, W: F, tape: F, dOut: F, dhT: FN, dx: F, dV: F, dW: F, db: F, dh0: F): void;
  softmaxCeForward(N: number, K: number, logits: F, targets: Int32Array, mask: FN, probs: F): [number, number];
  softmaxCeBackward(N: number, K: number, probs: F, targets: Int32Array, mask: FN, scale: number, dlogits: F): void;
  linearSoftmaxCeForward(N: number, H: number, K: number, h: F, W: F, b: F, targets: Int32Array, mask: FN, probs: F): [number, number];
  linearSoftmaxCeBackward(N: number, H: number, K: number, h: F, W: F, probs: F, targets: Int32Array, mask: FN, scale: number, dh: F, dW: F, db: F): void;
  adam(n: number, p: F, g: F, m: F, v: F, lr: number, b1: number, b2: number, eps: number, c1: number, c2: number): void;
  crfForward(B: number, T: number, K: number, e: F, lengths: Int32Array, start: F, end: F, A: F, logZ: F, tape: F): void;
  crfBackward(B: number, T: number, K: number, e: F, lengths: Int32Array, start: F, end: F, A: F, tape: F, dLogZ: F, dE: F, dStart: F, dEnd: F, dA: F): void;
  crfViterbi(B: number, T: number, K: number, e: F, lengths: Int32Array, start: F, end: F, A: F, paths: Int32Array, scores: Float64Array): void;
  info(): { blas: string; threads: number };
}

/** Why the addon is absent: the build's recorded reason, or that it was never built. */
function absentReason(): string {
  try {
    const status = JSON.parse(fs.readFileSync(NATIVE_STATUS_PATH, "utf8")) as { ok?: boolean; reason?: string };
    if (status.ok === false && status.reason) return status.reason;
  } catch {
    // no status: the build script never ran
  }
  return "not built (run: node lib/scripts/build-native.cjs)";
}

let cached: Kernels | undefined;

/**
 * Loads the native addon's kernels (once per process).
 * @returns the kernels, `name` "native", description like "native (OpenBLAS 0.3.21, 2 threads)".
 * @throws BackendError with the reason when the addon is not built or cannot load.
 */
export function loadNativeKernels(): Kernels {
  if (cached !== undefined) return cached;
  if (!fs.existsSync(NATIVE_PATH)) {
    throw new BackendError(`native kernels: expected ${NATIVE_PATH}, got ${absentReason()}`);
  }
  let addon: Addon;
  try {
    addon = require(NATIVE_PATH) as Addon; // a .node file: only require() loads it
  } catch (e) {
    throw new BackendError(`native kernels: expected a loadable ${NATIVE_PATH}, got ${(e as Error).message}`);
  }
  cached = checkedKernels(makeKernels(addon)); // C trusts its sizes: every call is checked first
  return cached;
}

/** "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH …" → "OpenBLAS 0.3.21". */
function blasName(config: string): string {
  return config.startsWith("OpenBLAS") ? config.split(" ").slice(0, 2).join(" ") : config;
}

function makeKernels(m: Addon): Kernels {
  const info = m.info();
  const lstmTapeSize = ({ B, T, H }: SeqSizes): number => 7 * B * T * H;
  const gruTapeSize = ({ B, T, H }: SeqSizes): number => 5 * B * T * H;
  const rnnTapeSize = ({ B, T, H }: SeqSizes): number => 2 * B * T * H;
  return {
    name: "native",
    threads: info.threads,
    description: `native (${blasName(info.blas)}, ${info.threads} thread${info.threads === 1 ? "" : "s"})`,

    gemm(transA, transB, M, N, K, alpha, A, B, beta, C) {
      m.gemm(transA, transB, M, N, K, alpha, A, B, beta, C);
    },

    lstmTapeSize,
    lstmForward(a) {
      const { B, T, D, H } = a;
      m.lstmForward(B, T, D, H, a.reverse, a.x, a.mask, a.h0, a.c0, a.W, a.b, a.out, a.hT, a.cT, a.tape);
    },
    lstmBackward(a) {
      const { B, T, D, H } = a;
      m.lstmBackward(B, T, D, H, a.reverse, a.x, a.mask, a.h0, a.c0, a.W, a.tape, a.dOut, a.dhT, a.dcT, a.dx, a.dW, a.db, a.dh0, a.dc0);
    },

    gruTapeSize,
    gruForward(a) {
      const { B, T, D, H } = a;
      m.gruForward(B, T, D, H, a.reverse, a.x, a.mask, a.h0, a.W, a.b, a.out, a.hT, a.tape);
    },
    gruBackward(a) {
      const { B, T, D, H } = a;
      m.gruBackward(B, T, D, H, a.reverse, a.x, a.mask, a.h0, a.W, a.tape, a.dOut, a.dhT, a.dx, a.dW, a.db, a.dh0);
    },

    rnnTapeSize,
    rnnForward(a) {
      const { B, T, D, H } = a;
      m.rnnForward(B, T, D, H, a.reverse, a.relu, a.x, a.mask, a.h0, a.V, a.W, a.b, a.out, a.hT, a.tape);
    },
    rnnBackward(a) {
      const { B, T, D, H } = a;
      m.rnnBackward(B, T, D, H, a.reverse, a.relu, a.x, a.mask, a.h0, a.V, a.W, a.tape, a.dOut, a.dhT, a.dx, a.dV, a.dW, a.db, a.dh0);
    },

    softmaxCeForward(a) {
      return m.softmaxCeForward(a.N, a.K, a.logits, a.targets, a.mask, a.probs);
    },
    softmaxCeBackward(a) {
      m.softmaxCeBackward(a.N, a.K, a.probs, a.targets, a.mask, a.scale, a.dlogits);
    },

    linearSoftmaxCeForward(a) {
      return m.linearSoftmaxCeForward(a.N, a.H, a.K, a.h, a.W, a.b, a.targets, a.mask, a.probs);
    },
    linearSoftmaxCeBackward(a) {
      m.linearSoftmaxCeBackward(a.N, a.H, a.K, a.h, a.W, a.probs, a.targets, a.mask, a.scale, a.dh, a.dW, a.db);
    },

    adam(a) {
      const n = a.p.length;
      m.adam(n, a.p, a.g, a.m, a.v, a.lr, a.beta1, a.beta2, a.eps, a.oneMinusBeta1Pow, a.oneMinusBeta2Pow);
    },

    crfTapeSize: ({ B, T, K }: CrfSizes): number => B * T * K,
    crfForward(a) {
      m.crfForward(a.B, a.T, a.K, a.emissions, a.lengths, a.start, a.end, a.transitions, a.logZ, a.tape);
    },
    crfBackward(a) {
      m.crfBackward(a.B, a.T, a.K, a.emissions, a.lengths, a.start, a.end, a.transitions, a.tape, a.dLogZ, a.dEmissions, a.dStart, a.dEnd, a.dTransitions);
    },
    crfViterbi(a) {
      m.crfViterbi(a.B, a.T, a.K, a.emissions, a.lengths, a.start, a.end, a.transitions, a.paths, a.scores);
    },
  };
}
