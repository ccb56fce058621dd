/**
 * The WebAssembly kernels: lib/csrc compiled by lib/scripts/build-wasm.sh (clang, SIMD128,
 * no libc) into lib/wasm/seqlab_kernels.wasm, which is committed, so this path needs no
 * compiler and is the portable default of the engine.
 *
 * Two builds of the same sources are committed: seqlab_kernels.wasm (SIMD128) and
 * seqlab_kernels_relaxed.wasm (+ relaxed SIMD: the GEMM micro-kernel multiplies and adds in
 * one fused instruction where the CPU has FMA). The relaxed build is used where the runtime
 * compiles it (Node ≥ 22; Node 20 only with --experimental-wasm-relaxed-simd), else the
 * standard one; SEQLAB_WASM_RELAXED=0 forces the standard build, =1 requires the relaxed one.
 *
 * Memory: the module exports one linear memory; the C code owns only its static GEMM
 * packing buffers (below `__heap_base`). Each call places its arguments in an arena that
 * starts at `__heap_base` and is reset at the next call:
 *   1. reserve and copy every input (16-byte aligned); reserve outputs, tape, scratch;
 *   2. grow the memory when the arena outgrows it (it never shrinks, so later calls of the
 *      same sizes reuse it: no per-call allocation in wasm);
 *   3. call the export; 4. copy the outputs back into the caller's arrays.
 *
 * Threads: the memory is shared, and worker threads run more instances of the same module
 * on it (each with its own stack and GEMM packing buffers, pinned just above `__heap_base`).
 * Every large product in the C code (≥ 2 M multiply-adds: `gemm` itself and the big
 * products inside the recurrences) calls the imported `sl_gemm_parallel`, which splits C
 * into one strip per thread (columns, or rows when C is tall), posts a strip to each
 * worker, computes the first, and blocks in `Atomics.wait` for the others. The workers
 * start asynchronously: until they are ready (`wasmThreadsReady()`), a product uses those
 * that are. SEQLAB_WASM_THREADS sets the threads (default: the CPUs Node may use, at most
 * 8; 1 = no worker). Elementwise work (gates, softmax, Adam) stays on the main thread.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Worker } from "worker_threads";
import { BackendError } from "../errors.js";
import { jsKernels } from "./js.js";
import { checkedKernels } from "./kernel_args.js";
import type {
  AdamArgs,
  CrfBackwardArgs,
  CrfForwardArgs,
  CrfSizes,
  CrfViterbiArgs,
  GruBackwardArgs,
  GruForwardArgs,
  Kernels,
  LinearSoftmaxCeBackwardArgs,
  LinearSoftmaxCeForwardArgs,
  LstmBackwardArgs,
  LstmForwardArgs,
  RnnBackwardArgs,
  RnnForwardArgs,
  SeqSizes,
  SoftmaxCeBackwardArgs,
  SoftmaxCeForwardArgs,
} from "./kernels.js";
import { fileURLToPath } from "node:url";

/** This file's folder (lib/src/… under tsx, lib/dist/… when built). */
const here = path.dirname(fileURLToPath(import.meta.url));

/** Where the compiled module lives (lib/wasm, from lib/src/engine or lib/dist/engine). */
export const WASM_PATH = path.join(here, "..", "..", "wasm", "seqlab_kernels.wasm");

/** The relaxed-SIMD build (see the file comment). */
export const WASM_RELAXED_PATH = path.join(here, "..", "..", "wasm", "seqlab_kernels_relaxed.wasm");

/**
 * The module to run: the relaxed build where the runtime compiles it (and SEQLAB_WASM_RELAXED
 * is not 0), else the standard one.
 * @throws BackendError for SEQLAB_WASM_RELAXED other than 0 or 1, or =1 where the relaxed build does not compile.
 */
function compileKernelsModule(): { module: WebAssembly.Module; relaxed: boolean } {
  const want = process.env.SEQLAB_WASM_RELAXED ?? "";
  if (!["", "0", "1"].includes(want)) throw new BackendError(`wasm kernels: expected SEQLAB_WASM_RELAXED 0 (the SIMD128 build) or 1 (the relaxed-SIMD build), or unset (relaxed where the runtime has it), got ${JSON.stringify(want)}`);
  if (want !== "0") {
    try {
      return { module: new WebAssembly.Module(fs.readFileSync(WASM_RELAXED_PATH)), relaxed: true };
    } catch (e) {
      if (want === "1") throw new BackendError(`wasm kernels: SEQLAB_WASM_RELAXED=1 expected ${WASM_RELAXED_PATH} to compile (relaxed SIMD: Node ≥ 22, or Node 20 with --experimental-wasm-relaxed-simd), got ${(e as Error).message}`);
      // no relaxed SIMD in this runtime (a CompileError), or the file is missing: the standard build
    }
  }
  return { module: new WebAssembly.Module(fs.readFileSync(WASM_PATH)), relaxed: false };
}

