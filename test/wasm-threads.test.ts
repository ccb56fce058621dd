/**
 * The wasm engine's GEMM on more than two threads (lib/src/engine/wasm.ts): SEQLAB_WASM_THREADS
 * sets the threads (default: the CPUs Node may use, at most 8), a product is split into one
 * strip per thread, and every strip is computed right — here with 3 threads, so strips are
 * uneven and one thread has more than a core to itself on a 2-core machine — and a bad value
 * is a clear error. Each case runs test/helpers/wasm-threads-run.ts in its own process.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const HELPER = path.join(ROOT, "test", "helpers", "wasm-threads-run.ts");

function run(threads: string | undefined): { threads?: number; description?: string; failures?: string[]; error?: string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (threads === undefined) delete env.SEQLAB_WASM_THREADS;
  else env.SEQLAB_WASM_THREADS = threads;
  const r = spawnSync(process.execPath, ["--import", "tsx", HELPER], { cwd: ROOT, env, encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

test("SEQLAB_WASM_THREADS=3: three threads, every strip of split products right (columns, rows, all transposes)", () => {
  const r = run("3");
  assert.equal(r.error, undefined);
  assert.equal(r.threads, 3);
  assert.match(r.description!, /, 3 threads for gemm\)$/);
  assert.deepEqual(r.failures, []);
});

test("the default is the CPUs Node may use, at most 8; SEQLAB_WASM_THREADS=1 runs one thread", () => {
  const want = Math.min(8, os.availableParallelism());
  const r = run(undefined);
  assert.equal(r.threads, want);
  assert.deepEqual(r.failures, []);
  const one = run("1");
  assert.equal(one.threads, 1);
  assert.match(one.description!, /, 1 thread\)$/);
  assert.deepEqual(one.failures, []);
});

test("a SEQLAB_WASM_THREADS that is not an integer from 1 to 16 is a BackendError naming it", () => {
  for (const bad of ["0", "17", "two", "1.5"]) {
    assert.equal(run(bad).error, `BackendError: wasm kernels: expected SEQLAB_WASM_THREADS an integer from 1 to 16, got "${bad}"`);
  }
});
