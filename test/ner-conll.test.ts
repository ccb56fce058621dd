/**
 * CoNLL column files (lib/src/ner/conll_reader.ts, conll_writer.ts). Oracles:
 * - the first sentences of CoNLL-2003's original eng.train (IOB1, as the shared task
 *   distributed it: `EU NNP I-NP I-ORG`, …) must read to the IOB2 tags of the copy in
 *   datasets/ (datasets/README.md quotes its first lines: `EU NNP B-NP B-ORG`, …);
 * - hand-made files for IOB1's B between two chunks of one type, the tag column choice,
 *   CRLF, scheme detection and every error (file:line in the message);
 * - write → read gives the sentences back.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseConll } from "../lib/src/ner/conll_reader.js";
import { formatConll, formatConllEval } from "../lib/src/ner/conll_writer.js";
import { ConllError } from "../lib/src/ner/errors.js";
import { DatasetError } from "../lib/src/datasets/folder.js";
import { ArgumentError } from "../lib/src/errors.js";

const throwsConll = (f: () => unknown, message: RegExp) => assert.throws(f, (e: unknown) => e instanceof ConllError && e instanceof DatasetError && message.test((e as Error).message));

/** eng.train's first lines, IOB1 (the original distribution: chunk and NER tags both IOB1). */
const ENG_TRAIN_IOB1 = `-DOCSTART- -X- O O

EU NNP I-NP I-ORG
rejects VBZ I-VP O
German JJ I-NP I-MISC
call NN I-NP O
to TO I-VP O
boycott VB I-VP O
British JJ I-NP I-MISC
lamb NN I-NP O
. . O O

Peter NNP I-NP I-PER
Blackburn NNP I-NP I-PER
`;

describe("reading", () => {
  test("CoNLL-2003's original IOB1 reads to the IOB2 of the datasets/ copy", () => {
    const f = parseConll(ENG_TRAIN_IOB1, "eng.train");
    assert.equal(f.scheme, "IOB1");
    assert.equal(f.documents, 1);
    assert.equal(f.columns, 4);
    assert.deepEqual(f.sentences.map((s) => s.tokens), [
      ["EU", "rejects", "German", "call", "to", "boycott", "British", "lamb", "."],
      ["Peter", "Blackburn"],
    ]);
    // datasets/README.md: `EU NNP B-NP B-ORG`, `rejects VBZ B-VP O`, … and train.txt's next lines.
    assert.deepEqual(f.sentences.map((s) => s.tags), [
      ["B-ORG", "O", "B-MISC", "O", "O", "O", "B-MISC", "O", "O"],
      ["B-PER", "I-PER"],
    ]);
    assert.deepEqual(f.sentences.map((s) => [s.line, s.doc]), [[3, "doc1"], [13, "doc1"]]);
    assert.equal(f.sentences[0].fields[0].join(" "), "EU NNP I-NP I-ORG"); // fields as read
    // The chunk column, chosen by index: its IOB1 chunks in IOB2.
    assert.deepEqual(parseConll(ENG_TRAIN_IOB1, "eng.train", { tagColumn: 2 }).sentences[0].tags, ["B-NP", "B-VP", "B-NP", "I-NP", "B-VP", "I-VP", "B-NP", "I-NP", "O"]);
  });

  test("IOB1's B between two chunks of one type; conversion to IOBES and IO; CRLF and tabs", () => {
    const text = "Spain\tI-LOC\r\nFrance\tB-LOC\r\nand\tO\r\nItaly\tI-LOC\r\n\r\nx\tO\r\n";
    const f = parseConll(text, "t.txt");
    assert.equal(f.scheme, "IOB1");
    assert.deepEqual(f.sentences[0].tags, ["B-LOC", "B-LOC", "O", "B-LOC"]);
    assert.deepEqual(parseConll(text, "t.txt", { to: "IOBES" }).sentences[0].tags, ["S-LOC", "S-LOC", "O", "S-LOC"]);
    assert.deepEqual(parseConll(text, "t.txt", { to: "IO" }).sentences[0].tags, ["I-LOC", "I-LOC", "O", "I-LOC"]);
    assert.deepEqual(parseConll(text, "t.txt", { scheme: "IOB2" }).sentences[0].tags, ["B-LOC", "B-LOC", "O", "B-LOC"]); // lenient: I after O starts a chunk
    throwsConll(() => parseConll(text, "t.txt", { scheme: "IOB2", strict: true }), /^t\.txt:1: expected B-LOC or O \(I-LOC only after B-LOC or I-LOC\), got 'I-LOC' after the sentence start \(strict IOB2\)$/);
    assert.equal(parseConll("a B-X\nb I-X\n", "u").scheme, "IOB2");
    assert.equal(parseConll("a O\n", "u").scheme, "IOB2");
  });

  test("errors name the file and line", () => {
    throwsConll(() => parseConll("a NN O\nb NN\n", "f.txt"), /^f\.txt:2: expected 3 fields \(as on the first token line\), got 2: "b NN"$/);
    throwsConll(() => parseConll("a NN O\n", "f.txt", { columns: 4 }), /^f\.txt:1: expected 4 fields \(as on the first token line\), got 3/);
    throwsConll(() => parseConll("\n\nabc\n", "f.txt"), /^f\.txt:3: expected at least 2 fields \(a token and a tag\), got 1: "abc"$/);
    throwsConll(() => parseConll("a NN O\n", "f.txt", { tagColumn: 0 }), /^f\.txt:1: expected the tag column in \[1, 2\] or \[−2, −1\] \(field 0 is the token\), got 0$/);
    throwsConll(() => parseConll("a NN O\n", "f.txt", { tagColumn: -4 }), /got -4$/);
    throwsConll(() => parseConll("a NN O\nb NN PER\n", "f.txt"), /^f\.txt:2: expected O or B-\/I-\/E-\/S-TYPE \(IOBES\), got 'PER'$/);
    throwsConll(() => parseConll("a S-PER\n", "f.txt", { scheme: "IOB2" }), /^f\.txt:1: expected O or B-\/I-TYPE \(IOB2\), got 'S-PER'$/);
    throwsConll(() => parseConll("a B-PER\n\nb O\nc I-LOC\n", "f.txt"), /^f\.txt:4: expected one tagging scheme, got an I-X at a chunk start \(IOB1\) here and a B-X at a chunk start \(IOB2\) at f\.txt:1; declare the scheme$/);
    throwsConll(() => parseConll("-DOCSTART- -X- O O\n\n", "f.txt"), /^f\.txt:3: expected at least one token line, got none$/);
  });
});

