/**
 * Which compute backend TensorFlow.js runs on, chosen once per process.
 *
 * Order of preference (first that loads wins):
 *   1. `tensorflow` — @tensorflow/tfjs-node, native TensorFlow (an optional dependency:
 *      its install downloads libtensorflow, so it is often absent);
 *   2. `wasm` — @tensorflow/tfjs-backend-wasm, XNNPACK compiled to WebAssembly, with SIMD
 *      where the runtime has it. In Node tfjs-wasm runs single-threaded (its thread pool
 *      needs a worker made from a blob URL, which Node cannot start; tfjs issue #3830);
 *   3. `cpu` — tfjs-backend-cpu, plain JavaScript.
 * The `seqlab` backend (backend/seqlab_backend.ts) comes second, after `tensorflow`: tfjs-backend-cpu's
 * kernels on plain typed arrays, with the matmuls done by the engine's GEMM and the sequence
 * ops, softmax cross-entropy and Adam by its fused kernels (engine/engine.ts: native
 * OpenBLAS where it was built at install, else SIMD WebAssembly), read without copies.
 * `initBackend` chooses the engine first (`initEngine`, `SEQLAB_ENGINE=native|wasm|js|tfjs`);
 * with `SEQLAB_ENGINE=tfjs` (no engine: the plain tfjs reference ops) `seqlab` is skipped
 * and the order is the stock tfjs one, tensorflow > wasm > cpu.
 * `initBackend({ backend })` or the environment variable `SEQLAB_BACKEND=tensorflow|wasm|cpu|seqlab`
 * forces one (the argument wins over the variable); a forced backend that cannot load is
 * an error, never a silent fallback. The choice is printed as one line, e.g.
 *
 *     seqlab: backend wasm (SIMD on, 1 thread) — tfjs 4.22.0; tensorflow skipped: Cannot find module '@tensorflow/tfjs-node'
 *
 * and seqlab's kernels for that backend are registered (kernels/index.ts).
 */
import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import * as path from "node:path";
import { BackendError } from "../errors.js";
import { getKernels, initEngine, type EngineInfo, type EngineName } from "../engine/engine.js";
import { poolFromEnv } from "./buffer_pool.js";
import { registerKernels } from "./kernels/index.js";
import { ALL_BACKEND_NAMES, BACKEND_NAMES, type BackendName } from "./names.js";
import { registerSeqlabBackend } from "./seqlab_backend.js";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

export { ALL_BACKEND_NAMES, BACKEND_NAMES, type BackendName } from "./names.js";

/** What `initBackend` chose. */
export interface BackendInfo {
  /** The engine of the fused ops (engine/engine.ts), chosen with the backend. */
  readonly engine?: EngineInfo;
  /** The backend tfjs now runs on. */
  readonly name: BackendName;
  /** The version of @tensorflow/tfjs-core, e.g. "4.22.0". */
  readonly tfjsVersion: string;
  /** wasm only: whether the SIMD build of the .wasm binary is in use. */
  readonly simd?: boolean;
  /** wasm and cpu: how many threads compute (1 in Node); unknown for tensorflow. */
  readonly threads?: number;
  /**
   * Why higher-priority backends were not used: "tensorflow skipped: <reason>"
   * (several joined by "; "), or "forced by SEQLAB_BACKEND=cpu" when forced.
   */
  readonly reason?: string;
}

/** Options of `initBackend`. */
export interface InitBackendOptions {
  /** Force this backend. Default: `SEQLAB_BACKEND` if set, else the first that loads. */
  backend?: BackendName;
  /** Force this engine of the fused ops (chosen with the backend). Default: `SEQLAB_ENGINE` if set, else the first that loads. */
  engine?: EngineName;
  /** Do not print the one-line summary. Default: false. */
  quiet?: boolean;
}

/** A backend could not be loaded; `message` is the reason, one line. */
class Unavailable extends Error {}

/** The npm package behind each backend, for messages. */
const PACKAGES: Record<BackendName, string> = {
  tensorflow: "@tensorflow/tfjs-node",
  wasm: "@tensorflow/tfjs-backend-wasm",
  cpu: "@tensorflow/tfjs-backend-cpu",
  seqlab: "@tensorflow/tfjs-backend-cpu (seqlab backend)",
};

