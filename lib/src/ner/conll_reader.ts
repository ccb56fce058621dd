/**
 * Reading CoNLL column files (CoNLL-2000/2002/2003 and every tool that writes them): one
 * token per line, its fields separated by white space, the token first and the tags in
 * some column (CoNLL-2003 English: `token POS chunk NER`); a blank line ends a sentence;
 * a line whose first field is `-DOCSTART-` starts a document (and also ends a sentence).
 *
 * Rules, each a `ConllError` "FILE:LINE: expected …, got …":
 *   0. the file has at least one token line;
 *   1. every token line has the same number of fields: `columns`, else that of the first
 *      token line (`-DOCSTART-` lines are not counted: their field count varies between
 *      copies), at least 2;
 *   2. the tag field is "O" or P-TYPE with a prefix of the file's scheme (ner/tag_scheme.ts);
 *   3. the scheme is declared (`scheme`) or detected over the whole file ("auto"): E-/S-
 *      tags mean IOBES, an I-X at a chunk start IOB1, a B-X at a chunk start IOB2, both
 *      IOB1 and IOB2 evidence an error naming a line of each; no entity at all reads as
 *      IOB2;
 *   4. with `strict`, an invalid transition in that scheme is an error at its line;
 *      otherwise chunks are read with conlleval's rules;
 *   5. the tags are converted to `to` (default IOB2), so the original CoNLL-2003 files
 *      (IOB1: `I-ORG` at every chunk start, `B-` only between two chunks of one type) and
 *      the usual IOB2 copies read the same.
 * Line ends may be LF or CRLF; a UTF-8 byte-order mark is dropped; invalid UTF-8 and NUL
 * bytes are errors with the line and byte offset (datasets/text_file.ts).
 *
 * The copy in SEQLAB_DATA/conll2003 is already IOB2 (detected as such; datasets/README.md),
 * 946 / 216 / 231 documents in train / valid / test (test/ner-corpora.test.ts).
 */
import { readText } from "../datasets/text_file.js";
import { ConllError, TagError } from "./errors.js";
import { detectScheme, spansToTags, tagsToSpans } from "./tag_scheme.js";
import type { NerSentence, TagScheme } from "./types.js";

/** Options of {@link parseConll} and {@link readConllFile}. */
export interface ConllReadOptions {
  /** The tag column, 0-based; negative counts from the end (−1 = last). Default: −1. */
  tagColumn?: number;
  /** The expected number of fields per token line. Default: that of the first token line. */
  columns?: number;
  /** The file's scheme, or "auto" to detect it (rule 3). Default: "auto". */
  scheme?: TagScheme | "auto";
  /** The scheme of the returned tags. Default: "IOB2". */
  to?: TagScheme;
  /** Invalid transitions in the file's scheme are errors (rule 4). Default: false. */
  strict?: boolean;
}

/** A sentence of a CoNLL file. */
export interface ConllSentence extends NerSentence {
  /** [L][C] every field of every token line, as read (tags unconverted). */
  fields: string[][];
  /** The 1-based line of the sentence's first token. */
  line: number;
}

/** A parsed CoNLL file. */
export interface ConllFile {
  sentences: ConllSentence[];
  /** Number of `-DOCSTART-` lines. */
  documents: number;
  /** Fields per token line. */
  columns: number;
  /** The scheme the file's tags were in (declared or detected). */
  scheme: TagScheme;
  /** The scheme of `sentences[i].tags`. */
  to: TagScheme;
}

/**
 * Parses the text of a CoNLL column file (see the file comment for the rules).
 * @param text - the file's contents.
 * @param source - the file name for messages.
 * @param options - tagColumn (−1), columns (first line's), scheme ("auto"), to ("IOB2"), strict (false).
 * @returns the sentences (tokens = field 0, tags converted to `to`) and the file's facts.
 * @throws ConllError "SOURCE:LINE: expected …, got …".
 */
export function parseConll(text: string, source: string, options: ConllReadOptions = {}): ConllFile {
  const to = options.to ?? "IOB2";
  const lines = text.split("\n");
  const sentences: ConllSentence[] = [];
  const lineOf: number[][] = []; // [sentence][token] → 1-based line
  let columns = options.columns;
  let tagColumn = -1;
  let documents = 0;
  let open: { fields: string[][]; lines: number[] } | null = null;
  const close = () => {
    if (open === null) return;
    const doc = documents > 0 ? { doc: `doc${documents}` } : {};
    sentences.push({ tokens: open.fields.map((f) => f[0]), tags: open.fields.map((f) => f[tagColumn]), fields: open.fields, line: open.lines[0], ...doc });
    lineOf.push(open.lines);
    open = null;
  };
  for (let k = 0; k < lines.length; k++) {
    const fields = lines[k].split(/[ \t\r\f\v]+/).filter((f) => f !== "");
    if (fields.length === 0) {
      close();
      continue;
    }
    if (fields[0] === "-DOCSTART-") {
      close();
      documents++;
      continue;
    }
    const lineNo = k + 1;
    if (columns === undefined) {
      columns = fields.length;
      if (columns < 2) throw new ConllError(`${source}:${lineNo}: expected at least 2 fields (a token and a tag), got ${columns}: ${JSON.stringify(lines[k])}`);
    }
    if (tagColumn < 0) tagColumn = resolveTagColumn(options.tagColumn ?? -1, columns, `${source}:${lineNo}`);
    if (fields.length !== columns) throw new ConllError(`${source}:${lineNo}: expected ${columns} fields (as on the first token line), got ${fields.length}: ${JSON.stringify(lines[k])}`);
    open ??= { fields: [], lines: [] };
    open.fields.push(fields);
    open.lines.push(lineNo);
  }
  close();
  if (sentences.length === 0) throw new ConllError(`${source}:${lines.length}: expected at least one token line, got none`);
  const at = (s: number, i: number) => `${source}:${lineOf[s][i]}`;
  const asConll = (e: unknown): never => {
    if (e instanceof TagError) throw new ConllError(e.message);
    throw e;
  };
  let scheme: TagScheme;
  try {
    scheme = options.scheme === undefined || options.scheme === "auto" ? detectScheme(sentences.map((s) => s.tags), at).scheme : options.scheme;
    sentences.forEach((s, si) => {
      const spans = tagsToSpans(s.tags, scheme, { strict: options.strict === true, where: (i) => at(si, i) });
      s.tags = spansToTags(s.tokens.length, spans, to);
    });
  } catch (e) {
    return asConll(e);
  }
  return { sentences, documents, columns: columns!, scheme, to };
}

/** The tag column as a 0-based index; the token column (0) cannot be it. */
function resolveTagColumn(tagColumn: number, columns: number, where: string): number {
  const c = tagColumn < 0 ? columns + tagColumn : tagColumn;
  if (!Number.isInteger(tagColumn) || c < 1 || c >= columns) {
    throw new ConllError(`${where}: expected the tag column in [1, ${columns - 1}] or [−${columns - 1}, −1] (field 0 is the token), got ${tagColumn}`);
  }
  return c;
}

/**
 * Reads a CoNLL column file (see {@link parseConll}).
 * @param file - the path.
 * @param options - as {@link parseConll}.
 * @returns the parsed file.
 * @throws ConllError naming the file (and line) for a missing or unreadable file, bad UTF-8, or any rule.
 */
export function readConllFile(file: string, options: ConllReadOptions = {}): ConllFile {
  return parseConll(readText(file, ConllError, "CoNLL column file"), file, options);
}