/** The memory's initial size in 64 KiB pages: --initial-memory of build-wasm.sh ÷ 65536. */
const WASM_INITIAL_PAGES = 128;
/** Its maximum (4 GiB, --max-memory). */
const WASM_MAX_PAGES = 65536;
/** Bytes of the worker's stack. */
const WORKER_STACK = 256 * 1024;

/** The module's exports (C signatures in lib/csrc/kernels.h; pointers are byte offsets). */
interface Exports {
  __heap_base: WebAssembly.Global;
  __stack_pointer: WebAssembly.Global;
  sl_gemm(tA: number, tB: number, M: number, N: number, K: number, alpha: number, A: number, B: number, beta: number, C: number): void;
  sl_gemm_ws(tA: number, tB: number, M: number, N: number, K: number, alpha: number, A: number, lda: number, B: number, ldb: number, beta: number, C: number, ldc: number, pack: number): void;
  sl_gemm_pack_size(): number;
  sl_lstm_forward(...args: number[]): void;
  sl_lstm_backward(...args: number[]): void;
  sl_gru_forward(...args: number[]): void;
  sl_gru_backward(...args: number[]): void;
  sl_rnn_forward(...args: number[]): void;
  sl_rnn_backward(...args: number[]): void;
  sl_softmax_ce_forward(N: number, K: number, logits: number, targets: number, mask: number, probs: number, sums: number): void;
  sl_softmax_ce_backward(N: number, K: number, probs: number, targets: number, mask: number, scale: number, dlogits: number): void;
  sl_linear_softmax_ce_forward(N: number, H: number, K: number, h: number, W: number, b: number, targets: number, mask: number, probs: number, sums: number): void;
  sl_linear_softmax_ce_backward(N: number, H: number, K: number, h: number, W: number, probs: number, targets: number, mask: number, scale: number, dh: number, dW: number, db: number): void;
  sl_adam(n: number, p: number, g: number, m: number, v: number, lr: number, b1: number, b2: number, eps: number, c1: number, c2: number): void;
  sl_crf_work_size(B: number, T: number, K: number): number;
  sl_crf_forward(...args: number[]): void;
  sl_crf_backward(...args: number[]): void;
  sl_crf_viterbi(...args: number[]): void;
}

type Arr = Float32Array | Int32Array;

/** The per-call argument arena of the file comment. */
class Arena {
  private top: number;

  constructor(private readonly memory: WebAssembly.Memory, private base: number) {
    this.top = base;
  }

  /** Starts a call: forgets the previous call's buffers. */
  reset(): void {
    this.top = this.base;
  }

  /** Keeps everything reserved so far for good (the worker's stack and buffers). */
  pin(): void {
    this.base = this.top;
  }

  /** Reserves `n` 4-byte elements (16-byte aligned), growing the memory if needed; returns the byte offset. */
  reserve(n: number): number {
    const at = Math.ceil(this.top / 16) * 16; // (not `& ~15`: offsets may pass 2^31)
    const end = at + 4 * n;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / 65536);
      try {
        this.memory.grow(pages);
      } catch (e) {
        throw new BackendError(`wasm kernels: expected to grow memory to ${end} bytes, got ${(e as Error).message}`);
      }
    }
    this.top = end;
    return at;
  }

  /** Reserves and copies an input; null → 0 (the C NULL). */
  put(arr: Arr | null): number {
    if (arr === null) return 0;
    const at = this.reserve(arr.length);
    const view = arr instanceof Int32Array ? new Int32Array(this.memory.buffer, at, arr.length) : new Float32Array(this.memory.buffer, at, arr.length);
    view.set(arr);
    return at;
  }

  /** Copies `out.length` elements at `at` into `out`. */
  get(at: number, out: Float32Array | Int32Array | Float64Array): void {
    if (out instanceof Float32Array) out.set(new Float32Array(this.memory.buffer, at, out.length));
    else if (out instanceof Int32Array) out.set(new Int32Array(this.memory.buffer, at, out.length));
    else out.set(new Float64Array(this.memory.buffer, at, out.length));
  }
}

