/**
 * The engine (lib/src/engine): fused sequence ops, fused softmax cross-entropy, FusedAdam
 * and the seqlab backend's matmul, each against its oracle:
 * - fused ops vs the tfjs-op reference ops (`lstmSequenceReference` …, differentiated by
 *   tfjs autodiff): forward values and gradients w.r.t. every input (x, weights, h0, c0),
 *   with ragged masks, reverse and initial states, inside tf.grads and tf.variableGrads;
 * - small language models (embedding + 2 recurrent layers + linear + softmax CE + Adam,
 *   the output layer and loss separate or as `linearSoftmaxCrossEntropy`) trained 30 steps with the engine (fused ops + FusedAdam) and with the reference
 *   (reference ops + tf.train.adam) from the same seed: equal loss trajectories;
 * - the fused output layer `linearSoftmaxCrossEntropy` ([N, H] and [B, T, H], with and
 *   without a mask) and its reference vs the unfused ops (matMul, add, softmaxCrossEntropy)
 *   under tfjs autodiff: value and gradients w.r.t. h, W, b;
 * - FusedAdam vs tf.train.adam after 20 steps, and save/restore; the seqlab backend's
 *   BatchMatMul / _FusedMatMul / Sum / Add / Transpose / GatherV2 vs the cpu backend on
 *   random shapes with batch, broadcast and transposes (broadcast batches against explicit
 *   broadcastTo), gather with repeated ids, its fallbacks and its out-of-range error;
 * - `linearTargetLogProbs` (per-position ln p, evaluation) with and without an engine vs
 *   a float64 brute force, also for logits in the thousands;
 * - the public ops dispatch to the active kernels (a spy), and to the reference without.
 * Every kernels implementation runs the same suite: js always; native and wasm when they
 * load (skipped with the loader's reason otherwise). No test leaks tensors.
 *
 * Tolerances. Fused and reference compute the same float32 arithmetic in a different order
 * (one GEMM over all steps vs per-step matmuls, float64 accumulators in the js GEMM), so
 * single results differ by a few float32 ulps: we allow |a − b| ≤ 2e-5·(1 + max|b|), about
 * 35× the largest difference seen (6e-7·(1 + max|b|), native/wasm/js alike). Over 30 Adam
 * steps these differences grow: Adam divides by √v, so a gradient component near 0 turns
 * an ulp-sized difference into a visible change of its step. The loss trajectories must
 * agree to 2e-4 (absolute, on losses 3.66 → 2.43), ~35× the largest difference seen
 * (5e-7 js, 6e-6 native and wasm, whose float32 accumulation orders differ more); a wrong
 * gradient anywhere shows up as 1e-2 or more within a few steps.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { ArgumentError } from "../lib/src/errors.js";
import type { Kernels } from "../lib/src/engine/kernels.js";
import { jsKernels } from "../lib/src/engine/js.js";
import { loadNativeKernels } from "../lib/src/engine/native.js";
import { loadWasmKernels } from "../lib/src/engine/wasm.js";
import { initEngine, withKernels } from "../lib/src/engine/engine.js";
import { FusedAdam } from "../lib/src/optim/adam.js";
import { registerSeqlabBackend } from "../lib/src/backend/seqlab_backend.js";
import {
  gruSequence,
  gruSequenceReference,
  lstmSequence,
  lstmSequenceReference,
  rnnSequence,
  rnnSequenceReference,
} from "../lib/src/ops/sequence.js";
import { softmaxCrossEntropy } from "../lib/src/ops/softmax_cross_entropy.js";
import { linearSoftmaxCrossEntropy, linearTargetLogProbs, linearTargetLogProbsReference } from "../lib/src/ops/linear_softmax_cross_entropy.js";

before(async () => {
  await initBackend({ quiet: true });
});

/** Each kernels implementation, or the reason it is skipped. */
function implementations(): { name: string; kernels?: Kernels; skip?: string }[] {
  const load = (name: string, f: () => Kernels) => {
    try {
      return { name, kernels: f() };
    } catch (err) {
      return { name, skip: `${name} kernels did not load: ${(err as Error).message}` };
    }
  };
  return [{ name: "js", kernels: jsKernels }, load("native", loadNativeKernels), load("wasm", loadWasmKernels)];
}

/** max |a − b| ≤ tol·(1 + max |b|), elementwise over two tensors of the same shape. */
function assertClose(actual: tf.Tensor, expected: tf.Tensor, tol: number, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const a = actual.dataSync(), e = expected.dataSync();
  let worst = 0, scale = 0;
  for (let j = 0; j < e.length; j++) {
    worst = Math.max(worst, Math.abs(a[j] - e[j]));
    scale = Math.max(scale, Math.abs(e[j]));
  }
  assert.ok(Number.isFinite(worst) && worst <= tol * (1 + scale), `${what}: max |diff| ${worst} > ${tol}·(1 + ${scale})`);
}

const TOL = 2e-5;
type Cell = "lstm" | "gru" | "rnn" | "rnn-relu";
const GATES: Record<Cell, number> = { lstm: 4, gru: 3, rnn: 1, "rnn-relu": 1 };

/** Seeded inputs of one cell: x, weights, h0, c0 and a ragged mask (lengths 5, 3, 1, 4). */
function cellInputs(cell: Cell, B = 4, T = 5, D = 3, H = 4) {
  const G = GATES[cell];
  const lengths = [5, 3, 1, 4].slice(0, B);
  return {
    x: tf.randomNormal([B, T, D], 0, 1, "float32", 11) as tf.Tensor3D,
    W: tf.randomNormal(cell.startsWith("rnn") ? [H, H] : [H + D, G * H], 0, 0.6, "float32", 12) as tf.Tensor2D,
    b: tf.randomNormal([G * H], 0, 0.3, "float32", 13) as tf.Tensor1D,
    V: tf.randomNormal([D, H], 0, 0.6, "float32", 14) as tf.Tensor2D,
    h0: tf.randomNormal([B, H], 0, 0.5, "float32", 15) as tf.Tensor2D,
    c0: tf.randomNormal([B, H], 0, 0.5, "float32", 16) as tf.Tensor2D,
    mask: tf.tensor2d(lengths.flatMap((n) => Array.from({ length: T }, (_, t) => (t < n ? 1 : 0))), [B, T]),
    B, T, D, H,
  };
}

