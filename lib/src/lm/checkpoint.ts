/**
 * Saving and loading an `RnnLm` with its vocabulary: a folder that `seqlab train-lm` and
 * `trainCorpusLm` write after every epoch and `seqlab ppl --model` reads. Format version 2:
 *
 *     DIR/model.json     {"format": "seqlab-rnn-lm", "version": 2, "config": RnnLmConfig,
 *                         "weights": [{"name", "shape", "offset"}], "history": [...],
 *                         "training": {...} | null}   (training: what the trainer records)
 *     DIR/weights.bin    every weight as float32 little-endian, in `model.weights` order,
 *                        contiguous from offset 0 (offsets in floats), nothing after the last
 *     DIR/vocab.json     the vocabulary (data/vocab.ts)
 *     DIR/manifest.json  {"format": "seqlab-checkpoint-manifest", "version": 2,
 *                         "files": {"model.json": {"bytes", "sha256"}, "weights.bin": …, "vocab.json": …}}
 *
 * Saving is atomic and keeps the previous checkpoint until the new one is complete:
 * 1. Write the four files (manifest last) into DIR/.tmp-PID/, fsync each file and the folder.
 * 2. Rename DIR/.tmp-PID → DIR/.next, fsync DIR. This is the commit point: a DIR/.next
 *    folder is always a complete checkpoint.
 * 3. Move the files one by one from DIR/.next/ over DIR/<file> (rename, atomic per file),
 *    the manifest last, fsync DIR.
 * 4. Remove DIR/.next.
 * Loading reads each file from DIR/.next/ when it is there, else from DIR/. Killed before
 * step 2, that is the previous checkpoint (DIR/.tmp-PID is ignored and removed by the next
 * save); from step 2 on it is the new one (moved files are found in DIR, the others still
 * in .next). So a SIGKILL at any point leaves a loadable last complete epoch. The next save
 * first finishes an interrupted step 3–4 (`recoverCheckpoint`). Other files in DIR (e.g.
 * training.lock, lm/training_lock.ts) are never touched.
 *
 * `writeCheckpointFolder`, `checkpointFile` and `verifyManifest` are these mechanics for any
 * set of files: the tagger checkpoint (tagging/tagger_checkpoint.ts) is saved and checked
 * the same way.
 *
 * Loading verifies everything before building the model and throws `CheckpointError`
 * naming the file (and the field or weight): the manifest's byte size and sha256 of each
 * file, every model.json field, the weight shapes the config implies, weights.bin's exact
 * size, the vocabulary's size, and finite weights.
 *
 * Version 1 (the first format: no manifest, files renamed into place one at a time) is still
 * read — the notebooks' build/runs checkpoints are version 1 — with a warning: its sizes,
 * shapes and finiteness are checked, but without checksums flipped bits go unnoticed. The
 * next save of that folder writes version 2.
 *
 * Test hook: with SEQLAB_CHECKPOINT_TEST_DELAY_MS=ms, `saveLm` writes `checkpoint: PHASE
 * EPOCHS` lines to stderr at each step above and sleeps ms after each (the kill test of
 * test/train-lm-cli.test.ts uses it to land SIGKILLs inside saves).
 */
import * as tf from "@tensorflow/tfjs";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Vocab } from "../data/vocab.js";
import { SeqlabError } from "../errors.js";
import { RnnLm, type RnnLmConfig } from "./rnn_lm.js";

/** A checkpoint folder is missing, incomplete, corrupt or not a seqlab LM. */
export class CheckpointError extends SeqlabError {}

/** The current format version. */
export const CHECKPOINT_VERSION = 2;

const MANIFEST = "manifest.json";
const NEXT = ".next";
const CELLS = ["rnn", "lstm", "gru"] as const;

/** One weight in model.json. */
interface WeightEntry {
  name: string;
  shape: number[];
  offset: number;
}

/** model.json. */
interface ModelJson {
  format: "seqlab-rnn-lm";
  version: 1 | 2;
  config: Required<RnnLmConfig>;
  weights: WeightEntry[];
  history: unknown[];
  training: Record<string, unknown> | null;
}

