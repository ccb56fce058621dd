/**
 * Cells and layers (lib/src/rnn/*.ts): gradients and composition.
 *
 * 1. Gradient checks (lib/src/gradcheck/gradcheck.ts): tfjs autodiff vs float32 central
 *    finite differences of a masked sequence loss, for the RNN, LSTM and GRU cells, a
 *    2-layer StackedRnn, a Bidirectional layer and a stacked bidirectional network. The
 *    loss L = Σ outputs ⊙ R + Σ_j finalState_j ⊙ S_j (R, S fixed random) reaches every
 *    output and every final state, so the masking and reverse paths are differentiated too.
 * 2. A student's cell — the minimal gated unit (MGU, Zhou et al. 2016), written below with
 *    only `step` — plugs into cellSequence, recurrentLayer, StackedRnn and Bidirectional,
 *    and passes the same gradient check.
 * 3. Layers equal their definitions: Bidirectional = [forward run, reversed run],
 *    StackedRnn = layer after layer, with states split and concatenated bottom first.
 * 4. No tensor leaks.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { setSeed, nextSeed } from "../lib/src/random.js";
import { gradCheck } from "../lib/src/gradcheck/gradcheck.js";
import type { CellState, RecurrentCell } from "../lib/src/rnn/cell.js";
import { cellSequence } from "../lib/src/rnn/cell_sequence.js";
import { recurrentLayer, makeCell, type SequenceLayer } from "../lib/src/rnn/layer.js";
import { StackedRnn } from "../lib/src/rnn/stacked.js";
import { Bidirectional } from "../lib/src/rnn/bidirectional.js";
import { recurrentUniform } from "../lib/src/rnn/init.js";
import { RnnCell } from "../lib/src/rnn/rnn_cell.js";
import { LstmCell } from "../lib/src/rnn/lstm.js";
import { GruCell } from "../lib/src/rnn/gru.js";

before(async () => {
  await initBackend({ quiet: true });
});

/**
 * A student's cell: the minimal gated unit (Zhou, Wu, Zhang & Zhou 2016), one gate f_t
 * doing the work of the GRU's r_t and u_t:
 *   f_t = σ([h_{t-1}, x_t] W_f + b_f),  h̃_t = tanh([f_t ⊙ h_{t-1}, x_t] W_h + b_h),
 *   h_t = (1 − f_t) ⊙ h_{t-1} + f_t ⊙ h̃_t.
 * Only `step`: cellSequence must loop over it.
 */
class MguCell implements RecurrentCell {
  readonly name = "mgu";
  readonly Wf: tf.Variable;
  readonly bf: tf.Variable;
  readonly Wh: tf.Variable;
  readonly bh: tf.Variable;
  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
  ) {
    const H = hiddenSize;
    this.Wf = recurrentUniform([H + inputSize, H], H); // [H+D, H]
    this.bf = recurrentUniform([H], H); // [H]
    this.Wh = recurrentUniform([H + inputSize, H], H); // [H+D, H]
    this.bh = recurrentUniform([H], H); // [H]
  }
  get weights(): tf.Variable[] {
    return [this.Wf, this.bf, this.Wh, this.bh];
  }
  zeroState(B: number): CellState {
    return [tf.zeros([B, this.hiddenSize])];
  }
  step(x: tf.Tensor2D, [h]: CellState): CellState {
    return tf.tidy(() => {
      const f = tf.sigmoid(tf.add(tf.matMul(tf.concat([h, x], 1), this.Wf as tf.Tensor2D), this.bf)); // [B, H]
      const hTilde = tf.tanh(tf.add(tf.matMul(tf.concat([tf.mul(f, h), x], 1), this.Wh as tf.Tensor2D), this.bh)); // [B, H]
      return [tf.add(tf.mul(tf.sub(1, f), h), tf.mul(f, hTilde)) as tf.Tensor2D]; // [B, H]
    });
  }
}

const B = 3;
const T = 4;
const D = 3;
/** Right padding: lengths 4, 2, 1. */
const LENGTHS = [4, 2, 1];
const BOUND = 1e-3;

function maskOf(lengths: number[], T: number): tf.Tensor2D {
  return tf.tensor2d(lengths.map((l) => Array.from({ length: T }, (_, t) => (t < l ? 1 : 0)))); // [B, T]
}

/**
 * Gradient check of L = Σ outputs ⊙ R + Σ_j finalStates ⊙ S_j through `layer.run` with a
 * padding mask; every weight of the layer, plus the inputs xs as a variable.
 */
