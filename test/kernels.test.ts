/**
 * seqlab's kernels (lib/src/backend/kernels/): UnsortedSegmentSum on wasm (missing from
 * tfjs-backend-wasm) and on cpu (replacing tfjs-backend-cpu's quadratic one).
 *
 * Oracles: a plain JS loop over the definition; tfjs-backend-cpu's stock kernel (captured
 * below before seqlab replaces it); and, for training, the cpu backend's gradients.
 * Random inputs use dyadic values (k/8, small k), whose float32 sums are exact whatever
 * the order of addition, so the kernels must agree with the oracles exactly.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { registerKernels } from "../lib/src/backend/kernels/index.js";
import { unsortedSegmentSumCpuConfig } from "../lib/src/backend/kernels/unsorted_segment_sum.js";
import { ArgumentError } from "../lib/src/errors.js";

/** tfjs-backend-cpu's own kernel, captured before seqlab replaces it. */
const stockCpuKernel = tf.getKernel("UnsortedSegmentSum", "cpu")!;

before(async () => {
  await initBackend({ backend: "wasm", quiet: true });
  registerKernels("cpu"); // the cpu backend is the second opinion below
});

type Backend = "wasm" | "cpu" | "stock-cpu";

/**
 * Runs `f` on one backend and returns its result as nested arrays plus dtype.
 * "stock-cpu" swaps tfjs-backend-cpu's own UnsortedSegmentSum back in for the call.
 */
async function on<T extends tf.Tensor>(backend: Backend, f: () => T): Promise<{ values: unknown; dtype: string; shape: number[] }> {
  await tf.setBackend(backend === "wasm" ? "wasm" : "cpu");
  const stock = backend === "stock-cpu";
  if (stock) swapCpuKernel(stockCpuKernel);
  try {
    return tf.tidy(() => {
      const t = f();
      return { values: t.arraySync(), dtype: t.dtype, shape: t.shape };
    });
  } finally {
    if (stock) swapCpuKernel(unsortedSegmentSumCpuConfig);
  }
}

function swapCpuKernel(config: tf.KernelConfig): void {
  tf.unregisterKernel("UnsortedSegmentSum", "cpu");
  tf.registerKernel(config);
}

/**
 * The definition, as a loop: out[s] = Σ_{j: ids[j] = s} x[j] over flat rows j, ids outside
 * [0, numSegments) dropped.
 * @param x - flat values of x, n·D of them.
 * @param ids - flat segment ids, n of them.
 * @param rowShape - [D_1, …, D_m]; the output is [numSegments, …rowShape].
 */
function referenceSegmentSum(x: number[], ids: number[], numSegments: number, rowShape: number[]): tf.Tensor {
  const D = rowShape.reduce((a, b) => a * b, 1);
  const out = new Array<number>(numSegments * D).fill(0);
  ids.forEach((s, j) => {
    if (s < 0 || s >= numSegments) return;
    for (let d = 0; d < D; d++) out[s * D + d] += x[j * D + d];
  });
  return tf.tensor(out, [numSegments, ...rowShape], "float32");
}

/** A random call: ids of shape `prefix`, x of shape [...prefix, ...rowShape]. */
const segmentSumCase = fc
  .record({
    prefix: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
    rowShape: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
    numSegments: fc.integer({ min: 1, max: 6 }),
  })
  .chain(({ prefix, rowShape, numSegments }) => {
    const n = prefix.reduce((a, b) => a * b, 1);
    const D = rowShape.reduce((a, b) => a * b, 1);
    return fc.record({
      prefix: fc.constant(prefix),
      rowShape: fc.constant(rowShape),
      numSegments: fc.constant(numSegments),
      // ids reach past both ends: negative and ≥ numSegments ids must be dropped
      ids: fc.array(fc.integer({ min: -2, max: numSegments + 1 }), { minLength: n, maxLength: n }),
      x: fc.array(fc.integer({ min: -64, max: 64 }).map((k) => k / 8), { minLength: n * D, maxLength: n * D }),
    });
  });

