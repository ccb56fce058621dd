/**
 * `seqlab/internal`: what the tests, the bench and the course tooling use below the public
 * surface. Not stable: names here may change without notice.
 *
 * - the engine's kernels (Float32Array in, Float32Array out) and how they are chosen;
 * - the tfjs-op definitions (`*Reference`) that the fused ops are tested against;
 * - the seqlab tfjs backend's registration;
 * - helpers: the vanilla RNN's flat parameter vectors (for finite differences), file
 *   hashing, HTML escaping.
 */

// The engine: kernels, and running code with a given set of them.
export { getKernels, withKernels } from "./engine/engine.js";
export { jsKernels } from "./engine/js.js";
export { loadNativeKernels, NATIVE_PATH, NATIVE_STATUS_PATH } from "./engine/native.js";
export { loadWasmKernels, wasmThreadsReady, WASM_PATH } from "./engine/wasm.js";
export { checkedKernels } from "./engine/kernel_args.js";
export type * from "./engine/kernels.js";

// The tfjs-op definitions of the fused ops.
export { lstmSequenceReference, gruSequenceReference, rnnSequenceReference } from "./ops/sequence.js";
export { softmaxCrossEntropyReference } from "./ops/softmax_cross_entropy.js";
export { crfLogPartitionReference, crfLogLikelihoodReference, viterbiDecodeReference } from "./ops/crf.js";
export { linearSoftmaxCrossEntropyReference, linearTargetLogProbsReference } from "./ops/linear_softmax_cross_entropy.js";

// The seqlab tfjs backend.
export { registerSeqlabBackend, SEQLAB_BACKEND } from "./backend/seqlab_backend.js";

// Helpers.
export { vanillaToFlat64, vanillaFromFlat64 } from "./rnn/vanilla.js";
export { sha256File } from "./datasets/folder.js";
export { escapeHtml } from "./notebook/display.js";
export { printfFixed, parseConllevalText } from "./ner/conlleval.js";
export { formatFloat32, writeFloat32 } from "./lm/float_format.js";
