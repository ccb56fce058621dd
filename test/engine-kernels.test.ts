/**
 * The engine's compiled kernels (lib/src/engine/wasm.ts always; native.ts when the addon is
 * built, else skipped with the reason) against oracles:
 * - gemm: a naive float64 triple loop, all four transpose combinations, odd sizes, β = 0
 *   over a C full of NaN (must be ignored), β = 1, α ≠ 1;
 * - LSTM / GRU / RNN forward (outputs, final states) against ops/sequence.ts
 *   (`lstmSequence`, `gruSequence`, `rnnSequence` on the tfjs cpu backend), and backward
 *   (dx, dW, db, dh0, dc0) against tf.grads of L = Σ out·dOut + Σ hT·dhT + Σ cT·dcT
 *   with random dOut, dhT, dcT; random small sizes (fast-check, fixed seed), ragged right
 *   padding masks, reverse, nonzero initial states, ReLU, saturating weights;
 * - softmax cross-entropy against `softmaxCrossEntropy` and its tf.grad (and in place);
 * - the fused output layer + softmax cross-entropy against
 *   `linearSoftmaxCrossEntropyReference` and its tf.grads w.r.t. h, W, b (outputs
 *   prefilled with NaN: every element must be written);
 * - Adam against the tf.train.adam formula in float64 for 3 steps;
 * - SGD (p ← p − step·g) and Σ g² against float64, on js, wasm and native alike, with
 *   lengths that are not multiples of 4 (the unrolled sums' tails), huge values and the
 *   length checks.
 * The wasm kernels are tested with their gemm worker running (wasmThreadsReady), and
 * some sizes exceed the two-thread split threshold, so both halves of a split product
 * are checked (SEQLAB_WASM_THREADS=1 tests the one-thread path).
 * Tolerance: |got − want| ≤ 1e-5·(1 + |want|) elementwise unless stated (float32).
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../lib/src/errors.js";
import type { Kernels } from "../lib/src/engine/kernels.js";
import { loadWasmKernels, wasmGemmThreads, wasmThreadsReady } from "../lib/src/engine/wasm.js";
import { loadNativeKernels } from "../lib/src/engine/native.js";
import { jsKernels } from "../lib/src/engine/js.js";
import { gruSequence, lstmSequence, rnnSequence } from "../lib/src/ops/sequence.js";
import { softmaxCrossEntropy } from "../lib/src/ops/softmax_cross_entropy.js";
import { linearSoftmaxCrossEntropyReference } from "../lib/src/ops/linear_softmax_cross_entropy.js";

let wasmThreads = false;
before(async () => {
  await tf.setBackend("cpu");
  wasmThreads = await wasmThreadsReady(); // large gemms below then run split over the threads
});

/** Every implementation to test, or the reason it is skipped. */
const impls: { name: string; load: () => Kernels }[] = [
  { name: "wasm", load: loadWasmKernels },
  { name: "native", load: loadNativeKernels },
];

function tryLoad(load: () => Kernels): { k?: Kernels; skip?: string } {
  try {
    return { k: load() };
  } catch (e) {
    return { skip: (e as Error).message };
  }
}

/** mulberry32: a seeded uniform generator in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n uniform floats in [−scale, scale). */
function uniform(r: () => number, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (2 * r() - 1) * scale;
  return a;
}

/** Runs `fn` and disposes every tensor it made (like tf.tidy, for a result of plain arrays). */
function scoped<T>(fn: () => T): T {
  tf.engine().startScope();
  try {
    return fn();
  } finally {
    tf.engine().endScope();
  }
}

function assertClose(what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= tol * (1 + Math.abs(want[i])))) {
      assert.fail(`${what}[${i}]: expected ${want[i]}, got ${got[i]} (|err| ${err.toExponential(2)})`);
    }
  }
}