describe("UnsortedSegmentSum", () => {
  test("is registered on wasm and replaced on cpu", () => {
    assert.notEqual(tf.getKernel("UnsortedSegmentSum", "wasm"), undefined);
    assert.equal(tf.getKernel("UnsortedSegmentSum", "cpu")?.kernelFunc, unsortedSegmentSumCpuConfig.kernelFunc);
  });

  test("equals the definition (and the stock cpu kernel, for 1-D ids) on wasm and cpu, for random shapes and ids", async () => {
    await fc.assert(
      fc.asyncProperty(segmentSumCase, async ({ prefix, rowShape, numSegments, ids, x }) => {
        // tfjs types segmentIds as 1-D; the kernels accept any prefix of x's shape (see above)
        const call = () => {
          const idsT: tf.Tensor = tf.tensor(ids, prefix, "int32"); // [...prefix]
          return tf.unsortedSegmentSum(tf.tensor(x, [...prefix, ...rowShape]), idsT as tf.Tensor1D, numSegments);
        };
        const expected = await on("cpu", () => referenceSegmentSum(x, ids, numSegments, rowShape));
        // The stock kernel agrees only for 1-D ids (all tfjs documents, and all gather's
        // gradient passes); for more it sums over the first axis only.
        const backends = prefix.length === 1 ? (["wasm", "cpu", "stock-cpu"] as const) : (["wasm", "cpu"] as const);
        for (const backend of backends) {
          assert.deepEqual(await on(backend, call), expected, backend);
        }
      }),
      { numRuns: 60 },
    );
  });

  test("sums over all axes of multi-dimensional ids, as TensorFlow does (the stock cpu kernel: the first only)", async () => {
    const call = () => tf.unsortedSegmentSum(tf.tensor3d([[[1, 2], [3, 4]]]), tf.tensor2d([[0, 1]], [1, 2], "int32") as tf.Tensor as tf.Tensor1D, 2); // x [1, 2, 2], ids [1, 2]
    for (const backend of ["wasm", "cpu"] as const) {
      assert.deepEqual(await on(backend, call), { values: [[1, 2], [3, 4]], dtype: "float32", shape: [2, 2] }, backend);
    }
    assert.deepEqual((await on("stock-cpu", call)).shape, [2, 2, 2]);
  });

  test("keeps int32 x as int32 (the stock cpu kernel returns float32)", async () => {
    const call = () => tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6]], undefined, "int32"), tf.tensor1d([1, -1, 1], "int32"), 3);
    for (const backend of ["wasm", "cpu"] as const) {
      assert.deepEqual(await on(backend, call), { values: [[0, 0], [6, 8], [0, 0]], dtype: "int32", shape: [3, 2] }, backend);
    }
  });

  test("handles empty ids and zero segments", async () => {
    for (const backend of ["wasm", "cpu"] as const) {
      const empty = await on(backend, () => tf.unsortedSegmentSum(tf.zeros([0, 2]), tf.tensor1d([], "int32"), 2));
      assert.deepEqual(empty, { values: [[0, 0], [0, 0]], dtype: "float32", shape: [2, 2] }, backend);
      const none = await on(backend, () => tf.unsortedSegmentSum(tf.ones([3, 2]), tf.tensor1d([0, 1, 0], "int32"), 0));
      assert.deepEqual(none.shape, [0, 2], backend);
    }
  });

  test("rejects segmentIds whose shape is not a prefix of x's", async () => {
    for (const backend of ["wasm", "cpu"] as const) {
      await assert.rejects(
        on(backend, () => tf.unsortedSegmentSum(tf.ones([2, 3]), tf.tensor1d([0, 1, 0], "int32"), 2)),
        (err: unknown) =>
          err instanceof ArgumentError &&
          err.message === "unsortedSegmentSum: expected segmentIds shape to be a prefix of x shape [2,3], got [3]",
      );
    }
  });

  test("on float32 normal data matches the stock cpu kernel within float32 rounding", async () => {
    const x = Array.from(tf.randomNormal([300, 7], 0, 1, "float32", 1).dataSync());
    const ids = Array.from({ length: 300 }, (_, j) => (j * 7919) % 13);
    const call = () => tf.unsortedSegmentSum(tf.tensor2d(x, [300, 7]), tf.tensor1d(ids, "int32"), 13);
    const stock = (await on("stock-cpu", call)).values as number[][];
    for (const backend of ["wasm", "cpu"] as const) {
      const ours = (await on(backend, call)).values as number[][];
      ours.flat().forEach((v, i) => assert.ok(Math.abs(v - stock.flat()[i]) <= 1e-5 * (1 + Math.abs(v)), `${backend} [${i}]`));
    }
  });
});

