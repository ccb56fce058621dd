/**
 * Checkpoints (lib/src/lm/checkpoint.ts) are atomic and self-checking:
 * - every way a folder can be damaged (truncated, appended, flipped, edited, NaN weights,
 *   bad fields) gives a CheckpointError naming the file, with the expected and actual value;
 * - the save protocol's intermediate states (a temporary folder, a committed .next folder,
 *   files half moved) all load as the last complete checkpoint;
 * - version-1 folders (no manifest) still load, with a warning;
 * - training that diverges (NaN) throws TrainingDivergedError, applies nothing of the bad
 *   step and saves nothing, so the last good checkpoint stays;
 * - a fast-check property: any mutation of a valid folder loads as the identical model or
 *   throws a CheckpointError naming a file of the folder.
 * The kill test (SIGKILL of a real training process) is in test/train-lm-cli.test.ts.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { Vocab } from "../lib/src/data/vocab.js";
import { SeqlabError } from "../lib/src/errors.js";
import { CheckpointError, hasCheckpoint, inspectLm, loadLm, rnnLmWeightShapes, saveLm } from "../lib/src/lm/checkpoint.js";
import { RnnLm } from "../lib/src/lm/rnn_lm.js";
import { encodeStream, trainLm, TrainingDivergedError } from "../lib/src/lm/train_lm.js";
import type { LmCorpus } from "../lib/src/datasets/lm_corpus.js";
import { trainCorpusLm } from "../lib/src/lm/train_corpus_lm.js";
import { setSeed } from "../lib/src/random.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-checkpoint-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let serial = 0;
const freshDir = (name: string) => path.join(tmp, `${name}-${serial++}`);

const vocab = Vocab.fromSentences([["the", "cat", "sat", "on", "a", "mat"]]);

/** A small trained-looking model: fixed seed, so every call gives the same weights. */
function smallModel(cell: "lstm" | "gru" | "rnn" = "lstm", layers = 2): RnnLm {
  setSeed(5);
  return new RnnLm({ vocabSize: vocab.size, cell, embeddingSize: 3, hiddenSize: 4, layers });
}

function weightsOf(model: RnnLm): Float32Array[] {
  return model.weights.map((w) => Float32Array.from(w.dataSync() as Float32Array));
}

function sha(buf: Buffer): string {
  return createHash("sha256").update(buf).digest("hex");
}

/** Rewrites manifest.json for the files as they are now (a consistent but edited folder): all, or only `only`. */
function resign(dir: string, only?: string): void {
  const m = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
  for (const f of only === undefined ? Object.keys(m.files) : [only]) {
    const b = fs.readFileSync(path.join(dir, f));
    m.files[f] = { bytes: b.length, sha256: sha(b) };
  }
  fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(m));
}

function saved(name: string, history: unknown[] = [{ epoch: 1 }]): { dir: string; model: RnnLm } {
  const dir = freshDir(name);
  const model = smallModel();
  saveLm(dir, model, vocab, history);
  return { dir, model };
}

