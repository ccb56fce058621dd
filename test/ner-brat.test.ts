/**
 * BRAT standoff reading and writing (lib/src/ner/brat_ann.ts, brat_reader.ts,
 * brat_writer.ts, offsets.ts, slide_example.ts). Oracles:
 * - the slide's example (test/fixtures/ner/slide (facebook).{txt,ann}, written by hand with
 *   offsets counted in Python: `text.index("Дэвид") == 111`), its tokens and BIO tags;
 * - hand-written `.ann` files with every line kind, and their exact parse;
 * - the same entities written in the "raw" and the "lf" offset convention over a CRLF
 *   text, and over a text with an emoji (code points ≠ UTF-16 units): both read to the
 *   same UTF-16 spans, whose text is the annotated text;
 * - every kind of fault and syntax error, with its message (file and line);
 * - write → read → write gives the same bytes.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseAnn } from "../lib/src/ner/brat_ann.js";
import { parseBrat, readBratDocument, readBratFolder } from "../lib/src/ner/brat_reader.js";
import { formatAnn, spansToBrat, writeBratDocument } from "../lib/src/ner/brat_writer.js";
import { BratError } from "../lib/src/ner/errors.js";
import { DatasetError } from "../lib/src/datasets/folder.js";
import { ArgumentError } from "../lib/src/errors.js";
import { OffsetMap } from "../lib/src/ner/offsets.js";
import { SLIDE_EXAMPLE } from "../lib/src/ner/slide_example.js";
import { documentToSentences, entitySpans } from "../lib/src/ner/documents.js";

const FIXTURES = path.join(import.meta.dirname, "fixtures", "ner");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-brat-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const throwsBrat = (f: () => unknown, message: RegExp) => assert.throws(f, (e: unknown) => e instanceof BratError && e instanceof DatasetError && message.test((e as Error).message));

describe("the slide's example", () => {
  test("the fixture files are SLIDE_EXAMPLE, and read with a file name with a space and brackets", () => {
    const base = path.join(FIXTURES, SLIDE_EXAMPLE.name);
    assert.equal(fs.readFileSync(`${base}.txt`, "utf8"), SLIDE_EXAMPLE.text);
    assert.equal(fs.readFileSync(`${base}.ann`, "utf8"), SLIDE_EXAMPLE.ann);
    const doc = readBratDocument(`${base}.ann`);
    assert.equal(doc.name, "slide (facebook)");
    assert.deepEqual(
      doc.entities.map((e) => [e.id, e.type, e.start, e.end, e.text]),
      [
        ["T1", "ORG", 0, 8, "Facebook"],
        ["T2", "ORG", 56, 75, "Wall Street Journal"],
        ["T3", "PER", 111, 142, "Дэвид Эберсман (David Ebersman)"],
      ],
    );
    assert.deepEqual(doc.entities.map((e) => doc.text.slice(e.start, e.end)), ["Facebook", "Wall Street Journal", "Дэвид Эберсман (David Ebersman)"]);
    assert.deepEqual(parseBrat(SLIDE_EXAMPLE.text, SLIDE_EXAMPLE.ann, SLIDE_EXAMPLE.name).entities, doc.entities);
  });

  test("its tokens and BIO tags", () => {
    const doc = parseBrat(SLIDE_EXAMPLE.text, SLIDE_EXAMPLE.ann, SLIDE_EXAMPLE.name);
    const { sentences } = documentToSentences(doc.text, entitySpans(doc.entities).spans);
    assert.equal(sentences.length, 1);
    const pairs = sentences[0].tokens.map((t, i) => `${t}/${sentences[0].tags[i]}`);
    assert.deepEqual(pairs, [
      "Facebook/B-ORG", "готовится/O", "к/O", "IPO/O", "весной/O", "2012/O", "года/O", ",/O", "сообщает/O", "The/O",
      "Wall/B-ORG", "Street/I-ORG", "Journal/I-ORG", ";/O", "подготовкой/O", "руководит/O", "финдиректор/O",
      "Дэвид/B-PER", "Эберсман/I-PER", "(/I-PER", "David/I-PER", "Ebersman/I-PER", ")/I-PER", "./O",
    ]);
  });
});

describe(".ann grammar", () => {
  const ANN = [
    "T1\tORG 0 5;6 13\tNorth America",
    "T2\tPER 14 17\tBob",
    "E1\tMEET:T2 Agent:T2 Place:T1",
    "R1\tLocated Arg1:T2 Arg2:T1",
    "A1\tNegation E1",
    "M2\tConfidence E1 High",
    "N1\tReference T1 Wikipedia:534366\tNorth America",
    "#1\tAnnotatorNotes T2\tchecked\twith a tab",
    "*\tEquiv T1 T2",
    "",
  ].join("\n");

  test("every line kind is kept with its fields", () => {
    const { records, crlf } = parseAnn(ANN, "x.ann");
    assert.equal(crlf, false);
    assert.deepEqual(records, [
      { kind: "T", id: "T1", type: "ORG", fragments: [{ start: 0, end: 5 }, { start: 6, end: 13 }], text: "North America", line: 1 },
      { kind: "T", id: "T2", type: "PER", fragments: [{ start: 14, end: 17 }], text: "Bob", line: 2 },
      { kind: "E", id: "E1", type: "MEET", trigger: "T2", args: [["Agent", "T2"], ["Place", "T1"]], line: 3 },
      { kind: "R", id: "R1", type: "Located", args: [["Arg1", "T2"], ["Arg2", "T1"]], line: 4 },
      { kind: "A", id: "A1", name: "Negation", target: "E1", line: 5 },
      { kind: "M", id: "M2", name: "Confidence", target: "E1", value: "High", line: 6 },
      { kind: "N", id: "N1", type: "Reference", target: "T1", ref: "Wikipedia:534366", text: "North America", line: 7 },
      { kind: "#", id: "#1", type: "AnnotatorNotes", target: "T2", text: "checked\twith a tab", line: 8 },
      { kind: "*", type: "Equiv", ids: ["T1", "T2"], line: 9 },
    ]);
    assert.equal(formatAnn(records), ANN);
    assert.equal(formatAnn(parseAnn(ANN.replace(/\n/g, "\r\n"), "x.ann").records, true), ANN.replace(/\n/g, "\r\n"));
  });

  test("a discontinuous mention: its text is the fragments joined by a space", () => {
    const doc = parseBrat("North\nAmerica Bob", ANN, "x");
    assert.deepEqual(doc.entities[0].fragments, [{ start: 0, end: 5 }, { start: 6, end: 13 }]);
    assert.equal(doc.entities.length, 2);
  });

  test("syntax errors name the file and line", () => {
    const bad: Array<[string, RegExp]> = [
      ["T1\tORG 0 3\tabc\nX1\tfoo", /^x\.ann:2: expected an annotation line starting with T, R, E, A, M, N, # or \*, got "X1\\tfoo"$/],
      ["T1 ORG 0 3 abc", /^x\.ann:1: expected an id of the form T<n>, got "T1 ORG 0 3 abc"$/],
      ["T1\tORG 0 3", /^x\.ann:1: expected 3 TAB-separated fields for a T line, got 2/],
      ["T1\tORG 0 1e2\tabc", /^x\.ann:1: expected offsets as decimal integers, got "0 1e2"$/],
      ["T1\tORG -1 3\tabc", /^x\.ann:1: expected offsets as decimal integers, got "-1 3"$/],
      ["T1\tORG 0 3;\tabc", /^x\.ann:1: expected TYPE START END\[;START END\]\.\.\., got "ORG 0 3;"$/],
      ["T1\tORG  0 3\tabc", /^x\.ann:1: expected fields separated by single spaces, got "ORG  0 3"$/],
      ["T1\tORG 0 3\tabc\nT1\tPER 0 3\tabc", /^x\.ann:2: expected a new id, got 'T1' already defined on line 1$/],
      ["T1\tORG 0 3\tabc\nR1\tRel Arg1:T1 Arg2:T9", /^x\.ann:2: expected the argument Arg2 to be an id defined in this file, got 'T9'$/],
      ["R1\tRel Arg1", /^x\.ann:1: expected an argument ROLE:ID, got "Arg1"$/],
      ["E1\tMEET Agent:T1", /^x\.ann:1: expected TYPE:TRIGGER, got "MEET"$/],
      ["A1\tNeg", /^x\.ann:1: expected NAME TARGET \[VALUE\], got "Neg"$/],
      ["T1\tORG 0 3\tabc\nN1\tRef T1 noColon", /^x\.ann:2: expected TYPE TARGET DB:ID, got "Ref T1 noColon"$/],
      ["T1\tORG 0 3\tabc\n*\tEquiv T1", /^x\.ann:2: expected TYPE and at least two ids, got "Equiv T1"$/],
      ["T1\tORG 0 3\tabc\nR1\tRel Arg1:T1\textra", /^x\.ann:2: expected 2 TAB-separated fields for a R line, got 3/],
    ];
    for (const [ann, message] of bad) throwsBrat(() => parseBrat("abcdef", ann, "x"), message);
  });
});

describe("offsets: CRLF and code points", () => {
  // A CRLF text: "Москва\r\n\r\nВ Риме 😀 был Дэвид." Entities: Москва, Риме, Дэвид.
  const text = "Москва\r\n\r\nВ Риме 😀 был Дэвид.";
  const names = ["Москва", "Риме", "Дэвид"];
  const utf16 = names.map((n) => [text.indexOf(n), text.indexOf(n) + n.length]);
  // Offsets by hand, in code points: raw keeps "\r\n" as 2, lf counts it as 1; the emoji is 1 code point (2 UTF-16 units).
  // raw:  Москва 0-6; Риме: 6 + 4 (two CRLF) + 2 ("В ") = 12-16; Дэвид: 16 + 1 + 1 (emoji) + 5 (" был ") = 23-28.
  // lf:   Москва 0-6; Риме 10-14; Дэвид 21-26.
  const raw = "T1\tLOC 0 6\tМосква\nT2\tLOC 12 16\tРиме\nT3\tPER 23 28\tДэвид\n";
  const lf = "T1\tLOC 0 6\tМосква\nT2\tLOC 10 14\tРиме\nT3\tPER 21 26\tДэвид\n";

  test("raw and lf conventions are detected per document and read to the same UTF-16 spans", () => {
    for (const [ann, convention] of [[raw, "raw"], [lf, "lf"]] as const) {
      const doc = parseBrat(text, ann, "crlf");
      assert.equal(doc.convention, convention);
      assert.deepEqual(doc.entities.map((e) => [e.start, e.end]), utf16);
      assert.deepEqual(doc.entities.map((e) => text.slice(e.start, e.end)), names);
    }
    // Forcing the other convention: the first mismatch is an error with file and line.
    throwsBrat(() => parseBrat(text, lf, "crlf", { convention: "raw" }), /^crlf\.ann:2: expected the text of T2 \[10 14\] \(raw convention\) to be the annotated "Риме", got "В Ри" in the \.txt file$/);
  });

  test("OffsetMap: to and from UTF-16, inverse of each other, null past the end or inside a unit", () => {
    const m = new OffsetMap(text, "lf");
    assert.equal(m.length, text.length - 2 - 1); // 2 CRLF → 2 units less, the emoji 1 unit less
    assert.equal(m.toUtf16(10), text.indexOf("Риме"));
    assert.equal(m.fromUtf16(text.indexOf("Риме")), 10);
    assert.equal(m.toUtf16(m.length + 1), null);
    assert.equal(m.fromUtf16(text.indexOf("\n")), null); // between "\r" and "\n"
    assert.equal(m.fromUtf16(text.indexOf("😀") + 1), null); // inside the surrogate pair
    for (let k = 0; k <= m.length; k++) assert.equal(m.fromUtf16(m.toUtf16(k)!), k);
  });

  test("spansToBrat writes either convention; a span across a line break becomes two fragments", () => {
    const spans = [
      { start: utf16[0][0], end: utf16[1][1], type: "X" }, // "Москва\r\n\r\nВ Риме"
      { start: utf16[2][0], end: utf16[2][1], type: "PER" },
    ];
    const recRaw = spansToBrat(text, spans);
    assert.equal(formatAnn(recRaw), "T1\tX 0 6;10 16\tМосква В Риме\nT2\tPER 23 28\tДэвид\n");
    assert.equal(formatAnn(spansToBrat(text, spans, { convention: "lf", firstId: 5 })), "T5\tX 0 6;8 14\tМосква В Риме\nT6\tPER 21 26\tДэвид\n");
    const back = parseBrat(text, formatAnn(recRaw), "w");
    assert.deepEqual(back.entities[0].fragments, [{ start: 0, end: 6 }, { start: 10, end: 16 }]);
    assert.throws(() => spansToBrat(text, [{ start: 6, end: 10, type: "X" }]), (e: unknown) => e instanceof ArgumentError && /expected some text besides line breaks/.test((e as Error).message));
    assert.throws(() => spansToBrat(text, [{ start: 0, end: 99, type: "X" }]), /expected 0 ≤ start < end ≤ 30, got \[0, 99\)/);
  });
});

describe("faults: errors by default, a report on request", () => {
  const text = "Иван Петров живёт в Москве.\r\n";
  const cases: Array<[string, string, RegExp]> = [
    ["mismatch", "T1\tPER 0 11\tИван Петроф", /^d\.ann:1: expected the text of T1 \[0 11\] \(raw convention\) to be the annotated "Иван Петроф", got "Иван Петров" in the \.txt file$/],
    ["past-end", "T1\tPER 20 99\tМосква", /^d\.ann:1: expected offsets of T1 within the text \(29 characters, raw convention\), got 20 99$/],
    ["empty", "T1\tPER 5 5\t", /^d\.ann:1: expected a non-empty span in T1, got 5 5$/],
    ["reversed", "T1\tPER 11 5\tx", /^d\.ann:1: expected start ≤ end in T1's span, got 11 > 5$/],
    ["fragments", "T1\tPER 5 11;0 4\tПетров Иван", /^d\.ann:1: expected T1's fragments in order without overlap, got 5 11;0 4$/],
  ];
  for (const [kind, ann, message] of cases) {
    test(`${kind}: a BratError naming file and line; in report mode dropped and listed`, () => {
      throwsBrat(() => parseBrat(text, `T9\tLOC 20 26\tМоскве\n${ann.replace("T1", "T1")}`.split("\n").reverse().join("\n"), "d"), message);
      const doc = parseBrat(text, ann + "\nT2\tLOC 20 26\tМоскве\n", "d", { faults: "report" });
      assert.deepEqual(doc.entities.map((e) => e.id), ["T2"]);
      assert.deepEqual(doc.faults.map((f) => [f.kind, f.line, f.id, f.action]), [[kind, 1, "T1", "dropped"]]);
      assert.match(doc.faults[0].message, message);
    });
  }

  test("whitespace: a span that takes in the line end's \\r is repaired in report mode", () => {
    const bad = "T1\tLOC 20 28\tМоскве.\n";
    throwsBrat(() => parseBrat(text, bad, "d"), /^d\.ann:1: expected the text of T1 \[20 28\] \(raw convention\) to be the annotated "Москве\.", got "Москве\.\\r" in the \.txt file$/);
    const doc = parseBrat(text, bad, "d", { faults: "report" });
    assert.deepEqual(doc.entities.map((e) => [e.start, e.end, text.slice(e.start, e.end)]), [[20, 27, "Москве."]]);
    assert.deepEqual(doc.faults.map((f) => [f.kind, f.action]), [["whitespace", "repaired"]]);
    // Trimming must make the texts equal, else the fault is a mismatch: [19, 28) = " Москве.\r" annotated "Москве" is dropped.
    assert.deepEqual(parseBrat(text, "T1\tLOC 19 28\tМоскве\n", "d", { faults: "report" }).faults.map((f) => [f.kind, f.action]), [["mismatch", "dropped"]]);
  });
});

describe("files and folders", () => {
  test("write → read → write: the same bytes; names with spaces and brackets", () => {
    const dir = path.join(tmp, "w");
    const ann = "T1\tORG 0 8\tFacebook\r\nT2\tPER 111 142\tДэвид Эберсман (David Ebersman)\r\n#1\tAnnotatorNotes T2\tok\r\n";
    const first = parseBrat(SLIDE_EXAMPLE.text, ann, "x");
    const { txt, ann: annPath } = writeBratDocument(dir, "015 (!)", { text: first.text, records: first.records, crlf: first.crlf });
    assert.equal(fs.readFileSync(annPath, "utf8"), ann);
    assert.equal(fs.readFileSync(txt, "utf8"), SLIDE_EXAMPLE.text);
    const again = readBratDocument(path.join(dir, "015 (!)"));
    assert.deepEqual(again.records, first.records);
    assert.equal(again.name, "015 (!)");
    assert.throws(() => writeBratDocument(dir, "a/b", { text: "", records: [] }), /expected a file name without a path separator, got "a\/b"/);
  });

  test("readBratFolder: sorted documents, all faults; a .txt without .ann is an error", () => {
    const dir = path.join(tmp, "folder");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "b (1).txt"), "Bob\r\n");
    fs.writeFileSync(path.join(dir, "b (1).ann"), "T1\tPER 0 4\tBob\r\n"); // ends on "\r": a whitespace fault
    fs.writeFileSync(path.join(dir, "a.txt"), "Ann");
    fs.writeFileSync(path.join(dir, "a.ann"), "");
    const corpus = readBratFolder(dir, { faults: "report" });
    assert.deepEqual(corpus.documents.map((d) => d.name), ["a", "b (1)"]);
    assert.deepEqual(corpus.faults.map((f) => [path.basename(f.file), f.line, f.kind]), [["b (1).ann", 1, "whitespace"]]);
    throwsBrat(() => readBratFolder(dir), /b \(1\)\.ann:1: expected the text of T1 \[0 4\] \(raw convention\) to be the annotated "Bob", got "Bob\\r"/);
    fs.writeFileSync(path.join(dir, "c.txt"), "x");
    throwsBrat(() => readBratFolder(dir), /c\.txt: expected c\.ann beside it, got none$/);
    throwsBrat(() => readBratFolder(path.join(tmp, "nope")), /nope: expected a readable folder of \.txt and \.ann files, got ENOENT/);
    throwsBrat(() => readBratDocument(path.join(dir, "c.txt")), /c\.ann: expected a readable BRAT annotation file, got ENOENT/);
  });

  test("invalid UTF-8 in a .txt is an error with line and byte offset", () => {
    const dir = path.join(tmp, "utf8");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "d.txt"), Buffer.from([0x61, 0x0a, 0xff]));
    fs.writeFileSync(path.join(dir, "d.ann"), "");
    throwsBrat(() => readBratDocument(path.join(dir, "d")), /d\.txt:2: expected UTF-8 text, got the byte sequence 0xff at byte offset 2$/);
  });
});