/** Disposes the tensors of a `cellInputs` result. */
function disposeInputs(inp: ReturnType<typeof cellInputs>): void {
  tf.dispose(Object.values(inp).filter((v) => v instanceof tf.Tensor) as tf.Tensor[]);
}

/**
 * A scalar from one sequence run, touching outputs and every final state with fixed
 * weights (so every gradient path is exercised): Σ outputs⊙sin(k) + Σ_s finalState_s⊙cos(k).
 */
function runCell(
  cell: Cell, reference: boolean, opts: { mask: boolean; reverse: boolean; init: boolean },
  x: tf.Tensor, W: tf.Tensor, b: tf.Tensor, V: tf.Tensor, h0: tf.Tensor, c0: tf.Tensor, mask: tf.Tensor2D,
): tf.Scalar {
  const options = {
    mask: opts.mask ? mask : undefined,
    reverse: opts.reverse,
    initialState: opts.init ? ((cell === "lstm" ? [h0, c0] : [h0]) as tf.Tensor2D[]) : undefined,
  };
  const xs = x as tf.Tensor3D, W2 = W as tf.Tensor2D, b1 = b as tf.Tensor1D;
  const r =
    cell === "lstm" ? (reference ? lstmSequenceReference : lstmSequence)(xs, { W: W2, b: b1 }, options)
      : cell === "gru" ? (reference ? gruSequenceReference : gruSequence)(xs, { W: W2, b: b1 }, options)
        : (reference ? rnnSequenceReference : rnnSequence)(xs, { V: V as tf.Tensor2D, W: W2, b: b1 }, {
          ...options, activation: cell === "rnn-relu" ? "relu" : "tanh",
        });
  const weights = (t: tf.Tensor) => tf.sin(tf.reshape(tf.range(0, t.size), t.shape));
  let s = tf.sum(tf.mul(r.outputs, weights(r.outputs)));
  for (const st of r.finalState) s = tf.add(s, tf.sum(tf.mul(st, tf.cos(weights(st)))));
  return s as tf.Scalar;
}

