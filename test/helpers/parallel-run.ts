/**
 * For test/parallel.test.ts, in its own process (lib/csrc/parallel.c sizes its pool once):
 *
 *     [SEQLAB_PARALLEL=0] node --import tsx test/helpers/parallel-run.ts
 *
 * runs the native kernels whose passes are split over threads (Adam, SGD, softmax
 * cross-entropy forward and backward, the fused output layer's forward and backward) at
 * sizes that split, on seeded inputs, and prints one JSON line: the pool size, the sha256 of
 * every output array, and the loss sums.
 */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { loadNativeKernels, NATIVE_PATH } from "../../lib/src/engine/native.js";
import { seededGenerator } from "../../lib/src/random.js";

const k = loadNativeKernels();
const rand = seededGenerator(11);
const uniform = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale);
const hash = (a: Float32Array) => createHash("sha256").update(Buffer.from(a.buffer, a.byteOffset, a.byteLength)).digest("hex").slice(0, 16);
const addon = createRequire(import.meta.url)(NATIVE_PATH) as { info(): { parallel: number; threads: number } };
const out: Record<string, string | number | number[]> = { parallel: addon.info().parallel, threads: addon.info().threads };

const n = 300_007;
const p = uniform(n), g = uniform(n, 2), m = new Float32Array(n), v = new Float32Array(n);
k.adam({ p, g, m, v, lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-7, oneMinusBeta1Pow: 0.1, oneMinusBeta2Pow: 0.001 });
k.sgd({ p, g, step: 0.3 });
Object.assign(out, { adamM: hash(m), adamV: hash(v), adamSgdP: hash(p) });

const [N, H, K] = [64, 8, 5003];
const logits = uniform(N * K, 8), targets = Int32Array.from({ length: N }, () => Math.floor(rand() * K));
const mask = Float32Array.from({ length: N }, (_, i) => (i % 5 === 3 ? 0 : 1));
const probs = new Float32Array(N * K);
out.softmaxSums = k.softmaxCeForward({ N, K, logits, targets, mask, probs });
const dlogits = new Float32Array(N * K);
k.softmaxCeBackward({ N, K, probs, targets, mask, scale: 0.02, dlogits });
Object.assign(out, { softmaxProbs: hash(probs), softmaxGrad: hash(dlogits) });

const h = uniform(N * H, 2), W = uniform(H * K), b = uniform(K);
out.linearSums = k.linearSoftmaxCeForward({ N, H, K, h, W, b, targets, mask, probs });
out.linearProbs = hash(probs);
const dh = new Float32Array(N * H), dW = new Float32Array(H * K), db = new Float32Array(K);
k.linearSoftmaxCeBackward({ N, H, K, h, W, probs, targets, mask, scale: 0.02, dh, dW, db });
Object.assign(out, { linearDh: hash(dh), linearDW: hash(dW), linearDb: hash(db) });
console.log(JSON.stringify(out));
