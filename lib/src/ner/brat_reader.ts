/**
 * Reading brat standoff documents: a `NAME.txt` text and its `NAME.ann` annotations
 * (grammar in ner/brat_ann.ts), checked against each other.
 *
 * For each document:
 *   1. read both files as strict UTF-8 (datasets/text_file.ts: invalid bytes or NUL are
 *      errors with file, line and byte offset);
 *   2. parse the `.ann` lines (ner/brat_ann.ts);
 *   3. choose the offset convention (ner/offsets.ts): a text without "\r\n" has one; for a
 *      CRLF text, count the T fragments whose text matches in the "raw" and in the "lf"
 *      convention and take the one with more matches ("raw" on a tie) — per document, so a
 *      folder may mix both; `convention` forces one;
 *   4. check every T annotation: each fragment 0 ≤ start < end ≤ length, fragments in order
 *      without overlap, and the annotated text equal to the fragments' texts joined by one
 *      space (brat's rule for discontinuous spans).
 *
 * A failed check (4) is a fault. With `faults: "error"` (the default) the first one is a
 * `BratError` "NAME.ann:LINE: expected …, got …". With `faults: "report"` every fault is
 * listed in `faults` and the annotation is
 *   - repaired when trimming white space at the fragments' ends makes the texts equal
 *     (kind "whitespace": a span that takes in a "\r" or a space), or
 *   - dropped from `entities` otherwise (kinds "mismatch", "past-end", "empty",
 *     "reversed", "fragments"),
 * so a corpus with a few known faults can be used, and the faults are counted, never
 * silently absorbed. Syntax errors (ner/brat_ann.ts) are always errors.
 *
 * Collection5 (SEQLAB_DATA/collection5, 1,000 documents, 26,409 T lines, no other kinds;
 * test/ner-corpora.test.ts): every CRLF document is annotated in the "raw" convention;
 * exactly 2 faults, both "whitespace" — last_60.ann lines 2 and 3 (T2 and T3, the same
 * LOC 83 91 "Токсово", whose span ends on the "\r" of a line end) — repaired to [83, 90).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { readText } from "../datasets/text_file.js";
import { parseAnn, type BratRecord, type BratTextBound } from "./brat_ann.js";
import { BratError } from "./errors.js";
import { OffsetMap, type OffsetConvention } from "./offsets.js";

/** A checked entity mention: a T annotation with UTF-16 offsets into the document's `text`. */
export interface BratEntity {
  id: string;
  type: string;
  /** The fragments as [start, end) UTF-16 indices into `text` (one for a contiguous mention). */
  fragments: Array<{ start: number; end: number }>;
  /** Start of the first fragment. */
  start: number;
  /** End of the last fragment. */
  end: number;
  /** The annotated text (fragments joined by one space). */
  text: string;
  /** 1-based line in the `.ann` file. */
  line: number;
}

/** What went wrong with an annotation (see the file comment). */
export type BratFaultKind = "whitespace" | "mismatch" | "past-end" | "empty" | "reversed" | "fragments";

/** One fault found in `faults: "report"` mode. */
export interface BratFault {
  /** The `.ann` file. */
  file: string;
  line: number;
  id: string;
  kind: BratFaultKind;
  /** The message the error mode would throw. */
  message: string;
  /** "repaired" (kept with trimmed fragments) or "dropped" (not in `entities`). */
  action: "repaired" | "dropped";
}

/** A document read from `NAME.txt` and `NAME.ann`. */
export interface BratDocument {
  /** The file name without extension ("015 (!)"). */
  name: string;
  /** The `.txt` file's text exactly as read (CRLF kept). */
  text: string;
  /** The checked T annotations, in file order (faulty ones repaired or dropped in report mode). */
  entities: BratEntity[];
  /** Every annotation of the `.ann` file as parsed (T fragments in the file's offsets), for the writer. */
  records: BratRecord[];
  /** How the `.ann` counts offsets (ner/offsets.ts). */
  convention: OffsetConvention;
  /** True when the `.ann` file has CRLF line ends. */
  crlf: boolean;
  /** Faults found (report mode; always empty in error mode). */
  faults: BratFault[];
}

