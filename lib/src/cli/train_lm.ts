/**
 * `seqlab train-lm`: trains a word-level RNN/LSTM/GRU language model on a text file with a
 * progress bar, evaluates it on a validation file after every epoch, and writes a checkpoint
 * folder (lm/checkpoint.ts) after every epoch, so an interrupted run loses at most one epoch
 * and `--resume` continues it.
 *
 *     seqlab train-lm --train ptb.train.txt --valid ptb.valid.txt --out runs/lstm
 *     seqlab ppl --model runs/lstm --text ptb.test.txt
 *
 * Defaults are Zaremba et al.'s (2014) small configuration: 2 × 200 LSTM, embedding 200,
 * 13 epochs, SGD with lr 1 halved after epoch 4, clipping at 5, T = 20, B = 20.
 * Text files: one sentence per line, whitespace tokens; the model predicts each word and
 * the line end (<EOS>), the PTB convention (lm/perplexity.ts).
 *
 * --context: `stream` (the default) reads the training text as one stream, the state carried
 * from sentence to sentence, in windows of --bptt tokens (lm/train_lm.ts); `sentence` trains a
 * sentence-level LM (lm/train_sentence_lm.ts): every line its own row, `<SOS> w_1 … w_n` →
 * `w_1 … w_n <EOS>` from a zero state, --batch sentences per step (bucketed by length), so that
 * `seqlab generate` starts it from `<SOS>` and it ends its sentences with `<EOS>` (the checkpoint
 * records `training.context: "sentence"`). Epoch e shuffles the sentences with --seed + e and
 * starts a fresh optimizer at rate lr · decay^max(0, e − decay-after), so --resume continues
 * exactly. --bptt, --mode and --word-dropout belong to the stream context: given with
 * `--context sentence` they are an error.
 *
 * 1. Every flag is checked when parsed (range, with the flag's name), then the files and
 *    folders before any work: --out is a folder or can be created, --train and --valid are
 *    readable text, the vocabulary has a word, the model fits.
 * 2. --out holding a model: without --resume or --force, an error ("runs/r2 holds a model
 *    (2 epochs, 2×200 LSTM); pass --resume to continue or --force to replace it"). --force
 *    replaces it — atomically, when this run's first epoch is saved, so it survives until then.
 * 3. --resume (the rule, also in `--help`): the checkpoint records its architecture, the
 *    sha256 of its training file, the vocabulary options and the schedule. A flag not given
 *    on the command line takes the checkpoint's value. Given, --context, --cell, --layers, --hidden,
 *    --emb, --min-count and --max-vocab must equal the checkpoint's and --train must have the
 *    same sha256, else an error names the conflict; the schedule flags (--epochs, --batch,
 *    --bptt, --optimizer, --lr, --decay, --decay-after, --clip, --mode, --word-dropout,
 *    --seed) override it, announced. --valid, --max-steps, --backend, --engine and
 *    --no-progress belong to each invocation. A finished run prints "nothing to do: 13/13
 *    epochs done" (exit 0).
 * 4. While it trains the process holds the folder's training lock (lm/training_lock.ts).
 *    SIGINT or SIGTERM stops it between two steps (never inside a save) with "interrupted
 *    after epoch N; checkpoint in DIR; rerun with --resume" (exit 130 or 143). A diverged
 *    step (NaN or infinite loss or gradient norm) stops it with `TrainingDivergedError`,
 *    saving nothing from it and saying where the last good checkpoint is.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { SingleBar, Presets } from "cli-progress";
import { initBackend, type BackendName } from "../backend/backend.js";
import type { EngineName } from "../engine/engine.js";
import { SPECIAL_TOKENS, Vocab } from "../data/vocab.js";
import { ArgumentError, InterruptedError, SeqlabError } from "../errors.js";
import { setSeed } from "../random.js";
import { buildModel, hasCheckpoint, inspectLm, recoverCheckpoint, rnnLmWeightShapes, saveLm, type CheckpointContents } from "../lm/checkpoint.js";
import { acquireTrainingLock } from "../lm/training_lock.js";
import { RnnLm, resolveRnnLmConfig } from "../lm/rnn_lm.js";
import { encodeStream, trainLmSteps, TrainingDivergedError, type EpochRecord } from "../lm/train_lm.js";
import { encodeSentences, trainSentenceLmSteps } from "../lm/train_sentence_lm.js";
import { sentenceBatches } from "../data/lm_batches.js";
import type { CellKind } from "../rnn/layer.js";
import { readTextBytes, readTextFile } from "./text.js";

/** Flags of `train-lm`. */
export interface TrainLmFlags {
  train: string;
  valid?: string;
  out: string;
  /** "stream" (the default) or "sentence" (see the file comment). */
  context?: "stream" | "sentence";
  cell: CellKind;
  layers: number;
  hidden: number;
  emb: number;
  epochs: number;
  batch: number;
  bptt: number;
  optimizer: "sgd" | "adam";
  lr?: number;
  decay?: number;
  decayAfter: number;
  clip: number;
  mode: "k-outputs" | "one-output";
  wordDropout: number;
  minCount: number;
  maxVocab?: number;
  maxSteps?: number;
  seed: number;
  resume: boolean;
  /** Replace a model already in --out. Default: false. */
  force?: boolean;
  progress: boolean;
  backend?: BackendName;
  engine?: EngineName;
}

