/**
 * The experiments of notebook `07-ner`: the lecture's three taggers (and the CRF tagger with
 * char features) on CoNLL-2003 English and Collection5 Russian, with random-initialised
 * embeddings, several seeds, the dev-selected epoch, and test F1 with conlleval's semantics
 * (ner/evaluate.ts, lenient reading; also with decoding constrained to valid IOB2).
 *
 * | model                | tagger (lib/src/tagging/)              | chars |
 * | -------------------- | -------------------------------------- | ----- |
 * | LSTM                 | LstmTagger, left to right (softmax)    | no    |
 * | biLSTM               | LstmTagger, bidirectional (softmax)    | no    |
 * | biLSTM-CRF           | BiLstmCrfTagger                        | no    |
 * | biLSTM-CRF + chars   | BiLstmCrfTagger with the char biLSTM   | yes   |
 *
 * Sizes and schedule of the `full` profile (`FULL_NER_RUNS`, after Lample et al. 2016
 * §4): E = 100, H = 100 per direction, Ec = Hc = 25, dropout 0.5 on the LSTM input,
 * singletons replaced by `<UNK>` with p = 0.5; Adam (lr 1e-3, instead of their SGD with
 * batch 1), batches of 32 sentences, gradients clipped at 5, at most 50 epochs, stopping 5
 * epochs after the best dev F1; seeds 1, 2, 3. Each run is `trainNerTagger`
 * (tagging/train_ner_tagger.ts) with a checkpoint folder `<root>/<name>`, so the runs can
 * be made beforehand, in parallel, by `lib/scripts/train-ner-runs.js` — the notebook then
 * loads them and only evaluates.
 *
 * One variant beside the comparison (`EXTRA_NER_RUNS`, trained by the same script, reported in
 * the notebook's text): biLSTM-CRF + chars with lower-cased word ids and a capitalisation
 * embedding (Ecaps = 5; tagging/word_inputs.ts), the spelling feature of Huang et al. and
 * Collobert et al., on CoNLL-2003.
 *
 * Published points (test F1, CoNLL-2003 English): Huang et al. 2015 with random embeddings
 * (and their hand-made spelling features) — LSTM 79.82, BI-LSTM 81.11, BI-LSTM-CRF 84.26;
 * Lample et al. 2016's LSTM-CRF with chars, dropout and pretrained embeddings 90.94, whose
 * Table 4 starts from 83.63 with random embeddings (a gap of about 7.3).
 */
import * as tf from "@tensorflow/tfjs";
import { MissingDataError } from "../datasets/folder.js";
import { loadCollection5 } from "../ner/collection5.js";
import { loadConll2003 } from "../ner/conll2003.js";
import type { ChunkScores } from "../ner/evaluate.js";
import { tagsToSpans } from "../ner/tag_scheme.js";
import { toyNerDataset } from "../ner/toy_corpus.js";
import { TagSet } from "../ner/tag_set.js";
import type { NerDataset, NerSentence, TokenSpan } from "../ner/types.js";
import { barChart, heatmap, type Figure } from "../plot/figure.js";
import { BiLstmCrfTagger } from "../tagging/bilstm_crf.js";
import { isAllowedPath, transitionConstraints } from "../tagging/constraints.js";
import { evaluateTagger } from "../tagging/predict.js";
import { trainNerTagger, type NerTaggerSpec, type TrainNerTaggerOptions } from "../tagging/train_ner_tagger.js";
import type { TaggerEpochRecord } from "../tagging/train_tagger.js";

/** The four models of the comparison, and the variant of `EXTRA_NER_RUNS`. */
export type NerModelName = "lstm" | "bilstm" | "bilstm-crf" | "bilstm-crf-chars" | "bilstm-crf-chars-caps";

/** The models in the lecture's order. */
export const NER_MODEL_NAMES: readonly NerModelName[] = ["lstm", "bilstm", "bilstm-crf", "bilstm-crf-chars"];

