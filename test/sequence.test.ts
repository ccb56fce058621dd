/**
 * Sequence ops (lib/src/ops/sequence.ts) and the built-in cells' steps (lib/src/rnn/rnn_cell.ts,
 * lstm.ts, gru.ts) against oracles written here:
 * - a reference step per cell in plain tf ops, from the lecture's equations with the gate
 *   matrices sliced out by name (W_f, W_i, W_c, W_o; W_r, W_u, W_h);
 * - a reference run that takes each sequence of the batch ALONE, unpadded (its first
 *   `length` steps), forward or reversed, and steps through it one position at a time.
 * Padded batches, masks, initial states and reverse must all agree with it; so must the
 * generic `cellSequence` loop over a cell's `step`.
 * - the LSTM step against the slide's six equations by hand (Math.exp / Math.tanh) for one
 *   step with D = H = 1 and hand-picked weights.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { setSeed, nextSeed } from "../lib/src/random.js";
import { ArgumentError } from "../lib/src/errors.js";
import type { CellState, RecurrentCell } from "../lib/src/rnn/cell.js";
import { cellSequence } from "../lib/src/rnn/cell_sequence.js";
import { gruSequence, gruSequenceReference, lstmSequence, lstmSequenceReference, rnnSequence, rnnSequenceReference } from "../lib/src/ops/sequence.js";
import { RnnCell } from "../lib/src/rnn/rnn_cell.js";
import { LstmCell } from "../lib/src/rnn/lstm.js";
import { GruCell } from "../lib/src/rnn/gru.js";

before(async () => {
  await initBackend({ quiet: true });
});

type Kind = "rnn" | "rnn-relu" | "lstm" | "gru";
type RefStep = (x: tf.Tensor2D, state: tf.Tensor2D[]) => tf.Tensor2D[];

const sig = (a: tf.Tensor) => tf.sigmoid(a) as tf.Tensor2D;
const tanh = (a: tf.Tensor) => tf.tanh(a) as tf.Tensor2D;
/** Column block k of width H: W[:, kH:(k+1)H] or b[kH:(k+1)H]. */
const block = <T extends tf.Tensor>(w: T, k: number, H: number): T =>
  (w.rank === 2 ? tf.slice(w, [0, k * H], [w.shape[0], H]) : tf.slice(w, [k * H], [H])) as T;

/** h_t = act(x V + h W + b). */
function refRnnStep(cell: RnnCell): RefStep {
  return (x, [h]) => {
    const a = tf.add(tf.add(tf.matMul(x, cell.V), tf.matMul(h, cell.W)), cell.b);
    return [(cell.activation === "tanh" ? tf.tanh(a) : tf.relu(a)) as tf.Tensor2D];
  };
}

/** The slide's six equations with z = [h, x]. */
function refLstmStep(cell: LstmCell): RefStep {
  const H = cell.hiddenSize;
  return (x, [h, cPrev]) => {
    const z = tf.concat([h, x], 1) as tf.Tensor2D;
    const gate = (k: number) => tf.add(tf.matMul(z, block(cell.W as tf.Tensor2D, k, H)), block(cell.b as tf.Tensor1D, k, H));
    const f = sig(gate(0));
    const i = sig(gate(1));
    const cTilde = tanh(gate(2));
    const c = tf.add(tf.mul(f, cPrev), tf.mul(i, cTilde)) as tf.Tensor2D;
    const o = sig(gate(3));
    return [tf.mul(o, tf.tanh(c)) as tf.Tensor2D, c];
  };
}

