/**
 * `seqlab train-lm --context sentence` (lib/src/cli/train_lm.ts) and what reads its checkpoints
 * (`seqlab generate`, `seqlab ppl --model`), on a tiny corpus written here:
 * - the checkpoint records `training.context: "sentence"`; `generate` starts it from <SOS> and
 *   every text it writes stops at <EOS>, equal to the library's generation from [SOS_ID];
 * - the weights are the library's: `trainSentenceLm` epoch by epoch (a fresh Adam per epoch,
 *   `startEpoch`), and a run resumed after epoch 1 ends with the uninterrupted run's weights;
 * - `ppl --model` scores such a checkpoint sentence by sentence (`evaluateSentenceLm`);
 * - --bptt / --mode / --word-dropout with the sentence context, and --context conflicting with a
 *   resumed checkpoint, are one-line errors before any work; SIGINT stops between two steps.
 * And `trainSentenceLmSteps` (lib/src/lm/train_sentence_lm.ts): drained it is `trainSentenceLm`;
 * `startEpoch` numbers the global step and shuffles as an uninterrupted run.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { setSeed } from "../lib/src/random.js";
import { EOS_ID, SOS_ID, Vocab } from "../lib/src/data/vocab.js";
import { RnnLm } from "../lib/src/lm/rnn_lm.js";
import { inspectLm, loadLm } from "../lib/src/lm/checkpoint.js";
import { encodeSentences, evaluateSentenceLm, trainSentenceLm, trainSentenceLmSteps } from "../lib/src/lm/train_sentence_lm.js";
import { generateMany } from "../lib/src/generation/generate.js";
import { runGenerate } from "../lib/src/cli/generate.js";
import { runPpl } from "../lib/src/cli/ppl.js";

const root = path.resolve(import.meta.dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-train-lm-sentence-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
before(async () => {
  await initBackend({ quiet: true });
});

/** Short sentences of a few patterns: a model learns where they end within a few epochs. */
const lines = Array.from({ length: 48 }, (_, i) => ["the cat sat", "the dog ran far", "a cat ran", "a dog sat down"][i % 4]);
const trainFile = path.join(tmp, "train.txt");
fs.writeFileSync(trainFile, lines.join("\n") + "\n");
const sentences = lines.map((l) => l.split(" "));
const SCHEDULE = { hidden: 16, emb: 8, batch: 8, lr: 0.02 };
const FLAGS = ["--context", "sentence", "--hidden", "16", "--emb", "8", "--layers", "1", "--batch", "8", "--optimizer", "adam", "--lr", "0.02", "--seed", "5", "--no-progress"];
const CLI = ["--import", "tsx", "lib/src/cli/main.ts"];
function seqlab(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...CLI, ...args], { cwd: root, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const sha = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

const whole = path.join(tmp, "whole");
before(() => {
  const r = seqlab(["train-lm", "--train", trainFile, "--out", whole, "--epochs", "12", ...FLAGS]);
  assert.equal(r.status, 0, r.stderr);
});

describe("train-lm --context sentence", () => {
  test("the checkpoint is sentence-level: generate starts from <SOS> and every text stops at <EOS>, as the library's generation from [SOS_ID]", async () => {
    const { model, training } = loadLm(whole, { warn: () => {} });
    assert.equal(training?.context, "sentence");
    const lib = generateMany(model, 5, { prompt: [SOS_ID], maxLength: 20, seed: 3 });
    const argmax = generateMany(model, 1, { prompt: [SOS_ID], strategy: "argmax", maxLength: 20 })[0];
    model.dispose();
    assert.ok(lib.every((g) => g.finished && g.ids[g.ids.length - 1] === EOS_ID), "every sample ends with <EOS>");
    assert.ok(argmax.finished);
    const out: string[] = [];
    await runGenerate({ model: whole, n: 5, maxLength: 20, seed: 3 }, (l) => out.push(l));
    const vocab = Vocab.fromSentences(sentences);
    assert.deepEqual(out, lib.map((g) => vocab.decode(g.ids.slice(0, -1)).join(" ")), "the CLI's texts are the library's from <SOS>, <EOS> not printed, none cut (no ' …')");
    const greedy: string[] = [];
    await runGenerate({ model: whole, decoder: "argmax", maxLength: 20 }, (l) => greedy.push(l));
    assert.deepEqual(greedy, [vocab.decode(argmax.ids.slice(0, -1)).join(" ")], "argmax from <SOS>, stopped by <EOS>");
    assert.ok(greedy[0].length > 0 && greedy[0].split(" ").every((w) => vocab.has(w)));
  });

  test("the weights are the library's (trainSentenceLm epoch by epoch, a fresh Adam each); resumed after epoch 1 = uninterrupted", () => {
    const part = path.join(tmp, "part");
    const one = seqlab(["train-lm", "--train", trainFile, "--out", part, "--epochs", "1", ...FLAGS]);
    assert.equal(one.status, 0, one.stderr);
    const rest = seqlab(["train-lm", "--train", trainFile, "--out", part, "--resume", "--epochs", "12", "--no-progress"]);
    assert.equal(rest.status, 0, rest.stderr);
    assert.match(rest.stdout, /^train-lm: 1 × 16 lstm, V = 12, 48 training sentences \(context sentence\), engine \S+, seed 5$/m);
    assert.equal(sha(path.join(part, "weights.bin")), sha(path.join(whole, "weights.bin")), "resumed = uninterrupted");

    const vocab = Vocab.fromSentences(sentences);
    setSeed(5);
    const lm = new RnnLm({ vocabSize: vocab.size, cell: "lstm", layers: 1, hiddenSize: SCHEDULE.hidden, embeddingSize: SCHEDULE.emb });
    const ids = encodeSentences(vocab, sentences);
    for (let e = 1; e <= 12; e++) trainSentenceLm(lm, ids, { startEpoch: e, epochs: e, batchSize: SCHEDULE.batch, learningRate: SCHEDULE.lr, seed: 5 });
    const saved = inspectLm(whole, { warn: () => {} });
    lm.weights.forEach((w, i) => {
      const a = w.dataSync();
      const b = saved.weights[i];
      let max = 0;
      for (let j = 0; j < a.length; j++) max = Math.max(max, Math.abs(a[j] - b[j]));
      assert.ok(max <= 1e-6, `weight ${i}: max |Δ| = ${max}`);
    });
    lm.dispose();
    assert.equal(saved.history.length, 12);
  });

  test("ppl --model scores a sentence-level checkpoint sentence by sentence (evaluateSentenceLm)", async () => {
    const report = await runPpl({ model: whole, text: trainFile, unk: "<unk>" }, () => {});
    const { model, vocab } = loadLm(whole, { warn: () => {} });
    const ev = evaluateSentenceLm(model, encodeSentences(vocab, sentences));
    model.dispose();
    assert.equal(report.perplexity, ev.perplexity);
    assert.equal(report.tokens, sentences.reduce((n, s) => n + s.length + 1, 0));
  });

  test("stream-only flags and a conflicting --context are one-line errors before any work; an unknown context is commander's", () => {
    const out = path.join(tmp, "never");
    for (const [flag, value] of [["--bptt", "5"], ["--mode", "one-output"], ["--word-dropout", "0.1"]]) {
      const r = seqlab(["train-lm", "--train", trainFile, "--out", out, ...FLAGS, flag, value]);
      assert.equal(r.status, 1);
      assert.equal(r.stderr, `seqlab: ${flag} ${value}: expected --context stream (a sentence-level LM trains on whole sentences, without it), got --context sentence\n`);
      assert.equal(r.stdout, "");
    }
    assert.ok(!fs.existsSync(out), "nothing written");
    const before = sha(path.join(whole, "weights.bin"));
    const conflict = seqlab(["train-lm", "--train", trainFile, "--out", whole, "--resume", "--context", "stream", "--epochs", "13"]);
    assert.equal(conflict.status, 1);
    assert.equal(conflict.stderr, `seqlab: --context stream: conflicts with the checkpoint in ${whole}, expected its context sentence, got stream; drop the flag to continue that model, or pass --force without --resume to replace it\n`);
    const resumedBptt = seqlab(["train-lm", "--train", trainFile, "--out", whole, "--resume", "--bptt", "5", "--epochs", "13"]);
    assert.equal(resumedBptt.status, 1);
    assert.equal(resumedBptt.stderr, `seqlab: --bptt 5: expected --context stream (a sentence-level LM trains on whole sentences, without it), got --context sentence (the checkpoint's in ${whole})\n`);
    assert.equal(resumedBptt.stdout, "", "refused before any announcement");
    assert.equal(sha(path.join(whole, "weights.bin")), before);
    const bad = seqlab(["train-lm", "--train", trainFile, "--out", out, "--context", "document"]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /option '--context <kind>' argument 'document' is invalid\. Allowed choices are stream, sentence\./);
    const held = seqlab(["train-lm", "--train", trainFile, "--out", whole, "--epochs", "1", ...FLAGS]);
    assert.equal(held.stderr, `seqlab: ${whole} holds a model (12 epochs, 1×16 LSTM, sentence-level); pass --resume to continue or --force to replace it\n`);
  });

  test("--max-steps counts this invocation's steps; SIGINT after an epoch stops between two steps (exit 130, the last epoch kept)", async () => {
    const quick = path.join(tmp, "quick");
    const r = seqlab(["train-lm", "--train", trainFile, "--out", quick, "--epochs", "5", "--max-steps", "8", ...FLAGS]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(inspectLm(quick, { warn: () => {} }).history.map((h) => (h as { steps: number }).steps), [6, 2], "6 batches of 8 per epoch, then 2 steps");
    const big = path.join(tmp, "big");
    const many = Array.from({ length: 30 }, () => lines).flat();
    const bigFile = path.join(tmp, "big.txt");
    fs.writeFileSync(bigFile, many.join("\n") + "\n");
    const child = spawn(process.execPath, [...CLI, "train-lm", "--train", bigFile, "--out", big, "--context", "sentence", "--hidden", "64", "--emb", "16", "--layers", "1", "--batch", "4", "--optimizer", "adam", "--epochs", "200", "--no-progress"], { cwd: root });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
      if (/^epoch 1: /m.test(stdout) && !child.killed) child.kill("SIGINT");
    });
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(code, 130, stderr);
    const m = /^seqlab: interrupted after epoch (\d+); checkpoint in (.*); rerun with --resume\n$/.exec(stderr);
    assert.ok(m, stderr);
    assert.equal(inspectLm(big, { warn: () => {} }).history.length, Number(m![1]));
    assert.ok(Number(m![1]) < 200);
  });
});