/**
 * The worker's source, wasm_worker.cjs: plain JavaScript kept in the sources, so the same
 * file runs from lib/src (tests) and lib/dist (the built package, which ships src/).
 */
const WORKER_FILE = path.resolve(here, "..", "..", "src", "engine", "wasm_worker.cjs");

/**
 * The GEMM's threads, the calling one included: SEQLAB_WASM_THREADS (an integer from 1 to 16),
 * else the CPUs Node may use, at most 8.
 * @throws BackendError for another SEQLAB_WASM_THREADS.
 */
export function wasmGemmThreads(): number {
  const text = process.env.SEQLAB_WASM_THREADS?.trim();
  if (text === undefined || text === "") return Math.max(1, Math.min(8, os.availableParallelism()));
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new BackendError(`wasm kernels: expected SEQLAB_WASM_THREADS an integer from 1 to 16, got "${text}"`);
  return n;
}

/** One more thread: a worker running strips of GEMMs. */
class GemmWorker {
  private readonly c: Int32Array;
  private readonly p: Float64Array;
  private job = 0;
  /** Resolves true once the worker runs, false if it failed to start. */
  readonly ready: Promise<boolean>;

  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, stackTop: number, pack: number) {
    const ctrl = new SharedArrayBuffer(4 * 4);
    const params = new SharedArrayBuffer(8 * 13);
    this.c = new Int32Array(ctrl);
    this.p = new Float64Array(params);
    const worker = new Worker(WORKER_FILE, { workerData: { module, memory, ctrl, params, stackTop, pack } });
    worker.unref();
    this.ready = new Promise((resolve) => {
      worker.once("message", () => resolve(true));
      worker.once("error", () => resolve(false));
      worker.once("exit", () => resolve(false));
    });
  }

  /** True when the worker can take a job. */
  get running(): boolean {
    return Atomics.load(this.c, 2) === 1 && Atomics.load(this.c, 3) === 0;
  }

  /** Posts sl_gemm_ld's arguments. */
  post(args: number[]): void {
    this.p.set(args);
    this.job = (this.job + 1) | 0;
    Atomics.store(this.c, 0, this.job);
    Atomics.notify(this.c, 0);
  }

  /** Blocks until the posted job is done. */
  wait(): void {
    while (Atomics.load(this.c, 1) !== this.job) Atomics.wait(this.c, 1, Atomics.load(this.c, 1), 1000);
    if (Atomics.load(this.c, 3) !== 0) throw new BackendError("wasm kernels: expected the gemm worker to finish its half, got a trap");
  }
}

let cached: Kernels | undefined;
let workers: GemmWorker[] = [];

/** The workers that can take a strip now. */
const runningWorkers = (): GemmWorker[] => workers.filter((w) => w.running);

/**
 * Resolves when every worker of the wasm kernels runs (true), or when they have started or
 * failed and none runs (false, e.g. SEQLAB_WASM_THREADS=1); for tests and benchmarks that
 * want every thread.
 * @returns whether gemm now uses more than one thread.
 */
export async function wasmThreadsReady(): Promise<boolean> {
  loadWasmKernels();
  const ready = await Promise.all(workers.map((w) => w.ready));
  return ready.some((r) => r);
}

/**
 * Instantiates the WebAssembly kernels synchronously (once per process; later calls return
 * the same object).
 * @returns the kernels, `name` "wasm", 1 thread.
 * @throws BackendError when the module is missing or cannot be instantiated (no SIMD).
 */
