/**
 * Train or resume notebook 05's sentence-level LM on a corpus (datasets/lm_corpus.ts): the
 * sentence-level counterpart of lm/train_corpus_lm.ts. Every sentence is its own row,
 * `<SOS> w_1 … w_n` → `w_1 … w_n <EOS>`, from h₀ = 0 (lm/train_sentence_lm.ts), and the
 * checkpoint (lm/checkpoint.ts `saveLm`) records `training.context: "sentence"`, so that
 * `seqlab generate --model DIR` starts it from `<SOS>` as the notebook does.
 *
 * With a checkpoint folder `dir`:
 * 1. Take the folder's training lock (lm/training_lock.ts: a second process for the same folder
 *    waits) and finish a save that a killed process left after its commit point.
 * 2. If `dir` holds a checkpoint, check that it is this run — a sentence-level LM with the
 *    spec's cell, layers, hiddenSize, embeddingSize and the corpus's vocabSize — else a
 *    `CheckpointError`; keep its vocabulary and epoch records. Otherwise a fresh model
 *    (`setSeed(spec.seed)` first).
 * 3. Train the epochs after the last recorded one, each by its own `trainSentenceLm` call
 *    (`startEpoch: e`): epoch e shuffles with seed + e and starts a fresh Adam at rate
 *    lr · decay^max(0, e − decayAfter) (as lm/train_lm.ts's epochs do), so a run resumed after
 *    epoch e ends with the weights of an uninterrupted one. Save after each epoch (atomic).
 * 4. Evaluate the validation and test perplexity (`evaluateSentenceLm`: every word and <EOS>).
 *
 * Without a folder: a fresh model, trained and evaluated, nothing saved.
 */
import { Vocab } from "../data/vocab.js";
import type { LmCorpus } from "../datasets/lm_corpus.js";
import { CheckpointError, hasCheckpoint, loadLm, recoverCheckpoint, saveLm } from "../lm/checkpoint.js";
import { RnnLm, resolveRnnLmConfig, type RnnLmConfig } from "../lm/rnn_lm.js";
import { encodeSentences, evaluateSentenceLm, trainSentenceLm, type SentenceEpochRecord } from "../lm/train_sentence_lm.js";
import { acquireTrainingLock } from "../lm/training_lock.js";
import { setSeed } from "../random.js";

/** A sentence-level LM of notebook 05: architecture and training schedule. */
export interface SentenceLmSpec {
  /** Its name in tables. */
  label: string;
  /** The architecture (vocabSize comes from the corpus). */
  config: Omit<RnnLmConfig, "vocabSize">;
  /** Epochs ≥ 1. */
  epochs: number;
  /** B, sentences per batch. Default: 32. */
  batchSize?: number;
  /** Adam's rate in the first epochs. Default: 2e-3. */
  learningRate?: number;
  /** The rate is multiplied by this at every epoch after `decayAfter`. Default: 1 (constant). */
  decay?: number;
  /** Epochs at the initial rate. Default: 1. */
  decayAfter?: number;
  /** Seed of the weights and of the shuffling. Default: 1. */
  seed?: number;
}

/**
 * The LM of notebook 05's `full` profile: a 2 × 200 LSTM (Zaremba et al.'s "small" size, no
 * dropout) trained sentence by sentence with Adam for 4 epochs, the rate halved after the 2nd.
 * One place for the notebook and `lib/scripts/train-generation-runs.js`, which trains it
 * beforehand into build/runs/05-generation/sentence-lm.
 */
export const FULL_SENTENCE_LM: SentenceLmSpec = {
  label: "LSTM 2 × 200, sentence-level",
  config: { cell: "lstm", layers: 2, hiddenSize: 200, embeddingSize: 200 },
  epochs: 4,
  batchSize: 32,
  learningRate: 2e-3,
  decay: 0.5,
  decayAfter: 2,
};

/** A trained sentence-level LM and its evaluation. */
export interface SentenceLmRun {
  label: string;
  model: RnnLm;
  vocab: Vocab;
  /** One record per epoch (from the checkpoint for the epochs read from it). */
  epochs: SentenceEpochRecord[];
  validPerplexity: number;
  testPerplexity: number;
  /** Wall time of the training epochs, summed over the epoch records. */
  seconds: number;
  /** Epochs read from the checkpoint instead of trained in this call. */
  epochsFromCheckpoint: number;
}

