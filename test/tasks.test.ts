/**
 * Synthetic tasks (lib/src/data/tasks.ts): determinism per seed, shapes, and every
 * target recomputed by brute force from the inputs.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { ArgumentError } from "../lib/src/errors.js";
import {
  addingProblem, copyTask, decodeTokens, DIGIT_NAMES, EOS, nextTokenTask, rememberTask, reverseTask, SOS, spellingTask,
  type Task,
} from "../lib/src/data/tasks.js";

before(async () => {
  await initBackend({ quiet: true });
});

/** The batch's tensors as nested arrays. */
function arrays<B extends object>(batch: B): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(batch)) out[k] = (v as tf.Tensor).arraySync();
  tf.dispose(batch as tf.TensorContainer);
  return out;
}

/** Same seed → same batch; another seed → another batch. */
function checkDeterministic<B extends object>(task: Task<B>): void {
  const a = arrays(task.batch(8, 7));
  const b = arrays(task.batch(8, 7));
  const c = arrays(task.batch(8, 8));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
}

const argmax = (v: number[]) => v.indexOf(Math.max(...v));

describe("addingProblem", () => {
  const task = addingProblem({ length: 12 });

  test("is deterministic per seed", () => checkDeterministic(task));

  test("has two markers, one per half, and target = sum of the marked values", () => {
    const { inputs, targets } = arrays(task.batch(64, 3)) as { inputs: number[][][]; targets: number[][] };
    assert.equal(inputs.length, 64);
    for (let b = 0; b < 64; b++) {
      assert.equal(inputs[b].length, 12);
      const marked = inputs[b].flatMap(([, m], t) => (m === 1 ? [t] : []));
      assert.equal(marked.length, 2);
      assert.ok(marked[0] < 6 && marked[1] >= 6, `markers at ${marked}`);
      for (const [u, m] of inputs[b]) {
        assert.ok(u >= 0 && u < 1);
        assert.ok(m === 0 || m === 1);
      }
      const sum = inputs[b][marked[0]][0] + inputs[b][marked[1]][0];
      assert.ok(Math.abs(targets[b][0] - sum) < 1e-6);
    }
  });

  test("baseline: predicting 1 scores MSE ≈ 1/6", () => {
    const { targets } = arrays(addingProblem({ length: 4 }).batch(4000, 1)) as { targets: number[][] };
    const mse = targets.reduce((s, [y]) => s + (y - 1) ** 2, 0) / targets.length;
    assert.ok(Math.abs(mse - 1 / 6) < 0.015, `mse ${mse}`);
    assert.equal(task.baseline, 1 / 6);
  });
});

describe("rememberTask", () => {
  const task = rememberTask({ symbols: 3, delay: 5 });

  test("is deterministic per seed", () => checkDeterministic(task));

  test("label = the symbol at step 0; every later step is one distractor", () => {
    const { inputs, targets } = arrays(task.batch(32, 1)) as { inputs: number[][][]; targets: number[] };
    assert.equal(task.inputSize, 6);
    for (let b = 0; b < 32; b++) {
      assert.equal(inputs[b].length, 6);
      assert.equal(argmax(inputs[b][0]), targets[b]);
      assert.ok(targets[b] < 3);
      for (const x of inputs[b]) assert.equal(x.reduce((s, v) => s + v, 0), 1);
      for (const x of inputs[b].slice(1)) assert.ok(argmax(x) >= 3);
    }
  });
});

