/**
 * Training taggers (lib/src/tagging/train_tagger.ts, train_ner_tagger.ts) and their
 * checkpoints (tagger_checkpoint.ts), on the toy corpus (lib/src/ner/toy_corpus.ts):
 * - a tiny run learns: the dev F1 of each of the three taggers goes from 0 (untrained) to
 *   ≥ 0.8 in a few epochs, and the returned tagger has the dev-selected epoch's weights;
 * - early stopping: with a scripted tagger (a student's own `Tagger`) whose dev F1 per epoch
 *   is known, training stops `patience` epochs after the best, and the best weights are that
 *   epoch's;
 * - checkpoints: save → load gives the same weights, vocabularies, history and state, and the
 *   same predictions; a flipped byte, a wrong shape, a vocabulary of the wrong size, a
 *   missing file are CheckpointErrors naming the file;
 * - resume: 2 epochs, then a second call to 4 epochs, ends with the same weights (bit for
 *   bit) and history as an uninterrupted 4-epoch run; another tagger in the folder is refused;
 * - batches of similar lengths cover every sentence once, repeatably.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/src/backend/backend.js";
import { CheckpointError } from "../lib/src/lm/checkpoint.js";
import { buildNerVocabs } from "../lib/src/ner/batches.js";
import { toyNerDataset } from "../lib/src/ner/toy_corpus.js";
import { evaluateTagger, predictTags } from "../lib/src/tagging/predict.js";
import type { DecodeResult, Tagger, TaggerBatch } from "../lib/src/tagging/tagger.js";
import { inspectTagger, loadTagger } from "../lib/src/tagging/tagger_checkpoint.js";
import { TAGGER_KINDS } from "../lib/src/tagging/tagger_config.js";
import { trainNerTagger, type NerTaggerSpec } from "../lib/src/tagging/train_ner_tagger.js";
import { lengthBatches, trainTagger } from "../lib/src/tagging/train_tagger.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-ner-train-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
before(async () => {
  await initBackend({ quiet: true });
});

const toy = toyNerDataset({ train: 300, dev: 100, test: 100, seed: 3 });
const data = { train: toy.train, dev: toy.dev };
const tiny = (kind: NerTaggerSpec["kind"], epochs: number, chars = false): NerTaggerSpec => ({
  label: kind,
  kind,
  embeddingSize: 16,
  hiddenSize: 16,
  chars: chars ? { embeddingSize: 8, hiddenSize: 8 } : null,
  dropout: 0.2,
  train: { epochs, patience: 10, learningRate: 0.01, batchSize: 16, wordDropout: 0.3 },
});
const quiet = () => {};

describe("a tiny training run learns", () => {
  for (const kind of TAGGER_KINDS) {
    test(`${kind}: dev F1 from 0 untrained to ≥ 0.8 in 6 epochs; the returned tagger is the dev-selected epoch`, () => {
      const run = trainNerTagger(data, tiny(kind, 6, kind === "bilstm-crf"), { seed: 2, log: quiet });
      const f1s = run.history.map((r) => r.devF1!);
      const best = Math.max(...f1s);
      assert.ok(best >= 0.8, `${kind}: dev F1 per epoch ${f1s.map((f) => f.toFixed(3)).join(" ")}`);
      assert.equal(run.state.bestEpoch, f1s.indexOf(best) + 1);
      const again = evaluateTagger(run.tagger, toy.dev, run.vocabs, { chars: run.config.chars !== null }).scores.f1;
      assert.ok(Math.abs(again - best) < 1e-12, `the returned weights score the best dev F1 (${again} vs ${best})`);
      tf.dispose(run.tagger.weights);
    });
  }

  test("an untrained tagger scores about 0", () => {
    const run = trainNerTagger(data, { ...tiny("bilstm", 1), train: { epochs: 1, learningRate: 1e-6 } }, { seed: 2, log: quiet });
    assert.ok(run.history[0].devF1! < 0.1, `dev F1 ${run.history[0].devF1}`);
    tf.dispose(run.tagger.weights);
  });
});

/** A tagger whose dev predictions are scripted per epoch: all gold tags ("right") or all O. */
class ScriptedTagger implements Tagger {
  readonly w = tf.variable(tf.zeros([1]));
  epoch = 0;
  constructor(readonly right: boolean[], readonly gold: Map<string, number[]>) {}
  get weights() {
    return [this.w];
  }
  emissions(batch: TaggerBatch): tf.Tensor3D {
    return tf.zeros([...batch.words.shape, 3]) as tf.Tensor3D;
  }
  loss(): tf.Scalar {
    return tf.sum(tf.square(tf.sub(this.w, 1))) as tf.Scalar; // each step moves w
  }
  decode(batch: TaggerBatch): DecodeResult {
    const words = batch.words.arraySync();
    const mask = batch.mask!.arraySync();
    return { paths: words.map((row, b) => {
      const L = mask[b].reduce((a, x) => a + x, 0);
      const key = row.slice(0, L).join(" ");
      return this.right[this.epoch] ? this.gold.get(key)! : new Array<number>(L).fill(0);
    }) };
  }
}

