/**
 * Which engine computes the sequence ops and the softmax cross-entropy, chosen once per
 * process (like the tfjs backend in backend/backend.ts).
 *
 * An engine is a `Kernels` implementation (engine/kernels.ts) behind the fused ops of
 * ops/fused.ts. Order of preference (first that loads wins):
 *   1. `native` — lib/csrc built by node-gyp against a system BLAS (engine/native.ts);
 *   2. `wasm`   — the same C compiled to SIMD WebAssembly, shipped in the package (engine/wasm.ts);
 *   3. `js`     — plain TypeScript loops (engine/js.ts).
 * `tfjs` means no engine: the ops run their tfjs-op reference bodies
 * (`lstmSequenceReference` …), the readable path and the test oracle.
 *
 * `initEngine({ engine })` or `SEQLAB_ENGINE=native|wasm|js|tfjs` forces one (the argument
 * wins over the variable); a forced engine that cannot load is an error, never a silent
 * fallback. Until `initEngine` is called (or when it chose `tfjs`), `getKernels()` is null
 * and every op takes the reference path. The choice is printed as one line, e.g.
 *
 *     seqlab: engine native (OpenBLAS 0.3.21, core Haswell, 2 threads, simd avx2)
 *     seqlab: engine wasm (SIMD, 1 thread); native skipped: expected lib/build/Release/seqlab_native.node, …
 */
import { BackendError } from "../errors.js";
import { jsKernels } from "./js.js";
import type { Kernels } from "./kernels.js";
import { loadNativeKernels } from "./native.js";
import { loadWasmKernels } from "./wasm.js";

/** An engine seqlab can compute with; "tfjs" = none (the reference tfjs ops). */
export type EngineName = "native" | "wasm" | "js" | "tfjs";

/** Engine names, most preferred first (`tfjs` is never chosen automatically). */
export const ENGINE_NAMES: readonly EngineName[] = ["native", "wasm", "js", "tfjs"];

/** What `initEngine` chose. */
export interface EngineInfo {
  readonly name: EngineName;
  /** The kernels' one-line description, e.g. "native (OpenBLAS 0.3.21, 2 threads)"; "tfjs (reference ops)" for none. */
  readonly description: string;
  /** Why preferred engines were not used ("native skipped: …"), or "forced by SEQLAB_ENGINE=js". */
  readonly reason?: string;
  /** The kernels' warning (native: OpenBLAS runs an old core on a CPU with AVX2; engine/blas_core.ts), printed to stderr. */
  readonly warning?: string;
}

/** Options of `initEngine`. */
export interface InitEngineOptions {
  /** Force this engine. Default: `SEQLAB_ENGINE` if set, else the first that loads. */
  engine?: EngineName;
  /** Do not print the one-line summary. Default: false. */
  quiet?: boolean;
}

const LOADERS: Record<Exclude<EngineName, "tfjs">, () => Kernels> = {
  native: loadNativeKernels,
  wasm: loadWasmKernels,
  js: () => jsKernels,
};

let chosen: EngineInfo | undefined;
let kernels: Kernels | null = null;

/**
 * Chooses the engine (see the file comment). Call once, after `initBackend`; later calls
 * return the same info without printing.
 * @param opts - see `InitEngineOptions`.
 * @returns what was chosen (the same frozen object on every call).
 * @throws BackendError if the name is unknown, if a forced engine cannot load, or if a later
 *   call asks for a different engine than the one already chosen.
 */
export function initEngine(opts: InitEngineOptions = {}): EngineInfo {
  if (opts.engine !== undefined) parseName(opts.engine, "initEngine: engine");
  if (chosen === undefined) {
    const picked = choose(opts);
    kernels = picked.kernels;
    chosen = Object.freeze(picked.info);
    if (!opts.quiet) console.log(formatEngineInfo(chosen));
    if (chosen.warning !== undefined) console.warn(chosen.warning); // even when quiet: it names a fix
  } else if (opts.engine !== undefined && opts.engine !== chosen.name) {
    throw new BackendError(`initEngine: expected engine '${chosen.name}' (chosen earlier in this process), got '${opts.engine}'`);
  }
  return chosen;
}

/** The engine `initEngine` chose, or undefined before it was called. */
export function engineInfo(): EngineInfo | undefined {
  return chosen;
}

/** The active kernels, or null when no engine is active (the ops use their tfjs reference bodies). */
export function getKernels(): Kernels | null {
  return kernels;
}

/**
 * Runs `fn` with `k` as the active kernels (null = reference ops), then restores the
 * previous ones. For tests and benchmarks that compare engines in one process.
 */
export function withKernels<R>(k: Kernels | null, fn: () => R): R {
  const saved = kernels;
  kernels = k;
  try {
    return fn();
  } finally {
    kernels = saved;
  }
}

/** One line describing `info`, as `initEngine` prints it. */
export function formatEngineInfo(info: EngineInfo): string {
  return `seqlab: engine ${info.description}${info.reason === undefined ? "" : `; ${info.reason}`}`;
}

function choose(opts: InitEngineOptions): { info: EngineInfo; kernels: Kernels | null } {
  const fromEnv = process.env.SEQLAB_ENGINE?.trim();
  const source = opts.engine !== undefined ? `initEngine({ engine: '${opts.engine}' })` : fromEnv ? `SEQLAB_ENGINE=${fromEnv}` : undefined;
  const forced = opts.engine ?? (fromEnv ? parseName(fromEnv, "SEQLAB_ENGINE") : undefined);
  if (forced === "tfjs") {
    return { info: { name: "tfjs", description: "tfjs (reference ops, no engine)", reason: `forced by ${source}` }, kernels: null };
  }
  if (forced !== undefined) {
    try {
      const k = LOADERS[forced]();
      return { info: { name: forced, description: k.description, reason: `forced by ${source}`, ...warningOf(k) }, kernels: k };
    } catch (err) {
      const others = ENGINE_NAMES.filter((n) => n !== forced).join("|");
      const fix = opts.engine === undefined ? `Unset SEQLAB_ENGINE or use ${others}.` : `Call initEngine() without an engine or use ${others}.`;
      throw new BackendError(`${source}, but the ${forced} engine could not be loaded: ${message(err)}. ${fix}`);
    }
  }
  const skipped: string[] = [];
  for (const name of ["native", "wasm", "js"] as const) {
    try {
      const k = LOADERS[name]();
      const reason = skipped.length > 0 ? skipped.join("; ") : undefined;
      return { info: { name, description: k.description, reason, ...warningOf(k) }, kernels: k };
    } catch (err) {
      skipped.push(`${name} skipped: ${message(err)}`);
    }
  }
  throw new BackendError(`expected the js engine to load, got: ${skipped.join("; ")}`); // unreachable: js always loads
}

function warningOf(k: Kernels): { warning?: string } {
  return k.warning === undefined ? {} : { warning: k.warning };
}

function parseName(value: string, source: string): EngineName {
  if ((ENGINE_NAMES as readonly string[]).includes(value)) return value as EngineName;
  throw new BackendError(`${source}: expected one of ${ENGINE_NAMES.join(", ")}, got '${value}'`);
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0].trim().replace(/\.$/, "");
}