let pending: Promise<BackendInfo> | undefined;
let chosen: BackendInfo | undefined;

/**
 * Chooses the compute backend, makes it tfjs's current backend and registers seqlab's
 * kernels for it (see the file comment for the order). Call it once before any model
 * work; later calls return the same info without printing again.
 * @param opts - see `InitBackendOptions`.
 * @returns what was chosen (the same frozen object on every call).
 * @throws BackendError if `SEQLAB_BACKEND` or `opts.backend` is not a backend name, if the
 *   forced backend cannot be loaded, or if a later call asks for a different backend
 *   than the one already chosen.
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  if (opts.backend !== undefined) parseName(opts.backend, "initBackend: backend");
  if (pending === undefined) {
    pending = choose(opts).catch((err: unknown) => {
      pending = undefined; // a failed choice decides nothing: the next call may try again
      throw err;
    });
  }
  const info = await pending;
  if (opts.engine !== undefined) initEngine({ engine: opts.engine, quiet: true }); // throws if another engine was chosen
  if (opts.backend !== undefined && opts.backend !== info.name) {
    throw new BackendError(
      `initBackend: expected backend '${info.name}' (chosen earlier in this process; ` +
        `tfjs backends are process-wide), got '${opts.backend}'`,
    );
  }
  return info;
}

/** The backend `initBackend` chose, or undefined before it has finished. */
export function backendInfo(): BackendInfo | undefined {
  return chosen;
}

/** One line describing `info`, as `initBackend` prints it. */
export function formatBackendInfo(info: BackendInfo): string {
  const details =
    info.name === "wasm"
      ? ` (SIMD ${info.simd ? "on" : "off"}, ${plural(info.threads ?? 1, "thread")})`
      : info.name === "cpu"
        ? ` (plain JavaScript, ${plural(info.threads ?? 1, "thread")})`
        : info.name === "seqlab"
          ? " (tfjs-cpu kernels, engine GEMM)"
          : " (native TensorFlow)";
  const reason = info.reason === undefined ? "" : `; ${info.reason}`;
  const engine = info.engine === undefined ? "" : `; engine ${info.engine.description}${info.engine.reason === undefined ? "" : ` (${info.engine.reason})`}`;
  return `seqlab: backend ${info.name}${details} — tfjs ${info.tfjsVersion}${engine}${reason}`;
}

/** 1. Decide what to try, 2. load it, 3. register kernels, 4. print. */
async function choose(opts: InitBackendOptions): Promise<BackendInfo> {
  const fromEnv = process.env.SEQLAB_BACKEND?.trim();
  let forced: { name: BackendName; source: string } | undefined;
  if (opts.backend !== undefined) {
    forced = { name: opts.backend, source: `initBackend({ backend: '${opts.backend}' })` };
  } else if (fromEnv) {
    const name = parseName(fromEnv, "SEQLAB_BACKEND");
    forced = { name, source: `SEQLAB_BACKEND=${name}` };
  }

  try {
    poolFromEnv(); // SEQLAB_POOL, read when the seqlab backend is made: a bad value is an error here, not a tfjs warning later
  } catch (e) {
    throw new BackendError((e as Error).message);
  }
  const engine = initEngine({ engine: opts.engine, quiet: true });
  let info: BackendInfo;
  if (forced !== undefined) {
    const { name, source } = forced;
    try {
      info = { ...(await load(name)), reason: `forced by ${source}` };
    } catch (err) {
      if (!(err instanceof Unavailable)) throw err;
      const others = BACKEND_NAMES.filter((n) => n !== name).join("|");
      const fix = opts.backend === undefined
        ? `Unset SEQLAB_BACKEND or use ${others}.`
        : `Call initBackend() without a backend or use ${others}.`;
      throw new BackendError(`${source}, but ${PACKAGES[name]} could not be loaded: ${err.message}. ${fix}`);
    }
  } else {
    const skipped: string[] = [];
    let found: BackendInfo | undefined;
    for (const name of BACKEND_NAMES) {
      try {
        found = await load(name);
        break;
      } catch (err) {
        if (!(err instanceof Unavailable)) throw err;
        skipped.push(`${name} skipped: ${err.message}`);
      }
    }
    if (found === undefined) {
      throw new BackendError(`expected one of ${BACKEND_NAMES.join(", ")} to load, got none: ${skipped.join("; ")}`);
    }
    info = skipped.length > 0 ? { ...found, reason: skipped.join("; ") } : found;
  }

  registerKernels(info.name);
  chosen = Object.freeze({ ...info, engine });
  if (!opts.quiet) console.log(formatBackendInfo(chosen));
  return chosen;
}