/** Cho et al.: r, u on [h, x]; h̃ on [r ⊙ h, x]; h = (1 − u) h + u h̃. */
function refGruStep(cell: GruCell): RefStep {
  const H = cell.hiddenSize;
  return (x, [h]) => {
    const Wr = block(cell.W as tf.Tensor2D, 0, H);
    const Wu = block(cell.W as tf.Tensor2D, 1, H);
    const Wh = block(cell.W as tf.Tensor2D, 2, H);
    const z = tf.concat([h, x], 1) as tf.Tensor2D;
    const r = sig(tf.add(tf.matMul(z, Wr), block(cell.b as tf.Tensor1D, 0, H)));
    const u = sig(tf.add(tf.matMul(z, Wu), block(cell.b as tf.Tensor1D, 1, H)));
    const hTilde = tanh(tf.add(tf.matMul(tf.concat([tf.mul(r, h), x], 1) as tf.Tensor2D, Wh), block(cell.b as tf.Tensor1D, 2, H)));
    return [tf.add(tf.mul(tf.sub(1, u), h), tf.mul(u, hTilde)) as tf.Tensor2D];
  };
}

function makeKind(kind: Kind, D: number, H: number): { cell: RecurrentCell; ref: RefStep } {
  switch (kind) {
    case "rnn":
    case "rnn-relu": {
      const cell = new RnnCell(D, H, { activation: kind === "rnn" ? "tanh" : "relu" });
      return { cell, ref: refRnnStep(cell) };
    }
    case "lstm": {
      const cell = new LstmCell(D, H);
      return { cell, ref: refLstmStep(cell) };
    }
    case "gru": {
      const cell = new GruCell(D, H);
      return { cell, ref: refGruStep(cell) };
    }
  }
}

/** The cell with its `sequence` fast path hidden, so `cellSequence` loops over `step`. */
function stepOnly(cell: RecurrentCell): RecurrentCell {
  return {
    name: `${cell.name}-steps`,
    inputSize: cell.inputSize,
    hiddenSize: cell.hiddenSize,
    weights: cell.weights,
    zeroState: (B) => cell.zeroState(B),
    step: (x, state) => cell.step(x, state),
  };
}

/**
 * The oracle: each sequence b alone, its first lengths[b] steps, forward or reversed,
 * one step at a time. Returns outputs [B][T][H] (0 at padded positions) and the final
 * state [entry][B][H].
 */
function reference(
  ref: RefStep,
  xs: tf.Tensor3D,
  lengths: number[],
  initial: tf.Tensor2D[],
  reverse: boolean,
): { outputs: number[][][]; final: number[][][] } {
  return tf.tidy(() => {
    const [B, T, D] = xs.shape;
    const H = initial[0].shape[1];
    const outputs = Array.from({ length: B }, () => Array.from({ length: T }, () => new Array<number>(H).fill(0)));
    const final: number[][][] = initial.map(() => []);
    for (let b = 0; b < B; b++) {
      let state = initial.map((s) => tf.slice(s, [b, 0], [1, H]) as tf.Tensor2D);
      const L = lengths[b];
      for (let k = 0; k < L; k++) {
        const t = reverse ? L - 1 - k : k;
        const x = tf.reshape(tf.slice(xs, [b, t, 0], [1, 1, D]), [1, D]) as tf.Tensor2D;
        state = ref(x, state);
        outputs[b][t] = Array.from(state[0].dataSync());
      }
      state.forEach((s, j) => final[j].push(Array.from(s.dataSync())));
    }
    return { outputs, final };
  });
}

function maxAbsDiff(a: number[] | number[][] | number[][][], b: number[] | number[][] | number[][][]): number {
  const fa = (a as number[]).flat(3) as number[];
  const fb = (b as number[]).flat(3) as number[];
  assert.equal(fa.length, fb.length, "sizes differ");
  return fa.reduce((m, v, i) => Math.max(m, Math.abs(v - fb[i])), 0);
}

const TOL = 2e-5;