describe("early stopping on dev F1", () => {
  test("stops `patience` epochs after the best epoch; the best weights are that epoch's", () => {
    const vocabs = buildNerVocabs(toy.train);
    const gold = new Map(toy.dev.map((s) => [Array.from(vocabs.words.encode(s.tokens)).join(" "), Array.from(vocabs.tags.encode(s.tags))]));
    // Dev F1 per epoch: 0, 1, 0, 0, 0, 1 — the best is epoch 2; patience 3 stops after epoch 5.
    const tagger = new ScriptedTagger([false, true, false, false, false, true], gold);
    const seen: number[] = [];
    const result = trainTagger(tagger, vocabs, toy.train.slice(0, 64), {
      dev: toy.dev, chars: false, epochs: 10, patience: 3, batchSize: 32, optimizer: "sgd", learningRate: 0.1,
      onEpoch: (r) => {
        seen.push(tagger.w.dataSync()[0]);
        tagger.epoch++;
        void r;
      },
    });
    assert.deepEqual(result.records.map((r) => r.devF1), [0, 1, 0, 0, 0]);
    assert.deepEqual(result.records.map((r) => r.best), [true, true, false, false, false]);
    assert.deepEqual(result.state, { epoch: 5, bestEpoch: 2, bestF1: 1, sinceBest: 3, stopped: true });
    assert.equal(result.best[0][0], Math.fround(seen[1]), "best = the weights after epoch 2");
    assert.notEqual(seen[1], seen[4]);
  });
});

