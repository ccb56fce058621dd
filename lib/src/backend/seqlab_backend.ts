/**
 * The "seqlab" tfjs backend: tfjs-backend-cpu's `MathBackendCPU` (tensors are plain JS
 * typed arrays, so the engine's kernels read and write them with zero copies) with every
 * cpu kernel, seqlab's linear-time `UnsortedSegmentSum`, and the two matmul kernels
 * replaced by the engine's GEMM:
 *
 *   BatchMatMul:   C[b] = op(A[b_A]) · op(B[b_B])                 (op = transpose when asked)
 *   _FusedMatMul:  C[b] = act(op(A[b_A]) · op(B[b_B]) + bias)   (a bias row: C starts as it, β = 1)
 *
 * Batch dims follow NumPy broadcasting: the output's batch shape is the broadcast of A's
 * and B's leading dims, and a size-1 dim of one operand repeats. The transposes are
 * passed to `kernels.gemm` as flags, never materialised: every matmul gradient
 * (dA = dC·Bᵀ, dB = Aᵀ·dC) runs at full speed. The GEMM is the active engine's
 * (`getKernels()`, engine/engine.ts), or the js kernels when no engine is active;
 * non-float32 matmuls and unusual activations use the stock cpu kernel.
 *
 * Four stock cpu kernels are slow on a language model's shapes and get fast paths here
 * (float32 only, other cases go to the stock kernel): `Sum` over leading axes (the bias
 * gradient of a [B·T, V] output layer; tfjs-cpu transposes it first), `Add` of a bias row
 * (tfjs-cpu computes a broadcast index per element), `Transpose` by the identity or of a
 * matrix (gather's gradient transposes a [V, E] table by the identity), and `GatherV2`
 * along axis 0 (the embedding lookup: whole rows copied instead of per-element indexing).
 *
 * `registerSeqlabBackend()` registers it under the name "seqlab" (priority 0: tfjs never
 * picks it by itself); backend.ts selects it with `SEQLAB_BACKEND=seqlab`.
 */
