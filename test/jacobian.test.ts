/**
 * Jacobian analysis (lib/src/rnn/jacobian.ts): spectral-radius construction, vanishing and
 * exploding products, the LSTM cell path.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  forgetGatesFromBias,
  gradientNormHeatmap,
  gradientNormVsDistance,
  jacobianProductNorms,
  lstmCellPathNorms,
  matrixWithSpectralRadius,
} from "../lib/src/rnn/jacobian.js";
import { diagTimes, identity, matMul, spectralNorm } from "../lib/src/rnn/linalg64.js";

/** Least-squares slope of y against x. */
function slope(x: number[], y: number[]): number {
  const mx = x.reduce((a, b) => a + b, 0) / x.length;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  let num = 0;
  let den = 0;
  x.forEach((xi, i) => {
    num += (xi - mx) * (y[i] - my);
    den += (xi - mx) ** 2;
  });
  return num / den;
}

describe("matrixWithSpectralRadius", () => {
  test("has spectral radius ρ: ‖W‖₂ = ρ and the Gelfand estimate ‖W^n‖₂^(1/n) = ρ", () => {
    for (const [H, rho] of [[1, 0.5], [4, 0.9], [8, 1.3], [12, 2]] as const) {
      const W = matrixWithSpectralRadius(H, rho, 17);
      assert.ok(Math.abs(spectralNorm(W, H, H) - rho) < 1e-9 * rho, `H ${H}: ‖W‖ ${spectralNorm(W, H, H)}`);
      let power = identity(H);
      for (let n = 0; n < 25; n++) power = matMul(power, W, H, H, H);
      const gelfand = spectralNorm(power, H, H) ** (1 / 25);
      assert.ok(Math.abs(gelfand - rho) < 1e-8 * rho, `H ${H}: Gelfand ${gelfand}`);
      // Q = W/ρ is orthogonal: Q Qᵀ = I.
      const Q = W.map((v) => v / rho);
      const Qt = new Float64Array(H * H);
      for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) Qt[j * H + i] = Q[i * H + j];
      matMul(Q, Qt, H, H, H).forEach((v, k) => assert.ok(Math.abs(v - (k % (H + 1) === 0 ? 1 : 0)) < 1e-12));
    }
  });
  test("is seeded and checks its arguments", () => {
    assert.deepEqual(matrixWithSpectralRadius(5, 1, 3), matrixWithSpectralRadius(5, 1, 3));
    assert.throws(() => matrixWithSpectralRadius(0, 1), { name: "ArgumentError", message: "matrixWithSpectralRadius: expected H a positive integer, got 0" });
    assert.throws(() => matrixWithSpectralRadius(3, -1), /expected rho ≥ 0, got -1/);
  });
});

describe("jacobianProductNorms", () => {
  test("equals brute-force products of diag(1/cosh²(z_i)) W", () => {
    const H = 3;
    const W = matrixWithSpectralRadius(H, 1.1, 5);
    const zs = [[0.3, -1, 2], [0.1, 0.2, -0.5], [1.5, 0, 0.7]];
    const norms = jacobianProductNorms(W, zs);
    assert.equal(norms.length, 4);
    assert.equal(norms[0], 1);
    let P = identity(H);
    for (let d = 1; d <= 3; d++) {
      const z = zs[3 - d];
      P = matMul(P, diagTimes(z.map((v) => 1 / Math.cosh(v) ** 2), W, H), H, H, H);
      assert.ok(Math.abs(norms[d] - spectralNorm(P, H, H)) < 1e-12);
    }
  });

  test("tanh RNN with ρ < 1: the norm decays geometrically (log-norm slope < log ρ ≤ 0)", () => {
    for (const rho of [0.5, 0.9]) {
      const { distance, norm } = gradientNormVsDistance({ hidden: 8, rho, steps: 20, seed: 1 });
      const s = slope(distance, norm.map(Math.log));
      assert.ok(s < Math.log(rho) + 1e-9, `ρ ${rho}: slope ${s}`);
      norm.slice(1).forEach((n, d) => assert.ok(n <= rho ** (d + 1) * (1 + 1e-9), "‖Π‖ ≤ ρ^d"));
    }
  });

  test("linear RNN with ρ > 1 grows as ρ^d; tanh can saturate and stay smaller", () => {
    const linear = gradientNormVsDistance({ hidden: 8, rho: 1.5, steps: 15, seed: 2, activation: "linear" });
    linear.norm.forEach((n, d) => assert.ok(Math.abs(n - 1.5 ** d) < 1e-8 * 1.5 ** d, `d ${d}: ${n}`));
    const tanh = gradientNormVsDistance({ hidden: 8, rho: 1.5, steps: 15, seed: 2 });
    tanh.norm.forEach((n, d) => assert.ok(n <= linear.norm[d] * (1 + 1e-9)));
  });

  test("gradientNormHeatmap: one row per ρ, log10 norms, larger ρ never smaller at the same seed (linear)", () => {
    const map = gradientNormHeatmap([0.5, 1, 1.5], { hidden: 4, steps: 6, seed: 9, activation: "linear" });
    assert.deepEqual(map.distance, [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(map.log10Norm.length, 3);
    map.log10Norm[1].forEach((v) => assert.ok(Math.abs(v) < 1e-9, "ρ = 1, orthogonal: norm 1"));
    assert.ok(Math.abs(map.log10Norm[0][6] - 6 * Math.log10(0.5)) < 1e-9);
  });
});

describe("lstmCellPathNorms", () => {
  test("f ≈ 1 keeps the path near 1; f = 0.5 halves it each step", () => {
    const near1 = lstmCellPathNorms(Array.from({ length: 20 }, () => [0.999, 0.995, 0.99]));
    assert.ok(near1[20] > 0.98, `after 20 steps: ${near1[20]}`);
    const half = lstmCellPathNorms(Array.from({ length: 10 }, () => [0.5, 0.25]));
    half.forEach((n, d) => assert.equal(n, 0.5 ** d));
  });
  test("forget bias: large b_f gives f ≈ 1 and a path that survives; b_f = 0 vanishes", () => {
    const high = lstmCellPathNorms(forgetGatesFromBias(5, { steps: 30, hidden: 8, seed: 4 }));
    const zero = lstmCellPathNorms(forgetGatesFromBias(0, { steps: 30, hidden: 8, seed: 4 }));
    assert.ok(high[30] > 0.7, `b_f 5: ${high[30]}`);
    assert.ok(zero[30] < 1e-3, `b_f 0: ${zero[30]}`);
  });
  test("errors name the step", () => {
    assert.throws(() => lstmCellPathNorms([[0.5, 0.5], [0.5]]), /lstmCellPathNorms: expected forgetGates\[1\] of length 2, got 1/);
  });
});
