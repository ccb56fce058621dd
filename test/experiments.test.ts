/**
 * The experiments of notebook 03-lstm-gru (lib/src/experiments/memory.ts, bidirectional.ts,
 * architectures.ts) on tiny settings: well-formed results, repeatable for the same seed,
 * no tensor leaks, and the claim the notebook makes about bidirectional taggers (they beat
 * the ceiling of any left-to-right tagger on nextTokenTask, which the left-to-right LSTM
 * does not exceed).
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend";
import { ArgumentError } from "../lib/src/errors";
import { memorySweep, mergeSweeps, summarizeSweep, sweepChart, type MemoryRow } from "../lib/src/experiments/memory";
import {
  bidirectionalComparison, comparisonChart, taggerLayer, TAGGER_ARCHITECTURES,
} from "../lib/src/experiments/bidirectional";
import { alignedDemo, manyToOneDemo, oneToManyDemo, unalignedDemo } from "../lib/src/experiments/architectures";
import { DIGIT_NAMES } from "../lib/src/data/tasks";

before(async () => {
  await initBackend({ quiet: true });
});

/** Runs `f` and checks that it leaves no tensor behind. */
function noLeak<T>(f: () => T): T {
  const before = tf.memory().numTensors;
  const result = f();
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
  return result;
}

describe("memorySweep", () => {
  const tiny = { lengths: [3, 5], seeds: [1, 2], steps: 3, hidden: 4, evalSize: 16 };

  test("one row per (cell, length, seed) in order, with finite metrics; repeatable", () => {
    const a = noLeak(() => memorySweep(tiny));
    assert.equal(a.task, "adding");
    assert.equal(a.metricName, "mse");
    assert.equal(a.baseline, 1 / 6);
    assert.deepEqual(
      a.rows.map((r) => [r.cell, r.length, r.seed]),
      ["rnn", "lstm", "gru"].flatMap((c) => [3, 5].flatMap((T) => [1, 2].map((s) => [c, T, s]))),
    );
    for (const r of a.rows) {
      assert.ok(Number.isFinite(r.metric) && r.metric >= 0, `mse ${r.metric}`);
      assert.equal(r.steps, 3);
      assert.ok(r.seconds > 0);
    }
    const b = memorySweep(tiny);
    assert.deepEqual(b.rows.map((r) => r.metric), a.rows.map((r) => r.metric));
    // different seeds give different runs
    assert.notEqual(a.rows[0].metric, a.rows[1].metric);
  });

  test("copy and remember tasks report an accuracy in [0, 1] with chance 1/K", () => {
    for (const task of ["copy", "remember"] as const) {
      const r = noLeak(() => memorySweep({ ...tiny, task, cells: ["lstm"], seeds: [1], symbols: 3, forgetBias: 3 }));
      assert.equal(r.metricName, "accuracy");
      assert.equal(r.baseline, 1 / 3);
      assert.equal(r.rows.length, 2);
      for (const row of r.rows) assert.ok(row.metric >= 0 && row.metric <= 1, `${task}: ${row.metric}`);
    }
  });

  test("batch seeds stay in [0, 2^32) for large seeds and lengths", () => {
    const r = memorySweep({ lengths: [60], seeds: [9], cells: ["rnn"], steps: 1, hidden: 2, evalSize: 4 });
    assert.equal(r.rows.length, 1);
  });

  test("mergeSweeps: sweeps run one cell kind at a time equal the sweep of all of them", () => {
    const all = memorySweep({ ...tiny, seeds: [1] });
    const merged = mergeSweeps((["rnn", "lstm", "gru"] as const).map((c) => memorySweep({ ...tiny, seeds: [1], cells: [c] })));
    assert.deepEqual(merged.rows.map((r) => [r.cell, r.length, r.metric]), all.rows.map((r) => [r.cell, r.length, r.metric]));
    const copy = memorySweep({ ...tiny, task: "copy", cells: ["rnn"], seeds: [1], lengths: [1] });
    assert.throws(() => mergeSweeps([all, copy]), /expected every sweep on task "adding" \(baseline 0.16666666666666666\), got "copy" \(baseline 0.25\)/);
    assert.throws(() => mergeSweeps([]), /expected at least one sweep, got 0/);
  });

  test("rejects an unknown task", () => {
    assert.throws(() => memorySweep({ task: "sorting" as never }), (e: unknown) =>
      e instanceof ArgumentError && /expected task "adding", "copy" or "remember", got "sorting"/.test(e.message));
  });

  test("summarizeSweep: mean, median, min and max per (cell, length), lengths sorted", () => {
    const row = (cell: MemoryRow["cell"], length: number, metric: number): MemoryRow =>
      ({ cell, length, seed: 1, metric, steps: 1, seconds: 1 });
    const s = summarizeSweep([row("rnn", 20, 1), row("rnn", 10, 2), row("rnn", 20, 4), row("lstm", 10, 5)]);
    assert.deepEqual(s, [
      { cell: "rnn", lengths: [10, 20], mean: [2, 2.5], median: [2, 2.5], min: [2, 1], max: [2, 4] },
      { cell: "lstm", lengths: [10], mean: [5], median: [5], min: [5], max: [5] },
    ]);
  });

  test("sweepChart: a median line per cell, the baseline, then each cell's runs as points", () => {
    const rows: MemoryRow[] = [
      { cell: "rnn", length: 10, seed: 1, metric: 0.1, steps: 1, seconds: 1 },
      { cell: "rnn", length: 10, seed: 2, metric: 0.3, steps: 1, seconds: 1 },
      { cell: "rnn", length: 10, seed: 3, metric: 5, steps: 1, seconds: 1 },
      { cell: "gru", length: 10, seed: 1, metric: 0.01, steps: 1, seconds: 1 },
    ];
    const fig = sweepChart({ task: "adding", metricName: "mse", baseline: 1 / 6, rows });
    assert.deepEqual(fig.data.map((t) => t.name), ["RNN (median)", "GRU (median)", "baseline: predict 1", "RNN (each seed)", "GRU (each seed)"]);
    assert.deepEqual(fig.data[0].y, [0.3]); // the median of 0.1, 0.3, 5
    assert.deepEqual(fig.data[3].y, [0.1, 0.3, 5]);
    assert.equal((fig.layout.yaxis as { type: string }).type, "log");
  });
});

