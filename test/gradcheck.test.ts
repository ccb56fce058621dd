/**
 * Gradient checks (lib/src/gradcheck/gradcheck.ts): known analytic gradients, a wrong hand
 * gradient must be caught, variables restored bit for bit, no tensor leaks.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import {
  finiteDifferences64,
  gradCheck,
  gradCheck64,
  gradCheckTable,
  relativeError,
} from "../lib/src/gradcheck/gradcheck.js";
import { setSeed } from "../lib/src/random.js";
import { gaussian, uniformGenerator } from "../lib/src/rnn/linalg64.js";
import { initVanilla, vanillaBptt64, vanillaLossTf, vanillaToVariables, vanillaVariableList, VANILLA_PARAM_NAMES } from "../lib/src/rnn/vanilla.js";

before(async () => {
  await initBackend({ quiet: true });
});

/** L(x, y) = ½ Σ x² + Σ sin(y); ∂L/∂x = x, ∂L/∂y = cos(y). */
function quadraticSin() {
  const x = tf.variable(tf.tensor2d([[0.3, -1.2, 0.7], [2.1, -0.4, 0.05]]), true, "gc_x"); // [2, 3]
  const y = tf.variable(tf.tensor1d([0.1, 1.3, -2.2, 0.9]), true, "gc_y"); // [4]
  const loss = () => tf.tidy(() => tf.add(tf.mul(0.5, tf.sum(tf.square(x))), tf.sum(tf.sin(y))) as tf.Scalar);
  return { x, y, loss };
}

describe("relativeError", () => {
  test("is max |a−b| over the largest magnitude", () => {
    assert.equal(relativeError([1, 2, 4], [1, 2, 3]), 0.25);
    assert.equal(relativeError([0, -10], [1, -10]), 0.1);
  });
  test("edge cases: zeros, empty, floor, NaN, length mismatch", () => {
    assert.equal(relativeError([0, 0], [0, 0]), 0);
    assert.equal(relativeError([], []), 0);
    assert.equal(relativeError([1e-9], [0]), 1e-9 / 1e-8); // the floor is the denominator
    assert.equal(relativeError([1e-9], [0], 1e-12), 1);
    assert.ok(Number.isNaN(relativeError([NaN], [1])));
    assert.throws(() => relativeError([1], [1, 2]), { name: "ArgumentError", message: "relativeError: expected b of length 1 (as a), got 2" });
    assert.throws(() => relativeError([1], [1], 0), /expected floor > 0, got 0/);
  });
});

describe("finiteDifferences64 and gradCheck64", () => {
  test("agree with an analytic gradient to ~1e-9 and leave θ unchanged", () => {
    // f(θ) = Σ_i sin(θ_i) θ_{i+1} + exp(θ_0 / 2); gradient by hand.
    const f = (t: Float64Array) => t.reduce((s, v, i) => s + (i + 1 < t.length ? Math.sin(v) * t[i + 1] : 0), 0) + Math.exp(t[0] / 2);
    const grad = (t: Float64Array) =>
      t.map((v, i) => (i + 1 < t.length ? Math.cos(v) * t[i + 1] : 0) + (i > 0 ? Math.sin(t[i - 1]) : 0) + (i === 0 ? Math.exp(v / 2) / 2 : 0));
    const theta = Float64Array.from([0.3, -1.1, 2.0, 0.7, -0.2]);
    const copy = theta.slice();
    const { relError, fd, hand } = gradCheck64(f, grad, theta);
    assert.ok(relError < 1e-8, `rel error ${relError}`);
    assert.deepEqual(theta, copy);
    assert.equal(fd.length, 5);
    assert.deepEqual(hand, grad(copy));
    // A wrong gradient (one sign flipped) is caught.
    const wrong = (t: Float64Array) => grad(t).map((v, i) => (i === 2 ? -v : v));
    assert.ok(gradCheck64(f, wrong, theta).relError > 0.1);
    assert.throws(() => finiteDifferences64(f, theta, 0), /finiteDifferences64: expected eps > 0, got 0/);
  });
});