/** Loads one backend and makes it current; throws `Unavailable` with the reason. */
async function load(name: BackendName): Promise<BackendInfo> {
  const base = { name, tfjsVersion: tf.version_core };
  switch (name) {
    case "tensorflow": {
      try {
        require("@tensorflow/tfjs-node"); // registers the 'tensorflow' backend on import
      } catch (err) {
        throw new Unavailable(firstLine(err));
      }
      if (tf.findBackendFactory("tensorflow") === null) {
        throw new Unavailable(
          "it loaded, but registered no 'tensorflow' backend with this @tensorflow/tfjs " +
            `${tf.version_core} (a different tfjs version, or a shim)`,
        );
      }
      await setBackend(name);
      return base;
    }
    case "wasm": {
      let wasm: typeof import("@tensorflow/tfjs-backend-wasm");
      try {
        wasm = require("@tensorflow/tfjs-backend-wasm"); // registers the 'wasm' backend on import
      } catch (err) {
        throw new Unavailable(firstLine(err));
      }
      // Node reads the .wasm binaries from disk: point tfjs at the package's dist/ so
      // they are found whatever the cwd (notebooks run in notebooks/).
      const dist = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm"));
      const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true;
      const binary = path.join(dist, simd ? "tfjs-backend-wasm-simd.wasm" : "tfjs-backend-wasm.wasm");
      if (!fs.existsSync(binary)) throw new Unavailable(`expected ${binary} to exist, got no such file`);
      wasm.setWasmPaths(dist + path.sep);
      await setBackend(name);
      return { ...base, simd, threads: wasm.getThreadsCount() };
    }
    case "seqlab": {
      if (getKernels() === null) throw new Unavailable("no engine (SEQLAB_ENGINE=tfjs): the seqlab backend needs the engine's GEMM");
      registerSeqlabBackend();
      await setBackend(name);
      return { ...base, threads: 1 };
    }
    case "cpu": {
      await setBackend(name);
      // tfjs-cpu prints a multi-line "install tfjs-node" banner on its first tensor;
      // seqlab's own line already says which backend runs and why.
      (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
      return { ...base, threads: 1 };
    }
  }
}

/**
 * tf.setBackend, but a failure throws `Unavailable` with tfjs's reason instead of
 * printing "Initialization of backend … failed" and returning false.
 */
async function setBackend(name: BackendName): Promise<void> {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => warnings.push(args.map(String).join(" "));
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (err) {
    throw new Unavailable(firstLine(err));
  } finally {
    console.warn = warn;
  }
  if (!ok || tf.getBackend() !== name) {
    const why = warnings.filter((w) => !w.startsWith("Initialization of backend"));
    throw new Unavailable(why.length > 0 ? firstLine(why[0]) : `tf.setBackend('${name}') returned false`);
  }
  for (const w of warnings) warn(w); // not ours to swallow
}

/** Checks a backend name from the user. */
function parseName(value: string, source: string): BackendName {
  if ((ALL_BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendName;
  throw new BackendError(`${source}: expected one of ${ALL_BACKEND_NAMES.join(", ")}, got '${value}'`);
}

/**
 * The first line of an error's message, without a final period (Node's "Cannot find
 * module" adds a require stack; tfjs-node adds advice on how to rebuild).
 */
function firstLine(err: unknown): string {
  const message =
    err instanceof Error ? err.message : typeof err === "object" && err !== null && "message" in err
      ? String((err as { message: unknown }).message)
      : String(err);
  return message.split("\n")[0].trim().replace(/\.$/, "");
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
