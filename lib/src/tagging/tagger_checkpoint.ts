/**
 * Saving and loading a tagger with its vocabularies and training state: the folder that
 * `seqlab ner train` and `trainNerTagger` write after every epoch, `seqlab ner tag` reads,
 * and a resumed run continues from.
 *
 *     DIR/model.json     {"format": "seqlab-tagger", "version": 1, "config": TaggerConfig
 *                         (resolved), "weights": [{"name", "shape", "offset"}],
 *                         "history": [epoch records], "state": {...}, "training": {...} | null}
 *     DIR/weights.bin    the last epoch's weights, float32 little-endian, in `tagger.weights`
 *                        order (tagging/tagger_config.ts lists them), contiguous from offset 0
 *     DIR/best.bin       the best epoch's weights (dev F1), same layout: what tagging uses
 *     DIR/vocab.json     {"format": "seqlab-tagger-vocab", "version": 1, "words": Vocab,
 *                         "chars": Vocab, "tags": TagSet, "lowercase": bool}
 *     DIR/manifest.json  the byte size and sha256 of the four files
 *
 * Saving is lm/checkpoint.ts's (`writeCheckpointFolder`): atomic, the previous checkpoint
 * kept until the new one is complete, so a process killed at any point leaves the last
 * complete epoch. Loading verifies everything before making a tensor and throws
 * `CheckpointError` naming the file and field: the manifest's sizes and checksums, every
 * model.json field, the weight shapes the config implies, both .bin files' exact sizes,
 * finite weights, and vocabularies of the sizes the config says (V words, A characters, K tags).
 */
import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import { Vocab } from "../data/vocab.js";
import { SeqlabError } from "../errors.js";
import { CheckpointError, checkpointFile, verifyManifest, writeCheckpointFolder } from "../lm/checkpoint.js";
import type { NerVocabs } from "../ner/batches.js";
import { TagSet } from "../ner/tag_set.js";
import type { Tagger } from "./tagger.js";
import { createTagger, resolveTaggerConfig, taggerWeightShapes, type ResolvedTaggerConfig, type TaggerConfig } from "./tagger_config.js";
import { INITIAL_TAGGER_STATE, type TaggerEpochRecord, type TaggerTrainingState } from "./train_tagger.js";

const FILES = ["weights.bin", "best.bin", "vocab.json", "model.json"] as const;

/** What a verified tagger checkpoint holds, before any tensor is made. */
export interface TaggerCheckpoint {
  dir: string;
  config: ResolvedTaggerConfig;
  vocabs: NerVocabs;
  history: TaggerEpochRecord[];
  state: TaggerTrainingState;
  /** What the trainer recorded (flags, data files), or null. */
  training: Record<string, unknown> | null;
  /** The last epoch's weights, in `tagger.weights` order. */
  weights: Float32Array[];
  /** The best epoch's weights. */
  best: Float32Array[];
}

/** What {@link saveTagger} writes. */
export interface TaggerCheckpointData {
  config: TaggerConfig;
  tagger: Tagger;
  vocabs: NerVocabs;
  history: readonly TaggerEpochRecord[];
  state: TaggerTrainingState;
  /** The best epoch's weights. Default: the tagger's current weights. */
  best?: readonly Float32Array[];
  /** Anything JSON the trainer wants to record. Default: null. */
  training?: Record<string, unknown> | null;
}

/**
 * Writes a tagger checkpoint to `dir` (created), atomically (see the file comment).
 * @param dir - the folder.
 * @param data - config, tagger, vocabularies, history, state, best weights, training record.
 * @throws CheckpointError before anything is written if a weight is not finite or the sizes do not fit.
 */
export function saveTagger(dir: string, data: TaggerCheckpointData): void {
  const config = resolveTaggerConfig(data.config);
  const shapes = taggerWeightShapes(config);
  const weights = data.tagger.weights;
  if (weights.length !== shapes.length || weights.some((w, i) => w.shape.join(",") !== shapes[i].shape.join(","))) {
    throw new CheckpointError(`saveTagger: expected the tagger's weights to have the config's shapes ${shapes.map((s) => `[${s.shape}]`).join(" ")}, got ${weights.map((w) => `[${w.shape}]`).join(" ")}`);
  }
  checkVocabSizes("saveTagger", config, data.vocabs);
  const current = weights.map((w) => w.dataSync() as Float32Array);
  const best = data.best ?? current;
  const pack = (values: readonly Float32Array[], which: string): Buffer => {
    const total = shapes.reduce((n, s) => n + size(s.shape), 0);
    const all = new Float32Array(total);
    let offset = 0;
    shapes.forEach((s, i) => {
      const v = values[i];
      if (v === undefined || v.length !== size(s.shape)) throw new CheckpointError(`saveTagger: expected ${which} weight ${s.name} of ${size(s.shape)} floats, got ${v?.length ?? "none"}`);
      const bad = v.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) throw new CheckpointError(`saveTagger: expected finite weights, got ${v[bad]} in ${which} ${s.name} at index ${bad}; nothing written to ${dir}`);
      all.set(v, offset);
      offset += v.length;
    });
    return Buffer.from(all.buffer, all.byteOffset, all.byteLength);
  };
  let offset = 0;
  const entries = shapes.map((s) => {
    const e = { name: s.name, shape: s.shape, offset };
    offset += size(s.shape);
    return e;
  });
  const model = { format: "seqlab-tagger", version: 1, config, weights: entries, history: data.history, state: data.state, training: data.training ?? null };
  const vocab = { format: "seqlab-tagger-vocab", version: 1, words: data.vocabs.words.toJSON(), chars: data.vocabs.chars.toJSON(), tags: data.vocabs.tags.toJSON(), lowercase: data.vocabs.lowercase };
  writeCheckpointFolder(
    dir,
    {
      "weights.bin": pack(current, "current"),
      "best.bin": pack(best, "best"),
      "vocab.json": Buffer.from(JSON.stringify(vocab) + "\n"),
      "model.json": Buffer.from(JSON.stringify(model, null, 1) + "\n"),
    },
    data.history.length,
  );
}