for (const impl of impls) {
  const { k, skip } = tryLoad(impl.load);
  describe(`${impl.name} kernels`, { skip: skip ?? false }, () => {
    const K = () => k as Kernels;

    describe("gemm", () => {
      /** float64 reference of α op(A) op(B) + β C. */
      function naive(tA: boolean, tB: boolean, M: number, N: number, Kd: number, alpha: number, A: Float32Array, B: Float32Array, beta: number, C: Float32Array) {
        const out = new Float64Array(M * N);
        const bound = new Float64Array(M * N); // Σ |α a b| + |β c|, the scale of the rounding error
        for (let i = 0; i < M; i++)
          for (let j = 0; j < N; j++) {
            let s = 0;
            let sa = 0;
            for (let p = 0; p < Kd; p++) {
              const t = (tA ? A[p * M + i] : A[i * Kd + p]) * (tB ? B[j * Kd + p] : B[p * N + j]);
              s += t;
              sa += Math.abs(t);
            }
            out[i * N + j] = alpha * s + (beta === 0 ? 0 : beta * C[i * N + j]);
            bound[i * N + j] = Math.abs(alpha) * sa + (beta === 0 ? 0 : Math.abs(beta * C[i * N + j]));
          }
        return { out, bound };
      }
      // the last three exceed wasm.ts's SPLIT_MIN_WORK: split by columns, by rows, by columns
      // M = 1 or N = 1: matrix–vector products (csrc/gemm.c: cblas_sgemv on native, gemv_rows / gemv_dots on wasm),
      // e.g. batch-1 generation's [1, 200]·[200, 10000]; the last two are split over the wasm gemm's threads
      const sizes: [number, number, number][] = [[1, 1, 1], [1, 301, 70], [1, 2000, 200], [9, 1, 130], [1, 1, 300], [1, 10003, 200], [2100, 1, 1000], [7, 13, 5], [65, 33, 129], [6, 8, 300], [97, 9, 260], [97, 300, 260], [1001, 9, 300], [33, 1000, 70]];
      for (const [M, N, Kd] of sizes)
        for (const tA of [false, true])
          for (const tB of [false, true])
            for (const [alpha, beta] of [[1, 0], [0.5, 1], [-1.5, 0.25]]) {
              test(`${M}x${N}x${Kd} transA=${tA} transB=${tB} alpha=${alpha} beta=${beta}`, () => {
                const r = rng(M * 1000 + N * 10 + Kd);
                const A = uniform(r, M * Kd);
                const B = uniform(r, Kd * N);
                const C = beta === 0 ? new Float32Array(M * N).fill(NaN) : uniform(r, M * N);
                const { out, bound } = naive(tA, tB, M, N, Kd, alpha, A, B, beta, C);
                K().gemm(tA, tB, M, N, Kd, alpha, A, B, beta, C);
                for (let i = 0; i < M * N; i++) {
                  const err = Math.abs(C[i] - out[i]);
                  // float32 accumulation: error ≤ ~K·2⁻²⁴·Σ|terms|; 2⁻²⁰ per term is generous but catches any wrong term
                  if (!(err <= 1e-6 * bound[i] * Math.sqrt(Kd) + 1e-7)) assert.fail(`C[${i}]: expected ${out[i]}, got ${C[i]}`);
                }
              });
            }
      if (impl.name === "wasm") {
        test("runs on SEQLAB_WASM_THREADS threads (default: the CPUs, at most 8) once the workers are ready", { skip: wasmGemmThreads() === 1 ? "one thread" : false }, () => {
          assert.equal(wasmThreads, true);
          assert.equal(K().threads, wasmGemmThreads());
        });
      }
      test("rejects a wrong operand length", () => {
        assert.throws(
          () => K().gemm(false, false, 2, 3, 4, 1, new Float32Array(8), new Float32Array(11), 0, new Float32Array(6)),
          (e: Error) => e instanceof ArgumentError && /expected B \[K·N\] of length 12, got 11/.test(e.message),
        );
      });
    });

    describe("recurrences vs ops/sequence.ts + tf.grads", () => {
      type Kind = "lstm" | "gru" | "rnn" | "rnn-relu";
      interface Case {
        B: number;
        T: number;
        D: number;
        H: number;
        reverse: boolean;
        masked: boolean;
        scale: number;
        seed: number;
      }
      const caseArb = fc.record({
        B: fc.integer({ min: 1, max: 4 }),
        T: fc.integer({ min: 1, max: 5 }),
        D: fc.integer({ min: 1, max: 5 }),
        H: fc.integer({ min: 1, max: 9 }),
        reverse: fc.boolean(),
        masked: fc.boolean(),
        scale: fc.constantFrom(0.5, 1, 4),
        seed: fc.integer({ min: 0, max: 1 << 30 }),
      });

      function check(kind: Kind, c: Case): void {
        const { B, T, D, H, reverse } = c;
        const r = rng(c.seed);
        const G = kind === "lstm" ? 4 : kind === "gru" ? 3 : 1;
        const x = uniform(r, B * T * D, c.scale);
        let mask: Float32Array | null = null;
        if (c.masked) {
          // ragged right padding: sequence b has length in [1, T] (b = 0 always full)
          mask = new Float32Array(B * T);
          for (let b = 0; b < B; b++) {
            const len = b === 0 ? T : 1 + Math.floor(r() * T);
            for (let t = 0; t < len; t++) mask[b * T + t] = 1;
          }
        }
        const h0 = uniform(r, B * H);
        const c0 = uniform(r, B * H);
        const W = kind.startsWith("rnn") ? uniform(r, H * H, c.scale / Math.sqrt(H)) : uniform(r, (H + D) * G * H, c.scale / Math.sqrt(H + D));
        const V = uniform(r, D * H, c.scale / Math.sqrt(D));
        const bias = uniform(r, G * H, c.scale);
        const dOut = uniform(r, B * T * H);
        const dhT = uniform(r, B * H);
        const dcT = uniform(r, B * H);

        // 1. reference: forward values and tf.grads of L = Σ out·dOut + Σ hT·dhT (+ Σ cT·dcT).
        // tf.grads of the reference fails for T = 1 (tfjs's unstack gradient), so a T = 1
        // case runs the reference on T = 2 with the second step padded (mask 0), which
        // carries the state unchanged and outputs 0 there, and keeps its first step.
        const Tr = T === 1 ? 2 : T;
        const pad = (a: Float32Array, w: number, fill: () => number) => {
          if (Tr === T) return a;
          const r2 = new Float32Array(B * Tr * w);
          for (let b = 0; b < B; b++)
            for (let j = 0; j < Tr * w; j++) r2[b * Tr * w + j] = j < T * w ? a[b * T * w + j] : fill();
          return r2;
        };
        const unpad = (a: Float32Array, w: number) => {
          if (Tr === T) return a;
          const o = new Float32Array(B * T * w);
          for (let b = 0; b < B; b++) for (let j = 0; j < T * w; j++) o[b * T * w + j] = a[b * Tr * w + j];
          return o;
        };
        const xr = pad(x, D, () => 2 * r() - 1);
        const dOutr = pad(dOut, H, () => 2 * r() - 1);
        const maskr = Tr === T ? mask : pad(mask ?? new Float32Array(B * T).fill(1), 1, () => 0);
        const ref = scoped(() => {
          const xs = tf.tensor3d(xr, [B, Tr, D]);
          const m = maskr === null ? undefined : tf.tensor2d(maskr, [B, Tr]);
          const run = (xs: tf.Tensor, W: tf.Tensor, b: tf.Tensor, h0: tf.Tensor, c0: tf.Tensor, V: tf.Tensor) => {
            const opts = { mask: m, reverse, initialState: kind === "lstm" ? [h0, c0] : [h0] } as { mask?: tf.Tensor2D; reverse: boolean; initialState: tf.Tensor2D[] };
            if (kind === "lstm") return lstmSequence(xs as tf.Tensor3D, { W: W as tf.Tensor2D, b: b as tf.Tensor1D }, opts);
            if (kind === "gru") return gruSequence(xs as tf.Tensor3D, { W: W as tf.Tensor2D, b: b as tf.Tensor1D }, opts);
            return rnnSequence(xs as tf.Tensor3D, { V: V as tf.Tensor2D, W: W as tf.Tensor2D, b: b as tf.Tensor1D }, { ...opts, activation: kind === "rnn-relu" ? "relu" : "tanh" });
          };
          const Wt = kind.startsWith("rnn") ? tf.tensor2d(W, [H, H]) : tf.tensor2d(W, [H + D, G * H]);
          const args = [xs, Wt, tf.tensor1d(bias), tf.tensor2d(h0, [B, H]), tf.tensor2d(c0, [B, H]), tf.tensor2d(V, [D, H])];
          const fwd = run(...(args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]));
          const loss = (...a: tf.Tensor[]) => {
            const res = run(a[0], a[1], a[2], a[3], a[4], a[5]);
            let L = tf.add(tf.sum(tf.mul(res.outputs, tf.tensor3d(dOutr, [B, Tr, H]))), tf.sum(tf.mul(res.finalState[0], tf.tensor2d(dhT, [B, H]))));
            if (kind === "lstm") L = tf.add(L, tf.sum(tf.mul(res.finalState[1], tf.tensor2d(dcT, [B, H]))));
            return L as tf.Scalar;
          };
          // tf.grads needs every argument to reach L: c0 only for the LSTM, V only for the RNN
          const used = kind === "lstm" ? [0, 1, 2, 3, 4] : kind === "gru" ? [0, 1, 2, 3] : [0, 1, 2, 3, 5];
          const grads = tf.grads((...u: tf.Tensor[]) => {
            const a: tf.Tensor[] = args.slice();
            used.forEach((j, i) => (a[j] = u[i]));
            return loss(...a);
          })(used.map((j) => args[j]));
          const g = (j: number) => (used.includes(j) ? grads[used.indexOf(j)].dataSync() : new Float32Array(0));
          return {
            out: unpad(fwd.outputs.dataSync() as Float32Array, H),
            hT: fwd.finalState[0].dataSync(),
            cT: kind === "lstm" ? fwd.finalState[1].dataSync() : null,
            dx: unpad(g(0) as Float32Array, D),
            dW: g(1),
            db: g(2),
            dh0: g(3),
            dc0: g(4),
            dV: g(5),
          };
        });

        // 2. the kernel
        const k = K();
        const out = new Float32Array(B * T * H);
        const hT = new Float32Array(B * H);
        const cT = new Float32Array(B * H);
        const dx = new Float32Array(B * T * D);
        const dW = new Float32Array(W.length);
        const db = new Float32Array(bias.length);
        const dh0 = new Float32Array(B * H);
        const dc0 = new Float32Array(B * H);
        const dV = new Float32Array(D * H);
        const s = { B, T, D, H, reverse, x, mask, h0 };
        let tape: Float32Array;
        if (kind === "lstm") {
          tape = new Float32Array(k.lstmTapeSize(s));
          k.lstmForward({ ...s, W, b: bias, c0, out, hT, cT, tape });
          const copy = tape.slice();
          k.lstmBackward({ ...s, W, c0, tape, dOut, dhT, dcT, dx, dW, db, dh0, dc0 });
          assert.deepEqual(tape, copy, "the backward must not write the tape");
        } else if (kind === "gru") {
          tape = new Float32Array(k.gruTapeSize(s));
          k.gruForward({ ...s, W, b: bias, out, hT, tape });
          k.gruBackward({ ...s, W, tape, dOut, dhT, dx, dW, db, dh0 });
        } else {
          const relu = kind === "rnn-relu";
          tape = new Float32Array(k.rnnTapeSize(s));
          k.rnnForward({ ...s, V, W, b: bias, relu, out, hT, tape });
          k.rnnBackward({ ...s, V, W, relu, tape, dOut, dhT, dx, dV, dW, db, dh0 });
        }
        const tag = `${kind} ${JSON.stringify(c)}`;
        assertClose(`${tag} out`, out, ref.out);
        assertClose(`${tag} hT`, hT, ref.hT);
        if (ref.cT !== null) assertClose(`${tag} cT`, cT, ref.cT);
        assertClose(`${tag} dx`, dx, ref.dx);
        assertClose(`${tag} dW`, dW, ref.dW);
        assertClose(`${tag} db`, db, ref.db);
        assertClose(`${tag} dh0`, dh0, ref.dh0);
        if (kind === "lstm") assertClose(`${tag} dc0`, dc0, ref.dc0);
        if (kind.startsWith("rnn")) assertClose(`${tag} dV`, dV, ref.dV);
      }

      for (const kind of ["lstm", "gru", "rnn", "rnn-relu"] as const) {
        test(`${kind}: forward and backward on random sizes, masks, reverse`, () => {
          fc.assert(
            fc.property(caseArb, (c) => {
              check(kind, c);
            }),
            { numRuns: 25, seed: 20261127 },
          );
        });
        test(`${kind}: B=3 T=6 D=4 H=5, masked and reversed`, () => {
          check(kind, { B: 3, T: 6, D: 4, H: 5, reverse: true, masked: true, scale: 1, seed: 7 });
        });
        test(`${kind}: products large enough to be split over the threads (wasm)`, () => {
          // ≥ 2 M multiply-adds: the input projection and dx, dW products (csrc/gemm.c SL_SPLIT_MIN)
          const [D, H] = kind.startsWith("rnn") ? [400, 300] : [200, 200];
          check(kind, { B: 8, T: 4, D, H, reverse: false, masked: true, scale: 1, seed: 5 });
        });
        test(`${kind}: T=1, forward and reversed`, () => {
          check(kind, { B: 2, T: 1, D: 3, H: 4, reverse: false, masked: false, scale: 1, seed: 11 });
          check(kind, { B: 2, T: 1, D: 3, H: 4, reverse: true, masked: false, scale: 1, seed: 12 });
        });
      }

      test("a wrong tape length is an ArgumentError naming it", () => {
        const [B, T, D, H] = [2, 3, 4, 5];
        const z = (n: number) => new Float32Array(n);
        assert.throws(
          () =>
            K().lstmForward({ B, T, D, H, reverse: false, x: z(B * T * D), mask: null, h0: z(B * H), c0: z(B * H), W: z((H + D) * 4 * H), b: z(4 * H), out: z(B * T * H), hT: z(B * H), cT: z(B * H), tape: z(3) }),
          (e: Error) => e instanceof ArgumentError && /expected tape of length 210, got 3/.test(e.message),
        );
      });
    });

    describe("softmaxCe vs softmaxCrossEntropy + tf.grad", () => {
      // [40, 10007]: rows split over the native engine's threads (lib/csrc/parallel.c)
      for (const [N, Kc, masked] of [[1, 2, false], [5, 7, true], [13, 1000, true], [4, 10007, false], [40, 10007, true]] as const) {
        test(`N=${N} K=${Kc} masked=${masked}`, () => {
          const r = rng(N * 31 + Kc);
          const logits = uniform(r, N * Kc, 8);
          const targets = new Int32Array(N).map(() => Math.floor(r() * Kc));
          let mask: Float32Array | null = null;
          if (masked) {
            mask = new Float32Array(N).map((_, n) => (n === 0 || r() < 0.6 ? 1 : 0));
            mask.forEach((m, n) => {
              if (m === 0) targets[n] = -7; // rows with mask 0 are not read
            });
          }
          const count = mask === null ? N : mask.reduce((a, b) => a + b, 0);
          const ref = scoped(() => {
            const z = tf.tensor2d(logits, [N, Kc]);
            const y = tf.tensor1d(targets.map((t) => Math.max(t, 0)), "int32");
            const m = mask === null ? undefined : tf.tensor1d(mask);
            const f = (z: tf.Tensor) => softmaxCrossEntropy(z, y, m);
            const { value, grad } = tf.valueAndGrad(f)(z);
            return { probs: tf.softmax(z).dataSync(), loss: value.dataSync()[0], grad: grad.dataSync() };
          });
          const k = K();
          const probs = new Float32Array(N * Kc);
          const [sum, cnt] = k.softmaxCeForward({ N, K: Kc, logits, targets, mask, probs });
          assert.equal(cnt, count);
          assertClose("loss", [sum / cnt], [ref.loss]);
          assertClose("probs", probs, ref.probs);
          const dlogits = new Float32Array(N * Kc);
          k.softmaxCeBackward({ N, K: Kc, probs, targets, mask, scale: 1 / count, dlogits });
          assertClose("dlogits", dlogits, ref.grad);
          k.softmaxCeBackward({ N, K: Kc, probs, targets, mask, scale: 1 / count, dlogits: probs }); // in place
          assertClose("dlogits in place", probs, ref.grad);
        });
      }
    });

    test("softmaxCeForward in place (probs = logits) = out of place", () => {
      const r = rng(5);
      const [N, Kc] = [6, 37];
      const logits = uniform(r, N * Kc, 5);
      const targets = new Int32Array(N).map(() => Math.floor(r() * Kc));
      const mask = Float32Array.of(1, 0, 1, 1, 0, 1);
      const probs = new Float32Array(N * Kc);
      const want = K().softmaxCeForward({ N, K: Kc, logits, targets, mask, probs });
      const z = Float32Array.from(logits);
      const got = K().softmaxCeForward({ N, K: Kc, logits: z, targets, mask, probs: z });
      assertClose("sums", got, want, 1e-7);
      assertClose("probs", z, probs, 0);
    });

    describe("linearSoftmaxCe vs linearSoftmaxCrossEntropyReference + tf.grads (h, W, b)", () => {
      // [40, 64, 2051]: its products (5.2 M multiply-adds) are split over the wasm gemm's threads;
      // [64, 8, 5003]: the softmax rows and the columns of db over the native engine's (lib/csrc/parallel.c)
      for (const [N, H, Kc, masked] of [[1, 1, 2, false], [5, 3, 7, true], [13, 17, 1000, true], [40, 64, 2051, false], [64, 8, 5003, true]] as const) {
        test(`N=${N} H=${H} K=${Kc} masked=${masked}`, () => {
          const r = rng(N * 131 + H * 7 + Kc);
          const h = uniform(r, N * H, 2), W = uniform(r, H * Kc, 1), b = uniform(r, Kc, 1);
          const targets = new Int32Array(N).map(() => Math.floor(r() * Kc));
          let mask: Float32Array | null = null;
          if (masked) {
            mask = new Float32Array(N).map((_, n) => (n === 0 || r() < 0.6 ? 1 : 0));
            mask.forEach((m, n) => {
              if (m === 0) targets[n] = 1 << 30; // rows with mask 0 are not read
            });
          }
          const count = mask === null ? N : mask.reduce((a, c) => a + c, 0);
          const ref = scoped(() => {
            const y = tf.tensor1d(targets.map((t) => (t === 1 << 30 ? 0 : t)), "int32");
            const m = mask === null ? undefined : tf.tensor1d(mask);
            const f = (hh: tf.Tensor, WW: tf.Tensor, bb: tf.Tensor) => linearSoftmaxCrossEntropyReference(hh, WW, bb, y, m);
            const { value, grads } = tf.valueAndGrads(f)([tf.tensor2d(h, [N, H]), tf.tensor2d(W, [H, Kc]), tf.tensor1d(b)]);
            const probs = tf.softmax(tf.add(tf.matMul(tf.tensor2d(h, [N, H]), tf.tensor2d(W, [H, Kc])), tf.tensor1d(b)));
            return { probs: probs.dataSync(), loss: value.dataSync()[0], dh: grads[0].dataSync(), dW: grads[1].dataSync(), db: grads[2].dataSync() };
          });
          const k = K();
          const probs = new Float32Array(N * Kc);
          const [sum, cnt] = k.linearSoftmaxCeForward({ N, H, K: Kc, h, W, b, targets, mask, probs });
          assert.equal(cnt, count);
          assertClose("loss", [sum / cnt], [ref.loss]);
          assertClose("probs", probs, ref.probs);
          const dh = new Float32Array(N * H).fill(NaN), dW = new Float32Array(H * Kc).fill(NaN), db = new Float32Array(Kc).fill(NaN);
          k.linearSoftmaxCeBackward({ N, H, K: Kc, h, W, probs, targets, mask, scale: 1 / count, dh, dW, db });
          assertClose("dh", dh, ref.dh);
          assertClose("dW", dW, ref.dW);
          assertClose("db", db, ref.db);
        });
      }

      test("wrong lengths and a target outside [0, K) are ArgumentErrors", () => {
        const [N, H, Kc] = [2, 3, 4];
        const z = (n: number) => new Float32Array(n);
        const args = { N, H, K: Kc, h: z(N * H), W: z(H * Kc), b: z(Kc), targets: Int32Array.of(0, 3), mask: null, probs: z(N * Kc) };
        assert.throws(() => K().linearSoftmaxCeForward({ ...args, W: z(H * Kc - 1) }), (e: Error) => e instanceof ArgumentError && /expected W \[H, K\] of length 12, got 11/.test(e.message));
        assert.throws(() => K().linearSoftmaxCeForward({ ...args, b: z(3) }), (e: Error) => e instanceof ArgumentError && /expected b \[K\] of length 4, got 3/.test(e.message));
        assert.throws(() => K().linearSoftmaxCeForward({ ...args, targets: Int32Array.of(0, 4) }), (e: Error) => e instanceof ArgumentError && /expected targets\[1\] in \[0, 4\), got 4/.test(e.message));
        const back = { ...args, scale: 1, dh: z(N * H), dW: z(H * Kc), db: z(Kc) };
        assert.throws(() => K().linearSoftmaxCeBackward({ ...back, dW: z(5) }), (e: Error) => e instanceof ArgumentError && /expected dW \[H, K\] of length 12, got 5/.test(e.message));
      });
    });

    describe("adam vs the tf.train.adam formula in float64", () => {
      for (const n of [1037, 300_007]) test(`3 steps, n = ${n}${n > 200_000 ? " (split over the native engine's threads)" : ""}`, () => {
        const r = rng(99);
        const [lr, beta1, beta2, eps] = [0.01, 0.9, 0.999, 1e-7];
        const p = uniform(r, n);
        const m = new Float32Array(n);
        const v = new Float32Array(n);
        const p64 = Float64Array.from(p);
        const m64 = new Float64Array(n);
        const v64 = new Float64Array(n);
        for (let t = 1; t <= 3; t++) {
          const g = uniform(r, n, 2);
          const c1 = 1 - beta1 ** t;
          const c2 = 1 - beta2 ** t;
          K().adam({ p, g, m, v, lr, beta1, beta2, eps, oneMinusBeta1Pow: c1, oneMinusBeta2Pow: c2 });
          for (let i = 0; i < n; i++) {
            m64[i] = beta1 * m64[i] + (1 - beta1) * g[i];
            v64[i] = beta2 * v64[i] + (1 - beta2) * g[i] * g[i];
            p64[i] -= (lr * (m64[i] / c1)) / (Math.sqrt(v64[i] / c2) + eps);
          }
          assertClose(`m step ${t}`, m, m64);
          assertClose(`v step ${t}`, v, v64);
          assertClose(`p step ${t}`, p, p64);
        }
      });
    });
  });
}