/** The corpora of the comparison. */
export type NerCorpusName = "conll2003" | "collection5";

/** Each model's architecture at the `full` profile's sizes (see the file comment). */
export const NER_MODELS: Readonly<Record<NerModelName, Omit<NerTaggerSpec, "train">>> = {
  lstm: { label: "LSTM", kind: "lstm", embeddingSize: 100, hiddenSize: 100, dropout: 0.5 },
  bilstm: { label: "biLSTM", kind: "bilstm", embeddingSize: 100, hiddenSize: 100, dropout: 0.5 },
  "bilstm-crf": { label: "biLSTM-CRF", kind: "bilstm-crf", embeddingSize: 100, hiddenSize: 100, dropout: 0.5 },
  "bilstm-crf-chars": { label: "biLSTM-CRF + chars", kind: "bilstm-crf", embeddingSize: 100, hiddenSize: 100, dropout: 0.5, chars: { embeddingSize: 25, hiddenSize: 25 } },
  "bilstm-crf-chars-caps": {
    label: "biLSTM-CRF + chars + caps (lower-cased words)", kind: "bilstm-crf", embeddingSize: 100, hiddenSize: 100, dropout: 0.5,
    chars: { embeddingSize: 25, hiddenSize: 25 }, caps: { embeddingSize: 5 }, vocab: { lowercase: true },
  },
};

/** The `full` profile's schedule (see the file comment). */
export const FULL_NER_SCHEDULE: NonNullable<NerTaggerSpec["train"]> = { epochs: 50, patience: 5, batchSize: 32, optimizer: "adam", learningRate: 1e-3, clip: 5, wordDropout: 0.5 };

/** The `full` profile's seeds. */
export const FULL_NER_SEEDS: readonly number[] = [1, 2, 3];

/** One run of the comparison: a model on a corpus with a seed. */
export interface NerRunSpec {
  /** Its checkpoint folder's name, e.g. "conll2003-bilstm-crf-chars-s1". */
  name: string;
  corpus: NerCorpusName;
  model: NerModelName;
  seed: number;
  /** The tagger and schedule. */
  spec: NerTaggerSpec;
}

/**
 * The runs of the `full` profile, by name: every model × corpus × seed, in the order the
 * notebook shows them. `lib/scripts/train-ner-runs.js` trains them into
 * build/runs/07-ner/<name>.
 */
export const FULL_NER_RUNS: Readonly<Record<string, NerRunSpec>> = Object.fromEntries(
  (["conll2003", "collection5"] as const).flatMap((corpus) =>
    NER_MODEL_NAMES.flatMap((model) =>
      FULL_NER_SEEDS.map((seed): [string, NerRunSpec] => {
        const name = `${corpus}-${model}-s${seed}`;
        return [name, { name, corpus, model, seed, spec: { ...NER_MODELS[model], train: FULL_NER_SCHEDULE } }];
      }),
    ),
  ),
);

/**
 * The variant beside the comparison (see the file comment): biLSTM-CRF + chars + caps on
 * CoNLL-2003, the `full` schedule, seeds 1–3; `lib/scripts/train-ner-runs.js` trains them too.
 */
export const EXTRA_NER_RUNS: Readonly<Record<string, NerRunSpec>> = Object.fromEntries(
  FULL_NER_SEEDS.map((seed): [string, NerRunSpec] => {
    const name = `conll2003-bilstm-crf-chars-caps-s${seed}`;
    return [name, { name, corpus: "conll2003", model: "bilstm-crf-chars-caps", seed, spec: { ...NER_MODELS["bilstm-crf-chars-caps"], train: FULL_NER_SCHEDULE } }];
  }),
);

/**
 * The `ci` profile's runs: the same four models, small (E = H = 32, Ec = Hc = 16, dropout
 * 0.3), 3 epochs of Adam at lr 0.01 in batches of 16 — minutes become seconds, on a few
 * hundred sentences.
 * @param corpus - the corpus name (for the run names).
 * @param seeds - the seeds.
 */