describe("sequence ops = per-sequence step-by-step reference", () => {
  for (const kind of ["rnn", "rnn-relu", "lstm", "gru"] as const) {
    test(`${kind}: random shapes, right padding, initial state, reverse`, () => {
      fc.assert(
        fc.property(
          fc.record({
            B: fc.integer({ min: 1, max: 3 }),
            T: fc.integer({ min: 1, max: 5 }),
            D: fc.integer({ min: 1, max: 4 }),
            H: fc.integer({ min: 1, max: 4 }),
            rawLengths: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 3, maxLength: 3 }),
            masked: fc.boolean(),
            withInitial: fc.boolean(),
            reverse: fc.boolean(),
            seed: fc.integer({ min: 0, max: 1e6 }),
          }),
          ({ B, T, D, H, rawLengths, masked, withInitial, reverse, seed }) => {
            setSeed(seed);
            const { cell, ref } = makeKind(kind, D, H);
            tf.tidy(() => {
              const lengths = rawLengths.slice(0, B).map((l) => (masked ? Math.min(l, T) : T));
              const xs = tf.randomNormal([B, T, D], 0, 1, "float32", nextSeed()) as tf.Tensor3D; // [B, T, D]
              const mask = masked
                ? (tf.tensor2d(lengths.map((l) => Array.from({ length: T }, (_, t) => (t < l ? 1 : 0)))) as tf.Tensor2D) // [B, T]
                : undefined;
              const zero = cell.zeroState(B);
              const initialState = withInitial
                ? zero.map(() => tf.randomNormal([B, H], 0, 1, "float32", nextSeed()) as tf.Tensor2D) // each [B, H]
                : undefined;
              const expected = reference(ref, xs, lengths, initialState ?? zero, reverse);
              const options = { mask, initialState, reverse };
              for (const [label, run] of [
                ["op (cell.sequence)", cellSequence(cell, xs, options)],
                ["cellSequence over step", cellSequence(stepOnly(cell), xs, options)],
              ] as const) {
                assert.deepEqual(run.outputs.shape, [B, T, H], label);
                assert.equal(run.finalState.length, zero.length, label);
                const outDiff = maxAbsDiff(run.outputs.arraySync(), expected.outputs);
                assert.ok(outDiff < TOL, `${kind} ${label}: outputs differ by ${outDiff}`);
                const finalDiff = maxAbsDiff(
                  run.finalState.map((s) => s.arraySync()),
                  expected.final,
                );
                assert.ok(finalDiff < TOL, `${kind} ${label}: final state differs by ${finalDiff}`);
              }
            });
            cell.weights.forEach((w) => w.dispose());
          },
        ),
        { numRuns: 25, seed: 20261126 },
      );
    });
  }

  test("an all-ones mask is the same as no mask", () => {
    setSeed(3);
    const cell = new LstmCell(3, 2);
    tf.tidy(() => {
      const xs = tf.randomNormal([2, 4, 3], 0, 1, "float32", nextSeed()) as tf.Tensor3D; // [B, T, D]
      const a = cell.sequence(xs);
      const b = cell.sequence(xs, { mask: tf.ones([2, 4]) as tf.Tensor2D });
      assert.ok(maxAbsDiff(a.outputs.arraySync(), b.outputs.arraySync()) === 0);
      assert.ok(maxAbsDiff(a.finalState[1].arraySync(), b.finalState[1].arraySync()) === 0);
    });
  });

  test("the ops are the cells' fast paths: rnnSequence/lstmSequence/gruSequence called directly", () => {
    setSeed(4);
    const rnn = new RnnCell(2, 3, { activation: "relu" });
    const lstm = new LstmCell(2, 3);
    const gru = new GruCell(2, 3);
    tf.tidy(() => {
      const xs = tf.randomNormal([2, 3, 2], 0, 1, "float32", nextSeed()) as tf.Tensor3D; // [B, T, D]
      const pairs: Array<[tf.Tensor3D, tf.Tensor3D]> = [
        [rnnSequence(xs, { V: rnn.V, W: rnn.W, b: rnn.b }, { activation: "relu" }).outputs, cellSequence(stepOnly(rnn), xs).outputs],
        [lstmSequence(xs, { W: lstm.W, b: lstm.b }).outputs, cellSequence(stepOnly(lstm), xs).outputs],
        [gruSequence(xs, { W: gru.W, b: gru.b }).outputs, cellSequence(stepOnly(gru), xs).outputs],
      ];
      for (const [a, b] of pairs) assert.ok(maxAbsDiff(a.arraySync(), b.arraySync()) < TOL);
    });
  });
});

