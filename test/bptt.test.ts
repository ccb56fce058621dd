/**
 * BPTT for the vanilla RNN (lib/src/rnn/vanilla.ts) against three oracles: float64 central
 * finite differences, the lecture's explicit Σ_k Π Jacobian form, and tfjs autodiff.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { finiteDifferences64, relativeError } from "../lib/src/gradcheck/gradcheck.js";
import { uniformGenerator, gaussian } from "../lib/src/rnn/linalg64.js";
import {
  initVanilla,
  vanillaBptt64,
  vanillaBpttExplicit64,
  vanillaForward64,
  vanillaFromFlat64,
  vanillaFromVariables,
  vanillaLossTf,
  vanillaToFlat64,
  vanillaToVariables,
  VANILLA_PARAM_NAMES,
  type BpttOptions,
  type VanillaParams64,
} from "../lib/src/rnn/vanilla.js";
import { ArgumentError } from "../lib/src/errors.js";

interface Problem {
  params: VanillaParams64;
  xs: Float64Array[];
  ys: number[];
  weights?: number[];
  h0?: Float64Array;
}

/** A random problem with sizes D, H, K, T from one seed. */
function problem(D: number, H: number, K: number, T: number, seed: number, scale = 0.5): Problem {
  const params = initVanilla(D, H, K, { scale, seed });
  const u = uniformGenerator(seed + 7);
  const xs = Array.from({ length: T }, () => Float64Array.from({ length: D }, () => gaussian(u)));
  const ys = Array.from({ length: T }, () => Math.floor(u() * K));
  const h0 = Float64Array.from({ length: H }, () => 0.5 * gaussian(u));
  return { params, xs, ys, h0 };
}

const flatGrads = (_p: VanillaParams64, g: ReturnType<typeof vanillaBptt64>) => vanillaToFlat64(g);

/** dL/dθ by float64 central differences of the forward loss. */
function fdGrads(pr: Problem, options: BpttOptions = {}): Float64Array {
  const { D, H, K } = pr.params;
  const f = (theta: Float64Array) => vanillaForward64(vanillaFromFlat64(theta, D, H, K), pr.xs, pr.ys, options).loss;
  return finiteDifferences64(f, vanillaToFlat64(pr.params));
}

const sizes = fc.record({
  D: fc.integer({ min: 1, max: 4 }),
  H: fc.integer({ min: 1, max: 5 }),
  K: fc.integer({ min: 2, max: 4 }),
  T: fc.integer({ min: 1, max: 6 }),
  seed: fc.integer({ min: 0, max: 1e6 }),
});