describe("writing", () => {
  test("format → parse gives the sentences back; -DOCSTART- lines where the document changes", () => {
    const f = parseConll(ENG_TRAIN_IOB1, "eng.train");
    const text = formatConll(
      f.sentences.map((s) => ({ columns: [s.tokens, s.fields.map((x) => x[1]), s.tags], doc: s.doc })),
      { docstart: true },
    );
    assert.ok(text.startsWith("-DOCSTART- -X- O\n\nEU NNP B-ORG\nrejects VBZ O\n"));
    const back = parseConll(text, "back.txt");
    assert.equal(back.scheme, "IOB2");
    assert.deepEqual(back.sentences.map((s) => [s.tokens, s.tags]), f.sentences.map((s) => [s.tokens, s.tags]));
    assert.equal(formatConll([]), "");
  });

  test("formatConllEval writes token gold predicted; bad fields are ArgumentErrors", () => {
    const text = formatConllEval([{ tokens: ["Иван", "спит"], tags: ["B-PER", "O"] }], [["B-PER", "B-LOC"]]);
    assert.equal(text, "Иван B-PER B-PER\nспит O B-LOC\n\n");
    const arg = (f: () => unknown, m: RegExp) => assert.throws(f, (e: unknown) => e instanceof ArgumentError && m.test((e as Error).message));
    arg(() => formatConllEval([{ tokens: ["New York"], tags: ["B-LOC"] }], [["O"]]), /sentence 0, token 0, column 0: expected a non-empty field without white space, got "New York"/);
    arg(() => formatConllEval([{ tokens: ["a"], tags: ["O"] }], []), /expected 1 predicted tag sequences \(one per sentence\), got 0/);
    arg(() => formatConllEval([{ tokens: ["a"], tags: ["O"] }], [["O", "O"]]), /sentence 0: expected column 2 to have 1 fields \(one per token\), got 2/);
  });
});
