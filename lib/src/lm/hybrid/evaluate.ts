/**
 * Evaluating the hybrid word/character LM (lm/hybrid/model.ts): the windows of the stream
 * (lm/hybrid/batches.ts with p = 0, so only OOV words are spelled), the state carried from
 * window to window, and ln p(target) for every token but the first, in stream order — the
 * convention of `evaluateLm` (lm/train_lm.ts): perplexity exp(−mean ln p), every word and
 * every sentence end predicted (lm/perplexity.ts).
 */
import * as tf from "@tensorflow/tfjs";
import type { LmEvaluation } from "../train_lm.js";
import { HybridBatches, hybridBatchTensors, type HybridBatchOptions } from "./batches.js";
import type { HybridLm } from "./model.js";
import type { HybridStream } from "./stream.js";

/**
 * ln p of every token of a stream given all before it (OOV inputs spelled, no replacement),
 * and the perplexity exp(−mean ln p) — the convention of `evaluateLm` (lm/train_lm.ts).
 * @param model - the hybrid LM.
 * @param stream - ids and spellings, N ≥ 2 tokens.
 * @param options - batchSize (20), bptt (20), maxChars (20).
 * @returns perplexity, N − 1 and the per-token ln p in stream order.
 */
export function evaluateHybridLm(model: HybridLm, stream: HybridStream, options: Pick<HybridBatchOptions, "batchSize" | "bptt" | "maxChars"> = {}): LmEvaluation {
  const batches = new HybridBatches(stream, { ...options, replaceProb: 0 });
  const { batchSize: B, bptt: k, streamLength: S, numTargets: M } = batches.windowsOf;
  const logProbs = new Float64Array(M);
  let state = model.zeroStates(B);
  for (const window of batches.windows()) {
    const batch = hybridBatchTensors(window);
    const r = model.logProbs(batch, state);
    const values = r.logProbs.dataSync(); // [B, k]
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < k; t++) if (window.mask[b * k + t] === 1) logProbs[b * S + window.index * k + t] = values[b * k + t];
    }
    tf.dispose([batch as unknown as tf.TensorContainer, r.logProbs, state as unknown as tf.TensorContainer]);
    state = r.finalStates;
  }
  tf.dispose(state as unknown as tf.TensorContainer);
  let sum = 0;
  for (const x of logProbs) sum += x;
  return { perplexity: Math.exp(-sum / M), tokens: M, logProbs };
}