describe("trainSentenceLmSteps", () => {
  test("drained it is trainSentenceLm; startEpoch numbers the global step from (startEpoch − 1)·⌈N/B⌉ and shuffles as an uninterrupted run", () => {
    const vocab = Vocab.fromSentences(sentences);
    const ids = encodeSentences(vocab, sentences.slice(0, 20));
    const make = () => {
      setSeed(2);
      return new RnnLm({ vocabSize: vocab.size, layers: 1, hiddenSize: 8, embeddingSize: 4 });
    };
    const a = make();
    const recordsA = trainSentenceLm(a, ids, { epochs: 2, batchSize: 6, seed: 1 });
    const b = make();
    const gen = trainSentenceLmSteps(b, ids, { epochs: 2, batchSize: 6, seed: 1 });
    const yields: string[] = [];
    let r = gen.next();
    while (r.done !== true) {
      yields.push(`${r.value.epoch}.${r.value.step}${r.value.endOfEpoch ? "!" : ""}`);
      r = gen.next();
    }
    assert.deepEqual(yields, ["1.1", "1.2", "1.3", "1.4!", "2.1", "2.2", "2.3", "2.4!"]);
    assert.deepEqual(r.value.map((x) => [x.epoch, x.steps, x.trainPerplexity]), recordsA.map((x) => [x.epoch, x.steps, x.trainPerplexity]));
    a.weights.forEach((w, i) => assert.deepEqual(Array.from(w.dataSync()), Array.from(b.weights[i].dataSync())));
    // epoch 2 alone: global steps 4 … 7, and the same batches as epoch 2 of an uninterrupted run (the same losses from the same weights)
    const c = make();
    const lossesWhole: number[] = [];
    trainSentenceLm(c, ids, { epochs: 2, batchSize: 6, seed: 1, optimizer: "sgd", learningRate: 1e-9, onStep: (s) => lossesWhole.push(s.loss) });
    const d = make();
    const steps: number[] = [];
    const lossesTwo: number[] = [];
    const [only] = trainSentenceLm(d, ids, { startEpoch: 2, epochs: 2, batchSize: 6, seed: 1, optimizer: "sgd", learningRate: 1e-9, onStep: (s) => (steps.push(s.step), lossesTwo.push(s.loss)) });
    assert.equal(only.epoch, 2);
    assert.deepEqual(steps, [4, 5, 6, 7]);
    lossesTwo.forEach((l, i) => assert.ok(Math.abs(l - lossesWhole[4 + i]) < 1e-5, `step ${4 + i}: ${l} vs ${lossesWhole[4 + i]}`));
    tf.dispose([...a.weights, ...b.weights, ...c.weights, ...d.weights]);
    assert.throws(() => trainSentenceLm(make(), ids, { startEpoch: 0 }), /trainSentenceLm: expected startEpoch an integer ≥ 1, got 0/);
  });
});