export function loadWasmKernels(): Kernels {
  if (cached !== undefined) return cached;
  let ex: Exports;
  let module: WebAssembly.Module;
  let memory: WebAssembly.Memory;
  let mainPack = 0; // this thread's packing buffers for its strip of a split product
  const sl_gemm_parallel = (...args: number[]): number => (mainPack === 0 ? 0 : gemmParallel(ex, mainPack, args));
  let relaxed = false;
  try {
    ({ module, relaxed } = compileKernelsModule());
    memory = new WebAssembly.Memory({ initial: WASM_INITIAL_PAGES, maximum: WASM_MAX_PAGES, shared: true });
    ex = new WebAssembly.Instance(module, { env: { memory, sl_gemm_parallel } }).exports as unknown as Exports;
  } catch (e) {
    if (e instanceof BackendError) throw e;
    throw new BackendError(`wasm kernels: expected a loadable ${WASM_PATH} (rebuild: sh lib/scripts/build-wasm.sh), got ${(e as Error).message}`);
  }
  const arena = new Arena(memory, ex.__heap_base.value as number);
  const threads = wasmGemmThreads();
  if (threads > 1) {
    mainPack = arena.reserve(ex.sl_gemm_pack_size());
    for (let i = 1; i < threads; i++) {
      // each worker's stack (grows down from stackTop) and packing buffers, kept for good
      const stackTop = arena.reserve(WORKER_STACK / 4) + WORKER_STACK;
      const pack = arena.reserve(ex.sl_gemm_pack_size());
      try {
        workers.push(new GemmWorker(module, memory, stackTop, pack));
      } catch {
        break; // no worker_threads (or no more): fewer threads
      }
    }
    arena.pin();
    if (workers.length === 0) mainPack = 0;
  }
  cached = checkedKernels(makeKernels(ex, memory, arena, relaxed)); // C trusts its sizes: every call is checked first
  return cached;
}

/**
 * `sl_gemm_parallel` (imported by csrc/gemm.c): C = α op(A) op(B) + β C in strips, one per
 * running thread (columns in multiples of the 8-wide micro-tile, or rows in multiples of 4
 * when C is tall), the first here and one on each worker; 0 (nothing done) when no worker
 * runs or C is too small to split. Pointers are byte offsets (read unsigned: memory may pass
 * 2 GiB).
 * @param args - transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc.
 * @returns 1 when done.
 */
function gemmParallel(ex: Exports, mainPack: number, args: number[]): number {
  const ws = runningWorkers();
  const [tA, tB, M, N, K, alpha] = args;
  const [pA, lda, pB, ldb, beta, pC, ldc] = [args[6] >>> 0, args[7], args[8] >>> 0, args[9], args[10], args[11] >>> 0, args[12]];
  if (ws.length === 0 || (N < 16 && M < 8)) return 0;
  const byColumns = N >= M;
  const size = byColumns ? N : M, tile = byColumns ? 8 : 4;
  const width = Math.ceil(size / (ws.length + 1) / tile) * tile; // every strip but the last
  const strips = Math.ceil(size / width);
  const post = (w: GemmWorker, at: number, n: number): void => {
    if (byColumns) w.post([tA, tB, M, n, K, alpha, pA, lda, pB + 4 * (tB ? at * ldb : at), ldb, beta, pC + 4 * at, ldc]);
    else w.post([tA, tB, n, N, K, alpha, pA + 4 * (tA ? at : at * lda), lda, pB, ldb, beta, pC + 4 * at * ldc, ldc]);
  };
  for (let j = 1; j < strips; j++) post(ws[j - 1], j * width, Math.min(width, size - j * width));
  if (byColumns) ex.sl_gemm_ws(tA, tB, M, width, K, alpha, pA, lda, pB, ldb, beta, pC, ldc, mainPack);
  else ex.sl_gemm_ws(tA, tB, width, N, K, alpha, pA, lda, pB, ldb, beta, pC, ldc, mainPack);
  for (let j = 1; j < strips; j++) ws[j - 1].wait();
  return 1;
}

