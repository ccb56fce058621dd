/**
 * Linear interpolation of two language models, as Mikolov et al. (2010) combined their RNN
 * LM with a Kneser-Ney 5-gram:
 *
 *     p(w | h) = λ · p_A(w | h) + (1 − λ) · p_B(w | h),      0 ≤ λ ≤ 1,
 *
 * with λ tuned on the validation set. The best λ maximises the validation likelihood; it is
 * found by EM (the mixture weight of a two-component mixture): with the posteriors
 * r_j = λ p_A(j) / (λ p_A(j) + (1 − λ) p_B(j)) of each token j, the update λ ← mean_j r_j never
 * lowers the likelihood, and the likelihood is concave in λ, so EM converges to the optimum.
 *
 * The two models must score the same tokens in the same order: `ngramStreamLogProbs` gives
 * an n-gram model's ln p for the stream [s_1 … </s> s_2 … </s> …] — each sentence's words
 * and its end — which is the order `evaluateLm` (lm/train_lm.ts) scores a stream
 * <EOS> s_1 <EOS> s_2 <EOS> … in (its first <EOS> is context only, playing <s>).
 */
import { ArgumentError } from "../errors.js";
import type { LanguageModel } from "./perplexity.js";
import { BOS, EOS } from "./ngram_counts.js";

/**
 * ln p of the mixture at every token.
 * @param a - [N] ln p_A.
 * @param b - [N] ln p_B.
 * @param lambda - λ, the weight of A, in [0, 1].
 * @returns [N] ln(λ e^a + (1 − λ) e^b), computed stably.
 */
export function mixLogProbs(a: ArrayLike<number>, b: ArrayLike<number>, lambda: number): Float64Array {
  checkPair("mixLogProbs", a, b);
  if (!(lambda >= 0 && lambda <= 1)) throw new ArgumentError(`mixLogProbs: expected lambda in [0, 1], got ${lambda}`);
  const out = new Float64Array(a.length);
  const la = Math.log(lambda);
  const lb = Math.log(1 - lambda);
  for (let j = 0; j < a.length; j++) {
    const x = la + a[j];
    const y = lb + b[j];
    const m = Math.max(x, y);
    out[j] = m === -Infinity ? -Infinity : m + Math.log(Math.exp(x - m) + Math.exp(y - m));
  }
  return out;
}

/**
 * The λ that maximises Σ_j ln(λ p_A(j) + (1 − λ) p_B(j)), by EM (see the file comment).
 * @param a - [N] ln p_A on the tuning (validation) tokens.
 * @param b - [N] ln p_B on the same tokens.
 * @param options - start λ (default 0.5), tolerance on λ (default 1e-6), max iterations (default 500).
 * @returns λ and the perplexity of the mixture at λ.
 */
export function tuneMixture(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: { start?: number; tolerance?: number; maxIterations?: number } = {},
): { lambda: number; perplexity: number; iterations: number } {
  checkPair("tuneMixture", a, b);
  let lambda = options.start ?? 0.5;
  const tol = options.tolerance ?? 1e-6;
  const maxIt = options.maxIterations ?? 500;
  let it = 0;
  for (; it < maxIt; it++) {
    let r = 0;
    for (let j = 0; j < a.length; j++) {
      const d = b[j] - a[j]; // r_j = 1 / (1 + (1 − λ)/λ · p_B/p_A)
      r += lambda === 0 ? 0 : lambda === 1 ? 1 : 1 / (1 + ((1 - lambda) / lambda) * Math.exp(d));
    }
    const next = r / a.length;
    const done = Math.abs(next - lambda) < tol;
    lambda = next;
    if (done) break;
  }
  const mixed = mixLogProbs(a, b, lambda);
  let sum = 0;
  for (const x of mixed) sum += x;
  return { lambda, perplexity: Math.exp(-sum / a.length), iterations: it + 1 };
}

/**
 * An n-gram (or any `LanguageModel`) scored over sentences in stream order: for each
 * sentence, its words then </s>, each given <s> and the sentence so far (OOV words scored as
 * the model's unknown token).
 * @param model - the model (must have an unknown-word token, or the text no OOV words).
 * @param sentences - token arrays without boundaries.
 * @returns [Σ (m_i + 1)] natural-log probabilities.
 */
export function ngramStreamLogProbs(model: LanguageModel, sentences: Iterable<readonly string[]>): Float64Array {
  const out: number[] = [];
  const ctxLen = model.contextLength ?? Infinity;
  for (const sentence of sentences) {
    const words = sentence.map((w) => {
      if (model.vocabulary.has(w)) return w;
      if (model.unk === null) throw new ArgumentError(`ngramStreamLogProbs: expected words in the model's vocabulary (it has no unknown token), got ${JSON.stringify(w)}`);
      return model.unk;
    });
    const history = [BOS];
    for (const w of [...words, EOS]) {
      const context = ctxLen === Infinity ? history : history.slice(Math.max(0, history.length - ctxLen));
      out.push(model.logProb(w, context));
      history.push(w);
    }
  }
  return Float64Array.from(out);
}

function checkPair(fn: string, a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new ArgumentError(`${fn}: expected two arrays of the same length, got ${a.length} and ${b.length}`);
  if (a.length === 0) throw new ArgumentError(`${fn}: expected at least one token, got 0`);
}
