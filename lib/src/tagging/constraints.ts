/**
 * Decoding constrained to valid tag sequences: in BIO (IOB2) an I-PER can only continue a
 * PER chunk, so "B-LOC I-PER" or a sentence starting with I-PER is not a well-formed
 * answer. A tagger that scores positions one by one (softmax) can output such sequences
 * — conlleval then reads the stray I-PER as the start of a new chunk — and a CRF can too,
 * until its transition scores have learnt that they never happen.
 *
 * The allowed transitions are those of each scheme's strict reading (ner/tag_scheme.ts):
 *
 *   - IOB2: I-X only after B-X or I-X (so never first);
 *   - IOB1: B-X only after B-X or I-X (so never first);
 *   - IOBES: I-X and E-X only after B-X or I-X, and B-X and I-X only before I-X or E-X
 *     (so never first: I, E; never last: B, I);
 *   - IO: everything.
 *
 * As additive scores, c[i, j] = 0 if tag j may follow tag i, else −∞ (likewise c_start,
 * c_end). Adding them to a CRF's parameters (start + c_start, A + c, end + c_end) gives
 * every invalid path the score −∞, so Viterbi (ops/crf.ts) returns the best VALID path: the
 * CRF's −∞ transitions (Lample et al. 2016's implementation and AllenNLP's
 * `allowed_transitions` do the same). A softmax tagger gets the same by Viterbi over its
 * log-probabilities with the constraints as the only transition scores:
 *
 *     ŷ = argmax_{y valid} Σ_t log ŷ_t[y_t]
 *
 * the most probable valid sequence under its per-position distributions. `O` is allowed
 * everywhere in every scheme, so every sentence has a valid path.
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { viterbiDecode, type CrfParams } from "../ops/crf.js";
import { parseTag, type ParsedTag } from "../ner/tag_scheme.js";
import type { TagSet } from "../ner/tag_set.js";
import type { TagScheme } from "../ner/types.js";
import type { TransitionConstraints } from "./tagger.js";

/**
 * Whether tag `next` may follow tag `prev` in a scheme (see the file comment).
 * @param prev - the previous tag, or null at the sentence start.
 * @param next - the tag, or null at the sentence end.
 * @param scheme - the scheme.
 */
export function allowedTransition(prev: ParsedTag | null, next: ParsedTag | null, scheme: TagScheme): boolean {
  const inside = (p: ParsedTag | null, type: string) => p !== null && (p.prefix === "B" || p.prefix === "I") && p.type === type;
  if (scheme === "IO") return true;
  if (scheme === "IOB2") return next === null || next.prefix !== "I" || inside(prev, next.type);
  if (scheme === "IOB1") return next === null || next.prefix !== "B" || inside(prev, next.type);
  // IOBES: a chunk opened by B or I must go on with I or E of its type; I and E must continue one.
  const opened = prev !== null && (prev.prefix === "B" || prev.prefix === "I");
  const continues = next !== null && (next.prefix === "I" || next.prefix === "E");
  if (opened && !(continues && next.type === prev.type)) return false;
  if (continues && !inside(prev, next.type)) return false;
  return true;
}

/**
 * The constraints of a tag set's scheme over its tag ids.
 * @param tags - the tag set (its `scheme` decides).
 * @returns start [K], end [K], transitions [K·K] as 0 / −∞.
 */
export function transitionConstraints(tags: TagSet): TransitionConstraints {
  const K = tags.size;
  const parsed = tags.tags.map((t) => parseTag(t, tags.scheme));
  const score = (ok: boolean) => (ok ? 0 : -Infinity);
  const start = Float32Array.from(parsed, (p) => score(allowedTransition(null, p, tags.scheme)));
  const end = Float32Array.from(parsed, (p) => score(allowedTransition(p, null, tags.scheme)));
  const transitions = new Float32Array(K * K);
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) transitions[i * K + j] = score(allowedTransition(parsed[i], parsed[j], tags.scheme));
  return { numTags: K, start, end, transitions };
}

/**
 * Whether a path of tag ids is valid under constraints.
 * @param path - tag ids, L ≥ 1.
 * @param c - the constraints.
 */
export function isAllowedPath(path: readonly number[], c: TransitionConstraints): boolean {
  if (path.length === 0) return true;
  if (c.start[path[0]] !== 0 || c.end[path[path.length - 1]] !== 0) return false;
  for (let t = 1; t < path.length; t++) if (c.transitions[path[t - 1] * c.numTags + path[t]] !== 0) return false;
  return true;
}

/**
 * A CRF's parameters with the constraints added (start + c_start, end + c_end, A + c).
 * @param params - start [K], end [K], transitions [K, K].
 * @param c - constraints over the same K tags.
 * @returns new tensors; the caller disposes them.
 */
export function constrainCrfParams(params: CrfParams, c: TransitionConstraints): CrfParams {
  const K = params.start.shape[0];
  checkSize(c, K);
  return tf.tidy(() => ({
    start: tf.add(params.start, tf.tensor1d(c.start)) as tf.Tensor1D, // [K]
    end: tf.add(params.end, tf.tensor1d(c.end)) as tf.Tensor1D, // [K]
    transitions: tf.add(params.transitions, tf.tensor2d(c.transitions, [K, K])) as tf.Tensor2D, // [K, K]
  }));
}

/**
 * The best valid path under per-position scores (see the file comment): Viterbi with the
 * constraints as the only transition scores.
 * @param logProbs - float32 [B, T, K] log ŷ_t (any per-position scores).
 * @param mask - [B, T] right padding, or undefined (every step real).
 * @param c - constraints over the K tags.
 * @returns B paths of the sentences' real lengths.
 */
export function bestAllowedPaths(logProbs: tf.Tensor3D, mask: tf.Tensor2D | undefined, c: TransitionConstraints): number[][] {
  const K = logProbs.shape[2];
  checkSize(c, K);
  const params: CrfParams = { start: tf.tensor1d(c.start), end: tf.tensor1d(c.end), transitions: tf.tensor2d(c.transitions, [K, K]) };
  try {
    return viterbiDecode(logProbs, params, mask).paths;
  } finally {
    tf.dispose([params.start, params.end, params.transitions]);
  }
}

function checkSize(c: TransitionConstraints, K: number): void {
  if (c.numTags !== K || c.start.length !== K || c.end.length !== K || c.transitions.length !== K * K) {
    throw new ArgumentError(`constraints: expected constraints over the tagger's ${K} tags, got ${c.numTags} (start ${c.start.length}, end ${c.end.length}, transitions ${c.transitions.length})`);
  }
}
