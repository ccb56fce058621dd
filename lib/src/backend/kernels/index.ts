/**
 * The kernels seqlab adds to or replaces in TensorFlow.js, per backend, and the one
 * function that installs them. `initBackend` calls `registerKernels` for the backend it
 * picks; tests call it for a second backend they compare against.
 *
 * What an embedding + LSTM + dense softmax cross-entropy model needs for forward and
 * backward with tf.train.adam / sgd / rmsprop / adagrad / momentum (kernels recorded on
 * cpu for tf.layers embedding/lstm/gru/simpleRNN/bidirectional, model.fit, and a
 * hand-written LSTM, then looked up on wasm with tf.getKernel): tfjs-backend-wasm 4.22
 * has all of them except `UnsortedSegmentSum`.
 *
 * | backend    | kernel               | why                                            |
 * |------------|----------------------|------------------------------------------------|
 * | wasm       | UnsortedSegmentSum   | missing: gather's gradient (embeddings) fails  |
 * | cpu        | UnsortedSegmentSum   | stock one is O(numSegments · n · D): ~84 s     |
 * | tensorflow | —                    | native TensorFlow has them all                 |
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendName } from "../names.js";
import { unsortedSegmentSumCpuConfig, unsortedSegmentSumWasmConfig } from "./unsorted_segment_sum.js";

/** The kernel configs seqlab registers for each backend. */
export const SEQLAB_KERNELS: Readonly<Record<BackendName, readonly tf.KernelConfig[]>> = {
  tensorflow: [],
  wasm: [unsortedSegmentSumWasmConfig],
  cpu: [unsortedSegmentSumCpuConfig],
  seqlab: [], // seqlab_backend.ts registers the seqlab backend's kernels with it
};

/**
 * Installs seqlab's kernels for one backend, replacing a kernel of the same name if
 * tfjs registered one. Idempotent: a kernel already installed is left alone.
 * @param backend - which backend's kernels to install.
 * @returns the names of the kernels installed by this call (empty if all were already).
 */
export function registerKernels(backend: BackendName): string[] {
  const installed: string[] = [];
  for (const config of SEQLAB_KERNELS[backend]) {
    const current = tf.getKernel(config.kernelName, config.backendName);
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current !== undefined) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
    installed.push(config.kernelName);
  }
  return installed;
}
