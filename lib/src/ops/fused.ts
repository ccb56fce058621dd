/**
 * The fused ops: whole-sequence LSTM / GRU / RNN and softmax cross-entropy computed by the
 * engine's kernels (engine/kernels.ts) instead of hundreds of small tfjs ops. Same
 * signatures and semantics as the reference ops in ops/sequence.ts and
 * ops/softmax_cross_entropy.ts, which dispatch here when an engine is active.
 *
 * Mechanism. Each op is a custom tfjs kernel with several outputs, so tf.grads,
 * tf.variableGrads and tf.tidy treat it like a built-in op on any backend:
 *   1. Forward kernel "Seqlab<Op>" (registered with tf.registerKernel for the current
 *      backend on first use): reads its inputs with backend.readSync(dataId) (zero-copy on
 *      cpu-like backends), runs kernels.<op>Forward, and returns its outputs with
 *      backend.write — the sequence outputs, the final states, and the tape
 *      (the forward's intermediate values) as one more float32 output.
 *   2. Its gradient (tf.registerGradient, once) saves the inputs the backward needs and the
 *      tape output, and calls a second kernel "Seqlab<Op>Grad" that runs
 *      kernels.<op>Backward (hand-derived BPTT, equations in engine/js.ts) and returns the
 *      gradients of every differentiable input at once.
 * The two losses differ in one point: their tape (the probabilities) is not an output but a
 * tensor saved by tf.customGrad (see "The losses" below). Every kernel takes its output
 * arrays from `floats`, the seqlab backend's pool of big arrays when it runs
 * (backend/buffer_pool.ts), so a training step stops allocating them afresh.
 * A mask input takes no gradient (asking for one is an error). Ops with and without a mask
 * are two kernel names ("…" and "…Masked"), because a gradient config names the inputs it
 * saves. The kernels implementation is an attribute (its name), so the backward always
 * reads the tape with the implementation that wrote it. ops/crf_fused.ts defines the CRF's
 * log-partition the same way, with `defineKernel`, `useKernels` and `run` from here.
 *
 * Softmax cross-entropy backward. With p = softmax(z) for a row, L = −Σ_n m_n log p_{n,y_n} / S
 * (S = max(Σ m, 1) with a mask, N without), and upstream gradient ḡ = dL_total/dL:
 *
 *     ∂L/∂z_{n,k} = ḡ · m_n · (p_{n,k} − [k = y_n]) / S,
 *
 * since ∂(−log p_y)/∂z_k = p_k − [k = y]. The forward keeps p as its tape.
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import type { Kernels, SeqSizes } from "../engine/kernels.js";
import { kernelFloats, kernelRead } from "../backend/buffer_pool.js";
import type { GruWeights, LstmWeights, RnnActivation, RnnWeights, SequenceOptions, SequenceResult } from "./types.js";

/** What a tfjs kernel function receives (the subset used here). */
interface KernelBackend {
  readSync(dataId: tf.DataId): tf.backend_util.BackendValues;
  /** Stores values as a new tensor's data (cpu: keeps the array; wasm: copies it to its heap). */
  write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): tf.DataId;
}

/** One output of a compute function. */
export interface Out {
  shape: number[];
  values: Float32Array;
}

/** Plain attributes of every fused op: sizes, flags, and the kernels' name. */
export type Attrs = Record<string, number | boolean | string>;

/**
 * A float32 array of length n for an output: from the seqlab backend's pool
 * (backend/buffer_pool.ts) when it runs, else fresh. Zeroed unless `zeroed` is false, which a
 * compute function may pass only for an array its kernel writes in full.
 */
export type Floats = (n: number, zeroed?: boolean) => Float32Array;

/** Computes outputs from input values; `mask` is null when the op has no mask input. */
type Compute = (k: Kernels, v: Record<string, Float32Array | Int32Array>, attrs: Attrs, floats: Floats) => Out[];

/** Kernels implementations by name, so a gradient finds the one its forward used. */
const KERNELS = new Map<string, Kernels>();
/** Compute functions by kernel name, registered for each backend on first use. */
const COMPUTES = new Map<string, Compute>();
/** How many of COMPUTES each backend has registered (kernels defined later are registered at their first run). */
const registeredOn = new Map<string, number>();
/** Inputs read as int32 (everything else is float32). */
const INT_INPUTS = new Set(["targets", "lengths", "tags"]);