for (const impl of implementations()) {
  describe(`engine kernels: ${impl.name}`, { skip: impl.skip }, () => {
    const k = impl.kernels!;

    for (const cell of ["lstm", "gru", "rnn", "rnn-relu"] as Cell[]) {
      for (const opts of [
        { mask: true, reverse: false, init: true },
        { mask: true, reverse: true, init: true },
        { mask: false, reverse: false, init: false },
        { mask: false, reverse: true, init: true },
      ]) {
        test(`${cell} fused = reference: value and tf.grads w.r.t. x, weights, h0${cell === "lstm" ? ", c0" : ""} (${JSON.stringify(opts)})`, () => {
          const inp = cellInputs(cell);
          const names = (cell === "lstm" ? ["x", "W", "b", "h0", "c0"] : cell === "gru" ? ["x", "W", "b", "h0"] : ["x", "V", "W", "b", "h0"])
            .filter((n) => opts.init || (n !== "h0" && n !== "c0"));
          const all: Record<string, tf.Tensor> = { x: inp.x, W: inp.W, b: inp.b, V: inp.V, h0: inp.h0, c0: inp.c0 };
          const f = (reference: boolean) => (...args: tf.Tensor[]) => {
            const a: Record<string, tf.Tensor> = { ...all };
            names.forEach((n, j) => (a[n] = args[j]));
            return runCell(cell, reference, opts, a.x, a.W, a.b, a.V, a.h0, a.c0, inp.mask);
          };
          const xs = names.map((n) => all[n]);
          const ref = withKernels(null, () => tf.valueAndGrads(f(true))(xs));
          const before = tf.memory().numTensors;
          const fused = withKernels(k, () => tf.valueAndGrads(f(false))(xs));
          assert.equal(tf.memory().numTensors, before + 1 + names.length, "only the value and the gradients survive");
          assertClose(fused.value, ref.value, TOL, "value");
          names.forEach((n, j) => assertClose(fused.grads[j], ref.grads[j], TOL, `d/d${n}`));
          tf.dispose([ref.value, ...ref.grads, fused.value, ...fused.grads]);
          disposeInputs(inp);
        });
      }
    }

    test("lstm outputs and final states equal the reference's, with a ragged mask and reverse, inside tf.tidy", () => {
      const inp = cellInputs("lstm");
      const before = tf.memory().numTensors;
      const [fo, fh, fc] = withKernels(k, () => tf.tidy(() => {
        const r = lstmSequence(inp.x, { W: inp.W, b: inp.b }, { mask: inp.mask, reverse: true, initialState: [inp.h0, inp.c0] });
        return [r.outputs, ...r.finalState];
      }));
      assert.equal(tf.memory().numTensors, before + 3);
      const r = lstmSequenceReference(inp.x, { W: inp.W, b: inp.b }, { mask: inp.mask, reverse: true, initialState: [inp.h0, inp.c0] });
      assertClose(fo, r.outputs, TOL, "outputs");
      assertClose(fh, r.finalState[0], TOL, "h_T");
      assertClose(fc, r.finalState[1], TOL, "C_T");
      // Padded steps output exactly 0 (sequence 2 has length 1: positions 1..4 are padding).
      assert.ok(Array.from(fo.slice([2, 1, 0], [1, 4, inp.H]).dataSync()).every((v) => v === 0)); // ±0
      tf.dispose([fo, fh, fc, r.outputs, ...r.finalState]);
      disposeInputs(inp);
    });

    test("tf.variableGrads through a 2-layer GRU with a mask: fused = reference", () => {
      const inp = cellInputs("gru", 4, 5, 3, 3);
      const W1 = tf.variable(inp.W), b1 = tf.variable(inp.b);
      const W2 = ownVariable(tf.randomNormal([6, 9], 0, 0.5, "float32", 21)), b2 = ownVariable(tf.zeros([9]));
      const loss = () => {
        const h1 = gruSequence(inp.x, { W: W1, b: b1 }, { mask: inp.mask }).outputs;
        const h2 = gruSequence(h1, { W: W2 as tf.Variable<tf.Rank.R2>, b: b2 as tf.Variable<tf.Rank.R1> }, { mask: inp.mask, reverse: true });
        return tf.sum(tf.square(h2.outputs)) as tf.Scalar;
      };
      const ref = withKernels(null, () => tf.variableGrads(loss));
      const fused = withKernels(k, () => tf.variableGrads(loss));
      assertClose(fused.value, ref.value, TOL, "loss");
      for (const v of [W1, b1, W2, b2]) assertClose(fused.grads[v.name], ref.grads[v.name], TOL, v.name);
      tf.dispose([ref.value, fused.value, ...Object.values(ref.grads), ...Object.values(fused.grads), W1, b1, W2, b2]);
      disposeInputs(inp);
    });

    test("asking for a gradient w.r.t. the mask is an ArgumentError", () => {
      const inp = cellInputs("rnn");
      assert.throws(
        () => withKernels(k, () => tf.grad((m: tf.Tensor) => runCell("rnn", false, { mask: true, reverse: false, init: false }, inp.x, inp.W, inp.b, inp.V, inp.h0, inp.c0, m as tf.Tensor2D))(inp.mask)),
        (err: unknown) => err instanceof ArgumentError && /expected no gradient w\.r\.t\. a mask/.test(err.message),
      );
      disposeInputs(inp);
    });

    for (const masked of [false, true]) {
      test(`softmax cross-entropy fused = reference, [B, T, K] logits ${masked ? "with" : "without"} a mask: value and gradient`, () => {
        const logits = tf.randomNormal([3, 4, 7], 0, 2, "float32", 31);
        const targets = tf.tensor2d([[1, 2, 3, 4], [5, 6, 0, 1], [2, 2, 2, 2]], [3, 4], "int32");
        const mask = masked ? tf.tensor2d([[1, 1, 1, 1], [1, 1, 0, 0], [0, 0, 0, 0]]) : undefined;
        const g = tf.valueAndGrad((z: tf.Tensor) => softmaxCrossEntropy(z, targets, mask));
        const ref = withKernels(null, () => g(logits));
        const before = tf.memory().numTensors;
        const fused = withKernels(k, () => g(logits));
        assert.equal(tf.memory().numTensors, before + 2);
        assertClose(fused.value, ref.value, TOL, "loss");
        assertClose(fused.grad, ref.grad, TOL, "dlogits");
        tf.dispose([logits, targets, ref.value, ref.grad, fused.value, fused.grad]);
        if (mask) mask.dispose();
      });
    }

    test("softmax cross-entropy: an all-padding batch gives loss 0 and zero gradient, as the reference", () => {
      const logits = tf.randomNormal([2, 5], 0, 1, "float32", 32);
      const targets = tf.tensor1d([1, 3], "int32");
      const mask = tf.zeros([2]);
      const fused = withKernels(k, () => tf.valueAndGrad((z: tf.Tensor) => softmaxCrossEntropy(z, targets, mask))(logits));
      assert.equal(fused.value.dataSync()[0], 0);
      assert.deepEqual(Array.from(fused.grad.dataSync()), new Array(10).fill(0));
      tf.dispose([logits, targets, mask, fused.value, fused.grad]);
    });

    for (const masked of [false, true]) {
      for (const lead of [[12], [3, 4]]) {
        test(`linearSoftmaxCrossEntropy fused = reference, h [${lead}, H] ${masked ? "with" : "without"} a mask: value and tf.grads w.r.t. h, W, b`, () => {
          const [H, K] = [5, 9];
          const N = lead.reduce((p, q) => p * q, 1);
          const h = tf.randomNormal([...lead, H], 0, 1, "float32", 51);
          const W = tf.randomNormal([H, K], 0, 0.8, "float32", 52);
          const b = tf.randomNormal([K], 0, 0.5, "float32", 53);
          const targets = tf.tensor(Array.from({ length: N }, (_, n) => (n * 7 + 3) % K), lead, "int32");
          const mask = masked ? tf.tensor(Array.from({ length: N }, (_, n) => (n % 4 === 2 ? 0 : 1)), lead) : undefined;
          const g = tf.valueAndGrads((hh: tf.Tensor, WW: tf.Tensor, bb: tf.Tensor) => linearSoftmaxCrossEntropy(hh, WW, bb, targets, mask));
          const ref = withKernels(null, () => g([h, W, b]));
          // the reference's definition: the unfused ops, differentiated by tfjs
          const unfused = withKernels(null, () =>
            tf.valueAndGrads((hh: tf.Tensor, WW: tf.Tensor, bb: tf.Tensor) =>
              softmaxCrossEntropy(tf.reshape(tf.add(tf.matMul(tf.reshape(hh, [N, H]), WW as tf.Tensor2D), bb), [...lead, K]), targets, mask))([h, W, b]),
          );
          const before = tf.memory().numTensors;
          const fused = withKernels(k, () => g([h, W, b]));
          assert.equal(tf.memory().numTensors, before + 4, "only the value and the gradients survive");
          for (const [what, got] of [["reference", ref], ["fused", fused]] as const) {
            assertClose(got.value, unfused.value, TOL, `${what} loss`);
            ["h", "W", "b"].forEach((n, j) => assertClose(got.grads[j], unfused.grads[j], TOL, `${what} d/d${n}`));
          }
          tf.dispose([h, W, b, targets, ref.value, ...ref.grads, unfused.value, ...unfused.grads, fused.value, ...fused.grads]);
          if (mask) mask.dispose();
        });
      }
    }

    test("linearSoftmaxCrossEntropy: shape errors name the argument; asking for a gradient w.r.t. the mask is an ArgumentError", () => {
      const h = tf.zeros([2, 3]), W = tf.zeros([3, 4]), b = tf.zeros([4]), y = tf.tensor1d([0, 1], "int32");
      withKernels(k, () => {
        assert.throws(() => linearSoftmaxCrossEntropy(h, tf.zeros([2, 4]), b, y), { message: "linearSoftmaxCrossEntropy: expected W of shape [3, K] (H from h), got [2,4]" });
        assert.throws(() => linearSoftmaxCrossEntropy(h, W, tf.zeros([5]), y), { message: "linearSoftmaxCrossEntropy: expected b of shape [4] (K from W), got [5]" });
        assert.throws(() => linearSoftmaxCrossEntropy(h, W, b, tf.tensor1d([0, 1])), { message: "linearSoftmaxCrossEntropy: expected int32 targets, got float32" });
        assert.throws(() => linearSoftmaxCrossEntropy(h, W, b, y, tf.ones([3])), { message: "linearSoftmaxCrossEntropy: expected mask of shape [2], got [3]" });
        assert.throws(
          () => tf.grad((m: tf.Tensor) => linearSoftmaxCrossEntropy(h, W, b, y, m))(tf.ones([2])),
          (err: unknown) => err instanceof ArgumentError && /expected no gradient w\.r\.t\. a mask or targets/.test(err.message),
        );
      });
      tf.dispose([h, W, b, y]);
    });

    for (const lead of [[12], [3, 4]]) {
      test(`linearTargetLogProbs, h [${lead}, H]: engine = reference = log softmax in float64, also for logits of size 1e3`, () => {
        const [H, K] = [6, 11];
        const N = lead.reduce((p, q) => p * q, 1);
        for (const scale of [1, 200]) {
          const h = tf.randomNormal([...lead, H], 0, scale, "float32", 61);
          const W = tf.randomNormal([H, K], 0, 1, "float32", 62);
          const b = tf.randomNormal([K], 0, 0.5, "float32", 63);
          const targets = tf.tensor(Array.from({ length: N }, (_, n) => (n * 5 + 2) % K), lead, "int32");
          // brute force: z = h W + b and ln softmax(z)_y with float64 sums
          const [hv, Wv, bv, yv] = [h.dataSync(), W.dataSync(), b.dataSync(), targets.dataSync()];
          const expected = Array.from({ length: N }, (_, n) => {
            const z = Array.from({ length: K }, (_, c) => {
              let acc = bv[c];
              for (let j = 0; j < H; j++) acc += hv[n * H + j] * Wv[j * K + c];
              return acc;
            });
            const max = Math.max(...z);
            const lse = max + Math.log(z.reduce((s, x) => s + Math.exp(x - max), 0));
            return z[yv[n]] - lse;
          });
          const before = tf.memory().numTensors;
          const got = withKernels(k, () => linearTargetLogProbs(h, W, b, targets));
          assert.equal(tf.memory().numTensors, before + 1, "only the result survives");
          const ref = withKernels(null, () => linearTargetLogProbsReference(h, W, b, targets));
          for (const [what, t] of [["engine", got], ["reference", ref]] as const) {
            assert.deepEqual(t.shape, lead, `${what}: shape`);
            const v = t.dataSync();
            for (let n = 0; n < N; n++) {
              assert.ok(v[n] <= 0, `${what}: ln p ≤ 0 at ${n}`);
              assert.ok(Math.abs(v[n] - expected[n]) <= 1e-4 * (1 + Math.abs(expected[n])), `${what} scale ${scale} position ${n}: ${v[n]} vs ${expected[n]}`);
            }
          }
          tf.dispose([h, W, b, targets, got, ref]);
        }
      });
    }

    test("linearTargetLogProbs: a target outside [0, K) is an ArgumentError naming the position", () => {
      const h = tf.zeros([2, 3]), W = tf.zeros([3, 4]), b = tf.zeros([4]), y = tf.tensor1d([0, 4], "int32");
      withKernels(k, () => assert.throws(() => linearTargetLogProbs(h, W, b, y), { message: "linearTargetLogProbs: expected targets in [0, 4), got 4 at position 1" }));
      tf.dispose([h, W, b, y]);
    });

    for (const [cell, output] of [["lstm", "separate"], ["gru", "separate"], ["lstm", "fused"], ["gru", "fused"]] as const) {
      const how = output === "fused" ? "linearSoftmaxCrossEntropy" : "linear + softmaxCrossEntropy";
      test(`a 2-layer ${cell.toUpperCase()} language model (${how}) trains to the same losses (30 steps, engine + FusedAdam vs reference + tf.train.adam)`, () => {
        const before = tf.memory().numTensors;
        const ref = withKernels(null, () => trainLm(cell, null, output));
        const fused = withKernels(k, () => trainLm(cell, k, output));
        assert.equal(tf.memory().numTensors, before, "no tensor leaks");
        assert.ok(ref[29] < ref[0] - 0.3, `the model learns: ${ref[0]} → ${ref[29]}`);
        const worst = Math.max(...fused.map((l, j) => Math.abs(l - ref[j])));
        assert.ok(worst <= 2e-4, `max |loss diff| over 30 steps ${worst} > 2e-4\nref   ${ref.join(" ")}\nfused ${fused.join(" ")}`);
      });
    }

    test("FusedAdam = tf.train.adam after 20 steps (lr 0.01, default betas and epsilon)", () => {
      const before = tf.memory().numTensors;
      const run = (make: () => tf.Optimizer) => {
        const w = ownVariable(tf.randomNormal([5, 3], 0, 1, "float32", 41));
        const u = ownVariable(tf.randomNormal([3], 0, 1, "float32", 42));
        const target = tf.randomNormal([4, 3], 0, 1, "float32", 43);
        const input = tf.randomNormal([4, 5], 0, 1, "float32", 44);
        const opt = make();
        for (let s = 0; s < 20; s++) {
          opt.minimize(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(input, w), u), target))) as tf.Scalar, false, [w, u]);
        }
        const out = [w.arraySync() as number[][], u.arraySync() as number[]];
        opt.dispose();
        tf.dispose([w, u, target, input]);
        return out;
      };
      const [wr, ur] = run(() => tf.train.adam(0.01));
      const [wf, uf] = run(() => new FusedAdam({ learningRate: 0.01, kernels: k }));
      assert.equal(tf.memory().numTensors, before);
      const diff = Math.max(...(wr as number[][]).flat().map((x, j) => Math.abs(x - (wf as number[][]).flat()[j])), ...(ur as number[]).map((x, j) => Math.abs(x - (uf as number[])[j])));
      assert.ok(diff <= 1e-5, `max |param diff| ${diff}`); // params ≈ 1, moved ≈ 0.2 in total
      assert.notDeepEqual(wr, (() => { const w = tf.randomNormal([5, 3], 0, 1, "float32", 41); const a = w.arraySync(); w.dispose(); return a; })(), "the parameters moved");
    });

    test("FusedAdam getWeights / setWeights: 5 steps, save, 5 more on a fresh optimizer = 10 uninterrupted steps", async () => {
      const before = tf.memory().numTensors;
      const w = ownVariable(tf.randomNormal([4, 3], 0, 1, "float32", 45));
      const start = w.clone();
      const lossFn = () => tf.sum(tf.square(tf.sub(w, 0.5))) as tf.Scalar;
      const straight = new FusedAdam({ learningRate: 0.05, kernels: k });
      for (let s = 0; s < 10; s++) straight.minimize(lossFn, false, [w]);
      const expected = w.dataSync().slice();
      w.assign(start);
      const first = new FusedAdam({ learningRate: 0.05, kernels: k });
      for (let s = 0; s < 5; s++) first.minimize(lossFn, false, [w]);
      const saved = await first.getWeights();
      assert.deepEqual(saved.map((s) => s.name), ["iter", `${w.name}/m`, `${w.name}/v`]);
      const second = new FusedAdam({ learningRate: 0.05, kernels: k });
      await second.setWeights(saved);
      for (let s = 0; s < 5; s++) second.minimize(lossFn, false, [w]);
      assert.deepEqual(Array.from(w.dataSync()), Array.from(expected));
      tf.dispose([w, start, ...saved.map((s) => s.tensor)]);
      assert.equal(tf.memory().numTensors, before);
    });

    test("gemm: all four transpose combinations, alpha and beta, against a float64 triple loop", () => {
      const M = 5, N = 4, K = 3;
      const rand = lcg(7);
      const A = Float32Array.from({ length: M * K }, rand), B = Float32Array.from({ length: K * N }, rand);
      const C0 = Float32Array.from({ length: M * N }, rand);
      for (const tA of [false, true]) {
        for (const tB of [false, true]) {
          const C = Float32Array.from(C0);
          k.gemm(tA, tB, M, N, K, 0.5, A, B, 2, C);
          for (let i = 0; i < M; i++) {
            for (let j = 0; j < N; j++) {
              let s = 0;
              for (let p = 0; p < K; p++) s += (tA ? A[p * M + i] : A[i * K + p]) * (tB ? B[j * K + p] : B[p * N + j]);
              assert.ok(Math.abs(C[i * N + j] - (0.5 * s + 2 * C0[i * N + j])) < 1e-5, `C[${i}, ${j}] tA=${tA} tB=${tB}`);
            }
          }
        }
      }
    });
  });
}

