/**
 * The native engine's copies of the elementwise kernels (lib/csrc/simd_*.c, picked by
 * lib/csrc/simd_dispatch.c): every copy this CPU can run passes the whole kernel suite
 * (test/engine-kernels.test.ts: LSTM, GRU, RNN forward and backward against tfjs, softmax
 * cross-entropy and the fused output layer against their references, run in a child with
 * SEQLAB_SIMD set); unset picks the widest the CPU has (its /proc/cpuinfo flags), a wider one
 * than the CPU has falls back to that, and an unknown name is a clear error. Skipped where the
 * native engine is not built.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { nativeSkip } from "./helpers/native-skip.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const COPIES = ["base", "avx2", "avx512"] as const;

/** The widest copy the CPU's flags allow (what the dispatcher must pick by itself). */
function widest(): (typeof COPIES)[number] {
  const text = fs.existsSync("/proc/cpuinfo") ? fs.readFileSync("/proc/cpuinfo", "utf8") : "";
  const flags = new Set((/^flags\s*:(.*)$/m.exec(text)?.[1] ?? "").trim().split(/\s+/));
  return flags.has("avx512f") ? "avx512" : flags.has("avx2") ? "avx2" : "base";
}

/** Runs `code` (an ES module) in a child with SEQLAB_SIMD = simd (undefined: unset). */
function child(args: string[], simd: string | undefined): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // else a child `node --test` reports to this runner instead of its stdout
  if (simd === undefined) delete env.SEQLAB_SIMD;
  else env.SEQLAB_SIMD = simd;
  const r = spawnSync(process.execPath, ["--import", "tsx", ...args], { cwd: ROOT, env, encoding: "utf8", timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const describeLine = `import { loadNativeKernels } from ${JSON.stringify(path.join(ROOT, "lib", "src", "engine", "native.ts"))};
  try { console.log(loadNativeKernels().description); } catch (e) { console.log("ERROR " + e.constructor.name + ": " + e.message); }`;
const simdOf = (simd: string | undefined): string => {
  const out = child(["--input-type=module", "-e", describeLine], simd).stdout;
  return /simd (\w+)\)/.exec(out)?.[1] ?? out.trim();
};

describe("the native engine's SIMD copies", { skip: nativeSkip() }, () => {
  const best = widest();
  const runnable = COPIES.slice(0, COPIES.indexOf(best) + 1);

  test(`unset, the dispatcher picks the widest copy the CPU has (${best} here), and the engine line names it`, () => {
    assert.equal(simdOf(undefined), best);
  });

  test("SEQLAB_SIMD picks a copy; one wider than the CPU has falls back to the widest it has", () => {
    for (const c of COPIES) assert.equal(simdOf(c), runnable.includes(c) ? c : best, `SEQLAB_SIMD=${c}`);
  });

  test("an unknown SEQLAB_SIMD is a BackendError naming the choices", () => {
    const out = child(["--input-type=module", "-e", describeLine], "sse9").stdout;
    assert.match(out, /^ERROR BackendError: native kernels: expected SEQLAB_SIMD one of base, avx2, avx512 \(or unset: the widest the CPU has\), got "sse9"/);
  });

  for (const c of COPIES.filter((c) => c !== best)) { // the default copy: test/engine-kernels.test.ts itself runs it
    const skip = !runnable.includes(c) ? `this CPU has no ${c}` : undefined;
    test(`SEQLAB_SIMD=${c}: the whole kernel suite passes (test/engine-kernels.test.ts in a child)`, { skip }, () => {
      const r = child(["--test", "--test-reporter=tap", path.join("test", "engine-kernels.test.ts")], c);
      assert.equal(r.status, 0, r.stdout.slice(-3000) + r.stderr);
      assert.match(r.stdout, /^# fail 0$/m);
      assert.match(r.stdout, /^# skipped 0$/m, "the native kernels must load in the child");
      assert.ok(Number(/^# pass (\d+)$/m.exec(r.stdout)?.[1]) > 100, "the suite ran");
    });
  }
});