/** The architecture flags and the config field each must match on --resume. */
const ARCHITECTURE = { cell: "cell", layers: "layers", hidden: "hiddenSize", emb: "embeddingSize" } as const;
/** The vocabulary flags, which must match on --resume. */
const VOCABULARY = ["minCount", "maxVocab"] as const;
/** The schedule flags: taken from the checkpoint unless given. */
const SCHEDULE = ["epochs", "batch", "bptt", "optimizer", "lr", "decay", "decayAfter", "clip", "mode", "wordDropout", "seed"] as const;
/** The flags of the stream context only (an error with --context sentence). */
const STREAM_ONLY = ["bptt", "mode", "wordDropout"] as const;
/** At most this many weights (4 GiB of float32). */
const MAX_WEIGHTS = 2 ** 30;

/** What `train-lm` records in the checkpoint (model.json "training"). */
interface TrainingRecord {
  command: "train-lm";
  /** Absent in checkpoints written before --context: "stream". */
  context?: "stream" | "sentence";
  train: { file: string; bytes: number; sha256: string };
  minCount: number;
  maxVocab: number | null;
  epochs: number;
  batch: number;
  bptt: number;
  optimizer: "sgd" | "adam";
  lr: number | null;
  decay: number | null;
  decayAfter: number;
  clip: number;
  mode: "k-outputs" | "one-output";
  wordDropout: number;
  seed: number;
}

/**
 * Runs `train-lm` (steps 1–4 of the file comment).
 * @param flags - the parsed flags.
 * @param log - where progress lines go. Default: console.log.
 * @param explicit - the flags given on the command line (the others take a resumed checkpoint's values). Default: every key of `flags`.
 * @returns the epoch records of this run and of any resumed run before it.
 */