/** What a verified checkpoint holds, before any tensor is made (`inspectLm`). */
export interface CheckpointContents {
  /** The folder. */
  dir: string;
  /** 1 (legacy, no manifest) or 2. */
  version: number;
  config: Required<RnnLmConfig>;
  vocab: Vocab;
  history: unknown[];
  /** What the trainer recorded (e.g. `seqlab train-lm`'s flags and training file), or null. */
  training: Record<string, unknown> | null;
  /** Every weight's values, in `model.weights` order. */
  weights: Float32Array[];
}

/** Options of `saveLm`. */
export interface SaveLmOptions {
  /** What the trainer wants to record (JSON), returned by `loadLm` as `training`. Default: null. */
  training?: Record<string, unknown> | null;
}

/** Options of `loadLm` and `inspectLm`. */
export interface LoadLmOptions {
  /** Where the warning for a version-1 checkpoint goes. Default: console.warn. */
  warn?: (line: string) => void;
}

/**
 * The names and shapes of an `RnnLm`'s weights, in `model.weights` order, from its config
 * alone: embedding E [vocabSize, E]; per layer l (input D = E for the first, else H) LSTM W [H+D, 4H],
 * b [4H], GRU W [H+D, 3H], b [3H], RNN V [D, H], W [H, H], b [H]; output U [H, vocabSize],
 * bHat [vocabSize].
 * @param config - a resolved config.
 */
export function rnnLmWeightShapes(config: Required<RnnLmConfig>): { name: string; shape: number[] }[] {
  const { vocabSize, embeddingSize: E, hiddenSize: H, layers: L, cell } = config;
  const out = [{ name: "embedding", shape: [vocabSize, E] }];
  for (let l = 0; l < L; l++) {
    const D = l === 0 ? E : H;
    const p = `layer${l + 1}.`;
    if (cell === "rnn") out.push({ name: `${p}V`, shape: [D, H] }, { name: `${p}W`, shape: [H, H] }, { name: `${p}b`, shape: [H] });
    else {
      const G = cell === "lstm" ? 4 : 3;
      out.push({ name: `${p}W`, shape: [H + D, G * H] }, { name: `${p}b`, shape: [G * H] });
    }
  }
  out.push({ name: "output.U", shape: [H, vocabSize] }, { name: "output.bHat", shape: [vocabSize] });
  return out;
}

/**
 * Writes the model, its vocabulary and an optional training history to `dir` (created),
 * atomically (steps 1–4 of the file comment).
 * @param dir - the folder.
 * @param model - the LM; its weights must be finite.
 * @param vocab - its vocabulary (model.config.vocabSize must equal vocab.size).
 * @param history - anything JSON (e.g. the epoch records).
 * @param options - training (recorded as is).
 * @throws CheckpointError before anything is written if the vocabulary does not fit or a weight is not finite.
 */
export function saveLm(dir: string, model: RnnLm, vocab: Vocab, history: unknown[] = [], options: SaveLmOptions = {}): void {
  if (vocab.size !== model.config.vocabSize) {
    throw new CheckpointError(`saveLm: expected a vocabulary of ${model.config.vocabSize} tokens (the model's vocabSize), got ${vocab.size}`);
  }
  const shapes = rnnLmWeightShapes(model.config);
  const weights = model.weights;
  let offset = 0;
  const entries: WeightEntry[] = weights.map((w, i) => {
    const e = { name: shapes[i].name, shape: w.shape, offset };
    offset += w.size;
    return e;
  });
  const all = new Float32Array(offset);
  weights.forEach((w, i) => {
    const values = w.dataSync() as Float32Array;
    const bad = firstNonFinite(values);
    if (bad >= 0) throw new CheckpointError(`saveLm: expected finite weights, got ${values[bad]} in ${entries[i].name} at index ${bad}; nothing written to ${dir}`);
    all.set(values, entries[i].offset);
  });
  const json: ModelJson = { format: "seqlab-rnn-lm", version: 2, config: model.config, weights: entries, history, training: options.training ?? null };
  const contents: Record<string, Buffer> = {
    "weights.bin": Buffer.from(all.buffer, all.byteOffset, all.byteLength),
    "vocab.json": Buffer.from(JSON.stringify(vocab.toJSON()) + "\n"),
    "model.json": Buffer.from(JSON.stringify(json, null, 1) + "\n"),
  };
  writeCheckpointFolder(dir, contents, history.length);
}