/** Options of `trainCorpusSentenceLm`. */
export interface SentenceLmRunOptions {
  /** The checkpoint folder, saved after every epoch. Default: none (nothing saved). */
  checkpointDir?: string;
  /** Where waiting for a lock and continuing a run are announced. Default: console.log. */
  log?: (line: string) => void;
  /** Called after every epoch trained in this call. */
  onEpoch?: (record: SentenceEpochRecord) => void;
}

/**
 * Trains notebook 05's LM on the corpus, or continues or only evaluates a checkpointed run
 * (steps 1–4 of the file comment).
 * @param corpus - the corpus (train, valid, test sentences with a closed vocabulary).
 * @param spec - architecture and schedule.
 * @param options - checkpointDir, log, onEpoch.
 * @throws CheckpointError if the folder holds another run (or a damaged checkpoint, naming the file).
 */
export function trainCorpusSentenceLm(corpus: LmCorpus, spec: SentenceLmSpec, options: SentenceLmRunOptions = {}): SentenceLmRun {
  const dir = options.checkpointDir;
  const log = options.log ?? console.log;
  const release = dir === undefined ? () => {} : acquireTrainingLock(dir, log); // 1.
  try {
    if (dir !== undefined) recoverCheckpoint(dir);
    return trainOrResume(corpus, spec, dir, log, options.onEpoch);
  } finally {
    release();
  }
}

/** Steps 2–4, the folder locked. */
function trainOrResume(corpus: LmCorpus, spec: SentenceLmSpec, dir: string | undefined, log: (line: string) => void, onEpoch?: (r: SentenceEpochRecord) => void): SentenceLmRun {
  // 2. The checkpoint of this run, or a fresh model.
  const seed = spec.seed ?? 1;
  setSeed(seed);
  let vocab = Vocab.fromSentences(corpus.train, { unkAliases: [corpus.unk] });
  const want = resolveRnnLmConfig({ ...spec.config, vocabSize: vocab.size });
  let model: RnnLm;
  let history: SentenceEpochRecord[] = [];
  if (dir !== undefined && hasCheckpoint(dir)) {
    const loaded = loadLm(dir, { warn: log });
    const mismatch = (["vocabSize", "cell", "layers", "hiddenSize", "embeddingSize"] as const).find((k) => loaded.model.config[k] !== want[k]);
    const context = loaded.training?.context;
    if (mismatch !== undefined || context !== "sentence") {
      loaded.model.dispose();
      const what = mismatch !== undefined ? `${mismatch} ${want[mismatch]}, got ${mismatch} ${loaded.model.config[mismatch]}` : `training.context "sentence", got ${JSON.stringify(context ?? null)}`;
      throw new CheckpointError(`trainCorpusSentenceLm: expected the checkpoint in ${dir} to have this run's ${what}; use another checkpointDir or delete that folder`);
    }
    model = loaded.model;
    vocab = loaded.vocab;
    history = loaded.history as SentenceEpochRecord[];
  } else {
    model = new RnnLm(want);
  }
  // 3. The epochs after the last recorded one, each saved.
  const fromCheckpoint = history.length;
  if (fromCheckpoint > 0 && fromCheckpoint < spec.epochs) log(`trainCorpusSentenceLm: ${spec.label} continues after epoch ${fromCheckpoint} of ${spec.epochs} (checkpoint ${dir})`);
  const [train, valid, test] = [corpus.train, corpus.valid, corpus.test].map((s) => encodeSentences(vocab, s));
  const lr0 = spec.learningRate ?? 2e-3;
  const training = { context: "sentence", trainer: "trainCorpusSentenceLm", label: spec.label, batchSize: spec.batchSize ?? 32, learningRate: lr0, decay: spec.decay ?? 1, decayAfter: spec.decayAfter ?? 1, seed };
  for (let epoch = history.length + 1; epoch <= spec.epochs; epoch++) {
    const learningRate = lr0 * training.decay ** Math.max(0, epoch - training.decayAfter);
    const [r] = trainSentenceLm(model, train, { startEpoch: epoch, epochs: epoch, batchSize: training.batchSize, learningRate, seed, valid });
    history.push(r);
    if (dir !== undefined) saveLm(dir, model, vocab, history, { training }); // atomic: a kill keeps the last epoch
    onEpoch?.(r);
  }
  // 4. Evaluation.
  return {
    label: spec.label, model, vocab, epochs: history,
    validPerplexity: evaluateSentenceLm(model, valid).perplexity,
    testPerplexity: evaluateSentenceLm(model, test).perplexity,
    seconds: history.reduce((s, r) => s + r.seconds, 0),
    epochsFromCheckpoint: fromCheckpoint,
  };
}
