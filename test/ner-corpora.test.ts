/**
 * The NER readers on the real corpora in $SEQLAB_DATA (else ../shared/datasets beside the
 * checkout; skipped with a reason when absent). Oracles:
 * - CoNLL-2003: datasets/README.md (documents, sentences, tokens, train entity counts,
 *   sha256) and the shared task paper's Table 2 (Tjong Kim Sang & De Meulder 2003) for the
 *   dev and test entity counts: dev LOC 1837, MISC 922, ORG 1341, PER 1842; test LOC 1668,
 *   MISC 702, ORG 1661, PER 1617;
 * - Collection5: datasets/README.md (1,000 documents, 26,409 T lines, per-type counts, the
 *   listing sha256, offsets into the raw CRLF text with 26,407 of 26,409 spans matching and
 *   the 2 exceptions in last_60.ann); per-split counts recounted here from the `.ann` files
 *   with a plain line reader, not the BRAT reader; the offset-convention evidence (26,407
 *   spans match in "raw", 1,690 in "lf") also found by an independent Python script
 *   (python3 over the files: t[s:e] == text for the raw text and for text.replace("\r\n", "\n"));
 * - the round trip: every entity lost in IOB2 is explained by the alignment, and the
 *   inside-token count equals a direct check of each entity's boundaries against the tokens.
 */
import { after, describe, test } from "node:test";
import * as os from "node:os";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadConll2003 } from "../lib/src/ner/conll2003.js";
import { readConllFile, parseConll } from "../lib/src/ner/conll_reader.js";
import { formatConll } from "../lib/src/ner/conll_writer.js";
import { convertTags } from "../lib/src/ner/tag_scheme.js";
import { collection5Split, loadCollection5, loadCollection5Documents, COLLECTION5_TYPES } from "../lib/src/ner/collection5.js";
import { readBratDocument } from "../lib/src/ner/brat_reader.js";
import { parseAnn, type BratTextBound } from "../lib/src/ner/brat_ann.js";
import { formatAnn } from "../lib/src/ner/brat_writer.js";
import { OffsetMap } from "../lib/src/ner/offsets.js";
import { roundTripCounts } from "../lib/src/ner/round_trip.js";
import { tokenize } from "../lib/src/ner/tokenize.js";
import { BratError } from "../lib/src/ner/errors.js";
import { ChecksumError, MissingDataError } from "../lib/src/datasets/folder.js";

const shared = process.env.SEQLAB_DATA ?? path.resolve(import.meta.dirname, "..", "..", "shared", "datasets");
const hasConll = fs.existsSync(path.join(shared, "conll2003", "train.txt"));
const hasC5 = fs.existsSync(path.join(shared, "collection5", "001.txt"));
const C5 = path.join(shared, "collection5");

describe("CoNLL-2003", { skip: hasConll ? false : `no CoNLL-2003 in ${shared} (set SEQLAB_DATA)` }, () => {
  test("documents, sentences, tokens, entities per type as datasets/README.md and the paper give them; sha256; IOB2 detected", () => {
    const ds = loadConll2003({ dataDir: shared, verify: true });
    const stats = (xs: typeof ds.train) => [xs.length, xs.reduce((a, s) => a + s.tokens.length, 0)];
    assert.deepEqual([stats(ds.train), stats(ds.dev), stats(ds.test)], [[14_041, 203_621], [3_250, 51_362], [3_453, 46_435]]);
    const entities = (xs: typeof ds.train) => {
      const c: Record<string, number> = {};
      for (const s of xs) for (const t of s.tags) if (t.startsWith("B-")) c[t.slice(2)] = (c[t.slice(2)] ?? 0) + 1;
      return c;
    };
    assert.deepEqual(entities(ds.train), { LOC: 7_140, MISC: 3_438, ORG: 6_321, PER: 6_600 });
    assert.deepEqual(entities(ds.dev), { LOC: 1_837, MISC: 922, ORG: 1_341, PER: 1_842 });
    assert.deepEqual(entities(ds.test), { LOC: 1_668, MISC: 702, ORG: 1_661, PER: 1_617 });
    assert.deepEqual(ds.types, ["LOC", "MISC", "ORG", "PER"]);
    for (const [split, docs] of [["train", 946], ["valid", 216], ["test", 231]] as const) {
      const f = readConllFile(path.join(shared, "conll2003", `${split}.txt`));
      assert.equal(f.scheme, "IOB2");
      assert.equal(f.documents, docs);
    }
  });

  test("the dev file written in IOB1 (as the original eng.testa) is detected as IOB1 and reads back to the same IOB2 tags", () => {
    const f = readConllFile(path.join(shared, "conll2003", "valid.txt"));
    const iob1 = formatConll(f.sentences.map((s) => ({ columns: [s.tokens, convertTags(s.tags, "IOB2", "IOB1")], doc: s.doc })), { docstart: true });
    const back = parseConll(iob1, "valid.iob1.txt");
    assert.equal(back.scheme, "IOB1");
    assert.equal(back.documents, 216);
    assert.deepEqual(back.sentences.map((s) => s.tags), f.sentences.map((s) => s.tags));
  });

  test("a missing folder is a MissingDataError saying where to put the files", () => {
    assert.throws(() => loadConll2003({ dataDir: path.join(shared, "nope") }), (e: unknown) => e instanceof MissingDataError && /CoNLL-2003: expected train\.txt or eng\.train, valid\.txt or eng\.testa, test\.txt or eng\.testb in .*nope\/conll2003, got no such file\. .*point SEQLAB_DATA/.test((e as Error).message));
  });
});

