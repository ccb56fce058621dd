/**
 * The native engine's OpenBLAS core: which one runs, the warning when it is an old one on a
 * CPU with AVX2, and the remedy that sets OPENBLAS_CORETYPE before the addon loads
 * (lib/src/engine/blas_core.ts, native.ts).
 *
 * The decision logic is tested with faked core names and CPU flags. The remedy itself runs in
 * child processes on this machine's real OpenBLAS: SEQLAB_BLAS_DETECTED_CORE fakes what OpenBLAS
 * detected (a machine where it detects Prescott is not at hand), and the engine line and
 * OpenBLAS's own `openblas_get_corename()` must then show the core seqlab set.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { bestCoreFor, blasCoreWarning, cpuFlags, isPreAvx2Core, planBlasCore } from "../lib/src/engine/blas_core.js";

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Flags lines as /proc/cpuinfo prints them (shortened), for three kinds of CPU. */
const XEON_AVX512 = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum\nflags\t\t: fpu sse sse2 ssse3 sse4_1 sse4_2 avx fma avx2 avx512f avx512dq avx512cd avx512bw avx512vl\n\nprocessor\t: 1\nflags\t\t: fpu\n";
const AVX2_ONLY = "flags\t\t: fpu sse sse2 avx fma avx2 bmi2\n";
const AVX_ONLY = "flags\t\t: fpu sse sse2 avx\n";

describe("blas_core: decisions with faked core names and CPU flags", () => {
  test("cpuFlags reads the first processor's flags; none without a flags line", () => {
    const f = cpuFlags(XEON_AVX512);
    assert.ok(f.has("avx512bw") && f.has("fma") && f.has("fpu"));
    assert.equal(f.size, 14);
    assert.equal(cpuFlags("model name: x\n").size, 0);
    assert.equal(cpuFlags(undefined).size, 0);
  });

  test("bestCoreFor: SkylakeX needs all five AVX-512 subsets, Haswell avx2 + fma", () => {
    assert.equal(bestCoreFor(cpuFlags(XEON_AVX512)), "SkylakeX");
    assert.equal(bestCoreFor(cpuFlags(AVX2_ONLY)), "Haswell");
    assert.equal(bestCoreFor(cpuFlags(AVX_ONLY)), undefined);
    assert.equal(bestCoreFor(new Set(["avx2", "fma", "avx512f", "avx512cd", "avx512dq", "avx512vl"])), "Haswell", "no avx512bw: not SkylakeX");
    assert.equal(bestCoreFor(new Set(["avx2"])), undefined, "avx2 without fma");
  });

  test("isPreAvx2Core: Prescott, Core2, Nehalem, Sandybridge are old; Haswell, Zen, SkylakeX, Cooperlake are not", () => {
    for (const c of ["Prescott", "prescott", "Core2", "Nehalem", "Sandybridge", "Katmai", "Barcelona"]) assert.ok(isPreAvx2Core(c), c);
    for (const c of ["Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids", ""]) assert.ok(!isPreAvx2Core(c), c);
  });

  test("planBlasCore: sets a core only when the variable is unset, OpenBLAS detected an old core and the flags prove a better one", () => {
    const xeon = cpuFlags(XEON_AVX512);
    assert.deepEqual(planBlasCore(undefined, "Prescott", xeon), { coretype: "SkylakeX", note: "set by seqlab over Prescott" });
    assert.deepEqual(planBlasCore(undefined, "Nehalem", cpuFlags(AVX2_ONLY)), { coretype: "Haswell", note: "set by seqlab over Nehalem" });
    // the user's variable is never overridden, whatever it says
    assert.deepEqual(planBlasCore("Prescott", "Prescott", xeon), { note: "from OPENBLAS_CORETYPE" });
    assert.deepEqual(planBlasCore("", "Prescott", xeon), { note: "from OPENBLAS_CORETYPE" });
    // a right detection is left alone; so is an old core on a CPU without AVX2, and an unknown detection
    assert.deepEqual(planBlasCore(undefined, "Cooperlake", xeon), {});
    assert.deepEqual(planBlasCore(undefined, "Haswell", xeon), {});
    assert.deepEqual(planBlasCore(undefined, "Sandybridge", cpuFlags(AVX_ONLY)), {});
    assert.deepEqual(planBlasCore(undefined, undefined, xeon), {});
  });

  test("blasCoreWarning: one line naming the fix for an old core on a CPU with AVX2, nothing otherwise", () => {
    const w = blasCoreWarning("Prescott", cpuFlags(XEON_AVX512));
    assert.ok(w !== undefined);
    assert.ok(!w.includes("\n"));
    assert.match(w, /^seqlab: warning: OpenBLAS runs its generic Prescott kernels on a CPU with AVX-512/);
    assert.match(w, /set OPENBLAS_CORETYPE=SkylakeX/);
    assert.match(blasCoreWarning("Core2", cpuFlags(AVX2_ONLY)) ?? "", /CPU with AVX2.*OPENBLAS_CORETYPE=Haswell/);
    assert.equal(blasCoreWarning("SkylakeX", cpuFlags(XEON_AVX512)), undefined);
    assert.equal(blasCoreWarning("Prescott", cpuFlags(AVX_ONLY)), undefined, "nothing better to run");
    assert.equal(blasCoreWarning("", cpuFlags(XEON_AVX512)), undefined, "not OpenBLAS");
  });
});

