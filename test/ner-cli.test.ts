/**
 * `seqlab ner train | tag | eval` (lib/src/cli/ner.ts, ner_train.ts) as a child process, on
 * the toy corpus (lib/src/ner/toy_corpus.ts) written here as CoNLL files and a BRAT folder:
 * - a tiny training run learns: the dev F1 of conlleval's report at the end is ≥ 80 (an
 *   untrained tagger scores about 0), and `ner eval` on the tagged test set prints the
 *   library's numbers;
 * - `ner tag` writes BRAT whose offsets the BRAT reader accepts on the input as read (CRLF
 *   line ends, a character above U+FFFF before the entities: code points, not UTF-16), and
 *   CoNLL lines whose offsets are the tokens' code points;
 * - --resume after 2 epochs ends with the weights of an uninterrupted 3-epoch run; a folder
 *   holding a model is refused without --resume or --force; SIGINT stops after an epoch;
 * - bad input (missing file, a CoNLL line with a wrong column count, a BRAT span whose text
 *   differs, bad flag values and combinations) is one line and a non-zero exit, with no
 *   folder left behind; --help describes each command.
 * Most runs parse the command line in this process (`run`, the same program as the binary;
 * tsx's start-up would cost seconds each); a few run the real binary for the exit codes,
 * the one-line errors, stdout and SIGINT.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { initBackend } from "../lib/src/backend/backend.js";
import { createProgram } from "../lib/src/cli/program.js";
import { parseBrat } from "../lib/src/ner/brat_reader.js";
import { conllevalText, conllevalReport } from "../lib/src/ner/conlleval.js";
import { formatConll } from "../lib/src/ner/conll_writer.js";
import { tagsToSpans } from "../lib/src/ner/tag_scheme.js";
import { toyNerDataset } from "../lib/src/ner/toy_corpus.js";
import type { NerSentence } from "../lib/src/ner/types.js";

const root = path.resolve(import.meta.dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-ner-cli-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const CLI = ["--import", "tsx", "lib/src/cli/main.ts"];

/** Runs the real binary through tsx. */
function seqlab(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...CLI, ...args], { cwd: root, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Parses and runs `seqlab ARGS` in this process: what it printed, and the error it threw (null if none). */
async function run(...args: string[]): Promise<{ error: Error | null; stdout: string }> {
  const program = createProgram();
  const quiet = (c: typeof program) => {
    c.configureOutput({ writeErr: () => {}, writeOut: () => {} });
    c.commands.forEach(quiet);
  };
  quiet(program);
  let stdout = "";
  const log = console.log;
  console.log = (...xs: unknown[]) => void (stdout += xs.join(" ") + "\n");
  try {
    await program.parseAsync(["ner", ...args], { from: "user" });
    return { error: null, stdout };
  } catch (e) {
    return { error: e as Error, stdout };
  } finally {
    console.log = log;
  }
}
before(async () => {
  await initBackend({ quiet: true });
});

const toy = toyNerDataset({ train: 300, dev: 100, test: 100, seed: 5 });
const writeConll = (name: string, sentences: NerSentence[]) => {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, formatConll(sentences.map((s) => ({ columns: [s.tokens, s.tags] }))));
  return file;
};
const train = writeConll("train.conll", toy.train);
const dev = writeConll("dev.conll", toy.dev);
const TINY = ["--emb", "16", "--hidden", "16", "--char-emb", "8", "--char-hidden", "8", "--lr", "0.01", "--batch", "16", "--dropout", "0.2", "--word-dropout", "0.3", "--no-progress"];

