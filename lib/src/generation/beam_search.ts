/**
 * Beam search: keep the m best partial sequences instead of one (the lecture: "instead of
 * argmax one can … use beam search"; it "partly fixes" exposure bias, since one bad choice
 * need not be final). For one prompt, with m = `beamWidth`:
 *
 * 1. Feed the prompt. The live beam is { ε } (the empty continuation, log-probability 0).
 * 2. Extend every live hypothesis y by every token v: log P(y v) = log P(y) + ln p(v | prompt, y).
 *    Rank all extensions by log P (all have the same length, so normalised scores rank them
 *    the same way); ties: the earlier parent, then the smaller id.
 * 3. Walk down the ranking until m extensions that do not end in `stopAt` are collected: they
 *    are the next live beam. Every extension ending in `stopAt` met on the way is FINISHED and
 *    set aside (it no longer takes a place in the beam; Graves 2012, Sutskever et al. 2014).
 * 4. Stop when nothing is live, after `maxLength` new tokens (the live ones are then kept as
 *    TRUNCATED hypotheses, `truncated: true`), or — early stopping — once no live hypothesis can
 *    beat the n-th best finished one (n = `nBest`; n = 1: the best one), by the bound below.
 * 5. Return the n best of finished ∪ truncated by score, best first (the n-best list).
 *
 * The score of a hypothesis Y of |Y| new tokens (the stop token counted) is
 *     score(Y) = log P(Y) / lp(|Y|),
 * with lp = 1 (no normalisation, the default), lp(L) = L ("length": the mean log-probability per
 * token), or Wu et al. (2016)'s lp(L) = (5 + L)^α / (5 + 1)^α (`{ alpha }`; α = 0 is none).
 * Without normalisation short hypotheses win, since every token multiplies P by p < 1.
 *
 * The early-stopping bound. Let y be live with log P(y) = s ≤ 0. Any hypothesis Y that extends y
 * has log P(Y) ≤ s (each token adds ln p ≤ 0) and length |Y| ≤ maxLength, and lp is positive and
 * non-decreasing in L, so
 *     score(Y) = log P(Y) / lp(|Y|) ≤ s / lp(|Y|) ≤ s / lp(maxLength)      (s ≤ 0).
 * Without normalisation this is s itself, the usual "the best live log P is below the n-th
 * finished score" test, and scores only fall as a hypothesis grows. With normalisation the score
 * is NOT monotone — dividing a negative log P by a larger lp can raise it — so the bound divides
 * by the largest lp any descendant can have, lp(maxLength), not by the current length's (the
 * common heuristic s / lp(|y|) is not a bound and can stop too early). It is valid but loose:
 * it assumes the rest of the sequence is free and as long as allowed, so a small `maxLength`
 * makes it bite sooner. Stopping by it never changes the n-best list (tested against running
 * to `maxLength` and against exhaustive search).
 *
 * With beamWidth ≥ vocabSize^maxLength nothing is ever pruned, so the n-best list is the n best of
 * ALL sequences of at most maxLength tokens (the tests' oracle). `beamSearchBatch` runs several
 * prompts at once (all their live rows in one forward call per step).
 *
 * References: Graves 2012, "Sequence transduction with recurrent neural networks"; Sutskever,
 * Vinyals & Le 2014; Wu et al. 2016, "Google's neural machine translation system" (§7, the
 * length penalty); Koehn & Knowles 2017, "Six challenges for NMT" (beam size and length).
 */
import * as tf from "@tensorflow/tfjs";
import { EOS_ID } from "../data/vocab.js";
import { ArgumentError } from "../errors.js";
import type { CellState } from "../rnn/cell.js";
import { checkPrompt, feedPrompts, logSumExp, runLast, type NextTokenModel } from "./generate.js";

/** lp(L): none (1), "length" (L) or Wu et al.'s { alpha } ((5 + L)^α / 6^α). */
export type LengthNormalization = "none" | "length" | { alpha: number };