describe("sgd and sumOfSquares (the optimizer's and clipping's passes), every implementation", () => {
  for (const { name, load } of [{ name: "js", load: () => jsKernels }, ...impls]) {
    const { k, skip } = tryLoad(load);
    const K = () => k!;
    describe(name, { skip }, () => {
      test("sgd: p ← p − fround(step)·g in place, rounded as float32 (C) or once from float64 (JavaScript)", () => {
        const r = rng(7);
        for (const n of [0, 1, 3, 4, 5, 1037, 100_003, 300_007]) { // the last split over the native engine's threads
          const p = uniform(r, n), g = uniform(r, n, 3);
          const step = Math.fround(0.37 * r() + 0.01);
          const before = p.slice();
          K().sgd({ p, g, step });
          for (let i = 0; i < n; i++) {
            const twice = Math.fround(before[i] - Math.fround(step * g[i])); // float32 product, then float32 difference (C)
            const once = Math.fround(before[i] - step * g[i]); // exact in float64, rounded once (a JS loop, an FMA)
            if (p[i] !== twice && p[i] !== once) assert.fail(`n=${n}, i=${i}: got ${p[i]}, want ${twice} or ${once}`);
          }
        }
      });
      test("sumOfSquares: Σ g² in float64 over float32 values (tails of 1–3, large values)", () => {
        const r = rng(11);
        for (const n of [0, 1, 2, 3, 4, 7, 1037, 1_000_001]) {
          const g = uniform(r, n, 5);
          let want = 0;
          for (let i = 0; i < n; i++) want += g[i] * g[i];
          const got = K().sumOfSquares(g);
          assert.ok(Math.abs(got - want) <= 1e-12 * (1 + want), `n=${n}: got ${got}, want ${want}`);
        }
        const big = Float32Array.of(3e38, 3e38, -3e38); // each square overflows float32 but not float64
        assert.equal(K().sumOfSquares(big), 3 * Math.fround(3e38) ** 2);
      });
      if (name !== "js") {
        test("a gradient of the wrong length is an ArgumentError before the kernel runs", () => {
          assert.throws(() => K().sgd({ p: new Float32Array(5), g: new Float32Array(4), step: 1 }), (e: Error) => e instanceof ArgumentError && /sgd: expected g \[n\] of length 5, got 4/.test(e.message));
          assert.throws(() => K().sgd({ p: new Float32Array(2), g: new Float32Array(2), step: NaN }), (e: Error) => e instanceof ArgumentError && /expected step a finite number, got NaN/.test(e.message));
        });
      }
    });
  }
});