/** tf.variable(t), disposing t (a variable shares t's data; t itself would leak). */
function ownVariable(t: tf.Tensor): tf.Variable {
  const v = tf.variable(t);
  t.dispose();
  return v;
}

/** A deterministic uniform(−1, 1) generator. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

/**
 * Trains embedding(V 40, E 8) → 2 × cell(H 8) → linear(V) → softmax CE with a ragged mask
 * (the last two as separate ops, or as `linearSoftmaxCrossEntropy`), 30 Adam steps (lr 0.01) on one seeded batch (B 4, T 6). Engine: fused ops + FusedAdam;
 * reference (kernels null): reference ops + tf.train.adam. Disposes everything it made.
 * @returns the 30 losses.
 */
function trainLm(cell: "lstm" | "gru", kernels: Kernels | null, output: "separate" | "fused"): number[] {
  const V = 40, E = 8, H = 8, T = 6, B = 4, G = cell === "lstm" ? 4 : 3;
  const rand = lcg(99);
  const variable = (shape: number[], seed: number) => ownVariable(tf.randomUniform(shape, -0.3, 0.3, "float32", seed));
  const emb = variable([V, E], 1);
  const layers = [variable([H + E, G * H], 2), variable([G * H], 3), variable([2 * H, G * H], 4), variable([G * H], 5)];
  const U = variable([H, V], 6), bHat = variable([V], 7);
  const ids = tf.tensor2d(Array.from({ length: B * T }, () => Math.floor(((rand() + 1) / 2) * V)), [B, T], "int32");
  const targets = tf.tensor2d(Array.from({ length: B * T }, () => Math.floor(((rand() + 1) / 2) * V)), [B, T], "int32");
  const lengths = [6, 4, 5, 2];
  const mask = tf.tensor2d(lengths.flatMap((n) => Array.from({ length: T }, (_, t) => (t < n ? 1 : 0))), [B, T]);
  const seq = cell === "lstm" ? lstmSequence : gruSequence;
  const loss = () => {
    let h = tf.gather(emb, ids) as tf.Tensor3D; // [B, T, E]
    for (let l = 0; l < 2; l++) {
      h = seq(h, { W: layers[2 * l] as tf.Variable<tf.Rank.R2>, b: layers[2 * l + 1] as tf.Variable<tf.Rank.R1> }, { mask }).outputs; // [B, T, H]
    }
    if (output === "fused") return linearSoftmaxCrossEntropy(h, U, bHat, targets, mask);
    const logits = tf.add(tf.reshape(tf.matMul(tf.reshape(h, [B * T, H]), U), [B, T, V]), bHat); // [B, T, V]
    return softmaxCrossEntropy(logits, targets, mask);
  };
  const opt = kernels === null ? tf.train.adam(0.01) : new FusedAdam({ learningRate: 0.01, kernels });
  const vars = [emb, ...layers, U, bHat];
  const losses: number[] = [];
  for (let s = 0; s < 30; s++) {
    const { value, grads } = tf.variableGrads(loss, vars);
    opt.applyGradients(grads as Record<string, tf.Variable>); // the Adam update reads gradients only
    losses.push(value.dataSync()[0]);
    tf.dispose([value, ...Object.values(grads)]);
  }
  opt.dispose();
  tf.dispose([...vars, ids, targets, mask]);
  return losses;
}