/** Why the remedy cannot be run here, or undefined. */
function remedySkip(): string | undefined {
  try {
    const status = JSON.parse(fs.readFileSync(path.join(ROOT, "lib", "build", "native-status.json"), "utf8")) as { ok?: boolean; probe?: string };
    if (status.ok !== true || status.probe !== "openblas") return "the native engine is not built against OpenBLAS";
  } catch {
    return "the native engine is not built";
  }
  const best = bestCoreFor(cpuFlags(fs.existsSync("/proc/cpuinfo") ? fs.readFileSync("/proc/cpuinfo", "utf8") : undefined));
  return best === undefined ? "this CPU has no AVX2: no better core to set" : undefined;
}

/** Runs initEngine({ engine: "native" }) in a child with `env` changes; returns its output and the OpenBLAS core it ran. */
function engineChild(env: Record<string, string | undefined>): { stdout: string; stderr: string; coreEnv: string } {
  const script = `
    import { initEngine } from ${JSON.stringify(path.join(ROOT, "lib", "src", "engine", "engine.ts"))};
    initEngine({ engine: "native" });
    console.log("OPENBLAS_CORETYPE=" + (process.env.OPENBLAS_CORETYPE ?? "(unset)"));`;
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete childEnv[k];
    else childEnv[k] = v;
  }
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, env: childEnv, encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return { stdout: r.stdout, stderr: r.stderr, coreEnv: /OPENBLAS_CORETYPE=(.*)/.exec(r.stdout)?.[1] ?? "" };
}

describe("blas_core: the remedy on this machine's OpenBLAS", { skip: remedySkip() }, () => {
  const best = bestCoreFor(cpuFlags(fs.readFileSync("/proc/cpuinfo", "utf8")))!;

  test("OpenBLAS 'detected' Prescott (faked), variable unset: seqlab sets the best proven core and OpenBLAS runs it", () => {
    const r = engineChild({ OPENBLAS_CORETYPE: undefined, SEQLAB_BLAS_DETECTED_CORE: "Prescott" });
    // the core name in the line is openblas_get_corename() after loading: OpenBLAS took the variable
    assert.match(r.stdout, new RegExp(`engine native \\(OpenBLAS [^,]+, core ${best} set by seqlab over Prescott, \\d+ threads?, simd (base|avx2|avx512)\\)`));
    assert.equal(r.coreEnv, best);
    assert.doesNotMatch(r.stderr, /warning/);
  });

  test("the user's OPENBLAS_CORETYPE=Prescott is kept, named in the line, and warned about with the fix", () => {
    const r = engineChild({ OPENBLAS_CORETYPE: "Prescott", SEQLAB_BLAS_DETECTED_CORE: "Prescott" });
    assert.match(r.stdout, /core Prescott from OPENBLAS_CORETYPE/);
    assert.equal(r.coreEnv, "Prescott");
    const warnings = r.stderr.split("\n").filter((l) => l.includes("warning"));
    assert.equal(warnings.length, 1, r.stderr);
    assert.match(warnings[0]!, new RegExp(`set OPENBLAS_CORETYPE=${best}`));
  });

  test("without the variable: OpenBLAS's own core if it has AVX2 kernels, else the remedy's; never a warning", () => {
    const r = engineChild({ OPENBLAS_CORETYPE: undefined, SEQLAB_BLAS_DETECTED_CORE: undefined });
    const m = /core (\w+)( set by seqlab over (\w+))?,/.exec(r.stdout);
    assert.ok(m !== null, r.stdout);
    assert.ok(!isPreAvx2Core(m[1]!), `OpenBLAS runs ${m[1]}: ${r.stdout}`);
    if (m[3] !== undefined) assert.ok(isPreAvx2Core(m[3]), `seqlab replaced a good detection (${m[3]})`);
    else assert.equal(r.coreEnv, "(unset)", "a right detection leaves the environment alone");
    assert.doesNotMatch(r.stderr, /warning/);
  });

  test("coreWorks: a real core passes its sgemm check; a core OpenBLAS does not know fails", async () => {
    const { coreWorks } = await import("../lib/src/engine/native.js");
    assert.equal(coreWorks(best), true);
    assert.equal(coreWorks("NoSuchCore"), false);
  });
});
