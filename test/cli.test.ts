/**
 * The `seqlab` command line (lib/src/cli/main.ts, kn.ts, ppl.ts) end to end, as a child
 * process on the small files in test/fixtures/lm/:
 * - `kn` then `ppl` prints "perplexity <number>" equal to the library's perplexity of the
 *   same Kneser-Ney model, with the token and OOV counts (open and closed vocabulary);
 * - bad input files give one line "seqlab: file:line: expected …" and exit code 1.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KneserNeyLm } from "../lib/src/lm/kneser_ney.js";
import { readSentences } from "../lib/src/lm/ngram_counts.js";
import { perplexity } from "../lib/src/lm/perplexity.js";

const root = path.resolve(import.meta.dirname, "..");
const fixtures = "test/fixtures/lm";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-cli-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs `seqlab ARGS` from the repository root through tsx. */
function seqlab(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "lib/src/cli/main.ts", ...args], { cwd: root, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const read = (f: string) => readSentences(fs.readFileSync(path.join(root, fixtures, f), "utf8"), f);

describe("seqlab kn + ppl", () => {
  test("kn writes an ARPA model; ppl prints its perplexity and counts, equal to the library's", () => {
    const arpa = path.join(tmp, "kn3.arpa");
    const built = seqlab("kn", "--order", "3", "--train", `${fixtures}/train.txt`, "--arpa", arpa);
    assert.equal(built.status, 0, built.stderr);
    assert.match(built.stdout, /^train test\/fixtures\/lm\/train.txt: 14 sentences, vocabulary 14 \(with <\/s>, <unk>\)$/m);
    assert.match(built.stdout, /^order 3: 48 n-grams, n1..n4 = /m);
    assert.ok(fs.statSync(arpa).size > 0);

    const r = seqlab("ppl", "--arpa", arpa, "--text", `${fixtures}/test.txt`);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    const m = /^perplexity (\d+\.\d+)$/.exec(lines[0]);
    assert.ok(m, lines[0]);
    // Library oracle: the same model in memory ("zebra" is OOV and scored as <unk>).
    const expected = perplexity(KneserNeyLm.fromSentences(read("train.txt"), 3), read("test.txt"));
    assert.equal(Number(m![1]), Number(expected.perplexity.toFixed(4)));
    assert.equal(lines[1], "tokens 21 (words 18 + sentence ends 3 - OOV skipped 0)");
    assert.ok(lines.includes("oov 0 skipped, 1 scored as unk"), r.stdout);
  });

  test("--no-unk: a closed vocabulary; ppl skips the OOV word and reports it", () => {
    const arpa = path.join(tmp, "kn2-closed.arpa");
    const built = seqlab("kn", "--order", "2", "--no-unk", "--train", `${fixtures}/train.txt`, "--arpa", arpa);
    assert.equal(built.status, 0, built.stderr);
    // The training text has "<unk>" as a word, so the file lists it: ppl needs --no-unk too.
    const r = seqlab("ppl", "--no-unk", "--arpa", arpa, "--text", `${fixtures}/test.txt`);
    assert.equal(r.status, 0, r.stderr);
    const expected = perplexity(KneserNeyLm.fromSentences(read("train.txt"), 2, { unk: null }), read("test.txt"));
    assert.equal(expected.oov, 1);
    assert.match(r.stdout, new RegExp(`^perplexity ${expected.perplexity.toFixed(4)}$`, "m"));
    assert.match(r.stdout, /^tokens 20 \(words 18 \+ sentence ends 3 - OOV skipped 1\)$/m);
    assert.match(r.stdout, /^oov 1 skipped, 0 scored as unk$/m);
  });

  test("--help lists the commands", () => {
    const r = seqlab("--help");
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^\s+kn \[options\]/m);
    assert.match(r.stdout, /^\s+ppl \[options\]/m);
  });
});