describe("Collection5", { skip: hasC5 ? false : `no Collection5 in ${shared} (set SEQLAB_DATA)` }, () => {
  const corpus = hasC5 ? loadCollection5Documents({ dataDir: shared, verify: true }) : { documents: [], faults: [] };

  test("1,000 documents, 26,409 T lines, the README's counts per type; every document in the raw convention", () => {
    assert.equal(corpus.documents.length, 1000);
    const lines: Record<string, number> = {};
    for (const d of corpus.documents) for (const r of d.records) lines[r.kind === "T" ? r.type : r.kind] = (lines[r.kind === "T" ? r.type : r.kind] ?? 0) + 1;
    assert.deepEqual(lines, { GEOPOLIT: 4_104, LOC: 3_140, MEDIA: 1_509, ORG: 7_033, PER: 10_623 }); // T lines only
    assert.deepEqual(COLLECTION5_TYPES, Object.keys(lines).sort());
    assert.equal(corpus.documents.filter((d) => d.convention === "raw").length, 1000);
    assert.equal(corpus.documents.filter((d) => d.text.includes("\r\n")).length, 999); // 088.txt has no line break
    assert.ok(corpus.documents.some((d) => d.name === "015 (!)"));
  });

  test("the offset convention, with numbers: 26,407 spans match in raw, 1,690 in lf", () => {
    let raw = 0;
    let lf = 0;
    for (const d of corpus.documents) {
      const maps = { raw: new OffsetMap(d.text, "raw"), lf: new OffsetMap(d.text, "lf") };
      for (const t of d.records.filter((r): r is BratTextBound => r.kind === "T")) {
        const at = (m: OffsetMap) => d.text.slice(m.toUtf16(t.fragments[0].start) ?? 0, m.toUtf16(t.fragments[0].end) ?? 0);
        if (at(maps.raw) === t.text) raw++;
        if (at(maps.lf) === t.text) lf++;
      }
    }
    assert.deepEqual([raw, lf], [26_407, 1_690]);
  });

  test("the corpus's faults: exactly last_60.ann lines 2 and 3, repaired; strict reading stops at line 2", () => {
    assert.deepEqual(
      corpus.faults.map((f) => [path.basename(f.file), f.line, f.id, f.kind, f.action]),
      [["last_60.ann", 2, "T2", "whitespace", "repaired"], ["last_60.ann", 3, "T3", "whitespace", "repaired"]],
    );
    const d = corpus.documents.find((x) => x.name === "last_60")!;
    assert.deepEqual(d.entities.filter((e) => e.id === "T2" || e.id === "T3").map((e) => [e.start, e.end, d.text.slice(e.start, e.end)]), [[83, 90, "Токсово"], [83, 90, "Токсово"]]);
    assert.throws(() => readBratDocument(path.join(C5, "last_60")), (e: unknown) => e instanceof BratError && /last_60\.ann:2: expected the text of T2 \[83 91\] \(raw convention\) to be the annotated "Токсово", got "Токсово\\r" in the \.txt file$/.test((e as Error).message));
  });

  test("reading and writing back gives every .ann file byte for byte", () => {
    let same = 0;
    for (const d of corpus.documents) if (formatAnn(d.records, d.crlf) === fs.readFileSync(path.join(C5, `${d.name}.ann`), "utf8")) same++;
    assert.equal(same, 1000);
  });

  test("round trip spans → tags → spans: losses only where the alignment explains them", (t) => {
    const r = roundTripCounts(corpus.documents);
    t.diagnostic(JSON.stringify(r));
    assert.equal(r.entities, 26_409);
    assert.equal(r.distinct, 26_408); // last_60's T2 = T3
    assert.equal(r.issues.duplicate, 1);
    assert.equal(r.unexplained, 0);
    assert.equal(r.lost.IOB1, r.lost.IOB2);
    assert.equal(r.lost.IOBES, r.lost.IOB2);
    assert.ok(r.lost.IO > r.lost.IOB2); // IO merges adjacent entities of one type
    // Inside-token, checked directly: a boundary strictly inside some token of the document.
    let inside = 0;
    for (const d of corpus.documents) {
      const toks = tokenize(d.text);
      const keys = new Set<string>();
      for (const e of d.entities) {
        const key = `${e.start} ${e.end} ${e.type}`;
        if (keys.has(key)) continue;
        keys.add(key);
        if (toks.some((tk) => (tk.start < e.start && e.start < tk.end) || (tk.start < e.end && e.end < tk.end))) inside++;
      }
    }
    assert.equal(r.issues["inside-token"], inside);
    // The IOB2 losses: the inside-token, off-token and overlapping entities (none is two of these on Collection5).
    assert.equal(r.lost.IOB2, r.issues["inside-token"] + r.issues["off-token"] + r.issues["no-token"] + r.issues.overlapping);
  });

  test("the fixed split: 800 / 100 / 100 documents, mention counts recounted from the .ann files", (t) => {
    const ds = loadCollection5({ dataDir: shared });
    for (const split of ["train", "dev", "test"] as const) {
      t.diagnostic(`${split}: ${ds.documents[split].length} documents, ${ds[split].length} sentences, ${ds[split].reduce((a, s) => a + s.tokens.length, 0)} tokens`);
    }
    assert.deepEqual([ds.documents.train.length, ds.documents.dev.length, ds.documents.test.length], [800, 100, 100]);
    assert.deepEqual(collection5Split(corpus.documents.map((d) => d.name).reverse()), ds.documents); // independent of the input order
    const mentions = (names: string[]) => {
      const c: Record<string, number> = {};
      for (const n of names) {
        for (const line of fs.readFileSync(path.join(C5, `${n}.ann`), "utf8").split("\r\n")) {
          if (line.startsWith("T")) c[line.split("\t")[1].split(" ")[0]] = (c[line.split("\t")[1].split(" ")[0]] ?? 0) + 1;
        }
      }
      return c;
    };
    // The table in lib/src/ner/collection5.ts.
    assert.deepEqual(mentions(ds.documents.train), { GEOPOLIT: 3_299, LOC: 2_519, MEDIA: 1_197, ORG: 5_626, PER: 8_454 });
    assert.deepEqual(mentions(ds.documents.dev), { GEOPOLIT: 398, LOC: 312, MEDIA: 160, ORG: 730, PER: 1_121 });
    assert.deepEqual(mentions(ds.documents.test), { GEOPOLIT: 407, LOC: 309, MEDIA: 152, ORG: 677, PER: 1_048 });
    // Sentences hold every token of their documents once, with offsets into the text.
    const all = [...ds.train, ...ds.dev, ...ds.test];
    const byName = new Map(corpus.documents.map((d) => [d.name, d]));
    let tokens = 0;
    for (const s of all) {
      const text = byName.get(s.doc!)!.text;
      s.tokens.forEach((tk, i) => assert.equal(text.slice(s.offsets![i][0], s.offsets![i][1]), tk));
      tokens += s.tokens.length;
    }
    assert.equal(tokens, corpus.documents.reduce((a, d) => a + tokenize(d.text).length, 0));
    assert.ok(all.every((s) => s.tags[0] === "O" || s.tags[0].startsWith("B-")));
  });
});

