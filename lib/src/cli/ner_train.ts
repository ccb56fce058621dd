/**
 * `seqlab ner train`: trains a tagger (LSTM, biLSTM or biLSTM-CRF, optionally with char
 * features; lib/src/tagging/) on CoNLL column files or BRAT folders, with early stopping on
 * the dev set's F1, a progress bar, and a checkpoint folder (tagging/tagger_checkpoint.ts)
 * written after every epoch, which `seqlab ner tag --model DIR` reads and `--resume`
 * continues.
 *
 *     seqlab ner train --train eng.train --dev eng.testa --format conll --model runs/ner --crf --chars
 *
 * 1. Every flag is checked when parsed (range, with the flag's name) and the combinations
 *    before any work (--crf needs --arch bilstm; --tag-column is for --format conll); then
 *    --model is a folder or can be created, and the data are read: CoNLL files with
 *    file:line errors (ner/conll_reader.ts), BRAT folders with file:line errors
 *    (ner/brat_reader.ts) tokenised and split into sentences (ner/documents.ts). The
 *    training data must hold at least one entity.
 * 2. --model holding a model: without --resume or --force, an error naming what it holds.
 *    --force replaces it when this run's first epoch is saved.
 * 3. --resume: the checkpoint records the flags and the training data's sha256. A flag not
 *    given takes the checkpoint's value; given, the architecture and vocabulary flags
 *    (--arch, --crf, --chars, --emb, --hidden, --char-emb, --char-hidden, --scheme,
 *    --min-count, --lowercase, --format, --tag-column) must equal it and --train must hold
 *    the same data, and --dev too (not given: the checkpoint's dev data, since they select
 *    the kept epoch), else an error names the conflict; the schedule flags (--epochs,
 *    --patience, --batch, --optimizer, --lr, --clip, --dropout, --word-dropout, --seed,
 *    --constrained) override it, announced. A finished run says "nothing to do".
 * 4. While it trains, the process holds the folder's training lock (lm/training_lock.ts);
 *    SIGINT or SIGTERM stops it between two steps with "interrupted after epoch N;
 *    checkpoint in DIR; rerun with --resume" (exit 130 / 143); a diverged step stops it
 *    with `TrainingDivergedError`, saving nothing from it.
 * 5. At the end: the dev-selected epoch and, with --dev, conlleval's report of the dev set
 *    tagged by it.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { SingleBar, Presets } from "cli-progress";
import { initBackend, type BackendName } from "../backend/backend.js";
import type { EngineName } from "../engine/engine.js";
import { ArgumentError, InterruptedError, SeqlabError } from "../errors.js";
import { setSeed } from "../random.js";
import { recoverCheckpoint } from "../lm/checkpoint.js";
import { acquireTrainingLock } from "../lm/training_lock.js";
import { TrainingDivergedError } from "../lm/train_lm.js";
import { buildNerVocabs, type NerVocabs } from "../ner/batches.js";
import { readBratFolder } from "../ner/brat_reader.js";
import { conllevalReport } from "../ner/conlleval.js";
import { readConllFile } from "../ner/conll_reader.js";
import { documentToSentences, entitySpans } from "../ner/documents.js";
import type { NerSentence, TagScheme } from "../ner/types.js";
import { transitionConstraints } from "../tagging/constraints.js";
import { evaluateTagger } from "../tagging/predict.js";
import type { Tagger } from "../tagging/tagger.js";
import { buildTagger, hasTaggerCheckpoint, inspectTagger, saveTagger, type TaggerCheckpoint } from "../tagging/tagger_checkpoint.js";
import { createTagger, describeTagger, resolveTaggerConfig, type ResolvedTaggerConfig } from "../tagging/tagger_config.js";
import { INITIAL_TAGGER_STATE, trainTaggerSteps, type TaggerEpochRecord, type TaggerTrainingState } from "../tagging/train_tagger.js";
import { checkOutFolder, flagName, removeIfEmpty, watchSignals, type SignalWatch } from "./train_lm.js";

/** Flags of `ner train`. */
export interface NerTrainFlags {
  train: string;
  dev?: string;
  format: "conll" | "brat";
  model: string;
  arch: "lstm" | "bilstm";
  crf: boolean;
  chars: boolean;
  emb: number;
  hidden: number;
  charEmb: number;
  charHidden: number;
  caps: boolean;
  capsEmb: number;
  dropout: number;
  wordDropout: number;
  epochs: number;
  patience: number;
  batch: number;
  optimizer: "adam" | "sgd";
  lr?: number;
  clip: number;
  scheme: TagScheme;
  tagColumn?: number;
  constrained: boolean;
  minCount: number;
  lowercase: boolean;
  seed: number;
  resume: boolean;
  force: boolean;
  progress: boolean;
  backend?: BackendName;
  engine?: EngineName;
}