/** Options of `beamSearchBatch` (and `beamSearch` with its `prompt`). */
export interface BeamSearchBatchOptions {
  /** New tokens at most (≥ 1). Default: 100. */
  maxLength?: number;
  /** m ≥ 1, live hypotheses kept at each step. Default: 5. */
  beamWidth?: number;
  /** n ≥ 1, hypotheses returned (and the rank early stopping protects). Default: beamWidth. */
  nBest?: number;
  /** The id that finishes a hypothesis (included), or null for none. Default: `EOS_ID`. */
  stopAt?: number | null;
  /** lp(L) of the score (see the file comment). Default: "none". */
  lengthNormalization?: LengthNormalization;
  /** Stop once no live hypothesis can beat the n-th finished one (the bound in the file comment). Default: true. */
  earlyStopping?: boolean;
  /** The state before the prompt: one row, or one row per prompt. Default: `model.zeroStates`. */
  initialStates?: CellState[];
}

/** Options of `beamSearch`. */
export interface BeamSearchOptions extends BeamSearchBatchOptions {
  /** The ids fed first (non-empty). Default: `[EOS_ID]`. */
  prompt?: readonly number[];
}

/** One hypothesis of the n-best list. */
export interface BeamHypothesis {
  /** [n] the new ids; end with `stopAt` unless truncated. */
  ids: number[];
  /** [n] ln p_model(ids[t] | prompt, ids[<t]). */
  logProbs: number[];
  /** log P(Y) = Σ logProbs. */
  logProb: number;
  /** log P(Y) / lp(|Y|), the ranking score (= logProb without normalisation). */
  score: number;
  /** Cut at maxLength without reaching `stopAt`. */
  truncated: boolean;
}

/**
 * lp(L) of a normalisation (see the file comment).
 * @param norm - "none", "length" or { alpha ≥ 0 }.
 * @param L - the hypothesis length ≥ 1.
 */
export function lengthPenalty(norm: LengthNormalization, L: number): number {
  if (norm === "none") return 1;
  if (norm === "length") return L;
  return ((5 + L) / 6) ** norm.alpha;
}

/**
 * Beam search from one prompt (steps 1–5 of the file comment).
 * @param model - the LM.
 * @param options - prompt ([<EOS>]), maxLength (100), beamWidth (5), nBest (beamWidth), stopAt (<EOS>), lengthNormalization ("none"), earlyStopping (true), initialStates.
 * @returns the n-best list, best score first (`[0]` is the answer).
 */
export function beamSearch(model: NextTokenModel, options: BeamSearchOptions = {}): BeamHypothesis[] {
  const { prompt, ...rest } = options;
  return beamSearchBatch(model, [prompt === undefined ? [EOS_ID] : [...prompt]], rest)[0];
}

/** One prompt's search. */
interface Search {
  live: BeamHypothesis[];
  done: BeamHypothesis[];
  active: boolean;
}

/**
 * Beam search from several prompts at once, each with its own beam.
 * @param model - the LM.
 * @param prompts - P ≥ 1 non-empty id arrays.
 * @param options - as `beamSearch`.
 * @returns P n-best lists, in the prompts' order.
 */
