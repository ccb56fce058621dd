/**
 * The seqlab backend's pool of big float32 arrays (lib/src/backend/buffer_pool.ts): its
 * states (out, bound, free, escaped) on their own; on the backend, that no array anybody
 * can still see is ever handed out again (a property over random programs of matmuls,
 * slices, reshapes, clones, reads and disposals), that recycled outputs that must start at
 * zero do; and that training with the pool is bit-identical to training without it
 * (SEQLAB_POOL=0), with every big array of the step recycled.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs";
import fc from "fast-check";
import { BufferPool, POOL_MAX_FREE_BYTES, POOL_MIN_FLOATS, poolFromEnv } from "../lib/src/backend/buffer_pool.js";
import { registerSeqlabBackend, SEQLAB_BACKEND, type SeqlabCpuBackend } from "../lib/src/backend/seqlab_backend.js";

const N = 65_536; // the smallest pooled length in these tests (the unit tests' pools, and the backend's below)
// The backend's pool is made when the backend is: pool the [256, 256] and [256, 512] outputs below
// (the default, POOL_MIN_FLOATS, is 2 Mi floats: such programs would take minutes).
process.env.SEQLAB_POOL = String(N);

describe("BufferPool on its own", () => {
  test("an array released after its tensor data is deleted comes back, zeroed unless asked not to", () => {
    const pool = new BufferPool(true, POOL_MAX_FREE_BYTES, N);
    const a = pool.take(N);
    a.fill(7);
    pool.bind(a);
    pool.release(a);
    const b = pool.take(N, false);
    assert.equal(b, a, "the same array");
    assert.equal(b[N - 1], 7, "not zeroed when the caller overwrites it");
    pool.bind(b);
    pool.release(b);
    const c = pool.take(N);
    assert.equal(c, a);
    assert.ok(c.every((x) => x === 0), "zeroed by default");
    assert.deepEqual(pool.getStats(), { reused: 2, allocated: 1, escaped: 0, freeBytes: 0 });
  });

  test("an array read outside the kernels, viewed, or bound twice never comes back", () => {
    const pool = new BufferPool(true, POOL_MAX_FREE_BYTES, N);
    const read = pool.take(N);
    pool.bind(read);
    pool.escape(read); // dataSync()
    pool.release(read);
    const viewed = pool.take(N);
    pool.bind(viewed);
    pool.bind(viewed.subarray(10)); // tfjs-cpu's Slice: a second tensor on the same memory
    pool.release(viewed);
    const twice = pool.take(N);
    pool.bind(twice);
    pool.bind(twice); // a second tensor data made of the same array
    pool.release(twice);
    const unbound = pool.take(N); // a kernel's scratch array, never a tensor's data
    pool.release(unbound);
    const next = pool.take(N);
    assert.ok(![read, viewed, twice, unbound].includes(next), "a fresh array");
    assert.equal(pool.getStats().escaped, 3);
    assert.equal(pool.getStats().reused, 0);
  });

  test("small arrays, a disabled pool and a full pool allocate fresh arrays", () => {
    const pool = new BufferPool(true, 4 * N, N); // room for one array of N floats
    const small = pool.take(N - 1);
    pool.bind(small);
    pool.release(small);
    assert.notEqual(pool.take(N - 1), small);
    const [a, b] = [pool.take(N), pool.take(N)];
    for (const x of [a, b]) {
      pool.bind(x);
      pool.release(x);
    }
    assert.equal(pool.getStats().freeBytes, 4 * N, "the second release went to the GC");
    assert.equal(pool.take(N), a);
    assert.ok(![a, b].includes(pool.take(N)));
    const off = new BufferPool(false, POOL_MAX_FREE_BYTES, N);
    const c = off.take(N);
    off.bind(c);
    off.release(c);
    assert.notEqual(off.take(N), c);
    assert.equal(off.getStats().reused, 0);
  });
});

test("SEQLAB_POOL: unset the default (arrays of 8 MiB or more), 0 none, n arrays of n floats or more, anything else an error naming it", () => {
  const saved = process.env.SEQLAB_POOL;
  try {
    delete process.env.SEQLAB_POOL;
    assert.equal(poolFromEnv().minFloats, POOL_MIN_FLOATS);
    assert.equal(POOL_MIN_FLOATS * 4, 8 * 1024 * 1024);
    process.env.SEQLAB_POOL = "0";
    assert.equal(poolFromEnv().enabled, false);
    process.env.SEQLAB_POOL = " 1000 ";
    assert.equal(poolFromEnv().minFloats, 1000);
    for (const bad of ["-1", "1.5", "yes"]) {
      process.env.SEQLAB_POOL = bad;
      assert.throws(() => poolFromEnv(), { message: `seqlab backend: expected SEQLAB_POOL to be 0 (no pool) or the smallest pooled array in floats (a positive integer), got "${bad}"` });
    }
  } finally {
    process.env.SEQLAB_POOL = saved;
  }
});

test("initBackend rejects a bad SEQLAB_POOL with a BackendError before any backend is made", () => {
  const code = `import { initBackend } from ${JSON.stringify(path.join(import.meta.dirname, "..", "lib", "src", "backend", "backend.ts"))};
    try { await initBackend({ quiet: true }); console.log("no error"); } catch (e) { console.log(e.constructor.name + ": " + e.message); }`;
  const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { env: { ...process.env, SEQLAB_POOL: "lots" }, encoding: "utf8" });
  assert.equal(out.trim(), 'BackendError: seqlab backend: expected SEQLAB_POOL to be 0 (no pool) or the smallest pooled array in floats (a positive integer), got "lots"');
});

describe("the pool on the seqlab backend", () => {
  let previous: string | undefined; // undefined when no backend was initialised yet
  let backend: SeqlabCpuBackend;
  before(async () => {
    previous = tf.getBackend();
    registerSeqlabBackend();
    await tf.setBackend(SEQLAB_BACKEND);
    backend = tf.backend() as SeqlabCpuBackend;
  });
  after(async () => {
    if (previous !== undefined) await tf.setBackend(previous);
  });

  /** A copy of a tensor's values, read without counting as an escape. */
  const peek = (t: tf.Tensor): Float32Array => Float32Array.from(backend.readForKernel(t.dataId) as Float32Array);

  test("no array anybody can still see is handed out again (random programs)", () => {
    // [256, 4] · [4, 256 or 512]: outputs of 65,536 or 131,072 floats, from the pool
    const shapes = [[256, 256], [256, 512]] as const;
    // 0 matmul, 1 slice, 2 reshape, 3 clone, 4 dataSync, 5 dispose, 6 add, 7 transpose; the
    // ones that make and free pooled arrays or views of them three times as often
    const kinds = [0, 0, 0, 1, 1, 1, 5, 5, 5, 2, 3, 4, 4, 6, 7];
    const op = fc.record({ kind: fc.constantFrom(...kinds), pick: fc.nat(), wide: fc.boolean(), seed: fc.integer({ min: 1, max: 1000 }) });
    const before = backend.pool.getStats();
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (program) => {
        const live: Array<{ t: tf.Tensor; snap: Float32Array }> = [];
        const reads: Array<{ values: Float32Array; snap: Float32Array }> = [];
        const keep = (t: tf.Tensor) => live.push({ t, snap: peek(t) });
        try {
          for (const { kind, pick, wide, seed } of program) {
            const e = live.length > 0 ? live[pick % live.length] : undefined;
            if (kind === 0 || e === undefined) {
              const [, C] = shapes[wide ? 1 : 0];
              const a = tf.tensor2d(Float32Array.from({ length: 256 * 4 }, (_, i) => ((i * seed) % 17) - 8), [256, 4]);
              const b = tf.tensor2d(Float32Array.from({ length: 4 * C }, (_, i) => ((i + seed) % 13) - 6), [4, C]);
              keep(tf.matMul(a, b));
              tf.dispose([a, b]);
            } else if (kind === 1 && e.t.rank === 2 && e.t.shape[0] >= 10) {
              keep(tf.slice(e.t, [pick % (e.t.shape[0] - 9), 0], [10, -1])); // whole rows: tfjs-cpu returns a subarray view
            } else if (kind === 2) {
              keep(tf.reshape(e.t, [-1])); // the same data
            } else if (kind === 3) {
              keep(tf.clone(e.t)); // the same data
            } else if (kind === 4) {
              const values = e.t.dataSync() as Float32Array; // the caller may keep it
              reads.push({ values, snap: Float32Array.from(values) });
            } else if (kind === 5) {
              e.t.dispose();
              live.splice(live.indexOf(e), 1);
            } else if (kind === 6) {
              keep(tf.add(e.t, e.t)); // seqlab's Add: a pooled output
            } else if (kind === 7 && e.t.rank === 2) {
              keep(tf.transpose(e.t)); // seqlab's Transpose: a pooled output
            }
            for (const { t, snap } of live) assert.deepEqual(peek(t), snap, "a live tensor changed");
            for (const { values, snap } of reads) assert.deepEqual(values, snap, "an array returned by dataSync changed");
          }
        } finally {
          tf.dispose(live.map((x) => x.t));
        }
      }),
      { numRuns: 300, seed: 1 },
    );
    const stats = backend.pool.getStats();
    assert.ok(stats.reused - before.reused > 100, `expected the programs to reuse arrays, reused ${stats.reused - before.reused}`);
    assert.ok(stats.escaped > before.escaped, "expected some arrays to escape");
  });

  test("a recycled array that must start at zero does: the embedding gradient, step after step", () => {
    const V = 2 * N, E = 1; // UnsortedSegmentSum's [V, 1] output: pooled
    const table = tf.variable(tf.zeros([V, E]));
    for (let step = 0; step < 4; step++) {
      const ids = Int32Array.from({ length: 50 }, (_, i) => (i * (step + 3)) % 7);
      const idsT = tf.tensor1d(ids, "int32");
      const { grads } = tf.variableGrads(() => tf.sum(tf.gather(table, idsT)) as tf.Scalar, [table]);
      const got = peek(grads[table.name]);
      const want = new Float32Array(V);
      for (const i of ids) want[i] += 1;
      assert.deepEqual(got, want, `step ${step}`);
      tf.dispose([idsT, grads[table.name]]);
    }
    table.dispose();
    assert.ok(backend.pool.getStats().reused > 0);
  });
});

test("training with the pool is bit-identical to training without it (SEQLAB_POOL=0), and recycles every big array", () => {
  const helper = path.join(import.meta.dirname, "helpers", "pool-run.ts");
  const run = (pool: string) => {
    const env = { ...process.env, SEQLAB_POOL: pool };
    const out = execFileSync(process.execPath, ["--import", "tsx", helper], { env, encoding: "utf8" });
    return JSON.parse(out.trim().split("\n").pop()!) as { engine: string; losses: string[]; weights: string; pool: { reused: number; allocated: number; escaped: number } };
  };
  const on = run(String(N)), off = run("0"); // pool arrays of 64 Ki floats or more: the [40, 4096] probabilities and up
  assert.equal(on.engine, off.engine);
  assert.equal(on.losses.length, 58);
  assert.deepEqual(on.losses, off.losses);
  assert.equal(on.weights, off.weights);
  assert.equal(off.pool.reused + off.pool.allocated, 0, "SEQLAB_POOL=0: no array from the pool");
  assert.ok(on.pool.reused > 10 * on.pool.allocated, `expected most big arrays recycled, got ${JSON.stringify(on.pool)}`);
  assert.equal(on.pool.escaped, 0, "the library's own training loop reads no big array in a way that makes it escape");
});