describe("seqlab errors", () => {
  test("a bad ARPA file: file:line and what was expected, exit code 1", () => {
    const r = seqlab("ppl", "--arpa", `${fixtures}/bad.arpa`, "--text", `${fixtures}/test.txt`);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, "seqlab: test/fixtures/lm/bad.arpa:14: expected the word 'x' to be listed among the 1-grams\n");
    assert.equal(r.stdout, "");
  });

  test("a bad training file: file:line and what was expected", () => {
    const r = seqlab("kn", "--train", `${fixtures}/bad-train.txt`, "--arpa", path.join(tmp, "never.arpa"));
    assert.equal(r.status, 1);
    assert.equal(r.stderr, "seqlab: test/fixtures/lm/bad-train.txt:2: expected <s> only at the start and </s> only at the end of a line, got '</s>' at token 3\n");
    assert.equal(fs.existsSync(path.join(tmp, "never.arpa")), false);
  });

  test("a missing file, a missing model, a bad --order", () => {
    const missing = seqlab("ppl", "--arpa", `${fixtures}/none.arpa`, "--text", `${fixtures}/test.txt`);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^seqlab: test\/fixtures\/lm\/none.arpa: expected a readable ARPA file, got ENOENT/);
    const noModel = seqlab("ppl", "--text", `${fixtures}/test.txt`);
    assert.equal(noModel.status, 1);
    assert.equal(noModel.stderr, "seqlab: ppl: expected a model, --arpa FILE or --model DIR, got none\n");
    const unwritable = seqlab("kn", "--train", `${fixtures}/train.txt`, "--arpa", path.join(tmp, "no-such-dir", "m.arpa"));
    assert.equal(unwritable.status, 1);
    assert.match(unwritable.stderr, /^seqlab: --arpa: expected a writable file, got ENOENT/);
    const order = seqlab("kn", "--order", "0", "--train", `${fixtures}/train.txt`, "--arpa", path.join(tmp, "x.arpa"));
    assert.notEqual(order.status, 0);
    assert.match(order.stderr, /expected an integer order in 1..9, got '0'/);
  });
});

describe("seqlab rejects binary and non-UTF-8 input (issue 11, D6)", () => {
  /** 10 kB of seeded pseudo-random bytes: what `head -c 10000 /dev/urandom` gives, reproducibly. */
  const randomBytes = (n: number, seed: number) => {
    let s = seed >>> 0;
    return Buffer.from(Array.from({ length: n }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s >>> 24;
    }));
  };
  const write = (name: string, bytes: Buffer | string) => {
    const p = path.join(tmp, name);
    fs.writeFileSync(p, bytes);
    return p;
  };

  test("random bytes: ppl --text and kn --train fail with the file, line and byte offset; no model is written", () => {
    const noise = write("noise.txt", randomBytes(10_000, 7));
    const arpa = path.join(tmp, "kn-noise.arpa");
    const built = seqlab("kn", "--order", "3", "--train", noise, "--arpa", arpa);
    assert.equal(built.status, 1, built.stdout);
    assert.match(built.stderr, new RegExp(`^seqlab: ${noise}:\\d+: expected UTF-8 text, got the byte sequence (0x[0-9a-f]{2} ?)+ at byte offset \\d+\n$`));
    assert.equal(fs.existsSync(arpa), false);
    const good = path.join(tmp, "kn-good.arpa");
    assert.equal(seqlab("kn", "--order", "2", "--train", `${fixtures}/train.txt`, "--arpa", good).status, 0);
    const r = seqlab("ppl", "--arpa", good, "--text", noise);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, "", "no perplexity is printed");
    assert.match(r.stderr, /expected UTF-8 text, got the byte sequence .* at byte offset \d+\n$/);
  });

  test("Latin-1 text and a NUL byte: the exact line and offset", () => {
    const latin1 = write("latin1.txt", Buffer.concat([Buffer.from("the cat\nun caf"), Buffer.from([0xe9]), Buffer.from(" noir\n")]));
    const r = seqlab("kn", "--train", latin1, "--arpa", path.join(tmp, "never1.arpa"));
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `seqlab: ${latin1}:2: expected UTF-8 text, got the byte sequence 0xe9 0x20 at byte offset 14\n`);
    const nul = write("nul.txt", "a b\nc\0d\n");
    const p = seqlab("ppl", "--arpa", path.join(tmp, "kn-good.arpa"), "--text", nul);
    assert.equal(p.status, 1);
    assert.equal(p.stderr, `seqlab: ${nul}:2: expected text, got a NUL byte at byte offset 5 (a binary file?)\n`);
  });

  test("an ARPA file with -1e400 or -Infinity: file:line, not perplexity Infinity", () => {
    const text = fs.readFileSync(path.join(tmp, "kn-good.arpa"), "utf8").split("\n");
    const i = text.findIndex((l) => l.endsWith("\tcat") || /\tcat\t/.test(l));
    assert.ok(i > 0, "the unigram 'cat' is in the model");
    for (const value of ["-1e400", "-Infinity", "NaN"]) {
      const edited = [...text];
      edited[i] = edited[i].replace(/^[^\t]+/, value);
      const bad = write(`bad-${value}.arpa`, edited.join("\n"));
      const r = seqlab("ppl", "--arpa", bad, "--text", `${fixtures}/test.txt`);
      assert.equal(r.status, 1, value);
      assert.equal(r.stderr, `seqlab: ${bad}:${i + 1}: expected a finite log10 probability ≤ 0 (−99 for p = 0), got '${value}'\n`);
    }
  });
});

