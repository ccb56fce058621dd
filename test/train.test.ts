/**
 * The training loop (lib/src/train/train.ts): the recorded loss and gradient norm against
 * an independent autodiff computation, clipping against the update actually applied
 * (plain SGD with learning rate 1 makes the update −g exactly), repeatability, and no
 * tensor leaks; "adam" is the engine's fused Adam when an engine is active (its `adam` kernel
 * runs; optim/adam.ts `adamOptimizer`) and tf.train.adam without one, with the same result.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { setSeed } from "../lib/src/random.js";
import { addingProblem, type SequenceBatch } from "../lib/src/data/tasks.js";
import { SequenceClassifier } from "../lib/src/models/many_to_one.js";
import type { Trainable } from "../lib/src/models/common.js";
import { train } from "../lib/src/train/train.js";
import { withKernels } from "../lib/src/engine/engine.js";
import { jsKernels } from "../lib/src/engine/js.js";
import type { Kernels } from "../lib/src/engine/kernels.js";

before(async () => {
  await initBackend({ quiet: true });
});

/** Least squares L(w) = mean((x w − y)²) with x [N, 3], y [N]: a model whose gradient is known in closed form. */
interface LsqBatch { x: tf.Tensor2D; y: tf.Tensor1D }
function leastSquares(w0: number[]): Trainable<LsqBatch> & { w: tf.Variable } {
  const w = tf.variable(tf.tensor1d(w0));
  return {
    w,
    weights: [w],
    loss: ({ x, y }) => tf.mean(tf.square(tf.sub(tf.squeeze(tf.matMul(x, tf.expandDims(w, 1)), [1]), y))) as tf.Scalar,
  };
}
const X = [[1, 2, 0], [0, 1, -1], [3, 0, 1], [1, 1, 1]];
const Y = [10, -4, 7, 2];
const lsqBatch = (): LsqBatch => ({ x: tf.tensor2d(X), y: tf.tensor1d(Y) });