export async function runTrainLm(flags: TrainLmFlags, log: (line: string) => void = console.log, explicit: ReadonlySet<string> = new Set(Object.keys(flags))): Promise<EpochRecord[]> {
  // 1. Flags (again, for callers that did not parse them), files, folders.
  checkFlagValues(flags);
  if (flags.resume && flags.force) throw new ArgumentError("--resume, --force: expected at most one (--resume continues the model in --out, --force replaces it), got both");
  checkOutFolder(flags.out);
  const trainBytes = readTextBytes(flags.train, "--train");
  const trainFile = { file: flags.train, bytes: trainBytes.length, sha256: createHash("sha256").update(trainBytes).digest("hex") };
  const train = readTextFile(flags.train, "--train", trainBytes);
  const valid = flags.valid === undefined ? undefined : readTextFile(flags.valid, "--valid");
  const signals = watchSignals();
  const created = !fs.existsSync(flags.out);
  const release = acquireTrainingLock(flags.out, log);
  try {
    recoverCheckpoint(flags.out); // finish a save that a killed process left after its commit point
    // 2–3. What --out holds, and the effective flags.
    const resumed = checkpointToResume(flags, log);
    if (resumed === null) checkStreamOnly(flags, flags.context ?? "stream", explicit);
    const eff = resumed === null ? { ...flags } : mergeWithCheckpoint(flags, resumed, trainFile, explicit, log);
    const context = eff.context ?? "stream";
    const history = (resumed?.history ?? []) as EpochRecord[];
    if (resumed !== null && history.length >= eff.epochs) {
      log(history.length === eff.epochs ? `nothing to do: ${history.length}/${eff.epochs} epochs done` : `nothing to do: ${history.length} epochs done, --epochs ${eff.epochs}`);
      return history;
    }
    const vocab = resumed?.vocab ?? freshVocab(train, eff);
    const config = resolveRnnLmConfig({ vocabSize: vocab.size, cell: eff.cell, layers: eff.layers, hiddenSize: eff.hidden, embeddingSize: eff.emb });
    const size = rnnLmWeightShapes(config).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
    if (size > MAX_WEIGHTS) {
      throw new ArgumentError(`--hidden ${eff.hidden}, --emb ${eff.emb}, --layers ${eff.layers}: expected a model of at most 2^30 weights, got ${size.toExponential(2)} (with V = ${vocab.size})`);
    }
    if (signals.received !== null) throw interrupted(signals.received, flags, history);

    const { engine } = await initBackend({ backend: flags.backend, engine: flags.engine, quiet: true }); // the engine is chosen with the backend
    setSeed(eff.seed);
    const model: RnnLm = resumed === null ? new RnnLm(config) : buildModel(resumed);
    if (resumed !== null) log(`resuming ${flags.out} after epoch ${history.length}`);
    try {
      const run = context === "sentence" ? trainSentences_ : train_;
      await run(model, vocab, train, valid, eff, history, trainFile, signals, log, engine?.name ?? "none");
    } finally {
      model.dispose();
    }
    return history;
  } finally {
    release();
    signals.dispose();
    if (created) removeIfEmpty(flags.out); // a run that failed its checks leaves no folder behind
  }
}

/** Step 4: the training loop, awaiting between steps so that signals get in. */
async function train_(
  model: RnnLm,
  vocab: Vocab,
  train: string[][],
  valid: string[][] | undefined,
  eff: TrainLmFlags,
  history: EpochRecord[],
  trainFile: TrainingRecord["train"],
  signals: SignalWatch,
  log: (line: string) => void,
  engineName: string,
): Promise<void> {
  const trainIds = encodeStream(vocab, train);
  const validIds = valid === undefined ? undefined : encodeStream(vocab, valid);
  log(
    `train-lm: ${model.config.layers} × ${model.config.hiddenSize} ${model.config.cell}, V = ${vocab.size}, ` +
      `${trainIds.length} training tokens, engine ${engineName}, seed ${eff.seed}`,
  );
  const record = trainingRecord(eff, trainFile);
  const bar = eff.progress && process.stderr.isTTY ? new SingleBar({ format: "epoch {epoch} [{bar}] {value}/{total} steps | loss {loss} | ETA {eta}s" }, Presets.shades_classic) : null;
  const steps = trainLmSteps(model, trainIds, {
    epochs: eff.epochs,
    startEpoch: history.length + 1,
    batchSize: eff.batch,
    bptt: eff.bptt,
    optimizer: eff.optimizer,
    learningRate: eff.lr,
    decay: eff.decay,
    decayAfter: eff.decayAfter,
    clip: eff.clip,
    mode: eff.mode,
    wordDropout: eff.wordDropout,
    maxSteps: eff.maxSteps,
    seed: eff.seed,
    valid: validIds,
    onStep: ({ epoch, step, steps, loss }) => {
      if (bar === null) return;
      if (step === 1) bar.start(steps, 0, { epoch, loss: loss.toFixed(3) });
      bar.update(step, { epoch, loss: loss.toFixed(3) });
    },
    onEpoch: (r) => {
      bar?.stop();
      saveLm(eff.out, model, vocab, [...history, r], { training: record as unknown as Record<string, unknown> });
      history.push(r);
      const v = r.validPerplexity === undefined ? "" : `, valid ppl ${r.validPerplexity.toFixed(2)}`;
      log(
        `epoch ${r.epoch}: lr ${r.learningRate}, train ppl ${r.trainPerplexity.toFixed(2)}${v}, ` +
          `${r.seconds.toFixed(1)} s, ${Math.round(r.tokensPerSecond)} tokens/s — saved ${eff.out}`,
      );
    },
  });
  await driveSteps(steps, eff, history, signals, bar);
}