/**
 * Whether `dir` holds a checkpoint (complete or not, a tagger or not: `inspectTagger`
 * tells): a model.json in it or in its .next folder.
 * @param dir - a folder (need not exist).
 */
export function hasTaggerCheckpoint(dir: string): boolean {
  const file = checkpointFile(dir, "model.json");
  return fs.existsSync(file);
}

/**
 * Reads and verifies a tagger checkpoint without making tensors.
 * @param dir - the folder.
 * @throws CheckpointError naming the file and what is wrong.
 */
export function inspectTagger(dir: string): TaggerCheckpoint {
  for (let attempt = 0; ; attempt++) {
    try {
      return inspectOnce(dir);
    } catch (e) {
      // A save in another process may move files between resolving and reading them: retry.
      if ((e as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 2) {
        if (e instanceof SeqlabError) throw e;
        throw new CheckpointError(`${dir}: expected a readable tagger checkpoint, got ${(e as Error).message}`);
      }
    }
  }
}

/**
 * Loads a tagger checkpoint.
 * @param dir - the folder.
 * @param which - "best" (the dev-selected epoch, for tagging; default) or "last" (to resume training).
 * @returns the tagger (new variables) and everything the checkpoint holds.
 * @throws CheckpointError naming the file and what is wrong.
 */
export function loadTagger(dir: string, which: "best" | "last" = "best"): TaggerCheckpoint & { tagger: Tagger } {
  const c = inspectTagger(dir);
  return { ...c, tagger: buildTagger(c.config, which === "best" ? c.best : c.weights) };
}

/**
 * A tagger of the config with the given weights.
 * @param config - the config.
 * @param values - the weights, in `tagger.weights` order.
 */
export function buildTagger(config: TaggerConfig, values: readonly Float32Array[]): Tagger {
  const tagger = createTagger(config);
  tagger.weights.forEach((w, i) => {
    if (values[i]?.length !== w.size) {
      tf.dispose(tagger.weights);
      throw new CheckpointError(`buildTagger: expected weight ${i} of ${w.size} floats, got ${values[i]?.length ?? "none"}`);
    }
    tf.tidy(() => w.assign(tf.tensor(values[i], w.shape)));
  });
  return tagger;
}

function inspectOnce(dir: string): TaggerCheckpoint {
  const paths = Object.fromEntries(FILES.map((f) => [f, checkpointFile(dir, f)])) as Record<(typeof FILES)[number], string>;
  const manifest = checkpointFile(dir, "manifest.json");
  for (const f of [paths["model.json"], ...FILES.filter((f) => f !== "model.json").map((f) => paths[f]), manifest]) {
    if (!fs.existsSync(f)) throw new CheckpointError(`${f}: expected a seqlab tagger checkpoint file (written by \`seqlab ner train\`), but it does not exist`);
  }
  const bytes = Object.fromEntries(FILES.map((f) => [f, fs.readFileSync(paths[f])])) as Record<(typeof FILES)[number], Buffer>;
  // The most specific message first: JSON syntax and fields, then sizes and checksums.
  const modelFile = paths["model.json"];
  const m = parseJson(modelFile, bytes["model.json"]);
  const fail = (file: string, field: string, what: string, got: unknown): never => {
    throw new CheckpointError(`${file}: ${field}: expected ${what}, got ${describe(got)}`);
  };
  if (!isObject(m)) fail(modelFile, "model.json", "an object", m);
  const o = m as Record<string, unknown>;
  if (o.format !== "seqlab-tagger") fail(modelFile, "format", `"seqlab-tagger" (a tagger written by \`seqlab ner train\`)`, o.format);
  if (o.version !== 1) fail(modelFile, "version", "1", o.version);
  let config: ResolvedTaggerConfig;
  try {
    config = resolveTaggerConfig(o.config as TaggerConfig, `${modelFile}: config`);
  } catch (e) {
    throw new CheckpointError((e as Error).message);
  }
  const shapes = taggerWeightShapes(config);
  if (!Array.isArray(o.weights) || o.weights.length !== shapes.length) fail(modelFile, "weights", `${shapes.length} entries for this config`, Array.isArray(o.weights) ? `${o.weights.length} entries` : o.weights);
  let offset = 0;
  (o.weights as unknown[]).forEach((w, i) => {
    const e = (isObject(w) ? w : {}) as Record<string, unknown>;
    if (e.name !== shapes[i].name) fail(modelFile, `weights[${i}].name`, JSON.stringify(shapes[i].name), e.name);
    if (!Array.isArray(e.shape) || e.shape.join(",") !== shapes[i].shape.join(",")) fail(modelFile, `weights[${i}].shape`, `[${shapes[i].shape}] (from config)`, e.shape);
    if (e.offset !== offset) fail(modelFile, `weights[${i}].offset`, `${offset} (the weights are contiguous)`, e.offset);
    offset += size(shapes[i].shape);
  });
  if (!Array.isArray(o.history)) fail(modelFile, "history", "an array", o.history);
  const state = checkState(modelFile, o.state);
  if (o.training !== null && !isObject(o.training)) fail(modelFile, "training", "an object or null", o.training);
  const vocabFile = paths["vocab.json"];
  const v = parseJson(vocabFile, bytes["vocab.json"]) as Record<string, unknown>;
  if (!isObject(v) || v.format !== "seqlab-tagger-vocab" || v.version !== 1) fail(vocabFile, "format", `{"format": "seqlab-tagger-vocab", "version": 1, …}`, v);
  if (typeof v.lowercase !== "boolean") fail(vocabFile, "lowercase", "true or false", v.lowercase);
  let vocabs: NerVocabs;
  try {
    vocabs = {
      words: Vocab.fromJSON(v.words, `${vocabFile}: words`),
      chars: Vocab.fromJSON(v.chars, `${vocabFile}: chars`),
      tags: TagSet.fromJSON(v.tags, `${vocabFile}: tags`),
      lowercase: v.lowercase as boolean,
    };
  } catch (e) {
    if (e instanceof CheckpointError || !(e instanceof SeqlabError)) throw e;
    throw new CheckpointError(e.message);
  }
  checkVocabSizes(vocabFile, config, vocabs);
  verifyManifest(manifest, Object.fromEntries(FILES.map((f) => [f, [paths[f], bytes[f]]])) as Record<string, [string, Buffer]>);
  const read = (f: "weights.bin" | "best.bin"): Float32Array[] => {
    const buf = bytes[f];
    if (buf.length !== 4 * offset) throw new CheckpointError(`${paths[f]}: expected ${4 * offset} bytes (${offset} float32 weights, ${modelFile}), got ${buf.length}`);
    const floats = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
    let at = 0;
    return shapes.map((s) => {
      const w = floats.subarray(at, at + size(s.shape));
      at += size(s.shape);
      const bad = w.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) throw new CheckpointError(`${paths[f]}: expected finite weights, got ${w[bad]} in ${s.name} [${s.shape}] at index ${bad}`);
      return w;
    });
  };
  return {
    dir, config, vocabs, state,
    history: o.history as TaggerEpochRecord[],
    training: (o.training as Record<string, unknown> | null) ?? null,
    weights: read("weights.bin"),
    best: read("best.bin"),
  };
}