describe("copyTask", () => {
  const task = copyTask({ symbols: 4, length: 3, delay: 5 });

  test("is deterministic per seed", () => checkDeterministic(task));

  test("recall steps ask for the symbols in order; only they are scored", () => {
    const { inputs, targets, targetMask } = arrays(task.batch(16, 2)) as {
      inputs: number[][][]; targets: number[][]; targetMask: number[][];
    };
    const T = 3 + 5 + 3;
    for (let b = 0; b < 16; b++) {
      assert.equal(inputs[b].length, T);
      const symbols = inputs[b].slice(0, 3).map(argmax);
      assert.ok(symbols.every((s) => s < 4));
      assert.ok(inputs[b].slice(3, 8).every((x) => argmax(x) === 4)); // blank
      assert.ok(inputs[b].slice(8).every((x) => argmax(x) === 5)); // recall
      assert.deepEqual(targetMask[b], [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
      assert.deepEqual(targets[b].slice(8), symbols);
    }
  });
});

describe("nextTokenTask", () => {
  const task = nextTokenTask({ symbols: 4, maxLength: 7, minLength: 3 });

  test("is deterministic per seed", () => checkDeterministic(task));

  test("tag t = token t+1, END (= K) at the last real token, masks = lengths", () => {
    const { inputs, mask, targets, targetMask } = arrays(task.batch(64, 5)) as {
      inputs: number[][][]; mask: number[][]; targets: number[][]; targetMask: number[][];
    };
    const lengths = new Set<number>();
    for (let b = 0; b < 64; b++) {
      const len = mask[b].reduce((s, v) => s + v, 0);
      lengths.add(len);
      assert.ok(len >= 3 && len <= 7);
      assert.deepEqual(mask[b], [...Array(len).fill(1), ...Array(7 - len).fill(0)]);
      assert.deepEqual(targetMask[b], mask[b]);
      const tokens = inputs[b].slice(0, len).map(argmax);
      for (let t = 0; t < len; t++) assert.equal(targets[b][t], t + 1 < len ? tokens[t + 1] : 4);
      for (let t = len; t < 7; t++) assert.ok(inputs[b][t].every((v) => v === 0));
    }
    assert.ok(lengths.size > 1);
    assert.equal(task.outputSize, 5);
  });
});

describe("spellingTask", () => {
  const task = spellingTask();

  test("is deterministic per seed", () => checkDeterministic(task));

  test("targets spell the digit's name, then <eos>", () => {
    const { vectors, targets, targetMask } = arrays(task.batch(40, 4)) as {
      vectors: number[][]; targets: number[][]; targetMask: number[][];
    };
    assert.equal(task.vocabulary[SOS], "<sos>");
    assert.equal(task.vocabulary[EOS], "<eos>");
    for (let b = 0; b < 40; b++) {
      const word = DIGIT_NAMES[argmax(vectors[b])];
      assert.equal(targets[b].length, 6);
      assert.equal(decodeTokens(targets[b], task.vocabulary), word);
      assert.equal(targets[b][word.length], EOS);
      assert.equal(targetMask[b].reduce((s, v) => s + v, 0), word.length + 1);
    }
  });
});

describe("reverseTask", () => {
  test("is deterministic per seed", () => checkDeterministic(reverseTask()));

  for (const transform of ["reverse", "sort"] as const) {
    test(`${transform}: targets = transformed source digits, then <eos>`, () => {
      const task = reverseTask({ symbols: 5, minLength: 2, maxLength: 5, transform });
      const { sources, sourceMask, targets, targetMask } = arrays(task.batch(32, 6)) as {
        sources: number[][][]; sourceMask: number[][]; targets: number[][]; targetMask: number[][];
      };
      for (let b = 0; b < 32; b++) {
        const n = sourceMask[b].reduce((s, v) => s + v, 0);
        assert.ok(n >= 2 && n <= 5);
        const digits = sources[b].slice(0, n).map((x) => task.vocabulary[argmax(x)]);
        const expected = transform === "reverse" ? [...digits].reverse() : [...digits].sort();
        assert.equal(decodeTokens(targets[b], task.vocabulary), expected.join(""));
        assert.equal(targets[b].length, 6);
        assert.equal(targetMask[b].reduce((s, v) => s + v, 0), n + 1);
      }
    });
  }
});

test("bad options and seeds throw ArgumentError naming the argument", () => {
  assert.throws(() => addingProblem({ length: 1 }), { name: "ArgumentError", message: /expected length an integer ≥ 2, got 1/ });
  assert.throws(() => nextTokenTask({ maxLength: 5, minLength: 6 }), ArgumentError);
  assert.throws(() => copyTask().batch(2, -1), { message: /expected seed an integer in \[0, 2\^32\), got -1/ });
  assert.throws(() => reverseTask({ symbols: 11 }), { message: /expected symbols an integer in \[2, 10\], got 11/ });
});
