/**
 * Reading ARPA back-off files (Doug Paul's format, as written and read by SRILM, KenLM,
 * IRSTLM; the writer for Kneser-Ney models is lm/arpa_writer.ts):
 *
 *     \data\
 *     ngram 1=<count>
 *     …
 *     \1-grams:
 *     <log10 p(w)>  <w>  [<log10 bow(w)>]
 *     \2-grams:
 *     <log10 p(w2 | w1)>  <w1 w2>  [<log10 bow(w1 w2)>]
 *     …
 *     \end\
 *
 * A back-off model scores p(w | h) as the stored p(hw) if the n-gram hw is listed, else
 * bow(h) · p(w | h') with h' = h without its oldest word (bow(h) = 1 if h is not listed).
 *
 * Reading requires that every listed n-gram's context (its first n − 1 words) is listed
 * one order below, which holds for unpruned SRILM/KenLM models. Reading is strict, so that
 * a damaged file is an `ArpaError` naming file:line rather than a different model:
 * - the file is UTF-8 without NUL bytes (datasets/text_file.ts);
 * - every number is a finite decimal (p = 0 is written −99, as SRILM does; "-inf", "NaN",
 *   "-1e400" are errors), log10 probabilities are ≤ 0;
 * - the counts of \data\ equal the numbers of entries, no n-gram is listed twice, words
 *   contain no white space, and nothing but white space follows \end\.
 */
import { SeqlabError } from "../errors.js";
import { findNul, readText } from "../datasets/text_file.js";
import { IdTable } from "./id_table.js";
import { BOS, EOS, UNK, isSpace } from "./sentence_ids.js";
import type { LanguageModel } from "./perplexity.js";

/** An ARPA file is malformed; the message names file:line and what was expected. */
export class ArpaError extends SeqlabError {}

/** Options of `ArpaLm.parse` / `ArpaLm.read`. */
export interface ArpaReadOptions {
  /**
   * The unknown-word token: the model scores OOV words as it if the file lists it as a
   * unigram; `null` for a closed vocabulary (OOV words are skipped; "<unk>" is then an
   * ordinary word, as in SRILM's `ngram -ppl` without `-unk`). Default: "<unk>".
   */
  unk?: string | null;
}

/** One order of an ARPA model. */
interface ArpaLevel {
  index: IdTable; // parent·|W| + word → node
  log10p: Float64Array; // [size]
  log10bow: Float64Array; // [size], 0 if absent
  size: number;
}

/** A back-off n-gram model read from an ARPA file (see the file comment for the rule). */
export class ArpaLm implements LanguageModel {
  /** The highest order N in the file. */
  readonly order: number;
  /** Id → word (the unigrams in file order). */
  readonly words: string[];
  /** Words the model predicts: the unigrams except <s>. */
  readonly vocabulary: ReadonlySet<string>;
  /** The unknown-word token if the file lists it, else null (closed vocabulary). */
  readonly unk: string | null;
  /** [N + 1] n-gram counts per order (index 0 unused). */
  readonly sizes: number[];
  private readonly ids: Map<string, number>;
  private readonly levels: ArpaLevel[];

  private constructor(words: string[], levels: ArpaLevel[], unk: string | null) {
    this.words = words;
    this.levels = levels;
    this.order = levels.length - 1;
    this.ids = new Map(words.map((w, i) => [w, i]));
    this.vocabulary = new Set(words.filter((w) => w !== BOS));
    this.unk = unk !== null && this.ids.has(unk) ? unk : null;
    this.sizes = levels.map((L) => L.size);
  }

  /** N − 1. */
  get contextLength(): number {
    return this.order - 1;
  }

  /**
   * Reads an ARPA file.
   * @param file - the path.
   * @param options - the unknown-word token.
   */
  static read(file: string, options: ArpaReadOptions = {}): ArpaLm {
    return ArpaLm.parse(readText(file, ArpaError, "ARPA file"), file, options);
  }