export function smallNerRuns(corpus: NerCorpusName, seeds: readonly number[]): NerRunSpec[] {
  return NER_MODEL_NAMES.flatMap((model) =>
    seeds.map((seed) => {
      const m = NER_MODELS[model];
      const spec: NerTaggerSpec = {
        ...m,
        embeddingSize: 32,
        hiddenSize: 32,
        dropout: 0.3,
        chars: m.chars == null ? null : { embeddingSize: 16, hiddenSize: 16 },
        train: { epochs: 3, patience: 3, batchSize: 16, learningRate: 0.01, wordDropout: 0.3 },
      };
      return { name: `${corpus}-${model}-s${seed}`, corpus, model, seed, spec };
    }),
  );
}

/** Sizes of a corpus subset (the `ci` profile): the first sentences of each split. Default: all. */
export interface NerCorpusOptions {
  maxTrain?: number;
  maxDev?: number;
  maxTest?: number;
  /** The data folder. Default: SEQLAB_DATA, else ~/.cache/seqlab. */
  dataDir?: string;
}

/**
 * A corpus of the comparison, optionally cut to its first sentences.
 * @param name - "conll2003" or "collection5".
 * @param options - maxTrain, maxDev, maxTest, dataDir.
 * @throws MissingDataError when its files are not in the data folder (the message says where to put them).
 */
export function nerCorpus(name: NerCorpusName, options: NerCorpusOptions = {}): NerDataset {
  const full = name === "conll2003" ? loadConll2003({ dataDir: options.dataDir }) : loadCollection5({ dataDir: options.dataDir });
  return { ...full, train: full.train.slice(0, options.maxTrain), dev: full.dev.slice(0, options.maxDev), test: full.test.slice(0, options.maxTest) };
}

/**
 * {@link nerCorpus}, or the toy corpus (ner/toy_corpus.ts) when the data folder does not
 * have it, saying so in `message`.
 * @param name - "conll2003" or "collection5".
 * @param options - as {@link nerCorpus}.
 * @returns the dataset and a line to print.
 */
export function nerCorpusOrToy(name: NerCorpusName, options: NerCorpusOptions = {}): { corpus: NerDataset; message: string } {
  try {
    const corpus = nerCorpus(name, options);
    return { corpus, message: `${name} from ${corpus.source}: ${corpus.train.length} / ${corpus.dev.length} / ${corpus.test.length} sentences (train / dev / test)` };
  } catch (e) {
    if (!(e instanceof MissingDataError)) throw e;
    const corpus = toyNerDataset({ train: options.maxTrain ?? 600, dev: options.maxDev ?? 150, test: options.maxTest ?? 150 });
    return {
      corpus,
      message: `${e.message}\n→ using the TOY corpus instead (lib/src/ner/toy_corpus.ts, English sentences made up from templates): the numbers below are not ${name}'s`,
    };
  }
}

/** What one run of the comparison gives. */
export interface NerResult {
  name: string;
  corpus: string;
  model: NerModelName;
  label: string;
  seed: number;
  /** Epochs trained, and the dev-selected one. */
  epochs: number;
  bestEpoch: number;
  devF1: number;
  /** Test scores of the dev-selected epoch (conlleval's lenient reading). */
  test: ChunkScores & { accuracy: number };
  /** Test F1 with decoding constrained to valid transitions (tagging/constraints.ts). */
  testConstrainedF1: number;
  /** Test sentences whose (unconstrained) predicted tags contain a transition the scheme forbids. */
  invalidSequences: number;
  /** Per entity type, test. */
  perType: Record<string, ChunkScores>;
  /** Training wall time (epochs with their dev evaluation), and per epoch. */
  seconds: number;
  secondsPerEpoch: number;
  /** Epochs read from a checkpoint rather than trained now. */
  epochsFromCheckpoint: number;
  /** The tags (row and column labels of `transitions`). */
  tags: string[];
  /** The CRF's learned transition scores A [K, K] (row = from, column = to), CRF taggers only. */
  transitions?: number[][];
  /** The test sentences' predicted tags (unconstrained), for error analysis. */
  testPredicted: string[][];
}

