/**
 * Train or resume: one tagger trained on an NER dataset's train split with early stopping
 * on its dev split (tagging/train_tagger.ts), checkpointed after every epoch
 * (tagging/tagger_checkpoint.ts), so a long run can be interrupted and continued, or made
 * beforehand by another process with the same call (`lib/scripts/train-ner-runs.js` does
 * this for notebook 07's `full` profile) — the tagging counterpart of lm/train_corpus_lm.ts.
 *
 * With a checkpoint folder `dir`:
 * 1. Take the folder's training lock (lm/training_lock.ts): a second call for the same
 *    folder waits until the first process has ended.
 * 2. If `dir` holds a checkpoint, check that it is the run asked for (the same config, the
 *    same vocabulary sizes), else a `CheckpointError`; continue from its last epoch and
 *    state. Otherwise a fresh tagger, seeded.
 * 3. Train the epochs after the last recorded one until early stopping or `epochs`, saving
 *    after each (atomic; a diverged step saves nothing). A finished run is only loaded.
 * 4. Return the tagger with the dev-selected (best) epoch's weights.
 *
 * Without a folder: a fresh tagger, trained, nothing saved.
 */
import * as tf from "@tensorflow/tfjs";
import { setSeed } from "../random.js";
import { buildNerVocabs, type NerVocabOptions, type NerVocabs } from "../ner/batches.js";
import type { NerSentence } from "../ner/types.js";
import { CheckpointError, recoverCheckpoint } from "../lm/checkpoint.js";
import { acquireTrainingLock } from "../lm/training_lock.js";
import { transitionConstraints } from "./constraints.js";
import type { Tagger } from "./tagger.js";
import { hasTaggerCheckpoint, inspectTagger, saveTagger, buildTagger } from "./tagger_checkpoint.js";
import { createTagger, resolveTaggerConfig, type ResolvedTaggerConfig, type TaggerConfig, type TaggerKind } from "./tagger_config.js";
import { INITIAL_TAGGER_STATE, trainTagger, type TaggerEpochRecord, type TaggerTrainingState, type TrainTaggerOptions } from "./train_tagger.js";

/** One tagger to train: its architecture, vocabularies and schedule (the sizes V, K, A come from the data). */
export interface NerTaggerSpec {
  /** Its name in tables and plots. */
  label: string;
  kind: TaggerKind;
  /** E. Default: 100. */
  embeddingSize?: number;
  /** H per direction. Default: 100. */
  hiddenSize?: number;
  /** Char features with these sizes (Ec, Hc default 25), or none. Default: none. */
  chars?: { embeddingSize?: number; hiddenSize?: number } | null;
  /** A capitalisation-class embedding (Ecaps default 5; word_inputs.ts), or none; with `vocab.lowercase` it keeps the case the word ids lose. Default: none. */
  caps?: { embeddingSize?: number } | null;
  /** Dropout on the recurrent layer's input. Default: 0. */
  dropout?: number;
  /** Vocabulary options (ner/batches.ts). Default: every training word, IOB2. */
  vocab?: NerVocabOptions;
  /** The schedule (tagging/train_tagger.ts); `constrained` decodes the dev set with valid transitions only. */
  train?: Omit<TrainTaggerOptions, "dev" | "chars" | "caps" | "resume" | "onEpoch" | "onStep" | "constraints" | "seed"> & { constrained?: boolean };
}

/** A trained tagger. */
export interface NerTaggerRun {
  label: string;
  /** With the best (dev-selected) epoch's weights. */
  tagger: Tagger;
  config: ResolvedTaggerConfig;
  vocabs: NerVocabs;
  history: TaggerEpochRecord[];
  state: TaggerTrainingState;
  /** Wall time of the epochs (with their dev evaluation), summed over the records. */
  seconds: number;
  /** Epochs read from the checkpoint instead of trained in this call. */
  epochsFromCheckpoint: number;
}

/** Options of {@link trainNerTagger}. */
export interface TrainNerTaggerOptions {
  /** A checkpoint folder, written after every epoch (see the file comment). Default: none. */
  checkpointDir?: string;
  /** The seed of the weights, batch order and dropout. Default: 1. */
  seed?: number;
  /** Where waiting for a lock and continuing a run are announced. Default: console.log. */
  log?: (line: string) => void;
  /** Called after every step (e.g. a progress bar). */
  onStep?: TrainTaggerOptions["onStep"];
  /** Called after every epoch. */
  onEpoch?: (record: TaggerEpochRecord) => void;
  /** What to record in the checkpoint's "training" field. Default: the label and seed. */
  training?: Record<string, unknown>;
}

