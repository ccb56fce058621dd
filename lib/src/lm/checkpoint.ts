/**
 * Saving and loading an `RnnLm` with its vocabulary: a folder that `seqlab train-lm` writes
 * and `seqlab ppl --model` reads.
 *
 *     DIR/model.json    {"format": "seqlab-rnn-lm", "version": 1, "config": RnnLmConfig,
 *                        "weights": [{"name", "shape", "offset"}], "history": [...] }
 *     DIR/weights.bin   every weight as float32 little-endian, in `model.weights` order,
 *                        at its `offset` (in floats)
 *     DIR/vocab.json    the vocabulary (data/vocab.ts)
 *
 * Writes go to temporary files renamed into place, so an interrupted save never leaves a
 * half-written checkpoint (the previous one survives).
 */
import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import * as path from "node:path";
import { Vocab } from "../data/vocab";
import { SeqlabError } from "../errors";
import { RnnLm, type RnnLmConfig } from "./rnn_lm";

/** A checkpoint folder is missing, incomplete or not a seqlab LM. */
export class CheckpointError extends SeqlabError {}

/** model.json. */
interface ModelJson {
  format: "seqlab-rnn-lm";
  version: 1;
  config: Required<RnnLmConfig>;
  weights: { name: string; shape: number[]; offset: number }[];
  history?: unknown[];
}

/**
 * Writes the model, its vocabulary and an optional training history to `dir` (created).
 * @param dir - the folder.
 * @param model - the LM.
 * @param vocab - its vocabulary (model.config.vocabSize must equal vocab.size).
 * @param history - anything JSON (e.g. the epoch records).
 */
export function saveLm(dir: string, model: RnnLm, vocab: Vocab, history: unknown[] = []): void {
  if (vocab.size !== model.config.vocabSize) {
    throw new CheckpointError(`saveLm: expected a vocabulary of ${model.config.vocabSize} tokens (the model's vocabSize), got ${vocab.size}`);
  }
  fs.mkdirSync(dir, { recursive: true });
  const weights = model.weights;
  let offset = 0;
  const entries = weights.map((w, i) => {
    const e = { name: `w${i}:${w.name}`, shape: w.shape, offset };
    offset += w.size;
    return e;
  });
  const all = new Float32Array(offset);
  weights.forEach((w, i) => all.set(w.dataSync() as Float32Array, entries[i].offset));
  const json: ModelJson = { format: "seqlab-rnn-lm", version: 1, config: model.config, weights: entries, history };
  writeAtomic(path.join(dir, "weights.bin"), Buffer.from(all.buffer, all.byteOffset, all.byteLength));
  writeAtomic(path.join(dir, "vocab.json"), JSON.stringify(vocab.toJSON()));
  writeAtomic(path.join(dir, "model.json"), JSON.stringify(json, null, 1) + "\n");
}

/**
 * Reads a folder written by `saveLm`.
 * @param dir - the folder.
 * @returns the model (new variables), its vocabulary and the stored history.
 * @throws CheckpointError naming the file and what is wrong.
 */
export function loadLm(dir: string): { model: RnnLm; vocab: Vocab; history: unknown[] } {
  const modelFile = path.join(dir, "model.json");
  const binFile = path.join(dir, "weights.bin");
  for (const f of [modelFile, binFile, path.join(dir, "vocab.json")]) {
    if (!fs.existsSync(f)) throw new CheckpointError(`${f}: expected a seqlab LM checkpoint file (written by \`seqlab train-lm\`), but it does not exist`);
  }
  let json: ModelJson;
  try {
    json = JSON.parse(fs.readFileSync(modelFile, "utf8")) as ModelJson;
  } catch (e) {
    throw new CheckpointError(`${modelFile}: expected JSON, got a parse error: ${(e as Error).message}`);
  }
  if (json.format !== "seqlab-rnn-lm" || json.version !== 1) {
    throw new CheckpointError(`${modelFile}: expected format "seqlab-rnn-lm" version 1, got ${JSON.stringify(json.format)} version ${JSON.stringify(json.version)}`);
  }
  const vocab = Vocab.load(path.join(dir, "vocab.json"));
  const bytes = fs.readFileSync(binFile);
  const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const model = new RnnLm(json.config);
  const weights = model.weights;
  if (weights.length !== json.weights.length) {
    model.dispose();
    throw new CheckpointError(`${modelFile}: expected ${weights.length} weights for this config, got ${json.weights.length}`);
  }
  weights.forEach((w, i) => {
    const e = json.weights[i];
    if (e.shape.join(",") !== w.shape.join(",") || e.offset + w.size > floats.length) {
      model.dispose();
      throw new CheckpointError(`${modelFile}: expected weight ${i} of shape [${w.shape}] within ${binFile} (${floats.length} floats), got shape [${e.shape}] at offset ${e.offset}`);
    }
    tf.tidy(() => w.assign(tf.tensor(floats.subarray(e.offset, e.offset + w.size), w.shape)));
  });
  return { model, vocab, history: json.history ?? [] };
}

function writeAtomic(file: string, data: string | Buffer): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}