/** The flags that fix the architecture and the vocabularies: equal on --resume. */
export const NER_ARCHITECTURE_FLAGS = ["format", "arch", "crf", "chars", "emb", "hidden", "charEmb", "charHidden", "caps", "capsEmb", "scheme", "minCount", "lowercase", "tagColumn"] as const;
/** The schedule flags: the checkpoint's unless given. */
export const NER_SCHEDULE_FLAGS = ["epochs", "patience", "batch", "optimizer", "lr", "clip", "dropout", "wordDropout", "seed", "constrained"] as const;

/** What `ner train` records in the checkpoint ("training"). */
interface NerTrainingRecord {
  command: "ner train";
  data: { train: string; sha256: string };
  /** The dev data the best epoch was selected on, or null. */
  dev: { train: string; sha256: string } | null;
  flags: Record<string, unknown>;
}

/**
 * Runs `ner train` (steps 1–5 of the file comment).
 * @param flags - the parsed flags.
 * @param log - where progress lines go. Default: console.log.
 * @param explicit - the flags given on the command line (the others take a resumed checkpoint's values). Default: every key of `flags`.
 * @returns the epoch records of the run (with those of a resumed run before it).
 */
export async function runNerTrain(flags: NerTrainFlags, log: (line: string) => void = console.log, explicit: ReadonlySet<string> = new Set(Object.keys(flags))): Promise<TaggerEpochRecord[]> {
  // 1. Flags, folders, data.
  checkCombinations(flags);
  checkOutFolder(flags.model, "--model");
  const created = !fs.existsSync(flags.model);
  const fingerprint = dataFingerprint(flags.train, "--train");
  const devFingerprint = flags.dev === undefined ? null : dataFingerprint(flags.dev, "--dev");
  const signals = watchSignals();
  const release = acquireTrainingLock(flags.model, log);
  try {
    recoverCheckpoint(flags.model); // finish a save that a killed process left after its commit point
    // 2–3. What --model holds, and the effective flags.
    const resumed = checkpointToResume(flags, log);
    const eff = resumed === null ? { ...flags } : mergeWithCheckpoint(flags, resumed, fingerprint, devFingerprint, explicit, log);
    const train = readSentences(eff.train, "--train", eff);
    const dev = eff.dev === undefined ? undefined : readSentences(eff.dev, "--dev", eff);
    if (!train.some((s) => s.tags.some((t) => t !== "O"))) throw new ArgumentError(`--train ${eff.train}: expected tagged entities, got none (every tag is O)`);
    if (resumed !== null && (resumed.state.stopped || resumed.state.epoch >= eff.epochs)) {
      const why = resumed.state.stopped ? `early stopping ended it after epoch ${resumed.state.epoch}` : `${resumed.state.epoch}/${eff.epochs} epochs done`;
      log(`nothing to do: ${why}; the dev-selected epoch is ${resumed.state.bestEpoch}`);
      return resumed.history;
    }
    const vocabs = resumed?.vocabs ?? buildNerVocabs(train, { scheme: eff.scheme, minCount: eff.minCount, lowercase: eff.lowercase });
    const config = resolveTaggerConfig({
      kind: eff.crf ? "bilstm-crf" : eff.arch,
      vocabularySize: vocabs.words.size,
      numTags: vocabs.tags.size,
      embeddingSize: eff.emb,
      hiddenSize: eff.hidden,
      chars: eff.chars ? { alphabetSize: vocabs.chars.size, embeddingSize: eff.charEmb, hiddenSize: eff.charHidden } : null,
      caps: eff.caps ? { embeddingSize: eff.capsEmb ?? 5 } : null,
      dropout: eff.dropout,
    }, "ner train");
    if (signals.received !== null) throw interrupted(signals.received, eff, []);
    const { engine } = await initBackend({ backend: flags.backend, engine: flags.engine, quiet: true });
    setSeed(eff.seed);
    const tagger = resumed === null ? createTagger(config) : buildTagger(config, resumed.weights);
    try {
      log(`ner train: ${describeTagger(config)}; ${vocabs.words.size} words, ${vocabs.chars.size} characters, ${vocabs.tags.size} tags (${vocabs.tags.scheme}); ${train.length} training sentences${dev === undefined ? " (no --dev: no early stopping, the last epoch is kept)" : `, ${dev.length} dev`}; engine ${engine?.name ?? "none"}, seed ${eff.seed}`);
      if (resumed !== null) log(`resuming ${eff.model} after epoch ${resumed.state.epoch}`);
      const history = [...(resumed?.history ?? [])];
      const record: NerTrainingRecord = { command: "ner train", data: fingerprint, dev: eff.dev === undefined ? null : dataFingerprint(eff.dev, "--dev"), flags: recordedFlags(eff) };
      const best = await trainLoop(tagger, config, vocabs, train, dev, eff, resumed, history, record, signals, log);
      // 5. The dev-selected epoch.
      if (dev !== undefined && history.length > 0) {
        const bestTagger = buildTagger(config, best.weights);
        try {
          const e = evaluateTagger(bestTagger, dev, vocabs, { chars: config.chars !== null, caps: config.caps !== null, constraints: eff.constrained ? transitionConstraints(vocabs.tags) : undefined }).scores;
          log(`dev-selected epoch ${best.state.bestEpoch}${best.state.stopped ? ` (early stopping after epoch ${best.state.epoch})` : ""}; conlleval on ${eff.dev}:`);
          log(conllevalReport(e).trimEnd());
        } finally {
          bestTagger.weights.forEach((w) => w.dispose());
        }
      }
      return history;
    } finally {
      tagger.weights.forEach((w) => w.dispose());
    }
  } finally {
    release();
    signals.dispose();
    if (created) removeIfEmpty(flags.model);
  }
}

