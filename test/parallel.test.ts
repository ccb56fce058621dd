/**
 * The native engine's elementwise passes on every core (lib/csrc/parallel.c): the pool has
 * OpenBLAS's thread count (1 with OPENBLAS_NUM_THREADS=1 or SEQLAB_PARALLEL=0), and the
 * kernels it splits — Adam, SGD, softmax cross-entropy and the fused output layer, forward and
 * backward — give bit-identical arrays with one thread and with the pool (their sums of the
 * loss differ only in the order of float64 additions). test/engine-kernels.test.ts checks the
 * same kernels against their references at sizes that split. Skipped where the native engine
 * is not built.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { nativeSkip } from "./helpers/native-skip.js";

const ROOT = path.resolve(import.meta.dirname, "..");
const HELPER = path.join(ROOT, "test", "helpers", "parallel-run.ts");

type Run = { parallel: number; threads: number; softmaxSums: number[]; linearSums: number[] } & Record<string, string>;

function run(env: Record<string, string | undefined>): Run {
  const e: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete e[key];
  const r = spawnSync(process.execPath, ["--import", "tsx", HELPER], { cwd: ROOT, env: e, encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Run;
}

describe("the native engine's elementwise passes on every core", { skip: nativeSkip() }, () => {
  const pooled = run({ SEQLAB_PARALLEL: undefined, OPENBLAS_NUM_THREADS: undefined });
  const serial = run({ SEQLAB_PARALLEL: "0", OPENBLAS_NUM_THREADS: undefined });

  test("the pool has OpenBLAS's thread count; SEQLAB_PARALLEL=0 and OPENBLAS_NUM_THREADS=1 make it one thread", () => {
    assert.equal(pooled.parallel, Math.min(pooled.threads, 8));
    if (os.availableParallelism() >= 2) assert.ok(pooled.parallel >= 2, `expected a pool of ≥ 2 threads on ${os.availableParallelism()} CPUs, got ${pooled.parallel}`);
    assert.equal(serial.parallel, 1);
    assert.equal(run({ SEQLAB_PARALLEL: undefined, OPENBLAS_NUM_THREADS: "1" }).parallel, 1);
  });

  test("Adam, SGD, softmax cross-entropy and the output layer: the same arrays with one thread and with the pool", () => {
    const arrays = Object.keys(pooled).filter((key) => typeof pooled[key] === "string");
    assert.ok(arrays.length >= 9, `expected every output hashed, got ${arrays.join(", ")}`);
    for (const key of arrays) assert.equal(pooled[key], serial[key], key);
    for (const key of ["softmaxSums", "linearSums"] as const) {
      assert.equal(pooled[key][1], serial[key][1], `${key}: the count`);
      assert.ok(Math.abs(pooled[key][0] - serial[key][0]) <= 1e-12 * Math.abs(serial[key][0]), `${key}: ${pooled[key][0]} vs ${serial[key][0]}`);
    }
  });
});
