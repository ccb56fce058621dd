/**
 * Generating text from a language model: the lecture's three decoders — argmax, sampling
 * and beam search — over any model with the LM's `forward` (lm/rnn_lm.ts's `RnnLm`, a
 * char-level LM, a student's own model).
 *
 * Generation feeds one token at a time and carries the recurrent state:
 *
 *     s_0, z_1 = forward(prompt, zeros)                  the prompt in one call
 *     y_t ~ decoder(p_t),  p_t = softmax(z_t)           one token
 *     s_t, z_{t+1} = forward([y_t], s_{t-1})             one step, state carried
 *
 * until `maxLength` new tokens or the `stopAt` token (included in the output).
 *
 * Decoders (`Decoder`, a strategy object; a student can add their own, e.g. nucleus):
 * - **argmax**: y_t = argmax_v z_t[v] (ties: the smallest id);
 * - **sampling** with temperature τ > 0 and optional top-K:
 *     q_t(v) ∝ exp(z_t[v] / τ) over the K largest z_t[v] (all of them without top-K), 0 elsewhere,
 *   drawn by inverse CDF with a uniform from `seededGenerator(seed)` (lib/src/random.ts), so
 *   a seed makes it repeatable; τ → 0 approaches argmax, τ = 1 samples the model itself.
 * - **beam search** (`beamSearch`): keeps the `beamWidth` best partial sequences by the score
 *   Σ ln p(y_t | y_<t); a sequence ending in `stopAt` is finished. With beamWidth ≥ vocabSize^L it
 *   never prunes, so it returns the best of all sequences of length ≤ L (the test's oracle).
 *
 * The prompt: our token streams use `<EOS>` as the sentence boundary (lm/train_lm.ts's
 * `encodeStream` starts with `<EOS>` and ends every sentence with it; `<SOS>` is only used by
 * per-sentence batches), so the default prompt is `[<EOS>]`: "a new sentence starts here".
 *
 * Returned log-probabilities are always the MODEL's, ln p(y_t | prompt, y_<t) at τ = 1, not
 * those of the decoder's modified distribution, so Σ logProbs scores the text under the LM.
 *
 * Reference: Graves 2013, "Generating sequences with recurrent neural networks"; Holtzman et
 * al. 2020, "The curious case of neural text degeneration" (temperature, top-K, nucleus).
 */
import * as tf from "@tensorflow/tfjs";
import { EOS_ID } from "../data/vocab.js";
import { ArgumentError } from "../errors.js";
import { seededGenerator } from "../random.js";
import type { CellState } from "../rnn/cell.js";

/** What generation needs of a model (`RnnLm` has it). */
export interface NextTokenModel {
  /**
   * @param inputs - int32 [B, T] token ids.
   * @param initialStates - the state to start from (default zeros).
   * @returns logits [B, T, vocabSize] of the next token at every position and the final states.
   */
  forward(inputs: tf.Tensor2D, initialStates?: CellState[]): { logits: tf.Tensor3D; finalStates: CellState[] };
  /** Zero states for B rows. */
  zeroStates(B: number): CellState[];
  /** vocabSize, if known: prompt ids are then checked before the model runs (`RnnLm` gives it through `config.vocabSize`). */
  readonly vocabSize?: number;
}

/** A strategy that picks the next token from the model's logits (see the file comment). */
export interface Decoder {
  /** A short name for tables, e.g. "argmax". */
  readonly name: string;
  /**
   * @param logits - [vocabSize] the next-token logits z_t.
   * @param random - a uniform generator in [0, 1) (seeded by the caller); a deterministic decoder ignores it.
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

/** Options of `SamplingDecoder`. */
export interface SamplingOptions {
  /** τ > 0. Default: 1 (the model's own distribution). */
  temperature?: number;
  /** Sample among the K most likely tokens only (K ≥ 1). Default: all tokens. */
  topK?: number;
}

/** Sampling from softmax(z / τ), optionally restricted to the top K (see the file comment). */
export class SamplingDecoder implements Decoder {
  readonly name: string;
  readonly temperature: number;
  readonly topK: number | undefined;

