/**
 * The vanilla RNN exactly as the lecture writes it, with backpropagation through time
 * (BPTT) by hand in float64 — the oracle for every gradient in the course.
 *
 * Reference: Elman (1990), "Finding structure in time"; BPTT: Werner (1990), Williams &
 * Zipser / Williams & Peng (1990) for the truncated form; the lecture's slides "Backpropagation
 * through time".
 *
 * Model (t = 1..T, h_0 given, default 0). The lecture writes column vectors,
 * z_t = V x_t + W h_{t-1} + b; the course stores every weight matrix [in, out] (its symbol
 * table: README, "Symbols") and writes the same model with row vectors:
 *
 *     z_t = x_t V + h_{t-1} W + b          V [D, H], W [H, H], b [H]
 *     h_t = f(z_t),  f = tanh
 *     ŷ_t = g(h_t U + b̂),  g = softmax      U [H, K], b̂ (`bHat`) [K]
 *     L   = Σ_t w_t L_t,  L_t = −log ŷ_t[y_t]  (cross-entropy against the target class y_t)
 *
 * w_t is a per-step weight, default 1 (many-to-many). Many-to-one is w = [0, …, 0, 1].
 *
 * Derivation summary (with e_t = w_t (ŷ_t − onehot(y_t)), the softmax-cross-entropy error):
 * 1. dL/dU = Σ_t h_t e_tᵀ (an outer product, [H, K]) and dL/db̂ = Σ_t e_t: the term of
 *    L_t depends only on step t.
 * 2. W, V, b act at every step, so h_t depends on them directly AND through h_{t-1}:
 *
 *        dh_t/dW = ∂h_t/∂W + ∂h_t/∂h_{t-1} · dh_{t-1}/dW
 *                = Σ_{k=1..t} (Π_{i=k+1..t} ∂h_i/∂h_{i-1}) ∂h_k/∂W,
 *        ∂h_i/∂h_{i-1} = diag(f'(z_i)) Wᵀ = diag(1/cosh²(z_i)) Wᵀ   (h as a column),
 *
 *    and dL_t/dW = (U e_t)ᵀ dh_t/dW (the same for V and b, with ∂h_k/∂V built from x_k
 *    and ∂h_k/∂b = diag(f'(z_k))). `vanillaBpttExplicit64` computes exactly this sum.
 * 3. Reverse accumulation computes the same numbers in O(T): carry δ_t = ∂L/∂h_t backwards,
 *
 *        δ_t = U e_t + W diag(f'(z_{t+1})) δ_{t+1},   δ_{T+1} = 0,
 *        dW += h_{t-1} (f'(z_t) ⊙ δ_t)ᵀ,  dV += x_t (f'(z_t) ⊙ δ_t)ᵀ,  db += f'(z_t) ⊙ δ_t.
 *
 * Truncated BPTT with window k (`truncate: k`, an integer ≥ 1): the gradient of each L_t
 * flows back through at most k hidden states h_t, h_{t-1}, …, h_{t-k+1}, i.e. the sum of
 * step 2 keeps only the terms k' = max(1, t−k+1) … t. k = 1 keeps only the direct term
 * ∂h_t/∂W; k ≥ T is full BPTT. dU and db̂ are never truncated. Both implementations use
 * this definition (the reverse form runs one backward pass of length ≤ k per loss step).
 *
 * Index convention in code: arrays are 0-based, `h[t]` is h_{t+1} of the maths.
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { addOuter, diagTimes, gaussian, identity, matMul, matTVec, matVec, uniformGenerator } from "./linalg64.js";
import { nextSeed } from "../random.js";

/** The parameters in float64, row-major; sizes D (input), H (hidden), K (classes). */
export interface VanillaParams64 {
  D: number;
  H: number;
  K: number;
  /** [D, H] input-to-hidden. */
  V: Float64Array;
  /** [H, H] hidden-to-hidden. */
  W: Float64Array;
  /** [H] hidden bias. */
  b: Float64Array;
  /** [H, K] hidden-to-output. */
  U: Float64Array;
  /** [K] output bias b̂. */
  bHat: Float64Array;
}

/** Gradients of L, same shapes as the parameters (dV [D, H], dW [H, H], db [H], dU [H, K], dbHat [K]). */
export interface VanillaGrads64 {
  V: Float64Array;
  W: Float64Array;
  b: Float64Array;
  U: Float64Array;
  bHat: Float64Array;
}

/** The parameters as tfjs variables: V [D, H], W [H, H], b [H], U [H, K], bHat [K]. */
export interface VanillaVariables {
  V: tf.Variable;
  W: tf.Variable;
  b: tf.Variable;
  U: tf.Variable;
  bHat: tf.Variable;
}