/**
 * Defines the forward or backward kernel `name`: `compute` maps the inputs' values to the
 * outputs. For the fused ops of this file and of ops/crf_fused.ts.
 */
export function defineKernel(name: string, compute: Compute): void {
  COMPUTES.set(name, compute);
}

/** Makes `k` findable by its name, the `engine` attribute of every fused kernel call. */
export function useKernels(k: Kernels): void {
  KERNELS.set(k.name, k);
}

/** Registers every fused kernel for the current backend (idempotent). */
function ensureRegistered(): void {
  const backendName = tf.getBackend();
  if (registeredOn.get(backendName) === COMPUTES.size) return;
  for (const [kernelName, compute] of COMPUTES) {
    if (tf.getKernel(kernelName, backendName) !== undefined) continue;
    const kernelFunc = ({ inputs, attrs, backend }: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown }) => {
      const b = backend as KernelBackend;
      const a = attrs as unknown as Attrs;
      const k = KERNELS.get(a.engine as string)!;
      const v: Record<string, Float32Array | Int32Array> = {};
      for (const [key, info] of Object.entries(inputs)) v[key] = asArray(kernelRead(b, info!.dataId), INT_INPUTS.has(key) ? "int32" : "float32");
      const floats: Floats = (n, zeroed = true) => kernelFloats(backend, n, zeroed);
      return compute(k, v, a, floats).map((o): tf.TensorInfo => ({ dataId: b.write(o.values, o.shape, "float32"), shape: o.shape, dtype: "float32" }));
    };
    tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
  registeredOn.set(backendName, COMPUTES.size);
}

/**
 * Tensor values as the typed array a kernel expects: targets, lengths and tags are int32, everything else
 * float32. Callers may pass int32 inputs where the reference ops upcast them (a one-hot
 * x, an int mask), so those are converted here rather than rejected by the kernels.
 */
function asArray(values: tf.backend_util.BackendValues, dtype: "float32" | "int32"): Float32Array | Int32Array {
  if (dtype === "float32") return values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
  return values instanceof Int32Array ? values : Int32Array.from(values as ArrayLike<number>);
}