function checkLayer(layer: SequenceLayer, label: string): void {
  const xs = tf.variable(tf.randomNormal([B, T, layer.inputSize ?? D], 0, 1, "float32", nextSeed())) as tf.Variable<tf.Rank.R3>; // [B, T, D]
  const mask = maskOf(LENGTHS, T); // [B, T]
  const probe = tf.tidy(() => layer.run(xs, { mask }));
  const R = tf.randomNormal(probe.outputs.shape, 0, 1, "float32", nextSeed()); // [B, T, outputSize]
  const S = probe.finalStates.flat().map((s) => tf.randomNormal(s.shape, 0, 1, "float32", nextSeed())); // each [B, H]
  tf.dispose([probe.outputs, ...probe.finalStates.flat()]);
  const loss = () =>
    tf.tidy(() => {
      const { outputs, finalStates } = layer.run(xs, { mask });
      const terms = [tf.sum(tf.mul(outputs, R)), ...finalStates.flat().map((s, j) => tf.sum(tf.mul(s, S[j])))];
      return tf.addN(terms) as tf.Scalar;
    });
  const params = [...layer.weights, xs];
  const report = gradCheck(loss, params);
  if (process.env.SEQLAB_SHOW_GRADCHECK) console.log(label, report.autodiffVsFiniteDiff.toExponential(1));
  tf.dispose([xs, mask, R, ...S]);
  assert.ok(
    report.autodiffVsFiniteDiff < BOUND,
    `${label}: autodiff vs finite differences ${report.autodiffVsFiniteDiff}\n${JSON.stringify(report.rows)}`,
  );
}