/**
 * Writes files into a checkpoint folder atomically, with a manifest of their sizes and
 * sha256 (steps 1–4 of the file comment): the mechanism of `saveLm`, for any set of files
 * (the tagger checkpoint of tagging/checkpoint.ts uses it too).
 * @param dir - the folder (created when missing).
 * @param contents - file name → bytes, in the order they are written; not "manifest.json", which is written last.
 * @param epochs - the epoch count the SEQLAB_CHECKPOINT_TEST_DELAY_MS hook prints.
 */
export function writeCheckpointFolder(dir: string, contents: Readonly<Record<string, Buffer>>, epochs: number): void {
  const names = Object.keys(contents);
  const all: Record<string, Buffer> = { ...contents };
  const files: Record<string, { bytes: number; sha256: string }> = {};
  for (const f of names) files[f] = { bytes: contents[f].length, sha256: sha256(contents[f]) };
  all[MANIFEST] = Buffer.from(JSON.stringify({ format: "seqlab-checkpoint-manifest", version: CHECKPOINT_VERSION, files }, null, 1) + "\n");

  const phase = testHook(epochs);
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir, { recursive: true });
    fsyncDir(path.dirname(path.resolve(dir))); // the new folder's own entry
  }
  recoverCheckpoint(dir);
  phase("begin");
  // 1. Everything into a private temporary folder, synced.
  const tmp = path.join(dir, `.tmp-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  for (const f of [...names, MANIFEST]) {
    writeSynced(path.join(tmp, f), all[f]);
    phase(`wrote ${f}`);
  }
  fsyncDir(tmp);
  // 2. The commit point.
  fs.renameSync(tmp, path.join(dir, NEXT));
  fsyncDir(dir);
  phase("committed");
  // 3–4. Into place.
  finishMove(dir, phase);
  phase("done");
}

/**
 * Finishes a save interrupted after its commit point (steps 3–4) and removes the temporary
 * folders of processes that are gone. Called by `saveLm`; the loader does not need it.
 * @param dir - the checkpoint folder.
 */
export function recoverCheckpoint(dir: string): void {
  if (!fs.existsSync(dir)) return;
  for (const name of fs.readdirSync(dir)) {
    const m = /^\.tmp-(\d+)$/.exec(name);
    if (m !== null && (Number(m[1]) === process.pid || !processAlive(Number(m[1])))) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
  if (isDir(path.join(dir, NEXT))) finishMove(dir, () => {});
}

/** Steps 3–4: moves DIR/.next's files over DIR's (manifest last), then removes .next. */
function finishMove(dir: string, phase: (p: string) => void): void {
  const next = path.join(dir, NEXT);
  for (const f of [...filesToMove(next), MANIFEST]) {
    if (!fs.existsSync(path.join(next, f))) continue; // moved before an interruption
    fs.renameSync(path.join(next, f), path.join(dir, f));
    phase(`moved ${f}`);
  }
  fsyncDir(dir);
  fs.rmSync(next, { recursive: true, force: true });
  fsyncDir(dir);
}

/** The files of DIR/.next but its manifest: in the manifest's order (the order written), then any others. */
function filesToMove(next: string): string[] {
  const present = fs.readdirSync(next).filter((f) => f !== MANIFEST).sort();
  let listed: string[] = [];
  try {
    listed = Object.keys((JSON.parse(fs.readFileSync(path.join(next, MANIFEST), "utf8")) as { files: Record<string, unknown> }).files);
  } catch {
    // no readable manifest (already moved): the sorted names
  }
  return [...listed.filter((f) => present.includes(f)), ...present.filter((f) => !listed.includes(f))];
}

/**
 * Whether `dir` holds a checkpoint (complete or not; `inspectLm` tells): a model.json in it
 * or in its .next folder.
 * @param dir - a folder (need not exist).
 */
export function hasCheckpoint(dir: string): boolean {
  return fs.existsSync(path.join(dir, "model.json")) || fs.existsSync(path.join(dir, NEXT, "model.json"));
}

/**
 * Reads a folder written by `saveLm`.
 * @param dir - the folder.
 * @param options - warn (for a version-1 checkpoint).
 * @returns the model (new variables), its vocabulary, the stored history and training record.
 * @throws CheckpointError naming the file and what is wrong (see the file comment).
 */
export function loadLm(dir: string, options: LoadLmOptions = {}): { model: RnnLm; vocab: Vocab; history: unknown[]; training: Record<string, unknown> | null } {
  const c = inspectLm(dir, options);
  return { model: buildModel(c), vocab: c.vocab, history: c.history, training: c.training };
}

/**
 * An `RnnLm` with a verified checkpoint's weights.
 * @param contents - from `inspectLm`.
 */
export function buildModel(contents: CheckpointContents): RnnLm {
  const model = new RnnLm(contents.config);
  const weights = model.weights;
  weights.forEach((w, i) => {
    if (weights.length !== contents.weights.length || w.size !== contents.weights[i]?.length) {
      model.dispose();
      throw new CheckpointError(`${contents.dir}: expected weight ${i} of ${w.size} floats, got ${contents.weights[i]?.length ?? "none"}`);
    }
    tf.tidy(() => w.assign(tf.tensor(contents.weights[i], w.shape)));
  });
  return model;
}

/**
 * Reads and verifies a checkpoint without making tensors (everything `loadLm` checks).
 * @param dir - the folder.
 * @param options - warn (for a version-1 checkpoint).
 * @throws CheckpointError naming the file and what is wrong.
 */
export function inspectLm(dir: string, options: LoadLmOptions = {}): CheckpointContents {
  // A save in another process may move files between resolving and reading them: retry.
  for (let attempt = 0; ; attempt++) {
    try {
      return inspectOnce(dir, options.warn ?? console.warn);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 2) {
        if (e instanceof SeqlabError) throw e;
        throw new CheckpointError(`${dir}: expected a readable checkpoint, got ${(e as Error).message}`);
      }
    }
  }
}

/**
 * Where a checkpoint file is read from: DIR/.next/<file> while a save is between its commit
 * point and its end (file comment, loading), else DIR/<file>.
 * @param dir - the checkpoint folder.
 * @param file - a file name of the checkpoint.
 */
export function checkpointFile(dir: string, file: string): string {
  const inNext = path.join(dir, NEXT, file);
  return isDir(path.join(dir, NEXT)) && fs.existsSync(inNext) ? inNext : path.join(dir, file);
}

function inspectOnce(dir: string, warn: (line: string) => void): CheckpointContents {
  const resolve = (f: string) => checkpointFile(dir, f);
  const files = { model: resolve("model.json"), bin: resolve("weights.bin"), vocab: resolve("vocab.json"), manifest: resolve(MANIFEST) };
  for (const f of [files.model, files.bin, files.vocab]) {
    if (!fs.existsSync(f)) throw new CheckpointError(`${f}: expected a seqlab LM checkpoint file (written by \`seqlab train-lm\`), but it does not exist`);
  }
  const bytes = { model: fs.readFileSync(files.model), bin: fs.readFileSync(files.bin), vocab: fs.readFileSync(files.vocab) };
  // The most specific message first: JSON syntax, then the fields (a hand-edited value is
  // named, with its file), then the manifest's sizes and checksums (anything else changed),
  // then weights.bin's size and values.
  const modelValue = parseJson(files.model, bytes.model);
  const vocabValue = parseJson(files.vocab, bytes.vocab);
  const version = fs.existsSync(files.manifest) ? CHECKPOINT_VERSION : 1;
  if (version === 1 && isObject(modelValue) && (modelValue as { version?: unknown }).version === CHECKPOINT_VERSION) {
    throw new CheckpointError(`${files.manifest}: expected the manifest of a version-${CHECKPOINT_VERSION} checkpoint (${files.model} says version ${CHECKPOINT_VERSION}), but it does not exist`);
  }
  const json = checkModelJson(files.model, modelValue, version);
  let vocab: Vocab;
  try {
    vocab = Vocab.fromJSON(vocabValue, files.vocab);
  } catch (e) {
    if (e instanceof CheckpointError || !(e instanceof SeqlabError)) throw e;
    throw new CheckpointError(e.message);
  }
  if (vocab.size !== json.config.vocabSize) {
    throw new CheckpointError(`${files.vocab}: expected ${json.config.vocabSize} tokens (${files.model} config.vocabSize), got ${vocab.size}`);
  }
  if (version === CHECKPOINT_VERSION) {
    verifyManifest(files.manifest, { "model.json": [files.model, bytes.model], "weights.bin": [files.bin, bytes.bin], "vocab.json": [files.vocab, bytes.vocab] });
  } else {
    warn(`${files.model}: a version-1 checkpoint (no manifest): sizes and values checked, but no checksums; the next save writes version 2`);
  }
  const total = json.weights.reduce((n, e) => n + size(e.shape), 0);
  if (bytes.bin.length !== 4 * total) {
    throw new CheckpointError(`${files.bin}: expected ${4 * total} bytes (${total} float32 weights, ${files.model}), got ${bytes.bin.length}`);
  }
  const floats = new Float32Array(bytes.bin.buffer.slice(bytes.bin.byteOffset, bytes.bin.byteOffset + bytes.bin.length));
  const weights = json.weights.map((e) => {
    const w = floats.subarray(e.offset, e.offset + size(e.shape));
    const bad = firstNonFinite(w);
    if (bad >= 0) throw new CheckpointError(`${files.bin}: expected finite weights, got ${w[bad]} in ${e.name} [${e.shape}] at index ${bad}`);
    return w;
  });
  return { dir, version, config: json.config, vocab, history: json.history, training: json.training, weights };
}