describe("LSTM step = the slide's six equations by hand", () => {
  test("D = H = 1, hand-picked weights", () => {
    const cell = new LstmCell(1, 1);
    // Per gate g: W_g = [w_gh (multiplies h_{t-1}), w_gx (multiplies x_t)], bias b_g.
    const w = { f: [0.2, 0.4], i: [-0.5, 0.3], c: [0.7, -0.6], o: [0.1, 0.9] };
    const bias = { f: 1.0, i: 0.1, c: -0.2, o: 0.05 };
    const x = 0.5;
    const hPrev = -0.3;
    const cPrev = 0.8;
    // W [H+D, 4H] = rows (h, x), columns (f, i, C̃, o).
    cell.W.assign(tf.tensor2d([[w.f[0], w.i[0], w.c[0], w.o[0]], [w.f[1], w.i[1], w.c[1], w.o[1]]]));
    cell.b.assign(tf.tensor1d([bias.f, bias.i, bias.c, bias.o]));

    const sigma = (a: number) => 1 / (1 + Math.exp(-a));
    const pre = (g: keyof typeof w) => w[g][0] * hPrev + w[g][1] * x + bias[g]; // W_g z_t + b_g, z_t = [h_{t-1}, x_t]
    const f = sigma(pre("f"));
    const i = sigma(pre("i"));
    const cTilde = Math.tanh(pre("c"));
    const C = f * cPrev + i * cTilde;
    const o = sigma(pre("o"));
    const h = o * Math.tanh(C);

    tf.tidy(() => {
      const [hT, cT] = cell.step(tf.tensor2d([[x]]), [tf.tensor2d([[hPrev]]), tf.tensor2d([[cPrev]])]);
      assert.ok(Math.abs(hT.dataSync()[0] - h) < 1e-6, `h_t: expected ${h}, got ${hT.dataSync()[0]}`);
      assert.ok(Math.abs(cT.dataSync()[0] - C) < 1e-6, `C_t: expected ${C}, got ${cT.dataSync()[0]}`);
      // The same step through the sequence op (T = 1, hoisted input projection).
      const run = cell.sequence(tf.tensor3d([[[x]]]), { initialState: [tf.tensor2d([[hPrev]]), tf.tensor2d([[cPrev]])] });
      assert.ok(Math.abs(run.outputs.dataSync()[0] - h) < 1e-6);
      assert.ok(Math.abs(run.finalState[1].dataSync()[0] - C) < 1e-6);
      // gate("f") is the first column block.
      const { W, b } = cell.gate("f");
      assert.deepEqual(Array.from(W.dataSync()), w.f.map(Math.fround));
      assert.deepEqual(Array.from(b.dataSync()), [bias.f]);
    });
  });
});

describe("initialisation", () => {
  test("same seed, same weights; forget bias 1 by default", () => {
    setSeed(11);
    const a = new LstmCell(3, 4);
    setSeed(11);
    const b = new LstmCell(3, 4);
    assert.deepEqual(Array.from(a.W.dataSync()), Array.from(b.W.dataSync()));
    const bias = Array.from(a.b.dataSync());
    assert.deepEqual(bias.slice(0, 4), [1, 1, 1, 1]);
    assert.ok(bias.slice(4).every((v) => Math.abs(v) <= 0.5 && v !== 1), "other biases ~ U(±1/sqrt(H))");
    assert.ok(Array.from(a.W.dataSync()).every((v) => Math.abs(v) <= 0.5));
    const c = new LstmCell(3, 4, { forgetBias: 0 });
    assert.ok(Array.from(c.b.dataSync()).slice(0, 4).every((v) => v === 0));
  });
});