describe("gradient checks (autodiff vs float32 finite differences), masked batches", () => {
  const cases: Array<[string, () => SequenceLayer]> = [
    ["rnn", () => recurrentLayer(new RnnCell(D, 3))],
    ["rnn reverse", () => recurrentLayer(new RnnCell(D, 3), { reverse: true })],
    ["lstm", () => recurrentLayer(new LstmCell(D, 3))],
    ["lstm reverse", () => recurrentLayer(new LstmCell(D, 3), { reverse: true })],
    ["gru", () => recurrentLayer(new GruCell(D, 3))],
    ["stacked lstm over gru", () => new StackedRnn([new GruCell(D, 3), new LstmCell(3, 2)])],
    ["bidirectional rnn/lstm", () => new Bidirectional(new RnnCell(D, 2), new LstmCell(D, 3))],
    ["stacked bidirectional", () => new StackedRnn([new Bidirectional(new GruCell(D, 2), new GruCell(D, 2)), new Bidirectional(new LstmCell(4, 2), new RnnCell(4, 2))])],
    ["student MGU (step only)", () => recurrentLayer(new MguCell(D, 3))],
    ["MGU stacked", () => new StackedRnn([new MguCell(D, 3), new MguCell(3, 2)])],
    ["MGU bidirectional", () => new Bidirectional(new MguCell(D, 2), new MguCell(D, 2))],
  ];
  for (const [label, make] of cases) {
    test(label, () => {
      setSeed(101);
      const layer = make();
      checkLayer(layer, label);
      layer.weights.forEach((w) => w.dispose());
    });
  }
});

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe("layers equal their definitions", () => {
  test("the MGU through cellSequence equals a hand loop over step", () => {
    setSeed(7);
    const cell = new MguCell(D, 2);
    tf.tidy(() => {
      const xs = tf.randomNormal([B, T, D], 0, 1, "float32", nextSeed()) as tf.Tensor3D; // [B, T, D]
      const { outputs, finalState } = cellSequence(cell, xs);
      let state = cell.zeroState(B);
      const hs: tf.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        state = cell.step(tf.squeeze(tf.slice(xs, [0, t, 0], [B, 1, D]), [1]) as tf.Tensor2D, state);
        hs.push(state[0]);
      }
      assert.ok(maxAbsDiff(outputs, tf.stack(hs, 1)) < 1e-6);
      assert.ok(maxAbsDiff(finalState[0], state[0]) < 1e-6);
    });
  });

  test("Bidirectional = concat(forward run, reverse run); finalStates = [forward, backward]", () => {
    setSeed(8);
    const fwd = new LstmCell(D, 2);
    const bwd = new GruCell(D, 3);
    const bi = new Bidirectional(fwd, bwd);
    assert.equal(bi.outputSize, 5);
    tf.tidy(() => {
      const xs = tf.randomNormal([B, T, D], 0, 1, "float32", nextSeed()) as tf.Tensor3D; // [B, T, D]
      const mask = maskOf(LENGTHS, T);
      const h0: CellState[] = [
        fwd.zeroState(B).map((s) => tf.onesLike(s)),
        bwd.zeroState(B).map((s) => tf.fill(s.shape, 0.5) as tf.Tensor2D),
      ];
      const run = bi.run(xs, { mask, initialStates: h0 });
      const f = recurrentLayer(fwd).run(xs, { mask, initialStates: [h0[0]] });
      const b = recurrentLayer(bwd, { reverse: true }).run(xs, { mask, initialStates: [h0[1]] });
      assert.deepEqual(run.outputs.shape, [B, T, 5]);
      assert.equal(maxAbsDiff(run.outputs, tf.concat([f.outputs, b.outputs], 2)), 0);
      assert.equal(run.finalStates.length, 2);
      assert.equal(maxAbsDiff(run.finalStates[0][1], f.finalStates[0][1]), 0);
      assert.equal(maxAbsDiff(run.finalStates[1][0], b.finalStates[0][0]), 0);
      // Padded positions are 0 in both halves.
      const padded = tf.mul(run.outputs, tf.expandDims(tf.sub(1, mask), 2));
      assert.equal(tf.max(tf.abs(padded)).dataSync()[0], 0);
    });
  });

  test("StackedRnn = layer after layer; states bottom first; stacked bidirectional", () => {
    setSeed(9);
    const l0 = new Bidirectional(new GruCell(D, 2), new RnnCell(D, 2));
    const l1 = new LstmCell(4, 3);
    const stack = new StackedRnn([l0, l1]);
    assert.equal(stack.stateCount, 3);
    assert.equal(stack.outputSize, 3);
    assert.equal(stack.weights.length, l0.weights.length + l1.weights.length);
    tf.tidy(() => {
      const xs = tf.randomNormal([B, T, D], 0, 1, "float32", nextSeed()) as tf.Tensor3D; // [B, T, D]
      const mask = maskOf(LENGTHS, T);
      const init: CellState[] = [
        [tf.fill([B, 2], 0.1) as tf.Tensor2D],
        [tf.fill([B, 2], -0.2) as tf.Tensor2D],
        [tf.fill([B, 3], 0.3) as tf.Tensor2D, tf.fill([B, 3], 0.4) as tf.Tensor2D],
      ];
      const run = stack.run(xs, { mask, initialStates: init });
      const a = l0.run(xs, { mask, initialStates: init.slice(0, 2) });
      const b = recurrentLayer(l1).run(a.outputs, { mask, initialStates: init.slice(2) });
      assert.deepEqual(run.outputs.shape, [B, T, 3]);
      assert.equal(maxAbsDiff(run.outputs, b.outputs), 0);
      const expected = [...a.finalStates, ...b.finalStates];
      assert.equal(run.finalStates.length, expected.length);
      run.finalStates.forEach((s, j) => s.forEach((t, k) => assert.equal(maxAbsDiff(t, expected[j][k]), 0)));
    });
  });

  test("errors: mismatched stack, wrong number of initial states, bad kinds", () => {
    setSeed(10);
    assert.throws(() => new StackedRnn([new LstmCell(D, 3), new GruCell(4, 2)]), {
      name: "ArgumentError",
      message: "StackedRnn: expected layer 1 of input size 3 (the output size of layer 0), got 4",
    });
    assert.throws(() => new Bidirectional(new LstmCell(D, 3), new LstmCell(D + 1, 3)), {
      message: "Bidirectional: expected backward cell of input size 3 (the forward cell's), got 4",
    });
    const stack = new StackedRnn([new GruCell(D, 2), new GruCell(2, 2)]);
    const xs = tf.zeros([B, T, D]) as tf.Tensor3D;
    assert.throws(() => stack.run(xs, { initialStates: [[tf.zeros([B, 2]) as tf.Tensor2D]] }), {
      message: "StackedRnn: expected initialStates of 2 states, got 1",
    });
    assert.throws(() => makeCell("lstm", D, 2, { activation: "relu" }), {
      message: 'makeCell: expected no activation option for kind "lstm", got "relu"',
    });
    assert.throws(() => makeCell("transformer" as "rnn", D, 2), {
      message: 'makeCell: expected kind "rnn", "lstm" or "gru", got "transformer"',
    });
    assert.ok(makeCell("gru", D, 2) instanceof GruCell);
    assert.equal(makeCell("rnn", D, 2, { activation: "relu" }).name, "rnn-relu");
    assert.equal((makeCell("lstm", D, 2, { forgetBias: 2 }) as LstmCell).b.dataSync()[0], 2);
    xs.dispose();
  });
});

describe("memory", () => {
  test("stacked bidirectional with a student cell: no leaks in or out of tf.tidy", () => {
    setSeed(12);
    const stack = new StackedRnn([new Bidirectional(new MguCell(D, 2), new LstmCell(D, 2)), new Bidirectional(new GruCell(4, 2), new RnnCell(4, 2))]);
    const xs = tf.randomNormal([B, T, D], 0, 1, "float32", nextSeed()) as tf.Tensor3D; // [B, T, D]
    const mask = maskOf(LENGTHS, T);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      stack.run(xs, { mask });
    });
    assert.equal(tf.memory().numTensors, before);
    const run = stack.run(xs, { mask });
    const returned = 1 + run.finalStates.flat().length;
    assert.equal(tf.memory().numTensors, before + returned, "only the outputs and final states remain");
    tf.dispose([run.outputs, ...run.finalStates.flat(), xs, mask]);
  });
});