describe("the seqlab backend (tfjs-cpu with the engine's GEMM)", () => {
  const previous = { name: "" };
  before(async () => {
    previous.name = tf.getBackend();
    registerSeqlabBackend();
  });
  after(async () => {
    await tf.setBackend(previous.name);
  });

  /** Runs f on a backend with fresh tensors from plain arrays; returns the result's values and shape. */
  async function on(backend: string, f: () => tf.Tensor | tf.Tensor[]): Promise<{ shape: number[]; values: Float32Array }[]> {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const out = tf.tidy(f);
    const list = Array.isArray(out) ? out : [out];
    const result = list.map((t) => ({ shape: t.shape, values: t.dataSync() as Float32Array }));
    tf.dispose(list);
    assert.equal(tf.memory().numTensors, before, `no leaks on ${backend}`);
    return result;
  }

  const CASES: { a: number[]; b: number[]; tA: boolean; tB: boolean }[] = [
    { a: [7, 5], b: [5, 3], tA: false, tB: false },
    { a: [5, 7], b: [5, 3], tA: true, tB: false },
    { a: [7, 5], b: [3, 5], tA: false, tB: true },
    { a: [5, 7], b: [3, 5], tA: true, tB: true },
    { a: [4, 6, 5], b: [4, 5, 3], tA: false, tB: false },
    { a: [2, 1, 6, 5], b: [3, 3, 5], tA: false, tB: true }, // broadcast [2, 1] × [3] → [2, 3]; b [3, 5] transposed
    { a: [1, 5, 6], b: [3, 5, 2], tA: true, tB: false },
    { a: [3, 1, 4, 2], b: [1, 2, 2, 5], tA: false, tB: false },
  ];

  for (const c of CASES) {
    // tfjs's BatchMatMul gradient does not sum over broadcast batch dims (it fails on every
    // backend), so gradients are compared only where the batch dims are equal.
    const broadcast = c.a.slice(0, -2).join() !== c.b.slice(0, -2).join();
    test(`matMul ${JSON.stringify(c)}${broadcast ? "" : " and its gradients"} = the cpu backend's`, async () => {
      const rand = lcg(c.a.length * 31 + c.b.length);
      const aVals = Float32Array.from({ length: c.a.reduce((p, q) => p * q, 1) }, rand);
      const bVals = Float32Array.from({ length: c.b.reduce((p, q) => p * q, 1) }, rand);
      const f = () => {
        const a = tf.tensor(aVals, c.a), b = tf.tensor(bVals, c.b);
        const y = tf.matMul(a, b, c.tA, c.tB);
        if (broadcast) return [y];
        const w = tf.sin(tf.reshape(tf.range(0, y.size), y.shape));
        const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p, q, c.tA, c.tB), w)))([a, b]);
        return [y, da, db];
      };
      // The oracle for broadcast batches: both operands broadcast explicitly to the output's
      // batch shape, then an ordinary matMul on cpu. (tfjs-cpu's own broadcast indexes batches
      // by i mod size, which is wrong for [2, 1] × [3]; the seqlab kernel broadcasts per dim.)
      const batch = tf.broadcast_util.assertAndGetBroadcastShape(c.a.slice(0, -2), c.b.slice(0, -2));
      const oracle = () =>
        tf.matMul(
          tf.broadcastTo(tf.tensor(aVals, c.a), [...batch, ...c.a.slice(-2)]),
          tf.broadcastTo(tf.tensor(bVals, c.b), [...batch, ...c.b.slice(-2)]),
          c.tA, c.tB,
        );
      const expected = await on("cpu", broadcast ? oracle : f);
      const actual = await on("seqlab", f);
      actual.forEach((r, j) => {
        assert.deepEqual(r.shape, expected[j].shape);
        r.values.forEach((v, i) => assert.ok(Math.abs(v - expected[j].values[i]) < 1e-5, `output ${j}[${i}]: ${v} vs ${expected[j].values[i]}`));
      });
    });
  }

  test("fused matMul with bias and relu / sigmoid / leakyrelu = the cpu backend's", async () => {
    const rand = lcg(5);
    const aVals = Float32Array.from({ length: 24 }, rand), bVals = Float32Array.from({ length: 20 }, rand), biasVals = Float32Array.from({ length: 5 }, rand);
    for (const activation of ["linear", "relu", "sigmoid", "leakyrelu"] as const) {
      const f = () => tf.fused.matMul({ a: tf.tensor(aVals, [6, 4]), b: tf.tensor(bVals, [4, 5]), bias: tf.tensor(biasVals, [5]), activation });
      const [expected] = await on("cpu", f);
      const [actual] = await on("seqlab", f);
      actual.values.forEach((v, i) => assert.ok(Math.abs(v - expected.values[i]) < 1e-5, `${activation} [${i}]`));
    }
  });

  test("fused matMul: a bias row starts C (β = 1) — batched, transposed, one row (sgemv) — others are added after; values and gradients = the cpu backend's", async () => {
    const rand = lcg(8);
    const vals = (n: number) => Float32Array.from({ length: n }, rand);
    const [A, A3, Bt, A1, bias, bias2, col, full] = [vals(24), vals(48), vals(20), vals(4), vals(5), vals(5), vals(6), vals(30)];
    const cases: Array<[string, () => tf.Tensor]> = [
      ["bias [5]", () => tf.fused.matMul({ a: tf.tensor(A, [6, 4]), b: tf.tensor(Bt, [4, 5]), bias: tf.tensor(bias, [5]) })],
      ["bias [1, 5], transposeB", () => tf.fused.matMul({ a: tf.tensor(A, [6, 4]), b: tf.tensor(Bt, [5, 4]), bias: tf.tensor(bias2, [1, 5]), transposeB: true })],
      ["batched [2, 6, 4], bias [5]", () => tf.fused.matMul({ a: tf.tensor(A3, [2, 6, 4]), b: tf.tensor(Bt, [4, 5]), bias: tf.tensor(bias, [5]) })],
      ["one row (M = 1), bias [5]", () => tf.fused.matMul({ a: tf.tensor(A1, [1, 4]), b: tf.tensor(Bt, [4, 5]), bias: tf.tensor(bias, [5]), activation: "relu" })],
      ["bias column [6, 1] (added after)", () => tf.fused.matMul({ a: tf.tensor(A, [6, 4]), b: tf.tensor(Bt, [4, 5]), bias: tf.tensor(col, [6, 1]) })],
      ["bias [6, 5] (added after)", () => tf.fused.matMul({ a: tf.tensor(A, [6, 4]), b: tf.tensor(Bt, [4, 5]), bias: tf.tensor(full, [6, 5]) })],
      ["gradients w.r.t. a, b, bias", () => {
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.square(tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c }))));
        return tf.concat(g([tf.tensor(A, [6, 4]), tf.tensor(Bt, [4, 5]), tf.tensor(bias, [5])]).map((t) => tf.reshape(t, [-1])));
      }],
    ];
    for (const [what, f] of cases) {
      const [expected] = await on("cpu", f);
      const [actual] = await on("seqlab", f);
      assert.deepEqual(actual.shape, expected.shape, what);
      actual.values.forEach((v, i) => assert.ok(Math.abs(v - expected.values[i]) < 1e-5, `${what} [${i}]: ${v} vs ${expected.values[i]}`));
    }
  });

  test("the Sum, Add and Transpose fast paths (and their fallbacks) = the cpu backend's", async () => {
    const rand = lcg(3);
    const xVals = Float32Array.from({ length: 2 * 3 * 4 }, rand), rowVals = Float32Array.from({ length: 4 }, rand);
    const f = () => {
      const x = tf.tensor(xVals, [2, 3, 4]), row = tf.tensor(rowVals, [4]), col = tf.tensor(rowVals.slice(0, 3), [3, 1]);
      const m = tf.reshape(x, [6, 4]);
      return [
        tf.sum(x, 0), tf.sum(x, [0, 1]), tf.sum(x, [0, 1], true), tf.sum(x, 2), tf.sum(x, [0, 2]), tf.sum(x), // leading axes; fallbacks
        tf.add(x, row), tf.add(row, x), tf.add(x, x), tf.add(x, col), tf.add(tf.reshape(row, [1, 4]), m), // bias rows; fallback [3, 1]
        tf.transpose(x, [0, 1, 2]), tf.transpose(m), tf.transpose(x, [2, 0, 1]), // identity, 2-D, fallback
        tf.sum(tf.cast(tf.greater(x, 0), "int32"), 0), // int32: stock kernel
      ];
    };
    const expected = await on("cpu", f);
    const actual = await on("seqlab", f);
    actual.forEach((r, j) => {
      assert.deepEqual(r.shape, expected[j].shape, `output ${j}: shape`);
      r.values.forEach((v, i) => assert.ok(Math.abs(v - expected[j].values[i]) < 1e-6, `output ${j}[${i}]: ${v} vs ${expected[j].values[i]}`));
    });
  });

  test("the GatherV2 fast path (rows of axis 0, repeated ids) and its fallbacks = the cpu backend's", async () => {
    const rand = lcg(8);
    const tableVals = Float32Array.from({ length: 6 * 4 }, rand), cubeVals = Float32Array.from({ length: 3 * 2 * 5 }, rand);
    const f = () => {
      const table = tf.tensor(tableVals, [6, 4]), cube = tf.tensor(cubeVals, [3, 2, 5]);
      const ids = tf.tensor2d([[5, 0, 5], [2, 2, 1]], [2, 3], "int32"); // repeats
      return [
        tf.gather(table, ids), tf.gather(table, tf.tensor1d([3], "int32")), tf.gather(cube, tf.tensor1d([2, 0, 2, 1], "int32")), // fast: axis 0
        tf.gather(table, tf.tensor1d([], "int32")), // no ids: [0, 4]
        tf.gather(cube, tf.tensor1d([4, 0], "int32"), 2), tf.gather(cube, tf.tensor1d([1, 1], "int32"), -2), // other axes: stock
        tf.gather(cube, tf.tensor2d([[0, 1], [1, 1], [0, 0]], [3, 2], "int32"), 1, 1), // batch dims: stock
        tf.gather(tf.cast(tf.tensor2d([[1, 2], [3, 4]]), "int32"), tf.tensor1d([1, 0, 1], "int32")), // int32 table: stock
        tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), tf.range(0, 24).reshape([2, 3, 4]))))(table), // its gradient
      ];
    };
    const expected = await on("cpu", f);
    const actual = await on("seqlab", f);
    actual.forEach((r, j) => {
      assert.deepEqual(r.shape, expected[j].shape, `output ${j}: shape`);
      assert.deepEqual(Array.from(r.values), Array.from(expected[j].values), `output ${j}: values`);
    });
    // An id outside [0, rows) is an error with tfjs's message, on both backends.
    for (const backend of ["cpu", "seqlab"]) {
      await tf.setBackend(backend);
      const table = tf.tensor(tableVals, [6, 4]);
      for (const bad of [6, -1]) {
        const ids = tf.tensor1d([0, bad], "int32");
        assert.throws(() => tf.gather(table, ids), { message: `GatherV2: the index value ${bad} is not in [0, 5]` }, `${backend} id ${bad}`);
        ids.dispose();
      }
      table.dispose();
    }
  });

  test("the fused LSTM on the seqlab backend = the reference on the cpu backend (value and gradients)", async () => {
    const f = (reference: boolean) => () => {
      const inp = cellInputs("lstm");
      const g = tf.valueAndGrads((x: tf.Tensor, W: tf.Tensor) => runCell("lstm", reference, { mask: true, reverse: false, init: true }, x, W, inp.b, inp.V, inp.h0, inp.c0, inp.mask));
      const { value, grads } = withKernels(reference ? null : jsKernels, () => g([inp.x, inp.W]));
      return [value, ...grads];
    };
    const expected = await on("cpu", f(true));
    const actual = await on("seqlab", f(false));
    actual.forEach((r, j) => r.values.forEach((v, i) => assert.ok(Math.abs(v - expected[j].values[i]) < 1e-4, `output ${j}[${i}]`)));
  });
});

