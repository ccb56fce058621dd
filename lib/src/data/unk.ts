/**
 * Word dropout: the lecture's second `<UNK>` strategy.
 *
 * At every training step each word token is replaced by `<UNK>` independently with a small
 * probability p:
 *
 *   w̃_t = <UNK>  with probability p,   w̃_t = w_t  otherwise,
 *
 * so the model sees `<UNK>` in many contexts and learns a useful embedding (and prediction)
 * for it even when the vocabulary has few rare words. The first strategy, rare words →
 * `<UNK>` when the vocabulary is built, is `Vocab.fromSentences({ minCount, maxSize })`
 * (data/vocab.ts).
 *
 * Conventions:
 * - The special ids `<PAD>`, `<SOS>`, `<EOS>` (and `<UNK>` itself) are never replaced.
 * - Apply it to the INPUT ids of a batch (`inputs` of lm_batches.ts) and leave the targets
 *   alone — the model still has to predict the real next word from a noisier history.
 *   Applying it to the token stream before batching (inputs and targets) is also possible;
 *   then the model learns to predict `<UNK>` for rare contexts, as with build-time UNK.
 * - Randomness comes from a private seeded mulberry32 generator
 *   (`seededGenerator` of lib/src/random.ts): the same seed gives the same replacements,
 *   and the course's global sequence (`random()`) is left alone.
 *
 * Reference: Gal & Ghahramani 2016, "A theoretically grounded application of dropout in
 * recurrent neural networks" (word dropout); Iyyer et al. 2015 (word dropout for DANs).
 */
import { ArgumentError } from "../errors.js";
import { seededGenerator } from "../random.js";
import { EOS_ID, PAD_ID, SOS_ID, UNK_ID } from "./vocab.js";

/** Options of {@link WordDropout}. */
export interface WordDropoutOptions {
  /** Replacement probability p in [0, 1]. */
  p: number;
  /** Seed of the private generator (integer, taken mod 2^32). Default: 0. */
  seed?: number;
  /** Ids never replaced. Default: `[PAD_ID, UNK_ID, SOS_ID, EOS_ID]`. */
  keep?: readonly number[];
  /** The replacement id. Default: `UNK_ID` (1). */
  unkId?: number;
}

/** Replaces word ids by `<UNK>` with probability p, from its own seeded generator (see the file comment). */
export class WordDropout {
  /** The replacement probability. */
  readonly p: number;
  private readonly rng: () => number;
  private readonly keep: Set<number>;
  private readonly unkId: number;

  /** @param options - p (required), seed (default 0), keep (default the special ids), unkId (default 1). */
  constructor(options: WordDropoutOptions) {
    if (typeof options !== "object" || options === null) throw new ArgumentError(`WordDropout: expected options { p, seed?, keep?, unkId? }, got ${options === null ? "null" : typeof options}`);
    const { p } = options;
    // Named "wordDropout" (the option of trainLm and train-lm's --word-dropout that builds it), not the class.
    if (!(typeof p === "number" && Number.isFinite(p) && p >= 0 && p <= 1)) {
      throw new ArgumentError(`wordDropout: expected a probability in [0, 1], got ${typeof p === "number" ? p : JSON.stringify(p) ?? "nothing"}`);
    }
    const unkId = options.unkId ?? UNK_ID;
    if (!Number.isInteger(unkId) || unkId < 0) throw new ArgumentError(`unkId: expected an integer id ≥ 0, got ${unkId}`);
    this.p = p;
    this.rng = seededGenerator(options.seed ?? 0);
    this.keep = new Set(options.keep ?? [PAD_ID, UNK_ID, SOS_ID, EOS_ID]);
    this.unkId = unkId;
  }

  /**
   * Advances the generator by `n` draws, as if `apply` had been called on `n` ids: a run
   * resumed at epoch e skips the (e − 1) · N draws of the epochs before, and so makes the
   * same replacements as an uninterrupted run.
   * @param n - draws to skip, an integer ≥ 0.
   */
  skip(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`skip: expected an integer ≥ 0, got ${n}`);
    for (let i = 0; i < n; i++) this.rng();
  }

  /**
   * One training step's replacement. Draws one uniform per id (kept ids included, so the
   * stream of draws does not depend on the data) and returns a new array.
   * @param ids - [n] (any shape, flattened) token ids; not modified.
   * @returns int32 [n]: ids with each replaceable entry set to `unkId` with probability p.
   */
  apply(ids: ArrayLike<number>): Int32Array {
    const out = Int32Array.from(ids);
    for (let i = 0; i < out.length; i++) {
      const u = this.rng();
      if (u < this.p && !this.keep.has(out[i])) out[i] = this.unkId;
    }
    return out;
  }
}

/**
 * One-shot word dropout with a fresh generator: `new WordDropout({ p, seed }).apply(ids)`.
 * @param ids - [n] token ids.
 * @param p - replacement probability in [0, 1].
 * @param seed - generator seed. Default: 0.
 * @returns int32 [n] ids with words replaced by `UNK_ID` with probability p.
 */
export function wordDropout(ids: ArrayLike<number>, p: number, seed = 0): Int32Array {
  return new WordDropout({ p, seed }).apply(ids);
}
