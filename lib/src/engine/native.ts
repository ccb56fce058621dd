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
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { BackendError } from "../errors.js";
import { blasCoreWarning, bestCoreFor, cpuFlags, planBlasCore } from "./blas_core.js";
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
/** The OpenBLAS core detected per CPU and addon build (engine/blas_core.ts). */
export const BLAS_CORE_CACHE_PATH = path.join(BUILD_DIR, "blas-core.json");

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
  sgd(n: number, p: F, g: F, step: number): void;
  sumOfSquares(n: number, g: F): number;
  crfForward(B: number, T: number, K: number, e: F, lengths: Int32Array, start: F, end: F, A: F, logZ: F, tape: F): void;
  crfBackward(B: number, T: number, K: number, e: F, lengths: Int32Array, start: F, end: F, A: F, tape: F, dLogZ: F, dE: F, dStart: F, dEnd: F, dA: F): void;
  crfViterbi(B: number, T: number, K: number, e: F, lengths: Int32Array, start: F, end: F, A: F, paths: Int32Array, scores: Float64Array): void;
  /** parallel: threads of the elementwise passes (csrc/parallel.c; OpenBLAS's count, 1 with SEQLAB_PARALLEL=0). */
  info(): { blas: string; core: string; threads: number; simd: string; parallel: number };
}

/** The copies of the elementwise kernels (lib/csrc/simd_dispatch.c), narrowest first; SEQLAB_SIMD picks one. */
const SIMD_COPIES = ["base", "avx2", "avx512"];

/** Every function the addon must export (an addon built from older sources lacks some). */
const ADDON_EXPORTS = [
  "gemm", "lstmForward", "lstmBackward", "gruForward", "gruBackward", "rnnForward", "rnnBackward", "softmaxCeForward", "softmaxCeBackward",
  "linearSoftmaxCeForward", "linearSoftmaxCeBackward", "adam", "sgd", "sumOfSquares", "crfForward", "crfBackward", "crfViterbi", "info",
] as const satisfies readonly (keyof Addon)[];

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
 * @returns the kernels, `name` "native", description like "native (OpenBLAS 0.3.21, core Haswell, 2 threads, simd avx2)"
 *   (simd: the copy of the elementwise kernels the CPU runs, lib/csrc/simd_dispatch.c).
 * @throws BackendError with the reason when the addon is not built or cannot load.
 */
export function loadNativeKernels(): Kernels {
  if (cached !== undefined) return cached;
  if (!fs.existsSync(NATIVE_PATH)) {
    throw new BackendError(`native kernels: expected ${NATIVE_PATH}, got ${absentReason()}`);
  }
  const simd = process.env.SEQLAB_SIMD;
  if (simd !== undefined && simd !== "" && !SIMD_COPIES.includes(simd)) {
    throw new BackendError(`native kernels: expected SEQLAB_SIMD one of ${SIMD_COPIES.join(", ")} (or unset: the widest the CPU has), got ${JSON.stringify(simd)}`);
  }
  const flags = cpuFlags(cpuinfo());
  // OpenBLAS reads OPENBLAS_CORETYPE when the addon loads it: decide before require (blas_core.ts).
  let plan = linksOpenBlas() ? planBlasCore(process.env.OPENBLAS_CORETYPE, detectedCore(flags), flags) : {};
  if (plan.coretype !== undefined && !coreWorks(plan.coretype)) plan = {}; // never a core that fails here
  if (plan.coretype !== undefined) process.env.OPENBLAS_CORETYPE = plan.coretype;
  let addon: Addon;
  try {
    addon = require(NATIVE_PATH) as Addon; // a .node file: only require() loads it
  } catch (e) {
    throw new BackendError(`native kernels: expected a loadable ${NATIVE_PATH}, got ${(e as Error).message}`);
  }
  const missing = ADDON_EXPORTS.filter((name) => typeof addon[name] !== "function");
  if (missing.length > 0) {
    throw new BackendError(`native kernels: expected ${NATIVE_PATH} to export ${missing.join(", ")} (built from older sources); rebuild it with \`node lib/scripts/build-native.cjs\` or \`npm rebuild seqlab\``);
  }
  cached = checkedKernels(makeKernels(addon, flags, plan.note)); // C trusts its sizes: every call is checked first
  return cached;
}

let cpuinfoText: string | undefined | null = null;

/** /proc/cpuinfo's text, read once per process (undefined where there is none). */
function cpuinfo(): string | undefined {
  if (cpuinfoText === null) {
    try {
      cpuinfoText = fs.readFileSync("/proc/cpuinfo", "utf8");
    } catch {
      cpuinfoText = undefined;
    }
  }
  return cpuinfoText;
}

/** True when the build linked OpenBLAS (native-status.json's probe). */
function linksOpenBlas(): boolean {
  try {
    return (JSON.parse(fs.readFileSync(NATIVE_STATUS_PATH, "utf8")) as { probe?: string }).probe === "openblas";
  } catch {
    return false;
  }
}