describe("gradient of gather (every embedding layer)", () => {
  test("equals the definition on wasm and cpu, for random vocabularies and id shapes", async () => {
    const gatherCase = fc
      .record({
        V: fc.integer({ min: 1, max: 8 }),
        D: fc.integer({ min: 1, max: 4 }),
        idsShape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 2 }),
      })
      .chain(({ V, D, idsShape }) => {
        const n = idsShape.reduce((a, b) => a * b, 1);
        return fc.record({
          V: fc.constant(V),
          D: fc.constant(D),
          idsShape: fc.constant(idsShape),
          ids: fc.array(fc.integer({ min: 0, max: V - 1 }), { minLength: n, maxLength: n }),
          w: fc.array(fc.integer({ min: -64, max: 64 }).map((k) => k / 8), { minLength: n * D, maxLength: n * D }),
        });
      });
    await fc.assert(
      fc.asyncProperty(gatherCase, async ({ V, D, idsShape, ids, w }) => {
        // dE for loss = sum(gather(E, ids) * w): row v of dE is the sum of w's rows whose id is v.
        const grad = () => {
          const E = tf.randomNormal([V, D]); // [V, D]; the loss is linear in E, so its value is irrelevant
          const idsT = tf.tensor(ids, idsShape, "int32"); // [...idsShape]
          const wT = tf.tensor(w, [...idsShape, D]); // [...idsShape, D]
          return tf.grad((e: tf.Tensor) => tf.sum(tf.mul(tf.gather(e, idsT), wT)))(E); // [V, D]
        };
        const expected = await on("cpu", () => referenceSegmentSum(w, ids, V, [D]));
        assert.deepEqual(await on("wasm", grad), expected, "wasm");
        assert.deepEqual(await on("cpu", grad), expected, "cpu");
      }),
      { numRuns: 40 },
    );
  });

  test("equals the definition at an embedding layer's size ([400, 200] into 10,000 rows, ids repeated)", async () => {
    // Speed at this size (the stock cpu kernel is quadratic: ~1.5 min) is measured by
    // `npm run bench` (the embedding gradient in the RNN LM workloads), not here.
    const [V, D, n] = [10_000, 200, 400];
    const ids = Array.from({ length: n }, (_, j) => ((j % 300) * 7919) % V); // rows 300…399 repeat the ids of rows 0…99
    const w = Array.from({ length: n * D }, (_, i) => (((i * 31) % 129) - 64) / 8); // dyadic: exact sums
    const grad = () => {
      const E = tf.zeros([V, D]); // [V, D]; the loss is linear in E
      const idsT = tf.tensor1d(ids, "int32"); // [n]
      const wT = tf.tensor2d(w, [n, D]); // [n, D]
      return tf.grad((e: tf.Tensor) => tf.sum(tf.mul(tf.gather(e, idsT), wT)))(E); // [V, D]
    };
    const expected = await on("cpu", () => referenceSegmentSum(w, ids, V, [D]));
    assert.deepEqual(await on("wasm", grad), expected, "wasm");
    assert.deepEqual(await on("cpu", grad), expected, "cpu");
  });
});

describe("embedding + LSTM + softmax cross-entropy on wasm", () => {
  const V = 12; // vocabulary
  const T = 6; // time steps
  const B = 8; // batch
  // Task: predict the next token of a counting sequence, y_t = (x_t + 1) mod V.
  const xs = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => (3 * b + t) % V)); // [B, T]
  const ys = xs.map((row) => row.map((v) => (v + 1) % V)); // [B, T]

  function buildModel(): tf.Sequential {
    const model = tf.sequential();
    model.add(tf.layers.embedding({ inputDim: V, outputDim: 8, inputLength: T, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 1 }) })); // [B, T, 8]
    model.add(tf.layers.lstm({ units: 16, returnSequences: true, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }), recurrentInitializer: tf.initializers.glorotUniform({ seed: 3 }) })); // [B, T, 16]
    model.add(tf.layers.dense({ units: V, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) })); // [B, T, V] logits
    return model;
  }

  function loss(model: tf.Sequential): tf.Scalar {
    const logits = model.apply(tf.tensor2d(xs, [B, T], "int32")) as tf.Tensor; // [B, T, V]
    return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor2d(ys, [B, T], "int32"), V), logits) as tf.Scalar;
  }

  test("loss decreases over 20 Adam steps", async () => {
    await tf.setBackend("wasm");
    const model = buildModel();
    const opt = tf.train.adam(0.05);
    const losses: number[] = [];
    for (let step = 0; step < 20; step++) {
      const l = opt.minimize(() => loss(model), true)!;
      losses.push(l.dataSync()[0]);
      l.dispose();
    }
    assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
    assert.ok(losses[19] < 0.6 * losses[0], `expected the loss to fall by 40%, got ${losses[0]} → ${losses[19]}`);
    model.dispose();
    opt.dispose();
  });

  test("one step's gradients equal the cpu backend's within float32 tolerance", async () => {
    const gradients = async (backend: "wasm" | "cpu") => {
      await tf.setBackend(backend);
      const model = buildModel(); // seeded: the same weights on both backends
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(() => loss(model), vars);
      const out = { loss: value.dataSync()[0], grads: vars.map((v) => Array.from(grads[v.name].dataSync())) };
      tf.dispose([value, ...Object.values(grads)]);
      model.dispose();
      return out;
    };
    const wasm = await gradients("wasm");
    const cpu = await gradients("cpu");
    assert.ok(Math.abs(wasm.loss - cpu.loss) <= 1e-5 * Math.abs(cpu.loss), `loss ${wasm.loss} vs ${cpu.loss}`);
    assert.equal(wasm.grads.length, 6); // embeddings; LSTM kernel, recurrent kernel, bias; dense kernel, bias
    cpu.grads.forEach((g, k) => {
      const scale = Math.max(...g.map(Math.abs));
      assert.ok(scale > 0, `gradient ${k} is all zero`);
      g.forEach((v, i) => assert.ok(Math.abs(wasm.grads[k][i] - v) <= 1e-4 * scale + 1e-7, `gradient ${k}[${i}]: ${wasm.grads[k][i]} vs ${v}`));
    });
  });
});
