/**
 * The recurrent LM (lib/src/lm/rnn_lm.ts), its training and evaluation (lm/train_lm.ts),
 * checkpoints (lm/checkpoint.ts) and interpolation (lm/interpolate.ts), against oracles:
 * finite differences for the gradient, a hand-built one-output loss, a uniform model whose
 * perplexity is V exactly, evaluation independent of the window length, brute-force
 * search for the mixture weight, and a checkpointed `trainCorpusLm` run that resumes to
 * the uninterrupted run's perplexities.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { setSeed } from "../lib/src/random.js";
import { Vocab, EOS_ID } from "../lib/src/data/vocab.js";
import { RnnLm, lastRealStep } from "../lib/src/lm/rnn_lm.js";
import { encodeStream, evaluateLm, evaluateSentences, trainLm } from "../lib/src/lm/train_lm.js";
import { CheckpointError, loadLm, saveLm } from "../lib/src/lm/checkpoint.js";
import { LockError } from "../lib/src/lm/training_lock.js";
import { SeqlabError } from "../lib/src/errors.js";
import { mixLogProbs, tuneMixture } from "../lib/src/lm/interpolate.js";
import type { LmCorpus } from "../lib/src/datasets/lm_corpus.js";
import { trainCorpusLm } from "../lib/src/lm/train_corpus_lm.js";

before(async () => {
  await initBackend({ quiet: true });
});

const tiny = (cell: "rnn" | "lstm" | "gru" = "lstm") =>
  new RnnLm({ vocabSize: 7, cell, embeddingSize: 3, hiddenSize: 4, layers: 2, initScale: 0.5 });

function batchOf(inputs: number[][], targets: number[][], mask?: number[][]) {
  return {
    inputs: tf.tensor2d(inputs, undefined, "int32") as tf.Tensor2D,
    targets: tf.tensor2d(targets, undefined, "int32") as tf.Tensor2D,
    mask: mask === undefined ? undefined : (tf.tensor2d(mask) as tf.Tensor2D),
  };
}

describe("RnnLm", () => {
  test("a model holds only its weights: dispose frees every tensor it made (no initial values left behind)", () => {
    const before = tf.memory().numTensors;
    for (const cell of ["rnn", "lstm", "gru"] as const) {
      const lm = new RnnLm({ vocabSize: 9, cell, embeddingSize: 3, hiddenSize: 4, layers: 2 });
      assert.equal(tf.memory().numTensors, before + lm.weights.length, `${cell}: one tensor per weight`);
      lm.dispose();
      assert.equal(tf.memory().numTensors, before, `${cell}: nothing left after dispose`);
    }
  });

  test("lastRealStep marks each row's last real position", () => {
    const m = tf.tensor2d([[1, 1, 1, 0], [1, 1, 1, 1], [1, 0, 0, 0]]) as tf.Tensor2D;
    assert.deepEqual(lastRealStep(m).arraySync(), [[0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0]]);
  });

  test("one-output loss = the cross-entropy of each row's last real target only (hand-built from the logits)", () => {
    setSeed(3);
    const lm = tiny();
    const b = batchOf([[1, 2, 3, 4], [5, 6, 0, 0]], [[2, 3, 4, 5], [6, 1, 0, 0]], [[1, 1, 1, 1], [1, 1, 0, 0]]);
    const got = lm.loss(b, { mode: "one-output" }).loss.dataSync()[0];
    const logp = tf.logSoftmax(lm.forward(b.inputs, undefined, b.mask).logits).arraySync() as number[][][];
    const expected = -(logp[0][3][5] + logp[1][1][1]) / 2;
    assert.ok(Math.abs(got - expected) < 1e-5, `${got} vs ${expected}`);
    const k = lm.loss(b).loss.dataSync()[0];
    const all = [[0, 0, 2], [0, 1, 3], [0, 2, 4], [0, 3, 5], [1, 0, 6], [1, 1, 1]].map(([r, t, y]) => logp[r][t][y]);
    assert.ok(Math.abs(k + all.reduce((s, x) => s + x, 0) / 6) < 1e-5);
    lm.dispose();
  });

  for (const cell of ["rnn", "lstm", "gru"] as const) {
    test(`${cell}: autodiff gradient of the loss matches central differences along random directions, per weight`, () => {
      // Entry-wise float32 finite differences are rounding-bound here (|∂L/∂θ_i| ~ 1e-4 next to
      // L ≈ 2), so each weight is checked along random unit directions d: the 4th-order central
      // difference of L(θ + s·d) against the autodiff directional derivative g·d, whose size is ‖g‖.
      setSeed(7);
      const lm = tiny(cell);
      const b = batchOf([[1, 2, 3], [4, 5, 6]], [[2, 3, 4], [5, 6, 1]], [[1, 1, 1], [1, 1, 0]]);
      const lossOf = () => tf.tidy(() => lm.loss(b).loss.dataSync()[0]);
      const { grads } = tf.variableGrads(() => lm.loss(b).loss, lm.weights);
      lm.weights.forEach((w, i) => {
        const g = grads[w.name];
        const gNorm = tf.norm(g).dataSync()[0];
        for (let trial = 0; trial < 2; trial++) {
          const d = tf.tidy(() => { const r = tf.randomNormal(w.shape, 0, 1, "float32", 100 * i + trial); return tf.div(tf.add(r, tf.mul(trial, tf.div(g, gNorm))), tf.norm(r)); });
          const exact = tf.sum(tf.mul(g, d)).dataSync()[0];
          const w0 = w.clone();
          const at = (s: number) => { tf.tidy(() => w.assign(tf.add(w0, tf.mul(s, d)))); return lossOf(); };
          const h = 0.05;
          const fd = (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h);
          w.assign(w0);
          tf.dispose([w0, d]);
          // float32 rounding of L (u ≈ 6e-8, L ≈ 2) through the stencil: ≈ 3·u·L/h ≈ 1e-5 absolute.
          const bound = 2e-3 * Math.max(Math.abs(exact), gNorm * 0.05) + 2e-5;
          assert.ok(Math.abs(fd - exact) < bound, `${cell} weight ${i} [${w.shape}] trial ${trial}: directional derivative ${exact} vs central difference ${fd} (bound ${bound})`);
        }
      });
      tf.dispose(grads);
      lm.dispose();
    });
  }

  test("a model with zero output weights is uniform: perplexity = V exactly", () => {
    const lm = tiny();
    for (const w of lm.output.weights) w.assign(tf.zerosLike(w));
    const ids = Int32Array.from({ length: 50 }, (_, i) => (i * 3) % 7);
    const ev = evaluateLm(lm, ids, { batchSize: 3, bptt: 4 });
    assert.equal(ev.tokens, 49);
    assert.ok(Math.abs(ev.perplexity - 7) < 1e-4, `${ev.perplexity}`);
    lm.dispose();
  });

  test("evaluation with one stream gives the same ln p whatever the window length (the state is carried)", () => {
    setSeed(11);
    const lm = tiny("gru");
    const ids = Int32Array.from({ length: 40 }, (_, i) => (i * i + 1) % 7);
    const a = evaluateLm(lm, ids, { batchSize: 1, bptt: 39 });
    const b = evaluateLm(lm, ids, { batchSize: 1, bptt: 5 });
    for (let j = 0; j < a.logProbs.length; j++) assert.ok(Math.abs(a.logProbs[j] - b.logProbs[j]) < 1e-5, `token ${j}`);
    lm.dispose();
  });

  test("training on a periodic text drives the perplexity towards 1; the run is repeatable", () => {
    const run = () => {
      setSeed(5);
      const lm = new RnnLm({ vocabSize: 8, embeddingSize: 8, hiddenSize: 16, layers: 1 });
      const ids = Int32Array.from({ length: 400 }, (_, i) => 4 + (i % 4));
      const records = trainLm(lm, ids, { epochs: 6, batchSize: 4, bptt: 10, optimizer: "adam", learningRate: 0.05, valid: ids });
      lm.dispose();
      return records;
    };
    const r1 = run();
    assert.equal(r1.length, 6);
    assert.ok(r1[0].validPerplexity! > 1.5 || r1[0].trainPerplexity > 1.5, "starts above 1.5");
    assert.ok(r1[5].validPerplexity! < 1.1, `final valid ppl ${r1[5].validPerplexity}`);
    const r2 = run();
    assert.deepEqual(r2.map((r) => r.validPerplexity), r1.map((r) => r.validPerplexity));
  });

  test("the default SGD (clipping folded into FusedSgd's step) = tf.train.sgd on clipByGlobalNorm's gradients", () => {
    const ids = Int32Array.from({ length: 161 }, (_, i) => (i * i + 3 * i) % 7);
    const runWith = (optimizer: "sgd" | tf.Optimizer) => {
      setSeed(17);
      const lm = tiny();
      trainLm(lm, ids, { epochs: 1, batchSize: 4, bptt: 5, learningRate: 0.7, clip: 0.05, optimizer, sumOverTime: true });
      const w = lm.weights.map((v) => Array.from(v.dataSync()));
      lm.dispose();
      return w;
    };
    const fused = runWith("sgd");
    const sgd = tf.train.sgd(0.7);
    const reference = runWith(sgd);
    sgd.dispose();
    let moved = 0;
    fused.forEach((w, i) => w.forEach((x, j) => {
      assert.ok(Math.abs(x - reference[i][j]) < 1e-5, `weight ${i}[${j}]: ${x} vs ${reference[i][j]}`);
      moved = Math.max(moved, Math.abs(x));
    }));
    assert.ok(moved > 0);
  });

  test("sumOverTime: the SGD step is k times the step of the mean loss (below the clipping threshold)", () => {
    const ids = Int32Array.from({ length: 41 }, (_, i) => (3 * i + 1) % 7);
    const delta = (sumOverTime: boolean, lr: number) => {
      setSeed(23);
      const lm = tiny();
      const w0 = lm.weights.map((v) => Array.from(v.dataSync()));
      trainLm(lm, ids, { epochs: 1, batchSize: 2, bptt: 20, learningRate: lr, clip: 1e6, sumOverTime, maxSteps: 1 });
      const d = lm.weights.map((v, i) => Array.from(v.dataSync()).map((x, j) => x - w0[i][j]));
      lm.dispose();
      return d.flat();
    };
    const summed = delta(true, 0.01);
    const mean = delta(false, 0.2); // k = 20: 0.2 · mean-gradient = 0.01 · (20 · mean-gradient)
    summed.forEach((x, i) => assert.ok(Math.abs(x - mean[i]) < 1e-6 + 1e-3 * Math.abs(x), `entry ${i}: ${x} vs ${mean[i]}`));
    assert.ok(summed.some((x) => Math.abs(x) > 1e-5), "the step moved the weights");
  });

  test("the learning rate follows lr · decay^max(0, e − decayAfter)", () => {
    const lm = tiny();
    const ids = Int32Array.from({ length: 30 }, (_, i) => i % 7);
    const r = trainLm(lm, ids, { epochs: 4, batchSize: 2, bptt: 5, learningRate: 0.8, decay: 0.5, decayAfter: 2 });
    assert.deepEqual(r.map((x) => x.learningRate), [0.8, 0.8, 0.4, 0.2]);
    lm.dispose();
  });
});

describe("encodeStream and evaluateSentences", () => {
  test("the stream is <EOS> s1 <EOS> s2 <EOS>; every word and sentence end is predicted", () => {
    const vocab = Vocab.fromSentences([["a", "b"], ["b", "c"]]);
    const ids = encodeStream(vocab, [["a", "b"], ["c", "zzz"]]);
    assert.deepEqual(Array.from(ids), [EOS_ID, vocab.idOf("a"), vocab.idOf("b"), EOS_ID, vocab.idOf("c"), 1, EOS_ID]);
    const lm = new RnnLm({ vocabSize: vocab.size, embeddingSize: 2, hiddenSize: 2, layers: 1 });
    const rep = evaluateSentences(lm, vocab, [["a", "b"], ["c", "zzz"]]);
    assert.equal(rep.tokens, 6); // 4 words + 2 sentence ends
    assert.equal(rep.words, 4);
    assert.equal(rep.unkMapped, 1);
    assert.ok(Math.abs(rep.perplexity - Math.pow(10, -rep.log10Prob / rep.tokens)) < 1e-9);
    lm.dispose();
  });
});

describe("checkpoints", () => {
  test("save then load gives the same log-probabilities; a broken folder names the file", () => {
    setSeed(13);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-ckpt-"));
    const vocab = Vocab.fromSentences([["x", "y", "z"]]);
    const lm = new RnnLm({ vocabSize: vocab.size, cell: "gru", embeddingSize: 3, hiddenSize: 5, layers: 2 });
    saveLm(dir, lm, vocab, [{ epoch: 1 }]);
    const { model, vocab: v2, history } = loadLm(dir);
    assert.deepEqual(v2.tokens, vocab.tokens);
    assert.deepEqual(history, [{ epoch: 1 }]);
    const ids = Int32Array.from([3, 4, 5, 6, 4, 3, 5]);
    assert.deepEqual(Array.from(evaluateLm(model, ids, { batchSize: 1 }).logProbs), Array.from(evaluateLm(lm, ids, { batchSize: 1 }).logProbs));
    fs.writeFileSync(path.join(dir, "model.json"), "{not json");
    assert.throws(() => loadLm(dir), (e: Error) => e instanceof CheckpointError && e.message.includes("model.json: expected JSON"));
    fs.rmSync(path.join(dir, "weights.bin"));
    assert.throws(() => loadLm(dir), (e: Error) => e instanceof CheckpointError && /weights\.bin: expected a seqlab LM checkpoint file/.test(e.message));
    lm.dispose();
    model.dispose();
    fs.rmSync(dir, { recursive: true });
  });
});

describe("trainCorpusLm with a checkpoint folder", () => {
  // a small real-looking corpus: 3 word patterns over 12 types
  const words = ["the", "cat", "dog", "sat", "ran", "on", "a", "mat", "rug", "and", "slept", "<unk>"];
  const sentence = (i: number) => Array.from({ length: 3 + (i % 5) }, (_, j) => words[(i * 7 + j * (1 + (i % 3))) % words.length]);
  const corpus: LmCorpus = {
    name: "toy", source: "test", unk: "<unk>", types: words.length,
    train: Array.from({ length: 60 }, (_, i) => sentence(i)),
    valid: Array.from({ length: 10 }, (_, i) => sentence(100 + i)),
    test: Array.from({ length: 10 }, (_, i) => sentence(200 + i)),
  };
  const config = { cell: "lstm" as const, layers: 1, hiddenSize: 8, embeddingSize: 6 };
  const options = { batchSize: 4, bptt: 5, learningRate: 0.5 };

  test("an interrupted run continues after its last epoch and ends where the uninterrupted run ends; a finished run is only evaluated", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-runs-"));
    const whole = trainCorpusLm(corpus, "whole", config, { ...options, epochs: 3 });
    const first = trainCorpusLm(corpus, "part", config, { ...options, epochs: 2, checkpointDir: dir, log: () => assert.fail("nothing to say for a fresh run") });
    assert.equal(first.epochsFromCheckpoint, 0);
    assert.equal(loadLm(dir).history.length, 2);
    const said: string[] = [];
    const resumed = trainCorpusLm(corpus, "part", config, { ...options, epochs: 3, checkpointDir: dir, log: (line) => said.push(line) });
    assert.deepEqual(said, [`trainCorpusLm: part continues after epoch 2 of 3 (checkpoint ${dir})`]);
    assert.equal(resumed.epochsFromCheckpoint, 2);
    assert.deepEqual(resumed.epochs.map((r) => r.epoch), [1, 2, 3]);
    assert.deepEqual(resumed.epochs.map((r) => r.validPerplexity), whole.epochs.map((r) => r.validPerplexity));
    assert.equal(resumed.testPerplexity, whole.testPerplexity);
    const again = trainCorpusLm(corpus, "part", config, { ...options, epochs: 3, checkpointDir: dir });
    assert.equal(again.epochsFromCheckpoint, 3);
    assert.equal(again.testPerplexity, whole.testPerplexity);
    assert.equal(again.seconds, resumed.seconds, "the training wall time comes from the epoch records");
    assert.throws(
      () => trainCorpusLm(corpus, "part", { ...config, hiddenSize: 9 }, { ...options, epochs: 3, checkpointDir: dir }),
      (e: Error) => {
        assert.ok(e instanceof CheckpointError && e instanceof SeqlabError, `${e.name}: ${e.message}`);
        assert.equal(e.name, "CheckpointError");
        assert.equal(e.message, `trainCorpusLm: expected the checkpoint in ${dir} to have this run's hiddenSize 9, got hiddenSize 8; use another checkpointDir or delete that folder`);
        return true;
      },
    );
    assert.equal(loadLm(dir).history.length, 3, "a refused run leaves the checkpoint as it was");
    for (const run of [whole, first, resumed, again]) run.model.dispose();
    fs.rmSync(dir, { recursive: true });
  });

  test("with word dropout too, a run resumed after epoch 1 ends where the uninterrupted run ends (the dropout draws of earlier epochs are skipped)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-runs-"));
    const dropout = { ...options, wordDropout: 0.2, seed: 5 };
    const whole = trainCorpusLm(corpus, "whole", config, { ...dropout, epochs: 3 });
    const first = trainCorpusLm(corpus, "part", config, { ...dropout, epochs: 1, checkpointDir: dir });
    const resumed = trainCorpusLm(corpus, "part", config, { ...dropout, epochs: 3, checkpointDir: dir, log: () => {} });
    assert.equal(resumed.epochsFromCheckpoint, 1);
    assert.deepEqual(resumed.epochs.map((r) => r.validPerplexity), whole.epochs.map((r) => r.validPerplexity));
    assert.deepEqual(resumed.model.weights.map((w) => Array.from(w.dataSync())), whole.model.weights.map((w) => Array.from(w.dataSync())));
    for (const run of [whole, first, resumed]) run.model.dispose();
    fs.rmSync(dir, { recursive: true });
  });

  test("a second run for the same folder waits for the process that holds training.lock, then continues from its checkpoint; a stale lock is taken over", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-lock-"));
    // a live process on this machine (an orphaned `sleep`, so nothing here has to reap it)
    const pid = Number(execFileSync("sh", ["-c", "sleep 3 >/dev/null 2>&1 & echo $!"], { encoding: "utf8" }).trim());
    fs.writeFileSync(path.join(dir, "training.lock"), JSON.stringify({ pid, host: os.hostname() }));
    const lines: string[] = [];
    const t0 = Date.now();
    const run = trainCorpusLm(corpus, "locked", config, { ...options, epochs: 1, checkpointDir: dir, log: (line) => lines.push(line) });
    assert.ok(Date.now() - t0 >= 2000, "it waited for the sleeping process");
    assert.deepEqual(lines, [`waiting for process ${pid}, which is training into ${dir}`]);
    assert.ok(!fs.existsSync(path.join(dir, "training.lock")), "the lock is released");
    run.model.dispose();
    // stale: a process that is gone
    fs.writeFileSync(path.join(dir, "training.lock"), JSON.stringify({ pid, host: os.hostname() }));
    const again = trainCorpusLm(corpus, "locked", config, { ...options, epochs: 1, checkpointDir: dir, log: (line) => lines.push(line) });
    assert.equal(again.epochsFromCheckpoint, 1);
    assert.equal(lines.length, 1, "no wait for a dead process");
    again.model.dispose();
    fs.writeFileSync(path.join(dir, "training.lock"), JSON.stringify({ pid: 1, host: "elsewhere" }));
    assert.throws(() => trainCorpusLm(corpus, "locked", config, { ...options, epochs: 1, checkpointDir: dir }), (e: Error) => {
      assert.ok(e instanceof LockError && e instanceof SeqlabError, `${e.name}: ${e.message}`);
      assert.equal(e.name, "LockError");
      assert.equal(e.message, `${path.join(dir, "training.lock")} says process 1 on elsewhere is training into this folder; delete the file if that run is gone`);
      return true;
    });
    assert.equal(fs.readFileSync(path.join(dir, "training.lock"), "utf8"), JSON.stringify({ pid: 1, host: "elsewhere" }), "another machine's lock is left alone");
    fs.rmSync(dir, { recursive: true });
  });
});

describe("interpolation", () => {
  test("mixLogProbs is ln(λ e^a + (1 − λ) e^b), with λ = 1 and λ = 0 giving the parts", () => {
    const a = [Math.log(0.5), Math.log(0.1), -800];
    const b = [Math.log(0.2), Math.log(0.3), -801];
    const m = mixLogProbs(a, b, 0.25);
    assert.ok(Math.abs(m[0] - Math.log(0.25 * 0.5 + 0.75 * 0.2)) < 1e-12);
    assert.ok(Math.abs(m[1] - Math.log(0.25 * 0.1 + 0.75 * 0.3)) < 1e-12);
    assert.ok(Number.isFinite(m[2]) && m[2] < -800 && m[2] > -801.1, "stable for tiny probabilities");
    assert.deepEqual(Array.from(mixLogProbs(a, b, 1)).slice(0, 2), a.slice(0, 2));
  });

  test("EM finds the λ of the best perplexity (brute-force grid over λ)", () => {
    const rand = (() => { let s = 1; return () => ((s = (s * 16807) % 2147483647) / 2147483647); })();
    const a = Array.from({ length: 300 }, () => Math.log(0.01 + rand()));
    const b = Array.from({ length: 300 }, () => Math.log(0.01 + rand() * rand()));
    const tuned = tuneMixture(a, b);
    let best = { lambda: -1, ppl: Infinity };
    for (let i = 0; i <= 1000; i++) {
      const lambda = i / 1000;
      const m = mixLogProbs(a, b, lambda);
      const ppl = Math.exp(-m.reduce((s, x) => s + x, 0) / m.length);
      if (ppl < best.ppl) best = { lambda, ppl };
    }
    assert.ok(Math.abs(tuned.lambda - best.lambda) < 2e-3, `EM ${tuned.lambda} vs grid ${best.lambda}`);
    assert.ok(tuned.perplexity <= best.ppl + 1e-9);
  });
});