describe("seqlab train-lm + ppl --model", () => {
  test("train-lm writes a checkpoint every epoch; ppl --model prints the perplexity the library computes; --resume continues", async () => {
    const out = path.join(tmp, "lm");
    const args = ["train-lm", "--train", `${fixtures}/train.txt`, "--valid", `${fixtures}/test.txt`, "--out", out,
      "--hidden", "8", "--emb", "8", "--layers", "1", "--batch", "2", "--bptt", "5", "--optimizer", "adam", "--lr", "0.01", "--no-progress"];
    const r1 = seqlab(...args, "--epochs", "2");
    assert.equal(r1.status, 0, r1.stderr);
    assert.match(r1.stdout, /^epoch 1: lr 0\.01, train ppl \d+\.\d+, valid ppl \d+\.\d+, .* saved /m);
    assert.match(r1.stdout, /^epoch 2: /m);
    for (const f of ["model.json", "weights.bin", "vocab.json"]) assert.ok(fs.existsSync(path.join(out, f)), f);

    const r2 = seqlab(...args, "--epochs", "3", "--resume");
    assert.equal(r2.status, 0, r2.stderr);
    assert.match(r2.stdout, /^resuming .* after epoch 2$/m);
    assert.match(r2.stdout, /^epoch 3: /m);
    assert.doesNotMatch(r2.stdout, /^epoch 1: /m);

    const p = seqlab("ppl", "--model", out, "--text", `${fixtures}/test.txt`);
    assert.equal(p.status, 0, p.stderr);
    const m = /^perplexity (\d+\.\d+)$/m.exec(p.stdout);
    assert.ok(m, p.stdout);
    // Library oracle: load the same checkpoint in this process.
    const { initBackend } = await import("../lib/src/backend/backend.js");
    const { loadLm } = await import("../lib/src/lm/checkpoint.js");
    const { evaluateSentences } = await import("../lib/src/lm/train_lm.js");
    await initBackend({ quiet: true });
    const { model, vocab } = loadLm(out);
    const expected = evaluateSentences(model, vocab, read("test.txt"));
    model.dispose();
    assert.ok(Math.abs(Number(m![1]) - expected.perplexity) < 1e-3 * expected.perplexity, `${m![1]} vs ${expected.perplexity}`);
    assert.match(p.stdout, /tokens 21 /);
  });

  test("ppl --model on a folder without a checkpoint names the missing file", () => {
    const r = seqlab("ppl", "--model", tmp, "--text", `${fixtures}/test.txt`);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^seqlab: .*model\.json: expected a seqlab LM checkpoint file/m);
  });
});

describe("the installed bin", () => {
  test("`npx seqlab` (node_modules/.bin/seqlab, linked by npm install) prints the commands", () => {
    const bin = path.join(root, "node_modules", ".bin", "seqlab");
    assert.ok(fs.existsSync(bin), `${bin}: expected npm install to link the package's bin`);
    const r = spawnSync(bin, ["--help"], { cwd: root, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    for (const command of ["kn", "ppl", "train-lm"]) assert.match(r.stdout, new RegExp(`^  ${command} `, "m"));
  });
});

describe("lib/scripts/train-lm-runs.js (notebook 04's full-profile models)", () => {
  test("an unknown model name: the usage with the names of FULL_LM_RUNS, exit code 2", () => {
    const r = spawnSync(process.execPath, ["lib/scripts/train-lm-runs.js", "transformer"], { cwd: root, encoding: "utf8" });
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim(), "usage: node lib/scripts/train-lm-runs.js rnn|lstm [...]");
  });
});
