/**
 * `UnsortedSegmentSum` kernels for the `wasm` and `cpu` backends: a linear-time scatter-add.
 *
 * Semantics (TensorFlow's `tf.math.unsorted_segment_sum`, as tfjs-core's op defines it).
 * Let x have shape [N_1, …, N_k, D_1, …, D_m] and segmentIds (int32) shape [N_1, …, N_k],
 * a prefix of x's shape; write n = N_1·…·N_k for the number of rows and D = D_1·…·D_m
 * for the size of one row. Then the output has shape [numSegments, D_1, …, D_m] and
 *
 *     out[s] = Σ_{j : segmentIds[j] = s} x[j]          for s = 0 … numSegments − 1,
 *
 * with j running over the n rows in flat (row-major) order. A segment that no id names is 0.
 * Ids outside [0, numSegments) — negative or too large — are dropped, as TensorFlow and the
 * stock tfjs-cpu kernel (which compares each id with 0 … numSegments − 1) drop them.
 * tfjs documents segmentIds as 1-D, which is all `gather`'s gradient passes; for k > 1 this
 * follows TensorFlow (and so tfjs-node), whereas the stock tfjs-cpu kernel sums over the
 * first axis only and returns [numSegments, N_2, …, N_k, D_1, …, D_m].
 * The output dtype is x's dtype. Sums accumulate in that dtype, in row order, as TensorFlow's
 * kernel does (the stock tfjs-cpu kernel accumulates in float64, so float32 results can
 * differ from it in the last bit when a segment receives three or more rows).
 *
 * Why these are registered. `UnsortedSegmentSum` is the gradient of `gather` (tfjs-core's
 * `GatherV2_grad`), so every embedding layer needs it to train:
 *   1. tfjs-backend-wasm 4.22 has no `UnsortedSegmentSum` kernel at all, so training any
 *      embedding on `wasm` fails with "Kernel 'UnsortedSegmentSum' not registered".
 *   2. tfjs-backend-cpu 4.22 builds it from one equal + cast + multiply + sum per segment:
 *      O(numSegments · n · D) time, ~84 s for a [400, 200] gradient into a 10,000-row
 *      embedding. The scatter-add below is O(n · D + numSegments · D).
 * `registerKernels` (kernels/index.ts) installs them when `initBackend` picks the backend.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { ArgumentError } from "../../errors.js";
import { kernelFloats, kernelRead } from "../buffer_pool.js";

/** The typed arrays this kernel reads and writes (float32 or int32 tensors). */
type NumericArray = Float32Array | Int32Array;

/** The shape facts of one call, checked: see `checkInputs`. */
interface SegmentSumPlan {
  /** Output shape [numSegments, D_1, …, D_m]. */
  outShape: number[];
  /** n: how many rows (ids) there are. */
  numRows: number;
  /** D: elements per row. */
  rowSize: number;
  numSegments: number;
}

/**
 * Checks the inputs of one call and works out the shapes.
 * @param x - [N_1, …, N_k, D_1, …, D_m], float32 or int32.
 * @param segmentIds - [N_1, …, N_k], int32.
 * @param numSegments - a non-negative integer.
 */
function checkInputs(x: tf.TensorInfo, segmentIds: tf.TensorInfo, numSegments: number): SegmentSumPlan {
  if (x.dtype !== "float32" && x.dtype !== "int32") {
    throw new ArgumentError(`unsortedSegmentSum: expected x of dtype float32 or int32, got ${x.dtype}`);
  }
  if (segmentIds.dtype !== "int32") {
    throw new ArgumentError(`unsortedSegmentSum: expected segmentIds of dtype int32, got ${segmentIds.dtype}`);
  }
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new ArgumentError(`unsortedSegmentSum: expected numSegments to be a non-negative integer, got ${numSegments}`);
  }
  const k = segmentIds.shape.length;
  const prefix = x.shape.slice(0, k);
  if (k > x.shape.length || prefix.some((d, i) => d !== segmentIds.shape[i])) {
    throw new ArgumentError(
      `unsortedSegmentSum: expected segmentIds shape to be a prefix of x shape [${x.shape}], ` +
        `got [${segmentIds.shape}]`,
    );
  }
  const rowShape = x.shape.slice(k);
  return {
    outShape: [numSegments, ...rowShape],
    numRows: tf.util.sizeFromShape(prefix),
    rowSize: tf.util.sizeFromShape(rowShape),
    numSegments,
  };
}

