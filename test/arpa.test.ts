/**
 * ARPA export and import (lib/src/lm/arpa_writer.ts, lib/src/lm/arpa_reader.ts):
 * - round trip: a Kneser-Ney model written as ARPA and read back gives the same log10
 *   probabilities for every vocabulary word and probe context, orders 1–5 (listed n-grams
 *   bit for bit, backed-off ones up to 1e-12), and the same perplexity;
 * - the file's contents by hand on a tiny corpus (the values of test/kneser-ney.test.ts);
 * - the back-off rule on a hand-written file;
 * - malformed files: the error names file:line and what was expected, including
 *   non-finite numbers (-1e400, -Infinity, NaN) and invalid UTF-8 (issue 11, D6);
 * - a standard tool reads the file: IRSTLM's `compile-lm --eval` (Debian package irstlm;
 *   skipped when it is not installed) gives the same perplexity and log-probability.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SeqlabError } from "../lib/src/errors.js";
import { ArpaError, ArpaLm } from "../lib/src/lm/arpa_reader.js";
import { toArpa, writeArpa, writeArpaReport } from "../lib/src/lm/arpa_writer.js";
import { KneserNeyLm } from "../lib/src/lm/kneser_ney.js";
import { perplexity } from "../lib/src/lm/perplexity.js";

/** mulberry32: a seeded uniform in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sentences from a first-order Markov chain over V words (n-grams repeat, as in real text). */
function markovCorpus(seed: number, sentences: number, V: number): string[][] {
  const r = rng(seed);
  const next = Array.from({ length: V }, () => [0, 1].map(() => Math.floor(r() * V)));
  return Array.from({ length: sentences }, () => {
    let w = Math.floor(r() * V);
    const s = [`w${w}`];
    const length = 1 + Math.floor(r() * 9);
    while (s.length < length) {
      const u = r();
      w = u < 0.6 ? next[w][0] : u < 0.9 ? next[w][1] : Math.floor(r() * V);
      s.push(`w${w}`);
    }
    return s;
  });
}

describe("ARPA round trip", () => {
  for (const N of [1, 2, 3, 4, 5]) {
    test(`order ${N}: the model read back gives the same log10 p(w | h) for every word and probe context (float64 and float32 files)`, () => {
      const corpus = markovCorpus(N, 200, 25);
      const kn = KneserNeyLm.fromSentences(corpus, N);
      const exact = ArpaLm.parse(toArpa(kn, { precision: "float64" }), "model.arpa");
      const single = ArpaLm.parse(toArpa(kn), "model32.arpa"); // the default: float32, as KenLM writes
      for (const arpa of [exact, single]) {
        assert.equal(arpa.order, N);
        assert.deepEqual([...arpa.vocabulary].sort(), [...kn.vocabulary].sort());
        assert.equal(arpa.unk, "<unk>");
      }
      const r = rng(100 + N);
      const words = [...kn.vocabulary];
      let bitExact = 0;
      let float32Exact = 0;
      let checked = 0;
      for (let i = 0; i < 150; i++) {
        // Half the contexts from the corpus (seen), half random words incl. <unk> and an OOV word.
        const s = corpus[Math.floor(r() * corpus.length)];
        const h =
          i % 2 === 0
            ? ["<s>", ...s].slice(0, 1 + Math.floor(r() * (s.length + 1)))
            : Array.from({ length: Math.floor(r() * 5) }, () => [...words, "zebra"][Math.floor(r() * (words.length + 1))]);
        for (const w of words) {
          const a = kn.log10Prob(w, h);
          const b = exact.log10Prob(w, h);
          assert.ok(Math.abs(a - b) < 1e-12, `log10 p(${w} | ${h.join(" ")}): KN ${a}, ARPA ${b}`);
          if (a === b) bitExact++;
          // float32: each number of the back-off sum log10 bow + … + log10 p is within one float32 step
          // of its double (half a step to the float32, half a step to the shortest decimal that reads
          // back as it: relative 2^-23), and all are ≤ 0, so the sum is within 2^-23 |a| of a.
          const c = single.log10Prob(w, h);
          assert.ok(Math.abs(a - c) <= 2 ** -23 * Math.abs(a) + 1e-12, `float32 file: log10 p(${w} | ${h.join(" ")}): KN ${a}, ARPA ${c}`);
          if (Math.fround(c) === Math.fround(a)) float32Exact++;
          checked++;
        }
      }
      assert.ok(bitExact > 0.2 * checked, `only ${bitExact} of ${checked} equal bit for bit`);
      assert.ok(float32Exact > 0.2 * checked, `float32 file: only ${float32Exact} of ${checked} equal as float32`);
      const text = markovCorpus(1000 + N, 30, 27); // w25, w26 are OOV → <unk>
      const p1 = perplexity(kn, text);
      for (const [arpa, tolerance] of [[exact, 1e-9], [single, 1e-6]] as const) {
        const p2 = perplexity(arpa, text);
        assert.equal(p1.tokens, p2.tokens);
        assert.equal(p1.unkMapped, p2.unkMapped);
        assert.ok(Math.abs(p1.perplexity - p2.perplexity) < tolerance * p1.perplexity, `${p1.perplexity} vs ${p2.perplexity}`);
      }
    });
  }

  test("writeArpa writes the same text as toArpa; the counts in \\data\\ match the sections", () => {
    const kn = KneserNeyLm.fromSentences(markovCorpus(7, 100, 20), 3);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-arpa-")), "m.arpa");
    const bytes = writeArpa(kn, file);
    const text = fs.readFileSync(file, "utf8");
    assert.equal(text, toArpa(kn));
    assert.equal(bytes, Buffer.byteLength(text));
    const lm = ArpaLm.read(file);
    // 20 words + </s> + <s> + <unk> (never seen: listed with the uniform share only).
    assert.deepEqual(lm.sizes.slice(1), [kn.counts.levels[1].size + 1, kn.counts.levels[2].size, kn.counts.levels[3].size]);
    assert.equal(lm.sizes[1], 23);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });
});

