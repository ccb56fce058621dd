/**
 * Backend selection (lib/src/backend/backend.ts). tfjs backends are process-global, so each
 * scenario runs test/fixtures/backend/init_backend.ts in a fresh `node --import tsx`
 * process, with cwd = test/fixtures/backend (not the repo root: the .wasm binaries must be
 * found whatever the cwd, as when a notebook runs in notebooks/).
 *
 * Most scenarios preload block_tfjs_node.cjs, so `@tensorflow/tfjs-node` fails to load as on
 * a clean install here, whatever state node_modules is in; one scenario uses the real
 * node_modules and expects whatever it can actually load.
 *
 * The engine is chosen with the backend (engine/engine.ts). Most scenarios pin
 * SEQLAB_ENGINE=tfjs (no engine), which leaves the stock order tensorflow > wasm > cpu; the
 * default scenarios leave it unset and expect the seqlab backend with the best engine.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { execFile, spawnSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs";

const fixtures = path.resolve(import.meta.dirname, "fixtures", "backend");
const driver = path.join(fixtures, "init_backend.ts");
const blockTfjsNode = path.join(fixtures, "block_tfjs_node.cjs");
const version = tf.version_core;
const absent = "Cannot find module '@tensorflow/tfjs-node'";

interface Child {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Lines printed by initBackend. */
  banners: string[];
  /** The driver's `RESULT` lines, parsed. */
  results: Array<{
    ok: boolean;
    info?: Record<string, unknown>;
    sameAsFirst?: boolean;
    sameAsBackendInfo?: boolean;
    error?: { name: string; message: string };
  }>;
  before: { backendInfo: unknown };
  final?: { tfBackend: string; dE: number[][]; registered: boolean };
}

/** Runs the driver with the given steps, SEQLAB_BACKEND (undefined: unset) and SEQLAB_ENGINE (default "tfjs"; null: unset). */
function run(steps: unknown[], seqlabBackend?: string, opts: { blockTfjsNode?: boolean; engine?: string | null } = {}): Promise<Child> {
  const env = { ...process.env };
  delete env.SEQLAB_BACKEND;
  delete env.SEQLAB_ENGINE;
  if (seqlabBackend !== undefined) env.SEQLAB_BACKEND = seqlabBackend;
  const engine = opts.engine === undefined ? "tfjs" : opts.engine;
  if (engine !== null) env.SEQLAB_ENGINE = engine;
  const preload = opts.blockTfjsNode === false ? [] : ["--require", blockTfjsNode];
  const args = [...preload, "--import", "tsx", driver, JSON.stringify(steps)];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: fixtures, env, timeout: 60_000 }, (err, stdout, stderr) => {
      const lines = stdout.split("\n");
      const tagged = (tag: string) => lines.filter((l) => l.startsWith(`${tag} `)).map((l) => JSON.parse(l.slice(tag.length + 1)));
      resolve({
        code: err === null ? 0 : typeof err.code === "number" ? err.code : null,
        stdout,
        stderr,
        banners: lines.filter((l) => l.startsWith("seqlab:")),
        results: tagged("RESULT"),
        before: tagged("BEFORE")[0],
        final: tagged("FINAL")[0],
      });
    });
  });
}

/** Asserts the child exited cleanly, showing its output if not. */
function assertClean(child: Child): void {
  assert.equal(child.code, 0, `child failed:\n${child.stdout}\n${child.stderr}`);
}

/** The engine part of every banner and info with SEQLAB_ENGINE=tfjs. */
const noEngine = { name: "tfjs", description: "tfjs (reference ops, no engine)", reason: "forced by SEQLAB_ENGINE=tfjs" };
const noEngineBanner = "engine tfjs (reference ops, no engine) (forced by SEQLAB_ENGINE=tfjs)";
const seqlabSkipped = "seqlab skipped: no engine (SEQLAB_ENGINE=tfjs): the seqlab backend needs the engine's GEMM";

/** d/dE sum(gather(E, [2, 0, 2])) for E of shape [3, 2]: row v counts how often v is named. */
const gatherGrad = [[1, 1], [0, 0], [2, 2]];