describe("the loaders without the real data", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-ner-data-"));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test("Collection5: MissingDataError saying where to put the files; verify refuses other files; a one-document split", () => {
    assert.throws(() => loadCollection5({ dataDir: tmp }), (e: unknown) => e instanceof MissingDataError && /^Collection5: expected its 1,000 NAME\.txt \/ NAME\.ann pairs in .*collection5 \(e\.g\. 001\.txt, 001\.ann\), got no such files\. seqlab does not download it: .*point SEQLAB_DATA/.test((e as Error).message));
    fs.mkdirSync(path.join(tmp, "collection5"));
    fs.writeFileSync(path.join(tmp, "collection5", "001.txt"), "Россия и США.\r\n");
    fs.writeFileSync(path.join(tmp, "collection5", "001.ann"), "T1\tGEOPOLIT 0 6\tРоссия\r\nT2\tGEOPOLIT 9 12\tСША\r\n");
    assert.throws(() => loadCollection5({ dataDir: tmp, verify: true }), (e: unknown) => e instanceof ChecksumError && /expected the 2 files of .* to have the listing sha256 f641d2f6/.test((e as Error).message));
    const ds = loadCollection5({ dataDir: tmp });
    assert.deepEqual(ds.documents, { train: ["001"], dev: [], test: [] });
    assert.deepEqual(ds.train.map((s) => [s.tokens, s.tags]), [[["Россия", "и", "США", "."], ["B-GEOPOLIT", "O", "B-GEOPOLIT", "O"]]]);
  });

  test("CoNLL-2003 from the original IOB1 file names; verify needs the recorded copy", () => {
    const dir = path.join(tmp, "conll2003");
    fs.mkdirSync(dir);
    for (const n of ["eng.train", "eng.testa", "eng.testb"]) fs.writeFileSync(path.join(dir, n), "-DOCSTART- -X- O O\n\nSpain NNP I-NP I-LOC\nFrance NNP I-NP B-LOC\n");
    const ds = loadConll2003({ dataDir: tmp });
    assert.deepEqual(ds.train[0].tags, ["B-LOC", "B-LOC"]);
    assert.equal(ds.train[0].doc, "doc1");
    assert.throws(() => loadConll2003({ dataDir: tmp, verify: true }), (e: unknown) => e instanceof ChecksumError && /expected train\.txt to verify \(its sha256 is recorded\), got .*eng\.train/.test((e as Error).message));
  });
});