  /**
   * Parses ARPA text.
   * @param text - the file's contents.
   * @param source - the name used in error messages. Default: "arpa".
   * @param options - the unknown-word token.
   * @throws ArpaError naming source:line and what was expected.
   */
  static parse(text: string, source = "arpa", options: ArpaReadOptions = {}): ArpaLm {
    if (typeof text !== "string") throw new ArpaError(`${source}: expected ARPA text (a string), got ${text === null ? "null" : typeof text}`);
    const nul = findNul(text);
    if (nul !== null) throw new ArpaError(`${source}:${nul.line}: expected text, got a NUL character at column ${nul.column} (a binary file?)`);
    let pos = 0;
    let lineNo = 0;
    const next = (): string | null => {
      if (pos >= text.length) {
        if (pos === text.length) lineNo++; // errors at the end of the file name the line after the last
        pos++;
        return null;
      }
      let end = text.indexOf("\n", pos);
      if (end < 0) end = text.length;
      const line = text.slice(pos, end).trim();
      pos = end + 1;
      lineNo++;
      return line;
    };
    const fail = (what: string): never => {
      throw new ArpaError(`${source}:${lineNo}: ${what}`);
    };

    // 1. Header: anything before \data\, then "ngram n=count" lines.
    let line = next();
    while (line !== null && line !== "\\data\\") line = next();
    if (line === null) fail("expected a line \\data\\, got end of file");
    const declared: number[] = [0];
    line = next();
    while (line !== null && (line === "" || line.startsWith("ngram "))) {
      if (line !== "") {
        const m = /^ngram\s+(\d+)\s*=\s*(\d+)$/.exec(line);
        if (m === null || Number(m[1]) !== declared.length) fail(`expected 'ngram ${declared.length}=<count>', got '${line}'`);
        // Each entry takes at least 4 characters ("0 w" and a newline): a larger count cannot be right (and must not allocate).
        if (Number(m![2]) > text.length / 4) fail(`expected 'ngram ${declared.length}=<count>' with a count this file can hold (≤ ${Math.floor(text.length / 4)}), got ${m![2]}`);
        declared.push(Number(m![2]));
      }
      line = next();
    }
    const N = declared.length - 1;
    if (N < 1) fail(`expected at least one 'ngram 1=<count>' line after \\data\\, got '${line ?? "end of file"}'`);

    // 2. The sections \1-grams: … \N-grams:.
    const words: string[] = [];
    const ids = new Map<string, number>();
    const levels: ArpaLevel[] = [{ index: new IdTable(16), log10p: new Float64Array(0), log10bow: new Float64Array(1), size: 1 }];
    let W = declared[1];
    let unigramLine = 0;
    const fast: FastState = { words, ids, levels, context: [], parent: [] };
    for (let n = 1; n <= N; n++) {
      while (line === "") line = next();
      if (line !== `\\${n}-grams:`) fail(`expected '\\${n}-grams:', got '${line ?? "end of file"}'`);
      if (n === 1) unigramLine = lineNo;
      const level: ArpaLevel = { index: new IdTable(declared[n] * 2 + 16), log10p: new Float64Array(declared[n]), log10bow: new Float64Array(declared[n]), size: 0 };
      levels.push(level);
      line = next();
      while (line !== null && !line.startsWith("\\")) {
        if (line === "") {
          line = next();
          continue;
        }
        if (fastEntry(line, n, level, declared[n], W, fast)) {
          line = next();
          continue;
        }
        const f = splitFields(line, n);
        if (f.length !== n + 1 && f.length !== n + 2) fail(`expected '<log10 p> <${n} word${n > 1 ? "s" : ""}> [<log10 backoff>]' in the ${n}-grams, got ${f.length} fields`);
        const logp = parseLog(f[0]);
        if (logp === null) fail(`expected a log10 probability ≤ 0, got '${f[0]}'`);
        if (!Number.isFinite(logp)) fail(`expected a finite log10 probability ≤ 0 (−99 for p = 0), got '${f[0]}'`);
        const bow = f.length === n + 2 ? parseLog(f[n + 1], true) : 0;
        if (bow === null) fail(`expected a log10 backoff weight, got '${f[n + 1]}'`);
        if (!Number.isFinite(bow)) fail(`expected a finite log10 backoff weight, got '${f[n + 1]}'`);
        if (level.size >= declared[n]) fail(`expected ${declared[n]} ${n}-grams (from \\data\\), got more`);
        let parent = 0;
        for (let k = 1; k < n; k++) {
          const id = ids.get(f[k]);
          if (id === undefined) fail(`expected the word '${f[k]}' to be listed among the 1-grams`);
          parent = levels[k].index.get(parent * W + id!);
          if (parent < 0) fail(`expected the context '${f.slice(1, k + 1).join(" ")}' of this ${n}-gram to be listed among the ${k}-grams`);
        }
        let w = ids.get(f[n]);
        if (n === 1 && w === undefined) {
          w = words.length;
          words.push(f[1]);
          ids.set(f[1], w);
        }
        if (w === undefined) fail(`expected the word '${f[n]}' to be listed among the 1-grams`);
        const key = parent * W + w!;
        if (level.index.get(key) >= 0) fail(`expected each ${n}-gram once, got '${f.slice(1, n + 1).join(" ")}' again`);
        level.index.set(key, level.size);
        level.log10p[level.size] = logp!;
        level.log10bow[level.size] = bow!;
        level.size++;
        line = next();
      }
      if (level.size !== declared[n]) fail(`expected ${declared[n]} ${n}-grams (from \\data\\), got ${level.size}`);
      if (n === 1) W = words.length;
    }
    while (line === "") line = next();
    if (line !== "\\end\\") fail(`expected '\\end\\' after the ${N}-grams, got '${line ?? "end of file"}'`);
    line = next();
    while (line === "") line = next();
    if (line !== null) fail(`expected nothing after '\\end\\', got '${line.length > 40 ? `${line.slice(0, 37)}...` : line}'`);
    if (!ids.has(EOS)) throw new ArpaError(`${source}:${unigramLine}: expected the 1-gram ${EOS} in this section, got none`);
    return new ArpaLm(words, levels, options.unk === undefined ? UNK : options.unk);
  }

