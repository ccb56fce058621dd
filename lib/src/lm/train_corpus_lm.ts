/**
 * Train or resume: one recurrent LM trained on a corpus (datasets/lm_corpus.ts) with
 * `trainLm` (lm/train_lm.ts), checkpointed after every epoch (lm/checkpoint.ts), so that a
 * long run can be interrupted and continued, or made beforehand by another process with the
 * same call (`lib/scripts/train-lm-runs.js` does this for notebook 04's `full` profile).
 *
 * With a checkpoint folder `dir`:
 * 1. Take the folder's training lock (lm/training_lock.ts): a second call for the same
 *    folder on the same machine waits until the first process has ended.
 * 2. Finish a save that a killed process left after its commit point (`recoverCheckpoint`).
 * 3. If `dir` holds a checkpoint, load it and check that it is the run asked for: the same
 *    vocabSize, cell, layers, hiddenSize and embeddingSize, else a `CheckpointError`. Its
 *    vocabulary and epoch records are kept; otherwise a fresh model (seeded) is built.
 * 4. Train the epochs after the last recorded one, saving after each (atomic: a process
 *    killed at any point leaves the last complete epoch; a diverged step,
 *    `TrainingDivergedError`, saves nothing). A run that has all its epochs is only evaluated.
 * 5. Evaluate on valid and test; release the lock.
 *
 * Without a folder: a fresh model, trained and evaluated, nothing saved.
 */
import { Vocab } from "../data/vocab.js";
import type { LmCorpus } from "../datasets/lm_corpus.js";
import { setSeed } from "../random.js";
import { CheckpointError, hasCheckpoint, loadLm, recoverCheckpoint, saveLm } from "./checkpoint.js";
import { RnnLm, resolveRnnLmConfig, type RnnLmConfig } from "./rnn_lm.js";
import { encodeStream, evaluateLm, trainLm, type EpochRecord, type TrainLmOptions } from "./train_lm.js";
import { acquireTrainingLock } from "./training_lock.js";

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
 * Trains one recurrent LM on the corpus (or continues a checkpointed run) and evaluates it
 * (steps 1–5 of the file comment).
 * @param corpus - the corpus.
 * @param label - its name in tables and plots.
 * @param config - the architecture (vocabSize is set from the corpus).
 * @param options - trainLm's options (the validation stream is added) and `checkpointDir`.
 * @param seed - the seed of the weights. Default: 1.
 * @throws CheckpointError if `checkpointDir` holds a model of another architecture or vocabulary
 *   (or a damaged checkpoint, naming the file).
 * @throws LockError if another machine holds the folder's training lock.
 * @throws TrainingDivergedError if a step's loss or gradient norm is not finite.
 */
export function trainCorpusLm(
  corpus: LmCorpus,
  label: string,
  config: Omit<RnnLmConfig, "vocabSize">,
  options: CorpusLmOptions = {},
  seed = 1,
): RnnLmRun {
  const { checkpointDir: dir, log = console.log, ...trainOptions } = options;
  const release = dir === undefined ? () => {} : acquireTrainingLock(dir, log); // 1.
  try {
    if (dir !== undefined) recoverCheckpoint(dir); // 2. finish a save that a killed process left after its commit point
    return trainOrResume(corpus, label, config, trainOptions, seed, dir, log);
  } finally {
    release();
  }
}

/** `trainCorpusLm` once the folder is locked: steps 3–5. */
function trainOrResume(
  corpus: LmCorpus,
  label: string,
  config: Omit<RnnLmConfig, "vocabSize">,
  trainOptions: TrainLmOptions,
  seed: number,
  dir: string | undefined,
  log: (line: string) => void,
): RnnLmRun {
  // 3. The checkpoint of this run, or a fresh model.
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
        throw new CheckpointError(
          `trainCorpusLm: expected the checkpoint in ${dir} to have this run's ${key} ${want[key]}, got ${key} ${loaded.model.config[key]}; use another checkpointDir or delete that folder`,
        );
      }
    }
    model = loaded.model;
    vocab = loaded.vocab;
    history = loaded.history as EpochRecord[];
  } else {
    model = new RnnLm({ ...config, vocabSize: vocab.size });
  }
  // 4. The epochs after the last recorded one, each saved.
  const fromCheckpoint = history.length;
  const epochs = trainOptions.epochs ?? 13;
  if (fromCheckpoint > 0 && fromCheckpoint < epochs) log(`trainCorpusLm: ${label} continues after epoch ${fromCheckpoint} of ${epochs} (checkpoint ${dir})`);
  const [train, valid, test] = [corpus.train, corpus.valid, corpus.test].map((s) => encodeStream(vocab, s)); // each [N]
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
  // 5. Evaluation.
  const seconds = history.reduce((sum, r) => sum + r.seconds, 0);
  const v = evaluateLm(model, valid);
  const t = evaluateLm(model, test);
  return {
    label, model, vocab, epochs: history, validPerplexity: v.perplexity, testPerplexity: t.perplexity,
    validLogProbs: v.logProbs, testLogProbs: t.logProbs, seconds, epochsFromCheckpoint: fromCheckpoint,
  };
}