describe("seqlab ner train / tag / eval", () => {
  const model = path.join(tmp, "crf");
  test("a tiny training run learns: dev F1 ≥ 80 at the end (from 0 untrained), checkpoint written", async () => {
    const r = await run("train", "--train", train, "--dev", dev, "--model", model, "--crf", "--chars", "--epochs", "6", ...TINY);
    assert.equal(r.error, null);
    const epochs = [...r.stdout.matchAll(/^epoch (\d+): loss [\d.]+, dev F1 ([\d.]+)/gm)].map((m) => Number(m[2]));
    assert.equal(epochs.length, 6, r.stdout);
    assert.ok(epochs[0] < 10, `epoch 1 dev F1 ${epochs[0]}`);
    const fb1 = Number(/^accuracy: .*FB1: +([\d.]+)$/m.exec(r.stdout)?.[1]);
    assert.ok(fb1 >= 80 && fb1 === Math.max(...epochs), `final dev FB1 ${fb1}, epochs ${epochs.join(" ")}`);
    assert.match(r.stdout, /^ner train: biLSTM-CRF \+ chars, E 16, H 16, dropout 0\.2; \d+ words, \d+ characters, 7 tags \(IOB2\); 300 training sentences, 100 dev; engine \w+, seed 1$/m);
    for (const f of ["model.json", "weights.bin", "best.bin", "vocab.json", "manifest.json"]) assert.ok(fs.existsSync(path.join(model, f)), f);
  });

  test("ner tag → BRAT: offsets in code points of the input as read (CRLF, a character above U+FFFF); the BRAT reader accepts them", async () => {
    const text = "🙂 Maria Garcia visited Berlin on Monday .\r\nShares of Acme Corp rose 3 % in Tokyo .\r\nJohn Smith met Anna Petrova in Paris .\r\n";
    const input = path.join(tmp, "news.txt");
    fs.writeFileSync(input, text);
    const r = seqlab("ner", "tag", "--model", model, "--input", input);
    assert.equal(r.status, 0, r.stderr);
    const doc = parseBrat(text, r.stdout, "news"); // throws if a span's text is not the text at its offsets
    assert.ok(doc.entities.length >= 5, r.stdout);
    assert.equal(doc.convention, "raw");
    assert.ok(doc.entities.some((e) => e.type === "LOC" && text.slice(e.start, e.end) === "Berlin"), r.stdout);
    const t1 = /^T\d+\tPER (\d+) (\d+)\tMaria Garcia$/m.exec(r.stdout);
    assert.ok(t1 !== null && Number(t1[1]) === 2 && Number(t1[2]) === 14, `Maria Garcia at code points [2, 14) (the emoji is 1 code point, 2 UTF-16 units): ${r.stdout}`);
    const out = path.join(tmp, "brat-out");
    assert.equal((await run("tag", "--model", model, "--input", input, "--out", out)).error, null);
    assert.ok(fs.readFileSync(path.join(out, "news.txt")).equals(fs.readFileSync(input)));
    assert.equal(fs.readFileSync(path.join(out, "news.ann"), "utf8"), r.stdout);
  });

  test("ner tag → CoNLL: token, start, end (code points), tag; blank lines between sentences", async () => {
    const text = "🙂 Maria Garcia visited Berlin .\nTalks resumed .\n";
    const input = path.join(tmp, "two.txt");
    fs.writeFileSync(input, text);
    const r = await run("tag", "--model", model, "--input", input, "--format", "conll");
    assert.equal(r.error, null);
    const blocks = r.stdout.trim().split("\n\n");
    assert.equal(blocks.length, 2);
    const points = Array.from(text);
    for (const line of r.stdout.split("\n").filter((l) => l !== "")) {
      const [token, start, end, tag] = line.split(" ");
      assert.equal(points.slice(Number(start), Number(end)).join(""), token, line);
      assert.match(tag, /^(O|[BI]-(PER|LOC|ORG))$/);
    }
  });

  test("--lowercase --caps: the case comes back as a caps embedding; the model records it and `ner tag` feeds it", async () => {
    const capsModel = path.join(tmp, "caps");
    const r = await run("train", "--train", train, "--dev", dev, "--model", capsModel, "--lowercase", "--caps", "--caps-emb", "3", "--epochs", "2", ...TINY);
    assert.equal(r.error, null);
    assert.match(r.stdout, /^ner train: biLSTM \+ caps, E 16, H 16, dropout 0\.2; /m);
    const model = JSON.parse(fs.readFileSync(path.join(capsModel, "model.json"), "utf8"));
    assert.deepEqual(model.config.caps, { embeddingSize: 3 });
    const input = path.join(tmp, "caps.txt");
    fs.writeFileSync(input, "Maria Garcia visited Berlin .\n");
    const t = seqlab("ner", "tag", "--model", capsModel, "--input", input, "--format", "conll");
    assert.equal(t.status, 0, t.stderr);
    assert.equal(t.stdout.trim().split("\n").length, 5, t.stdout);
  });

  test("ner eval prints conlleval's report of a tagged file, the library's numbers", async () => {
    const test = path.join(tmp, "test.conll");
    fs.writeFileSync(test, formatConll(toy.test.map((s) => ({ columns: [s.tokens, s.tags] }))));
    // Tag the test sentences through `ner tag --format conll` on their text, one sentence per line.
    const input = path.join(tmp, "test.txt");
    fs.writeFileSync(input, toy.test.map((s) => s.tokens.join(" ")).join("\n") + "\n");
    const tagged = await run("tag", "--model", model, "--input", input, "--format", "conll");
    assert.equal(tagged.error, null);
    const predicted = tagged.stdout.trim().split("\n\n").map((b) => b.split("\n").map((l) => l.split(" ")[3]));
    assert.equal(predicted.length, toy.test.length, "one sentence per line comes back as one sentence");
    const evalFile = path.join(tmp, "eval.txt");
    const text = formatConll(toy.test.map((s, i) => ({ columns: [s.tokens, s.tags, predicted[i]] })));
    fs.writeFileSync(evalFile, text);
    const r = await run("eval", evalFile);
    assert.equal(r.error, null);
    assert.equal(r.stdout, conllevalReport(conllevalText(text, evalFile)));
    assert.match(r.stdout, /^processed \d+ tokens with \d+ phrases; found: \d+ phrases; correct: \d+\.$/m);
    const f1 = Number(/FB1: +([\d.]+)\n/.exec(r.stdout)![1]);
    assert.ok(f1 > 70, `test FB1 ${f1}`);
  });

  test("--resume after 2 epochs ends with the weights of an uninterrupted 3-epoch run; a model is not replaced without --force", async () => {
    const whole = path.join(tmp, "whole");
    const parts = path.join(tmp, "parts");
    const args = ["--train", train, "--dev", dev, ...TINY];
    assert.equal((await run("train", ...args, "--model", whole, "--epochs", "3")).error, null);
    assert.equal((await run("train", ...args, "--model", parts, "--epochs", "2")).error, null);
    const refused = seqlab("ner", "train", ...args, "--model", parts, "--epochs", "3");
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /^seqlab: --model .*parts holds a tagger \(2 epochs, biLSTM, E 16, H 16, dropout 0\.2\); pass --resume to continue or --force to replace it$/m);
    const resumed = await run("train", "--train", train, "--model", parts, "--resume", "--epochs", "3", "--no-progress");
    assert.equal(resumed.error, null);
    assert.match(resumed.stdout, /--dev: the checkpoint's, .*dev\.conll/);
    assert.match(resumed.stdout, /resuming .*parts after epoch 2\nepoch 3: /);
    for (const f of ["weights.bin", "best.bin"]) assert.ok(fs.readFileSync(path.join(whole, f)).equals(fs.readFileSync(path.join(parts, f))), `${f} equal`);
    const done = await run("train", "--train", train, "--model", parts, "--resume");
    assert.match(done.stdout, /^nothing to do: 3\/3 epochs done; the dev-selected epoch is \d$/m);
    const conflict = await run("train", "--train", train, "--model", parts, "--resume", "--hidden", "8", "--epochs", "4");
    assert.match(conflict.error?.message ?? "", /^--hidden 8: conflicts with the checkpoint in .*parts, expected its 16, got 8; /);
    const otherDev = await run("train", "--train", train, "--dev", train, "--model", parts, "--resume", "--epochs", "4");
    assert.match(otherDev.error?.message ?? "", /^--dev: conflicts with the checkpoint in .*parts, expected its dev data .*dev\.conll \(sha256 [0-9a-f]{12}…\), got .*train\.conll/);
  });

  test("--format brat: trains on a folder of NAME.txt + NAME.ann; a span whose text differs is one line naming file and line", async () => {
    const dir = path.join(tmp, "brat");
    fs.mkdirSync(dir);
    toy.train.slice(0, 60).forEach((s, i) => {
      const text = s.tokens.join(" ") + "\n";
      const starts: number[] = [];
      s.tokens.reduce((at, w) => (starts.push(at), at + w.length + 1), 0);
      const ann = tagsToSpans(s.tags, "IOB2").map((e, k) => {
        const a = starts[e.start];
        const b = starts[e.end - 1] + s.tokens[e.end - 1].length;
        return `T${k + 1}\t${e.type} ${a} ${b}\t${text.slice(a, b)}\n`;
      }).join("");
      fs.writeFileSync(path.join(dir, `doc ${i} (toy).txt`), text);
      fs.writeFileSync(path.join(dir, `doc ${i} (toy).ann`), ann);
    });
    const r = await run("train", "--train", dir, "--format", "brat", "--model", path.join(tmp, "brat-model"), "--epochs", "1", ...TINY);
    assert.equal(r.error, null);
    assert.match(r.stdout, /60 training sentences/);
    const ann = path.join(dir, "doc 3 (toy).ann");
    fs.writeFileSync(ann, fs.readFileSync(ann, "utf8").replace(/\t([^\t\n]+)\n/, "\tWrong text\n"));
    const bad = seqlab("ner", "train", "--train", dir, "--format", "brat", "--model", path.join(tmp, "brat-bad"), "--epochs", "1", ...TINY);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^seqlab: .*doc 3 \(toy\)\.ann:1: expected the text of T1 \[\d+ \d+\] \(raw convention\) to be the annotated "Wrong text", got "[^"]+" in the \.txt file$/m);
    assert.equal(bad.stderr.trim().split("\n").length, 1, bad.stderr);
    assert.ok(!fs.existsSync(path.join(tmp, "brat-bad")), "no folder left behind");
  });

  test("bad input: one line, a non-zero exit, no folder left behind", async () => {
    const out = path.join(tmp, "never");
    const badConll = path.join(tmp, "bad.conll");
    fs.writeFileSync(badConll, "EU B-ORG\nrejects O\nGerman B-MISC extra\n");
    const noEntity = writeConll("plain.conll", [{ tokens: ["a", "b"], tags: ["O", "O"] }]);
    const cases: Array<[string[], RegExp]> = [
      [["--train", path.join(tmp, "missing.conll")], /^--train .*missing\.conll: expected a CoNLL file or a BRAT folder, got no such file or folder$/],
      [["--train", train, "--arch", "lstm", "--crf"], /^--crf: expected --arch bilstm \(the CRF tagger reads both directions\), got --arch lstm$/],
      [["--train", train, "--epochs", "0"], /^error: option '--epochs <n>' argument '0' is invalid\. expected an integer ≥ 1, got '0'$/],
      [["--train", train, "--dropout", "1"], /^error: option '--dropout <p>' argument '1' is invalid\. expected a probability in \[0, 1\), got '1'$/],
      [["--train", train, "--format", "brat"], /^--train .*train\.conll: expected a folder of NAME\.txt and NAME\.ann files \(--format brat\), got a file$/],
      [["--train", train, "--format", "brat", "--tag-column", "1"], /^--tag-column: expected only with --format conll, got --format brat$/],
      [["--train", badConll], /^.*bad\.conll:3: expected 2 fields .*got 3/],
      [["--train", noEntity], /^--train .*plain\.conll: expected tagged entities, got none \(every tag is O\)$/],
    ];
    for (const [args, message] of cases) {
      const r = await run("train", "--model", out, ...args);
      assert.match(r.error?.message ?? "no error", message);
      assert.ok(!fs.existsSync(out), `${args.join(" ")}: no folder left behind`);
    }
    assert.match((await run("tag", "--model", path.join(tmp, "nothing"))).error?.message ?? "", /^--model .*nothing: expected a folder written by `seqlab ner train`, got no such folder$/);
    const empty = path.join(tmp, "empty-model");
    fs.mkdirSync(empty);
    assert.match((await run("tag", "--model", empty)).error?.message ?? "", /empty-model\/model\.json: expected a seqlab tagger checkpoint file .*but it does not exist$/);
    // The binary: one line on stderr, exit 1 (a SeqlabError) or 2 (commander's usage error).
    const e = seqlab("ner", "eval", badConll);
    assert.equal(e.status, 1);
    assert.match(e.stderr, /^seqlab: .*bad\.conll:3: expected 2 fields \(as on the first line\), got 3: "German B-MISC extra"\n$/);
    const usage = seqlab("ner", "train", "--train", train, "--model", out, "--epochs", "0");
    assert.equal(usage.status, 2);
    assert.equal(usage.stderr, "error: option '--epochs <n>' argument '0' is invalid. expected an integer ≥ 1, got '0'\n");
  });

  test("SIGINT after an epoch: 'interrupted after epoch N; checkpoint in DIR; rerun with --resume', exit 130", async () => {
    const dir = path.join(tmp, "interrupted");
    const child = spawn(process.execPath, [...CLI, "ner", "train", "--train", train, "--dev", dev, "--model", dir, "--epochs", "50", "--patience", "50", ...TINY], { cwd: root });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
      if (/^epoch 1: /m.test(stdout) && !child.killed) child.kill("SIGINT");
    });
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(code, 130, stderr);
    assert.match(stderr, /^seqlab: interrupted after epoch \d+; checkpoint in .*interrupted; rerun with --resume$/m);
  });

  test("--help describes each command", () => {
    const help = (...args: string[]) => {
      const program = createProgram();
      let text = "";
      const capture = (c: typeof program) => {
        c.configureOutput({ writeOut: (s) => (text += s), writeErr: () => {} });
        c.commands.forEach(capture);
      };
      capture(program);
      assert.throws(() => program.parse([...args, "--help"], { from: "user" }), (e: Error & { exitCode?: number }) => e.exitCode === 0);
      return text;
    };
    assert.match(help("ner"), /train \[options\][\s\S]*tag \[options\][\s\S]*eval \[options\] <file>/);
    assert.match(help("ner", "train"), /--crf[\s\S]*--chars[\s\S]*--caps [\s\S]*--caps-emb <n>[\s\S]*--resume[\s\S]*--model holding a model needs --resume/);
    assert.match(help("ner", "tag"), /--format <format>[\s\S]*"brat", "conll"[\s\S]*Offsets count Unicode code points/);
    assert.match(help("ner", "eval"), /--docstart <mode>[\s\S]*--strict/);
    assert.equal(seqlab("ner", "tag", "--help").status, 0);
  });
});
