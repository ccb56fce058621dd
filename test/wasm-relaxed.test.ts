/**
 * The two committed WebAssembly builds (lib/src/engine/wasm.ts): the relaxed-SIMD one (the
 * GEMM's fused multiply-adds) where the runtime compiles it, else the SIMD128 one. Whichever
 * this runtime picks by itself, the other is run through the whole kernel suite
 * (test/engine-kernels.test.ts) in a child: SEQLAB_WASM_RELAXED=0 where relaxed SIMD is on
 * (Node ≥ 22), `--experimental-wasm-relaxed-simd` with SEQLAB_WASM_RELAXED=1 where it is off
 * (Node 20). So both builds are checked against the references on every Node version.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { WASM_RELAXED_PATH } from "../lib/src/engine/wasm.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Whether this runtime compiles the relaxed build. */
function relaxedHere(): boolean {
  try {
    new WebAssembly.Module(fs.readFileSync(WASM_RELAXED_PATH));
    return true;
  } catch {
    return false;
  }
}

function child(nodeFlags: string[], args: string[], relaxed: string | undefined): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // a child `node --test` reports to its stdout, not to this runner
  if (relaxed === undefined) delete env.SEQLAB_WASM_RELAXED;
  else env.SEQLAB_WASM_RELAXED = relaxed;
  const r = spawnSync(process.execPath, [...nodeFlags, "--import", "tsx", ...args], { cwd: ROOT, env, encoding: "utf8", timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const describeLine = `import { loadWasmKernels } from ${JSON.stringify(path.join(ROOT, "lib", "src", "engine", "wasm.ts"))};
  try { console.log(loadWasmKernels().description); } catch (e) { console.log("ERROR " + e.constructor.name + ": " + e.message); } process.exit(0);`;

describe("the wasm engine's two builds", () => {
  const here = relaxedHere();

  test(`unset, this runtime runs the ${here ? "relaxed-SIMD" : "SIMD128"} build, and the engine line says which`, () => {
    const out = child([], ["--input-type=module", "-e", describeLine], undefined).stdout;
    assert.match(out, here ? /^wasm \(SIMD128 \+ relaxed FMA, / : /^wasm \(SIMD128, /);
  });

  test("SEQLAB_WASM_RELAXED=0 runs the SIMD128 build; a value other than 0 or 1 is a BackendError", () => {
    assert.match(child([], ["--input-type=module", "-e", describeLine], "0").stdout, /^wasm \(SIMD128, /);
    assert.match(child([], ["--input-type=module", "-e", describeLine], "yes").stdout, /^ERROR BackendError: wasm kernels: expected SEQLAB_WASM_RELAXED 0 \(the SIMD128 build\) or 1/);
  });

  test(`the other build passes the whole kernel suite (${here ? "SEQLAB_WASM_RELAXED=0" : "--experimental-wasm-relaxed-simd, SEQLAB_WASM_RELAXED=1"}, in a child)`, () => {
    const flags = here ? [] : ["--experimental-wasm-relaxed-simd"];
    const which = here ? "0" : "1";
    const line = child(flags, ["--input-type=module", "-e", describeLine], which).stdout;
    assert.match(line, here ? /^wasm \(SIMD128, / : /^wasm \(SIMD128 \+ relaxed FMA, /, "the child runs the other build");
    const r = child(flags, ["--test", "--test-reporter=tap", path.join("test", "engine-kernels.test.ts")], which);
    assert.equal(r.status, 0, r.stdout.slice(-3000) + r.stderr);
    assert.match(r.stdout, /^# fail 0$/m);
    assert.ok(Number(/^# pass (\d+)$/m.exec(r.stdout)?.[1]) > 100, "the suite ran");
  });
});
