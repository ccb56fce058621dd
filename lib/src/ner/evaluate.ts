/**
 * Entity-level scoring with the semantics of `conlleval.pl` (the CoNLL-2000–2003 shared
 * tasks' scorer, Tjong Kim Sang & De Meulder 2003):
 *
 *   1. the chunks of each sentence, gold and predicted, are read with conlleval's rules
 *      (ner/tag_scheme.ts `tagsToSpans`): a chunk starts at B-X, at I-X after O, and at any
 *      tag whose type differs from the previous tag's; IOBES is mapped to IOB2 first;
 *      sentence ends close chunks;
 *   2. a predicted chunk is correct only if a gold chunk has the same start, end and type;
 *   3. per type X and overall:
 *        precision P = correct / predicted,  recall R = correct / gold,
 *        F1 = 2PR / (P + R)     (each 0 when its denominator is 0);
 *   4. token accuracy = tokens whose predicted tag equals the gold tag (as written, before
 *      any mapping) / all tokens — every token counts, O included.
 *
 * Step 2 on chunk sets gives conlleval's counts: test/ner-conlleval.test.ts checks it
 * against a line-by-line port of the Perl state machine on random tag sequences, and on
 * fixtures whose numbers are derived by hand there.
 *
 * `strict: true` reads chunks by the scheme's strict rules: an invalid transition (IOB2's
 * I-X after O, …) is a `TagError` naming the sentence and token — seqeval's strict mode
 * drops such chunks silently instead; lenient (the default) is conlleval's reading.
 *
 * Values are fractions in [0, 1]; ner/conlleval.ts prints conlleval's report in percent.
 */
import { ArgumentError } from "../errors.js";
import { TagError } from "./errors.js";
import { detectScheme, tagsToSpans } from "./tag_scheme.js";
import { compareCodePoints } from "./tag_set.js";
import type { TagScheme } from "./types.js";

/** Counts and scores of one entity type, or of all together. */
export interface ChunkScores {
  /** Chunks in the gold tags. */
  gold: number;
  /** Chunks in the predicted tags. */
  predicted: number;
  /** Predicted chunks with a gold chunk of the same start, end and type. */
  correct: number;
  /** correct / predicted, 0 if none predicted. */
  precision: number;
  /** correct / gold, 0 if none in gold. */
  recall: number;
  /** 2PR / (P + R), 0 if P + R = 0. */
  f1: number;
}

/** The result of {@link evaluateNer}. */
export interface NerEvaluation extends ChunkScores {
  /** Tokens scored. */
  tokens: number;
  /** Tokens whose predicted tag equals the gold tag. */
  correctTags: number;
  /** correctTags / tokens (0 for no tokens). */
  accuracy: number;
  /** Per type, for every type found in gold or prediction, keys in code-point order (as conlleval sorts them). */
  perType: Record<string, ChunkScores>;
}

/** Options of {@link evaluateNer}. */
export interface EvaluateOptions {
  /**
   * The tags' scheme. "auto": IOBES if any tag (gold or predicted) starts with E- or S-, else
   * IOB2, whose lenient reading also reads IOB1 and IO (with `strict`, "auto" detects the
   * scheme from the gold tags, ner/tag_scheme.ts `detectScheme`). Default: "auto".
   */
  scheme?: TagScheme | "auto";
  /** Invalid transitions are TagErrors (see the file comment). Default: false. */
  strict?: boolean;
  /** Names the data in messages ("dev set", a file). Default: "evaluateNer". */
  source?: string;
}

/**
 * Scores predicted tags against gold tags (see the file comment).
 * @param gold - [N][L_n] the gold tags of N sentences.
 * @param predicted - [N][L_n] the predicted tags, same lengths.
 * @param options - scheme (default "auto"), strict (default false), source.
 * @returns overall and per-type counts and scores, and token accuracy.
 * @throws ArgumentError when the sentence counts or lengths differ; TagError for a tag
 *   outside the scheme or (strict) an invalid transition, naming sentence and token.
 */
export function evaluateNer(gold: ReadonlyArray<readonly string[]>, predicted: ReadonlyArray<readonly string[]>, options: EvaluateOptions = {}): NerEvaluation {
  const source = options.source ?? "evaluateNer";
  if (gold.length !== predicted.length) throw new ArgumentError(`${source}: expected ${gold.length} predicted sentences (as many as gold), got ${predicted.length}`);
  gold.forEach((g, n) => {
    if (predicted[n].length !== g.length) throw new ArgumentError(`${source}: sentence ${n}: expected ${g.length} predicted tags (as many as gold), got ${predicted[n].length}`);
  });
  const strict = options.strict === true;
  const scheme = resolveScheme(options.scheme ?? "auto", gold, predicted, strict, source);
  const counts = new Map<string, { gold: number; predicted: number; correct: number }>();
  const count = (type: string) => {
    let c = counts.get(type);
    if (c === undefined) counts.set(type, (c = { gold: 0, predicted: 0, correct: 0 }));
    return c;
  };
  let tokens = 0;
  let correctTags = 0;
  for (let n = 0; n < gold.length; n++) {
    const where = (which: string) => (i: number) => `${source}: sentence ${n}, token ${i} (${which})`;
    const g = tagsToSpans(gold[n], scheme, { strict, where: where("gold") });
    const p = tagsToSpans(predicted[n], scheme, { strict, where: where("predicted") });
    const goldKeys = new Set(g.map((s) => `${s.start} ${s.end} ${s.type}`));
    for (const s of g) count(s.type).gold++;
    for (const s of p) {
      const c = count(s.type);
      c.predicted++;
      if (goldKeys.has(`${s.start} ${s.end} ${s.type}`)) c.correct++;
    }
    tokens += gold[n].length;
    for (let i = 0; i < gold[n].length; i++) if (gold[n][i] === predicted[n][i]) correctTags++;
  }
  const perType: Record<string, ChunkScores> = {};
  let total = { gold: 0, predicted: 0, correct: 0 };
  for (const type of [...counts.keys()].sort(compareCodePoints)) {
    const c = counts.get(type)!;
    perType[type] = scores(c);
    total = { gold: total.gold + c.gold, predicted: total.predicted + c.predicted, correct: total.correct + c.correct };
  }
  return { ...scores(total), tokens, correctTags, accuracy: tokens === 0 ? 0 : correctTags / tokens, perType };
}

/** Step 3 of the file comment. */
export function scores(c: { gold: number; predicted: number; correct: number }): ChunkScores {
  const precision = c.predicted === 0 ? 0 : c.correct / c.predicted;
  const recall = c.gold === 0 ? 0 : c.correct / c.gold;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { ...c, precision, recall, f1 };
}

function resolveScheme(
  scheme: TagScheme | "auto",
  gold: ReadonlyArray<readonly string[]>,
  predicted: ReadonlyArray<readonly string[]>,
  strict: boolean,
  source: string,
): TagScheme {
  if (scheme !== "auto") return scheme;
  if (strict) {
    try {
      return detectScheme(gold, (n, i) => `${source}: sentence ${n}, token ${i} (gold)`).scheme;
    } catch (e) {
      if (e instanceof TagError) throw new TagError(`${e.message} (strict evaluation with scheme "auto" detects it from the gold tags)`);
      throw e;
    }
  }
  const iobes = (tags: ReadonlyArray<readonly string[]>) => tags.some((s) => s.some((t) => typeof t === "string" && (t.startsWith("E-") || t.startsWith("S-"))));
  return iobes(gold) || iobes(predicted) ? "IOBES" : "IOB2";
}