/** The fixed order of the parameters in flat vectors and variable lists. */
export const VANILLA_PARAM_NAMES = ["V", "W", "b", "U", "bHat"] as const;
/** One parameter name. */
export type VanillaParamName = (typeof VANILLA_PARAM_NAMES)[number];

/** Options of the loss and its gradients. */
export interface VanillaLossOptions {
  /** [T] weight w_t of each step's loss (0 = no loss at t, e.g. many-to-one). Default: all 1. */
  weights?: ArrayLike<number>;
  /** [H] the initial hidden state h_0. Default: zeros. */
  h0?: ArrayLike<number>;
}

/** Options of `vanillaBptt64` and `vanillaBpttExplicit64`. */
export interface BpttOptions extends VanillaLossOptions {
  /** Truncation window k ≥ 1 (see the file comment). Default: T (full BPTT). */
  truncate?: number;
}

/** What `vanillaForward64` returns; each list has one entry per step. */
export interface VanillaRun64 {
  /** T × [H] hidden states h_1..h_T. */
  h: Float64Array[];
  /** T × [H] pre-activations z_1..z_T. */
  z: Float64Array[];
  /** T × [K] output probabilities ŷ_1..ŷ_T. */
  yHat: Float64Array[];
  /** T step losses w_t L_t. */
  losses: number[];
  /** L = Σ_t w_t L_t. */
  loss: number;
}

/**
 * Random parameters, seeded: every entry ~ N(0, scale²).
 * @param options.scale - standard deviation of the entries. Default: 0.3.
 * @param options.seed - seed of the generator. Default: `nextSeed()` (so `setSeed` repeats it).
 */
export function initVanilla(D: number, H: number, K: number, options: { scale?: number; seed?: number } = {}): VanillaParams64 {
  for (const [name, n] of [["D", D], ["H", H], ["K", K]] as const) {
    if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`initVanilla: expected ${name} a positive integer, got ${n}`);
  }
  const scale = options.scale ?? 0.3;
  const uniform = uniformGenerator(options.seed ?? nextSeed());
  const draw = (n: number) => Float64Array.from({ length: n }, () => scale * gaussian(uniform));
  return { D, H, K, V: draw(D * H), W: draw(H * H), b: draw(H), U: draw(H * K), bHat: draw(K) };
}

/** The shape of each parameter, in `VANILLA_PARAM_NAMES` order. */
export function vanillaShapes(p: { D: number; H: number; K: number }): Record<VanillaParamName, number[]> {
  return { V: [p.D, p.H], W: [p.H, p.H], b: [p.H], U: [p.H, p.K], bHat: [p.K] };
}

/** All parameters (or gradients) in one flat vector [D·H + H·H + H + H·K + K], in `VANILLA_PARAM_NAMES` order. */
export function vanillaToFlat64(p: VanillaParams64 | VanillaGrads64): Float64Array {
  const parts = VANILLA_PARAM_NAMES.map((n) => p[n]);
  const flat = new Float64Array(parts.reduce((s, a) => s + a.length, 0));
  let offset = 0;
  for (const a of parts) {
    flat.set(a, offset);
    offset += a.length;
  }
  return flat;
}

/** The inverse of `vanillaToFlat64` (copies). */
export function vanillaFromFlat64(flat: ArrayLike<number>, D: number, H: number, K: number): VanillaParams64 {
  const shapes = vanillaShapes({ D, H, K });
  const total = D * H + H * H + H + H * K + K;
  if (flat.length !== total) throw new ArgumentError(`vanillaFromFlat64: expected flat of length ${total}, got ${flat.length}`);
  const out = { D, H, K } as VanillaParams64;
  let offset = 0;
  for (const name of VANILLA_PARAM_NAMES) {
    const n = shapes[name].reduce((a, b) => a * b, 1);
    out[name] = Float64Array.from(Array.prototype.slice.call(flat, offset, offset + n) as number[]);
    offset += n;
  }
  return out;
}

/** New float32 tf.Variables holding the parameters (the caller disposes them). */
export function vanillaToVariables(p: VanillaParams64): VanillaVariables {
  const shapes = vanillaShapes(p);
  // tidy disposes the initial tensor; the variable keeps its own reference to the data.
  const make = (name: VanillaParamName) => tf.tidy(() => tf.variable(tf.tensor(Float32Array.from(p[name]), shapes[name], "float32")));
  return { V: make("V"), W: make("W"), b: make("b"), U: make("U"), bHat: make("bHat") };
}

