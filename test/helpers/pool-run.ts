/**
 * One training run for test/buffer-pool.test.ts, in its own process (the pool is made with
 * the backend, and SEQLAB_POOL is read then):
 *
 *     SEQLAB_POOL=0|65536 node --import tsx test/helpers/pool-run.ts
 *
 * trains an LSTM LM whose output layer is big enough for the pool ([40, 4096] probabilities)
 * with `trainLm` (SGD, clip 5) and then takes Adam steps of a biLSTM-CRF tagger, on the
 * `seqlab` backend with the engine SEQLAB_ENGINE picks, and prints one JSON line: every
 * loss as float32 bits, the sha256 of the final weights, and the pool's counters.
 */
import * as tf from "@tensorflow/tfjs";
import { createHash } from "node:crypto";
import { initBackend } from "../../lib/src/backend/backend.js";
import { initEngine } from "../../lib/src/engine/engine.js";
import type { SeqlabCpuBackend } from "../../lib/src/backend/seqlab_backend.js";
import { seededGenerator, setSeed } from "../../lib/src/random.js";
import { RnnLm } from "../../lib/src/lm/rnn_lm.js";
import { trainLm } from "../../lib/src/lm/train_lm.js";
import { BiLstmCrfTagger } from "../../lib/src/tagging/bilstm_crf.js";
import { adamOptimizer } from "../../lib/src/optim/adam.js";

const bits = (x: number) => Buffer.from(new Float32Array([x]).buffer).toString("hex");

await initBackend({ backend: "seqlab", quiet: true });
const engine = initEngine({ quiet: true });
setSeed(7);
const rand = seededGenerator(8);
const V = 4096;
const stream = Int32Array.from({ length: 2000 }, () => Math.floor(V * rand() ** 3));
const lm = new RnnLm({ vocabSize: V, cell: "lstm", layers: 2, hiddenSize: 32, embeddingSize: 24 });
const losses: string[] = [];
trainLm(lm, stream, { epochs: 1, batchSize: 4, bptt: 10, clip: 5, seed: 7, onStep: ({ loss }) => losses.push(bits(loss)) });

const [B, T, W, K] = [8, 12, 9000, 5];
const tagger = new BiLstmCrfTagger({ vocabularySize: W, numTags: K, embeddingSize: 16, hiddenSize: 16 });
const optimizer = adamOptimizer(0.01);
for (let step = 0; step < 8; step++) {
  const words = Array.from({ length: B * T }, () => Math.floor(rand() * W));
  const batch = { words: tf.tensor2d(words, [B, T], "int32"), tags: tf.tensor2d(words.map((w) => w % K), [B, T], "int32"), mask: tf.ones([B, T]) as tf.Tensor2D };
  const loss = optimizer.minimize(() => tagger.loss(batch), true, tagger.weights) as tf.Scalar;
  losses.push(bits(loss.dataSync()[0]));
  tf.dispose([loss, batch.words, batch.tags, batch.mask]);
}

const hash = createHash("sha256");
for (const w of [...lm.weights, ...tagger.weights]) hash.update(Buffer.from((w.dataSync() as Float32Array).buffer));
console.log(JSON.stringify({ engine: engine.name, losses, weights: hash.digest("hex"), pool: (tf.backend() as SeqlabCpuBackend).pool.getStats() }));