/** Options of the BRAT readers. */
export interface BratReadOptions {
  /** "error": the first fault is a BratError; "report": faults are listed, annotations repaired or dropped. Default: "error". */
  faults?: "error" | "report";
  /** The offset convention, or "auto" to detect it per document. Default: "auto". */
  convention?: OffsetConvention | "auto";
}

/**
 * Checks an `.ann` text against its `.txt` text (steps 2–4 of the file comment).
 * @param text - the `.txt` contents.
 * @param ann - the `.ann` contents.
 * @param name - the document name; messages name `${name}.ann`.
 * @param options - faults (default "error"), convention (default "auto").
 * @returns the document.
 * @throws BratError naming `${name}.ann` and the line.
 */
export function parseBrat(text: string, ann: string, name: string, options: BratReadOptions = {}): BratDocument {
  const annFile = `${name}.ann`;
  const { records, crlf } = parseAnn(ann, annFile);
  const mentions = records.filter((r): r is BratTextBound => r.kind === "T");
  const convention = options.convention === undefined || options.convention === "auto" ? detectConvention(text, mentions) : options.convention;
  const map = new OffsetMap(text, convention);
  const entities: BratEntity[] = [];
  const faults: BratFault[] = [];
  for (const t of mentions) {
    const result = checkMention(t, map, annFile);
    if ("entity" in result) {
      entities.push(result.entity);
      continue;
    }
    if (options.faults !== "report") throw new BratError(result.fault.message);
    faults.push(result.fault);
    if (result.repaired !== undefined) entities.push(result.repaired);
  }
  return { name, text, entities, records, convention, crlf, faults };
}

/** Step 3: the convention with more matching T texts ("raw" on a tie, and for texts without CRLF). */
function detectConvention(text: string, mentions: readonly BratTextBound[]): OffsetConvention {
  if (!text.includes("\r\n")) return "raw";
  const matches = (c: OffsetConvention) => {
    const map = new OffsetMap(text, c);
    return mentions.filter((t) => textAt(t, map) === t.text).length;
  };
  return matches("lf") > matches("raw") ? "lf" : "raw";
}

/** The fragments' texts joined by a space, or null when a fragment is invalid. */
function textAt(t: BratTextBound, map: OffsetMap): string | null {
  const parts: string[] = [];
  for (const f of t.fragments) {
    const a = map.toUtf16(f.start);
    const b = map.toUtf16(f.end);
    if (a === null || b === null || a >= b) return null;
    parts.push(map.text.slice(a, b));
  }
  return parts.join(" ");
}

type Checked = { entity: BratEntity } | { fault: BratFault; repaired?: BratEntity };