  /** Id of a word, mapped to the unknown-word token if not listed; −1 if neither. */
  private toId(word: string): number {
    const id = this.ids.get(word);
    if (id !== undefined) return id;
    return this.unk === null ? -1 : this.ids.get(this.unk)!;
  }

  /**
   * log10 p(w | h) by the back-off rule on word ids.
   * @param word - the predicted word's id.
   * @param context - [m] preceding ids, oldest first; −1 (unknown) cuts the context.
   * @returns the log10 probability; −Infinity for an id outside the vocabulary.
   */
  log10ProbIds(word: number, context: ArrayLike<number>): number {
    if (word < 0) return -Infinity;
    const W = this.words.length;
    let start = Math.max(0, context.length - (this.order - 1));
    for (let i = start; i < context.length; i++) if (context[i] < 0) start = i + 1;
    let backoff = 0;
    for (let k = context.length - start; k >= 0; k--) {
      let h = 0;
      for (let i = context.length - k; i < context.length && h >= 0; i++) h = this.levels[i - (context.length - k) + 1].index.get(h * W + context[i]);
      if (h < 0) continue; // context not listed: bow = 1
      const hw = this.levels[k + 1].index.get(h * W + word);
      if (hw >= 0) return backoff + this.levels[k + 1].log10p[hw];
      backoff += this.levels[k].log10bow[h];
    }
    return -Infinity; // unreachable for listed words
  }

  /** log10 p(word | context); the context is oldest first and starts with "<s>" at a sentence start. */
  log10Prob(word: string, context: readonly string[]): number {
    return this.log10ProbIds(
      this.toId(word),
      context.map((w) => this.toId(w)),
    );
  }

  /** ln p(word | context). */
  logProb(word: string, context: readonly string[]): number {
    return this.log10Prob(word, context) * Math.LN10;
  }

  /** p(word | context). */
  prob(word: string, context: readonly string[]): number {
    return Math.pow(10, this.log10Prob(word, context));
  }
}

/** What `fastEntry` reads and updates: the vocabulary, the levels, and each level's last context. */
interface FastState {
  words: string[];
  ids: Map<string, number>;
  levels: ArpaLevel[];
  /** Per level n: the last line's first n − 1 words as written, and their node at level n − 1. */
  context: string[];
  parent: number[];
}

/**
 * The common line "p<TAB>w1 w2 … wn[<TAB>bow]" (single spaces, decimal numbers, p ≤ 0, known
 * words, a listed context, a new n-gram) without splitting or regular expressions; the
 * context's node is reused when the line's first n − 1 words are those of the line before.
 * Anything else — or anything wrong — returns false before changing anything, and the
 * general path below reads the line (and reports the error with its message).
 * @returns true if the entry was added.
 */
