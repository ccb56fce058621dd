/**
 * Offset conventions of standoff annotation, and the map from a file's offsets to string
 * indices of the text as read.
 *
 * Two questions decide what "offset 111" means in an `.ann` file:
 *   1. Units. brat (a Python program) counts Unicode code points; JavaScript strings index
 *      UTF-16 code units. They differ after any character above U+FFFF (an emoji, a rare
 *      CJK ideograph), which takes two code units.
 *   2. Line ends. A `.txt` file with CRLF line ends can be annotated on the raw text, where
 *      "\r\n" is two characters ("raw"; brat reads files without newline translation), or on
 *      the text with every "\r\n" turned into "\n", where it is one ("lf"; what a tool that
 *      opens files in text mode with universal newlines sees). A file without CRLF reads
 *      the same either way.
 *
 * Collection5 (checked on all 1,000 documents, ner/brat_reader.ts detects it per document):
 * its 999 CRLF documents are annotated on the raw text — 26,407 of 26,409 spans match
 * `text.slice(start, end)` of the raw text, while on the LF text only the 1,690 spans that
 * lie before the first line break match; the 2 others (last_60.ann T2, T3) end one
 * character late, on the "\r", in both conventions. The 1,000th document (088) has no line
 * break at all. No document has a character above U+FFFF.
 *
 * `OffsetMap` converts in both directions between the file's convention (code points of the
 * raw or the LF text) and UTF-16 indices into the raw text, the `text` every reader returns.
 */

/** How a standoff file counts: code points of the raw text ("raw") or of the text with CRLF → LF ("lf"). */
export type OffsetConvention = "raw" | "lf";

/** Converts between a file's offsets and UTF-16 indices of the raw text (see the file comment). */
export class OffsetMap {
  /** Largest valid file offset: the text's length in the convention's units. */
  readonly length: number;
  /** fileToUtf16[k] for k in [0, length], when the map is not the identity. */
  private readonly table: Int32Array | null;
  private readonly inverse: Map<number, number> | null;

  /**
   * @param text - the raw text (as read from the `.txt` file, CRLF kept).
   * @param convention - the file's convention.
   */
  constructor(
    readonly text: string,
    readonly convention: OffsetConvention,
  ) {
    const crlf = convention === "lf" && text.includes("\r\n");
    const astral = /[\uD800-\uDBFF][\uDC00-\uDFFF]/.test(text);
    if (!crlf && !astral) {
      this.length = text.length;
      this.table = null;
      this.inverse = null;
      return;
    }
    // Walk the raw text once: each file unit (a code point; "\r\n" counts as one in "lf") maps to its first UTF-16 index.
    const starts: number[] = [];
    for (let i = 0; i < text.length; ) {
      starts.push(i);
      const c = text.charCodeAt(i);
      if (crlf && c === 0x0d && text.charCodeAt(i + 1) === 0x0a) i += 2;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i += 2;
      else i += 1;
    }
    starts.push(text.length);
    this.table = Int32Array.from(starts);
    this.length = starts.length - 1;
    this.inverse = new Map(starts.map((u, k) => [u, k]));
  }

  /**
   * A file offset as a UTF-16 index of the raw text.
   * @param offset - an integer in [0, length].
   * @returns the index, or null when the offset is past the end.
   */
  toUtf16(offset: number): number | null {
    if (!Number.isInteger(offset) || offset < 0 || offset > this.length) return null;
    return this.table === null ? offset : this.table[offset];
  }

  /**
   * A UTF-16 index of the raw text as a file offset (the inverse of {@link toUtf16}).
   * @param index - an index in [0, text.length] that is a unit boundary (not inside a surrogate pair, nor between "\r" and "\n" in "lf").
   * @returns the offset, or null when the index is not a boundary of the convention's units.
   */
  fromUtf16(index: number): number | null {
    if (!Number.isInteger(index) || index < 0 || index > this.text.length) return null;
    return this.inverse === null ? index : (this.inverse.get(index) ?? null);
  }
}
