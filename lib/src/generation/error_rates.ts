/**
 * The metrics of a sequence-to-sequence task with several correct answers per input, as in
 * grapheme-to-phoneme conversion (datasets/cmudict.ts; Yao & Zweig 2015, "Sequence-to-sequence
 * neural net models for grapheme-to-phoneme conversion"):
 *
 *     d(a, b)  = Levenshtein distance: the fewest insertions, deletions and substitutions
 *                turning a into b (Wagner–Fischer dynamic programme, unit costs);
 *     WER      = (words whose prediction equals NONE of their references) / words;
 *     PER      = Σ_w min_r d(pred_w, ref_{w,r}) / Σ_w |ref_{w,r*}|,
 *                r* the reference closest to the prediction (ties: the first).
 *
 * WER here is the word error rate of G2P (a word is wrong unless its whole pronunciation is
 * right), not the speech-recognition WER, which is an edit distance over words.
 */
import { ArgumentError } from "../errors.js";

/**
 * Levenshtein distance with unit costs (Wagner & Fischer 1974), in O(|a|·|b|) time, O(|b|) memory:
 * D[i][j] = min(D[i−1][j] + 1, D[i][j−1] + 1, D[i−1][j−1] + [a_i ≠ b_j]), D[i][0] = i, D[0][j] = j.
 * @param a - a sequence (of strings, ids, characters).
 * @param b - another.
 */
export function editDistance<T>(a: ArrayLike<T>, b: ArrayLike<T>): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j); // D[i−1][·]
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length];
}

/** What `errorRates` counts. */
export interface ErrorRates {
  /** Word error rate in [0, 1]. */
  wer: number;
  /** Phoneme (token) error rate ≥ 0 (it can exceed 1 when predictions are too long). */
  per: number;
  /** Words. */
  words: number;
  /** Words with no exact match. */
  wrongWords: number;
  /** Σ min edit distances. */
  edits: number;
  /** Σ lengths of the closest references. */
  referenceTokens: number;
}

/**
 * WER and PER (see the file comment).
 * @param predictions - [N] one predicted sequence per word.
 * @param references - [N] ≥ 1 reference sequences per word.
 */
export function errorRates<T>(predictions: readonly (readonly T[])[], references: readonly (readonly (readonly T[])[])[]): ErrorRates {
  if (predictions.length !== references.length) throw new ArgumentError(`errorRates: expected one list of references per prediction (${predictions.length}), got ${references.length}`);
  if (predictions.length === 0) throw new ArgumentError("errorRates: expected at least one prediction, got 0");
  let wrongWords = 0;
  let edits = 0;
  let referenceTokens = 0;
  predictions.forEach((p, w) => {
    const refs = references[w];
    if (refs.length === 0) throw new ArgumentError(`errorRates: expected at least one reference for word ${w}, got 0`);
    let best = Infinity;
    let bestLength = 0;
    for (const r of refs) {
      const d = editDistance(p, r);
      if (d < best) [best, bestLength] = [d, r.length];
    }
    if (best > 0) wrongWords++;
    edits += best;
    referenceTokens += bestLength;
  });
  return { wer: wrongWords / predictions.length, per: edits / referenceTokens, words: predictions.length, wrongWords, edits, referenceTokens };
}