/** Step 4 for one T annotation. */
function checkMention(t: BratTextBound, map: OffsetMap, annFile: string): Checked {
  const where = `${annFile}:${t.line}`;
  const spans = t.fragments.map((f) => `${f.start} ${f.end}`).join(";");
  const fault = (kind: BratFaultKind, expected: string, got: string, repaired?: BratEntity): Checked => ({
    fault: { file: annFile, line: t.line, id: t.id, kind, message: `${where}: expected ${expected}, got ${got}`, action: repaired === undefined ? "dropped" : "repaired" },
    repaired,
  });
  const fragments: Array<{ start: number; end: number }> = [];
  for (const f of t.fragments) {
    if (f.start > f.end) return fault("reversed", `start ≤ end in ${t.id}'s span`, `${f.start} > ${f.end}`);
    if (f.start === f.end) return fault("empty", `a non-empty span in ${t.id}`, `${f.start} ${f.end}`);
    const a = map.toUtf16(f.start);
    const b = map.toUtf16(f.end);
    if (a === null || b === null) {
      return fault("past-end", `offsets of ${t.id} within the text (${map.length} characters, ${map.convention} convention)`, `${f.start} ${f.end}`);
    }
    const prev = fragments[fragments.length - 1];
    if (prev !== undefined && a < prev.end) return fault("fragments", `${t.id}'s fragments in order without overlap`, spans);
    fragments.push({ start: a, end: b });
  }
  const actual = fragments.map((f) => map.text.slice(f.start, f.end)).join(" ");
  const entity = (fs: Array<{ start: number; end: number }>): BratEntity => ({
    id: t.id,
    type: t.type,
    fragments: fs,
    start: fs[0].start,
    end: fs[fs.length - 1].end,
    text: t.text,
    line: t.line,
  });
  if (actual === t.text) return { entity: entity(fragments) };
  const expected = `the text of ${t.id} [${spans}] (${map.convention} convention) to be the annotated ${JSON.stringify(t.text)}`;
  const got = `${JSON.stringify(actual)} in the .txt file`;
  // A repair: trim white space at each fragment's ends; kept only if the texts then agree.
  const trimmed = fragments.map(({ start, end }) => {
    while (start < end && /\s/u.test(map.text[start])) start++;
    while (end > start && /\s/u.test(map.text[end - 1])) end--;
    return { start, end };
  });
  const ok = trimmed.every((f) => f.start < f.end) && trimmed.map((f) => map.text.slice(f.start, f.end)).join(" ") === t.text;
  return ok ? fault("whitespace", expected, got, entity(trimmed)) : fault("mismatch", expected, got);
}

/**
 * Reads one document from `NAME.txt` and `NAME.ann`.
 * @param file - either file's path, or the path without extension.
 * @param options - faults (default "error"), convention (default "auto").
 * @returns the document; messages name the `.ann` file by its full path.
 * @throws BratError for a missing or unreadable file or any error of {@link parseBrat}.
 */
export function readBratDocument(file: string, options: BratReadOptions = {}): BratDocument {
  const base = /\.(txt|ann)$/.test(file) ? file.slice(0, -4) : file;
  const text = readText(`${base}.txt`, BratError, "BRAT text file");
  const ann = readText(`${base}.ann`, BratError, "BRAT annotation file");
  const doc = parseBrat(text, ann, base, options);
  return { ...doc, name: path.basename(base) };
}

/** A folder of documents and the faults found in it. */
export interface BratCorpus {
  /** The documents, sorted by name (code-unit order). */
  documents: BratDocument[];
  /** Every document's faults, in document order. */
  faults: BratFault[];
}

/**
 * Reads every `NAME.txt` / `NAME.ann` pair of a folder (not its sub-folders).
 * @param dir - the folder.
 * @param options - faults (default "error"), convention (default "auto").
 * @returns the documents sorted by name, and all faults.
 * @throws BratError when the folder cannot be read, when a `.txt` has no `.ann` or the
 *   reverse, or for any error of {@link readBratDocument}.
 */
export function readBratFolder(dir: string, options: BratReadOptions = {}): BratCorpus {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    throw new BratError(`${dir}: expected a readable folder of .txt and .ann files, got ${(e as Error).message}`);
  }
  const txt = new Set(names.filter((n) => n.endsWith(".txt")).map((n) => n.slice(0, -4)));
  const ann = new Set(names.filter((n) => n.endsWith(".ann")).map((n) => n.slice(0, -4)));
  for (const n of txt) if (!ann.has(n)) throw new BratError(`${path.join(dir, `${n}.txt`)}: expected ${n}.ann beside it, got none`);
  for (const n of ann) if (!txt.has(n)) throw new BratError(`${path.join(dir, `${n}.ann`)}: expected ${n}.txt beside it, got none`);
  if (txt.size === 0) throw new BratError(`${dir}: expected NAME.txt and NAME.ann files, got none`);
  const documents = [...txt].sort(compareCodeUnits).map((n) => readBratDocument(path.join(dir, n), options));
  return { documents, faults: documents.flatMap((d) => d.faults) };
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