/**
 * Runs a training generator to its end, awaiting between steps so that SIGINT / SIGTERM get in
 * (then it stops between two steps with `interrupted`); a `TrainingDivergedError` is rethrown
 * saying where the last good checkpoint is.
 */
async function driveSteps(
  steps: Generator<{ endOfEpoch: boolean }, unknown, void>,
  eff: TrainLmFlags,
  history: EpochRecord[],
  signals: SignalWatch,
  bar: SingleBar | null,
): Promise<void> {
  let last = performance.now();
  try {
    for (;;) {
      const r = steps.next();
      if (r.done === true) break;
      if (r.value.endOfEpoch || performance.now() - last >= 50) {
        // Let SIGINT / SIGTERM handlers run. Two turns: the first immediate may run in the
        // current loop iteration's check phase, before the poll phase that delivers signals.
        for (let turn = 0; turn < 2; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
        last = performance.now();
      }
      if (signals.received !== null) {
        bar?.stop();
        steps.return([]); // abandons training between two steps (the generator's cleanup runs)
        throw interrupted(signals.received, eff, history);
      }
    }
  } catch (e) {
    if (!(e instanceof TrainingDivergedError)) throw e;
    const where = history.length === 0 ? "no checkpoint yet" : `the last checkpoint (epoch ${history.length}) is in ${eff.out}`;
    throw new TrainingDivergedError(`${e.message}; nothing was saved from it, ${where}`, e.epoch, e.step, e.value);
  } finally {
    bar?.stop();
  }
}

/**
 * Step 4 for --context sentence: one `trainSentenceLmSteps` run per epoch (a fresh optimizer at
 * that epoch's rate, the sentences shuffled with seed + epoch), driven as the stream loop is.
 */
async function trainSentences_(
  model: RnnLm,
  vocab: Vocab,
  train: string[][],
  valid: string[][] | undefined,
  eff: TrainLmFlags,
  history: EpochRecord[],
  trainFile: TrainingRecord["train"],
  signals: SignalWatch,
  log: (line: string) => void,
  engineName: string,
): Promise<void> {
  const trainIds = encodeSentences(vocab, train);
  const validIds = valid === undefined ? undefined : encodeSentences(vocab, valid);
  const B = eff.batch;
  const perEpoch = Math.ceil(trainIds.length / B); // batches of an epoch
  log(
    `train-lm: ${model.config.layers} × ${model.config.hiddenSize} ${model.config.cell}, V = ${vocab.size}, ` +
      `${trainIds.length} training sentences (context sentence), engine ${engineName}, seed ${eff.seed}`,
  );
  const record = trainingRecord(eff, trainFile);
  const lr0 = eff.lr ?? (eff.optimizer === "adam" ? 1e-3 : 1);
  const decay = eff.decay ?? (eff.optimizer === "adam" ? 1 : 0.5);
  const startStep = history.length * perEpoch; // --max-steps counts the steps of this invocation
  const bar = eff.progress && process.stderr.isTTY ? new SingleBar({ format: "epoch {epoch} [{bar}] {value}/{total} steps | loss {loss} | ETA {eta}s" }, Presets.shades_classic) : null;
  for (let epoch = history.length + 1; epoch <= eff.epochs; epoch++) {
    const learningRate = lr0 * decay ** Math.max(0, epoch - eff.decayAfter);
    let stepMs = 0;
    let tick = performance.now();
    let done = 0;
    let saved = false;
    const steps = trainSentenceLmSteps(model, trainIds, {
      startEpoch: epoch,
      epochs: epoch,
      batchSize: B,
      optimizer: eff.optimizer,
      learningRate,
      clip: eff.clip,
      seed: eff.seed,
      valid: validIds,
      maxSteps: eff.maxSteps === undefined ? undefined : startStep + eff.maxSteps,
      onStep: ({ loss }) => {
        const now = performance.now();
        stepMs += now - tick;
        tick = now;
        done++;
        if (bar === null) return;
        if (done === 1) bar.start(perEpoch, 0, { epoch, loss: loss.toFixed(3) });
        bar.update(done, { epoch, loss: loss.toFixed(3) });
      },
      onEpoch: (s) => {
        bar?.stop();
        // the targets (words and <EOS>) of the batches this epoch trained on: its first `steps` batches
        const batches = sentenceBatches(trainIds, { batchSize: B, bucket: true, shuffleSeed: eff.seed + epoch }).slice(0, s.steps);
        const tokens = batches.reduce((n, b) => n + b.numTargets, 0);
        const r: EpochRecord = { epoch, learningRate, trainPerplexity: s.trainPerplexity, validPerplexity: s.validPerplexity, steps: s.steps, seconds: s.seconds, tokensPerSecond: tokens / (stepMs / 1000) };
        if (r.validPerplexity === undefined) delete r.validPerplexity;
        saveLm(eff.out, model, vocab, [...history, r], { training: record as unknown as Record<string, unknown> });
        history.push(r);
        saved = true;
        const v = r.validPerplexity === undefined ? "" : `, valid ppl ${r.validPerplexity.toFixed(2)}`;
        log(
          `epoch ${r.epoch}: lr ${r.learningRate}, train ppl ${r.trainPerplexity.toFixed(2)}${v}, ` +
            `${r.seconds.toFixed(1)} s, ${Math.round(r.tokensPerSecond)} tokens/s — saved ${eff.out}`,
        );
      },
    });
    tick = performance.now();
    await driveSteps(steps, eff, history, signals, bar);
    if (!saved || history[history.length - 1].steps < perEpoch) break; // --max-steps reached
  }
}

/** Step 2: the checkpoint to continue (--resume), or null; refuses to replace one without --force. */
function checkpointToResume(flags: TrainLmFlags, log: (line: string) => void): CheckpointContents | null {
  const out = flags.out;
  if (!hasCheckpoint(out)) {
    if (flags.resume) log(`nothing to resume in ${out}: starting at epoch 1`);
    return null;
  }
  if (flags.resume) return inspectLm(out, { warn: log });
  let c: CheckpointContents;
  try {
    c = inspectLm(out, { warn: () => {} });
  } catch (e) {
    if (!(e instanceof SeqlabError)) throw e;
    if (flags.force) return null;
    throw new ArgumentError(`${out} holds a checkpoint that does not load (${e.message}); pass --force to replace it`);
  }
  if (!flags.force) throw new ArgumentError(`${out} holds a model (${describeModel(c)}); pass --resume to continue or --force to replace it`);
  log(`--force: ${out} holds a model (${describeModel(c)}); it is replaced when epoch 1 of this run is saved`);
  return null;
}

/** "2 epochs, 2×200 LSTM" (", sentence-level" for a sentence-level LM). */
function describeModel(c: CheckpointContents): string {
  const n = c.history.length;
  const sentence = c.training?.context === "sentence" ? ", sentence-level" : "";
  return `${n} epoch${n === 1 ? "" : "s"}, ${c.config.layers}×${c.config.hiddenSize} ${c.config.cell.toUpperCase()}${sentence}`;
}

/** Step 3: the flags of a resumed run (the rule in the file comment). */
function mergeWithCheckpoint(
  flags: TrainLmFlags,
  c: CheckpointContents,
  trainFile: TrainingRecord["train"],
  explicit: ReadonlySet<string>,
  log: (line: string) => void,
): TrainLmFlags {
  const eff: TrainLmFlags = { ...flags };
  const replace = "drop the flag to continue that model, or pass --force without --resume to replace it";
  for (const [flag, key] of Object.entries(ARCHITECTURE) as [keyof typeof ARCHITECTURE, (typeof ARCHITECTURE)[keyof typeof ARCHITECTURE]][]) {
    if (explicit.has(flag) && flags[flag] !== c.config[key]) {
      throw new ArgumentError(`--${flag} ${flags[flag]}: conflicts with the checkpoint in ${flags.out}, expected its ${key} ${c.config[key]}, got ${flags[flag]}; ${replace}`);
    }
  }
  const recorded = c.training?.context === "sentence" ? "sentence" : "stream";
  if (explicit.has("context") && (flags.context ?? "stream") !== recorded) {
    throw new ArgumentError(`--context ${flags.context}: conflicts with the checkpoint in ${flags.out}, expected its context ${recorded}, got ${flags.context}; ${replace}`);
  }
  eff.context = recorded;
  checkStreamOnly(flags, recorded, explicit, ` (the checkpoint's in ${flags.out})`);
  eff.cell = c.config.cell;
  eff.layers = c.config.layers;
  eff.hidden = c.config.hiddenSize;
  eff.emb = c.config.embeddingSize;
  const rec = c.training?.command === "train-lm" ? (c.training as unknown as TrainingRecord) : null;
  if (rec === null) {
    log(`the checkpoint in ${flags.out} does not record its training file or schedule: --train is not checked against it, its vocabulary is kept, the flags apply as given`);
    return eff;
  }
  if (rec.train.sha256 !== trainFile.sha256) {
    throw new ArgumentError(
      `--train ${flags.train}: conflicts with the checkpoint in ${flags.out}, expected its training file ${rec.train.file} (${rec.train.bytes} bytes, sha256 ${rec.train.sha256.slice(0, 12)}…), ` +
        `got ${trainFile.bytes} bytes, sha256 ${trainFile.sha256.slice(0, 12)}…; resume with that file, or pass --force without --resume to replace the model`,
    );
  }
  for (const key of VOCABULARY) {
    const recorded = rec[key] ?? undefined;
    if (explicit.has(key) && flags[key] !== recorded) {
      throw new ArgumentError(`${flagName(key)} ${flags[key]}: conflicts with the checkpoint in ${flags.out}, expected its ${recorded ?? "default (none)"}, got ${flags[key]}; ${replace}`);
    }
    (eff as unknown as Record<string, unknown>)[key] = recorded;
  }
  for (const key of SCHEDULE) {
    const recorded = rec[key] ?? undefined;
    if (!explicit.has(key)) (eff as unknown as Record<string, unknown>)[key] = recorded;
    else if (flags[key] !== recorded) log(`${flagName(key)} ${flags[key]} replaces the checkpoint's ${recorded ?? "default"}`);
  }
  return eff;
}

/** --bptt, --mode, --word-dropout given with the sentence context: an error (file comment). */
function checkStreamOnly(flags: TrainLmFlags, context: "stream" | "sentence", explicit: ReadonlySet<string>, whose = ""): void {
  if (context !== "sentence") return;
  for (const key of STREAM_ONLY) {
    if (explicit.has(key)) throw new ArgumentError(`${flagName(key)} ${String(flags[key])}: expected --context stream (a sentence-level LM trains on whole sentences, without it), got --context sentence${whose}`);
  }
}

/** The record of a run's data and schedule, saved in each checkpoint. */
function trainingRecord(f: TrainLmFlags, train: TrainingRecord["train"]): TrainingRecord {
  return {
    command: "train-lm", context: f.context ?? "stream", train, minCount: f.minCount, maxVocab: f.maxVocab ?? null, epochs: f.epochs, batch: f.batch, bptt: f.bptt,
    optimizer: f.optimizer, lr: f.lr ?? null, decay: f.decay ?? null, decayAfter: f.decayAfter, clip: f.clip, mode: f.mode,
    wordDropout: f.wordDropout, seed: f.seed,
  };
}

/** A new run's vocabulary; an error if it has no word besides the special tokens. */
function freshVocab(train: string[][], f: TrainLmFlags): Vocab {
  const counts = new Map<string, number>();
  for (const s of train) for (const w of s) counts.set(w, (counts.get(w) ?? 0) + 1);
  let most = 0;
  for (const [w, n] of counts) if (!(SPECIAL_TOKENS as readonly string[]).includes(w) && n > most) most = n;
  if (most < f.minCount) {
    throw new ArgumentError(`--min-count ${f.minCount}: expected a vocabulary with at least one word besides the ${SPECIAL_TOKENS.length} special tokens, got none (the most frequent word of ${f.train} occurs ${most} times)`);
  }
  return Vocab.fromSentences(train, { minCount: f.minCount, maxSize: f.maxVocab });
}

/** The interruption error (file comment, step 4). */
function interrupted(signal: "SIGINT" | "SIGTERM", f: TrainLmFlags, history: EpochRecord[]): InterruptedError {
  if (history.length > 0) return new InterruptedError(`interrupted after epoch ${history.length}; checkpoint in ${f.out}; rerun with --resume`, signal);
  const old = f.force === true && hasCheckpoint(f.out) ? `; ${f.out} still holds the model it was to replace` : "";
  return new InterruptedError(`interrupted during epoch 1; no checkpoint yet${old}`, signal);
}

/** SIGINT / SIGTERM noted while the handlers are installed (also used by `seqlab ner train`, cli/ner.ts). */
export interface SignalWatch {
  readonly received: "SIGINT" | "SIGTERM" | null;
  dispose(): void;
}

/** Notes SIGINT and SIGTERM instead of exiting, until `dispose()`: a trainer checks `received` between two steps. */
export function watchSignals(): SignalWatch {
  const watch = { received: null as "SIGINT" | "SIGTERM" | null, dispose: () => {} };
  const on = (signal: "SIGINT" | "SIGTERM") => {
    watch.received ??= signal;
  };
  process.on("SIGINT", on);
  process.on("SIGTERM", on);
  watch.dispose = () => {
    process.off("SIGINT", on);
    process.off("SIGTERM", on);
  };
  return watch;
}

/**
 * --out: an existing writable folder, or a path where one can be created.
 * @param out - the path.
 * @param flag - the flag that named it, for messages. Default: "--out".
 */
export function checkOutFolder(out: string, flag = "--out"): void {
  const st = statOrNull(out);
  if (st !== null) {
    if (!st.isDirectory()) throw new ArgumentError(`${flag} ${out}: expected a folder (or a path where one can be created), got an existing file`);
    if (!writable(out)) throw new ArgumentError(`${flag} ${out}: expected a writable folder, got one without write permission`);
    return;
  }
  let parent = path.dirname(path.resolve(out));
  for (;;) {
    const p = statOrNull(parent);
    if (p !== null) {
      if (!p.isDirectory()) throw new ArgumentError(`${flag} ${out}: expected a path where a folder can be created, got ${parent}, an existing file, on the way`);
      if (!writable(parent)) throw new ArgumentError(`${flag} ${out}: expected a path where a folder can be created, got ${parent} without write permission`);
      return;
    }
    parent = path.dirname(parent);
  }
}

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null; // ENOTDIR: a file on the way, found by the caller's walk up
    throw new ArgumentError(`${p}: expected a folder, got ${(e as Error).message}`);
  }
}