/** Options of {@link runNerComparison}. */
export interface NerComparisonOptions {
  /** Checkpoint folders go to `<checkpointRoot>/<run name>`. Default: none (train, save nothing). */
  checkpointRoot?: string;
  /** Where progress lines go. Default: console.log. */
  log?: (line: string) => void;
  /** Passed to each run (e.g. a progress bar). */
  onStep?: TrainNerTaggerOptions["onStep"];
  /** Called after every epoch of every run, with the run's name. */
  onEpoch?: (name: string, record: TaggerEpochRecord) => void;
}

/**
 * Trains (or loads from checkpoints) each run on the corpus and scores it on the test set.
 * @param corpus - the corpus (the runs' `corpus` names only label the results).
 * @param runs - the runs.
 * @param options - checkpointRoot, log, onStep.
 * @returns one result per run, in order; the taggers are disposed.
 */
export function runNerComparison(corpus: NerDataset, runs: readonly NerRunSpec[], options: NerComparisonOptions = {}): NerResult[] {
  const log = options.log ?? console.log;
  return runs.map((r) => {
    const run = trainNerTagger({ train: corpus.train, dev: corpus.dev }, r.spec, {
      seed: r.seed,
      log,
      onStep: options.onStep,
      onEpoch: (record) => options.onEpoch?.(r.name, record),
      ...(options.checkpointRoot !== undefined ? { checkpointDir: `${options.checkpointRoot}/${r.name}` } : {}),
    });
    try {
      const chars = run.config.chars !== null;
      const caps = run.config.caps !== null;
      const plain = evaluateTagger(run.tagger, corpus.test, run.vocabs, { chars, caps });
      const constraints = transitionConstraints(run.vocabs.tags);
      const valid = evaluateTagger(run.tagger, corpus.test, run.vocabs, { chars, caps, constraints });
      const { perType, tokens: _t, correctTags: _c, ...test } = plain.scores;
      const result: NerResult = {
        name: r.name,
        corpus: corpus.name,
        model: r.model,
        label: r.spec.label,
        seed: r.seed,
        epochs: run.history.length,
        bestEpoch: run.state.bestEpoch,
        devF1: run.state.bestF1,
        test,
        testConstrainedF1: valid.scores.f1,
        invalidSequences: plain.tags.filter((t) => !isAllowedPath(Array.from(run.vocabs.tags.encode(t)), constraints)).length,
        perType,
        seconds: run.seconds,
        secondsPerEpoch: run.seconds / Math.max(1, run.history.length),
        epochsFromCheckpoint: run.epochsFromCheckpoint,
        tags: [...run.vocabs.tags.tags],
        testPredicted: plain.tags,
        ...(run.tagger instanceof BiLstmCrfTagger ? { transitions: run.tagger.crf.transitions.arraySync() } : {}),
      };
      const from = run.epochsFromCheckpoint > 0 ? ` (${run.epochsFromCheckpoint} epochs from its checkpoint)` : "";
      log(`${r.name}: test F1 ${(100 * test.f1).toFixed(2)} (dev ${(100 * result.devF1).toFixed(2)} at epoch ${result.bestEpoch} of ${result.epochs}), ${result.seconds.toFixed(0)} s${from}`);
      return result;
    } finally {
      tf.dispose(run.tagger.weights);
    }
  });
}

/**
 * One row per run, for a danfojs DataFrame (F1 in percent).
 * @param results - from {@link runNerComparison}.
 */
export function nerResultRows(results: readonly NerResult[]): Array<Record<string, string | number>> {
  return results.map((r) => ({
    corpus: r.corpus,
    model: r.label,
    seed: r.seed,
    "best epoch": r.bestEpoch,
    epochs: r.epochs,
    "dev F1": 100 * r.devF1,
    "test F1": 100 * r.test.f1,
    "test F1 valid": 100 * r.testConstrainedF1,
    "invalid seq": r.invalidSequences,
    seconds: r.seconds,
    "s/epoch": r.secondsPerEpoch,
  }));
}

