/**
 * The checkpointed runs and figures behind notebooks 05 and 06:
 * - `trainCorpusSentenceLm` (lib/src/experiments/sentence_lm_run.ts): a run resumed after epoch 1
 *   ends with the weights of an uninterrupted one, a finished run is only evaluated, its checkpoint
 *   is sentence-level (`seqlab generate` starts it from <SOS>), and a folder holding another run is
 *   refused;
 * - `g2pComparison` (lib/src/experiments/g2p_runs.ts): a second call reads the runs the first
 *   trained — the same weights and scores, without training — and refuses a folder of another
 *   run (naming the field) or a damaged one (naming the file);
 * - the figures carry the numbers they are given (mean and sample std over seeds, one point per
 *   decoder, one line per normalisation).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { packageDir } from "../lib/src/datasets/folder.js";
import type { LmCorpus } from "../lib/src/datasets/lm_corpus.js";
import { inspectLm, saveLm } from "../lib/src/lm/checkpoint.js";
import { RnnLm } from "../lib/src/lm/rnn_lm.js";
import { Vocab } from "../lib/src/data/vocab.js";
import { trainCorpusSentenceLm, type SentenceLmSpec } from "../lib/src/experiments/sentence_lm_run.js";
import { g2pComparison, g2pResultRows, g2pRunName, type G2pComparisonSpec } from "../lib/src/experiments/g2p_runs.js";
import { g2pData } from "../lib/src/experiments/scheduled_sampling.js";
import { g2pComparisonChart, sampledFractionChart } from "../lib/src/experiments/scheduled_sampling_charts.js";
import { beamWidthChart, diversityQualityChart, type BeamWidthRow, type DecodingRow } from "../lib/src/experiments/generation.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-generation-runs-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
before(async () => {
  await initBackend({ quiet: true });
});
const quiet = () => {};

const words = ["the", "cat", "dog", "sat", "ran", "a", "far", "<unk>"];
let s = 7;
const rand = () => (s = (s * 16807) % 2147483647) / 2147483647;
const sentence = () => Array.from({ length: 2 + Math.floor(rand() * 5) }, () => words[Math.floor(rand() * words.length)]);
const corpus: LmCorpus = { name: "toy", source: "test", train: Array.from({ length: 60 }, sentence), valid: Array.from({ length: 10 }, sentence), test: Array.from({ length: 10 }, sentence), unk: "<unk>", types: words.length };
const spec: SentenceLmSpec = { label: "toy", config: { cell: "lstm", layers: 1, hiddenSize: 8, embeddingSize: 4 }, epochs: 3, batchSize: 8, learningRate: 0.01, decay: 0.5, decayAfter: 1, seed: 3 };

describe("trainCorpusSentenceLm", () => {
  test("resumed after epoch 1 = uninterrupted; a finished run is only evaluated; the checkpoint is sentence-level", () => {
    const whole = path.join(tmp, "whole");
    const a = trainCorpusSentenceLm(corpus, spec, { checkpointDir: whole, log: quiet });
    const part = path.join(tmp, "part");
    trainCorpusSentenceLm(corpus, { ...spec, epochs: 1 }, { checkpointDir: part, log: quiet }).model.dispose();
    const lines: string[] = [];
    const b = trainCorpusSentenceLm(corpus, spec, { checkpointDir: part, log: (l) => lines.push(l) });
    assert.equal(b.epochsFromCheckpoint, 1);
    assert.deepEqual(lines, [`trainCorpusSentenceLm: toy continues after epoch 1 of 3 (checkpoint ${part})`]);
    a.model.weights.forEach((w, i) => assert.deepEqual(Array.from(w.dataSync()), Array.from(b.model.weights[i].dataSync()), `weight ${i}`));
    assert.deepEqual(b.epochs.map((e) => e.epoch), [1, 2, 3]);
    assert.equal(b.testPerplexity, a.testPerplexity);
    const c = trainCorpusSentenceLm(corpus, spec, { checkpointDir: whole, log: quiet });
    assert.equal(c.epochsFromCheckpoint, 3);
    assert.equal(c.validPerplexity, a.validPerplexity);
    const saved = inspectLm(whole, { warn: quiet });
    assert.equal(saved.training?.context, "sentence");
    assert.deepEqual(saved.training, { context: "sentence", trainer: "trainCorpusSentenceLm", label: "toy", batchSize: 8, learningRate: 0.01, decay: 0.5, decayAfter: 1, seed: 3 });
    for (const r of [a, b, c]) r.model.dispose();
  });

  test("a folder holding another architecture, or a stream LM, is refused", () => {
    const whole = path.join(tmp, "whole");
    assert.throws(() => trainCorpusSentenceLm(corpus, { ...spec, config: { ...spec.config, hiddenSize: 9 } }, { checkpointDir: whole, log: quiet }),
      { name: "CheckpointError", message: `trainCorpusSentenceLm: expected the checkpoint in ${whole} to have this run's hiddenSize 9, got hiddenSize 8; use another checkpointDir or delete that folder` });
    const stream = path.join(tmp, "stream");
    const vocab = Vocab.fromSentences(corpus.train, { unkAliases: ["<unk>"] });
    const lm = new RnnLm({ vocabSize: vocab.size, cell: "lstm", layers: 1, hiddenSize: 8, embeddingSize: 4 });
    saveLm(stream, lm, vocab, [{ epoch: 1 }], { training: { command: "train-lm" } });
    lm.dispose();
    assert.throws(() => trainCorpusSentenceLm(corpus, spec, { checkpointDir: stream, log: quiet }),
      { name: "CheckpointError", message: `trainCorpusSentenceLm: expected the checkpoint in ${stream} to have this run's training.context "sentence", got null; use another checkpointDir or delete that folder` });
  });
});

const hasDict = (() => {
  try {
    packageDir("cmu-pronouncing-dictionary");
    return true;
  } catch {
    return false;
  }
})();

describe("g2pComparison", { skip: hasDict ? false : "npm package cmu-pronouncing-dictionary not installed" }, () => {
  const g2pSpec: G2pComparisonSpec = { steps: 6, batchSize: 8, hidden: 8, learningRate: 1e-2, beamWidth: 2, finalEpsilon: 0.25, seeds: [1, 2] };
  const runsDir = path.join(tmp, "g2p");
  const configurations = ["teacher forcing", "SS inverse sigmoid"];

  test("a second call reads the runs the first trained: same weights and scores, no training; rows per run and decoder", () => {
    const data = g2pData({ trainWords: 200, testWords: 20 });
    const first = g2pComparison(data, g2pSpec, { configurations, runsDir, log: quiet });
    assert.deepEqual(first.map((r) => [r.configuration, r.seed, r.fromCheckpoint]), [["teacher forcing", 1, false], ["SS inverse sigmoid", 1, false], ["teacher forcing", 2, false], ["SS inverse sigmoid", 2, false]]);
    assert.deepEqual(fs.readdirSync(runsDir).sort(), ["ss-inverse-sigmoid-s1", "ss-inverse-sigmoid-s2", "teacher-forcing-s1", "teacher-forcing-s2"]);
    assert.equal(g2pRunName("uniform SS", 3), "uniform-ss-s3");
    const second = g2pComparison(data, g2pSpec, { configurations, runsDir, log: quiet });
    second.forEach((r, i) => {
      assert.equal(r.fromCheckpoint, true);
      assert.deepEqual([r.greedy, r.beam], [first[i].greedy, first[i].beam]);
      assert.deepEqual(r.losses, first[i].losses.map((x) => Number(x.toPrecision(6))));
      assert.deepEqual(r.sampled, first[i].sampled.map((x) => Number(x.toPrecision(6))));
      r.model.weights.forEach((w, k) => assert.deepEqual(Array.from(w.dataSync()), Array.from(first[i].model.weights[k].dataSync())));
    });
    assert.ok(first[1].sampled.some((f) => f > 0) && first[0].sampled.every((f) => f === 0), "SS fed model tokens, teacher forcing none");
    const rows = g2pResultRows(first);
    assert.equal(rows.length, 8);
    assert.deepEqual(rows[1], { configuration: "teacher forcing", decoder: "beam", seed: 1, WER: 100 * first[0].beam.wer, PER: 100 * first[0].beam.per });
    tf.dispose([...first, ...second].flatMap((r) => r.model.weights));
  });

  test("a folder of another run is refused naming the field; a damaged one naming the file", () => {
    const data = g2pData({ trainWords: 200, testWords: 20 });
    const dir = path.join(runsDir, "teacher-forcing-s1");
    assert.throws(() => g2pComparison(data, { ...g2pSpec, steps: 7 }, { configurations: ["teacher forcing"], seeds: [1], runsDir, log: quiet }),
      { name: "CheckpointError", message: `${dir}/run.json: expected the run asked for, with steps 7, got 6; use another runsDir or delete ${dir}` });
    assert.throws(() => g2pComparison(g2pData({ trainWords: 300, testWords: 20 }), g2pSpec, { configurations: ["teacher forcing"], seeds: [1], runsDir, log: quiet }),
      /run\.json: expected the run asked for, with trainExamples \d+, got \d+/);
    fs.appendFileSync(path.join(dir, "weights.bin"), Buffer.alloc(4));
    assert.throws(() => g2pComparison(data, g2pSpec, { configurations: ["teacher forcing"], seeds: [1], runsDir, log: quiet }),
      { name: "CheckpointError", message: new RegExp(`^${dir}/weights\\.bin: expected \\d+ bytes \\(${dir}/manifest\\.json\\), got \\d+$`) });
    assert.throws(() => g2pComparison(data, g2pSpec, { configurations: ["teacher-forcing"] }), { name: "ArgumentError", message: /expected configurations among "teacher forcing", "SS linear", .* got "teacher-forcing"/ });
  });
});

describe("figures", () => {
  test("the comparison chart shows the mean and the sample std over seeds; the fraction chart averages blocks", () => {
    const run = (configuration: string, seed: number, wer: number) => ({ configuration, seed, greedy: { wer, per: wer / 2 }, beam: { wer: wer / 4, per: 0 }, sampled: [0, 0.5, 1, 1] }) as never;
    const fig = g2pComparisonChart([run("A", 1, 0.1), run("A", 2, 0.3), run("B", 1, 0.2)], "wer");
    assert.deepEqual(fig.data[0].x, ["A", "B"]);
    assert.deepEqual((fig.data[0].y as number[]).map((v) => Number(v.toFixed(9))), [20, 20]);
    assert.deepEqual(((fig.data[0].error_y as { array: number[] }).array).map((v) => Number(v.toFixed(9))), [Number(Math.sqrt(0.02 * 1e4).toFixed(9)), 0]);
    const frac = sampledFractionChart([run("A", 1, 0)], 2);
    assert.deepEqual([frac.data[0].x, frac.data[0].y], [[0, 2], [0.25, 1]]);
  });

  test("diversity against quality: one series per family, one labelled point per decoder; beam width: one line per normalisation", () => {
    const row = (decoder: string, distinct2: number, perplexity?: number): DecodingRow => ({ decoder, distinct1: 0, distinct2, meanLength: 1, perplexity, texts: [] });
    const fig = diversityQualityChart([row("argmax", 0.1, 5), row("sample(τ=0.5)", 0.3, 20), row("sample(τ=1)", 0.6, 90), row("sample(τ=1, top-p=0.9)", 0.5, 60), row("test sentences", 0.8, 140), row("sample(τ=2)", 0.9)]);
    assert.deepEqual(fig.data.map((t) => [t.name, t.x, t.y, t.text]), [
      ["argmax", [0.1], [5], ["argmax"]],
      ["temperature", [0.3, 0.6], [20, 90], ["τ=0.5", "τ=1"]],
      ["top-p", [0.5], [60], ["p=0.9"]],
      ["test sentences", [0.8], [140], ["test sentences"]],
    ]);
    const b = (width: number, normalization: string, length: number): BeamWidthRow => ({ width, normalization, logProbPerToken: -length, logProb: 0, length, truncated: 0 });
    const beam = beamWidthChart([b(1, "none", 3), b(2, "none", 2), b(1, "length", 5), b(2, "length", 9)], "length");
    assert.deepEqual(beam.data.map((t) => [t.name, t.x, t.y]), [["no normalisation", [1, 2], [3, 2]], ["score / length", [1, 2], [5, 9]]]);
  });
});