describe("engine selection", () => {
  test("lstmSequence / gruSequence / rnnSequence / softmaxCrossEntropy / linearSoftmaxCrossEntropy call the active kernels, and only then", () => {
    const calls: string[] = [];
    const spy: Kernels = { ...jsKernels };
    for (const name of ["lstmForward", "lstmBackward", "gruForward", "rnnForward", "softmaxCeForward", "linearSoftmaxCeForward"] as const) {
      const original = jsKernels[name] as (a: never) => unknown;
      (spy as unknown as Record<string, unknown>)[name] = (a: never) => {
        calls.push(name);
        return original(a);
      };
    }
    const inp = cellInputs("lstm");
    const run = () =>
      tf.tidy(() => {
        tf.grad((x: tf.Tensor) => tf.sum(lstmSequence(x as tf.Tensor3D, { W: inp.W, b: inp.b }).outputs))(inp.x);
        gruSequence(inp.x, { W: tf.zeros([inp.H + inp.D, 3 * inp.H]) as tf.Tensor2D, b: tf.zeros([3 * inp.H]) as tf.Tensor1D });
        rnnSequence(inp.x, { V: inp.V, W: tf.eye(inp.H) as tf.Tensor2D, b: tf.zeros([inp.H]) as tf.Tensor1D });
        softmaxCrossEntropy(tf.zeros([2, 3]), tf.tensor1d([0, 2], "int32"));
        linearSoftmaxCrossEntropy(tf.zeros([2, 4]), tf.zeros([4, 3]), tf.zeros([3]), tf.tensor1d([0, 2], "int32"));
      });
    withKernels(null, run);
    assert.deepEqual(calls, [], "no engine: the reference ops");
    withKernels(spy, run);
    assert.deepEqual(calls, ["lstmForward", "lstmBackward", "gruForward", "rnnForward", "softmaxCeForward", "linearSoftmaxCeForward"]);
    disposeInputs(inp);
  });

  test("SEQLAB_ENGINE=js forces the js engine and prints one line saying so", () => {
    const script = `import(${JSON.stringify(pathToFileURL(path.resolve(import.meta.dirname, "../lib/src/engine/engine.ts")).href)}).then((m) => m.initEngine());`;
    const out = execFileSync(process.execPath, ["--import", "tsx", "-e", script], { env: { ...process.env, SEQLAB_ENGINE: "js" }, encoding: "utf8" });
    assert.equal(out.trim(), "seqlab: engine js (plain TypeScript loops, 1 thread); forced by SEQLAB_ENGINE=js");
  });

  test("an unknown engine name is a BackendError naming the choices", () => {
    assert.throws(() => initEngine({ engine: "gpu" as "js" }), { message: "initEngine: engine: expected one of native, wasm, js, tfjs, got 'gpu'" });
  });
});

