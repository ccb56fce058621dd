/**
 * Determinism: the same seed, backend and engine give bit-identical losses and weights in
 * two runs (two separate processes, test/helpers/determinism-run.ts), for a small LSTM LM
 * (SGD, clipping, word dropout, carried state) and a small biLSTM-CRF tagger (Adam, padded
 * sentences), on every engine this machine has.
 *
 * Across engines the results are *not* bit-identical: each engine sums its GEMMs and
 * reductions in its own order (OpenBLAS's blocked kernels, the wasm SIMD kernel's 4-lane
 * partial sums, plain js loops, tfjs's own ops), so float32 rounding differs in the last
 * bits. They agree to float32 precision; the test bounds the relative difference of every
 * step's loss (measured: ≤ 1.5e-6 over these runs).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const WORKER = path.join(import.meta.dirname, "helpers", "determinism-run.ts");

interface Run {
  engine: string;
  losses: string[];
  weights: string;
}

function run(kind: "lm" | "tagger", engine: string, seed: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SEQLAB_")));
    const child = spawn(process.execPath, ["--import", "tsx", WORKER, kind, engine, String(seed)], { cwd: ROOT, env });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out) as Run) : reject(new Error(`${kind} on ${engine}: exit ${code}\n${err}`))));
  });
}

const float = (hex: string) => Buffer.from(hex, "hex").readFloatLE(0);

/** The engines to test: native only where `npm install` built it. */
function engines(): string[] {
  const status = path.join(ROOT, "lib", "build", "native-status.json");
  const native = fs.existsSync(status) && (JSON.parse(fs.readFileSync(status, "utf8")) as { ok?: boolean }).ok === true;
  return [...(native ? ["native"] : []), "wasm", "js", "tfjs"];
}

for (const kind of ["lm", "tagger"] as const) {
  describe(`determinism of the ${kind === "lm" ? "LSTM LM" : "biLSTM-CRF tagger"}`, () => {
    const firsts = new Map<string, Run>();
    for (const engine of engines()) {
      test(`engine ${engine}: two runs with seed 7 are bit-identical; seed 8 differs`, async () => {
        const [a, b, other] = await Promise.all([run(kind, engine, 7), run(kind, engine, 7), run(kind, engine, 8)]);
        assert.equal(a.engine, engine);
        assert.ok(a.losses.length >= 30, `expected at least 30 steps, got ${a.losses.length}`);
        assert.deepEqual(b.losses, a.losses);
        assert.equal(b.weights, a.weights);
        assert.notEqual(other.weights, a.weights, "another seed must give other weights");
        assert.notDeepEqual(other.losses, a.losses);
        firsts.set(engine, a);
      });
    }
    test("engines agree to float32 precision, step by step", () => {
      const runs = [...firsts.values()];
      assert.ok(runs.length >= 2, "the per-engine tests ran");
      for (const r of runs.slice(1)) {
        assert.equal(r.losses.length, runs[0].losses.length);
        r.losses.forEach((h, i) => {
          const [x, y] = [float(h), float(runs[0].losses[i])];
          assert.ok(Math.abs(x - y) <= 1e-5 * Math.abs(y), `step ${i + 1}: ${r.engine} ${x} vs ${runs[0].engine} ${y}`);
        });
      }
    });
  });
}