/**
 * Checks a manifest and each file's size and sha256 against it; the manifest must list
 * exactly the files of `data`.
 * @param file - the manifest's path.
 * @param data - file name → [its path, its bytes].
 * @throws CheckpointError naming the manifest (a bad field) or the file (size, checksum).
 */
export function verifyManifest(file: string, data: Readonly<Record<string, [string, Buffer]>>): void {
  const dataFiles = Object.keys(data);
  const m = parseJson(file, fs.readFileSync(file));
  const fail = (field: string, what: string, got: unknown): never => {
    throw new CheckpointError(`${file}: ${field}: expected ${what}, got ${describe(got)}`);
  };
  if (!isObject(m)) fail("the manifest", "an object", m);
  const o = m as Record<string, unknown>;
  if (o.format !== "seqlab-checkpoint-manifest") fail("format", `"seqlab-checkpoint-manifest"`, o.format);
  if (o.version !== CHECKPOINT_VERSION) fail("version", String(CHECKPOINT_VERSION), o.version);
  if (!isObject(o.files)) fail("files", "an object", o.files);
  const listed = o.files as Record<string, unknown>;
  const names = Object.keys(listed).sort();
  if (names.join(",") !== [...dataFiles].sort().join(",")) fail("files", `the entries ${[...dataFiles].sort().join(", ")}`, names);
  for (const f of dataFiles) {
    const e = listed[f];
    if (!isObject(e)) fail(`files["${f}"]`, "an object", e);
    const { bytes, sha256: sum } = e as Record<string, unknown>;
    if (!Number.isSafeInteger(bytes) || (bytes as number) < 0) fail(`files["${f}"].bytes`, "an integer ≥ 0", bytes);
    if (typeof sum !== "string" || !/^[0-9a-f]{64}$/.test(sum)) fail(`files["${f}"].sha256`, "64 lower-case hex digits", sum);
    const [where, buf] = data[f];
    if (buf.length !== bytes) throw new CheckpointError(`${where}: expected ${bytes} bytes (${file}), got ${buf.length}`);
    const actual = sha256(buf);
    if (actual !== sum) throw new CheckpointError(`${where}: expected sha256 ${sum} (${file}), got ${actual}`);
  }
}