describe("gradCheck", () => {
  test("autodiff matches finite differences on a known loss; a right hand gradient passes, a wrong one fails", () => {
    const { x, y, loss } = quadraticSin();
    const before = tf.memory().numTensors;
    const right = [tf.clone(x), tf.cos(y)];
    const wrong = [tf.mul(x, 2), tf.cos(y)];
    const ok = gradCheck(loss, [x, y], { hand: right, names: ["x", "y"] });
    assert.ok(ok.autodiffVsFiniteDiff < 1e-3, `autodiff vs fd ${ok.autodiffVsFiniteDiff}`);
    assert.ok(ok.handVsAutodiff! < 1e-6);
    assert.ok(ok.handVsFiniteDiff! < 1e-3);
    assert.deepEqual(ok.rows.map((r) => [r.param, r.shape]), [["x", [2, 3]], ["y", [4]]]);
    const bad = gradCheck(loss, [x, y], { hand: wrong });
    assert.ok(bad.handVsAutodiff! > 0.3 && bad.handVsFiniteDiff! > 0.3, JSON.stringify(bad));
    assert.ok(bad.rows[1].handVsAutodiff! < 1e-6, "y's hand gradient is right");
    assert.equal(bad.rows[0].param, "gc_x", "default name: the variable's name");
    tf.dispose([...right, ...wrong]);
    assert.equal(tf.memory().numTensors, before, "gradCheck leaves no tensors behind");
    tf.dispose([x, y]);
  });

  test("restores the variables exactly", () => {
    const { x, y, loss } = quadraticSin();
    const x0 = x.dataSync().slice();
    const y0 = y.dataSync().slice();
    const l0 = loss();
    gradCheck(loss, [x, y], { eps: 0.37 });
    assert.deepEqual(x.dataSync(), x0);
    assert.deepEqual(y.dataSync(), y0);
    const l1 = loss();
    assert.equal(l1.dataSync()[0], l0.dataSync()[0]);
    tf.dispose([x, y, l0, l1]);
  });

  test("maxEntries samples big parameters (seeded), and the rest of the report still holds", () => {
    const big = tf.variable(tf.randomNormal([30, 20], 0, 1, "float32", 7)); // [30, 20]
    const loss = () => tf.tidy(() => tf.sum(tf.mul(tf.square(big), 0.25)) as tf.Scalar);
    setSeed(3);
    const a = gradCheck(loss, [big], { maxEntries: 10, hand: [tf.tidy(() => tf.mul(big, 0.5))] });
    setSeed(3);
    const b = gradCheck(loss, [big], { maxEntries: 10 });
    assert.ok(a.autodiffVsFiniteDiff < 1e-3);
    assert.equal(a.autodiffVsFiniteDiff, b.autodiffVsFiniteDiff, "same seed, same sample");
    assert.ok(a.handVsAutodiff! < 1e-6);
    big.dispose();
  });

  test("default eps gives < 1e-3 on the vanilla RNN with weights of scale 0.1–0.5 (and matches BPTT)", () => {
    let worst = 0;
    for (const scale of [0.1, 0.3, 0.5]) {
      const p = initVanilla(3, 5, 4, { scale, seed: 21 });
      const u = uniformGenerator(22);
      const xs = Array.from({ length: 6 }, () => Float64Array.from({ length: 3 }, () => gaussian(u)));
      const ys = [0, 3, 1, 2, 2, 1];
      const vars = vanillaToVariables(p);
      const g = vanillaBptt64(p, xs, ys);
      const hand = VANILLA_PARAM_NAMES.map((n) => tf.tensor(Float32Array.from(g[n]), vars[n].shape));
      const report = gradCheck(() => vanillaLossTf(vars, xs, ys), vanillaVariableList(vars), { hand, names: [...VANILLA_PARAM_NAMES] });
      worst = Math.max(worst, report.autodiffVsFiniteDiff, report.handVsFiniteDiff!);
      assert.ok(report.autodiffVsFiniteDiff < 1e-3, `scale ${scale}: ${JSON.stringify(gradCheckTable(report))}`);
      assert.ok(report.handVsFiniteDiff! < 1e-3);
      assert.ok(report.handVsAutodiff! < 1e-4);
      tf.dispose([...hand, ...Object.values(vars)]);
    }
    console.log(`  gradCheck (float32, eps 3e-2, 4th-order stencil) on the vanilla RNN: max rel error ${worst.toExponential(1)}`);
  });

  test("gradCheckTable: readable columns, errors in exponent form, a max row", () => {
    const table = gradCheckTable({
      rows: [
        { param: "W", shape: [3, 3], autodiffVsFiniteDiff: 3.14e-5, handVsAutodiff: 0, handVsFiniteDiff: 2e-4 },
        { param: "b", shape: [3], autodiffVsFiniteDiff: 1e-6, handVsAutodiff: 1e-8, handVsFiniteDiff: 1e-6 },
      ],
      autodiffVsFiniteDiff: 3.14e-5,
      handVsAutodiff: 1e-8,
      handVsFiniteDiff: 2e-4,
    });
    assert.deepEqual(table[0], { parameter: "W", shape: "[3, 3]", "autodiff vs finite diff": "3.1e-5", "hand vs autodiff": "0", "hand vs finite diff": "2.0e-4" });
    assert.deepEqual(table[2], { parameter: "max", shape: "", "autodiff vs finite diff": "3.1e-5", "hand vs autodiff": "1.0e-8", "hand vs finite diff": "2.0e-4" });
    const noHand = gradCheckTable({ rows: [{ param: "W", shape: [2], autodiffVsFiniteDiff: 1e-3 }], autodiffVsFiniteDiff: 1e-3 });
    assert.deepEqual(Object.keys(noHand[0]), ["parameter", "shape", "autodiff vs finite diff"]);
  });

  test("errors", () => {
    const { x, y, loss } = quadraticSin();
    assert.throws(() => gradCheck(loss, [x, y], { hand: [x] }), /gradCheck: expected 2 hand gradients \(one per param\), got 1/);
    assert.throws(() => gradCheck(loss, [x, y], { hand: [y, x] }), /gradCheck: expected hand\[0\] of shape \[2,3\], got \[4\]/);
    assert.throws(() => gradCheck(loss, [x], { eps: -1 }), /gradCheck: expected eps > 0, got -1/);
    assert.throws(() => gradCheck(loss, [x], { maxEntries: 0 }), /expected maxEntries a positive integer, got 0/);
    tf.dispose([x, y]);
  });
});
