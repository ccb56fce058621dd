/**
 * `conlleval.pl`'s input and output: reading an evaluation file (`token … gold predicted`
 * per line, blank lines between sentences) and printing the report in its format, so a
 * user can diff seqlab's numbers against the Perl script's:
 *
 *     processed 51362 tokens with 5942 phrases; found: 5936 phrases; correct: 5331.
 *     accuracy:  97.87%; precision:  89.81%; recall:  89.72%; FB1:  89.76
 *                   LOC: precision:  92.50%; recall:  93.14%; FB1:  92.82  1850
 *
 * (numbers for illustration). Faithful to the script (version 2004-01-26, the one of the
 * CoNLL-2003 site):
 *   1. the last field is the predicted tag, the one before it the gold tag; a blank line or
 *      a line whose first field is `-X-` is a sentence boundary;
 *   2. every other line is a token — a `-DOCSTART- -X- -X- O O` line too (conlleval counts
 *      it, tagged O/O; `docstart: "boundary"` treats it as a boundary instead);
 *   3. every non-blank line has the number of fields of the first one (the script exits
 *      with "unexpected number of features"; here a ConllError with file:line);
 *   4. percentages are 100·c/n in double precision, printed with C's "%6.2f" (round half
 *      to even on the exact binary value — `Number.prototype.toFixed` rounds ties up, so
 *      it is not used), per-type lines with "%17s: " and the type's predicted count;
 *   5. types are sorted as Perl's `sort` sorts strings (code points).
 * Differences, on purpose: fields are split at runs of spaces, tabs and CRs (the script splits
 * at single spaces, so it would read a doubled space as an empty field, and keeps the "\r"
 * of a CRLF line end in the last tag); tags must be O or
 * B-/I-(E-/S-)TYPE (ner/tag_scheme.ts), and IOBES files are mapped to IOB2 before chunking
 * (the script would read E- as IOE's end tag and knows no S-).
 */
import { readText } from "../datasets/text_file.js";
import { ConllError, TagError } from "./errors.js";
import { evaluateNer, type ChunkScores, type EvaluateOptions, type NerEvaluation } from "./evaluate.js";

/** Options of {@link parseConllevalText}. */
export interface ConllevalReadOptions {
  /** A `-DOCSTART-` line is a "token" (conlleval's count) or a sentence "boundary". Default: "token". */
  docstart?: "token" | "boundary";
}

/**
 * Rules 1–3 of the file comment.
 * @param text - an evaluation file's contents.
 * @param source - its name for messages.
 * @param options - docstart (default "token").
 * @returns gold and predicted tags per sentence, and the 1-based line of each token.
 * @throws ConllError "SOURCE:LINE: expected N fields …, got M".
 */
export function parseConllevalText(text: string, source: string, options: ConllevalReadOptions = {}): { gold: string[][]; predicted: string[][]; lines: number[][] } {
  const gold: string[][] = [];
  const predicted: string[][] = [];
  const lines: number[][] = [];
  let columns: number | undefined;
  let open = false;
  const boundary = () => (open = false);
  text.split("\n").forEach((raw, k) => {
    const fields = raw.split(/[ \t\r\f\v]+/).filter((f) => f !== "");
    if (fields.length === 0) return boundary();
    columns ??= fields.length;
    if (fields.length !== columns) throw new ConllError(`${source}:${k + 1}: expected ${columns} fields (as on the first line), got ${fields.length}: ${JSON.stringify(raw)}`);
    if (columns < 2) throw new ConllError(`${source}:${k + 1}: expected at least 2 fields (gold and predicted tag), got ${columns}: ${JSON.stringify(raw)}`);
    if (fields[0] === "-X-" || (fields[0] === "-DOCSTART-" && options.docstart === "boundary")) return boundary();
    if (!open) {
      gold.push([]);
      predicted.push([]);
      lines.push([]);
      open = true;
    }
    gold[gold.length - 1].push(fields[columns - 2]);
    predicted[predicted.length - 1].push(fields[columns - 1]);
    lines[lines.length - 1].push(k + 1);
  });
  return { gold, predicted, lines };
}