/** Removes a folder if it is empty (a run that failed its checks leaves none behind). */
export function removeIfEmpty(dir: string): void {
  try {
    fs.rmdirSync(dir); // fails unless empty
  } catch {
    // a checkpoint or other files: keep
  }
}

function writable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.W_OK | fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** "--decay-after" for "decayAfter". */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** A flag's parser: the value, or an error naming what was expected (commander names the flag). */
export type Parser = (value: string) => number;

/** Flag parsers shared by the commands (cli/ner.ts too). */
export const positiveInt: Parser = (value) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`expected an integer ≥ 1, got '${value}'`);
  return n;
};

export const positive: Parser = (value) => {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a number > 0, got '${value}'`);
  return n;
};

const decayRate: Parser = (value) => {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0 || n > 1) throw new InvalidArgumentError(`expected a number in (0, 1], got '${value}'`);
  return n;
};

export const probability: Parser = (value) => {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n >= 1) throw new InvalidArgumentError(`expected a probability in [0, 1), got '${value}'`);
  return n;
};

const vocabSize: Parser = (value) => {
  const n = Number(value);
  const min = SPECIAL_TOKENS.length + 1;
  if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer ≥ ${min} (the ${SPECIAL_TOKENS.length} special tokens and a word), got '${value}'`);
  return n;
};