  /** @param options - temperature (default 1), topK (default all). */
  constructor(options: SamplingOptions = {}) {
    const tau = options.temperature ?? 1;
    if (!(tau > 0) || !Number.isFinite(tau)) throw new ArgumentError(`SamplingDecoder: expected temperature > 0 (use "argmax" for τ → 0), got ${tau}`);
    if (options.topK !== undefined && (!Number.isInteger(options.topK) || options.topK < 1)) {
      throw new ArgumentError(`SamplingDecoder: expected topK an integer ≥ 1, got ${options.topK}`);
    }
    this.temperature = tau;
    this.topK = options.topK;
    this.name = `sample(τ=${tau}${this.topK === undefined ? "" : `, top-${this.topK}`})`;
  }

  /**
   * The distribution the decoder samples from, in float64.
   * @param logits - [vocabSize].
   * @returns q [vocabSize], summing to 1.
   */
  distribution(logits: ArrayLike<number>): Float64Array {
    const vocabSize = logits.length;
    const keep = new Uint8Array(vocabSize).fill(1);
    if (this.topK !== undefined && this.topK < vocabSize) {
      const order = Array.from({ length: vocabSize }, (_, v) => v).sort((a, b) => logits[b] - logits[a] || a - b);
      keep.fill(0);
      for (let r = 0; r < this.topK; r++) keep[order[r]] = 1;
    }
    let max = -Infinity;
    for (let v = 0; v < vocabSize; v++) if (keep[v] === 1 && logits[v] > max) max = logits[v];
    const q = new Float64Array(vocabSize);
    let sum = 0;
    for (let v = 0; v < vocabSize; v++) {
      if (keep[v] === 0) continue;
      q[v] = Math.exp((logits[v] - max) / this.temperature);
      sum += q[v];
    }
    for (let v = 0; v < vocabSize; v++) q[v] /= sum;
    return q;
  }

