/**
 * One training run for test/determinism.test.ts, in its own process:
 *
 *     node --import tsx test/helpers/determinism-run.ts lm|tagger ENGINE SEED
 *
 * trains a small model from `setSeed(SEED)` on the `seqlab` backend with the given engine
 * (`tfjs`, no engine: on the `wasm` backend) and prints one JSON line: the engine that ran, every step's loss as the exact float32
 * bits (hex), and the sha256 of all final weights' bytes.
 */
import * as tf from "@tensorflow/tfjs";
import { createHash } from "node:crypto";
import { initBackend } from "../../lib/src/backend/backend.js";
import { initEngine, type EngineName } from "../../lib/src/engine/engine.js";
import { seededGenerator, setSeed } from "../../lib/src/random.js";
import { RnnLm } from "../../lib/src/lm/rnn_lm.js";
import { trainLm } from "../../lib/src/lm/train_lm.js";
import { BiLstmCrfTagger } from "../../lib/src/tagging/bilstm_crf.js";

const [kind, engineName, seedText] = process.argv.slice(2);
const seed = Number(seedText);

/** The float32 bits of a loss, so that equal strings mean bit-identical values. */
const bits = (x: number) => Buffer.from(new Float32Array([x]).buffer).toString("hex");

function weightsHash(weights: tf.Tensor[]): string {
  const h = createHash("sha256");
  for (const w of weights) h.update(Buffer.from((w.dataSync() as Float32Array).buffer));
  return h.digest("hex");
}

/** A 2-layer LSTM LM, 2 epochs of SGD (lr 1, clip 5) with word dropout, on a seeded Zipf-like stream. */
function runLm(): { losses: string[]; weights: string } {
  const rand = seededGenerator(seed + 1);
  const V = 40;
  const stream = Int32Array.from({ length: 3000 }, () => Math.min(V - 1, 4 + Math.floor(-Math.log(rand() + 1e-9) * 6)));
  const model = new RnnLm({ vocabSize: V, cell: "lstm", layers: 2, hiddenSize: 16, embeddingSize: 12 });
  const losses: string[] = [];
  trainLm(model, stream, { epochs: 2, batchSize: 4, bptt: 10, wordDropout: 0.1, seed, onStep: ({ loss }) => losses.push(bits(loss)) });
  return { losses, weights: weightsHash(model.weights) };
}

/** A biLSTM-CRF tagger, 30 Adam steps on seeded random sentences with padding. */
function runTagger(): { losses: string[]; weights: string } {
  const rand = seededGenerator(seed + 2);
  const [B, T, V, K] = [6, 9, 20, 4];
  const tagger = new BiLstmCrfTagger({ vocabularySize: V, numTags: K, embeddingSize: 8, hiddenSize: 8 });
  const optimizer = tf.train.adam(0.02);
  const losses: string[] = [];
  for (let step = 0; step < 30; step++) {
    const lengths = Array.from({ length: B }, () => 1 + Math.floor(rand() * T));
    const words = Array.from({ length: B * T }, () => Math.floor(rand() * V));
    const tags = words.map((w) => w % K);
    const mask = Array.from({ length: B * T }, (_, i) => (i % T < lengths[Math.floor(i / T)] ? 1 : 0));
    const batch = { words: tf.tensor2d(words, [B, T], "int32"), tags: tf.tensor2d(tags, [B, T], "int32"), mask: tf.tensor2d(mask, [B, T]) };
    const loss = optimizer.minimize(() => tagger.loss(batch), true, tagger.weights) as tf.Scalar;
    losses.push(bits(loss.dataSync()[0]));
    tf.dispose([loss, batch.words, batch.tags, batch.mask]);
  }
  return { losses, weights: weightsHash(tagger.weights) };
}

async function main(): Promise<void> {
  const engine = initEngine({ engine: engineName as EngineName, quiet: true }); // before the backend, which would pick the default engine
  await initBackend({ backend: engine.name === "tfjs" ? "wasm" : "seqlab", quiet: true }); // no engine: the plain tfjs reference on wasm
  setSeed(seed);
  const result = kind === "lm" ? runLm() : runTagger();
  console.log(JSON.stringify({ engine: engine.name, ...result }));
}

void main();