describe("checkpoints and resume", () => {
  test("save → load: the same weights, vocabularies, history, state and predictions", () => {
    const dir = path.join(tmp, "roundtrip");
    const run = trainNerTagger(data, tiny("bilstm-crf", 2, true), { seed: 4, checkpointDir: dir, log: quiet });
    const c = inspectTagger(dir);
    assert.deepEqual(c.config, run.config);
    assert.deepEqual(c.history, run.history);
    assert.deepEqual(c.state, run.state);
    assert.deepEqual(c.vocabs.words.toJSON(), run.vocabs.words.toJSON());
    assert.deepEqual(c.vocabs.chars.toJSON(), run.vocabs.chars.toJSON());
    assert.deepEqual(c.vocabs.tags.toJSON(), run.vocabs.tags.toJSON());
    run.tagger.weights.forEach((w, i) => assert.deepEqual(c.best[i], w.dataSync(), `best weight ${i}`));
    const loaded = loadTagger(dir);
    const opts = { chars: true };
    assert.deepEqual(predictTags(loaded.tagger, toy.test, loaded.vocabs, opts), predictTags(run.tagger, toy.test, run.vocabs, opts));
    assert.ok(!fs.readdirSync(dir).some((f) => f.startsWith(".")), "no temporary folder left");
    tf.dispose([...loaded.tagger.weights, ...run.tagger.weights]);
  });

  test("damaged folders are CheckpointErrors naming the file and what is wrong", () => {
    const dir = path.join(tmp, "damaged");
    tf.dispose(trainNerTagger(data, tiny("lstm", 1), { seed: 4, checkpointDir: dir, log: quiet }).tagger.weights);
    const copy = (name: string) => {
      const d = path.join(tmp, name);
      fs.cpSync(dir, d, { recursive: true });
      return d;
    };
    const flip = copy("flip");
    const best = fs.readFileSync(path.join(flip, "best.bin"));
    best[10] ^= 1;
    fs.writeFileSync(path.join(flip, "best.bin"), best);
    assert.throws(() => inspectTagger(flip), (e: Error) => e instanceof CheckpointError && /best\.bin: expected sha256 [0-9a-f]{64} \(.*manifest\.json\), got/.test(e.message));
    const shape = copy("shape");
    const model = JSON.parse(fs.readFileSync(path.join(shape, "model.json"), "utf8"));
    model.weights[0].shape = [1, 2];
    fs.writeFileSync(path.join(shape, "model.json"), JSON.stringify(model));
    assert.throws(() => inspectTagger(shape), (e: Error) => e instanceof CheckpointError && /model\.json: weights\[0\]\.shape: expected \[\d+,16\] \(from config\), got \[1,2\]/.test(e.message));
    const vocab = copy("vocab");
    const v = JSON.parse(fs.readFileSync(path.join(vocab, "vocab.json"), "utf8"));
    v.tags.types = ["LOC"];
    fs.writeFileSync(path.join(vocab, "vocab.json"), JSON.stringify(v));
    assert.throws(() => inspectTagger(vocab), (e: Error) => e instanceof CheckpointError && /vocab\.json: expected 7 tags \(the config's\), got 3/.test(e.message));
    const missing = copy("missing");
    fs.rmSync(path.join(missing, "best.bin"));
    assert.throws(() => inspectTagger(missing), (e: Error) => e instanceof CheckpointError && /best\.bin: expected a seqlab tagger checkpoint file .*, but it does not exist/.test(e.message));
  });

  test("2 epochs, then resumed to 4, ends bit for bit where an uninterrupted 4-epoch run ends; another tagger in the folder is refused", () => {
    const whole = path.join(tmp, "whole");
    const parts = path.join(tmp, "parts");
    const spec = tiny("bilstm-crf", 4, true);
    tf.dispose(trainNerTagger(data, spec, { seed: 5, checkpointDir: whole, log: quiet }).tagger.weights);
    tf.dispose(trainNerTagger(data, { ...spec, train: { ...spec.train, epochs: 2 } }, { seed: 5, checkpointDir: parts, log: quiet }).tagger.weights);
    assert.equal(inspectTagger(parts).history.length, 2);
    const lines: string[] = [];
    const resumed = trainNerTagger(data, spec, { seed: 5, checkpointDir: parts, log: (l) => lines.push(l) });
    assert.equal(resumed.epochsFromCheckpoint, 2);
    assert.match(lines.join("\n"), /continues after epoch 2/);
    for (const f of ["weights.bin", "best.bin"]) assert.ok(fs.readFileSync(path.join(whole, f)).equals(fs.readFileSync(path.join(parts, f))), `${f} equal`);
    const strip = (h: object[]) => h.map((r) => ({ ...r, seconds: 0, trainSeconds: 0, sentencesPerSecond: 0 }));
    assert.deepEqual(strip(inspectTagger(parts).history), strip(inspectTagger(whole).history));
    // A finished run is only loaded.
    const again = trainNerTagger(data, spec, { seed: 5, checkpointDir: parts, log: quiet });
    assert.equal(again.epochsFromCheckpoint, 4);
    assert.throws(
      () => trainNerTagger(data, { ...spec, hiddenSize: 8 }, { seed: 5, checkpointDir: parts, log: quiet }),
      (e: Error) => e instanceof CheckpointError && /expected the checkpoint in .*parts to be this run's tagger .*"hiddenSize":8.*, got .*"hiddenSize":16/.test(e.message),
    );
    tf.dispose([...resumed.tagger.weights, ...again.tagger.weights]);
  });
});

describe("batches", () => {
  test("lengthBatches: every sentence once, batches of similar lengths, the same for the same seed", () => {
    const lengths = Array.from({ length: 1000 }, (_, i) => 1 + ((i * 37) % 50));
    const a = lengthBatches(1000, (i) => lengths[i], 8, 7);
    assert.deepEqual(a.flat().sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
    assert.deepEqual(lengthBatches(1000, (i) => lengths[i], 8, 7), a);
    assert.notDeepEqual(lengthBatches(1000, (i) => lengths[i], 8, 8), a);
    const spread = a.map((b) => Math.max(...b.map((i) => lengths[i])) - Math.min(...b.map((i) => lengths[i])));
    assert.ok(spread.reduce((x, y) => x + y, 0) / spread.length < 3, "mean spread of lengths in a batch < 3 (random batches: ~40)");
  });
});