describe("vanillaBptt64", () => {
  test("matches float64 finite differences (< 1e-6 relative), random shapes", () => {
    let worst = 0;
    fc.assert(
      fc.property(sizes, fc.boolean(), ({ D, H, K, T, seed }, manyToOne) => {
        const pr = problem(D, H, K, T, seed);
        const options: BpttOptions = { h0: pr.h0, weights: manyToOne ? pr.ys.map((_, t) => (t === T - 1 ? 1 : 0)) : undefined };
        const err = relativeError(flatGrads(pr.params, vanillaBptt64(pr.params, pr.xs, pr.ys, options)), fdGrads(pr, options));
        worst = Math.max(worst, err);
        assert.ok(err < 1e-6, `rel error ${err}`);
      }),
      { numRuns: 40, seed: 1 },
    );
    console.log(`  BPTT vs FD64: max rel error ${worst.toExponential(1)}`);
  });

  test("equals the lecture's explicit Σ_k Π Jacobian form (< 1e-10), full and truncated", () => {
    let worst = 0;
    fc.assert(
      fc.property(sizes, fc.integer({ min: 1, max: 7 }), ({ D, H, K, T, seed }, k) => {
        const pr = problem(D, H, K, T, seed);
        for (const truncate of [undefined, k]) {
          const options = { h0: pr.h0, truncate };
          const fast = vanillaBptt64(pr.params, pr.xs, pr.ys, options);
          const explicit = vanillaBpttExplicit64(pr.params, pr.xs, pr.ys, options);
          const err = relativeError(flatGrads(pr.params, fast), flatGrads(pr.params, explicit));
          worst = Math.max(worst, err);
          assert.ok(err < 1e-10, `truncate ${truncate}: rel error ${err}`);
          assert.equal(fast.loss, explicit.loss);
        }
      }),
      { numRuns: 40, seed: 2 },
    );
    console.log(`  BPTT vs explicit lecture form: max rel error ${worst.toExponential(1)}`);
  });

  test("matches tfjs autodiff of vanillaLossTf (float32, < 1e-3 relative)", () => {
    let worst = 0;
    for (const seed of [3, 4, 5]) {
      const pr = problem(3, 4, 3, 5, seed);
      const weights = [1, 0, 0.5, 1, 2];
      const vars = vanillaToVariables(pr.params);
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(() => vanillaLossTf(vars, pr.xs, pr.ys, { weights, h0: pr.h0 }));
      const hand = vanillaBptt64(pr.params, pr.xs, pr.ys, { weights, h0: pr.h0 });
      assert.ok(Math.abs(value.dataSync()[0] - hand.loss) < 1e-5 * Math.max(1, hand.loss));
      for (const name of VANILLA_PARAM_NAMES) {
        const err = relativeError(grads[vars[name].name].dataSync(), hand[name]);
        worst = Math.max(worst, err);
        assert.ok(err < 1e-3, `${name}: rel error ${err}`);
      }
      tf.dispose([value, ...Object.values(grads)]);
      assert.equal(tf.memory().numTensors, before);
      tf.dispose(Object.values(vars));
    }
    console.log(`  BPTT vs tfjs autodiff (float32): max rel error ${worst.toExponential(1)}`);
  });

  test("truncate = T equals full BPTT; truncate < T differs and equals the explicit truncated sum", () => {
    const pr = problem(2, 3, 3, 6, 11, 0.8);
    const full = flatGrads(pr.params, vanillaBptt64(pr.params, pr.xs, pr.ys));
    assert.deepEqual(flatGrads(pr.params, vanillaBptt64(pr.params, pr.xs, pr.ys, { truncate: 6 })), full);
    assert.deepEqual(flatGrads(pr.params, vanillaBptt64(pr.params, pr.xs, pr.ys, { truncate: 60 })), full);
    for (const k of [1, 2, 3]) {
      const trunc = vanillaBptt64(pr.params, pr.xs, pr.ys, { truncate: k });
      const explicit = vanillaBpttExplicit64(pr.params, pr.xs, pr.ys, { truncate: k });
      assert.ok(relativeError(flatGrads(pr.params, trunc), flatGrads(pr.params, explicit)) < 1e-12);
      assert.ok(relativeError(trunc.W, full.subarray(pr.params.V.length, pr.params.V.length + 9)) > 1e-8, `k=${k} should differ (by far more than float64 rounding)`);
      // dU and db̂ are never truncated.
      assert.ok(relativeError(trunc.U, vanillaBptt64(pr.params, pr.xs, pr.ys).U) < 1e-15);
    }
  });

  test("truncate = 1 keeps only the direct term ∂h_t/∂W (h_{t-1} treated as a constant)", () => {
    const pr = problem(2, 3, 2, 4, 12);
    const { D, H, K } = pr.params;
    // Oracle: Σ_t of the gradient of L_t with h_{t-1} frozen at its forward value.
    const run = vanillaForward64(pr.params, pr.xs, pr.ys);
    const expected = new Float64Array(H * H);
    for (let t = 0; t < 4; t++) {
      const hPrev = t === 0 ? new Float64Array(H) : run.h[t - 1];
      const stepLoss = (theta: Float64Array) => {
        const p = vanillaFromFlat64(theta, D, H, K);
        return vanillaForward64(p, [pr.xs[t]], [pr.ys[t]], { h0: hPrev }).loss;
      };
      const g = finiteDifferences64(stepLoss, vanillaToFlat64(pr.params));
      g.subarray(H * D, H * D + H * H).forEach((v, i) => (expected[i] += v));
    }
    const trunc = vanillaBptt64(pr.params, pr.xs, pr.ys, { truncate: 1 });
    assert.ok(relativeError(trunc.W, expected) < 1e-7);
  });

  test("dL_t/dU depends only on step t: it is the outer product h_t (ŷ_t − onehot(y_t))ᵀ, [H, K]", () => {
    const pr = problem(2, 3, 4, 5, 13);
    const run = vanillaForward64(pr.params, pr.xs, pr.ys);
    for (let t = 0; t < 5; t++) {
      const weights = pr.ys.map((_, s) => (s === t ? 1 : 0));
      const g = vanillaBptt64(pr.params, pr.xs, pr.ys, { weights });
      const outer = new Float64Array(3 * 4); // [H, K]
      for (let j = 0; j < 3; j++) {
        for (let k = 0; k < 4; k++) outer[j * 4 + k] = run.h[t][j] * (run.yHat[t][k] - (k === pr.ys[t] ? 1 : 0));
      }
      assert.ok(relativeError(g.U, outer) < 1e-14);
    }
  });

  test("conversions round-trip: flat and tf.Variables", () => {
    const p = initVanilla(2, 3, 4, { seed: 5 });
    assert.deepEqual(vanillaFromFlat64(vanillaToFlat64(p), 2, 3, 4), p);
    const tensorsBefore = tf.memory().numTensors;
    const vars = vanillaToVariables(p);
    const back = vanillaFromVariables(vars);
    for (const name of VANILLA_PARAM_NAMES) assert.ok(relativeError(back[name], p[name]) < 1e-7);
    assert.deepEqual(vars.V.shape, [2, 3], "V [D, H]");
    assert.deepEqual(vars.U.shape, [3, 4], "U [H, K]");
    tf.dispose(Object.values(vars));
    assert.equal(tf.memory().numTensors, tensorsBefore, "no tensor left behind");
  });

  test("errors name the argument", () => {
    const pr = problem(2, 3, 2, 3, 1);
    assert.throws(() => vanillaBptt64(pr.params, pr.xs, [0, 1]), { name: "ArgumentError", message: "vanillaForward64: expected ys of length T = 3, got 2" });
    assert.throws(() => vanillaBptt64(pr.params, pr.xs, [0, 1, 2]), /expected ys\[2\] a class in \[0, 2\), got 2/);
    assert.throws(() => vanillaBptt64(pr.params, pr.xs, pr.ys, { truncate: 0 }), /expected truncate an integer ≥ 1, got 0/);
    assert.throws(() => vanillaForward64(pr.params, [new Float64Array(3)], [0]), ArgumentError);
  });
});

before(async () => {
  await initBackend({ quiet: true });
});

test("checkVanillaBptt (the notebook's table): every trial within the float64 and float32 bounds", async () => {
  const { checkVanillaBptt } = await import("../lib/src/gradcheck/vanilla_check.js");
  const trials = checkVanillaBptt({ trials: 3 });
  assert.equal(trials.length, 3);
  for (const r of trials) {
    assert.ok(r.handVsFiniteDiff64 < 1e-6, `float64 ${r.handVsFiniteDiff64}`);
    assert.ok(r.handVsAutodiff32 < 1e-3 && r.autodiffVsFiniteDiff32 < 1e-3, JSON.stringify(r));
  }
});