/**
 * Answers about this machine's OpenBLAS from child processes, cached in lib/build/blas-core.json
 * per CPU (its /proc/cpuinfo description) and addon build: one Node start per question and machine.
 */
function askChild(question: string, script: string, env: NodeJS.ProcessEnv): string | undefined {
  if ((process.versions as Record<string, string | undefined>).deno !== undefined) return undefined; // no `node -e` to run
  const cpu = (cpuinfo() ?? "").split("\n\n")[0]!.split("\n").filter((l) => !/^(cpu MHz|bogomips|processor|apicid|initial apicid|core id)\s*:/.test(l));
  const stat = fs.statSync(NATIVE_PATH);
  const key = createHash("sha256").update(`${cpu.join("\n")}\n${stat.size} ${stat.mtimeMs}\n${question}`).digest("hex").slice(0, 16);
  let cache: Record<string, string> = {};
  try {
    cache = JSON.parse(fs.readFileSync(BLAS_CORE_CACHE_PATH, "utf8")) as Record<string, string>;
  } catch {
    // no cache yet
  }
  if (typeof cache[key] === "string") return cache[key];
  const r = spawnSync(process.execPath, ["-e", script], { env, encoding: "utf8", timeout: 30_000 });
  // A crash (SIGILL from kernels the CPU cannot run) is an answer too: "failed".
  const answer = r.error !== undefined ? undefined : r.status === 0 && r.stdout !== "" ? r.stdout : "failed";
  if (answer === undefined) return undefined;
  try {
    fs.writeFileSync(BLAS_CORE_CACHE_PATH, JSON.stringify({ ...cache, [key]: answer }, null, 2) + "\n");
  } catch {
    // a read-only install: ask again next time
  }
  return answer;
}

/**
 * The core OpenBLAS picks on this machine by itself (a child loads the addon without
 * OPENBLAS_CORETYPE). Undefined when it cannot matter (the user set the variable; no AVX2, so no
 * better core to set) or cannot be learned. `SEQLAB_BLAS_DETECTED_CORE` replaces the answer (tests).
 */
function detectedCore(flags: ReadonlySet<string>): string | undefined {
  const fake = process.env.SEQLAB_BLAS_DETECTED_CORE;
  if (fake !== undefined) return fake;
  if (process.env.OPENBLAS_CORETYPE !== undefined || bestCoreFor(flags) === undefined) return undefined;
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  const answer = askChild("detected", `process.stdout.write(require(${JSON.stringify(NATIVE_PATH)}).info().core)`, env);
  return answer === "failed" ? undefined : answer;
}

/**
 * True when a child process with OPENBLAS_CORETYPE=`core` runs OpenBLAS on that core and its
 * 67×67×67 sgemm equals a plain triple loop (within 1e-4 relative): the forced kernels work here.
 */
export function coreWorks(core: string): boolean {
  const script = `
    const m = require(${JSON.stringify(NATIVE_PATH)});
    const n = 67, A = new Float32Array(n * n), B = new Float32Array(n * n), C = new Float32Array(n * n);
    for (let i = 0; i < n * n; i++) { A[i] = ((i * 7919) % 101) / 50 - 1; B[i] = ((i * 104729) % 103) / 51 - 1; }
    m.gemm(false, false, n, n, n, 1, A, B, 0, C);
    let bad = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = 0; for (let k = 0; k < n; k++) s += A[i * n + k] * B[k * n + j];
      if (Math.abs(C[i * n + j] - s) > 1e-4 * (1 + Math.abs(s))) bad++;
    }
    process.stdout.write(m.info().core === ${JSON.stringify(core)} && bad === 0 ? "ok" : "failed");`;
  return askChild(`works ${core}`, script, { ...process.env, OPENBLAS_CORETYPE: core }) === "ok";
}

/** "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH …" → "OpenBLAS 0.3.21". */
function blasName(config: string): string {
  return config.startsWith("OpenBLAS") ? config.split(" ").slice(0, 2).join(" ") : config;
}

function makeKernels(m: Addon, flags: ReadonlySet<string>, coreNote: string | undefined): Kernels {
  const info = m.info();
  const core = info.core === "" ? "" : `, core ${info.core}${coreNote === undefined ? "" : ` ${coreNote}`}`;
  const lstmTapeSize = ({ B, T, H }: SeqSizes): number => 7 * B * T * H;
  const gruTapeSize = ({ B, T, H }: SeqSizes): number => 5 * B * T * H;
  const rnnTapeSize = ({ B, T, H }: SeqSizes): number => 2 * B * T * H;
  return {
    name: "native",
    threads: info.threads,
    description: `native (${blasName(info.blas)}${core}, ${info.threads} thread${info.threads === 1 ? "" : "s"}, simd ${info.simd})`,
    warning: blasCoreWarning(info.core, flags),

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
    sgd(a) {
      m.sgd(a.p.length, a.p, a.g, a.step);
    },
    sumOfSquares(v) {
      return m.sumOfSquares(v.length, v);
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