function fastEntry(line: string, n: number, level: ArpaLevel, declared: number, W: number, s: FastState): boolean {
  const end = line.length;
  const t1 = line.indexOf("\t");
  if (t1 <= 0) return false;
  const logp = decimalAt(line, 0, t1);
  if (!(logp <= 0) || logp === -Infinity) return false;
  const t2 = line.indexOf("\t", t1 + 1);
  const wordsEnd = t2 < 0 ? end : t2;
  let bow = 0;
  if (t2 >= 0) {
    if (line.indexOf("\t", t2 + 1) >= 0) return false;
    bow = decimalAt(line, t2 + 1, end);
    if (!Number.isFinite(bow)) return false;
  }
  // n words separated by single spaces, nothing else that is white space.
  let lastSpace = t1;
  let count = 1;
  for (let i = t1 + 1; i < wordsEnd; i++) {
    const c = line.charCodeAt(i);
    if (c === 32) {
      if (i === lastSpace + 1) return false;
      lastSpace = i;
      count++;
    } else if (c < 33 || (c >= 0x7f && isSpace(c))) return false;
  }
  if (count !== n || wordsEnd === lastSpace + 1) return false;
  if (level.size >= declared) return false;
  let parent = 0;
  if (n > 1) {
    const context = line.slice(t1 + 1, lastSpace);
    if (context === s.context[n]) parent = s.parent[n];
    else {
      for (let k = 1, from = t1 + 1; k < n; k++) {
        const to = line.indexOf(" ", from);
        const id = s.ids.get(line.slice(from, to));
        if (id === undefined) return false;
        parent = s.levels[k].index.get(parent * W + id);
        if (parent < 0) return false;
        from = to + 1;
      }
      s.context[n] = context;
      s.parent[n] = parent;
    }
  }
  const word = line.slice(lastSpace + 1, wordsEnd);
  let w = s.ids.get(word);
  if (n === 1) {
    if (w !== undefined) return false; // listed twice
    w = s.words.length;
    s.words.push(word);
    s.ids.set(word, w);
  } else if (w === undefined) return false;
  if (level.index.insert(parent * W + w, level.size) >= 0) return false; // listed twice (n ≥ 2; a new unigram is new)
  level.log10p[level.size] = logp;
  level.log10bow[level.size] = bow;
  level.size++;
  return true;
}

/** Number(text[from, to)) if it is a decimal as DECIMAL matches, else NaN. */
function decimalAt(text: string, from: number, to: number): number {
  let i = from;
  let c = text.charCodeAt(i);
  if (c === 43 || c === 45) c = text.charCodeAt(++i); // + -
  let digits = 0;
  while (i < to && c >= 48 && c <= 57) {
    digits++;
    c = text.charCodeAt(++i);
  }
  if (i < to && c === 46) {
    c = text.charCodeAt(++i);
    let fraction = 0;
    while (i < to && c >= 48 && c <= 57) {
      fraction++;
      c = text.charCodeAt(++i);
    }
    if (digits + fraction === 0) return NaN;
  } else if (digits === 0) return NaN;
  if (i < to && (c === 101 || c === 69)) {
    c = text.charCodeAt(++i);
    if (i < to && (c === 43 || c === 45)) c = text.charCodeAt(++i);
    let exponent = 0;
    while (i < to && c >= 48 && c <= 57) {
      exponent++;
      c = text.charCodeAt(++i);
    }
    if (exponent === 0) return NaN;
  }
  return i === to ? Number(text.slice(from, to)) : NaN;
}

/**
 * The fields of an n-gram line: log10 p, the n words, and the backoff if present. Fast path
 * for the usual "p<TAB>w1 w2 …[<TAB>bow]"; any other whitespace goes through a regex split.
 */
function splitFields(line: string, n: number): string[] {
  if (!OTHER_SPACE.test(line)) {
    const parts = line.split("\t");
    if ((parts.length === 2 || parts.length === 3) && !parts[0].includes(" ") && (parts.length === 2 || !parts[2].includes(" "))) {
      const words = parts[1].split(" ");
      if (words.length === n && !words.includes("")) return parts.length === 2 ? [parts[0], ...words] : [parts[0], ...words, parts[2]];
    }
  }
  return line.split(/\s+/); // the white space of readSentences, so no word of the file holds any
}

/** White space other than tab and space (CR, form feed, NBSP, …): the fast path of `splitFields` does not split on it. */
const OTHER_SPACE = /[^\S\t ]/;

/** A decimal number: optional sign, digits with an optional point, optional exponent (no hex, no "Infinity"). */
const DECIMAL = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * A log10 number of an ARPA file. Non-finite values ("-inf", "-Infinity", "NaN", "-1e400")
 * come back as ±Infinity / NaN for the caller to report; null if malformed or (for probabilities) > 0.
 */
function parseLog(field: string, allowPositive = false): number | null {
  let x: number;
  if (DECIMAL.test(field)) x = Number(field);
  else if (/^[-+]?(inf(inity)?|nan)$/i.test(field)) x = /nan/i.test(field) ? NaN : field.startsWith("-") ? -Infinity : Infinity;
  else return null;
  if (!allowPositive && x > 0) return null;
  return x;
}