  choose(logits: ArrayLike<number>, random: () => number): number {
    const q = this.distribution(logits);
    const u = random();
    let cdf = 0;
    let last = 0;
    for (let v = 0; v < q.length; v++) {
      if (q[v] === 0) continue;
      cdf += q[v];
      last = v;
      if (u < cdf) return v;
    }
    return last; // u ≥ the rounded total: the last token with mass
  }
}

/** Options of `generate` / `generateMany`. */
export interface GenerateOptions {
  /** The ids fed before generating (non-empty). Default: `[EOS_ID]` (see the file comment). */
  prompt?: readonly number[];
  /** New tokens at most (≥ 1). Default: 100. */
  maxLength?: number;
  /** "argmax", "sample" or any `Decoder`. Default: "sample". */
  strategy?: "argmax" | "sample" | Decoder;
  /** τ of "sample". Default: 1. */
  temperature?: number;
  /** top-K of "sample". Default: all tokens. */
  topK?: number;
  /** Stop after generating this id (it is included), or null to always make maxLength tokens. Default: `EOS_ID`. */
  stopAt?: number | null;
  /** Seed of the sampling generator. Default: 0. */
  seed?: number;
}

/** One generated sequence. */
export interface Generation {
  /** [n] the new ids (without the prompt), n ≤ maxLength; ends with `stopAt` if it was reached. */
  ids: number[];
  /** [n] ln p_model(ids[t] | prompt, ids[<t]) at τ = 1. */
  logProbs: number[];
}

/**
 * Generates one sequence (see the file comment).
 * @param model - the LM.
 * @param options - prompt (default [<EOS>]), maxLength (100), strategy ("sample"), temperature (1), topK, stopAt (<EOS>), seed (0).
 * @returns the new ids and their log-probabilities.
 */
export function generate(model: NextTokenModel, options: GenerateOptions = {}): Generation {
  return generateMany(model, 1, options)[0];
}

/**
 * Generates `count` sequences from the same prompt at once (one batch row each); the
 * sampling draws come from one seeded generator, row by row at each step.
 * @param model - the LM.
 * @param count - rows R ≥ 1.
 * @param options - as `generate`.
 * @returns R generations.
 */
export function generateMany(model: NextTokenModel, count: number, options: GenerateOptions = {}): Generation[] {
  const prompt = checkPrompt("generate", model, options.prompt);
  const maxLength = options.maxLength ?? 100;
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new ArgumentError(`generate: expected maxLength an integer ≥ 1, got ${maxLength}`);
  if (!Number.isInteger(count) || count < 1) throw new ArgumentError(`generate: expected count an integer ≥ 1, got ${count}`);
  const strategy = options.strategy ?? "sample";
  const decoder: Decoder =
    strategy === "argmax"
      ? new ArgmaxDecoder()
      : strategy === "sample"
        ? new SamplingDecoder({ temperature: options.temperature, topK: options.topK })
        : strategy;
  const stopAt = options.stopAt === undefined ? EOS_ID : options.stopAt;
  const random = seededGenerator(options.seed ?? 0);
  const R = count;
  const out: Generation[] = Array.from({ length: R }, () => ({ ids: [], logProbs: [] }));
  const done = new Array<boolean>(R).fill(false);
  const rows = Array.from({ length: R }, () => prompt);
  let { logits, state } = step(model, rows, undefined); // [R, vocabSize]
  const vocabSize = logits.length / R;
  try {
    for (let t = 0; t < maxLength; t++) {
      const next = new Array<number>(R).fill(stopAt ?? 0);
      for (let r = 0; r < R; r++) {
        if (done[r]) continue;
        const z = logits.subarray(r * vocabSize, (r + 1) * vocabSize); // [vocabSize]
        const y = decoder.choose(z, random);
        if (!Number.isInteger(y) || y < 0 || y >= vocabSize) throw new ArgumentError(`generate: expected decoder ${decoder.name} to return an id in [0, ${vocabSize}), got ${y}`);
        next[r] = y;
        out[r].ids.push(y);
        out[r].logProbs.push(logSoftmaxAt(z, y));
        if (y === stopAt) done[r] = true;
      }
      if (t === maxLength - 1 || !done.includes(false)) break;
      const r2 = step(model, next.map((y) => [y]), state);
      tf.dispose(state);
      ({ logits, state } = r2);
    }
  } finally {
    tf.dispose(state);
  }
  return out;
}

/** Options of `beamSearch`. */
export interface BeamSearchOptions {
  /** The ids fed first (non-empty). Default: `[EOS_ID]`. */
  prompt?: readonly number[];
  /** New tokens at most (≥ 1). Default: 100. */
  maxLength?: number;
  /** K ≥ 1, live hypotheses kept at each step. Default: 5. */
  beamWidth?: number;
  /** The id that finishes a hypothesis (included), or null for none. Default: `EOS_ID`. */
  stopAt?: number | null;
}

/** One beam-search result: ids, per-token ln p, and the score Σ ln p. */
export interface BeamHypothesis extends Generation {
  /** Σ logProbs. */
  score: number;
}

/**
 * Beam search by total log-probability (see the file comment):
 * 1. feed the prompt; the live set is the empty continuation with score 0;
 * 2. at each step extend every live hypothesis by every token v (score + ln p(v | ·)),
 *    sort all extensions by score (ties: earlier hypothesis, then smaller id), keep the best K;
 * 3. kept extensions ending in `stopAt` move to the finished list, the others stay live
 *    (their states gathered from their parents' rows);
 * 4. after `maxLength` steps (or when nothing is live) the live ones join the finished.
 * @param model - the LM.
 * @param options - prompt ([<EOS>]), maxLength (100), beamWidth (5), stopAt (<EOS>).
 * @returns every finished hypothesis, best score first (`[0]` is the answer).
 */
export function beamSearch(model: NextTokenModel, options: BeamSearchOptions = {}): BeamHypothesis[] {
  const prompt = checkPrompt("beamSearch", model, options.prompt);
  const maxLength = options.maxLength ?? 100;
  const K = options.beamWidth ?? 5;
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new ArgumentError(`beamSearch: expected maxLength an integer ≥ 1, got ${maxLength}`);
  if (!Number.isInteger(K) || K < 1) throw new ArgumentError(`beamSearch: expected beamWidth an integer ≥ 1, got ${K}`);
  const stopAt = options.stopAt === undefined ? EOS_ID : options.stopAt;
  const finished: BeamHypothesis[] = [];
  let live: BeamHypothesis[] = [{ ids: [], logProbs: [], score: 0 }];
  let { logits, state } = step(model, [prompt], undefined); // [1, vocabSize]
  const vocabSize = logits.length;
  try {
    for (let t = 0; t < maxLength && live.length > 0; t++) {
      // 2. every extension of every live hypothesis
      const cands: { parent: number; v: number; lp: number; score: number }[] = [];
      live.forEach((h, r) => {
        const z = logits.subarray(r * vocabSize, (r + 1) * vocabSize);
        const lse = logSumExp(z);
        for (let v = 0; v < vocabSize; v++) cands.push({ parent: r, v, lp: z[v] - lse, score: h.score + z[v] - lse });
      });
      cands.sort((a, b) => b.score - a.score || a.parent - b.parent || a.v - b.v);
      // 3. keep K; finished ones leave the beam
      const nextLive: BeamHypothesis[] = [];
      const parents: number[] = [];
      for (const c of cands.slice(0, K)) {
        const h = live[c.parent];
        const ext = { ids: [...h.ids, c.v], logProbs: [...h.logProbs, c.lp], score: c.score };
        if (c.v === stopAt) finished.push(ext);
        else {
          nextLive.push(ext);
          parents.push(c.parent);
        }
      }
      live = nextLive;
      if (live.length === 0 || t === maxLength - 1) break;
      const gathered = tf.tidy(() => {
        const idx = tf.tensor1d(parents, "int32"); // [K']
        return state.map((s) => s.map((h) => tf.gather(h, idx) as tf.Tensor2D)); // each [K', H]
      });
      tf.dispose(state);
      const r2 = step(model, live.map((h) => [h.ids[h.ids.length - 1]]), gathered);
      tf.dispose(gathered);
      ({ logits, state } = r2);
    }
  } finally {
    tf.dispose(state);
  }
  // 4. the unfinished ones count too (they reached maxLength)
  return [...finished, ...live].sort((a, b) => b.score - a.score);
}

/** Runs the model on R rows of equal length from `state`; returns the last step's logits [R·vocabSize] and the final state. */
function step(model: NextTokenModel, rows: readonly (readonly number[])[], state: CellState[] | undefined): { logits: Float32Array; state: CellState[] } {
  const R = rows.length;
  const T = rows[0].length;
  const ids = new Int32Array(R * T);
  rows.forEach((row, r) => ids.set(row, r * T));
  const x = tf.tensor2d(ids, [R, T], "int32"); // [R, T]
  const initial = state ?? model.zeroStates(R);
  const { logits, finalStates } = model.forward(x, initial); // [R, T, vocabSize]
  const vocabSize = logits.shape[2];
  const last = tf.tidy(() => tf.reshape(tf.slice(logits, [0, T - 1, 0], [R, 1, vocabSize]), [R * vocabSize])); // [R·vocabSize]
  const values = last.dataSync() as Float32Array;
  tf.dispose([x, logits, last]);
  if (state === undefined) tf.dispose(initial);
  return { logits: values, state: finalStates };
}

function checkPrompt(where: string, model: NextTokenModel, prompt: readonly number[] | undefined): number[] {
  const p = prompt === undefined ? [EOS_ID] : [...prompt];
  if (p.length === 0) throw new ArgumentError(`${where}: expected a non-empty prompt (e.g. [EOS_ID]), got []`);
  const vocabSize = model.vocabSize ?? (model as { config?: { vocabSize?: unknown } }).config?.vocabSize;
  const limit = typeof vocabSize === "number" ? vocabSize : Infinity;
  p.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id >= limit) throw new ArgumentError(`${where}: expected prompt[${i}] an integer id in [0, ${limit}), got ${id}`);
  });
  return p;
}

/** ln Σ exp z, stably, in float64. */
function logSumExp(z: ArrayLike<number>): number {
  let max = -Infinity;
  for (let v = 0; v < z.length; v++) if (z[v] > max) max = z[v];
  let s = 0;
  for (let v = 0; v < z.length; v++) s += Math.exp(z[v] - max);
  return max + Math.log(s);
}

/** ln softmax(z)[y]. */
function logSoftmaxAt(z: ArrayLike<number>, y: number): number {
  return z[y] - logSumExp(z);
}