describe("writeArpa with a worker thread", () => {
  test("the worker encodes the second half: the same bytes as toArpa, orders 2 and 4, both precisions", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-arpa-worker-"));
    try {
      for (const N of [2, 4]) {
        const kn = KneserNeyLm.fromSentences(markovCorpus(50 + N, 300, 40), N);
        for (const precision of ["float32", "float64"] as const) {
          const file = path.join(dir, `m${N}-${precision}.arpa`);
          const report = writeArpaReport(kn, file, { precision, worker: true });
          assert.equal(report.worker, "done", `order ${N}, ${precision}: the worker did its part`);
          const expected = toArpa(kn, { precision });
          assert.equal(fs.readFileSync(file, "utf8"), expected);
          assert.equal(report.bytes, Buffer.byteLength(expected));
          assert.deepEqual(writeArpaReport(kn, file, { precision, worker: false }), { bytes: report.bytes, worker: "unused" });
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("ARPA contents by hand", () => {
  // The tiny corpus of test/kneser-ney.test.ts: "a b" ×4, "c" ×3, "b c" ×2, "a c" ×1, N = 2,
  // where p1(a) = 0.1625, p1(b) = 0.225, p(b | a) = 0.592, γ(a) = 0.32, γ(<s>) = 0.45, γ(ε) = 0.5, |V| = 5.
  const corpus = [...Array(4).fill(["a", "b"]), ...Array(3).fill(["c"]), ...Array(2).fill(["b", "c"]), ["a", "c"]];
  const text = toArpa(KneserNeyLm.fromSentences(corpus, 2));
  const lines = text.split("\n");
  const entry = (ngram: string) => lines.find((l) => l.split("\t")[1] === ngram)?.split("\t");

  // Each number is the float32 of the value (the file's precision): fround(number read) = fround(value).
  const float32Of = (field: string) => Math.fround(Number(field));

  test("unigrams: log10 p1, bows log10 γ(h), <s> at −99, the unseen <unk> with γ(ε)/|V|", () => {
    assert.ok(text.startsWith("\\data\\\nngram 1=6\nngram 2=8\n\n\\1-grams:\n"));
    assert.ok(text.endsWith("\n\\end\\\n"));
    assert.equal(entry("<s>")![0], "-99");
    assert.equal(float32Of(entry("<s>")![2]), Math.fround(Math.log10(0.45)));
    assert.equal(float32Of(entry("a")![0]), Math.fround(Math.log10(0.1625)));
    assert.equal(float32Of(entry("a")![2]), Math.fround(Math.log10(0.32)));
    assert.deepEqual(entry("<unk>"), ["-1", "<unk>"]); // log10(0.5 / 5); no bow: never a context
    // The shortest decimal that reads back as the float32 of log10 0.1625 = −0.789146660…: 7 digits,
    // −0.7891467, read back as the next float32 up (Math.fround(-0.7891467) !== Math.fround(Math.log10(0.1625))).
    assert.equal(entry("a")![0], "-0.78914666");
    assert.notEqual(Math.fround(-0.7891467), Math.fround(Math.log10(0.1625)));
  });

  test("bigrams: the interpolated p(w | h), no bow at the highest order", () => {
    const ab = entry("a b")!;
    assert.equal(ab.length, 2);
    assert.equal(float32Of(ab[0]), Math.fround(Math.log10(0.592)));
    assert.equal(entry("a a"), undefined); // unseen: by back-off, γ(a) p1(a)
    const lm = ArpaLm.parse(text);
    const expected = Math.log10(0.32) + Math.log10(0.1625); // two float32 decimals added: within 2^-23 of the sum
    assert.ok(Math.abs(lm.log10Prob("a", ["a"]) - expected) <= 2 ** -23 * Math.abs(expected));
  });

  test("float64 precision: the shortest round trip of every double", () => {
    const lines64 = toArpa(KneserNeyLm.fromSentences(corpus, 2), { precision: "float64" }).split("\n");
    const a = lines64.find((l) => l.split("\t")[1] === "a")!.split("\t");
    assert.equal(Number(a[0]), Math.log10(0.1625));
    assert.equal(a[0], String(Math.log10(0.1625)));
    assert.ok(Math.abs(Number(a[2]) - Math.log10(0.32)) < 1e-15);
  });
});

describe("ARPA back-off rule on a hand-written file", () => {
  const text = [
    "written by hand",
    "\\data\\",
    "ngram 1=5",
    "ngram 2=3",
    "ngram 3=1",
    "",
    "\\1-grams:",
    "-99 <s> -0.5",
    "-0.6 </s>",
    "-0.7 a -0.25",
    "-0.8 b -0.125",
    "-1.0 <unk>",
    "",
    "\\2-grams:",
    "-0.2\t<s> a\t-0.0625",
    "-0.3\ta b\t-0.03125",
    "-0.4\tb </s>",
    "",
    "\\3-grams:",
    "-0.05\t<s> a b",
    "",
    "\\end\\",
  ].join("\n");
  const lm = ArpaLm.parse(text, "hand.arpa");

  test("listed n-grams are read off; others back off through bow(h) + log10 p(w | h')", () => {
    assert.equal(lm.log10Prob("b", ["<s>", "a"]), -0.05); // listed trigram
    assert.equal(lm.log10Prob("</s>", ["<s>", "a"]), -0.0625 + -0.25 + -0.6); // bow(<s> a) + bow(a) + p(</s>)
    assert.equal(lm.log10Prob("b", ["b", "a"]), -0.3); // "b a" not listed: bow 0, then the bigram "a b"
    assert.equal(lm.log10Prob("a", ["b"]), -0.125 + -0.7);
    assert.equal(lm.log10Prob("zebra", ["a"]), -0.25 + -1.0); // OOV → <unk>
    assert.equal(lm.log10Prob("b", ["zebra", "a"]), -0.3); // zebra → <unk>; "<unk> a" not listed
    assert.equal(lm.log10Prob("b", ["x", "y", "<s>", "a"]), -0.05); // only N − 1 = 2 context words
    assert.equal(lm.order, 3);
    assert.equal(lm.unk, "<unk>");
  });

  test("without <unk> in the file the vocabulary is closed and OOV words are skipped by perplexity", () => {
    const closed = ArpaLm.parse(text.replace("ngram 1=5", "ngram 1=4").replace("-1.0 <unk>\n", ""), "closed.arpa");
    assert.equal(closed.unk, null);
    assert.equal(closed.log10Prob("zebra", ["a"]), -Infinity);
    const r = perplexity(closed, [["a", "zebra", "b"]]);
    assert.equal(r.oov, 1);
    assert.equal(r.tokens, 3);
    // p(a | <s>) = −0.2; p(b | a zebra): zebra cuts the context, p(b) = −0.8; p(</s> | zebra b) → p(</s> | b) = −0.4
    assert.ok(Math.abs(r.log10Prob - (-0.2 - 0.8 - 0.4)) < 1e-12);
  });
});

describe("ARPA errors name file:line and what was expected", () => {
  const good = ["\\data\\", "ngram 1=3", "ngram 2=1", "", "\\1-grams:", "-99\t<s>", "-0.5\t</s>", "-0.5\ta", "", "\\2-grams:", "-0.1\t<s> a", "", "\\end\\", ""];
  const bad = (edit: (lines: string[]) => void) => {
    const lines = [...good];
    edit(lines);
    return lines.join("\n");
  };
  const cases: [string, string, string][] = [
    ["no \\data\\", "just text\n", "m.arpa:2: expected a line \\data\\, got end of file"],
    ["bad count line", bad((l) => (l[2] = "ngram 3=1")), "m.arpa:3: expected 'ngram 2=<count>', got 'ngram 3=1'"],
    ["too few n-grams", bad((l) => l.splice(7, 1)), "m.arpa:9: expected 3 1-grams (from \\data\\), got 2"],
    ["too many n-grams", bad((l) => l.splice(7, 0, "-0.5\tb")), "m.arpa:9: expected 3 1-grams (from \\data\\), got more"],
    ["bad number", bad((l) => (l[6] = "x\t</s>")), "m.arpa:7: expected a log10 probability ≤ 0, got 'x'"],
    ["positive log-probability", bad((l) => (l[6] = "0.5\t</s>")), "m.arpa:7: expected a log10 probability ≤ 0, got '0.5'"],
    ["wrong number of fields", bad((l) => (l[10] = "-0.1\t<s>\ta\tb\tc")), "m.arpa:11: expected '<log10 p> <2 words> [<log10 backoff>]' in the 2-grams, got 5 fields"],
    ["unknown word", bad((l) => (l[10] = "-0.1\t<s> zebra")), "m.arpa:11: expected the word 'zebra' to be listed among the 1-grams"],
    [
      "missing context",
      bad((l) => {
        l.splice(12, 0, "\\3-grams:", "-0.1\ta </s> a", "");
        l.splice(3, 0, "ngram 3=1");
      }),
      "m.arpa:15: expected the context 'a </s>' of this 3-gram to be listed among the 2-grams",
    ],
    ["duplicate", bad((l) => (l[7] = "-0.5\t</s>")), "m.arpa:8: expected each 1-gram once, got '</s>' again"],
    ["missing section", bad((l) => (l[9] = "\\3-grams:")), "m.arpa:10: expected '\\2-grams:', got '\\3-grams:'"],
    ["missing \\end\\", bad((l) => l.splice(12, 2)), "m.arpa:12: expected '\\end\\' after the 2-grams, got 'end of file'"],
    // Issue 11 (D6): non-finite numbers, numbers that are not decimals, and damage that used to give a different model.
    ["log-probability -1e400 (overflows to -Infinity)", bad((l) => (l[6] = "-1e400\t</s>")), "m.arpa:7: expected a finite log10 probability ≤ 0 (−99 for p = 0), got '-1e400'"],
    ["log-probability -Infinity", bad((l) => (l[6] = "-Infinity\t</s>")), "m.arpa:7: expected a finite log10 probability ≤ 0 (−99 for p = 0), got '-Infinity'"],
    ["log-probability -inf", bad((l) => (l[10] = "-inf\t<s> a")), "m.arpa:11: expected a finite log10 probability ≤ 0 (−99 for p = 0), got '-inf'"],
    ["log-probability NaN", bad((l) => (l[6] = "NaN\t</s>")), "m.arpa:7: expected a finite log10 probability ≤ 0 (−99 for p = 0), got 'NaN'"],
    ["backoff NaN", bad((l) => (l[7] = "-0.5\ta\tNaN")), "m.arpa:8: expected a finite log10 backoff weight, got 'NaN'"],
    ["backoff 1e999", bad((l) => (l[7] = "-0.5\ta\t1e999")), "m.arpa:8: expected a finite log10 backoff weight, got '1e999'"],
    ["a hex backoff (Number() would read 0x10 as 16)", bad((l) => (l[7] = "-0.5\ta\t0x10")), "m.arpa:8: expected a log10 backoff weight, got '0x10'"],
    ["a header count no file can hold (used to allocate it)", bad((l) => (l[1] = "ngram 1=99999999999")), "m.arpa:2: expected 'ngram 1=<count>' with a count this file can hold (≤ 25), got 99999999999"],
    ["text after \\end\\", bad((l) => l.push("-0.5\tb")), "m.arpa:15: expected nothing after '\\end\\', got '-0.5\tb'"],
    ["a unigram with a space (used to be the word 'a b')", bad((l) => (l[7] = "-0.5\ta b")), "m.arpa:8: expected a log10 backoff weight, got 'b'"],
    ["a carriage return inside a word (used to give the word 'a\\rb')", bad((l) => (l[7] = "-0.5\ta\rb")), "m.arpa:8: expected a log10 backoff weight, got 'b'"],
    ["a NUL character", bad((l) => (l[7] = "-0.5\ta\0")), "m.arpa:8: expected text, got a NUL character at column 7 (a binary file?)"],
  ];
  for (const [name, text, message] of cases) {
    test(name, () => {
      assert.throws(
        () => ArpaLm.parse(text, "m.arpa"),
        (e: Error) => e instanceof ArpaError && e instanceof SeqlabError && e.message === message,
      );
    });
  }

  test("the unedited file parses; so does it with CRLF line ends and trailing blank lines; a missing file is an ArpaError", () => {
    assert.equal(ArpaLm.parse(good.join("\n"), "m.arpa").order, 2);
    const crlf = ArpaLm.parse(good.join("\r\n") + "\r\n\n", "m.arpa");
    assert.equal(crlf.log10Prob("a", ["<s>"]), -0.1);
    assert.deepEqual(crlf.words, ["<s>", "</s>", "a"]);
    assert.throws(() => ArpaLm.read("/nonexistent/m.arpa"), /\/nonexistent\/m.arpa: expected a readable ARPA file, got ENOENT/);
  });

  test("a file that is not UTF-8: ArpaError with the line and byte offset", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-arpa-"));
    try {
      const file = path.join(dir, "latin1.arpa");
      const text = good.join("\n").replace("\ta\n", "\tcaf\u00e9\n").replace("<s> a", "<s> caf\u00e9");
      fs.writeFileSync(file, Buffer.from(text, "latin1"));
      const offset = Buffer.from(text, "latin1").indexOf(0xe9);
      assert.throws(() => ArpaLm.read(file), (e: Error) => e instanceof ArpaError && e.message === `${file}:8: expected UTF-8 text, got the byte sequence 0xe9 0x0a at byte offset ${offset}`);
      fs.writeFileSync(file, text, "utf8");
      assert.equal(ArpaLm.read(file).log10Prob("café", ["<s>"]), -0.1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a standard tool reads the exported file", () => {
  const compileLm = "/usr/lib/irstlm/bin/compile-lm";
  const skip = fs.existsSync(compileLm) ? false : "needs IRSTLM's compile-lm (Debian: apt-get install irstlm)";
  test("IRSTLM compile-lm --eval gives the perplexity and log10 probability of ArpaLm and KneserNeyLm", { skip }, () => {
    const corpus = markovCorpus(42, 400, 30);
    const kn = KneserNeyLm.fromSentences(corpus, 4);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-irstlm-"));
    writeArpa(kn, path.join(dir, "m.arpa"));
    const text = markovCorpus(43, 60, 30); // same chain, other sentences: many backed-off n-grams, no OOV
    // IRSTLM wants the sentence boundaries written in the text.
    fs.writeFileSync(path.join(dir, "t.txt"), text.map((s) => `<s> ${s.join(" ")} </s>\n`).join(""));
    const r = spawnSync(compileLm, ["m.arpa", "--eval=t.txt", "--debug=1"], { cwd: dir, encoding: "utf8" });
    const m = /Nw=(\d+) PP=([\d.]+) .*Nbo=(\d+) Noov=0 .*logPr=(-[\d.]+)/.exec(r.stdout + r.stderr);
    assert.ok(m, r.stdout + r.stderr);
    const ours = perplexity(ArpaLm.read(path.join(dir, "m.arpa")), text);
    assert.ok(Number(m![3]) > 50, "the text should exercise back-off"); // Nbo: back-off events
    assert.equal(Number(m![1]), ours.tokens);
    assert.equal(Number(m![2]), Number(ours.perplexity.toFixed(2)));
    assert.equal(Number(m![4]), Number(ours.log10Prob.toFixed(2)));
    assert.ok(Math.abs(perplexity(kn, text).perplexity - ours.perplexity) < 1e-6 * ours.perplexity); // a float32 file
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
