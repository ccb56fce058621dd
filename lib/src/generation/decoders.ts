/**
 * Decoders: the rule that turns the model's next-token logits z_t into one token. The
 * lecture's slide: "generate by feeding the argmax back in; instead of argmax one can sample
 * from the distribution" (beam search, which keeps several sequences, is beam_search.ts).
 *
 * - **argmax** (`ArgmaxDecoder`): y_t = argmax_v z_t[v], ties to the smallest id. With h₀ = 0
 *   and a fixed prompt it always writes the same text.
 * - **sampling** (`SamplingDecoder`), in this order (as Holtzman et al. 2020 and most toolkits):
 *   1. temperature τ > 0:  q(v) ∝ exp(z[v] / τ)   (τ = 1 the model itself, τ → 0 argmax, τ > 1 flatter);
 *   2. top-K (Fan et al. 2018): keep the K largest q(v) (ties: smaller id first), 0 elsewhere;
 *   3. top-p, nucleus (Holtzman et al. 2020): sort the kept tokens by q descending (ties: smaller
 *      id first) and keep the shortest prefix whose mass reaches p: Σ_{kept} q ≥ p (at least one token);
 *   4. renormalise and draw by inverse CDF with one uniform u ∈ [0, 1) from the caller's seeded
 *      generator (lib/src/random.ts `seededGenerator`), so a seed makes a run repeatable.
 * - **uniform** (`UniformDecoder`): every id with probability 1/vocabSize, whatever the model says —
 *   the replacement of Bengio et al.'s "uniform scheduled sampling" (scheduled_sampling.ts).
 *
 * ## Adding a decoder
 * Implement `Decoder` — a `name` and `choose(logits, random)` returning an id in [0, vocabSize) —
 * and pass the object wherever a decoder is taken (`generate`'s `strategy`, the scheduled
 * sampler's `replacement`). Draw only from `random` (never `Math.random`) so that runs repeat:
 *
 *     // min-p sampling: only tokens with p(v) ≥ minP · max p
 *     const minP: Decoder = {
 *       name: "min-p(0.1)",
 *       choose(z, random) {
 *         const q = new SamplingDecoder().distribution(z);
 *         const top = Math.max(...q);
 *         return sampleIndex(q.map((x) => (x >= 0.1 * top ? x : 0)), random);
 *       },
 *     };
 *
 * test/generation.test.ts plugs exactly such a decoder into `generate`.
 *
 * References: Holtzman, Buys, Du, Forbes & Choi 2020, "The curious case of neural text
 * degeneration" (nucleus sampling); Fan, Lewis & Dauphin 2018, "Hierarchical neural story
 * generation" (top-K); Bengio, Vinyals, Jaitly & Shazeer 2015 (uniform replacement).
 */
import { ArgumentError } from "../errors.js";

/** A strategy that picks the next token from the model's logits (see the file comment). */
export interface Decoder {
  /** A short name for tables, e.g. "argmax" or "sample(τ=0.8, top-p=0.9)". */
  readonly name: string;
  /**
   * @param logits - [vocabSize] the next-token logits z_t.
   * @param random - uniforms in [0, 1) from a seeded generator; a deterministic decoder ignores it.
   * @returns the chosen id in [0, vocabSize).
   */
  choose(logits: ArrayLike<number>, random: () => number): number;
}

/** argmax_v z[v], the smallest id on ties. */
export class ArgmaxDecoder implements Decoder {
  readonly name = "argmax";
  choose(logits: ArrayLike<number>): number {
    let best = 0;
    for (let v = 1; v < logits.length; v++) if (logits[v] > logits[best]) best = v;
    return best;
  }
}

/** Every id with probability 1/vocabSize: ⌊u · vocabSize⌋ (the logits give only vocabSize). */
export class UniformDecoder implements Decoder {
  readonly name = "uniform";
  choose(logits: ArrayLike<number>, random: () => number): number {
    return Math.min(logits.length - 1, Math.floor(random() * logits.length));
  }
}

/** Options of `SamplingDecoder`. */
export interface SamplingOptions {
  /** τ > 0. Default: 1 (the model's own distribution). */
  temperature?: number;
  /** Keep the K most likely tokens only (K ≥ 1). Default: all tokens. */
  topK?: number;
  /** Nucleus: keep the most likely tokens until their mass reaches p, p ∈ (0, 1]. Default: 1 (all tokens). */
  topP?: number;
}

/** Sampling from softmax(z / τ), optionally restricted to the top K and to the nucleus p (see the file comment). */
export class SamplingDecoder implements Decoder {
  readonly name: string;
  readonly temperature: number;
  readonly topK: number | undefined;
  readonly topP: number;

  /** @param options - temperature (default 1), topK (default all), topP (default 1). */
  constructor(options: SamplingOptions = {}) {
    const tau = options.temperature ?? 1;
    if (!(tau > 0) || !Number.isFinite(tau)) throw new ArgumentError(`SamplingDecoder: expected temperature > 0 (use "argmax" for τ → 0), got ${tau}`);
    if (options.topK !== undefined && (!Number.isInteger(options.topK) || options.topK < 1)) {
      throw new ArgumentError(`SamplingDecoder: expected topK an integer ≥ 1, got ${options.topK}`);
    }
    const p = options.topP ?? 1;
    if (!(p > 0 && p <= 1)) throw new ArgumentError(`SamplingDecoder: expected topP in (0, 1], got ${p}`);
    this.temperature = tau;
    this.topK = options.topK;
    this.topP = p;
    const parts = [`τ=${tau}`];
    if (this.topK !== undefined) parts.push(`top-${this.topK}`);
    if (p < 1) parts.push(`top-p=${p}`);
    this.name = `sample(${parts.join(", ")})`;
  }

