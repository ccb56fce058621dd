/**
 * Writing CoNLL column files: one token per line, fields separated by one space, a blank
 * line after each sentence — what ner/conll_reader.ts, `conlleval.pl` and
 * ner/conlleval.ts read.
 *
 * For scoring, `formatConllEval` writes `token gold predicted` per line, the layout
 * conlleval expects (the last two fields are the gold and the predicted tag). Sentence
 * boundaries are blank lines, so chunks never run across sentences. No `-DOCSTART-` line
 * is written unless asked: conlleval counts such a line as a token (tagged O, O), which
 * changes the token accuracy.
 *
 * A field cannot hold white space (it would split into two fields) and cannot be empty:
 * both are `ArgumentError`s naming the sentence, token and column.
 */
import { ArgumentError } from "../errors.js";
import type { NerSentence } from "./types.js";

/** One sentence to write: its columns, each with one field per token. */
export interface ConllRows {
  /** [C][L]: e.g. [tokens, tags] or [tokens, POS, chunk, NER]. */
  columns: ReadonlyArray<readonly string[]>;
  /** Its document; with `docstart`, a `-DOCSTART-` line is written where the document changes. */
  doc?: string;
}

/** Options of {@link formatConll}. */
export interface ConllWriteOptions {
  /** Write a `-DOCSTART-` line (and a blank line) before each new document. Default: false. */
  docstart?: boolean;
  /** How many last columns are tags: a `-DOCSTART-` line has "O" there and "-X-" in the other columns. Default: 1. */
  tagColumns?: number;
}

/**
 * The text of a CoNLL column file.
 * @param sentences - the sentences, each [C][L] with the same C throughout.
 * @param options - docstart (default false), tagColumns (default 1).
 * @returns the file's text: token lines, a blank line after each sentence.
 * @throws ArgumentError for a column of the wrong length, a different C, or a field with white space or empty.
 */
export function formatConll(sentences: Iterable<ConllRows>, options: ConllWriteOptions = {}): string {
  const out: string[] = [];
  let C: number | undefined;
  let doc: string | undefined;
  let s = 0;
  for (const { columns, doc: d } of sentences) {
    C ??= columns.length;
    if (columns.length !== C || C < 1) throw new ArgumentError(`formatConll: sentence ${s}: expected ${C} columns (as sentence 0), got ${columns.length}`);
    const L = columns[0].length;
    columns.forEach((col, c) => {
      if (col.length !== L) throw new ArgumentError(`formatConll: sentence ${s}: expected column ${c} to have ${L} fields (one per token), got ${col.length}`);
      col.forEach((f, i) => {
        if (typeof f !== "string" || f === "" || /\s/u.test(f)) {
          throw new ArgumentError(`formatConll: sentence ${s}, token ${i}, column ${c}: expected a non-empty field without white space, got ${JSON.stringify(f)}`);
        }
      });
    });
    if (options.docstart === true && d !== doc) {
      const tags = Math.min(options.tagColumns ?? 1, C - 1);
      const fields = ["-DOCSTART-", ...new Array<string>(C - 1 - tags).fill("-X-"), ...new Array<string>(tags).fill("O")];
      out.push(fields.join(" "), "");
      doc = d;
    }
    for (let i = 0; i < L; i++) out.push(columns.map((col) => col[i]).join(" "));
    out.push("");
    s++;
  }
  return out.length === 0 ? "" : out.join("\n") + "\n";
}

/**
 * `token gold predicted` lines for conlleval (see the file comment).
 * @param sentences - the gold sentences (tokens and tags).
 * @param predicted - [N][L] the predicted tags, one array per sentence.
 * @returns the file's text.
 * @throws ArgumentError when the counts of sentences or tags differ.
 */
export function formatConllEval(sentences: readonly NerSentence[], predicted: ReadonlyArray<readonly string[]>): string {
  if (predicted.length !== sentences.length) throw new ArgumentError(`formatConllEval: expected ${sentences.length} predicted tag sequences (one per sentence), got ${predicted.length}`);
  return formatConll(sentences.map((s, i) => ({ columns: [s.tokens, s.tags, predicted[i]] })));
}
