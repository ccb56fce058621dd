/**
 * The first cell of every notebook: `const env = await setupNotebook();`
 *
 * It chooses the compute backend (once per process), seeds the random generator, and
 * prints what the run depends on — backend, versions, profile and seed — so every
 * executed notebook records how its numbers were produced.
 */
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initBackend, type BackendInfo } from "../backend/backend.js";
import { profile, type Profile } from "./profile.js";
import { getSeed, setSeed } from "../random.js";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

/** What a notebook run depends on. */
export interface Environment {
  seqlab: string;
  tfjs: string;
  backend: BackendInfo;
  node: string;
  /** tslab's version when running in the tslab kernel, else undefined. */
  tslab?: string;
  profile: Profile;
  seed: number;
}

/** Options of {@link setupNotebook}. */
export interface SetupOptions {
  /** Seed for the run. Default: `SEQLAB_SEED`, else 42. */
  seed?: number;
  /** Print the environment line. Default: true. */
  print?: boolean;
}

/** Chooses the backend, seeds the generator and prints the environment (see file comment). */
export async function setupNotebook(options: SetupOptions = {}): Promise<Environment> {
  const backend = await initBackend({ quiet: true });
  setSeed(options.seed ?? getSeed());
  const env: Environment = {
    seqlab: packageVersion(path.join(here, "..", "..", "package.json")) ?? "unknown",
    tfjs: tf.version.tfjs,
    backend,
    node: process.version,
    tslab: tslabVersion(),
    profile: profile(),
    seed: getSeed(),
  };
  if (options.print ?? true) console.log(describeEnvironment(env));
  return env;
}

/**
 * One line, e.g. `seqlab 0.1.0 · tfjs 4.22.0 (seqlab) · engine native (OpenBLAS 0.3.21, 2 threads) · node v20 · tslab 1.0.22 · profile ci · seed 42`
 * or, without an engine, `… · tfjs 4.22.0 (wasm, SIMD, 1 thread) · engine none (tfjs reference ops) · …`.
 */
export function describeEnvironment(env: Environment): string {
  const b = env.backend;
  const threads = b.threads === undefined || b.name === "seqlab" ? undefined : `${b.threads} thread${b.threads === 1 ? "" : "s"}`; // seqlab: the engine's threads
  const details = [b.name, b.simd === undefined ? undefined : b.simd ? "SIMD" : "no SIMD", threads]
    .filter((d) => d !== undefined)
    .join(", ");
  const engine = b.engine === undefined ? undefined : b.engine.name === "tfjs" ? "engine none (tfjs reference ops)" : `engine ${b.engine.description}`;
  const parts = [`seqlab ${env.seqlab}`, `tfjs ${env.tfjs} (${details})`, ...(engine === undefined ? [] : [engine]), `node ${env.node}`];
  if (env.tslab) parts.push(`tslab ${env.tslab}`);
  parts.push(`profile ${env.profile}`, `seed ${env.seed}`);
  return parts.join(" · ");
}

function tslabVersion(): string | undefined {
  const main = require.main?.filename;
  if (!main || !/[\\/]tslab[\\/]bin[\\/]tslab(\.js)?$/.test(main)) return undefined;
  return packageVersion(path.join(path.dirname(main), "..", "package.json"));
}

function packageVersion(file: string): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(file) as { version?: string }).version;
  } catch {
    return undefined;
  }
}