/** The variables' current values as float64 parameters. */
export function vanillaFromVariables(v: VanillaVariables): VanillaParams64 {
  const [D, H] = v.V.shape;
  const K = v.U.shape[1] as number;
  const read = (t: tf.Variable) => Float64Array.from(t.dataSync());
  return { D, H, K, V: read(v.V), W: read(v.W), b: read(v.b), U: read(v.U), bHat: read(v.bHat) };
}

/** The variables as a list in `VANILLA_PARAM_NAMES` order (for `gradCheck`). */
export function vanillaVariableList(v: VanillaVariables): tf.Variable[] {
  return VANILLA_PARAM_NAMES.map((n) => v[n]);
}

/**
 * The forward pass in float64: h_t, z_t, ŷ_t and the loss (see the file comment).
 * @param xs - T × [D] inputs x_1..x_T.
 * @param ys - [T] target classes in [0, K).
 * @returns the run, one entry per step.
 */
export function vanillaForward64(
  params: VanillaParams64,
  xs: ReadonlyArray<ArrayLike<number>>,
  ys: ArrayLike<number>,
  options: VanillaLossOptions = {},
): VanillaRun64 {
  const { D, H, K, V, W, b, U, bHat } = params;
  const weights = checkInputs("vanillaForward64", params, xs, ys, options);
  let hPrev: ArrayLike<number> = options.h0 ?? new Float64Array(H);
  const run: VanillaRun64 = { h: [], z: [], yHat: [], losses: [], loss: 0 };
  for (let t = 0; t < xs.length; t++) {
    const xV = matTVec(V, D, H, xs[t]); // [H], x_t V
    const hW = matTVec(W, H, H, hPrev); // [H], h_{t-1} W
    const z = xV.map((v, i) => v + hW[i] + b[i]); // [H]
    const h = z.map(Math.tanh); // [H]
    const logits = matTVec(U, H, K, h).map((v, k) => v + bHat[k]); // [K], h_t U + b̂
    const yHat = softmax(logits); // [K]
    const loss = weights[t] === 0 ? 0 : -weights[t] * Math.log(yHat[ys[t]]);
    run.h.push(h);
    run.z.push(z);
    run.yHat.push(yHat);
    run.losses.push(loss);
    run.loss += loss;
    hPrev = h;
  }
  return run;
}

/**
 * Gradients by reverse accumulation (δ_t = ∂L/∂h_t carried backwards, file comment step 3),
 * O(T) for full BPTT and O(T·k) for window k.
 * @param xs - T × [D]; ys - [T] classes.
 * @returns the loss and the gradients (shapes as the parameters).
 */
export function vanillaBptt64(
  params: VanillaParams64,
  xs: ReadonlyArray<ArrayLike<number>>,
  ys: ArrayLike<number>,
  options: BpttOptions = {},
): VanillaGrads64 & { loss: number } {
  const { H, K, W, U } = params;
  const T = xs.length;
  const k = checkTruncate("vanillaBptt64", options.truncate, T);
  const run = vanillaForward64(params, xs, ys, options);
  const weights = options.weights ?? new Array<number>(T).fill(1);
  const h0 = options.h0 ?? new Float64Array(H);
  const hPrev = (t: number): ArrayLike<number> => (t === 0 ? h0 : run.h[t - 1]);
  const fPrime = run.h.map((h) => h.map((v) => 1 - v * v)); // T × [H], f'(z_t) = 1 − tanh²(z_t)
  const g = zeroGrads(params);

  // 1. Output layer: e_t = w_t (ŷ_t − onehot(y_t)); dU, db̂ depend on step t only.
  const e = run.yHat.map((yHat, t) => {
    const et = yHat.map((p, c) => weights[t] * (p - (c === ys[t] ? 1 : 0))); // [K]
    addOuter(g.U, run.h[t], et); // [H, K] += h_t e_tᵀ
    et.forEach((v, c) => (g.bHat[c] += v));
    return et;
  });
  const direct = e.map((et) => matVec(U, H, K, et)); // T × [H], ∂L_t/∂h_t = U e_t

  // 2. Hidden layer: dW += h_{t-1} (f'(z_t) ⊙ δ_t)ᵀ etc., for δ coming from the losses.
  const accumulate = (t: number, delta: Float64Array) => {
    const dz = delta.map((d, i) => d * fPrime[t][i]); // [H], ∂L/∂z_t
    addOuter(g.W, hPrev(t), dz); // [H, H]
    addOuter(g.V, xs[t], dz); // [D, H]
    dz.forEach((v, i) => (g.b[i] += v));
    return dz;
  };
  if (k >= T) {
    // Full BPTT: one backward pass, δ_t = U e_t + W ∂L/∂z_{t+1}.
    let dzNext = new Float64Array(H);
    for (let t = T - 1; t >= 0; t--) {
      const fromFuture = matVec(W, H, H, dzNext); // [H]
      dzNext = accumulate(t, direct[t].map((v, i) => v + fromFuture[i]));
    }
  } else {
    // Window k: each L_t runs its own backward pass through h_t … h_{t-k+1}.
    for (let t = 0; t < T; t++) {
      if (weights[t] === 0) continue;
      let delta = direct[t];
      for (let s = t; s >= Math.max(0, t - k + 1); s--) {
        const dz = accumulate(s, delta);
        delta = matVec(W, H, H, dz); // ∂L_t/∂h_{s-1} = W ∂L_t/∂z_s
      }
    }
  }
  return { loss: run.loss, ...g };
}