/** The exact loss and gradient of least squares at w, in float64: ∇ = (2/N) Xᵀ(Xw − y). */
function lsqOracle(w: number[]): { loss: number; grad: number[] } {
  const r = X.map((row, n) => row.reduce((s, v, j) => s + v * w[j], 0) - Y[n]);
  const loss = r.reduce((s, v) => s + v * v, 0) / X.length;
  const grad = w.map((_, j) => (2 / X.length) * X.reduce((s, row, n) => s + row[j] * r[n], 0));
  return { loss, grad };
}
const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe("train", () => {
  test("records the loss and the gradient norm before clipping (float64 oracle)", () => {
    const w0 = [0.5, -0.25, 1];
    const model = leastSquares(w0);
    const history = train(model, lsqBatch, { steps: 3, optimizer: "sgd", learningRate: 0.01 });
    let w = w0;
    for (let s = 0; s < 3; s++) {
      const { loss, grad } = lsqOracle(w);
      assert.ok(Math.abs(history.losses[s] - loss) < 1e-4 * Math.max(1, loss), `step ${s}: ${history.losses[s]} vs ${loss}`);
      assert.ok(Math.abs(history.gradNorms[s] - norm(grad)) < 1e-4 * norm(grad));
      assert.equal(history.steps[s].step, s);
      assert.equal(history.steps[s].clipped, false);
      assert.ok(history.steps[s].ms >= 0);
      w = w.map((v, j) => v - 0.01 * grad[j]);
    }
    assert.ok(history.totalMs >= 0);
    model.w.dispose();
  });

  test("global-norm clipping: the applied update has norm θ, the reported norm is the unclipped one", () => {
    const w0 = [0.5, -0.25, 1];
    const model = leastSquares(w0);
    const theta = 0.5;
    const { grad } = lsqOracle(w0);
    assert.ok(norm(grad) > theta);
    const history = train(model, lsqBatch, { steps: 1, optimizer: "sgd", learningRate: 1, clip: { globalNorm: theta } });
    const update = (model.w.arraySync() as number[]).map((v, j) => v - w0[j]);
    assert.ok(Math.abs(norm(update) - theta) < 1e-5, `‖Δw‖ = ${norm(update)}`);
    for (let j = 0; j < 3; j++) assert.ok(Math.abs(update[j] + (grad[j] * theta) / norm(grad)) < 1e-5); // same direction
    assert.ok(Math.abs(history.gradNorms[0] - norm(grad)) < 1e-4 * norm(grad));
    assert.equal(history.steps[0].clipped, true);
    model.w.dispose();
  });

  test("value clipping caps each entry of the update", () => {
    const w0 = [0.5, -0.25, 1];
    const model = leastSquares(w0);
    const { grad } = lsqOracle(w0);
    train(model, lsqBatch, { steps: 1, optimizer: "sgd", learningRate: 1, clip: { value: 1 } });
    const update = (model.w.arraySync() as number[]).map((v, j) => v - w0[j]);
    for (let j = 0; j < 3; j++) assert.ok(Math.abs(update[j] + Math.max(-1, Math.min(1, grad[j]))) < 1e-5);
    model.w.dispose();
  });

  test("evaluate runs every evalEvery steps and after the last", () => {
    const model = leastSquares([0, 0, 0]);
    const seen: number[] = [];
    const history = train(model, lsqBatch, {
      steps: 7, evalEvery: 3, onStep: (r) => seen.push(r.step),
      evaluate: (step) => ({ w0: (model.w.arraySync() as number[])[0] + step * 0 }),
    });
    assert.deepEqual(history.evals.map((e) => e.step), [2, 5, 6]);
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6]);
    model.w.dispose();
  });

  test("same seed → same history; another data seed → another history", () => {
    const task = addingProblem({ length: 6 });
    const run = (dataSeed: number) => {
      setSeed(11);
      const model = new SequenceClassifier({ encoder: { kind: "rnn", inputSize: 2, hiddenSize: 4 }, outputSize: 1, objective: "regression" });
      const h = train(model, (s) => task.batch(8, dataSeed + s), { steps: 5, clip: { globalNorm: 1 } });
      tf.dispose(model.weights);
      return h;
    };
    const a = run(0);
    const b = run(0);
    const c = run(100);
    assert.deepEqual(a.losses, b.losses);
    assert.deepEqual(a.gradNorms, b.gradNorms);
    assert.notDeepEqual(a.losses, c.losses);
  });

  test("leaks no tensor: the count is stable across steps and restored after the run", () => {
    setSeed(3);
    const task = addingProblem({ length: 5 });
    const model = new SequenceClassifier({ encoder: { kind: "lstm", inputSize: 2, hiddenSize: 3 }, outputSize: 1, objective: "regression" });
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    train(model, (s): SequenceBatch => task.batch(4, s), {
      steps: 6, clip: { globalNorm: 0.1, value: 0.05 }, onStep: () => counts.push(tf.memory().numTensors),
    });
    // Adam creates its moment estimates at the first update; after that nothing grows.
    assert.ok(counts.slice(1).every((n) => n === counts[1]), `counts ${counts}`);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose(model.weights);
  });

  test('"adam" runs the engine\'s adam kernel when an engine is active, tf.train.adam without one: the same weights', () => {
    let calls = 0;
    const spy: Kernels = { ...jsKernels, adam: (a) => (calls++, jsKernels.adam(a)) };
    const run = (k: Kernels | null) =>
      withKernels(k, () => {
        const model = leastSquares([0.5, -0.5, 1]);
        train(model, lsqBatch, { steps: 5, optimizer: "adam", learningRate: 0.1 });
        const w = model.w.arraySync() as number[];
        model.w.dispose();
        return w;
      });
    const fused = run(spy);
    assert.equal(calls, 5, "one adam kernel call per step (one weight)");
    const reference = run(null);
    assert.equal(calls, 5, "no kernel call without an engine");
    fused.forEach((v, j) => assert.ok(Math.abs(v - reference[j]) <= 1e-5, `w[${j}]: fused ${v}, tf.train.adam ${reference[j]}`));
  });

  test("a caller's optimizer is used and not disposed; bad options throw", () => {
    const model = leastSquares([0, 0, 0]);
    const opt = tf.train.sgd(0.01);
    train(model, lsqBatch, { steps: 2, optimizer: opt });
    assert.ok((model.w.arraySync() as number[]).some((v) => v !== 0));
    assert.throws(() => train(model, lsqBatch, { steps: 1, optimizer: opt, learningRate: 0.1 }), {
      name: "ArgumentError", message: /expected no learningRate with a tf.Optimizer/,
    });
    assert.throws(() => train(model, lsqBatch, { steps: 0 }), { message: /expected steps an integer ≥ 1, got 0/ });
    assert.throws(() => train(model, lsqBatch, { steps: 1, clip: { globalNorm: -1 } }), {
      message: /expected clip.globalNorm a finite number > 0, got -1/,
    });
    opt.dispose();
    model.w.dispose();
  });
});