/**
 * Trains one tagger (or continues a checkpointed run) — steps 1–4 of the file comment.
 * @param data - train and dev sentences (dev may be empty: no early stopping).
 * @param spec - the tagger and its schedule.
 * @param options - checkpointDir, seed (1), log, onStep, onEpoch, training.
 * @throws CheckpointError if the folder holds another run (or a damaged checkpoint, naming the file).
 * @throws TrainingDivergedError if a step's loss or gradient norm is not finite.
 */
export function trainNerTagger(data: { train: readonly NerSentence[]; dev: readonly NerSentence[] }, spec: NerTaggerSpec, options: TrainNerTaggerOptions = {}): NerTaggerRun {
  const { checkpointDir: dir, log = console.log } = options;
  const release = dir === undefined ? () => {} : acquireTrainingLock(dir, log);
  try {
    if (dir !== undefined) recoverCheckpoint(dir);
    return trainOrResume(data, spec, options, dir, log);
  } finally {
    release();
  }
}

/**
 * The config of a spec on vocabularies (V, K and the alphabet from them).
 * @param spec - the spec.
 * @param vocabs - the vocabularies.
 */
export function specConfig(spec: NerTaggerSpec, vocabs: NerVocabs): ResolvedTaggerConfig {
  const config: TaggerConfig = {
    kind: spec.kind,
    vocabularySize: vocabs.words.size,
    numTags: vocabs.tags.size,
    embeddingSize: spec.embeddingSize,
    hiddenSize: spec.hiddenSize,
    chars: spec.chars == null ? null : { alphabetSize: vocabs.chars.size, ...spec.chars },
    caps: spec.caps ?? null,
    dropout: spec.dropout,
  };
  return resolveTaggerConfig(config, `${spec.label}`);
}

function trainOrResume(
  data: { train: readonly NerSentence[]; dev: readonly NerSentence[] },
  spec: NerTaggerSpec,
  options: TrainNerTaggerOptions,
  dir: string | undefined,
  log: (line: string) => void,
): NerTaggerRun {
  const seed = options.seed ?? 1;
  setSeed(seed);
  let vocabs = buildNerVocabs(data.train, spec.vocab);
  const config = specConfig(spec, vocabs);
  let tagger: Tagger;
  let history: TaggerEpochRecord[] = [];
  let state: TaggerTrainingState = { ...INITIAL_TAGGER_STATE };
  let best: Float32Array[] | undefined;
  if (dir !== undefined && hasTaggerCheckpoint(dir)) {
    const c = inspectTagger(dir); // a CheckpointError names the file if the folder is corrupt
    const want = JSON.stringify(config);
    if (JSON.stringify(c.config) !== want) {
      throw new CheckpointError(`trainNerTagger: expected the checkpoint in ${dir} to be this run's tagger ${want}, got ${JSON.stringify(c.config)}; use another checkpointDir or delete that folder`);
    }
    tagger = buildTagger(c.config, c.weights);
    vocabs = c.vocabs;
    history = c.history;
    state = c.state;
    best = c.best;
  } else {
    tagger = createTagger(config);
  }
  const fromCheckpoint = history.length;
  const epochs = spec.train?.epochs ?? 50;
  const finished = state.stopped || state.epoch >= epochs;
  if (fromCheckpoint > 0 && !finished) log(`trainNerTagger: ${spec.label} continues after epoch ${fromCheckpoint} (checkpoint ${dir})`);
  if (!finished) {
    const { constrained, ...schedule } = spec.train ?? {};
    const result = trainTagger(tagger, vocabs, data.train, {
      ...schedule,
      dev: data.dev,
      chars: config.chars !== null,
      caps: config.caps !== null,
      constraints: constrained === true ? transitionConstraints(vocabs.tags) : undefined,
      seed,
      resume: state,
      onStep: options.onStep,
      onEpoch: (record, s, bestWeights) => {
        history.push(record);
        if (dir !== undefined) {
          saveTagger(dir, { config, tagger, vocabs, history, state: s, best: bestWeights, training: options.training ?? { trainer: "trainNerTagger", label: spec.label, seed } });
        }
        options.onEpoch?.(record);
      },
    });
    state = result.state;
    if (result.records.some((r) => r.best) || best === undefined) best = result.best;
  }
  // 4. The dev-selected epoch's weights.
  if (best !== undefined) tagger.weights.forEach((w, i) => tf.tidy(() => w.assign(tf.tensor(best![i], w.shape))));
  const seconds = history.reduce((sum, r) => sum + r.seconds, 0);
  return { label: spec.label, tagger, config, vocabs, history, state, seconds, epochsFromCheckpoint: fromCheckpoint };
}
