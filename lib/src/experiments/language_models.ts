/**
 * The experiments of notebook `04-language-models`: Kneser-Ney n-grams against recurrent
 * LMs on one corpus (Mikolov et al. 2010, 2011), their interpolation, the lecture's two
 * losses (one output vs k outputs) and two <UNK> strategies. Each function is one cell of
 * the notebook; the models, data and metrics live in lm/, data/ and datasets/: the corpus
 * (PTB, or Brown given the PTB treatment) is `loadLmCorpus` (datasets/lm_corpus.ts), and
 * one recurrent LM trained or resumed from its checkpoint is `trainCorpusLm`
 * (lm/train_corpus_lm.ts).
 */
import { Vocab } from "../data/vocab.js";
import type { LmCorpus } from "../datasets/lm_corpus.js";
import { ArgumentError } from "../errors.js";
import { KneserNeyLm } from "../lm/kneser_ney.js";
import { mixLogProbs, ngramStreamLogProbs, tuneMixture } from "../lm/interpolate.js";
import { perplexityFromLogProbs } from "../lm/perplexity.js";
import { RnnLm, type LmLossMode, type RnnLmConfig } from "../lm/rnn_lm.js";
import type { RnnLmRun } from "../lm/train_corpus_lm.js";
import { encodeStream, trainLm, type TrainLmOptions } from "../lm/train_lm.js";
import { setSeed } from "../random.js";
import { lineChart, type Figure } from "../plot/figure.js";

/** One row of `kneserNeyTable`. */
export interface KneserNeyRow {
  order: number;
  validPerplexity: number;
  testPerplexity: number;
  /** Distinct n-grams of all orders ≤ `order`. */
  ngrams: number;
  /** Build time. */
  seconds: number;
}

/**
 * Interpolated modified Kneser-Ney models of several orders: perplexity on valid and test.
 * @param corpus - the corpus.
 * @param orders - the orders. Default: [2, 3, 4, 5].
 * @returns one row per order and the models (for the mixture).
 */
export function kneserNeyTable(corpus: LmCorpus, orders: number[] = [2, 3, 4, 5]): { rows: KneserNeyRow[]; models: Map<number, KneserNeyLm> } {
  const rows: KneserNeyRow[] = [];
  const models = new Map<number, KneserNeyLm>();
  for (const order of orders) {
    const t0 = performance.now();
    const model = KneserNeyLm.fromSentences(corpus.train, order, { unk: corpus.unk });
    const seconds = (performance.now() - t0) / 1000;
    const ppl = (split: string[][]) => perplexityFromLogProbs(ngramStreamLogProbs(model, split));
    let ngrams = 0;
    for (let n = 1; n <= order; n++) ngrams += model.counts.levels[n].size;
    rows.push({ order, validPerplexity: ppl(corpus.valid), testPerplexity: ppl(corpus.test), ngrams, seconds });
    models.set(order, model);
  }
  return { rows, models };
}

/** One recurrent LM of the notebook's `full` profile: its architecture and training options. */
export interface LmRunSpec {
  label: string;
  config: Omit<RnnLmConfig, "vocabSize">;
  options: TrainLmOptions;
}

/**
 * The recurrent LMs of notebook 04's `full` profile, in one place so that the notebook and
 * `lib/scripts/train-lm-runs.js` (which trains them beforehand, in parallel, into the
 * notebook's checkpoint folders) run the same thing. The LSTM is Zaremba et al.'s "small"
 * (trainLm's defaults). The RNN is a single tanh layer of 200 units (Mikolov et al. 2010)
 * trained with Adam: with the LSTM's SGD it diverges — in 600 steps on PTB, lr 0.5 and 1
 * end above the uniform model's perplexity, lr 0.1 at 665 and Adam 2e-3 at 288
 * (`node --import tsx bench/workloads/lm_lr_probe.ts`) — and it gets 6 epochs, the rate
 * halved after the 2nd.
 */
export const FULL_LM_RUNS: Record<"rnn" | "lstm", LmRunSpec> = {
  rnn: {
    label: "RNN",
    config: { cell: "rnn", layers: 1, hiddenSize: 200, embeddingSize: 200 },
    options: { epochs: 6, optimizer: "adam", learningRate: 2e-3, decay: 0.5, decayAfter: 2 },
  },
  lstm: { label: "LSTM", config: { cell: "lstm", layers: 2, hiddenSize: 200, embeddingSize: 200 }, options: { epochs: 13 } },
};