  /**
   * The distribution the decoder samples from (steps 1–3 of the file comment), in float64.
   * @param logits - [vocabSize].
   * @returns q [vocabSize], summing to 1, 0 outside the kept tokens.
   */
  distribution(logits: ArrayLike<number>): Float64Array {
    const vocabSize = logits.length;
    // 1. temperature, stably: exp((z − max z) / τ)
    let max = -Infinity;
    for (let v = 0; v < vocabSize; v++) if (logits[v] > max) max = logits[v];
    const q = new Float64Array(vocabSize);
    let sum = 0;
    for (let v = 0; v < vocabSize; v++) sum += q[v] = Math.exp((logits[v] - max) / this.temperature);
    for (let v = 0; v < vocabSize; v++) q[v] /= sum;
    if (this.topK === undefined && this.topP === 1) return q;
    // 2–3. rank once (q descending, smaller id first), keep the top K, then the nucleus among them
    const order = Array.from({ length: vocabSize }, (_, v) => v).sort((a, b) => q[b] - q[a] || a - b);
    const K = Math.min(this.topK ?? vocabSize, vocabSize);
    let kept = K;
    if (this.topP < 1) {
      let massK = 0;
      for (let r = 0; r < K; r++) massK += q[order[r]];
      let mass = 0;
      for (kept = 0; kept < K; ) {
        mass += q[order[kept++]];
        if (mass >= this.topP * massK) break; // the nucleus of the top-K distribution
      }
    }
    const out = new Float64Array(vocabSize);
    let keptMass = 0;
    for (let r = 0; r < kept; r++) keptMass += q[order[r]];
    for (let r = 0; r < kept; r++) out[order[r]] = q[order[r]] / keptMass; // 4. renormalise
    return out;
  }

  choose(logits: ArrayLike<number>, random: () => number): number {
    if (this.topK !== undefined || this.topP < 1) return sampleIndex(this.distribution(logits), random);
    // the same draw without normalising: the first v with u·Σw < Σ_{≤v} w, w = exp((z − max z)/τ)
    const n = logits.length;
    let max = -Infinity;
    for (let v = 0; v < n; v++) if (logits[v] > max) max = logits[v];
    const w = new Float64Array(n);
    let sum = 0;
    for (let v = 0; v < n; v++) sum += w[v] = Math.exp((logits[v] - max) / this.temperature);
    const target = random() * sum;
    let cdf = 0;
    let last = 0;
    for (let v = 0; v < n; v++) {
      if (w[v] === 0) continue;
      cdf += w[v];
      last = v;
      if (target < cdf) return v;
    }
    return last;
  }
}

/**
 * One draw from a discrete distribution by inverse CDF: the first v with u < Σ_{w ≤ v} q(w).
 * @param q - [n] non-negative weights summing to 1 (up to rounding).
 * @param random - the uniform generator (one draw).
 * @returns an index with q > 0 (the last such one if u exceeds the rounded total).
 */
export function sampleIndex(q: ArrayLike<number>, random: () => number): number {
  const u = random();
  let cdf = 0;
  let last = -1;
  for (let v = 0; v < q.length; v++) {
    if (!(q[v] > 0)) continue;
    cdf += q[v];
    last = v;
    if (u < cdf) return v;
  }
  if (last < 0) throw new ArgumentError(`sampleIndex: expected a distribution with some mass, got ${q.length} zeros`);
  return last;
}

/** The decoder a `strategy` option names. */
export type DecoderChoice = "argmax" | "sample" | "uniform" | Decoder;

/**
 * Resolves a strategy name to a decoder.
 * @param strategy - "argmax", "sample", "uniform" or a `Decoder` (returned as is).
 * @param sampling - τ, top-K, top-p of "sample" (an error with another strategy: they would be ignored).
 */
export function makeDecoder(strategy: DecoderChoice, sampling: SamplingOptions = {}): Decoder {
  if (strategy === "sample") return new SamplingDecoder(sampling);
  const given = (Object.keys(sampling) as (keyof SamplingOptions)[]).filter((k) => sampling[k] !== undefined);
  const name = typeof strategy === "string" ? strategy : strategy.name;
  if (given.length > 0) throw new ArgumentError(`makeDecoder: expected ${given.join(", ")} only with strategy "sample", got strategy ${JSON.stringify(name)}`);
  if (strategy === "argmax") return new ArgmaxDecoder();
  if (strategy === "uniform") return new UniformDecoder();
  if (typeof strategy === "object" && strategy !== null && typeof strategy.choose === "function") return strategy;
  throw new ArgumentError(`makeDecoder: expected "argmax", "sample", "uniform" or a Decoder, got ${JSON.stringify(strategy)}`);
}