/**
 * Gradients by the lecture's formula, literally: for every t, dh_t/dP = Σ_k (Π_{i=k+1..t}
 * ∂h_i/∂h_{i-1}) ∂h_k/∂P with explicit H × H Jacobian products ∂h_i/∂h_{i-1} =
 * diag(1/cosh²(z_i)) Wᵀ and explicit H × |P| Jacobians ∂h_k/∂P; then dL_t/dP = (U e_t)ᵀ dh_t/dP.
 * O(T²·H³·(H + D)): for tests and the notebook, on tiny sizes only.
 * @returns the same as `vanillaBptt64` (and must agree with it to float64 rounding).
 */
export function vanillaBpttExplicit64(
  params: VanillaParams64,
  xs: ReadonlyArray<ArrayLike<number>>,
  ys: ArrayLike<number>,
  options: BpttOptions = {},
): VanillaGrads64 & { loss: number } {
  const { D, H, K, W, U } = params;
  const T = xs.length;
  const window = checkTruncate("vanillaBpttExplicit64", options.truncate, T);
  const run = vanillaForward64(params, xs, ys, options);
  const weights = options.weights ?? new Array<number>(T).fill(1);
  const h0 = options.h0 ?? new Float64Array(H);
  const sech2 = run.z.map((z) => z.map((v) => 1 / Math.cosh(v) ** 2)); // T × [H]
  const Wt = new Float64Array(H * H); // [H, H], Wᵀ
  for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) Wt[j * H + i] = W[i * H + j];
  const g = zeroGrads(params);
  // ∂h_k/∂P as [H, |P|] matrices, for P = W [n, H] (n = H), V [n, H] (n = D), b [H] (n = 1):
  // ∂h_k[a]/∂P[c, a'] = δ_{aa'} f'(z_k[a]) input[c], at P's flat index c·H + a'.
  const localJacobian = (kStep: number, input: ArrayLike<number>, n: number) => {
    const J = new Float64Array(H * n * H); // [H, n·H]
    for (let a = 0; a < H; a++) for (let c = 0; c < n; c++) J[a * n * H + c * H + a] = sech2[kStep][a] * input[c];
    return J;
  };
  const ones = new Float64Array(1).fill(1);
  for (let t = 0; t < T; t++) {
    const et = run.yHat[t].map((p, c) => weights[t] * (p - (c === ys[t] ? 1 : 0))); // [K]
    addOuter(g.U, run.h[t], et); // [H, K]
    et.forEach((v, c) => (g.bHat[c] += v));
    const dLdh = matVec(U, H, K, et); // [H], ∂L_t/∂h_t = U e_t
    let product = identity(H); // [H, H], Π_{i=k+1..t} ∂h_i/∂h_{i-1} (empty product for k = t)
    for (let kStep = t; kStep >= Math.max(0, t - window + 1); kStep--) {
      const hPrev = kStep === 0 ? h0 : run.h[kStep - 1];
      const terms: Array<[Float64Array, Float64Array, number]> = [
        [g.W, localJacobian(kStep, hPrev, H), H * H],
        [g.V, localJacobian(kStep, xs[kStep], D), H * D],
        [g.b, localJacobian(kStep, ones, 1), H],
      ];
      for (const [grad, local, n] of terms) {
        const dhtdP = matMul(product, local, H, H, n); // [H, |P|], this k's term of dh_t/dP
        const contrib = matTVec(dhtdP, H, n, dLdh); // [|P|]
        contrib.forEach((v, j) => (grad[j] += v));
      }
      product = matMul(product, diagTimes(sech2[kStep], Wt, H), H, H, H); // append ∂h_k/∂h_{k-1} = diag(f'(z_k)) Wᵀ
    }
  }
  return { loss: run.loss, ...g };
}