describe("errors name the argument: expected X, got Y", () => {
  test("shapes of xs, mask and initial state", () => {
    setSeed(5);
    const cell = new GruCell(3, 2);
    const xs = tf.zeros([2, 4, 3]) as tf.Tensor3D;
    assert.throws(() => cell.sequence(tf.zeros([2, 4, 5]) as tf.Tensor3D), {
      name: "ArgumentError",
      message: "gruSequence: expected xs of shape [B, T, 3], got [2,4,5]",
    });
    assert.throws(() => cell.sequence(xs, { mask: tf.ones([2, 3]) as tf.Tensor2D }), {
      message: "gruSequence: expected mask of shape [2, 4], got [2,3]",
    });
    assert.throws(() => new LstmCell(3, 2).sequence(xs, { initialState: [tf.zeros([2, 2]) as tf.Tensor2D] }), {
      message: "lstmSequence: expected initialState of 2 tensor(s), got 1",
    });
    assert.throws(() => cellSequence(stepOnly(cell), xs, { initialState: [tf.zeros([1, 2]) as tf.Tensor2D] }), {
      message: "cellSequence(gru-steps): expected initialState[0] of shape [2, 2], got [1,2]",
    });
    assert.throws(() => new RnnCell(3, 0), (e: unknown) => e instanceof ArgumentError && /expected hiddenSize a positive integer, got 0/.test(e.message));
  });
});

describe("memory", () => {
  test("a forward pass leaves only its results; inside tf.tidy, nothing", () => {
    setSeed(6);
    const cells: RecurrentCell[] = [new RnnCell(3, 2), new LstmCell(3, 2), new GruCell(3, 2)];
    const xs = tf.randomNormal([2, 4, 3], 0, 1, "float32", nextSeed()) as tf.Tensor3D; // [B, T, D]
    const mask = tf.tensor2d([[1, 1, 1, 0], [1, 1, 0, 0]]) as tf.Tensor2D; // [B, T]
    for (const cell of [...cells, ...cells.map(stepOnly)]) {
      for (const reverse of [false, true]) {
        const before = tf.memory().numTensors;
        const run = cellSequence(cell, xs, { mask, reverse });
        assert.equal(tf.memory().numTensors, before + 1 + run.finalState.length, `${cell.name}: only outputs and final state remain`);
        run.outputs.dispose();
        run.finalState.forEach((s) => s.dispose());
        tf.tidy(() => {
          cellSequence(cell, xs, { mask, reverse });
        });
        assert.equal(tf.memory().numTensors, before, cell.name);
      }
    }
    tf.dispose([xs, mask]);
  });
});

describe("sequences of length 1 (the reference ops)", () => {
  test("gradients exist and equal those of one cell step (tfjs's unstack gradient fails for one output)", () => {
    setSeed(21);
    const cases: [RecurrentCell, (xs: tf.Tensor3D) => tf.Tensor3D][] = [];
    const rnn = new RnnCell(3, 4);
    cases.push([rnn, (xs) => rnnSequenceReference(xs, { V: rnn.V, W: rnn.W, b: rnn.b }).outputs]);
    const lstm = new LstmCell(3, 4);
    cases.push([lstm, (xs) => lstmSequenceReference(xs, { W: lstm.W, b: lstm.b }).outputs]);
    const gru = new GruCell(3, 4);
    cases.push([gru, (xs) => gruSequenceReference(xs, { W: gru.W, b: gru.b }).outputs]);
    const x = tf.randomNormal([2, 1, 3], 0, 1, "float32", nextSeed()) as tf.Tensor3D; // [B, 1, D]
    for (const [cell, run] of cases) {
      const weights = cell.weights;
      const viaOp = tf.variableGrads(() => tf.sum(tf.square(run(x))) as tf.Scalar, weights).grads;
      const viaStep = tf.variableGrads(() => {
        const h = cell.step(tf.reshape(x, [2, 3]) as tf.Tensor2D, cell.zeroState(2))[0]; // [B, H]
        return tf.sum(tf.square(h)) as tf.Scalar;
      }, weights).grads;
      for (const w of weights) {
        const a = viaOp[w.name].dataSync();
        const b = viaStep[w.name].dataSync();
        for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-6, `${cell.name} ${w.name}[${i}]: ${a[i]} vs ${b[i]}`);
      }
    }
  });
});