function checkState(file: string, s: unknown): TaggerTrainingState {
  if (!isObject(s)) throw new CheckpointError(`${file}: state: expected an object, got ${describe(s)}`);
  const o = s as Record<string, unknown>;
  for (const key of Object.keys(INITIAL_TAGGER_STATE) as Array<keyof TaggerTrainingState>) {
    const ok = key === "stopped" ? typeof o[key] === "boolean" : typeof o[key] === "number" && Number.isFinite(o[key]);
    if (!ok) throw new CheckpointError(`${file}: state.${key}: expected ${key === "stopped" ? "true or false" : "a finite number"}, got ${describe(o[key])}`);
  }
  return { epoch: o.epoch as number, bestEpoch: o.bestEpoch as number, bestF1: o.bestF1 as number, sinceBest: o.sinceBest as number, stopped: o.stopped as boolean };
}

function checkVocabSizes(where: string, c: ResolvedTaggerConfig, v: NerVocabs): void {
  const expect = (what: string, want: number, got: number) => {
    if (want !== got) throw new CheckpointError(`${where}: expected ${want} ${what} (the config's), got ${got}`);
  };
  expect("word ids", c.vocabularySize, v.words.size);
  expect("tags", c.numTags, v.tags.size);
  if (c.chars !== null) expect("character ids", c.chars.alphabetSize, v.chars.size);
}

function parseJson(file: string, bytes: Buffer): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    const reason = e instanceof TypeError ? "invalid UTF-8" : (e as Error).message.replace(/\s+/g, " ");
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