function makeKernels(ex: Exports, memory: WebAssembly.Memory, arena: Arena, relaxed: boolean): Kernels {
  const simd = relaxed ? "SIMD128 + relaxed FMA" : "SIMD128";
  const lstmTapeSize = ({ B, T, H }: SeqSizes): number => 7 * B * T * H;
  const gruTapeSize = ({ B, T, H }: SeqSizes): number => 5 * B * T * H;
  const rnnTapeSize = ({ B, T, H }: SeqSizes): number => 2 * B * T * H;
  const flag = (b: boolean): number => (b ? 1 : 0);
  return {
    name: "wasm",
    get threads() {
      return 1 + runningWorkers().length;
    },
    get description() {
      const n = 1 + runningWorkers().length;
      return n > 1 ? `wasm (${simd}, ${n} threads for gemm)` : `wasm (${simd}, 1 thread)`;
    },

    gemm(transA, transB, M, N, K, alpha, A, B, beta, C) {
      arena.reset();
      const pA = arena.put(A);
      const pB = arena.put(B);
      const pC = beta === 0 ? arena.reserve(C.length) : arena.put(C);
      ex.sl_gemm(flag(transA), flag(transB), M, N, K, alpha, pA, pB, beta, pC);
      arena.get(pC, C);
    },

    lstmTapeSize,
    lstmForward(a: LstmForwardArgs) {
      const { B, T, D, H } = a;
      arena.reset();
      const p = [a.x, a.mask, a.h0, a.c0, a.W, a.b].map((v) => arena.put(v));
      const [pOut, pHT, pCT, pTape] = [a.out, a.hT, a.cT, a.tape].map((v) => arena.reserve(v.length));
      ex.sl_lstm_forward(B, T, D, H, flag(a.reverse), ...p, pOut, pHT, pCT, pTape);
      arena.get(pOut, a.out);
      arena.get(pHT, a.hT);
      arena.get(pCT, a.cT);
      arena.get(pTape, a.tape);
    },
    lstmBackward(a: LstmBackwardArgs) {
      const { B, T, D, H } = a;
      arena.reset();
      const p = [a.x, a.mask, a.h0, a.c0, a.W, a.tape, a.dOut, a.dhT, a.dcT].map((v) => arena.put(v));
      const outs = [a.dx, a.dW, a.db, a.dh0, a.dc0];
      const q = outs.map((v) => arena.reserve(v.length));
      const work = arena.reserve(5 * B * T * H + 2 * B * H);
      ex.sl_lstm_backward(B, T, D, H, flag(a.reverse), ...p, ...q, work);
      outs.forEach((v, j) => arena.get(q[j], v));
    },

    gruTapeSize,
    gruForward(a: GruForwardArgs) {
      const { B, T, D, H } = a;
      arena.reset();
      const p = [a.x, a.mask, a.h0, a.W, a.b].map((v) => arena.put(v));
      const outs = [a.out, a.hT, a.tape];
      const q = outs.map((v) => arena.reserve(v.length));
      ex.sl_gru_forward(B, T, D, H, flag(a.reverse), ...p, ...q);
      outs.forEach((v, j) => arena.get(q[j], v));
    },
    gruBackward(a: GruBackwardArgs) {
      const { B, T, D, H } = a;
      arena.reset();
      const p = [a.x, a.mask, a.h0, a.W, a.tape, a.dOut, a.dhT].map((v) => arena.put(v));
      const outs = [a.dx, a.dW, a.db, a.dh0];
      const q = outs.map((v) => arena.reserve(v.length));
      const work = arena.reserve(4 * B * T * H + 2 * B * H);
      ex.sl_gru_backward(B, T, D, H, flag(a.reverse), ...p, ...q, work);
      outs.forEach((v, j) => arena.get(q[j], v));
    },

    rnnTapeSize,
    rnnForward(a: RnnForwardArgs) {
      const { B, T, D, H } = a;
      arena.reset();
      const p = [a.x, a.mask, a.h0, a.V, a.W, a.b].map((v) => arena.put(v));
      const outs = [a.out, a.hT, a.tape];
      const q = outs.map((v) => arena.reserve(v.length));
      ex.sl_rnn_forward(B, T, D, H, flag(a.reverse), flag(a.relu), ...p, ...q);
      outs.forEach((v, j) => arena.get(q[j], v));
    },
    rnnBackward(a: RnnBackwardArgs) {
      const { B, T, D, H } = a;
      arena.reset();
      const p = [a.x, a.mask, a.h0, a.V, a.W, a.tape, a.dOut, a.dhT].map((v) => arena.put(v));
      const outs = [a.dx, a.dV, a.dW, a.db, a.dh0];
      const q = outs.map((v) => arena.reserve(v.length));
      const work = arena.reserve(2 * B * T * H + B * H);
      ex.sl_rnn_backward(B, T, D, H, flag(a.reverse), flag(a.relu), ...p, ...q, work);
      outs.forEach((v, j) => arena.get(q[j], v));
    },

    softmaxCeForward(a: SoftmaxCeForwardArgs): [number, number] {
      arena.reset();
      const pZ = arena.put(a.logits);
      const pY = arena.put(a.targets);
      const pM = arena.put(a.mask);
      const pP = arena.reserve(a.probs.length);
      const pS = arena.reserve(4); // 2 float64
      ex.sl_softmax_ce_forward(a.N, a.K, pZ, pY, pM, pP, pS);
      arena.get(pP, a.probs);
      const sums = new Float64Array(memory.buffer, pS, 2);
      return [sums[0], sums[1]];
    },
    softmaxCeBackward(a: SoftmaxCeBackwardArgs) {
      arena.reset();
      const pP = arena.put(a.probs);
      const pY = arena.put(a.targets);
      const pM = arena.put(a.mask);
      ex.sl_softmax_ce_backward(a.N, a.K, pP, pY, pM, a.scale, pP); // in place in wasm memory
      arena.get(pP, a.dlogits);
    },

    linearSoftmaxCeForward(a: LinearSoftmaxCeForwardArgs): [number, number] {
      arena.reset();
      const [pH, pW, pB, pY, pM] = [a.h, a.W, a.b, a.targets, a.mask].map((v) => arena.put(v));
      const pP = arena.reserve(a.probs.length);
      const pS = arena.reserve(4); // 2 float64
      ex.sl_linear_softmax_ce_forward(a.N, a.H, a.K, pH, pW, pB, pY, pM, pP, pS);
      arena.get(pP, a.probs);
      const sums = new Float64Array(memory.buffer, pS, 2);
      return [sums[0], sums[1]];
    },
    linearSoftmaxCeBackward(a: LinearSoftmaxCeBackwardArgs) {
      arena.reset();
      const [pH, pW, pP, pY, pM] = [a.h, a.W, a.probs, a.targets, a.mask].map((v) => arena.put(v));
      const outs = [a.dh, a.dW, a.db];
      const q = outs.map((v) => arena.reserve(v.length));
      ex.sl_linear_softmax_ce_backward(a.N, a.H, a.K, pH, pW, pP, pY, pM, a.scale, q[0], q[1], q[2]);
      outs.forEach((v, j) => arena.get(q[j], v)); // probs stays as it was: G lives in wasm memory only
    },

    adam(a: AdamArgs) {
      const n = a.p.length;
      arena.reset();
      const [pp, pg, pm, pv] = [a.p, a.g, a.m, a.v].map((v) => arena.put(v));
      ex.sl_adam(n, pp, pg, pm, pv, a.lr, a.beta1, a.beta2, a.eps, a.oneMinusBeta1Pow, a.oneMinusBeta2Pow);
      arena.get(pp, a.p);
      arena.get(pm, a.m);
      arena.get(pv, a.v);
    },

    // SGD and Σ g² read each value once: copying the arrays into wasm memory and back would
    // cost more than the pass itself, so these two run as the TypeScript kernels, in place.
    sgd: jsKernels.sgd,
    sumOfSquares: jsKernels.sumOfSquares,

    crfTapeSize: ({ B, T, K }: CrfSizes): number => B * T * K,
    crfForward(a: CrfForwardArgs) {
      arena.reset();
      const p = [a.emissions, a.lengths, a.start, a.end, a.transitions].map((v) => arena.put(v));
      const [pZ, pTape] = [a.logZ, a.tape].map((v) => arena.reserve(v.length));
      ex.sl_crf_forward(a.B, a.T, a.K, ...p, pZ, pTape);
      arena.get(pZ, a.logZ);
      arena.get(pTape, a.tape);
    },
    crfBackward(a: CrfBackwardArgs) {
      arena.reset();
      const p = [a.emissions, a.lengths, a.start, a.end, a.transitions, a.tape, a.dLogZ].map((v) => arena.put(v));
      const outs = [a.dEmissions, a.dStart, a.dEnd, a.dTransitions];
      const q = outs.map((v) => arena.reserve(v.length));
      const work = arena.reserve(ex.sl_crf_work_size(a.B, a.T, a.K));
      ex.sl_crf_backward(a.B, a.T, a.K, ...p, ...q, work);
      outs.forEach((v, j) => arena.get(q[j], v));
    },
    crfViterbi(a: CrfViterbiArgs) {
      arena.reset();
      const p = [a.emissions, a.lengths, a.start, a.end, a.transitions].map((v) => arena.put(v));
      const pPaths = arena.reserve(a.paths.length);
      const pScores = arena.reserve(2 * a.scores.length); // float64: 2 × 4 bytes each, 16-byte aligned
      const work = arena.reserve(ex.sl_crf_work_size(a.B, a.T, a.K)); // 16-byte aligned (its doubles need 8)
      ex.sl_crf_viterbi(a.B, a.T, a.K, ...p, pPaths, pScores, work);
      arena.get(pPaths, a.paths);
      arena.get(pScores, a.scores);
    },
  };
}
