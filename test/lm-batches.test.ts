/**
 * LM batching (lib/src/data/lm_batches.ts). Oracles:
 * - a stream of DISTINCT ids x_j = 100 + j, so every cell of a window names its position j;
 *   the windows must hold every pair (x_j, x_{j+1}) exactly once, rows must continue across
 *   windows, padding only at the end (fast-check over N, B, k);
 * - a hand-computed example (N = 13, B = 2, k = 3);
 * - truncated BPTT with the carried, detached state gives the same hidden states as one
 *   run over each whole stream (the reference rnnSequence), so the carry convention is right;
 * - stopGradient: tfjs autodiff of sum(x ⊙ stop(x)) is x (not 2x);
 * - per-sentence batches rebuilt row by row against <SOS> s <EOS>.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { detachState, joinSentences, lmBatchTensors, sentenceBatches, stopGradient, streamBatches } from "../lib/src/data/lm_batches.js";
import { EOS_ID, PAD_ID, SOS_ID } from "../lib/src/data/vocab.js";
import { rnnSequenceReference } from "../lib/src/ops/sequence.js";

before(async () => {
  await initBackend({ quiet: true });
});

describe("streamBatches", () => {
  test("hand example: N = 13, B = 2, k = 3 → S = 6 pairs per stream, W = 2 windows, no padding", () => {
    const ids = Array.from({ length: 13 }, (_, j) => j); // x_j = j
    const sb = streamBatches(ids, { batchSize: 2, bptt: 3 });
    assert.equal(sb.streamLength, 6); // ⌈12 / 2⌉
    assert.equal(sb.numWindows, 2); // ⌈6 / 3⌉
    const [w0, w1] = [...sb.windows()];
    assert.deepEqual(Array.from(w0.inputs), [0, 1, 2, 6, 7, 8]);
    assert.deepEqual(Array.from(w0.targets), [1, 2, 3, 7, 8, 9]);
    assert.deepEqual(Array.from(w1.inputs), [3, 4, 5, 9, 10, 11]);
    assert.deepEqual(Array.from(w1.targets), [4, 5, 6, 10, 11, 12]);
    assert.deepEqual(Array.from(w1.mask), [1, 1, 1, 1, 1, 1]);
    assert.deepEqual(w1.shape, [2, 3]);
  });

  test("hand example with padding: N = 8, B = 3, k = 2 → S = 3; stream 2 holds one pair", () => {
    const sb = streamBatches([10, 11, 12, 13, 14, 15, 16, 17], { batchSize: 3, bptt: 2 });
    const [w0, w1] = [...sb.windows()];
    // pairs j: stream 0 = 0,1,2; stream 1 = 3,4,5; stream 2 = 6
    assert.deepEqual(Array.from(w0.inputs), [10, 11, 13, 14, 16, PAD_ID]);
    assert.deepEqual(Array.from(w0.targets), [11, 12, 14, 15, 17, PAD_ID]);
    assert.deepEqual(Array.from(w0.mask), [1, 1, 1, 1, 1, 0]);
    assert.deepEqual(Array.from(w1.inputs), [12, PAD_ID, 15, PAD_ID, PAD_ID, PAD_ID]);
    assert.deepEqual(Array.from(w1.mask), [1, 0, 1, 0, 0, 0]);
    assert.equal(w0.numTargets + w1.numTargets, 7);
  });

  test("property: every token but the first is a target exactly once, rows continue across windows, right padding only", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 300 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 12 }), (N, B, k) => {
        const ids = Int32Array.from({ length: N }, (_, j) => 100 + j);
        const sb = streamBatches(ids, { batchSize: B, bptt: k, padId: -1 });
        const seen = new Int32Array(N);
        const rows: number[][] = Array.from({ length: B }, () => []);
        let total = 0;
        for (const w of sb.windows()) {
          assert.deepEqual(w.shape, [B, k]);
          let n = 0;
          for (let b = 0; b < B; b++) {
            let padded = false;
            for (let t = 0; t < k; t++) {
              const i = b * k + t;
              if (w.mask[i] === 1) {
                assert.ok(!padded, "a real cell after padding");
                assert.equal(w.targets[i], w.inputs[i] + 1, "target is the next token");
                seen[w.targets[i] - 100]++;
                rows[b].push(w.inputs[i]);
                n++;
              } else {
                assert.equal(w.mask[i], 0);
                assert.equal(w.inputs[i], -1);
                assert.equal(w.targets[i], -1);
                padded = true;
              }
            }
          }
          assert.equal(w.numTargets, n);
          total += n;
        }
        assert.equal(total, N - 1);
        assert.equal(sb.numTargets, N - 1);
        assert.equal(seen[0], 0);
        for (let j = 1; j < N; j++) assert.equal(seen[j], 1, `token ${j} seen ${seen[j]} times`);
        // each row is one contiguous run of the stream, and rows follow each other
        let next = 100;
        for (const r of rows) {
          r.forEach((x, t) => assert.equal(x, next + t));
          next += r.length;
        }
        assert.equal(next, 100 + N - 1);
      }),
    );
  });

  test("joinSentences appends <EOS> after each sentence", () => {
    assert.deepEqual(Array.from(joinSentences([[5, 6], [], [7]])), [5, 6, EOS_ID, EOS_ID, 7, EOS_ID]);
  });

  test("truncated BPTT with the carried detached state = one run over each whole stream", () => {
    const V = 7;
    const H = 5;
    const N = 40;
    const B = 3;
    const k = 4;
    const ids = Int32Array.from({ length: N }, (_, j) => (j * 5 + 1) % V);
    const sb = streamBatches(ids, { batchSize: B, bptt: k });
    const w = {
      V: tf.randomNormal([V, H], 0, 0.5, "float32", 1) as tf.Tensor2D,
      W: tf.randomNormal([H, H], 0, 0.5, "float32", 2) as tf.Tensor2D,
      b: tf.randomNormal([H], 0, 0.5, "float32", 3) as tf.Tensor1D,
    };
    // windowed: state carried across windows with detachState
    let state = [tf.zeros([B, H]) as tf.Tensor2D];
    const windowed: number[][][] = Array.from({ length: B }, () => []); // [B][steps][H]
    for (const win of sb.windows()) {
      const t = lmBatchTensors(win);
      const xs = tf.oneHot(t.inputs, V).toFloat() as tf.Tensor3D; // [B, k, V]
      const r = rnnSequenceReference(xs, w, { mask: t.mask, initialState: state });
      const outs = r.outputs.arraySync(); // [B, k, H]
      for (let b = 0; b < B; b++) for (let s = 0; s < k; s++) if (win.mask[b * k + s] === 1) windowed[b].push(outs[b][s]);
      const next = detachState(r.finalState);
      tf.dispose([state, r.outputs, r.finalState, xs, t.inputs, t.targets, t.mask]);
      state = next;
    }
    tf.dispose(state);
    // reference: each stream b (its inputs x_{bS} … x_{min((b+1)S, N-1) - 1}) alone, from zeros
    const S = sb.streamLength;
    for (let b = 0; b < B; b++) {
      const inputs = Array.from(ids.slice(b * S, Math.min((b + 1) * S, N - 1)));
      const xs = tf.oneHot(tf.tensor2d([inputs], [1, inputs.length], "int32"), V).toFloat() as tf.Tensor3D;
      const r = rnnSequenceReference(xs, w);
      const ref = r.outputs.arraySync()[0];
      assert.equal(windowed[b].length, ref.length);
      ref.forEach((h, s) => h.forEach((x, i) => assert.ok(Math.abs(x - windowed[b][s][i]) < 1e-5, `row ${b} step ${s}`)));
      tf.dispose([xs, r.outputs, r.finalState]);
    }
    tf.dispose([w.V, w.W, w.b]);
  });
});

describe("stopGradient / detachState", () => {
  test("autodiff of sum(x ⊙ stop(x)) is x, not 2x; values unchanged", () => {
    const x = tf.tensor1d([1, -2, 3]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(a, stopGradient(a))))(x);
    assert.deepEqual(Array.from(g.dataSync()), [1, -2, 3]);
    const y = stopGradient(x);
    assert.deepEqual(Array.from(y.dataSync()), [1, -2, 3]);
    tf.dispose([x, g, y]);
  });

  test("detachState survives tf.tidy and cuts the gradient into the previous window", () => {
    const x = tf.tensor2d([[0.5, -1]]);
    let kept: tf.Tensor2D[] = [];
    tf.tidy(() => {
      kept = detachState([tf.tanh(x) as tf.Tensor2D]);
    });
    assert.equal(kept[0].isDisposed, false);
    assert.ok(Math.abs(kept[0].dataSync()[0] - Math.tanh(0.5)) < 1e-6);
    const g = tf.grad((a: tf.Tensor) => tf.sum(detachState([tf.mul(a, 3) as tf.Tensor2D])[0]))(x);
    assert.deepEqual(Array.from(g.dataSync()), [0, 0]);
    tf.dispose([x, g, ...kept]);
  });
});

describe("sentenceBatches", () => {
  const sentencesArb = fc.array(fc.array(fc.integer({ min: 4, max: 50 }), { maxLength: 9 }), { minLength: 1, maxLength: 30 });

  test("hand example: <SOS> s <EOS>, right padding, mask", () => {
    const [batch] = sentenceBatches([[7, 8, 9], [5]], { batchSize: 2 });
    assert.deepEqual(batch.shape, [2, 4]);
    assert.deepEqual(Array.from(batch.inputs), [SOS_ID, 7, 8, 9, SOS_ID, 5, PAD_ID, PAD_ID]);
    assert.deepEqual(Array.from(batch.targets), [7, 8, 9, EOS_ID, 5, EOS_ID, PAD_ID, PAD_ID]);
    assert.deepEqual(Array.from(batch.mask), [1, 1, 1, 1, 1, 1, 0, 0]);
    assert.deepEqual(Array.from(batch.lengths), [4, 2]);
    assert.equal(batch.numTargets, 6);
  });

  test("property: every sentence in exactly one row, rebuilt exactly; bucketing sorts lengths; shuffle is seeded", () => {
    fc.assert(
      fc.property(sentencesArb, fc.integer({ min: 1, max: 8 }), fc.boolean(), fc.option(fc.nat(), { nil: undefined }), (sents, B, bucket, seed) => {
        const batches = sentenceBatches(sents, { batchSize: B, bucket, shuffleSeed: seed });
        const seen = new Int32Array(sents.length);
        const maxLens: number[] = [];
        const minLens: number[] = [];
        for (const batch of batches) {
          const [b, T] = batch.shape;
          assert.ok(b >= 1 && b <= B);
          assert.equal(T, Math.max(...Array.from(batch.lengths)));
          let n = 0;
          for (let r = 0; r < b; r++) {
            const s = sents[batch.indices[r]];
            seen[batch.indices[r]]++;
            const x = [SOS_ID, ...s, EOS_ID];
            assert.equal(batch.lengths[r], s.length + 1);
            for (let t = 0; t < T; t++) {
              const real = t < s.length + 1;
              assert.equal(batch.mask[r * T + t], real ? 1 : 0);
              assert.equal(batch.inputs[r * T + t], real ? x[t] : PAD_ID);
              assert.equal(batch.targets[r * T + t], real ? x[t + 1] : PAD_ID);
              if (real) n++;
            }
          }
          assert.equal(batch.numTargets, n);
          maxLens.push(T);
          minLens.push(Math.min(...Array.from(batch.lengths)));
        }
        assert.ok(seen.every((c) => c === 1));
        if (bucket && seed === undefined) for (let i = 1; i < batches.length; i++) assert.ok(minLens[i] >= maxLens[i - 1]);
        if (!bucket && seed === undefined) assert.deepEqual(batches.flatMap((x) => Array.from(x.indices)), sents.map((_, i) => i));
        if (seed !== undefined) assert.deepEqual(sentenceBatches(sents, { batchSize: B, bucket, shuffleSeed: seed }), batches);
      }),
    );
  });

  test("addSos/addEos false: plain next-token pairs inside the sentence", () => {
    const [batch] = sentenceBatches([[4, 5, 6]], { batchSize: 1, addSos: false, addEos: false });
    assert.deepEqual(Array.from(batch.inputs), [4, 5]);
    assert.deepEqual(Array.from(batch.targets), [5, 6]);
  });

  test("lmBatchTensors: shapes and dtypes", () => {
    const [batch] = sentenceBatches([[7, 8, 9], [5]], { batchSize: 2 });
    const t = lmBatchTensors(batch);
    assert.deepEqual([t.inputs.shape, t.inputs.dtype, t.targets.dtype, t.mask.dtype], [[2, 4], "int32", "int32", "float32"]);
    assert.deepEqual(Array.from(t.mask.dataSync()), Array.from(batch.mask));
    tf.dispose([t.inputs, t.targets, t.mask]);
  });

  test("argument errors", () => {
    assert.throws(() => streamBatches([1], { batchSize: 1, bptt: 1 }), /expected a stream of at least 2 tokens, got 1/);
    assert.throws(() => streamBatches([1, 2], { batchSize: 0, bptt: 1 }), /expected batchSize to be an integer ≥ 1, got 0/);
    assert.throws(() => streamBatches([1, 2], { batchSize: 1, bptt: 1 }).window(1), /expected an integer in \[0, 1\), got 1/);
    assert.throws(() => sentenceBatches([[1]], { batchSize: 2.5 }), /expected batchSize to be an integer ≥ 1, got 2.5/);
  });
});