/**
 * Test F1 per entity type, one group of bars per model (mean over its seeds).
 * @param results - the runs of one corpus.
 * @param title - the chart's title.
 */
export function perTypeF1Chart(results: readonly NerResult[], title: string): Figure {
  const types = [...new Set(results.flatMap((r) => Object.keys(r.perType)))].sort();
  const labels = [...new Set(results.map((r) => r.label))];
  return barChart(
    types,
    labels.map((label) => {
      const runs = results.filter((r) => r.label === label);
      return { name: label, values: types.map((t) => (100 * runs.reduce((s, r) => s + (r.perType[t]?.f1 ?? 0), 0)) / runs.length) };
    }),
    { title, xLabel: "entity type", yLabel: "test F1 (%)" },
  );
}

/**
 * Per-type test F1 (percent) of each model, averaged over its seeds: one row per model, one
 * column per type.
 * @param results - the runs of one corpus.
 */
export function perTypeRows(results: readonly NerResult[]): Array<Record<string, string | number>> {
  const types = [...new Set(results.flatMap((r) => Object.keys(r.perType)))].sort();
  return [...new Set(results.map((r) => r.label))].map((label) => {
    const runs = results.filter((r) => r.label === label);
    const row: Record<string, string | number> = { model: label, seeds: runs.length };
    for (const t of types) row[t] = (100 * runs.reduce((s, r) => s + (r.perType[t]?.f1 ?? 0), 0)) / runs.length;
    row.all = (100 * runs.reduce((s, r) => s + r.test.f1, 0)) / runs.length;
    return row;
  });
}

/** What {@link transitionSummary} finds in a CRF's transitions. */
export interface TransitionSummary {
  /** A[B-LOC, I-PER] and its rank in row B-LOC (1 = the lowest score of the row). */
  bLocToIPer: number;
  rankInRow: number;
  /** A[B-PER, I-PER], a valid continuation, for comparison. */
  bPerToIPer: number;
  /** The mean of A over the transitions IOB2 forbids (into I-X from anything but B-X, I-X), and over the allowed ones. */
  meanInvalid: number;
  meanValid: number;
  /** The fraction of forbidden transitions with A < 0, and of allowed ones. */
  invalidNegative: number;
  validNegative: number;
}

/**
 * How a CRF's learned transitions treat the transitions IOB2 forbids (tagging/constraints.ts).
 * @param result - a CRF run on an IOB2 corpus with PER and LOC.
 */
export function transitionSummary(result: NerResult): TransitionSummary {
  const A = result.transitions;
  if (A === undefined) throw new MissingDataError(`transitionSummary: expected a CRF run, got ${result.label} (no transitions)`);
  const tags = new TagSet(result.tags.filter((t) => t !== "O").map((t) => t.slice(2)), "IOB2");
  const c = transitionConstraints(tags);
  const K = result.tags.length;
  const id = (t: string) => result.tags.indexOf(t);
  const [bLoc, iPer, bPer] = [id("B-LOC"), id("I-PER"), id("B-PER")];
  if (bLoc < 0 || iPer < 0 || bPer < 0) throw new MissingDataError(`transitionSummary: expected tags B-LOC, I-PER and B-PER, got ${result.tags.join(", ")}`);
  const invalid: number[] = [];
  const valid: number[] = [];
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) (c.transitions[tags.idOf(result.tags[i]) * K + tags.idOf(result.tags[j])] === 0 ? valid : invalid).push(A[i][j]);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const negative = (xs: number[]) => xs.filter((x) => x < 0).length / xs.length;
  return {
    bLocToIPer: A[bLoc][iPer],
    rankInRow: 1 + A[bLoc].filter((x) => x < A[bLoc][iPer]).length,
    bPerToIPer: A[bPer][iPer],
    meanInvalid: mean(invalid),
    meanValid: mean(valid),
    invalidNegative: negative(invalid),
    validNegative: negative(valid),
  };
}