describe("bidirectionalComparison", () => {
  test("every tagger layer maps [B, T, D] to [B, T, 2H]", () => {
    for (const a of TAGGER_ARCHITECTURES) {
      const layer = taggerLayer(a, 3, 2);
      const out = tf.tidy(() => layer.run(tf.zeros([2, 4, 3]) as tf.Tensor3D).outputs.shape);
      assert.deepEqual(out, [2, 4, 4], a);
      layer.weights.forEach((w) => w.dispose());
    }
    assert.throws(() => taggerLayer("deep" as never, 3, 2), /expected architecture one of lstm, stacked, bidirectional, stacked-bidirectional, got "deep"/);
  });

  test("the bidirectional tagger beats the left-to-right ceiling; the left-to-right one does not", () => {
    // K = 3, T = 4: ceiling ((T−1)/K + 1)/T = 0.5. The next token is a copy of the input one
    // step to the right, which the backward half learns within a few dozen steps.
    const options = { architectures: ["lstm", "bidirectional"] as const, symbols: 3, length: 4, hidden: 4, steps: 60, evalEvery: 20, evalSize: 256 };
    const r = noLeak(() => bidirectionalComparison({ ...options, architectures: [...options.architectures] }));
    assert.equal(r.task, "next-token(K=3, T=4)");
    assert.equal(r.leftToRightCeiling, 0.5);
    const [lstm, bi] = r.runs;
    assert.equal(lstm.architecture, "lstm");
    assert.deepEqual(bi.curve.steps, [20, 40, 60]);
    assert.equal(bi.accuracy, bi.curve.accuracy[2]);
    // Measured (wasm, seeds 1–4, evalSize 128): left-to-right 0.49–0.54, bidirectional 0.73–0.76
    // at step 60; the margins below leave room for other backends and seeds.
    assert.ok(lstm.accuracy <= r.leftToRightCeiling + 0.06, `left-to-right ${lstm.accuracy}`);
    assert.ok(bi.accuracy >= r.leftToRightCeiling + 0.15, `bidirectional ${bi.accuracy}`);
    // parameters: LSTM(3 → 8): (8+3)·32 + 32, out 8·4 + 4; Bi: 2 × ((4+3)·16 + 16), out 8·4 + 4
    assert.equal(lstm.parameters, 11 * 32 + 32 + 36);
    assert.equal(bi.parameters, 2 * (7 * 16 + 16) + 36);
    const again = bidirectionalComparison({ ...options, architectures: ["bidirectional"] });
    assert.deepEqual(again.runs[0].curve, bi.curve);
    const fig = comparisonChart(r);
    assert.deepEqual(fig.data.map((t) => t.type), ["bar", "scatter"]);
    assert.deepEqual(fig.data[0].y, [lstm.accuracy, bi.accuracy]);
    assert.deepEqual(fig.data[1].y, [0.5, 0.5]);
  });
});

describe("architecture demos", () => {
  test("many-to-one: examples show the two marked values and their sum; repeatable", () => {
    const a = noLeak(() => manyToOneDemo({ steps: 2, length: 6, hidden: 4, examples: 3 }));
    assert.equal(a.architecture, "many-to-one");
    assert.equal(a.task, "adding(T=6)");
    assert.equal(a.losses.length, 2);
    assert.equal(a.examples.length, 3);
    for (const e of a.examples) {
      const [u, v] = e["marked values"].split(" + ").map(Number);
      assert.ok(Math.abs(u + v - Number(e.target)) <= 0.0015, JSON.stringify(e));
    }
    assert.equal(manyToOneDemo({ steps: 2, length: 6, hidden: 4, examples: 3 }).metric, a.metric);
  });

  test("aligned: recall accuracy in [0, 1], S symbols per example", () => {
    const a = noLeak(() => alignedDemo({ steps: 2, delay: 2, hidden: 4, copyLength: 2, symbols: 3 }));
    assert.ok(a.metric >= 0 && a.metric <= 1);
    assert.equal(a.baseline, 1 / 3);
    for (const e of a.examples) {
      assert.equal(e.symbols.split(" ").length, 2);
      assert.equal(e.recalled.split(" ").length, 2);
    }
  });

  test("one-to-many: one row per digit, metric = fraction spelled exactly", () => {
    const a = noLeak(() => oneToManyDemo({ steps: 2, hidden: 4 }));
    assert.deepEqual(a.examples.map((e) => e.name), [...DIGIT_NAMES]);
    assert.equal(a.metric, a.examples.filter((e) => e.name === e.generated).length / 10);
  });

  test("unaligned: targets are the reversed inputs; exact match in [0, 1]", () => {
    const a = noLeak(() => unalignedDemo({ steps: 2, hidden: 4, examples: 4 }));
    assert.equal(a.examples.length, 4);
    for (const e of a.examples) assert.equal(e.target, e.input.split(" ").reverse().join(" "));
    assert.ok(a.metric >= 0 && a.metric <= 1);
  });
});
