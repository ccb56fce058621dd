/**
 * Writing brat standoff documents: `NAME.txt` (the text, byte for byte) and `NAME.ann`
 * (one line per annotation, ner/brat_ann.ts's grammar).
 *
 * - `formatAnn` writes records as read by `parseAnn`, in their order, with the file's
 *   line ends, so reading a document and writing it back gives the same bytes when the
 *   `.ann` file was in canonical form (single spaces, a line end after every line, no
 *   blank lines): all 1,000 Collection5 documents do (test/ner-corpora.test.ts).
 * - `spansToBrat` makes T records from character spans (a tagger's output): ids T1, T2, …
 *   in span order, offsets converted to the chosen convention (ner/offsets.ts), and a span
 *   that crosses a line break cut into fragments at the break, as brat itself stores such
 *   a mention (its text is then the fragments' texts joined by one space).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ArgumentError } from "../errors.js";
import { formatAnnLine, type BratRecord, type BratTextBound } from "./brat_ann.js";
import { OffsetMap, type OffsetConvention } from "./offsets.js";
import type { CharSpan } from "./types.js";

/**
 * The text of an `.ann` file.
 * @param records - the annotations, written in this order.
 * @param crlf - end lines with "\r\n" instead of "\n". Default: false.
 * @returns one line per record, each ended by the line end ("" for no records).
 */
export function formatAnn(records: readonly BratRecord[], crlf = false): string {
  const eol = crlf ? "\r\n" : "\n";
  return records.map((r) => formatAnnLine(r) + eol).join("");
}

/** Options of {@link spansToBrat}. */
export interface SpansToBratOptions {
  /** The offset convention of the written file. Default: "raw" (brat's own). */
  convention?: OffsetConvention;
  /** The number of the first id (T<firstId>). Default: 1. */
  firstId?: number;
}

/**
 * T records for character spans of a text.
 * @param text - the raw text the spans index (UTF-16, as ner/types.ts).
 * @param spans - [start, end) spans with 0 ≤ start < end ≤ text.length, not splitting a surrogate pair, with a type without white space.
 * @param options - convention (default "raw"), firstId (default 1).
 * @returns one T record per span, in the order given, with line 0 (not read from a file).
 * @throws ArgumentError for a span outside the text, an empty one, one that is only line breaks, or a bad type.
 */
export function spansToBrat(text: string, spans: readonly CharSpan[], options: SpansToBratOptions = {}): BratTextBound[] {
  const map = new OffsetMap(text, options.convention ?? "raw");
  const firstId = options.firstId ?? 1;
  return spans.map((s, k) => {
    const where = `spansToBrat: span ${k}`;
    if (!Number.isInteger(s.start) || !Number.isInteger(s.end) || s.start < 0 || s.end > text.length || s.start >= s.end) {
      throw new ArgumentError(`${where}: expected 0 ≤ start < end ≤ ${text.length}, got [${s.start}, ${s.end})`);
    }
    if (typeof s.type !== "string" || !/^\S+$/u.test(s.type)) throw new ArgumentError(`${where}: expected a type without white space, got ${JSON.stringify(s.type)}`);
    const pieces: Array<{ start: number; end: number }> = [];
    for (const m of text.slice(s.start, s.end).matchAll(/[^\r\n]+/g)) pieces.push({ start: s.start + m.index!, end: s.start + m.index! + m[0].length });
    if (pieces.length === 0) throw new ArgumentError(`${where}: expected some text besides line breaks, got ${JSON.stringify(text.slice(s.start, s.end))}`);
    const fragments = pieces.map((p) => {
      const a = map.fromUtf16(p.start);
      const b = map.fromUtf16(p.end);
      if (a === null || b === null) throw new ArgumentError(`${where}: expected offsets on character boundaries, got [${s.start}, ${s.end}) inside a surrogate pair`);
      return { start: a, end: b };
    });
    return { kind: "T", id: `T${firstId + k}`, type: s.type, fragments, text: pieces.map((p) => text.slice(p.start, p.end)).join(" "), line: 0 };
  });
}

/**
 * Writes `DIR/NAME.txt` and `DIR/NAME.ann` (the folder is created when missing).
 * @param dir - the folder.
 * @param name - the document name: no path separator, not empty; spaces and brackets are fine.
 * @param doc - the text, the records, and crlf (default false) for the `.ann` line ends.
 * @returns the two paths written.
 */
export function writeBratDocument(dir: string, name: string, doc: { text: string; records: readonly BratRecord[]; crlf?: boolean }): { txt: string; ann: string } {
  if (typeof name !== "string" || name === "" || name.includes("/") || name.includes(path.sep) || name === "." || name === "..") {
    throw new ArgumentError(`writeBratDocument: expected a file name without a path separator, got ${JSON.stringify(name)}`);
  }
  fs.mkdirSync(dir, { recursive: true });
  const txt = path.join(dir, `${name}.txt`);
  const ann = path.join(dir, `${name}.ann`);
  fs.writeFileSync(txt, doc.text, "utf8");
  fs.writeFileSync(ann, formatAnn(doc.records, doc.crlf ?? false), "utf8");
  return { txt, ann };
}