describe("optimizers update in place only what nothing else shares (backend/seqlab_backend.ts ownedValues)", () => {
  test("with a reshape of the variable alive, the update goes through assign and the reshape keeps the old values", async () => {
    const { FusedSgd } = await import("../lib/src/optim/sgd.js");
    for (const make of [() => new FusedSgd(0.5), () => new FusedAdam({ learningRate: 0.5 })]) {
      const v = tf.variable(tf.tensor1d([1, 2, 3, 4]));
      const view = tf.reshape(v, [2, 2]); // shares v's data (refCount 2)
      const opt = make();
      opt.applyGradients({ [v.name]: tf.tensor1d([1, 1, 1, 1]) });
      assert.deepEqual(Array.from(view.dataSync()), [1, 2, 3, 4], `${opt.getClassName()}: the view still shows the old values`);
      assert.ok(v.dataSync()[0] < 1, `${opt.getClassName()}: the variable moved`);
      view.dispose();
      // Alone now: the next update may go in place; the values must be the same as via assign.
      const before = Array.from(v.dataSync());
      opt.applyGradients({ [v.name]: tf.tensor1d([1, 1, 1, 1]) });
      const after = Array.from(v.dataSync());
      after.forEach((x, i) => assert.ok(x < before[i], `${opt.getClassName()}: entry ${i} moved down`));
      opt.dispose();
      v.dispose();
    }
  });
});
