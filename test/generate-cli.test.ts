/**
 * `seqlab generate` (lib/src/cli/generate.ts) on checkpoints written here with the library:
 * - its texts equal the library's generation from <EOS> (or <SOS> for a sentence-level
 *   checkpoint) with the same decoder and seed: argmax (--n copies identical), sampling,
 *   beam search (n-best with scores); the prompt comes first;
 * - every bad flag, combination, model folder or prompt word is one line naming it, before any
 *   generation; as a child process: exit 0 with the texts on stdout, 1 for a SeqlabError, 2 for
 *   commander's usage errors.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { initBackend } from "../lib/src/backend/backend.js";
import { setSeed } from "../lib/src/random.js";
import { Vocab, EOS_ID, SOS_ID } from "../lib/src/data/vocab.js";
import { RnnLm } from "../lib/src/lm/rnn_lm.js";
import { saveLm } from "../lib/src/lm/checkpoint.js";
import { runGenerate, type GenerateFlags } from "../lib/src/cli/generate.js";
import { generateMany } from "../lib/src/generation/generate.js";
import { beamSearch } from "../lib/src/generation/beam_search.js";

const root = path.resolve(import.meta.dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-generate-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const sentences = [["the", "cat", "sat"], ["the", "dog", "ran", "far"], ["a", "cat", "ran"], ["<unk>", "sat"]];
const vocab = Vocab.fromSentences(sentences);
let lm: RnnLm;
const stream = path.join(tmp, "stream");
const sentence = path.join(tmp, "sentence");

before(async () => {
  await initBackend({ quiet: true });
  setSeed(4);
  lm = new RnnLm({ vocabSize: vocab.size, embeddingSize: 6, hiddenSize: 8, layers: 1, initScale: 0.9 });
  saveLm(stream, lm, vocab);
  saveLm(sentence, lm, vocab, [], { training: { context: "sentence" } });
});

async function run(flags: Partial<GenerateFlags>): Promise<string[]> {
  const lines: string[] = [];
  await runGenerate({ model: stream, ...flags }, (l) => lines.push(l));
  return lines;
}

const text = (ids: number[], finished: boolean, prompt: string[] = []) => [...prompt, ...vocab.decode(finished ? ids.slice(0, -1) : ids)].join(" ") + (finished ? "" : " …");

describe("seqlab generate", () => {
  test("argmax: --n copies of the library's argmax text from <EOS>; sentence checkpoints start from <SOS>", async () => {
    const want = generateMany(lm, 1, { prompt: [EOS_ID], strategy: "argmax", maxLength: 12 })[0];
    const lines = await run({ decoder: "argmax", n: 3, maxLength: 12 });
    assert.deepEqual(lines, [0, 1, 2].map(() => text(want.ids, want.finished)));
    const fromSos = generateMany(lm, 1, { prompt: [SOS_ID], strategy: "argmax", maxLength: 12 })[0];
    const s = await run({ model: sentence, decoder: "argmax", maxLength: 12 });
    assert.deepEqual(s, [text(fromSos.ids, fromSos.finished)]);
  });

  test("sample: the library's samples with the same seed, temperature, top-k and top-p; the prompt first", async () => {
    const prompt = ["the", "cat"];
    const gens = generateMany(lm, 4, { prompt: [EOS_ID, ...vocab.encode(prompt)], maxLength: 6, seed: 9, temperature: 1.5, topK: 5, topP: 0.9 });
    const lines = await run({ n: 4, maxLength: 6, seed: 9, temperature: 1.5, topK: 5, topP: 0.9, prompt: "the cat" });
    assert.deepEqual(lines, gens.map((g) => text(g.ids, g.finished, prompt)));
    assert.ok(lines.every((l) => l.startsWith("the cat")));
    assert.notDeepEqual(await run({ n: 4, maxLength: 6, seed: 10, temperature: 1.5 }), await run({ n: 4, maxLength: 6, seed: 11, temperature: 1.5 }));
  });

  test("beam: the n-best list with scores, best first, as the library's", async () => {
    const list = beamSearch(lm, { prompt: [EOS_ID], beamWidth: 4, nBest: 3, maxLength: 5, lengthNormalization: { alpha: 0.7 } });
    const lines = await run({ decoder: "beam", width: 4, n: 3, maxLength: 5, lengthNorm: "0.7" });
    assert.deepEqual(lines, list.map((h) => `${h.score.toFixed(4)}\t${text(h.ids, !h.truncated)}`));
    const scores = lines.map((l) => Number(l.split("\t")[0]));
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
  });

  test("errors: one line naming the flag, folder or word, before any generation", async () => {
    const fails = async (flags: Partial<GenerateFlags>, message: string | RegExp) => assert.rejects(run(flags), (e: Error) => (typeof message === "string" ? e.message === message : message.test(e.message)));
    await fails({ decoder: "argmax", topP: 0.9 }, "--top-p: expected --decoder sample, got --decoder argmax");
    await fails({ width: 3 }, "--width: expected --decoder beam, got --decoder sample");
    await fails({ decoder: "beam", lengthNorm: "-1" }, `--length-norm: expected "none", "length" or a number α ≥ 0, got '-1'`);
    await fails({ topP: 1.5 }, "--top-p: expected a number in (0, 1], got '1.5'");
    await fails({ model: path.join(tmp, "nowhere") }, `--model ${path.join(tmp, "nowhere")}: expected a checkpoint folder of seqlab train-lm, got no such folder`);
    fs.mkdirSync(path.join(tmp, "empty"));
    await fails({ model: path.join(tmp, "empty") }, `--model ${path.join(tmp, "empty")}: expected a checkpoint folder of seqlab train-lm (model.json, weights.bin, vocab.json), got a folder without one`);
    await fails({ prompt: "the zebra sat" }, `--prompt: expected words of the model's vocabulary (${path.join(stream, "vocab.json")}, ${vocab.size} tokens), got 'zebra' (word 2 of 3)`);
    // a damaged checkpoint: the loader's error names the file
    const broken = path.join(tmp, "broken");
    fs.cpSync(stream, broken, { recursive: true });
    fs.appendFileSync(path.join(broken, "weights.bin"), Buffer.alloc(4));
    await fails({ model: broken }, new RegExp(`${path.join(broken, "weights.bin").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`));
    // the corpus's own unknown-word token (an unk alias, PTB's "<unk>") is a valid prompt word
    assert.deepEqual((await run({ decoder: "argmax", prompt: "<unk> sat", maxLength: 1 }))[0].split(" ").slice(0, 2), ["<unk>", "sat"]);
  });

  test("as a child process: texts on stdout and exit 0; exit 1 with one line for a bad prompt; exit 2 for a bad flag value", () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "lib/src/cli/main.ts", "generate", "--model", stream, ...args], { cwd: root, encoding: "utf8" });
    const ok = cli("--decoder", "argmax", "--n", "2", "--max-length", "4");
    assert.equal(ok.status, 0, ok.stderr);
    const lines = ok.stdout.trim().split("\n");
    assert.equal(lines.length, 2);
    assert.equal(lines[0], lines[1]);
    const bad = cli("--prompt", "zebra");
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr, `seqlab: --prompt: expected words of the model's vocabulary (${path.join(stream, "vocab.json")}, ${vocab.size} tokens), got 'zebra' (word 1 of 1)\n`);
    const usage = cli("--top-k", "0");
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /option '--top-k <k>' argument '0' is invalid\. expected an integer ≥ 1, got '0'/);
  });
});