/** The numeric flags and their parsers (also checked by `runTrainLm` for programmatic calls). */
const NUMERIC: Record<string, Parser> = {
  layers: positiveInt, hidden: positiveInt, emb: positiveInt, epochs: positiveInt, batch: positiveInt, bptt: positiveInt,
  lr: positive, decay: decayRate, decayAfter: positiveInt, clip: positive, wordDropout: probability, minCount: positiveInt,
  maxVocab: vocabSize, maxSteps: positiveInt, seed: positiveInt,
};

function checkFlagValues(flags: TrainLmFlags): void {
  for (const [key, parse] of Object.entries(NUMERIC)) {
    const v = (flags as unknown as Record<string, unknown>)[key];
    if (v === undefined) continue;
    try {
      parse(String(v));
    } catch (e) {
      throw new ArgumentError(`${flagName(key)}: ${(e as Error).message}`);
    }
  }
}

/** Adds the `train-lm` command to a program. */
export function addTrainLmCommand(program: Command): Command {
  return program
    .command("train-lm")
    .description("train an RNN/LSTM/GRU language model; checkpoint after every epoch (Zaremba et al. 2014 small by default)")
    .requiredOption("--train <file>", "training text: one sentence per line, whitespace tokens")
    .option("--valid <file>", "validation text, evaluated after every epoch")
    .requiredOption("--out <dir>", "checkpoint folder (model.json, weights.bin, vocab.json, manifest.json)")
    .addOption(new Option("--context <kind>", "stream: the text as one stream in --bptt windows; sentence: each line its own row, <SOS> … <EOS> from a zero state").choices(["stream", "sentence"]).default("stream"))
    .addOption(new Option("--cell <kind>", "recurrent cell").choices(["rnn", "lstm", "gru"]).default("lstm"))
    .option("--layers <n>", "stacked layers", positiveInt, 2)
    .option("--hidden <n>", "units per layer", positiveInt, 200)
    .option("--emb <n>", "embedding size", positiveInt, 200)
    .option("--epochs <n>", "epochs (in total, with --resume)", positiveInt, 13)
    .option("--batch <n>", "batch rows B: parallel streams (stream), sentences per step (sentence)", positiveInt, 20)
    .option("--bptt <n>", "BPTT window k", positiveInt, 20)
    .addOption(new Option("--optimizer <name>", "optimizer").choices(["sgd", "adam"]).default("sgd"))
    .option("--lr <x>", "initial learning rate, > 0 (default 1 for sgd, 1e-3 for adam)", positive)
    .option("--decay <x>", "learning-rate decay per epoch after --decay-after, in (0, 1] (default 0.5 for sgd, 1 for adam)", decayRate)
    .option("--decay-after <n>", "epochs at the initial rate", positiveInt, 4)
    .option("--clip <x>", "clip the gradients' global norm to x > 0", positive, 5)
    .addOption(new Option("--mode <mode>", "loss positions").choices(["k-outputs", "one-output"]).default("k-outputs"))
    .option("--word-dropout <p>", "replace input words by <UNK> with probability p in [0, 1)", probability, 0)
    .option("--min-count <n>", "vocabulary: keep words seen at least n times", positiveInt, 1)
    .option("--max-vocab <n>", "vocabulary: at most n entries (with the 4 special tokens), n ≥ 5", vocabSize)
    .option("--max-steps <n>", "stop after n steps in total (quick runs)", positiveInt)
    .option("--seed <n>", "seed of the weights and of word dropout", positiveInt, 42)
    .option("--resume", "continue the model in --out (see below)", false)
    .option("--force", "replace a model already in --out (when this run's first epoch is saved)", false)
    .option("--no-progress", "no progress bar")
    .addOption(new Option("--backend <name>", "tfjs backend (default: SEQLAB_BACKEND or the best available)").choices(["tensorflow", "seqlab", "wasm", "cpu"]))
    .addOption(new Option("--engine <name>", "compute engine (default: SEQLAB_ENGINE or the best available)").choices(["native", "wasm", "js", "tfjs"]))
    .addHelpText(
      "after",
      `
--out holding a model needs --resume (continue it) or --force (replace it).
With --resume, a flag not given takes the checkpoint's value. Given, --context, --cell,
--layers, --hidden, --emb, --min-count and --max-vocab must equal the checkpoint's and --train
must be the same file (sha256), else it is an error; --epochs, --batch, --bptt, --optimizer,
--lr, --decay, --decay-after, --clip, --mode, --word-dropout and --seed override the
checkpoint's. --context sentence: a sentence-level LM for \`seqlab generate\` (starts at <SOS>,
stops at <EOS>); --bptt, --mode and --word-dropout are for --context stream only.
A finished run prints "nothing to do: N/N epochs done".
Ctrl-C (SIGINT) or SIGTERM stops between two steps; the last epoch's checkpoint is kept.`,
    )
    .action(async (flags: TrainLmFlags, command: Command) => {
      const explicit = new Set(Object.keys(flags).filter((k) => ["cli", "env"].includes(command.getOptionValueSource(k) ?? "")));
      await runTrainLm(flags, console.log, explicit);
    });
}