/**
 * A CRF's learned transition scores A[i, j] (from tag i to tag j) as a heatmap: rows = the
 * previous tag (from, top to bottom in tag-id order), columns = the next (to).
 * @param result - a CRF run (with `transitions`).
 * @param title - the chart's title.
 */
export function transitionHeatmap(result: NerResult, title: string): Figure {
  if (result.transitions === undefined) throw new MissingDataError(`transitionHeatmap: expected a CRF run, got ${result.label} (no transitions)`);
  const fig = heatmap(result.transitions, { x: result.tags, y: result.tags, title, xLabel: "to (tag at t)", yLabel: "from (tag at t − 1)", colorscale: "RdBu", colorLabel: "A[from, to]" });
  // Rows top-down, as the matrix is written (heatmap draws row 0 at the bottom).
  fig.layout.yaxis = { ...(fig.layout.yaxis as object), autorange: "reversed" };
  fig.layout.margin = { ...(fig.layout.margin as object), l: 100 }; // room for the tags and the axis title
  return fig;
}

/** One entity-level error of a tagger. */
export interface EntityError {
  /** Index of the sentence. */
  sentence: number;
  /** "missed" (gold only), "spurious" (predicted only), "type" (same span, other type), "boundary" (overlapping spans). */
  kind: "missed" | "spurious" | "type" | "boundary";
  /** "[Jordan]LOC" style texts of the gold and predicted chunk ("" when none). */
  gold: string;
  predicted: string;
  /** The sentence with the gold chunks bracketed. */
  context: string;
}

/**
 * The entity-level errors of predicted tags against gold (conlleval's chunks, ner/tag_scheme.ts).
 * @param sentences - gold sentences (IOB2).
 * @param predicted - [N][L_n] predicted tags.
 * @returns every error, in sentence order, and the count of each kind.
 */
export function entityErrors(sentences: readonly NerSentence[], predicted: ReadonlyArray<readonly string[]>): { errors: EntityError[]; counts: Record<EntityError["kind"], number> } {
  const errors: EntityError[] = [];
  const show = (tokens: readonly string[], s: TokenSpan | undefined) => (s === undefined ? "" : `[${tokens.slice(s.start, s.end).join(" ")}]${s.type}`);
  sentences.forEach((sentence, n) => {
    const gold = tagsToSpans(sentence.tags, "IOB2");
    const pred = tagsToSpans(predicted[n], "IOB2");
    const same = (a: TokenSpan, b: TokenSpan) => a.start === b.start && a.end === b.end;
    const overlaps = (a: TokenSpan, b: TokenSpan) => a.start < b.end && b.start < a.end;
    const bracketed = sentence.tokens.map((w, i) => `${gold.some((g) => g.start === i) ? "[" : ""}${w}${gold.find((g) => g.end === i + 1) ? `]${gold.find((g) => g.end === i + 1)!.type}` : ""}`).join(" ");
    const add = (kind: EntityError["kind"], g?: TokenSpan, p?: TokenSpan) => errors.push({ sentence: n, kind, gold: show(sentence.tokens, g), predicted: show(sentence.tokens, p), context: bracketed });
    for (const g of gold) {
      if (pred.some((p) => same(p, g) && p.type === g.type)) continue;
      const sameSpan = pred.find((p) => same(p, g));
      if (sameSpan !== undefined) add("type", g, sameSpan);
      else {
        const near = pred.find((p) => overlaps(p, g));
        if (near !== undefined) add("boundary", g, near);
        else add("missed", g);
      }
    }
    for (const p of pred) if (!gold.some((g) => overlaps(g, p))) add("spurious", undefined, p);
  });
  const counts = { missed: 0, spurious: 0, type: 0, boundary: 0 };
  for (const e of errors) counts[e.kind]++;
  return { errors, counts };
}