/** Runs the fused kernel `kernelName` (registering the kernels for this backend first); returns its outputs. */
export function run(kernelName: string, inputs: Record<string, tf.Tensor>, attrs: Attrs): tf.Tensor[] {
  ensureRegistered();
  return tf.engine().runKernel(kernelName, inputs as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
}

/** The gradient "function" of a mask or targets input: they are data, not parameters. */
export const noMaskGradient = (): tf.Tensor => {
  throw new ArgumentError("fused op: expected no gradient w.r.t. a mask or targets (they are data), got a request for one");
};

// ---------------------------------------------------------------------------------------
// The sequence ops.

/** The three recurrences, in the terms the generic code below needs. */
interface Recurrence {
  /** Kernel name stem, "SeqlabLstm". */
  name: string;
  /** Names of the weight inputs in kernel order. */
  weights: string[];
  /** How many state tensors (LSTM 2: h, c). */
  states: number;
  tapeSize(k: Kernels, s: SeqSizes): number;
  forward(k: Kernels, v: Record<string, Float32Array>, s: SeqSizes & { reverse: boolean; relu: boolean }, mask: Float32Array | null, o: { out: Float32Array; hT: Float32Array; cT: Float32Array; tape: Float32Array }): void;
  /** Returns gradients of [x, ...weights, h0, (c0)] in that order. */
  backward(k: Kernels, v: Record<string, Float32Array>, s: SeqSizes & { reverse: boolean; relu: boolean }, mask: Float32Array | null, d: { dOut: Float32Array; dhT: Float32Array; dcT: Float32Array | null }, floats: Floats): Out[];
  /** Shapes of the weights, for the gradient outputs. */
  weightShapes(s: SeqSizes): number[][];
}

const LSTM: Recurrence = {
  name: "SeqlabLstm",
  weights: ["W", "b"],
  states: 2,
  tapeSize: (k, s) => k.lstmTapeSize(s),
  forward: (k, v, s, mask, o) =>
    k.lstmForward({ ...s, x: v.x, mask, W: v.W, b: v.b, h0: v.h0, c0: v.c0, out: o.out, hT: o.hT, cT: o.cT, tape: o.tape }),
  backward: (k, v, s, mask, d, floats) => {
    const { B, T, D, H } = s;
    const dx = floats(B * T * D), dW = floats((H + D) * 4 * H), db = floats(4 * H);
    const dh0 = floats(B * H), dc0 = floats(B * H);
    k.lstmBackward({ ...s, x: v.x, mask, W: v.W, h0: v.h0, c0: v.c0, tape: v.tape, dOut: d.dOut, dhT: d.dhT, dcT: d.dcT, dx, dW, db, dh0, dc0 });
    return [{ shape: [B, T, D], values: dx }, { shape: [H + D, 4 * H], values: dW }, { shape: [4 * H], values: db }, { shape: [B, H], values: dh0 }, { shape: [B, H], values: dc0 }];
  },
  weightShapes: ({ D, H }) => [[H + D, 4 * H], [4 * H]],
};

const GRU: Recurrence = {
  name: "SeqlabGru",
  weights: ["W", "b"],
  states: 1,
  tapeSize: (k, s) => k.gruTapeSize(s),
  forward: (k, v, s, mask, o) => k.gruForward({ ...s, x: v.x, mask, W: v.W, b: v.b, h0: v.h0, out: o.out, hT: o.hT, tape: o.tape }),
  backward: (k, v, s, mask, d, floats) => {
    const { B, T, D, H } = s;
    const dx = floats(B * T * D), dW = floats((H + D) * 3 * H), db = floats(3 * H);
    const dh0 = floats(B * H);
    k.gruBackward({ ...s, x: v.x, mask, W: v.W, h0: v.h0, tape: v.tape, dOut: d.dOut, dhT: d.dhT, dx, dW, db, dh0 });
    return [{ shape: [B, T, D], values: dx }, { shape: [H + D, 3 * H], values: dW }, { shape: [3 * H], values: db }, { shape: [B, H], values: dh0 }];
  },
  weightShapes: ({ D, H }) => [[H + D, 3 * H], [3 * H]],
};

const RNN: Recurrence = {
  name: "SeqlabRnn",
  weights: ["V", "W", "b"],
  states: 1,
  tapeSize: (k, s) => k.rnnTapeSize(s),
  forward: (k, v, s, mask, o) =>
    k.rnnForward({ ...s, x: v.x, mask, V: v.V, W: v.W, b: v.b, h0: v.h0, out: o.out, hT: o.hT, tape: o.tape }),
  backward: (k, v, s, mask, d, floats) => {
    const { B, T, D, H } = s;
    const dx = floats(B * T * D), dV = floats(D * H), dW = floats(H * H), db = floats(H);
    const dh0 = floats(B * H);
    k.rnnBackward({ ...s, x: v.x, mask, V: v.V, W: v.W, relu: s.relu, h0: v.h0, tape: v.tape, dOut: d.dOut, dhT: d.dhT, dx, dV, dW, db, dh0 });
    return [{ shape: [B, T, D], values: dx }, { shape: [D, H], values: dV }, { shape: [H, H], values: dW }, { shape: [H], values: db }, { shape: [B, H], values: dh0 }];
  },
  weightShapes: ({ D, H }) => [[D, H], [H, H], [H]],
};

function sizesOf(a: Attrs): SeqSizes & { reverse: boolean; relu: boolean } {
  return { B: a.B as number, T: a.T as number, D: a.D as number, H: a.H as number, reverse: a.reverse as boolean, relu: a.relu === true };
}

/** Defines forward + backward kernels and the gradient of one recurrence (both mask variants). */
function defineRecurrence(r: Recurrence): void {
  const stateNames = r.states === 2 ? ["h0", "c0"] : ["h0"];
  const diffInputs = ["x", ...r.weights, ...stateNames]; // gradient outputs, in order
  const backwardInputs = ["x", ...r.weights.filter((w) => w !== "b"), ...stateNames]; // what the backward reads
  for (const masked of [false, true]) {
    const name = r.name + (masked ? "Masked" : "");
    defineKernel(name, (k, v, a, floats) => {
      const s = sizesOf(a);
      const { B, T, H } = s;
      const o = { out: floats(B * T * H), hT: floats(B * H), cT: floats(B * H), tape: floats(r.tapeSize(k, s)) };
      r.forward(k, v as Record<string, Float32Array>, s, masked ? (v.mask as Float32Array) : null, o);
      const outs: Out[] = [{ shape: [B, T, H], values: o.out }, { shape: [B, H], values: o.hT }];
      if (r.states === 2) outs.push({ shape: [B, H], values: o.cT });
      outs.push({ shape: [o.tape.length], values: o.tape });
      return outs;
    });
    defineKernel(name + "Grad", (k, v, a, floats) => {
      const s = sizesOf(a);
      const d = { dOut: v.dOut as Float32Array, dhT: v.dhT as Float32Array, dcT: r.states === 2 ? (v.dcT as Float32Array) : null };
      return r.backward(k, v as Record<string, Float32Array>, s, masked ? (v.mask as Float32Array) : null, d, floats);
    });
    const saved = masked ? [...backwardInputs, "mask"] : backwardInputs;
    tf.registerGradient({
      kernelName: name,
      inputsToSave: saved,
      outputsToSave: [...Array(1 + r.states).fill(false), true], // the tape
      gradFunc: (dy, savedTensors, attrs) => {
        const dys = dy as tf.Tensor[]; // [dOut, dhT, (dcT), dTape]
        const inputs: Record<string, tf.Tensor> = {};
        saved.forEach((n, j) => (inputs[n] = savedTensors[j]));
        inputs.tape = savedTensors[saved.length];
        inputs.dOut = dys[0];
        inputs.dhT = dys[1];
        if (r.states === 2) inputs.dcT = dys[2];
        const grads = run(name + "Grad", inputs, attrs as unknown as Attrs);
        const map: Record<string, () => tf.Tensor> = {};
        diffInputs.forEach((n, j) => (map[n] = () => grads[j]));
        if (masked) map.mask = noMaskGradient;
        return map;
      },
    });
  }
}

/** Runs one recurrence through its fused kernel; returns outputs and final state. */
function runRecurrence(r: Recurrence, k: Kernels, xs: tf.Tensor3D, weights: tf.Tensor[], options: SequenceOptions, relu: boolean): SequenceResult {
  const [B, T, D] = xs.shape;
  const H = weights[weights.length - 1].shape[0] / (r === LSTM ? 4 : r === GRU ? 3 : 1);
  KERNELS.set(k.name, k);
  return tf.tidy(() => {
    const inputs: Record<string, tf.Tensor> = { x: tf.cast(xs, "float32") };
    r.weights.forEach((n, j) => (inputs[n] = weights[j]));
    const init = options.initialState ?? Array.from({ length: r.states }, () => tf.zeros([B, H]));
    inputs.h0 = init[0];
    if (r.states === 2) inputs.c0 = init[1];
    if (options.mask !== undefined) inputs.mask = tf.cast(options.mask, "float32");
    const attrs: Attrs = { B, T, D, H, reverse: options.reverse === true, relu, engine: k.name };
    const outs = run(r.name + (options.mask !== undefined ? "Masked" : ""), inputs, attrs);
    const outputs = outs[0] as tf.Tensor3D; // [B, T, H]
    const finalState = outs.slice(1, 1 + r.states) as tf.Tensor2D[]; // each [B, H]
    return { outputs, finalState } as unknown as tf.TensorContainer;
  }) as unknown as SequenceResult;
}

defineRecurrence(LSTM);
defineRecurrence(GRU);
defineRecurrence(RNN);

/**
 * The fused LSTM over a batch; same contract as `lstmSequence` (ops/sequence.ts), whose
 * argument checks it relies on.
 * @param k - the kernels to compute with.
 * @param xs - [B, T, D]. @param weights - W [H+D, 4H], b [4H].
 * @returns outputs [B, T, H], final state [h, C] (each [B, H]).
 */
export function fusedLstmSequence(k: Kernels, xs: tf.Tensor3D, weights: LstmWeights, options: SequenceOptions = {}): SequenceResult {
  return runRecurrence(LSTM, k, xs, [weights.W, weights.b], options, false);
}

/**
 * The fused GRU over a batch; same contract as `gruSequence`.
 * @param xs - [B, T, D]. @param weights - W [H+D, 3H], b [3H].
 * @returns outputs [B, T, H], final state [h] ([B, H]).
 */
export function fusedGruSequence(k: Kernels, xs: tf.Tensor3D, weights: GruWeights, options: SequenceOptions = {}): SequenceResult {
  return runRecurrence(GRU, k, xs, [weights.W, weights.b], options, false);
}

/**
 * The fused vanilla RNN over a batch; same contract as `rnnSequence`.
 * @param xs - [B, T, D]. @param weights - V [D, H], W [H, H], b [H].
 * @returns outputs [B, T, H], final state [h] ([B, H]).
 */
export function fusedRnnSequence(
  k: Kernels, xs: tf.Tensor3D, weights: RnnWeights, options: SequenceOptions & { activation?: RnnActivation } = {},
): SequenceResult {
  return runRecurrence(RNN, k, xs, [weights.V, weights.W, weights.b], options, options.activation === "relu");
}

// ---------------------------------------------------------------------------------------
// The losses: softmax cross-entropy, and the output layer fused with it. Their forward
// kernels return [loss, probs, S]; only the loss is an output of the op. They run inside
// tf.customGrad, which saves probs and S for the backward instead of making them outputs:
// tfjs gives every op output without an upstream gradient a zero-filled gradient tensor,
// which for probs is another [N, K] array each step (16 MB for the PTB LM).

/** The mask as an op input: the identity, whose gradient is an ArgumentError (the mask is data). */
const maskInput = tf.customGrad((...xs: (tf.Tensor | tf.GradSaveFunc)[]) => ({ value: tf.clone(xs[0] as tf.Tensor), gradFunc: noMaskGradient }));

/**
 * Runs the loss kernel `name` as one op whose inputs are `diff` (then the mask, when given)
 * and whose output is the loss; its gradient is kernel `name + "Grad"`, which receives dy,
 * the saved probs and S, `saved` (by name) and the targets and mask, and returns the
 * gradients of `diff` in order.
 */
function runLoss(name: string, diff: Record<string, tf.Tensor>, saved: string[], targets: tf.Tensor, mask: tf.Tensor | undefined, attrs: Attrs): tf.Scalar {
  const names = Object.keys(diff);
  const args = names.map((n) => diff[n]);
  if (mask !== undefined) args.push(maskInput(mask));
  const op = tf.customGrad((...xs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = xs.pop() as tf.GradSaveFunc;
    const inputs: Record<string, tf.Tensor> = { targets };
    names.forEach((n, j) => (inputs[n] = xs[j] as tf.Tensor));
    if (mask !== undefined) inputs.mask = xs[names.length] as tf.Tensor;
    const [loss, probs, S] = run(name, inputs, attrs);
    const keep = [...saved, "targets", ...(mask !== undefined ? ["mask"] : [])];
    save([probs, S, ...keep.map((n) => inputs[n])]);
    const gradFunc = (dy: tf.Tensor, kept: tf.Tensor[]): tf.Tensor[] => {
      const g: Record<string, tf.Tensor> = { dy, probs: kept[0], S: kept[1] };
      keep.forEach((n, j) => (g[n] = kept[2 + j]));
      const grads = run(name + "Grad", g, attrs);
      return mask !== undefined ? [...grads, tf.zerosLike(kept[kept.length - 1])] : grads; // the mask's goes to maskInput, which throws
    };
    return { value: loss as tf.Scalar, gradFunc };
  });
  return op(...args) as tf.Scalar;
}

for (const masked of [false, true]) {
  const name = "SeqlabSoftmaxCe" + (masked ? "Masked" : "");
  // outputs: loss [], probs [N, K], S [] (the denominator)
  defineKernel(name, (k, v, a, floats) => {
    const N = a.N as number, K = a.K as number;
    const probs = floats(N * K, false); // every row written by the softmax
    const mask = masked ? (v.mask as Float32Array) : null;
    const [sum, count] = k.softmaxCeForward({ N, K, logits: v.logits as Float32Array, targets: v.targets as Int32Array, mask, probs });
    const S = masked ? Math.max(count, 1) : N;
    return [{ shape: [], values: Float32Array.of(sum / S) }, { shape: [N, K], values: probs }, { shape: [], values: Float32Array.of(S) }];
  });
  defineKernel(name + "Grad", (k, v, a, floats) => {
    const N = a.N as number, K = a.K as number;
    const dlogits = floats(N * K, false); // every row written
    const mask = masked ? (v.mask as Float32Array) : null;
    const scale = v.dy[0] / v.S[0];
    k.softmaxCeBackward({ N, K, probs: v.probs as Float32Array, targets: v.targets as Int32Array, mask, scale, dlogits });
    return [{ shape: [N, K], values: dlogits }];
  });
}

/**
 * The fused mean softmax cross-entropy over N rows; same value as `softmaxCrossEntropy`
 * on [N, K] logits, whose shape checks it relies on.
 * @param k - the kernels. @param logits - [N, K]. @param targets - int32 [N]. @param mask - [N] float32 or undefined.
 * @returns a scalar: −Σ mask·log p(target) / max(Σ mask, 1) (without a mask: the mean over N).
 */
export function fusedSoftmaxCrossEntropy(k: Kernels, logits: tf.Tensor2D, targets: tf.Tensor1D, mask?: tf.Tensor1D): tf.Scalar {
  KERNELS.set(k.name, k);
  const [N, K] = logits.shape;
  return tf.tidy(() => {
    const m = mask === undefined ? undefined : tf.cast(mask, "float32");
    return runLoss("SeqlabSoftmaxCe" + (m !== undefined ? "Masked" : ""), { logits: tf.cast(logits, "float32") }, [], targets, m, { N, K, engine: k.name });
  });
}

// ---------------------------------------------------------------------------------------
// The output layer fused with softmax cross-entropy: z = h W + b, L as above. With
// G = ∂L/∂z (the formula above, computed over the probs tape), the chain rule through the
// linear map gives
//
//     ∂L/∂W = hᵀ G,   ∂L/∂h = G Wᵀ,   ∂L/∂b = Σ_n G_n,
//
// so one kernel pair replaces matMul + bias add + softmax CE and their four gradients, and
// the [N, K] logits exist only as the probs buffer (which the backward reuses for G).

for (const masked of [false, true]) {
  const name = "SeqlabLinearSoftmaxCe" + (masked ? "Masked" : "");
  // outputs: loss [], probs [N, K], S [] (the denominator)
  defineKernel(name, (k, v, a, floats) => {
    const N = a.N as number, H = a.H as number, K = a.K as number;
    const probs = floats(N * K, false); // every row written by the softmax
    const mask = masked ? (v.mask as Float32Array) : null;
    const [sum, count] = k.linearSoftmaxCeForward({
      N, H, K, h: v.h as Float32Array, W: v.W as Float32Array, b: v.b as Float32Array, targets: v.targets as Int32Array, mask, probs,
    });
    const S = masked ? Math.max(count, 1) : N;
    return [{ shape: [], values: Float32Array.of(sum / S) }, { shape: [N, K], values: probs }, { shape: [], values: Float32Array.of(S) }];
  });
  defineKernel(name + "Grad", (k, v, a, floats) => {
    const N = a.N as number, H = a.H as number, K = a.K as number;
    // dW = hᵀ G and dh = G Wᵀ are GEMMs with β = 0: written in full unless their inner size is 0
    const dh = floats(N * H, K === 0), dW = floats(H * K, N === 0), db = floats(K);
    const mask = masked ? (v.mask as Float32Array) : null;
    const scale = v.dy[0] / v.S[0];
    // the probs tape is consumed here: the kernels may overwrite it with G
    k.linearSoftmaxCeBackward({
      N, H, K, h: v.h as Float32Array, W: v.W as Float32Array, probs: v.probs as Float32Array, targets: v.targets as Int32Array, mask, scale, dh, dW, db,
    });
    return [{ shape: [N, H], values: dh }, { shape: [H, K], values: dW }, { shape: [K], values: db }];
  });
}

/**
 * The fused output layer + mean softmax cross-entropy over N rows; same value as
 * `softmaxCrossEntropy(h W + b, targets, mask)` on [N, ·] inputs, whose checks
 * (`linearSoftmaxCrossEntropy`) it relies on.
 * @param k - the kernels. @param h - [N, H]. @param W - [H, K]. @param b - [K].
 * @param targets - int32 [N]. @param mask - [N] float32 or undefined.
 * @returns a scalar: −Σ mask·log p(target) / max(Σ mask, 1) (without a mask: the mean over N).
 */
export function fusedLinearSoftmaxCrossEntropy(
  k: Kernels, h: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D, targets: tf.Tensor1D, mask?: tf.Tensor1D,
): tf.Scalar {
  KERNELS.set(k.name, k);
  const [N, H] = h.shape;
  const K = W.shape[1];
  return tf.tidy(() => {
    const diff = { h: tf.cast(h, "float32"), W: tf.cast(W, "float32"), b: tf.cast(b, "float32") };
    const m = mask === undefined ? undefined : tf.cast(mask, "float32");
    return runLoss("SeqlabLinearSoftmaxCe" + (m !== undefined ? "Masked" : ""), diff, ["h", "W"], targets, m, { N, H, K, engine: k.name });
  });
}