/**
 * The same loss in tfjs (float32), for autodiff: `tf.variableGrads(() => vanillaLossTf(v, xs, ys))`.
 * The same row-vector form as the file comment: z_t = x_t V + h_{t-1} W + b, logits h_t U + b̂.
 * @param xs - T × [D]; ys - [T] classes.
 * @returns the scalar L.
 */
export function vanillaLossTf(
  v: VanillaVariables,
  xs: ReadonlyArray<ArrayLike<number>>,
  ys: ArrayLike<number>,
  options: VanillaLossOptions = {},
): tf.Scalar {
  const [D, H] = v.V.shape;
  const T = xs.length;
  const weights = options.weights ?? new Array<number>(T).fill(1);
  return tf.tidy(() => {
    const X = tf.tensor2d(xs.map((x) => Array.from(x)), [T, D]); // [T, D]
    let h: tf.Tensor2D = options.h0 ? tf.tensor2d([Array.from(options.h0)], [1, H]) : tf.zeros([1, H]); // [1, H]
    const stepLosses: tf.Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const xt = X.slice([t, 0], [1, D]); // [1, D]
      const z = tf.add(tf.add(tf.matMul(xt, v.V), tf.matMul(h, v.W)), v.b); // [1, H]
      h = tf.tanh(z) as tf.Tensor2D; // [1, H]
      if (weights[t] === 0) continue;
      const logits = tf.add(tf.matMul(h, v.U), v.bHat); // [1, K]
      const logP = tf.logSoftmax(logits); // [1, K]
      stepLosses.push(tf.mul(-weights[t], logP.slice([0, ys[t]], [1, 1]).reshape([]))); // []
    }
    return (stepLosses.length === 0 ? tf.scalar(0) : tf.addN(stepLosses)) as tf.Scalar;
  });
}

function softmax(logits: Float64Array): Float64Array {
  const max = Math.max(...logits);
  const ex = logits.map((v) => Math.exp(v - max));
  const sum = ex.reduce((a, b) => a + b, 0);
  return ex.map((v) => v / sum);
}

function zeroGrads(p: VanillaParams64): VanillaGrads64 {
  return {
    V: new Float64Array(p.V.length),
    W: new Float64Array(p.W.length),
    b: new Float64Array(p.b.length),
    U: new Float64Array(p.U.length),
    bHat: new Float64Array(p.bHat.length),
  };
}

function checkTruncate(fn: string, truncate: number | undefined, T: number): number {
  if (truncate === undefined) return T;
  if (!Number.isInteger(truncate) || truncate < 1) {
    throw new ArgumentError(`${fn}: expected truncate an integer ≥ 1, got ${truncate}`);
  }
  return truncate;
}

/** Validates sizes and returns the step weights. */
function checkInputs(
  fn: string,
  p: VanillaParams64,
  xs: ReadonlyArray<ArrayLike<number>>,
  ys: ArrayLike<number>,
  options: VanillaLossOptions,
): ArrayLike<number> {
  const T = xs.length;
  const shapes = vanillaShapes(p);
  for (const name of VANILLA_PARAM_NAMES) {
    const n = shapes[name].reduce((a, b) => a * b, 1);
    if (p[name].length !== n) throw new ArgumentError(`${fn}: expected ${name} of ${n} entries [${shapes[name].join(", ")}], got ${p[name].length}`);
  }
  xs.forEach((x, t) => {
    if (x.length !== p.D) throw new ArgumentError(`${fn}: expected xs[${t}] of length D = ${p.D}, got ${x.length}`);
  });
  if (ys.length !== T) throw new ArgumentError(`${fn}: expected ys of length T = ${T}, got ${ys.length}`);
  for (let t = 0; t < T; t++) {
    if (!Number.isInteger(ys[t]) || ys[t] < 0 || ys[t] >= p.K) throw new ArgumentError(`${fn}: expected ys[${t}] a class in [0, ${p.K}), got ${ys[t]}`);
  }
  if (options.weights !== undefined && options.weights.length !== T) {
    throw new ArgumentError(`${fn}: expected weights of length T = ${T}, got ${options.weights.length}`);
  }
  if (options.h0 !== undefined && options.h0.length !== p.H) {
    throw new ArgumentError(`${fn}: expected h0 of length H = ${p.H}, got ${options.h0.length}`);
  }
  return options.weights ?? new Array<number>(T).fill(1);
}