/**
 * The scatter-add itself: out[ids[j]] += x[j] row by row, dropping ids outside
 * [0, numSegments). `out` must hold zeros on entry.
 * @param x - n·D values, rows of D.
 * @param ids - n segment ids.
 * @param out - numSegments·D values, zeroed; written in place.
 */
function scatterAddRows(x: NumericArray, ids: Int32Array, out: NumericArray, plan: SegmentSumPlan): void {
  const { numRows, rowSize, numSegments } = plan;
  for (let j = 0; j < numRows; j++) {
    const s = ids[j];
    if (s < 0 || s >= numSegments) continue; // dropped, as in TensorFlow
    const src = j * rowSize;
    const dst = s * rowSize;
    for (let d = 0; d < rowSize; d++) out[dst + d] += x[src + d];
  }
}

/** The arguments tfjs passes to an `UnsortedSegmentSum` kernel function. */
interface SegmentSumArgs<B> {
  inputs: tf.UnsortedSegmentSumInputs;
  attrs: tf.UnsortedSegmentSumAttrs;
  backend: B;
}

/** The parts of tfjs-backend-cpu's `MathBackendCPU` this kernel uses. */
interface CpuBackend {
  readSync(dataId: tf.DataId): tf.backend_util.BackendValues;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
}

/**
 * The `wasm` kernel. Reads x and segmentIds straight from the wasm heap and writes the
 * output there. The output is allocated first: `makeOutput` may grow the heap, which
 * detaches every typed-array view taken before it.
 */
function unsortedSegmentSumWasm({ inputs, attrs, backend }: SegmentSumArgs<BackendWasm>): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  const segmentIds = inputs.segmentIds as tf.TensorInfo;
  const plan = checkInputs(x, segmentIds, attrs.numSegments);
  const out = backend.makeOutput(plan.outShape, x.dtype); // [numSegments, D_1, …, D_m]
  const outVals = backend.typedArrayFromHeap(out) as NumericArray;
  outVals.fill(0); // malloc'd memory is not zeroed
  const xVals = backend.typedArrayFromHeap(x) as NumericArray;
  const ids = backend.typedArrayFromHeap(segmentIds) as Int32Array;
  scatterAddRows(xVals, ids, outVals, plan);
  return out;
}

/** The `cpu` kernel: the same scatter-add over the cpu backend's typed arrays. */
function unsortedSegmentSumCpu({ inputs, attrs, backend }: SegmentSumArgs<CpuBackend>): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  const segmentIds = inputs.segmentIds as tf.TensorInfo;
  const plan = checkInputs(x, segmentIds, attrs.numSegments);
  const size = tf.util.sizeFromShape(plan.outShape);
  const outVals = x.dtype === "int32" ? new Int32Array(size) : kernelFloats(backend, size); // zeroed
  const xVals = kernelRead(backend, x.dataId) as NumericArray;
  const ids = kernelRead(backend, segmentIds.dataId) as Int32Array;
  scatterAddRows(xVals, ids, outVals, plan);
  return backend.makeTensorInfo(plan.outShape, x.dtype, outVals);
}

/** Kernel config for tf.registerKernel: `UnsortedSegmentSum` on `wasm`. */
export const unsortedSegmentSumWasmConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: "wasm",
  kernelFunc: unsortedSegmentSumWasm as unknown as tf.KernelFunc,
};

/** Kernel config for tf.registerKernel: `UnsortedSegmentSum` on `cpu` (replaces the stock one). */
export const unsortedSegmentSumCpuConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: "cpu",
  kernelFunc: unsortedSegmentSumCpu as unknown as tf.KernelFunc,
};