describe("initBackend", { concurrency: 2 }, () => {
  test("by default picks the seqlab backend with the best engine when tfjs-node is absent, and prints one line", async () => {
    const child = await run([{}], undefined, { engine: null });
    assertClean(child);
    assert.deepEqual(child.before, { backendInfo: null });
    assert.equal(child.banners.length, 1, child.stdout);
    assert.match(child.banners[0], new RegExp(`^seqlab: backend seqlab \\(tfjs-cpu kernels, engine GEMM\\) — tfjs ${version}; engine (native|wasm) \\(.+\\); tensorflow skipped: ${absent}$`));
    const info = child.results[0].info!;
    assert.equal(info.name, "seqlab");
    assert.match((info.engine as { name: string }).name, /^(native|wasm)$/);
    assert.deepEqual(child.final, { tfBackend: "seqlab", dE: gatherGrad, registered: true });
    assert.equal(child.stderr, "");
  });

  test("with no engine (SEQLAB_ENGINE=tfjs) the default is wasm, and the line says why seqlab was skipped", async () => {
    const child = await run([{}]);
    assertClean(child);
    assert.deepEqual(child.banners, [`seqlab: backend wasm (SIMD on, 1 thread) — tfjs ${version}; ${noEngineBanner}; tensorflow skipped: ${absent}; ${seqlabSkipped}`]);
    assert.deepEqual(child.results[0].info, {
      name: "wasm",
      tfjsVersion: version,
      simd: true,
      threads: 1,
      reason: `tensorflow skipped: ${absent}; ${seqlabSkipped}`,
      engine: noEngine,
    });
    assert.deepEqual(child.final, { tfBackend: "wasm", dE: gatherGrad, registered: true });
    assert.equal(child.stderr, "");
  });

  test("with the real node_modules picks tensorflow if tfjs-node loads, else wasm", async () => {
    const loads = spawnSync(process.execPath, ["-e", "require('@tensorflow/tfjs-node')"], { cwd: fixtures }).status === 0;
    const child = await run([{}], undefined, { blockTfjsNode: false });
    assertClean(child);
    assert.equal(child.banners.length, 1, child.stdout);
    const info = child.results[0].info!;
    assert.equal(info.name, loads ? "tensorflow" : "wasm");
    if (!loads) assert.match(String(info.reason), /^tensorflow skipped: \S.*[^.]; seqlab skipped: no engine/);
    assert.deepEqual(child.final?.dE, gatherGrad);
  });

  test("SEQLAB_BACKEND=cpu picks cpu, without tfjs-cpu's install-tfjs-node banner", async () => {
    const child = await run([{}], "cpu");
    assertClean(child);
    assert.deepEqual(child.banners, [`seqlab: backend cpu (plain JavaScript, 1 thread) — tfjs ${version}; ${noEngineBanner}; forced by SEQLAB_BACKEND=cpu`]);
    assert.deepEqual(child.results[0].info, { name: "cpu", tfjsVersion: version, threads: 1, reason: "forced by SEQLAB_BACKEND=cpu", engine: noEngine });
    assert.deepEqual(child.final, { tfBackend: "cpu", dE: gatherGrad, registered: true });
    assert.equal(child.stderr, "");
  });

  test("SEQLAB_BACKEND=wasm picks wasm", async () => {
    const child = await run([{}], "wasm");
    assertClean(child);
    assert.deepEqual(child.banners, [`seqlab: backend wasm (SIMD on, 1 thread) — tfjs ${version}; ${noEngineBanner}; forced by SEQLAB_BACKEND=wasm`]);
    assert.deepEqual(child.final, { tfBackend: "wasm", dE: gatherGrad, registered: true });
  });

  test("SEQLAB_BACKEND=tensorflow fails clearly when tfjs-node cannot load", async () => {
    const child = await run([{}], "tensorflow");
    assertClean(child);
    assert.deepEqual(child.banners, []);
    assert.deepEqual(child.results, [
      {
        ok: false,
        error: {
          name: "BackendError",
          message: `SEQLAB_BACKEND=tensorflow, but @tensorflow/tfjs-node could not be loaded: ${absent}. Unset SEQLAB_BACKEND or use seqlab|wasm|cpu.`,
        },
      },
    ]);
    assert.equal(child.final, undefined, "no backend was chosen");
  });

  test("SEQLAB_BACKEND=bogus fails clearly", async () => {
    const child = await run([{}], "bogus");
    assertClean(child);
    assert.deepEqual(child.banners, []);
    assert.deepEqual(child.results[0].error, {
      name: "BackendError",
      message: "SEQLAB_BACKEND: expected one of tensorflow, seqlab, wasm, cpu, got 'bogus'",
    });
  });

  test("a second call returns the same info without printing; asking for another backend later is an error", async () => {
    const child = await run([{}, {}, { backend: "wasm" }, { backend: "cpu" }, { concurrent: [{}, {}] }]);
    assertClean(child);
    assert.equal(child.banners.length, 1, child.stdout);
    const [first, second, same, other, concurrent] = child.results;
    assert.equal(first.ok, true);
    assert.deepEqual([second.sameAsFirst, second.sameAsBackendInfo], [true, true]);
    assert.deepEqual([same.ok, same.sameAsFirst], [true, true]);
    assert.deepEqual(other.error, {
      name: "BackendError",
      message: "initBackend: expected backend 'wasm' (chosen earlier in this process; tfjs backends are process-wide), got 'cpu'",
    });
    assert.deepEqual([concurrent.ok, concurrent.sameAsFirst], [true, true]);
    assert.equal(child.final?.tfBackend, "wasm", "the failed call changed nothing");
  });

  test("concurrent first calls choose once and print once", async () => {
    const child = await run([{ concurrent: [{}, {}, {}] }], "cpu");
    assertClean(child);
    assert.equal(child.banners.length, 1, child.stdout);
    assert.deepEqual([child.results[0].ok, child.results[0].sameAsBackendInfo], [true, true]);
  });

  test("the backend option wins over SEQLAB_BACKEND; quiet prints nothing", async () => {
    const child = await run([{ backend: "cpu", quiet: true }], "wasm");
    assertClean(child);
    assert.deepEqual(child.banners, []);
    assert.deepEqual(child.results[0].info, {
      name: "cpu",
      tfjsVersion: version,
      threads: 1,
      reason: "forced by initBackend({ backend: 'cpu' })",
      engine: noEngine,
    });
  });

  test("a forced backend that fails decides nothing: a later call may choose again", async () => {
    const child = await run([{ backend: "tensorflow" }, { backend: "gpu" }, {}]);
    assertClean(child);
    assert.deepEqual(
      child.results.map((r) => r.error?.message),
      [
        `initBackend({ backend: 'tensorflow' }), but @tensorflow/tfjs-node could not be loaded: ${absent}. ` +
          "Call initBackend() without a backend or use seqlab|wasm|cpu.",
        "initBackend: backend: expected one of tensorflow, seqlab, wasm, cpu, got 'gpu'",
        undefined,
      ],
    );
    assert.equal(child.results[2].info?.name, "wasm");
    assert.equal(child.banners.length, 1, child.stdout);
  });
});