/**
 * Scores an evaluation file's text as conlleval does (see the file comment).
 * @param text - the file's contents.
 * @param source - its name for messages.
 * @param options - docstart (default "token"), scheme (default "auto"), strict (default false).
 * @returns the evaluation (ner/evaluate.ts).
 * @throws ConllError naming SOURCE:LINE for a bad field count or a bad tag (and, strict, an invalid transition).
 */
export function conllevalText(text: string, source: string, options: ConllevalReadOptions & Omit<EvaluateOptions, "source"> = {}): NerEvaluation {
  const { gold, predicted, lines } = parseConllevalText(text, source, options);
  try {
    return evaluateNer(gold, predicted, { scheme: options.scheme, strict: options.strict, source });
  } catch (e) {
    if (!(e instanceof TagError)) throw e;
    // evaluateNer names "SOURCE: sentence n, token i (gold)": say the line instead.
    const m = /^(.*?): sentence (\d+), token (\d+) \((gold|predicted)\): (.*)$/s.exec(e.message);
    if (m === null) throw new ConllError(e.message);
    throw new ConllError(`${source}:${lines[Number(m[2])][Number(m[3])]}: ${m[5]} (${m[4]} tag)`);
  }
}

/**
 * Reads and scores an evaluation file (see {@link conllevalText}).
 * @param file - the path.
 * @param options - as {@link conllevalText}.
 * @returns the evaluation.
 */
export function conllevalFile(file: string, options: ConllevalReadOptions & Omit<EvaluateOptions, "source"> = {}): NerEvaluation {
  return conllevalText(readText(file, ConllError, "evaluation file"), file, options);
}

/**
 * conlleval's report (rules 4 and 5 of the file comment), ending with a newline.
 * @param e - an evaluation (ner/evaluate.ts).
 * @returns the report's lines: the counts, the overall line (when there are tokens), one line per type.
 */
export function conllevalReport(e: NerEvaluation): string {
  const pct = (c: number, n: number) => (n > 0 ? (100 * c) / n : 0);
  const fb1 = (p: number, r: number) => (p + r > 0 ? (2 * p * r) / (p + r) : 0);
  let out = `processed ${e.tokens} tokens with ${e.gold} phrases; found: ${e.predicted} phrases; correct: ${e.correct}.\n`;
  if (e.tokens > 0) {
    const p = pct(e.correct, e.predicted);
    const r = pct(e.correct, e.gold);
    out += `accuracy: ${printfFixed(pct(e.correctTags, e.tokens), 6)}%; precision: ${printfFixed(p, 6)}%; recall: ${printfFixed(r, 6)}%; FB1: ${printfFixed(fb1(p, r), 6)}\n`;
  }
  for (const [type, c] of Object.entries(e.perType) as Array<[string, ChunkScores]>) {
    const p = pct(c.correct, c.predicted);
    const r = pct(c.correct, c.gold);
    out += `${type.padStart(17)}: precision: ${printfFixed(p, 6)}%; recall: ${printfFixed(r, 6)}%; FB1: ${printfFixed(fb1(p, r), 6)}  ${c.predicted}\n`;
  }
  return out;
}

/**
 * C's `printf("%W.2f", x)`: x rounded to 2 decimals, ties to even on the exact binary value,
 * padded with spaces on the left to width W.
 * @param x - a finite number.
 * @param width - the minimum width. Default: 0.
 * @returns the text.
 */
export function printfFixed(x: number, width = 0): string {
  if (!Number.isFinite(x)) return (x > 0 ? "inf" : x < 0 ? "-inf" : "nan").padStart(width);
  const negative = x < 0 || Object.is(x, -0);
  // x = mantissa · 2^exponent exactly (IEEE-754 binary64).
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0 ? 1 : biased) - 1075;
  // q = round_half_even(mantissa · 2^exponent · 100).
  const scaled = mantissa * 100n;
  let q: bigint;
  if (exponent >= 0) q = scaled << BigInt(exponent);
  else {
    const shift = BigInt(-exponent);
    q = scaled >> shift;
    const rest = scaled - (q << shift);
    const half = 1n << (shift - 1n);
    if (rest > half || (rest === half && q % 2n === 1n)) q += 1n;
  }
  const digits = `${q / 100n}.${(q % 100n).toString().padStart(2, "0")}`;
  return `${negative ? "-" : ""}${digits}`.padStart(width);
}
