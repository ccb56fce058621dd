/**
 * Diversity of generated text, the x-axis of notebook 05's quality–diversity plot:
 *
 *     distinct-n = |{ distinct n-grams over all texts }| / |{ n-gram occurrences over all texts }|
 *
 * (Li, Galley, Brockett, Gao & Dolan 2016, "A diversity-promoting objective function for neural
 * conversation models"): 1 when no n-gram repeats, → 0 when every text says the same. N argmax
 * generations from the same start give distinct-n = (n-grams of one text) / (N × that).
 * The quality axis is the perplexity of the texts under another model (e.g. the course's KN5,
 * lm/perplexity.ts), which rewards dull, frequent text — hence the trade-off.
 */
import { ArgumentError } from "../errors.js";

/**
 * distinct-n over a set of texts (see the file comment).
 * @param texts - token sequences (words or ids).
 * @param n - the n-gram order ≥ 1.
 * @returns distinct / total, or 0 when no text has n tokens.
 */
export function distinctN<T>(texts: readonly (readonly T[])[], n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`distinctN: expected n an integer ≥ 1, got ${n}`);
  const seen = new Set<string>();
  let total = 0;
  for (const t of texts) {
    for (let i = 0; i + n <= t.length; i++) {
      seen.add(JSON.stringify(t.slice(i, i + n)));
      total++;
    }
  }
  return total === 0 ? 0 : seen.size / total;
}
