/**
 * Gradient clipping (lib/src/optim/clip.ts): properties of clip-by-global-norm and
 * clip-by-value, the mean-norm threshold rule, errors, tensor ownership.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { clipByGlobalNorm, clipByValue, clippingThreshold, globalNorm } from "../lib/src/optim/clip.js";

before(async () => {
  await initBackend({ quiet: true });
});

const float = fc.double({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true });
/** 1–3 gradient arrays of 1–6 entries each, not all zero. */
const gradArrays = fc
  .array(fc.array(float, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 })
  .filter((gs) => gs.some((g) => g.some((v) => Math.abs(v) > 1e-3)));

const norm64 = (gs: number[][]) => Math.sqrt(gs.flat().reduce((s, v) => s + v * v, 0));
const read = (ts: tf.Tensor[]) => ts.map((t) => Array.from(t.dataSync()));

describe("clipByGlobalNorm", () => {
  test("‖g‖ > θ: the norm becomes θ and the direction is unchanged; ‖g‖ ≤ θ: unchanged", () => {
    fc.assert(
      fc.property(gradArrays, fc.double({ min: 0.01, max: 2, noNaN: true }), (arrays, ratio) => {
        const grads = arrays.map((a) => tf.tensor1d(a)); // each [n_p]
        const values = read(grads); // as float32
        const norm = norm64(values);
        const threshold = ratio * norm;
        const before = tf.memory().numTensors;
        const result = clipByGlobalNorm(grads, threshold);
        assert.ok(Math.abs(result.norm - norm) <= 1e-5 * norm);
        const out = read(result.grads);
        if (ratio < 1 - 1e-5) {
          assert.equal(result.clipped, true);
          assert.ok(Math.abs(norm64(out) - threshold) <= 1e-5 * threshold, `norm ${norm64(out)} vs θ ${threshold}`);
          const cosine = out.flat().reduce((s, v, i) => s + v * values.flat()[i], 0) / (norm64(out) * norm);
          assert.ok(Math.abs(cosine - 1) < 1e-6, `cosine ${cosine}`);
        } else if (ratio > 1 + 1e-5) {
          assert.equal(result.clipped, false);
          assert.deepEqual(out, values);
        }
        assert.equal(tf.memory().numTensors, before + grads.length, "new tensors, one per gradient");
        assert.ok(result.grads.every((g, i) => g !== grads[i]), "the caller owns new tensors");
        tf.dispose([...grads, ...result.grads]);
      }),
      { numRuns: 100, seed: 1 },
    );
  });

  test("keeps a NamedTensorMap a map, with the same names and shapes", () => {
    const grads = { W: tf.tensor2d([[3, 0], [0, 0]]), b: tf.tensor1d([4, 0]) }; // [2, 2], [2]
    assert.equal(globalNorm(grads), 5);
    const { grads: out, norm, clipped } = clipByGlobalNorm(grads, 1);
    assert.deepEqual(Object.keys(out), ["W", "b"]);
    assert.deepEqual(out.W.shape, [2, 2]);
    assert.equal(norm, 5);
    assert.equal(clipped, true);
    assert.deepEqual(Array.from(out.W.dataSync()).map((v) => +v.toFixed(6)), [0.6, 0, 0, 0]);
    assert.deepEqual(Array.from(out.b.dataSync()).map((v) => +v.toFixed(6)), [0.8, 0]);
    tf.dispose([...Object.values(grads), ...Object.values(out)]);
  });

  test("errors: non-positive or non-finite threshold", () => {
    const g = [tf.tensor1d([1, 2])];
    assert.throws(() => clipByGlobalNorm(g, 0), { name: "ArgumentError", message: "clipByGlobalNorm: expected threshold a finite number > 0, got 0" });
    assert.throws(() => clipByGlobalNorm(g, -1), /got -1/);
    assert.throws(() => clipByGlobalNorm(g, NaN), /got NaN/);
    tf.dispose(g);
  });
});

describe("clipByValue", () => {
  test("every entry in [−c, c]; entries inside are unchanged", () => {
    fc.assert(
      fc.property(gradArrays, fc.double({ min: 0.1, max: 50, noNaN: true }), (arrays, limit) => {
        const grads = arrays.map((a) => tf.tensor1d(a));
        const values = read(grads);
        const out = clipByValue(grads, limit);
        const c = Math.fround(limit);
        read(out).forEach((g, p) =>
          g.forEach((v, i) => {
            assert.ok(Math.abs(v) <= c, `${v} beyond ${c}`);
            if (Math.abs(values[p][i]) <= c) assert.equal(v, values[p][i]);
            else assert.equal(v, Math.sign(values[p][i]) * c);
          }),
        );
        tf.dispose([...grads, ...out]);
      }),
      { numRuns: 100, seed: 2 },
    );
  });
  test("errors", () => {
    assert.throws(() => clipByValue([], 0), { name: "ArgumentError", message: "clipByValue: expected limit a finite number > 0, got 0" });
  });
});

describe("clippingThreshold", () => {
  test("is the mean of the recorded norms", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.001, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 50 }), (norms) => {
        const mean = norms.reduce((a, b) => a + b, 0) / norms.length;
        assert.ok(Math.abs(clippingThreshold(norms) - mean) <= 1e-12 * mean);
      }),
      { seed: 3 },
    );
    assert.equal(clippingThreshold([1, 2, 6]), 3);
  });
  test("errors: empty, negative, non-finite, all zero", () => {
    assert.throws(() => clippingThreshold([]), { name: "ArgumentError", message: "clippingThreshold: expected at least one gradient norm, got 0" });
    assert.throws(() => clippingThreshold([1, -2]), /expected norms\[1\] finite and ≥ 0, got -2/);
    assert.throws(() => clippingThreshold([1, Infinity]), /expected norms\[1\] finite and ≥ 0, got Infinity/);
    assert.throws(() => clippingThreshold([0, 0]), /expected a positive mean norm/);
  });
});