/** Asserts that loading `dir` throws a CheckpointError with exactly this message. */
function assertLoadError(dir: string, message: string | RegExp): void {
  assert.throws(() => loadLm(dir, { warn: () => {} }), (e: Error) => {
    assert.ok(e instanceof CheckpointError, `${e.name}: ${e.message}`);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe("checkpoint format version 2", () => {
  test("save then load: the same weights, vocabulary, history and training record; a manifest with each file's size and sha256; no temporary folder left", () => {
    const { dir, model } = saved("roundtrip", [{ epoch: 1 }, { epoch: 2 }]);
    saveLm(dir, model, vocab, [{ epoch: 1 }, { epoch: 2 }], { training: { command: "test", x: 1 } });
    assert.deepEqual(fs.readdirSync(dir).sort(), ["manifest.json", "model.json", "vocab.json", "weights.bin"]);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    assert.equal(manifest.format, "seqlab-checkpoint-manifest");
    assert.equal(manifest.version, 2);
    for (const f of ["model.json", "weights.bin", "vocab.json"]) {
      const b = fs.readFileSync(path.join(dir, f));
      assert.deepEqual(manifest.files[f], { bytes: b.length, sha256: sha(b) }, f);
    }
    const loaded = loadLm(dir, { warn: () => assert.fail("no warning for version 2") });
    assert.deepEqual(weightsOf(loaded.model), weightsOf(model));
    assert.deepEqual(loaded.vocab.tokens, vocab.tokens);
    assert.deepEqual(loaded.history, [{ epoch: 1 }, { epoch: 2 }]);
    assert.deepEqual(loaded.training, { command: "test", x: 1 });
    const json = JSON.parse(fs.readFileSync(path.join(dir, "model.json"), "utf8"));
    assert.deepEqual(json.weights.map((w: { name: string }) => w.name), rnnLmWeightShapes(model.config).map((w) => w.name));
    assert.deepEqual(loaded.model.weights.map((w) => w.shape), rnnLmWeightShapes(model.config).map((w) => w.shape), "the shape formula matches the model");
    for (const cell of ["gru", "rnn"] as const) {
      const m = smallModel(cell, 3);
      assert.deepEqual(m.weights.map((w) => w.shape), rnnLmWeightShapes(m.config).map((w) => w.shape), cell);
      m.dispose();
    }
    loaded.model.dispose();
    model.dispose();
  });

  test("D4: weights.bin truncated to 1001 bytes is a CheckpointError naming the file, the expected and the actual size", () => {
    const { dir, model } = saved("truncate");
    const bytes = fs.statSync(path.join(dir, "weights.bin")).size;
    fs.truncateSync(path.join(dir, "weights.bin"), 1001);
    assertLoadError(dir, `${dir}/weights.bin: expected ${bytes} bytes (${dir}/manifest.json), got 1001`);
    model.dispose();
  });

  test("D5: appended bytes, a flipped bit, NaN or infinite weights, a half-length weights.bin and bad model.json values are CheckpointErrors naming file and field", () => {
    const { dir, model } = saved("d5");
    const bin = path.join(dir, "weights.bin");
    const good = fs.readFileSync(bin);
    fs.appendFileSync(bin, Buffer.alloc(8));
    assertLoadError(dir, `${bin}: expected ${good.length} bytes (${dir}/manifest.json), got ${good.length + 8}`);
    const flipped = Buffer.from(good);
    flipped[100] ^= 1;
    fs.writeFileSync(bin, flipped);
    assertLoadError(dir, `${bin}: expected sha256 ${sha(good)} (${dir}/manifest.json), got ${sha(flipped)}`);
    // NaN with a manifest that agrees (as a trainer that saved NaN would have written it)
    const nan = Buffer.from(good);
    const shapes = rnnLmWeightShapes(model.config);
    const offset = shapes[0].shape[0] * shapes[0].shape[1]; // the first float of layer1.W
    nan.writeFloatLE(NaN, 4 * (offset + 5));
    fs.writeFileSync(bin, nan);
    resign(dir);
    assertLoadError(dir, `${bin}: expected finite weights, got NaN in layer1.W [${shapes[1].shape}] at index 5`);
    nan.writeFloatLE(-Infinity, 4 * (offset + 5));
    fs.writeFileSync(bin, nan);
    resign(dir);
    assertLoadError(dir, `${bin}: expected finite weights, got -Infinity in layer1.W [${shapes[1].shape}] at index 5`);
    // half the file, re-signed: a size message, not "expected shape [..] got shape [..]"
    fs.writeFileSync(bin, good.subarray(0, good.length / 2));
    resign(dir);
    assertLoadError(dir, `${bin}: expected ${good.length} bytes (${good.length / 4} float32 weights, ${dir}/model.json), got ${good.length / 2}`);
    fs.writeFileSync(bin, good);
    // model.json fields, re-signed so that only the field check can catch them
    const modelFile = path.join(dir, "model.json");
    const original = fs.readFileSync(modelFile, "utf8");
    const edit = (f: (j: Record<string, any>) => void) => {
      const j = JSON.parse(original);
      f(j);
      fs.writeFileSync(modelFile, JSON.stringify(j));
      resign(dir);
    };
    edit((j) => (j.config.hiddenSize = -3));
    assertLoadError(dir, `${modelFile}: config.hiddenSize: expected an integer ≥ 1, got -3`);
    fs.writeFileSync(modelFile, original.replace('"hiddenSize": 4', '"hiddenSize": -3')); // edited by hand, manifest not updated: still the field
    assertLoadError(dir, `${modelFile}: config.hiddenSize: expected an integer ≥ 1, got -3`);
    fs.writeFileSync(modelFile, original.replace('"forgetBias": 0', '"forgetBias": 1')); // a valid value: the checksum catches it
    assertLoadError(dir, new RegExp(`^${modelFile}: expected \\d+ bytes \\(${dir}/manifest.json\\), got \\d+$|^${modelFile}: expected sha256 [0-9a-f]{64} \\(${dir}/manifest.json\\), got [0-9a-f]{64}$`));
    edit((j) => (j.config.cell = "transformer"));
    assertLoadError(dir, `${modelFile}: config.cell: expected one of "rnn", "lstm", "gru", got "transformer"`);
    edit((j) => (j.config.hiddenSize = 5));
    assertLoadError(dir, `${modelFile}: weights[1].shape: expected [8,20] (from config), got [7,16]`);
    edit((j) => (j.config.layers = 1e12)); // a count check, not 1e12 shapes built (once an out-of-memory crash)
    assertLoadError(dir, `${modelFile}: weights: expected 2000000000003 entries for a 1000000000000-layer lstm, got "7 entries"`);
    edit((j) => (j.weights[2].offset = 0));
    assertLoadError(dir, new RegExp(`^${modelFile}: weights\\[2\\]\\.offset: expected \\d+ \\(the weights are contiguous\\), got 0$`));
    edit((j) => (j.history = "many"));
    assertLoadError(dir, `${modelFile}: history: expected an array, got "many"`);
    edit((j) => (j.version = 3));
    assertLoadError(dir, `${modelFile}: version: expected 2 (the folder has a manifest), got 3`);
    // a vocabulary of another size (re-signed)
    fs.writeFileSync(modelFile, original);
    const vocabFile = path.join(dir, "vocab.json");
    const v = JSON.parse(fs.readFileSync(vocabFile, "utf8"));
    v.tokens.pop();
    v.counts.pop();
    fs.writeFileSync(vocabFile, JSON.stringify(v));
    resign(dir);
    assertLoadError(dir, `${vocabFile}: expected ${vocab.size} tokens (${modelFile} config.vocabSize), got ${vocab.size - 1}`);
    fs.rmSync(path.join(dir, "manifest.json"));
    assertLoadError(dir, `${dir}/manifest.json: expected the manifest of a version-2 checkpoint (${modelFile} says version 2), but it does not exist`);
    model.dispose();
  });

  test("saveLm refuses non-finite weights before writing anything: the previous checkpoint stays", () => {
    const { dir, model } = saved("refuse");
    const before = fs.readFileSync(path.join(dir, "weights.bin"));
    model.output.bHat.assign(model.output.bHat.add(Infinity));
    assert.throws(() => saveLm(dir, model, vocab, [{ epoch: 1 }, { epoch: 2 }]), {
      name: "CheckpointError",
      message: `saveLm: expected finite weights, got Infinity in output.bHat at index 0; nothing written to ${dir}`,
    });
    assert.deepEqual(fs.readFileSync(path.join(dir, "weights.bin")), before);
    assert.deepEqual(loadLm(dir).history, [{ epoch: 1 }]);
    model.dispose();
  });
});

describe("atomic saves: every intermediate state loads as the last complete checkpoint", () => {
  /** Epoch 1 saved in `dir`, epoch 2's complete folder in `next` (not yet in place). */
  function twoEpochs(name: string): { dir: string; next: string; w1: Float32Array[]; w2: Float32Array[] } {
    const { dir, model } = saved(name, [{ epoch: 1 }]);
    const w1 = weightsOf(model);
    model.embedding.assign(model.embedding.mul(2));
    const w2 = weightsOf(model);
    const scratch = freshDir(`${name}-scratch`);
    saveLm(scratch, model, vocab, [{ epoch: 1 }, { epoch: 2 }]);
    model.dispose();
    return { dir, next: scratch, w1, w2 };
  }
  const load = (dir: string) => {
    const { model, history } = loadLm(dir);
    const w = weightsOf(model);
    model.dispose();
    return { w, epochs: history.length };
  };

  test("killed in step 1 (a temporary folder of a dead process): the previous epoch; the next save removes it", () => {
    const { dir, next, w1, w2 } = twoEpochs("step1");
    const dead = path.join(dir, ".tmp-999999999");
    fs.mkdirSync(dead);
    fs.copyFileSync(path.join(next, "weights.bin"), path.join(dead, "weights.bin")); // half written
    assert.deepEqual(load(dir), { w: w1, epochs: 1 });
    const m = loadLm(next).model;
    saveLm(dir, m, vocab, [{ epoch: 1 }, { epoch: 2 }]);
    m.dispose();
    assert.ok(!fs.existsSync(dead), "the dead process's temporary folder is removed");
    assert.deepEqual(load(dir), { w: w2, epochs: 2 });
  });

  test("killed after the commit (.next complete) or in the middle of step 3 (files half moved): the new epoch", () => {
    for (let moved = 0; moved <= 4; moved++) {
      const { dir, next, w2 } = twoEpochs(`step3-${moved}`);
      fs.cpSync(next, path.join(dir, ".next"), { recursive: true });
      for (const f of ["weights.bin", "vocab.json", "model.json", "manifest.json"].slice(0, moved)) fs.renameSync(path.join(dir, ".next", f), path.join(dir, f));
      assert.deepEqual(load(dir), { w: w2, epochs: 2 }, `${moved} files moved`);
    }
  });

  test("the first save of a folder killed after its commit: the folder holds a checkpoint (in .next) and loads", () => {
    const { next, w2 } = twoEpochs("first");
    const dir = freshDir("first-only-next");
    fs.mkdirSync(dir);
    fs.cpSync(next, path.join(dir, ".next"), { recursive: true });
    assert.ok(hasCheckpoint(dir));
    assert.deepEqual(load(dir), { w: w2, epochs: 2 });
  });
});

describe("version-1 checkpoints (no manifest; the notebooks' build/runs folders)", () => {
  /** Writes the format of lib/src/lm/checkpoint.ts before issue 11. */
  function saveV1(dir: string, model: RnnLm): void {
    fs.mkdirSync(dir, { recursive: true });
    let offset = 0;
    const entries = model.weights.map((w, i) => {
      const e = { name: `w${i}:${w.name}`, shape: w.shape, offset };
      offset += w.size;
      return e;
    });
    const all = new Float32Array(offset);
    model.weights.forEach((w, i) => all.set(w.dataSync() as Float32Array, entries[i].offset));
    fs.writeFileSync(path.join(dir, "weights.bin"), Buffer.from(all.buffer));
    fs.writeFileSync(path.join(dir, "vocab.json"), JSON.stringify(vocab.toJSON()));
    fs.writeFileSync(path.join(dir, "model.json"), JSON.stringify({ format: "seqlab-rnn-lm", version: 1, config: model.config, weights: entries, history: [{ epoch: 1 }] }, null, 1));
  }

  test("load with one warning naming the file; sizes are still checked; the next save writes version 2", () => {
    const dir = freshDir("v1");
    const model = smallModel();
    saveV1(dir, model);
    const warnings: string[] = [];
    const loaded = loadLm(dir, { warn: (w) => warnings.push(w) });
    assert.deepEqual(weightsOf(loaded.model), weightsOf(model));
    assert.deepEqual(warnings, [`${dir}/model.json: a version-1 checkpoint (no manifest): sizes and values checked, but no checksums; the next save writes version 2`]);
    const bytes = fs.statSync(path.join(dir, "weights.bin")).size;
    fs.truncateSync(path.join(dir, "weights.bin"), bytes - 4);
    assertLoadError(dir, `${dir}/weights.bin: expected ${bytes} bytes (${bytes / 4} float32 weights, ${dir}/model.json), got ${bytes - 4}`);
    saveLm(dir, loaded.model, loaded.vocab, loaded.history);
    assert.equal(inspectLm(dir, { warn: () => assert.fail("version 2 now") }).version, 2);
    loaded.model.dispose();
    model.dispose();
  });
});

describe("no training on NaN", () => {
  const words = ["the", "cat", "dog", "sat", "ran", "on", "a", "mat", "rug", "and", "slept", "<unk>"];
  const sentence = (i: number) => Array.from({ length: 3 + (i % 5) }, (_, j) => words[(i * 7 + j * (1 + (i % 3))) % words.length]);
  const corpus: LmCorpus = {
    name: "toy", source: "test", unk: "<unk>", types: words.length,
    train: Array.from({ length: 40 }, (_, i) => sentence(i)),
    valid: Array.from({ length: 5 }, (_, i) => sentence(100 + i)),
    test: Array.from({ length: 5 }, (_, i) => sentence(200 + i)),
  };

  test("a NaN loss throws TrainingDivergedError naming epoch, step and value; the bad step is not applied", () => {
    setSeed(3);
    const v = Vocab.fromSentences(corpus.train);
    const model = new RnnLm({ vocabSize: v.size, embeddingSize: 4, hiddenSize: 5, layers: 1 });
    const ids = encodeStream(v, corpus.train);
    let before: Float32Array[] = [];
    const run = () =>
      trainLm(model, ids, {
        epochs: 3, batchSize: 4, bptt: 5, optimizer: "adam", learningRate: 0.01,
        onEpoch: (r) => {
          if (r.epoch !== 1) return;
          model.output.bHat.assign(model.output.bHat.add(Infinity)); // a poisoned bias: every logit is +∞
          before = weightsOf(model);
        },
      });
    assert.throws(run, (e: Error) => {
      assert.ok(e instanceof TrainingDivergedError, `${e.name}: ${e.message}`);
      assert.ok(e instanceof SeqlabError);
      assert.equal(e.message, "trainLm: expected a finite loss and gradient norm, got loss NaN and gradient norm NaN at epoch 2, step 1; the step was not applied (lower the learning rate or clip harder)");
      assert.equal(e.name, "TrainingDivergedError");
      assert.equal(e.epoch, 2);
      assert.equal(e.step, 1);
      assert.equal(e.value, NaN);
      return true;
    });
    assert.deepEqual(weightsOf(model), before, "no weight changed by the diverged step");
    model.dispose();
  });

  test("trainCorpusLm with a checkpoint: a learning rate that blows up in epoch 2 keeps epoch 1's checkpoint, finite and loadable", () => {
    const dir = freshDir("diverged");
    const config = { cell: "lstm" as const, layers: 1, hiddenSize: 6, embeddingSize: 4 };
    assert.throws(
      // lr_e = 0.5 · 1e39^(e − 1): float32 ∞ from epoch 2 on
      () => trainCorpusLm(corpus, "nan", config, { epochs: 3, batchSize: 4, bptt: 5, learningRate: 0.5, decay: 1e39, decayAfter: 1, checkpointDir: dir, log: () => {} }),
      (e: Error) =>
        e instanceof TrainingDivergedError && e.epoch === 2 && /^trainLm: expected (a )?finite .* (at|after) epoch 2, step \d+/.test(e.message) &&
        !Number.isFinite(e.value) && e.message.includes(`${e.value}`),
    );
    const { model, history } = loadLm(dir);
    assert.equal(history.length, 1);
    for (const w of weightsOf(model)) assert.ok(w.every(Number.isFinite));
    model.dispose();
  });
});

describe("fuzz: mutated checkpoint folders (fast-check)", () => {
  const FILES = ["weights.bin", "model.json", "vocab.json", "manifest.json"] as const;
  type FileName = (typeof FILES)[number];
  /** JSON paths that fields are edited at (model.json structure; the manifest and vocab only unsigned). */
  const JSON_PATHS: Record<"model.json" | "vocab.json" | "manifest.json", (string | number)[][]> = {
    "model.json": [["format"], ["version"], ["config"], ["config", "vocabSize"], ["config", "hiddenSize"], ["config", "embeddingSize"], ["config", "layers"],
      ["config", "cell"], ["config", "initScale"], ["config", "forgetBias"], ["config", "extra"], ["weights"], ["weights", 0], ["weights", 1, "shape"],
      ["weights", 1, "shape", 0], ["weights", 2, "offset"], ["weights", 0, "name"], ["weights", 9], ["history"], ["training"], ["extra"]],
    "vocab.json": [["format"], ["version"], ["tokens"], ["tokens", 0], ["tokens", 5], ["counts"], ["counts", 3], ["unkAliases"], ["unkAliases", 0]],
    "manifest.json": [["format"], ["version"], ["files"], ["files", "weights.bin"], ["files", "weights.bin", "bytes"], ["files", "model.json", "sha256"], ["files", "extra.bin"]],
  };
  /** Re-signed edits that a consistent checkpoint could not contain: only these may be re-signed (else the edit would be a legitimately different model). */
  const STRUCTURAL = new Set(["format", "version", "config", "config.vocabSize", "config.hiddenSize", "config.embeddingSize", "config.layers", "config.cell",
    "config.extra", "weights", "weights.0", "weights.1.shape", "weights.1.shape.0", "weights.2.offset", "weights.0.name", "weights.9"]);

  const fileArb = fc.constantFrom(...FILES);
  const mutationArb = fc.oneof(
    fc.record({ kind: fc.constant("truncate" as const), file: fileArb, at: fc.nat() }),
    fc.record({ kind: fc.constant("append" as const), file: fileArb, bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
    fc.record({ kind: fc.constant("flip" as const), file: fileArb, at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ kind: fc.constant("byte" as const), file: fileArb, at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant("delete" as const), file: fileArb }),
    fc.record({
      kind: fc.constant("json" as const),
      file: fc.constantFrom("model.json" as const, "vocab.json" as const, "manifest.json" as const),
      pathIndex: fc.nat(),
      value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(-3, 0, 1, 1.5, 1e12, "lstm", "gru", null, [], {}), fc.constant(undefined)),
      resign: fc.boolean(),
    }),
    fc.record({ kind: fc.constant("float" as const), index: fc.nat(), value: fc.constantFrom(NaN, Infinity, -Infinity, 3.4e38, -0), resign: fc.boolean() }),
  );
  type Mutation = typeof mutationArb extends fc.Arbitrary<infer M> ? M : never;

  /** Applies one mutation; returns the file to re-sign afterwards, if any. */
  function apply(dir: string, m: Mutation): string | null {
    if (m.kind === "float") {
      const f = path.join(dir, "weights.bin");
      if (!fs.existsSync(f)) return null;
      const b = fs.readFileSync(f);
      if (b.length < 4) return null;
      b.writeFloatLE(m.value, 4 * (m.index % (b.length >> 2)));
      fs.writeFileSync(f, b);
      return m.resign && !Number.isFinite(m.value) ? "weights.bin" : null; // a finite value, re-signed, is a legitimately different model
    }
    const f = path.join(dir, m.file);
    if (!fs.existsSync(f)) return null;
    if (m.kind === "delete") fs.rmSync(f);
    else if (m.kind === "append") fs.appendFileSync(f, m.bytes);
    else if (m.kind === "truncate") fs.truncateSync(f, m.at % (fs.statSync(f).size + 1));
    else if (m.kind === "flip" || m.kind === "byte") {
      const b = fs.readFileSync(f);
      if (b.length === 0) return null;
      const i = m.at % b.length;
      b[i] = m.kind === "flip" ? b[i] ^ (1 << m.bit) : m.value;
      fs.writeFileSync(f, b);
    } else {
      let j: any;
      try {
        j = JSON.parse(fs.readFileSync(f, "utf8"));
      } catch {
        return null;
      }
      const p = JSON_PATHS[m.file][m.pathIndex % JSON_PATHS[m.file].length];
      let o = j;
      for (const k of p.slice(0, -1)) {
        if (typeof o !== "object" || o === null) return null;
        o = o[k];
      }
      if (typeof o !== "object" || o === null) return null;
      if (m.value === undefined) delete o[p[p.length - 1]];
      else o[p[p.length - 1]] = m.value;
      fs.writeFileSync(f, JSON.stringify(j));
      return m.resign && m.file === "model.json" && STRUCTURAL.has(p.join(".")) ? "model.json" : null;
    }
    return null;
  }

  test("every mutation loads as the identical model or throws a one-line CheckpointError naming a file of the folder", () => {
    const bases = (["lstm", "gru", "rnn"] as const).map((cell, i) => {
      const dir = freshDir(`fuzz-base-${cell}`);
      const model = smallModel(cell, 1 + (i % 2));
      saveLm(dir, model, vocab, [{ epoch: 1, trainPerplexity: 12.5 }], { training: { command: "test", seed: 1 } });
      const files = Object.fromEntries(FILES.map((f) => [f, fs.readFileSync(path.join(dir, f))])) as Record<FileName, Buffer>;
      const expected = { weights: weightsOf(model), config: model.config };
      model.dispose();
      return { files, expected };
    });
    const stats = { tried: 0, identical: 0, errors: 0 };
    const kinds: Record<string, number> = {};
    fc.assert(
      fc.property(fc.nat({ max: bases.length - 1 }), fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (b, mutations) => {
        const base = bases[b];
        const dir = fs.mkdtempSync(path.join(tmp, "fuzz-"));
        try {
          for (const f of FILES) fs.writeFileSync(path.join(dir, f), base.files[f]);
          for (const m of mutations) {
            const sign = apply(dir, m);
            if (sign === null || !fs.existsSync(path.join(dir, "manifest.json"))) continue;
            try {
              resign(dir, sign); // this file only: other mutations stay unsigned
            } catch {
              // a file or the manifest itself is mangled: load as is
            }
          }
          stats.tried++;
          let loaded: ReturnType<typeof loadLm>;
          try {
            loaded = loadLm(dir, { warn: () => {} });
          } catch (e) {
            if (!(e instanceof SeqlabError)) throw new Error(`not a seqlab error: ${(e as Error).name}: ${(e as Error).message}`);
            const err: SeqlabError = e;
            assert.ok(err instanceof CheckpointError, `${err.name}: ${err.message}`);
            assert.ok(FILES.some((f) => err.message.includes(path.join(dir, f))), `names no file of the folder: ${err.message}`);
            assert.ok(!err.message.includes("\n"), `one line: ${err.message}`);
            stats.errors++;
            const kind = /expected sha256/.test(err.message) ? "checksum" : /expected \d+ bytes/.test(err.message) ? "size" : /parse error/.test(err.message) ? "JSON syntax"
              : /finite/.test(err.message) ? "non-finite" : /does not exist/.test(err.message) ? "missing file" : "field";
            kinds[kind] = (kinds[kind] ?? 0) + 1;
            return;
          }
          try {
            assert.deepEqual(loaded.model.config, base.expected.config, "a silently different config");
            assert.deepEqual(weightsOf(loaded.model), base.expected.weights, "silently different weights");
            assert.deepEqual(loaded.vocab.toJSON(), vocab.toJSON(), "a silently different vocabulary");
            assert.deepEqual(loaded.history, [{ epoch: 1, trainPerplexity: 12.5 }]);
            assert.deepEqual(loaded.training, { command: "test", seed: 1 });
          } finally {
            loaded.model.dispose();
          }
          stats.identical++;
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: Number(process.env.SEQLAB_FUZZ_RUNS ?? 600), seed: process.env.SEQLAB_FUZZ_SEED === undefined ? undefined : Number(process.env.SEQLAB_FUZZ_SEED) },
    );
    console.log(`checkpoint fuzz: ${stats.tried} inputs, ${stats.errors} CheckpointErrors (${JSON.stringify(kinds)}), ${stats.identical} identical models, 0 other exceptions`);
    assert.ok(stats.errors > stats.tried / 2 && (kinds.field ?? 0) > 0 && (kinds["non-finite"] ?? 0) > 0, JSON.stringify({ stats, kinds }));
  });
});

describe("trainCorpusLm's checkpoint folder", () => {
  test("a checkpointDir that is a file: an ArgumentError naming it, not a raw EEXIST", async () => {
    const { trainCorpusLm: train } = await import("../lib/src/lm/train_corpus_lm.js");
    const file = freshDir("a-file");
    fs.writeFileSync(file, "x");
    const corpus: LmCorpus = { name: "toy", source: "test", unk: "<unk>", types: 3, train: [["a", "b", "c"]], valid: [["a", "b"]], test: [["b", "c"]] };
    assert.throws(() => train(corpus, "x", { hiddenSize: 2, embeddingSize: 2, layers: 1 }, { epochs: 1, checkpointDir: file, log: () => {} }), {
      name: "ArgumentError",
      message: `${file}: expected a folder for the checkpoint and its training.lock, got EEXIST: file already exists, mkdir '${file}'`,
    });
  });
});

describe("error kinds of training and checkpoints", () => {
  test("TrainingDivergedError, CheckpointError and LockError are exported from the package, each its own kind under SeqlabError", async () => {
    const seqlab = await import("../lib/src/index.js");
    const kinds = [seqlab.TrainingDivergedError, seqlab.CheckpointError, seqlab.LockError] as const;
    for (const Kind of kinds) {
      assert.ok(Kind.prototype instanceof seqlab.SeqlabError, `${Kind.name} extends SeqlabError`);
      assert.ok(!(Kind.prototype instanceof seqlab.ArgumentError), `${Kind.name} is not an ArgumentError`);
      for (const Other of kinds) if (Other !== Kind) assert.ok(!(Kind.prototype instanceof Other), `${Kind.name} is not a ${Other.name}`);
    }
    const diverged = new seqlab.TrainingDivergedError("trainLm: expected …", 2, 7, Infinity);
    assert.deepEqual([diverged.name, diverged.epoch, diverged.step, diverged.value], ["TrainingDivergedError", 2, 7, Infinity]);
    assert.equal(new seqlab.LockError("x").name, "LockError");
    assert.equal(new seqlab.CheckpointError("x").name, "CheckpointError");
  });
});