/** The result of `mixtureWithKneserNey`. */
export interface MixtureResult {
  /** The weight of the RNN, tuned on valid. */
  lambda: number;
  validPerplexity: number;
  testPerplexity: number;
}

/**
 * p = λ p_RNN + (1 − λ) p_KN with λ tuned on the validation set by EM (lm/interpolate.ts),
 * then applied to the test set.
 * @param run - the trained RNN LM.
 * @param kn - the n-gram model.
 * @param corpus - the corpus both were trained on.
 */
export function mixtureWithKneserNey(run: RnnLmRun, kn: KneserNeyLm, corpus: LmCorpus): MixtureResult {
  const knValid = ngramStreamLogProbs(kn, corpus.valid);
  const knTest = ngramStreamLogProbs(kn, corpus.test);
  if (knValid.length !== run.validLogProbs.length) {
    throw new ArgumentError(`mixtureWithKneserNey: expected both models to score the same ${run.validLogProbs.length} validation tokens, got ${knValid.length}`);
  }
  const { lambda, perplexity } = tuneMixture(run.validLogProbs, knValid);
  const testPerplexity = perplexityFromLogProbs(mixLogProbs(run.testLogProbs, knTest, lambda));
  return { lambda, validPerplexity: perplexity, testPerplexity };
}

/**
 * Validation perplexity per epoch of several runs, on a log scale.
 * @param runs - trained runs.
 * @param references - horizontal lines (e.g. KN5's validation perplexity).
 */
export function perplexityCurves(runs: RnnLmRun[], references: { name: string; value: number }[] = []): Figure {
  const epochs = Math.max(...runs.map((r) => r.epochs.length));
  const xs = Array.from({ length: epochs }, (_, i) => i + 1);
  return lineChart(
    [
      ...runs.map((r) => ({ name: r.label, x: r.epochs.map((e) => e.epoch), y: r.epochs.map((e) => e.validPerplexity ?? NaN) })),
      ...references.map((ref) => ({ name: ref.name, x: xs, y: xs.map(() => ref.value) })),
    ],
    { title: "validation perplexity per epoch", xLabel: "epoch", yLabel: "perplexity", logY: true },
  );
}

/** A learning curve: validation perplexity every `evalEvery` steps. */
export interface LossModeCurve {
  mode: LmLossMode;
  steps: number[];
  validPerplexity: number[];
  seconds: number;
}

/**
 * The lecture's two losses on the same model, data and number of updates: one output per
 * window (predict the last word from the k before it) against k outputs (every position).
 * @param corpus - the corpus.
 * @param config - the architecture.
 * @param options - steps (updates), evalEvery, bptt k, batch size, learning rate (Adam).
 */
export function lossModeComparison(
  corpus: LmCorpus,
  config: Omit<RnnLmConfig, "vocabSize">,
  options: { steps: number; evalEvery: number; bptt?: number; batchSize?: number; learningRate?: number; seed?: number },
): LossModeCurve[] {
  return (["one-output", "k-outputs"] as const).map((mode) => {
    setSeed(options.seed ?? 1);
    const vocab = Vocab.fromSentences(corpus.train, { unkAliases: [corpus.unk] });
    const model = new RnnLm({ ...config, vocabSize: vocab.size });
    const curve: LossModeCurve = { mode, steps: [], validPerplexity: [], seconds: 0 };
    const t0 = performance.now();
    trainLm(model, encodeStream(vocab, corpus.train), {
      epochs: 1000,
      maxSteps: options.steps,
      mode,
      optimizer: "adam",
      learningRate: options.learningRate ?? 3e-3,
      bptt: options.bptt ?? 20,
      batchSize: options.batchSize ?? 20,
      valid: encodeStream(vocab, corpus.valid),
      evalEvery: options.evalEvery,
      onEval: (step, ppl) => {
        curve.steps.push(step);
        curve.validPerplexity.push(ppl);
      },
    });
    curve.seconds = (performance.now() - t0) / 1000;
    model.dispose();
    return curve;
  });
}

/** The curves of `lossModeComparison` as a figure. */
export function lossModeChart(curves: LossModeCurve[]): Figure {
  return lineChart(
    curves.map((c) => ({ name: c.mode, x: c.steps, y: c.validPerplexity })),
    { title: "one output vs k outputs: validation perplexity during training", xLabel: "updates", yLabel: "perplexity", logY: true },
  );
}
