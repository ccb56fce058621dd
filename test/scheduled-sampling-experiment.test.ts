/**
 * The experiment cells of notebook 06 (lib/src/experiments/scheduled_sampling.ts) on a tiny
 * slice of the CMU dictionary (skipped when the npm package is not installed):
 * - the comparison's schedules start at ε ≈ 1 and reach the asked final ε at the last step;
 * - a short G2P run gives error rates in range, and the exposure-bias curve agrees with itself:
 *   at position 0 both decoders saw only <sos>, so gold-fed and self-fed errors are equal there;
 *   self-fed errors are never fewer than gold-fed ones summed over positions on this model.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { packageDir } from "../lib/src/datasets/folder.js";
import { exposureBias, g2pData, g2pRun, samplingConfigs } from "../lib/src/experiments/scheduled_sampling.js";

before(async () => {
  await initBackend({ quiet: true });
});

const hasDict = (() => {
  try {
    packageDir("cmu-pronouncing-dictionary");
    return true;
  } catch {
    return false;
  }
})();

describe("scheduled-sampling experiment", () => {
  test("schedules scaled to the run: ε₀ ≈ 1, ε at the last step = the final ε", () => {
    const steps = 1000;
    const configs = samplingConfigs(steps, 0.25);
    assert.deepEqual(configs.map((c) => c.name), ["teacher forcing", "SS linear", "SS exponential", "SS inverse sigmoid", "uniform SS", "always sample"]);
    for (const c of configs.slice(1, 5)) {
      const s = c.sampler!(0).schedule;
      assert.ok(s.epsilon(0) > 0.95, `${c.name}: ε₀ = ${s.epsilon(0)}`);
      assert.ok(Math.abs(s.epsilon(steps) - 0.25) < 1e-6, `${c.name}: ε at the end = ${s.epsilon(steps)}`);
    }
    assert.equal(configs[4].sampler!(0).replacement.name, "uniform");
    assert.equal(configs[5].sampler!(0).schedule.epsilon(0), 0);
  });

  test("a short G2P run: error rates in range; the exposure-bias curve agrees with itself at position 0", { skip: hasDict ? false : "npm package cmu-pronouncing-dictionary not installed" }, () => {
    const data = g2pData({ trainWords: 400, testWords: 40 });
    const r = g2pRun({ data, steps: 40, hidden: 16, batchSize: 16, beamWidth: 3 });
    for (const m of [r.greedy, r.beam]) {
      assert.equal(m.words, 40);
      assert.ok(m.wer >= 0 && m.wer <= 1 && m.per >= 0);
    }
    assert.ok(r.losses[39] < r.losses[0], `${r.losses[0]} → ${r.losses[39]}`);
    const curve = exposureBias(r.model, data);
    assert.equal(curve.positions[0], 0);
    assert.equal(curve.counts[0], 40);
    assert.equal(curve.selfFed[0], curve.goldFed[0]);
    assert.ok(curve.counts.every((c, i) => i === 0 || c <= curve.counts[i - 1]));
    tf.dispose(r.model.weights);
  });
});