/** Checks every field of model.json (parsed). */
function checkModelJson(file: string, j: unknown, version: number): ModelJson {
  const fail = (field: string, what: string, got: unknown): never => {
    throw new CheckpointError(`${file}: ${field}: expected ${what}, got ${describe(got)}`);
  };
  if (!isObject(j)) fail("model.json", "an object", j);
  const o = j as Record<string, unknown>;
  if (o.format !== "seqlab-rnn-lm") fail("format", `"seqlab-rnn-lm"`, o.format);
  if (o.version !== version) {
    fail("version", version === 2 ? "2 (the folder has a manifest)" : "1 (the folder has no manifest.json; version 2 needs one)", o.version);
  }
  if (!isObject(o.config)) fail("config", "an object", o.config);
  const c = o.config as Record<string, unknown>;
  for (const key of ["vocabSize", "embeddingSize", "hiddenSize", "layers"]) {
    if (!Number.isSafeInteger(c[key]) || (c[key] as number) < 1) fail(`config.${key}`, "an integer ≥ 1", c[key]);
  }
  if (!(CELLS as readonly unknown[]).includes(c.cell)) fail("config.cell", `one of ${CELLS.map((x) => `"${x}"`).join(", ")}`, c.cell);
  if (typeof c.initScale !== "number" || !(Number.isFinite(c.initScale) && c.initScale > 0)) fail("config.initScale", "a finite number > 0", c.initScale);
  if (typeof c.forgetBias !== "number" || !Number.isFinite(c.forgetBias)) fail("config.forgetBias", "a finite number", c.forgetBias);
  const extra = Object.keys(c).filter((k) => !["vocabSize", "embeddingSize", "hiddenSize", "layers", "cell", "initScale", "forgetBias"].includes(k));
  if (extra.length > 0) fail("config", "only the fields of RnnLmConfig", extra);
  const config = c as unknown as Required<RnnLmConfig>;
  if (!Array.isArray(o.weights)) fail("weights", "an array", o.weights);
  const ws = o.weights as unknown[];
  // the count before the shapes: a config.layers of 1e12 must fail here, not build 1e12 shapes
  const count = 3 + config.layers * (config.cell === "rnn" ? 3 : 2); // embedding, per layer (V, W, b or W, b), output U, bHat
  if (ws.length !== count) fail("weights", `${count} entries for a ${config.layers}-layer ${config.cell}`, `${ws.length} entries`);
  const expected = rnnLmWeightShapes(config);
  let offset = 0;
  const entries = ws.map((w, i) => {
    if (!isObject(w)) fail(`weights[${i}]`, "an object", w);
    const e = w as Record<string, unknown>;
    if (typeof e.name !== "string") fail(`weights[${i}].name`, "a string", e.name);
    if (version === 2 && e.name !== expected[i].name) fail(`weights[${i}].name`, JSON.stringify(expected[i].name), e.name);
    if (!Array.isArray(e.shape) || e.shape.join(",") !== expected[i].shape.join(",") || e.shape.some((d) => typeof d !== "number")) {
      fail(`weights[${i}].shape`, `[${expected[i].shape}] (from config)`, e.shape);
    }
    if (e.offset !== offset) fail(`weights[${i}].offset`, `${offset} (the weights are contiguous)`, e.offset);
    offset += size(expected[i].shape);
    return { name: expected[i].name, shape: expected[i].shape, offset: e.offset as number };
  });
  // Version 2 always has both (saveLm writes them); version 1 may lack them.
  if ((version === 2 || o.history !== undefined) && !Array.isArray(o.history)) fail("history", "an array", o.history);
  if ((version === 2 || o.training !== undefined) && o.training !== null && !isObject(o.training)) fail("training", "an object or null", o.training);
  return {
    format: "seqlab-rnn-lm",
    version: version as 1 | 2,
    config: { vocabSize: config.vocabSize, cell: config.cell, embeddingSize: config.embeddingSize, hiddenSize: config.hiddenSize, layers: config.layers, initScale: config.initScale, forgetBias: config.forgetBias },
    weights: entries,
    history: (o.history as unknown[] | undefined) ?? [],
    training: (o.training as Record<string, unknown> | null | undefined) ?? null,
  };
}

function parseJson(file: string, bytes: Buffer): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    const reason = e instanceof TypeError ? "invalid UTF-8" : (e as Error).message.replace(/\s+/g, " "); // one line
    throw new CheckpointError(`${file}: expected JSON, got a parse error: ${reason}`);
  }
}

function isObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function firstNonFinite(v: Float32Array): number {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return i;
  return -1;
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function writeSynced(file: string, data: Buffer): void {
  const fd = fs.openSync(file, "w");
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The SEQLAB_CHECKPOINT_TEST_DELAY_MS hook (file comment): announce a phase, then sleep. */
function testHook(epochs: number): (phase: string) => void {
  const ms = Number(process.env.SEQLAB_CHECKPOINT_TEST_DELAY_MS ?? 0);
  if (!(ms > 0)) return () => {};
  return (phase) => {
    process.stderr.write(`checkpoint: ${phase} ${epochs}\n`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  };
}