/** Step 4: the training loop, awaiting between steps so that signals get in; returns the best weights and the final state. */
async function trainLoop(
  tagger: Tagger,
  config: ResolvedTaggerConfig,
  vocabs: NerVocabs,
  train: NerSentence[],
  dev: NerSentence[] | undefined,
  eff: NerTrainFlags,
  resumed: TaggerCheckpoint | null,
  history: TaggerEpochRecord[],
  record: NerTrainingRecord,
  signals: SignalWatch,
  log: (line: string) => void,
): Promise<{ weights: Float32Array[]; state: TaggerTrainingState }> {
  const bar = eff.progress && process.stderr.isTTY ? new SingleBar({ format: "epoch {epoch} [{bar}] {value}/{total} batches | loss {loss} | ETA {eta}s" }, Presets.shades_classic) : null;
  let best = { weights: resumed?.best ?? tagger.weights.map((w) => Float32Array.from(w.dataSync() as Float32Array)), state: resumed?.state ?? { ...INITIAL_TAGGER_STATE } };
  const steps = trainTaggerSteps(tagger, vocabs, train, {
    epochs: eff.epochs,
    patience: eff.patience,
    batchSize: eff.batch,
    optimizer: eff.optimizer,
    learningRate: eff.lr,
    clip: eff.clip,
    wordDropout: eff.wordDropout,
    dev,
    constraints: eff.constrained ? transitionConstraints(vocabs.tags) : undefined,
    chars: config.chars !== null,
    caps: config.caps !== null,
    seed: eff.seed,
    resume: resumed?.state,
    onStep: ({ epoch, step, steps: total, loss }) => {
      if (bar === null) return;
      if (step === 1) bar.start(total, 0, { epoch, loss: loss.toFixed(3) });
      bar.update(step, { epoch, loss: loss.toFixed(3) });
    },
    onEpoch: (r, state, bestWeights) => {
      bar?.stop();
      saveTagger(eff.model, { config, tagger, vocabs, history: [...history, r], state, best: bestWeights, training: record as unknown as Record<string, unknown> });
      history.push(r);
      best = { weights: bestWeights, state };
      const f1 = r.devF1 === undefined ? "" : `, dev F1 ${(100 * r.devF1).toFixed(2)} (P ${(100 * r.devPrecision!).toFixed(2)}, R ${(100 * r.devRecall!).toFixed(2)})${r.best ? " best" : ""}`;
      log(`epoch ${r.epoch}: loss ${r.loss.toFixed(3)}${f1}, ${r.seconds.toFixed(1)} s, ${Math.round(r.sentencesPerSecond)} sentences/s — saved ${eff.model}`);
    },
  });
  let last = performance.now();
  try {
    for (;;) {
      const r = steps.next();
      if (r.done === true) break;
      if (r.value.endOfEpoch || performance.now() - last >= 50) {
        // Let SIGINT / SIGTERM handlers run (two turns, as in cli/train_lm.ts).
        for (let turn = 0; turn < 2; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
        last = performance.now();
      }
      if (signals.received !== null) {
        bar?.stop();
        steps.return({ records: [], state: best.state, best: best.weights });
        throw interrupted(signals.received, eff, history);
      }
    }
  } catch (e) {
    if (!(e instanceof TrainingDivergedError)) throw e;
    const where = history.length === 0 ? "no checkpoint yet" : `the last checkpoint (epoch ${history.length}) is in ${eff.model}`;
    throw new TrainingDivergedError(`${e.message}; nothing was saved from it, ${where}`, e.epoch, e.step, e.value);
  } finally {
    bar?.stop();
  }
  return best;
}

/** Step 1: the combinations of flags. */
function checkCombinations(flags: NerTrainFlags): void {
  if (flags.resume && flags.force) throw new ArgumentError("--resume, --force: expected at most one (--resume continues the model in --model, --force replaces it), got both");
  if (flags.crf && flags.arch !== "bilstm") throw new ArgumentError(`--crf: expected --arch bilstm (the CRF tagger reads both directions), got --arch ${flags.arch}`);
  if (flags.tagColumn !== undefined && flags.format !== "conll") throw new ArgumentError(`--tag-column: expected only with --format conll, got --format ${flags.format}`);
  if ((flags.scheme as string) !== "IOB2" && (flags.scheme as string) !== "IOBES") throw new ArgumentError(`--scheme: expected IOB2 or IOBES, got ${flags.scheme}`);
}

/**
 * Reads tagged sentences: a CoNLL file, or a BRAT folder tokenised and split (step 1).
 * @param file - the path.
 * @param flag - "--train" or "--dev", for messages.
 * @param f - format, scheme, tagColumn.
 */
export function readSentences(file: string, flag: string, f: Pick<NerTrainFlags, "format" | "scheme" | "tagColumn">): NerSentence[] {
  const st = statOrNull(file);
  if (st === null) throw new ArgumentError(`${flag} ${file}: expected ${f.format === "brat" ? "a folder of NAME.txt and NAME.ann files" : "a CoNLL file"}, got no such file or folder`);
  if (f.format === "conll") {
    if (!st.isFile()) throw new ArgumentError(`${flag} ${file}: expected a CoNLL file (--format conll), got a folder`);
    const sentences = readConllFile(file, { to: f.scheme, ...(f.tagColumn !== undefined ? { tagColumn: f.tagColumn } : {}) }).sentences;
    if (sentences.length === 0) throw new ArgumentError(`${flag} ${file}: expected at least one sentence, got none`);
    return sentences.map(({ tokens, tags }) => ({ tokens, tags }));
  }
  if (!st.isDirectory()) throw new ArgumentError(`${flag} ${file}: expected a folder of NAME.txt and NAME.ann files (--format brat), got a file`);
  return readBratFolder(file).documents.flatMap((d) => documentToSentences(d.text, entitySpans(d.entities).spans, { scheme: f.scheme, doc: d.name }).sentences);
}

/** The sha256 of a file, or of a folder's sorted listing of `<sha256>  <name>` lines (BRAT). */
export function dataFingerprint(file: string, flag: string): { train: string; sha256: string } {
  const st = statOrNull(file);
  if (st === null) throw new ArgumentError(`${flag} ${file}: expected a CoNLL file or a BRAT folder, got no such file or folder`);
  const hash = (p: string) => createHash("sha256").update(fs.readFileSync(p)).digest("hex");
  if (st.isFile()) return { train: file, sha256: hash(file) };
  const listing = fs.readdirSync(file).filter((n) => n.endsWith(".txt") || n.endsWith(".ann")).sort().map((n) => `${hash(path.join(file, n))}  ${n}\n`).join("");
  return { train: file, sha256: createHash("sha256").update(listing).digest("hex") };
}

/** Step 2: the checkpoint to continue (--resume), or null; refuses to replace one without --force. */
function checkpointToResume(flags: NerTrainFlags, log: (line: string) => void): TaggerCheckpoint | null {
  if (!hasTaggerCheckpoint(flags.model)) {
    if (flags.resume) log(`nothing to resume in ${flags.model}: starting at epoch 1`);
    return null;
  }
  if (flags.resume) return inspectTagger(flags.model);
  let c: TaggerCheckpoint;
  try {
    c = inspectTagger(flags.model);
  } catch (e) {
    if (!(e instanceof SeqlabError)) throw e;
    if (flags.force) return null;
    throw new ArgumentError(`--model ${flags.model} holds a checkpoint that does not load as a tagger (${e.message}); pass --force to replace it`);
  }
  const what = `${c.history.length} epoch${c.history.length === 1 ? "" : "s"}, ${describeTagger(c.config)}`;
  if (!flags.force) throw new ArgumentError(`--model ${flags.model} holds a tagger (${what}); pass --resume to continue or --force to replace it`);
  log(`--force: ${flags.model} holds a tagger (${what}); it is replaced when epoch 1 of this run is saved`);
  return null;
}

/** Step 3: the flags of a resumed run. */
function mergeWithCheckpoint(
  flags: NerTrainFlags,
  c: TaggerCheckpoint,
  data: { train: string; sha256: string },
  dev: { train: string; sha256: string } | null,
  explicit: ReadonlySet<string>,
  log: (line: string) => void,
): NerTrainFlags {
  const rec = c.training?.command === "ner train" ? (c.training as unknown as NerTrainingRecord) : null;
  if (rec === null) throw new ArgumentError(`--resume: expected a checkpoint written by \`seqlab ner train\` in ${flags.model}, got one without its flags (written by ${JSON.stringify(c.training?.trainer ?? "an unknown trainer")}); train it with the library, or pass --force to replace it`);
  const replace = "drop the flag to continue that model, or pass --force without --resume to replace it";
  if (rec.data.sha256 !== data.sha256) {
    throw new ArgumentError(`--train ${flags.train}: conflicts with the checkpoint in ${flags.model}, expected its training data ${rec.data.train} (sha256 ${rec.data.sha256.slice(0, 12)}…), got sha256 ${data.sha256.slice(0, 12)}…; resume with those data, or pass --force without --resume to replace the model`);
  }
  // The dev set decides the kept epoch: a resumed run selects on the same one.
  if (dev === null && rec.dev !== null) {
    log(`--dev: the checkpoint's, ${rec.dev.train}`);
    dev = dataFingerprint(rec.dev.train, "--dev (recorded in the checkpoint)");
  }
  if ((dev?.sha256 ?? null) !== (rec.dev?.sha256 ?? null)) {
    const got = dev === null ? "none" : `${dev.train} (sha256 ${dev.sha256.slice(0, 12)}…)`;
    const want = rec.dev === null ? "none (its epochs were not selected on a dev set)" : `${rec.dev.train} (sha256 ${rec.dev.sha256.slice(0, 12)}…)`;
    throw new ArgumentError(`--dev: conflicts with the checkpoint in ${flags.model}, expected its dev data ${want}, got ${got}; resume with those data, or pass --force without --resume to replace the model`);
  }
  const eff = { ...flags, dev: dev?.train } as unknown as Record<string, unknown>;
  for (const key of NER_ARCHITECTURE_FLAGS) {
    const recorded = rec.flags[key] ?? undefined;
    if (explicit.has(key) && flags[key] !== recorded) {
      throw new ArgumentError(`${flagName(key)} ${String(flags[key])}: conflicts with the checkpoint in ${flags.model}, expected its ${String(recorded ?? "default (none)")}, got ${String(flags[key])}; ${replace}`);
    }
    eff[key] = recorded;
  }
  for (const key of NER_SCHEDULE_FLAGS) {
    const recorded = rec.flags[key] ?? undefined;
    if (!explicit.has(key)) eff[key] = recorded;
    else if (flags[key] !== recorded) log(`${flagName(key)} ${String(flags[key])} replaces the checkpoint's ${String(recorded ?? "default")}`);
  }
  return eff as unknown as NerTrainFlags;
}

/** The flags a checkpoint records (architecture, vocabulary and schedule). */
function recordedFlags(f: NerTrainFlags): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of [...NER_ARCHITECTURE_FLAGS, ...NER_SCHEDULE_FLAGS]) out[key] = f[key] ?? null;
  return out;
}

/** The interruption error (step 4). */
function interrupted(signal: "SIGINT" | "SIGTERM", f: NerTrainFlags, history: TaggerEpochRecord[]): InterruptedError {
  if (history.length > 0) return new InterruptedError(`interrupted after epoch ${history[history.length - 1].epoch}; checkpoint in ${f.model}; rerun with --resume`, signal);
  const old = f.force && hasTaggerCheckpoint(f.model) ? `; ${f.model} still holds the model it was to replace` : "";
  return new InterruptedError(`interrupted during the first epoch of this run; no new checkpoint${old}`, signal);
}

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}