export function beamSearchBatch(model: NextTokenModel, prompts: readonly (readonly number[])[], options: BeamSearchBatchOptions = {}): BeamHypothesis[][] {
  if (prompts.length < 1) throw new ArgumentError("beamSearch: expected at least one prompt, got 0");
  prompts.forEach((p, r) => checkPrompt("beamSearch", model, p, prompts.length === 1 ? "prompt" : `prompts[${r}]`));
  const maxLength = options.maxLength ?? 100;
  const m = options.beamWidth ?? 5;
  const n = options.nBest ?? m;
  for (const [name, v] of Object.entries({ maxLength, beamWidth: m, nBest: n })) {
    if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`beamSearch: expected ${name} an integer ≥ 1, got ${v}`);
  }
  const norm = options.lengthNormalization ?? "none";
  if (typeof norm === "object" ? !(norm.alpha >= 0 && Number.isFinite(norm.alpha)) : norm !== "none" && norm !== "length") {
    throw new ArgumentError(`beamSearch: expected lengthNormalization "none", "length" or { alpha ≥ 0 }, got ${JSON.stringify(norm)}`);
  }
  const stopAt = options.stopAt === undefined ? EOS_ID : options.stopAt;
  const early = options.earlyStopping ?? true;
  const lpMax = lengthPenalty(norm, maxLength);
  const searches: Search[] = prompts.map(() => ({ live: [{ ids: [], logProbs: [], logProb: 0, score: 0, truncated: false }], done: [], active: true }));
  let { logits, state } = feedPrompts(model, prompts, options.initialStates); // row r = live hypothesis 0 of prompt r
  let rowsOf: number[][] = searches.map((_, j) => [j]); // rowsOf[j][i] = state row of live hypothesis i of prompt j
  const vocabSize = logits.length / prompts.length;
  try {
    for (let t = 0; t < maxLength; t++) {
      const parents: number[] = [];
      const lastTokens: number[] = [];
      const nextRows: number[][] = [];
      searches.forEach((s, j) => {
        nextRows.push([]);
        if (!s.active) return;
        // 2. the extensions that can matter: each row's m + 1 best tokens (a token outside them is preceded
        //    by ≥ m non-stop extensions of its own row, so step 3 never reaches it)
        const cands: { parent: number; v: number; lp: number; logProb: number }[] = [];
        s.live.forEach((h, i) => {
          const z = logits.subarray(rowsOf[j][i] * vocabSize, (rowsOf[j][i] + 1) * vocabSize);
          const lse = logSumExp(z);
          for (const v of topIndices(z, m + 1)) cands.push({ parent: i, v, lp: z[v] - lse, logProb: h.logProb + z[v] - lse });
        });
        cands.sort((a, b) => b.logProb - a.logProb || a.parent - b.parent || a.v - b.v);
        // 3. the next beam; finished extensions set aside
        const live: BeamHypothesis[] = [];
        for (const c of cands) {
          if (live.length === m) break;
          const h = s.live[c.parent];
          const ids = [...h.ids, c.v];
          const ext: BeamHypothesis = { ids, logProbs: [...h.logProbs, c.lp], logProb: c.logProb, score: c.logProb / lengthPenalty(norm, ids.length), truncated: false };
          if (c.v === stopAt) s.done.push(ext);
          else {
            live.push(ext);
            parents.push(rowsOf[j][c.parent]);
            lastTokens.push(c.v);
            nextRows[j].push(parents.length - 1);
          }
        }
        s.live = live;
        // 4. stop: maxLength (live → truncated), nothing live, or the bound
        if (t === maxLength - 1) {
          for (const h of live) s.done.push({ ...h, truncated: true });
          s.active = false;
        } else if (live.length === 0) {
          s.active = false;
        } else if (early && s.done.length >= n) {
          const nth = [...s.done].sort(byScore)[n - 1].score;
          if (live[0].logProb / lpMax <= nth) s.active = false; // live[0] has the largest log P
        }
        if (!s.active) {
          // drop its rows from the next step
          for (const _ of nextRows[j]) {
            parents.pop();
            lastTokens.pop();
          }
          nextRows[j] = [];
        }
      });
      if (parents.length === 0) break;
      const gathered = tf.tidy(() => {
        const idx = tf.tensor1d(parents, "int32"); // [R']
        return state.map((s) => s.map((h) => tf.gather(h, idx) as tf.Tensor2D)); // each [R', H]
      });
      tf.dispose(state);
      state = gathered;
      const stepped = runLast(model, lastTokens.map((v) => [v]), state);
      tf.dispose(state);
      ({ logits, state } = stepped);
      rowsOf = nextRows;
    }
  } finally {
    tf.dispose(state);
  }
  // 5. the n-best list (stable sort: among equal scores, the one found first)
  return searches.map((s) => [...s.done].sort(byScore).slice(0, n));
}

const byScore = (a: BeamHypothesis, b: BeamHypothesis) => b.score - a.score;

/** The indices of the k largest entries of z (k ≤ z.length), in no particular order. */
function topIndices(z: ArrayLike<number>, k: number): number[] {
  if (k >= z.length) return Array.from({ length: z.length }, (_, v) => v);
  const top: number[] = []; // kept sorted by z descending, then index ascending
  for (let v = 0; v < z.length; v++) {
    if (top.length === k && !(z[v] > z[top[k - 1]])) continue;
    let i = top.length === k ? k - 1 : top.length;
    while (i > 0 && z[v] > z[top[i - 1]]) i--;
    top.splice(i, 0, v);
    if (top.length > k) top.pop();
  }
  return top;
}