import * as tf from "@tensorflow/tfjs";
import { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import { getKernels } from "../engine/engine.js";
import { jsKernels } from "../engine/js.js";
import { BufferPool, kernelFloats, kernelRead, poolFromEnv } from "./buffer_pool.js";
import { unsortedSegmentSumCpuConfig } from "./kernels/unsorted_segment_sum.js";

/** The backend's name in tfjs's registry. */
export const SEQLAB_BACKEND = "seqlab";

/**
 * tfjs-cpu's backend with a pool of big float32 arrays (backend/buffer_pool.ts): the kernels
 * take their outputs from the pool, and a tensor's array goes back to it when the tensor
 * is disposed, unless the array escaped (read by user code or viewed by another tensor).
 */
export class SeqlabCpuBackend extends MathBackendCPU {
  /** As SEQLAB_POOL says (buffer_pool.ts `poolFromEnv`; initBackend checks it first). */
  readonly pool: BufferPool = poolFromEnv();

  override write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): tf.DataId {
    const dataId = super.write(values, shape, dtype);
    this.pool.bind(values);
    return dataId;
  }

  override move(dataId: tf.DataId, values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void {
    super.move(dataId, values, shape, dtype, refCount);
    this.pool.bind(values);
  }

  override readSync(dataId: tf.DataId): tf.backend_util.BackendValues {
    const values = super.readSync(dataId);
    this.pool.escape(values);
    return values;
  }

  /** A tensor data's values for a kernel that keeps no reference to them after it returns. */
  readForKernel(dataId: tf.DataId): tf.backend_util.BackendValues {
    return super.readSync(dataId);
  }

  override disposeData(dataId: tf.DataId, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const result = super.disposeData(dataId, force);
    if (values !== undefined && !this.data.has(dataId)) this.pool.release(values);
    return result;
  }

  override dispose(): void {
    this.pool.clear();
    super.dispose();
  }
}

/**
 * A tensor's values for a read that keeps no reference to them after it returns (an
 * optimizer's update, the gradient norm): on the seqlab backend the array itself, without
 * marking it escaped (backend/buffer_pool.ts), so it can still be recycled; elsewhere
 * `dataSync()`.
 */
export function transientValues(t: tf.Tensor): tf.backend_util.BackendValues {
  const backend = tf.backend();
  if (backend instanceof SeqlabCpuBackend && backend.data.has(t.dataId)) return backend.readForKernel(t.dataId);
  return t.dataSync();
}

interface MatMulArgs {
  inputs: tf.NamedTensorInfoMap;
  attrs: { transposeA: boolean; transposeB: boolean; activation?: string; leakyreluAlpha?: number };
  backend: MathBackendCPU;
}

/** Looks up a stock cpu kernel (for fallbacks and the fused op's epilogue). */
function cpuKernel(name: string): tf.KernelFunc {
  const k = tf.getKernel(name, "cpu");
  if (k === undefined) throw new Error(`seqlab backend: expected the cpu kernel ${name} to be registered, got none`);
  return k.kernelFunc;
}

/**
 * op(A) · op(B) (+ a bias row) over broadcast batch dims, through kernels.gemm.
 * @param a - [...batchA, M, K] ([..., K, M] when transposeA). @param b - [...batchB, K, N] ([..., N, K] when transposeB).
 * @param bias - N values added to every row: C starts as the bias rows and the GEMM adds to it (β = 1), no extra pass.
 * @returns [...broadcast(batchA, batchB), M, N].
 */
function batchMatMul(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean, backend: MathBackendCPU, bias?: Float32Array): tf.TensorInfo {
  const ra = a.shape.length, rb = b.shape.length;
  const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const Kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (K !== Kb) {
    throw new Error(`Error in matMul: inner shapes (${K}) and (${Kb}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  }
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const batch = tf.broadcast_util.assertAndGetBroadcastShape(batchA, batchB);
  const nBatch = tf.util.sizeFromShape(batch);
  const A = readF32(backend, a);
  const B = readF32(backend, b);
  const C = kernelFloats(backend, nBatch * M * N, K === 0 && bias === undefined); // the GEMM writes every element (β = 0) unless K = 0
  if (bias !== undefined) for (let row = 0; row < nBatch * M; row++) C.set(bias, row * N);
  const beta = bias === undefined ? 0 : 1;
  const gemm = (getKernels() ?? jsKernels).gemm;
  const offA = batchOffsets(batch, batchA, M * K), offB = batchOffsets(batch, batchB, K * N);
  for (let i = 0; i < nBatch; i++) {
    const Ai = nBatch === 1 && offA[0] === 0 ? A : A.subarray(offA[i], offA[i] + M * K);
    const Bi = nBatch === 1 && offB[0] === 0 ? B : B.subarray(offB[i], offB[i] + K * N);
    gemm(transposeA, transposeB, M, N, K, 1, Ai, Bi, beta, nBatch === 1 ? C : C.subarray(i * M * N, (i + 1) * M * N));
  }
  return backend.makeTensorInfo([...batch, M, N], "float32", C);
}

/**
 * For each index of the broadcast batch shape, the offset of the operand's matrix.
 * @param batch - the output's batch shape. @param own - the operand's batch shape (right-aligned, 1 = repeat).
 * @param matrixSize - elements per matrix.
 */
function batchOffsets(batch: number[], own: number[], matrixSize: number): number[] {
  const n = tf.util.sizeFromShape(batch);
  const offsets = new Array<number>(n);
  const lead = batch.length - own.length;
  const strides = new Array<number>(own.length);
  for (let d = own.length - 1, s = matrixSize; d >= 0; d--) {
    strides[d] = s;
    s *= own[d];
  }
  for (let i = 0; i < n; i++) {
    let rest = i, off = 0;
    for (let d = batch.length - 1; d >= 0; d--) {
      const idx = rest % batch[d];
      rest = Math.floor(rest / batch[d]);
      const od = d - lead;
      if (od >= 0 && own[od] !== 1) off += idx * strides[od];
    }
    offsets[i] = off;
  }
  return offsets;
}

/**
 * A float32 tensor's values as a Float32Array. tfjs-cpu's Cast from int32 (or bool) to
 * float32 loses no precision, so it shares the int array and only relabels the dtype: a
 * float32 tensor may hold an Int32Array or Uint8Array, which the kernels cannot take.
 */
export function readF32(backend: MathBackendCPU, x: tf.TensorInfo): Float32Array {
  const v = kernelRead(backend, x.dataId);
  return v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
}

function batchMatMulKernel({ inputs, attrs, backend }: MatMulArgs): tf.TensorInfo {
  const a = inputs.a!, b = inputs.b!;
  if (a.dtype !== "float32" || b.dtype !== "float32") {
    return cpuKernel(tf.BatchMatMul)({ inputs, attrs: attrs as unknown as tf.NamedAttrMap, backend }) as tf.TensorInfo;
  }
  return batchMatMul(a, b, attrs.transposeA, attrs.transposeB, backend);
}

/** Activations of _FusedMatMul, as the stock cpu kernels that apply them. */
const ACTIVATIONS: Record<string, string> = { relu: tf.Relu, relu6: tf.Relu6, elu: tf.Elu, sigmoid: tf.Sigmoid };

function fusedMatMulKernel({ inputs, attrs, backend }: MatMulArgs): tf.TensorInfo {
  const { a, b, bias, preluActivationWeights } = inputs;
  const activation = attrs.activation ?? "linear";
  if (a!.dtype !== "float32" || b!.dtype !== "float32") {
    return cpuKernel(tf._FusedMatMul)({ inputs, attrs: attrs as unknown as tf.NamedAttrMap, backend }) as tf.TensorInfo;
  }
  // A bias of N values (shape [N] or [1, N]), the output layer's, starts C (β = 1); others are added after
  const N = attrs.transposeB ? b!.shape[b!.shape.length - 2] : b!.shape[b!.shape.length - 1];
  const row = bias != null && bias.dtype === "float32" && tf.util.sizeFromShape(bias.shape) === N && bias.shape.slice(0, -1).every((d) => d === 1);
  let current = batchMatMul(a!, b!, attrs.transposeA, attrs.transposeB, backend, row ? readF32(backend, bias!) : undefined);
  const step = (next: tf.TensorInfo): void => {
    backend.disposeIntermediateTensorInfo(current);
    current = next;
  };
  if (bias != null && !row) step(cpuKernel(tf.Add)({ inputs: { a: current, b: bias }, backend }) as tf.TensorInfo);
  if (activation === "prelu") {
    step(cpuKernel(tf.Prelu)({ inputs: { x: current, alpha: preluActivationWeights! }, backend }) as tf.TensorInfo);
  } else if (activation === "leakyrelu") {
    step(cpuKernel(tf.LeakyRelu)({ inputs: { x: current }, attrs: { alpha: attrs.leakyreluAlpha ?? 0.2 }, backend }) as tf.TensorInfo);
  } else if (activation !== "linear") {
    const name = ACTIVATIONS[activation];
    if (name === undefined) throw new Error(`seqlab backend: expected a known _FusedMatMul activation, got '${activation}'`);
    step(cpuKernel(name)({ inputs: { x: current }, backend }) as tf.TensorInfo);
  }
  return current;
}

/**
 * Sum over leading axes without a transpose: the bias gradient Σ_rows dY of every dense
 * layer. tfjs-cpu transposes the reduced axes to the end first (a full copy of a
 * [B·T, V] tensor with per-element index arithmetic); here out[j] = Σ_i x[i·inner + j].
 * Other reductions (or non-float32) use the stock kernel.
 */
function sumKernel({ inputs, attrs, backend }: { inputs: tf.NamedTensorInfoMap; attrs: { axis: number | number[]; keepDims: boolean }; backend: MathBackendCPU }): tf.TensorInfo {
  const x = inputs.x!;
  const axes = tf.util.parseAxisParam(attrs.axis, x.shape).sort((p, q) => p - q);
  const leading = axes.every((a, j) => a === j);
  if (x.dtype !== "float32" || !leading || axes.length === 0) {
    return cpuKernel(tf.Sum)({ inputs, attrs: attrs as unknown as tf.NamedAttrMap, backend }) as tf.TensorInfo;
  }
  const outer = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
  const inner = tf.util.sizeFromShape(x.shape.slice(axes.length));
  const X = readF32(backend, x);
  const acc = new Float64Array(inner);
  for (let i = 0; i < outer; i++) {
    const o = i * inner;
    for (let j = 0; j < inner; j++) acc[j] += X[o + j];
  }
  const shape = attrs.keepDims ? x.shape.map((d, a) => (a < axes.length ? 1 : d)) : x.shape.slice(axes.length);
  return backend.makeTensorInfo(shape, "float32", Float32Array.from(acc));
}

/**
 * a + b for float32 tensors of equal shapes or where one operand's shape is a suffix of
 * the other's (a bias row added to every row): one flat loop instead of tfjs-cpu's
 * per-element broadcast index arithmetic. Other cases use the stock kernel.
 */
function addKernel({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: MathBackendCPU }): tf.TensorInfo {
  const a = inputs.a!, b = inputs.b!;
  /** Whether `short` (without leading 1s, and of rank ≤ long's) is a suffix of `long`. */
  const isSuffix = (long: number[], short: number[]): boolean => {
    if (short.length > long.length) return false;
    let lead = 0;
    while (lead < short.length && short[lead] === 1) lead++;
    const tail = short.slice(lead);
    return tail.every((d, j) => d === long[long.length - tail.length + j]);
  };
  const [big, small] = isSuffix(a.shape, b.shape) ? [a, b] : [b, a];
  if (a.dtype !== "float32" || b.dtype !== "float32" || !isSuffix(big.shape, small.shape)) {
    return cpuKernel(tf.Add)({ inputs, backend }) as tf.TensorInfo;
  }
  const X = readF32(backend, big), Y = readF32(backend, small);
  const n = X.length, m = Y.length;
  const out = kernelFloats(backend, n, false);
  for (let o = 0; o < n; o += m) for (let j = 0; j < m; j++) out[o + j] = X[o + j] + Y[j];
  return backend.makeTensorInfo(big.shape, "float32", out);
}

/**
 * Transpose: the identity permutation shares the data (gather's gradient transposes its
 * [V, E] result by the identity), a 2-D transpose is a plain loop; others use the stock kernel.
 */
function transposeKernel({ inputs, attrs, backend }: { inputs: tf.NamedTensorInfoMap; attrs: { perm: number[] }; backend: MathBackendCPU }): tf.TensorInfo {
  const x = inputs.x!;
  const { perm } = attrs;
  if (perm.every((p, j) => p === j)) {
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  }
  if (x.dtype !== "float32" || x.shape.length !== 2) {
    return cpuKernel(tf.Transpose)({ inputs, attrs: attrs as unknown as tf.NamedAttrMap, backend }) as tf.TensorInfo;
  }
  const [R, C] = x.shape;
  const X = readF32(backend, x);
  const out = kernelFloats(backend, R * C, false);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) out[c * R + r] = X[r * C + c];
  return backend.makeTensorInfo([C, R], "float32", out);
}

/**
 * GatherV2 along axis 0 without batch dims (an embedding lookup): out[i] = x[indices[i]],
 * each row a `Float32Array.set` of a subarray; out has shape indices.shape ++ x.shape[1:].
 * tfjs-cpu computes a multi-index per element instead. Indices are bounds-checked first,
 * with tfjs's message. Other axes, batch dims or dtypes use the stock kernel.
 */
function gatherV2Kernel({ inputs, attrs, backend }: { inputs: tf.NamedTensorInfoMap; attrs: { axis: number; batchDims: number }; backend: MathBackendCPU }): tf.TensorInfo {
  const x = inputs.x!, indices = inputs.indices!;
  const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
  const X = kernelRead(backend, x.dataId), I = kernelRead(backend, indices.dataId);
  if (axis !== 0 || (attrs.batchDims ?? 0) !== 0 || x.dtype !== "float32" || !(X instanceof Float32Array) || !(I instanceof Int32Array)) {
    return cpuKernel(tf.GatherV2)({ inputs, attrs: attrs as unknown as tf.NamedAttrMap, backend }) as tf.TensorInfo;
  }
  const rows = x.shape[0];
  const row = tf.util.sizeFromShape(x.shape.slice(1)); // floats per row
  for (let i = 0; i < I.length; i++) {
    const index = I[i];
    if (!(index >= 0 && index <= rows - 1)) throw new Error(`GatherV2: the index value ${index} is not in [0, ${rows - 1}]`);
  }
  const out = kernelFloats(backend, I.length * row, false); // [...indices.shape, ...x.shape[1:]], every row set below
  for (let i = 0; i < I.length; i++) out.set(X.subarray(I[i] * row, (I[i] + 1) * row), i * row);
  return backend.makeTensorInfo([...indices.shape, ...x.shape.slice(1)], "float32", out);
}

let registered = false;

/**
 * The Float32Array that holds a variable's values, when the optimizers may update it in
 * place: the current backend is "seqlab" (plain typed arrays), the values are a
 * Float32Array, and no other tensor shares them (refCount 1: no reshape or clone of the
 * variable is alive), so the update is seen exactly as `variable.assign` would make it seen.
 * Otherwise null, and the optimizer writes a new tensor with `assign`.
 * @param variable - a float32 variable.
 */
export function ownedValues(variable: tf.Variable): Float32Array | null {
  if (tf.getBackend() !== SEQLAB_BACKEND || variable.dtype !== "float32") return null;
  const backend = tf.backend() as MathBackendCPU;
  if (backend.refCount(variable.dataId) !== 1) return null;
  const values = kernelRead(backend, variable.dataId);
  return values instanceof Float32Array ? values : null;
}

/**
 * Registers the "seqlab" backend with tfjs (idempotent). It does not make it current:
 * `tf.setBackend("seqlab")` or `initBackend({ backend: "seqlab" })` does.
 */
export function registerSeqlabBackend(): void {
  if (registered) return;
  tf.registerBackend(SEQLAB_BACKEND, () => {
    const backend = new SeqlabCpuBackend();
    // The cpu backend prints an "install tfjs-node" banner on first use; seqlab prints its own line.
    (backend as unknown as { firstUse: boolean }).firstUse = false;
    return backend;
  }, 0);
  for (const config of tf.getKernelsForBackend("cpu")) {
    if (tf.getKernel(config.kernelName, SEQLAB_BACKEND) === undefined) tf.registerKernel({ ...config, backendName: SEQLAB_BACKEND });
  }
  const own: tf.KernelConfig[] = [
    { kernelName: tf.BatchMatMul, backendName: SEQLAB_BACKEND, kernelFunc: batchMatMulKernel as unknown as tf.KernelFunc },
    { kernelName: tf._FusedMatMul, backendName: SEQLAB_BACKEND, kernelFunc: fusedMatMulKernel as unknown as tf.KernelFunc },
    { ...unsortedSegmentSumCpuConfig, backendName: SEQLAB_BACKEND },
    { kernelName: tf.Sum, backendName: SEQLAB_BACKEND, kernelFunc: sumKernel as unknown as tf.KernelFunc },
    { kernelName: tf.Add, backendName: SEQLAB_BACKEND, kernelFunc: addKernel as unknown as tf.KernelFunc },
    { kernelName: tf.Transpose, backendName: SEQLAB_BACKEND, kernelFunc: transposeKernel as unknown as tf.KernelFunc },
    { kernelName: tf.GatherV2, backendName: SEQLAB_BACKEND, kernelFunc: gatherV2Kernel as unknown as tf.KernelFunc },
  ];
  for (const config of own) {
    if (tf.getKernel(config.kernelName, SEQLAB_BACKEND) !== undefined) tf.unregisterKernel(config.kernelName, SEQLAB_BACKEND);
    tf.registerKernel(config);
  }
  registered = true;
}
