/**
 * `Vocab`: the word ↔ id table of a language model, with four special tokens at fixed ids.
 *
 * | id | token   | meaning                                                        |
 * | -: | ------- | -------------------------------------------------------------- |
 * |  0 | `<PAD>` | padding of per-sentence batches (masked out, never predicted)  |
 * |  1 | `<UNK>` | any word not in the vocabulary                                 |
 * |  2 | `<SOS>` | start of sentence (first input of a per-sentence batch)        |
 * |  3 | `<EOS>` | end of sentence (last target; stands for PTB's line end)       |
 *
 * Ordinary words follow from id 4 in a deterministic order:
 *   1. by training count, most frequent first;
 *   2. ties by the token string in code-unit order (`a < b`, as `Array.prototype.sort`
 *      compares strings), so the ids do not depend on the order of the corpus.
 *
 * The lecture's first `<UNK>` strategy lives here: words seen fewer than `minCount` times,
 * and words beyond the `maxSize` most frequent, are left out and encode to `<UNK>`
 * (the second strategy, word dropout at training time, is in data/unk.ts).
 *
 * Corpora that already contain an unknown-word token (PTB writes `<unk>`) are respected:
 * the strings in `unkAliases` (default `["<unk>"]`) are never vocabulary entries and
 * encode to `<UNK>` (id 1). Likewise the four special strings themselves encode to their
 * ids and are not counted as words.
 *
 * Saved as JSON: `{"format": "seqlab-vocab", "version": 1, "tokens": [...], "counts": [...],
 * "unkAliases": [...]}` with `tokens[id]` the token of each id (the first four = the specials).
 * Loading is strict, so that an edited or damaged file cannot silently move a word to
 * another id (and so to another row of a model's embedding): the file is UTF-8 JSON
 * without duplicate keys, the specials have count 0, and the words follow the order rule
 * above (count descending, then token), which every `fromSentences` vocabulary satisfies.
 *
 * Reference: Mikolov et al. 2010, "Recurrent neural network based language model"
 * (rare words merged into one class); Jurafsky & Martin, SLP 3rd ed., §3.3.1 (<UNK>).
 */
import * as fs from "node:fs";
import { ArgumentError, SeqlabError } from "../errors.js";
import { readText } from "../datasets/text_file.js";

/** Id of `<PAD>`. */
export const PAD_ID = 0;
/** Id of `<UNK>`. */
export const UNK_ID = 1;
/** Id of `<SOS>`. */
export const SOS_ID = 2;
/** Id of `<EOS>`. */
export const EOS_ID = 3;
/** The special tokens in id order: `SPECIAL_TOKENS[PAD_ID] === "<PAD>"`, etc. */
export const SPECIAL_TOKENS = ["<PAD>", "<UNK>", "<SOS>", "<EOS>"] as const;
/** The unknown-word token string. */
export const UNK_TOKEN = "<UNK>";

/** A vocabulary file is not valid JSON or not a seqlab vocabulary. */
export class VocabFileError extends SeqlabError {}

/** Options of {@link Vocab.fromSentences} and {@link Vocab.fromTokens}. */
export interface VocabOptions {
  /** Keep a word only if it occurs at least this often. Default: 1 (keep all). */
  minCount?: number;
  /** Largest vocabulary size, INCLUDING the 4 special tokens (so at most maxSize − 4 words). Default: unlimited. */
  maxSize?: number;
  /** Corpus strings that mean "unknown word": encode to `<UNK>`, never counted. Default: `["<unk>"]` (PTB). */
  unkAliases?: readonly string[];
}

/** The JSON form of a vocabulary (see the file comment). */
export interface VocabJson {
  format: "seqlab-vocab";
  version: 1;
  /** tokens[id]; the first four are `SPECIAL_TOKENS`. */
  tokens: string[];
  /** counts[id] in the building corpus (0 for the specials). */
  counts: number[];
  unkAliases: string[];
}

/** A word ↔ id table with `<PAD>`, `<UNK>`, `<SOS>`, `<EOS>` at ids 0..3. Immutable. */
export class Vocab {
  private readonly ids: Map<string, number>;

  /**
   * Prefer {@link Vocab.fromSentences}, {@link Vocab.fromTokens} or {@link Vocab.load}.
   * @param tokens - tokens[id]; must start with `SPECIAL_TOKENS`, no duplicates.
   * @param counts - counts[id] (same length), default all 0.
   * @param unkAliases - strings encoded to `<UNK>`. Default `["<unk>"]`.
   */
  constructor(
    readonly tokens: readonly string[],
    readonly counts: readonly number[] = new Array<number>(tokens.length).fill(0),
    readonly unkAliases: readonly string[] = ["<unk>"],
  ) {
    for (let i = 0; i < SPECIAL_TOKENS.length; i++) {
      if (tokens[i] !== SPECIAL_TOKENS[i]) {
        throw new ArgumentError(`Vocab: expected tokens[${i}] = "${SPECIAL_TOKENS[i]}", got ${JSON.stringify(tokens[i])}`);
      }
    }
    if (counts.length !== tokens.length) {
      throw new ArgumentError(`Vocab: expected ${tokens.length} counts (one per token), got ${counts.length}`);
    }
    this.ids = new Map();
    tokens.forEach((t, i) => {
      if (this.ids.has(t)) throw new ArgumentError(`Vocab: expected distinct tokens, got "${t}" at ids ${this.ids.get(t)} and ${i}`);
      if (unkAliases.includes(t)) throw new ArgumentError(`Vocab: expected no unk alias among the tokens, got "${t}" at id ${i}`);
      this.ids.set(t, i);
    });
    for (const a of unkAliases) this.ids.set(a, UNK_ID);
  }

  /**
   * Builds a vocabulary from tokenized sentences (see the file comment for order and UNK rules).
   * @param sentences - the training corpus, one token array per sentence.
   * @param options - minCount (default 1), maxSize (default unlimited), unkAliases (default ["<unk>"]).
   * @returns the vocabulary.
   * @throws ArgumentError naming the argument ("minCount: …", "maxSize: …", "sentences: …") when an
   *   option is invalid or the vocabulary would hold no word besides the special tokens.
   */
  static fromSentences(sentences: Iterable<readonly string[]>, options: VocabOptions = {}): Vocab {
    return Vocab.build(flatten(sentences), options, "sentences");
  }

  /**
   * Builds a vocabulary from a token stream (see {@link Vocab.fromSentences}).
   * @param tokens - the training tokens.
   * @param options - minCount, maxSize, unkAliases.
   * @returns the vocabulary.
   */
  static fromTokens(tokens: Iterable<string>, options: VocabOptions = {}): Vocab {
    return Vocab.build(tokens, options, "tokens");
  }

  /** `fromTokens`, with the name of the caller's corpus argument for messages. */
  private static build(tokens: Iterable<string>, options: VocabOptions, argument: "tokens" | "sentences"): Vocab {
    const minCount = options.minCount ?? 1;
    const maxSize = options.maxSize ?? Infinity;
    const unkAliases = options.unkAliases ?? ["<unk>"];
    if (!Number.isInteger(minCount) || minCount < 1) {
      throw new ArgumentError(`minCount: expected an integer ≥ 1, got ${minCount}`);
    }
    if (maxSize !== Infinity && (!Number.isInteger(maxSize) || maxSize <= SPECIAL_TOKENS.length)) {
      throw new ArgumentError(
        `maxSize: expected an integer ≥ ${SPECIAL_TOKENS.length + 1} (the ${SPECIAL_TOKENS.length} special tokens and at least one word), got ${maxSize}`,
      );
    }
    if (!Array.isArray(unkAliases) || !unkAliases.every((a) => typeof a === "string")) {
      throw new ArgumentError(`unkAliases: expected an array of strings, got ${describe(unkAliases)}`);
    }
    if (tokens === null || typeof (tokens as Partial<Iterable<unknown>>)?.[Symbol.iterator] !== "function") {
      throw new ArgumentError(`tokens: expected an iterable of strings, got ${tokens === null ? "null" : typeof tokens}`);
    }
    const skip = new Set<string>([...SPECIAL_TOKENS, ...unkAliases]);
    const counts = new Map<string, number>();
    let total = 0;
    for (const t of tokens) {
      if (typeof t !== "string") throw new ArgumentError(`${argument}: expected string tokens, got ${describe(t)} after ${total} tokens`);
      total++;
      if (skip.has(t)) continue;
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    // 1. drop rare words; 2. sort by count desc, then token asc; 3. cut at maxSize.
    const kept = [...counts.entries()].filter(([, c]) => c >= minCount);
    if (kept.length === 0) {
      // Only the special tokens would be left: an LM over them predicts <UNK> and <EOS> and reports a meaningless perplexity.
      if (counts.size === 0) {
        throw new ArgumentError(
          `${argument}: expected at least one word besides the special tokens${unkAliases.length > 0 ? ` and ${unkAliases.join(", ")}` : ""}, got none in ${total} tokens`,
        );
      }
      let top = 0;
      for (const c of counts.values()) top = Math.max(top, c);
      throw new ArgumentError(
        `minCount: expected at most ${top} (the count of the most frequent of the ${counts.size} word types), got ${minCount}, which leaves no word in the vocabulary`,
      );
    }
    const words = kept.sort(compareEntries).slice(0, Math.max(0, maxSize - SPECIAL_TOKENS.length));
    return new Vocab(
      [...SPECIAL_TOKENS, ...words.map(([w]) => w)],
      [...SPECIAL_TOKENS.map(() => 0), ...words.map(([, c]) => c)],
      unkAliases,
    );
  }

  /** Number of ids (special tokens included) = the softmax size of an LM over this vocabulary. */
  get size(): number {
    return this.tokens.length;
  }

  /** True if `token` has its own id (specials included; unk aliases and unknown words: false). */
  has(token: string): boolean {
    const id = this.ids.get(token);
    return id !== undefined && (id !== UNK_ID || token === UNK_TOKEN);
  }

  /** The id of `token`: its own id, or `UNK_ID` (1) for an unknown word or an unk alias. */
  idOf(token: string): number {
    return this.ids.get(token) ?? UNK_ID;
  }

  /** The token of `id` (an integer in [0, size)). */
  tokenOf(id: number): string {
    const t = this.tokens[id];
    if (t === undefined || !Number.isInteger(id)) {
      throw new ArgumentError(`Vocab.tokenOf: expected an integer id in [0, ${this.size}), got ${id}`);
    }
    return t;
  }

  /**
   * Token strings → ids.
   * @param tokens - [n] tokens.
   * @returns int32 [n] ids, unknown words → `UNK_ID`.
   */
  encode(tokens: readonly string[]): Int32Array {
    const out = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) out[i] = this.idOf(tokens[i]);
    return out;
  }

  /**
   * Ids → token strings (`<UNK>` for `UNK_ID`; the original word of an UNK is lost).
   * @param ids - [n] ids in [0, size).
   * @returns [n] tokens.
   */
  decode(ids: ArrayLike<number>): string[] {
    const out = new Array<string>(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = this.tokenOf(ids[i]);
    return out;
  }

  /** Replaces out-of-vocabulary words (and unk aliases) by `"<UNK>"`: the lecture's build-time strategy, as strings. */
  unkify(tokens: readonly string[]): string[] {
    return tokens.map((t) => (this.has(t) ? t : UNK_TOKEN));
  }

  /**
   * The fraction of tokens that encode to `<UNK>` (unknown words and unk aliases, e.g. PTB's
   * `<unk>`, count as UNK; a literal `"<UNK>"` too).
   * @param tokens - the tokens (flatten sentences first).
   * @returns #UNK / #tokens, or 0 for no tokens.
   */
  unkRate(tokens: Iterable<string>): number {
    let n = 0;
    let unk = 0;
    for (const t of tokens) {
      n++;
      if (this.idOf(t) === UNK_ID) unk++;
    }
    return n === 0 ? 0 : unk / n;
  }

  /** The JSON form (see the file comment). */
  toJSON(): VocabJson {
    return { format: "seqlab-vocab", version: 1, tokens: [...this.tokens], counts: [...this.counts], unkAliases: [...this.unkAliases] };
  }

  /** Writes the JSON form to `path` (UTF-8). */
  save(path: string): void {
    fs.writeFileSync(path, JSON.stringify(this.toJSON()) + "\n", "utf8");
  }

  /**
   * Reads a vocabulary written by {@link Vocab.save}.
   * @param path - the file.
   * @returns the vocabulary.
   * @throws VocabFileError if the file is missing, not JSON or not a seqlab vocabulary (the message names the file and the field).
   */
  static load(path: string): Vocab {
    return Vocab.parse(readText(path, VocabFileError, "vocabulary file"), path);
  }

  /**
   * Parses the JSON text of a vocabulary file (see {@link Vocab.load}).
   * @param text - the file's contents.
   * @param source - a name for error messages (a file path). Default: "vocab JSON".
   * @returns the vocabulary.
   * @throws VocabFileError naming source:line (JSON syntax, duplicate keys) or the field.
   */
  static parse(text: string, source = "vocab JSON"): Vocab {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      const message = (e as Error).message;
      const at = /at position (\d+)/.exec(message);
      const where = `:${lineOf(text, at === null ? text.length : Number(at[1]))}`; // no position: the end of the input
      throw new VocabFileError(`${source}${where}: expected JSON, got a parse error: ${message}`);
    }
    // JSON.parse keeps the last of two equal keys: a file with "tokens" twice would load one of them silently.
    const dup = duplicateKey(text);
    if (dup !== null) throw new VocabFileError(`${source}:${lineOf(text, dup.offset)}: expected each key once, got "${dup.key}" twice`);
    return Vocab.fromJSON(json, source);
  }

  /**
   * Checks and converts a parsed JSON value (see {@link VocabJson}).
   * @param json - the parsed value.
   * @param source - a name for error messages (a file path). Default: "vocab JSON".
   * @returns the vocabulary.
   */
  static fromJSON(json: unknown, source = "vocab JSON"): Vocab {
    const failWith = (what: string, got: string): never => {
      throw new VocabFileError(`${source}: expected ${what}, got ${got}`);
    };
    const fail = (what: string, got: unknown): never => failWith(what, describe(got));
    if (typeof json !== "object" || json === null || Array.isArray(json)) fail("an object", json);
    const o = json as Record<string, unknown>;
    if (o.format !== "seqlab-vocab") fail(`"format": "seqlab-vocab"`, o.format);
    if (o.version !== 1) fail(`"version": 1`, o.version);
    const { tokens, counts, unkAliases } = o;
    if (!Array.isArray(tokens)) fail(`"tokens" to be an array of strings`, tokens);
    if (!Array.isArray(counts)) fail(`"counts" to be an array of numbers`, counts);
    if (!Array.isArray(unkAliases)) fail(`"unkAliases" to be an array of strings`, unkAliases);
    const ts = tokens as unknown[];
    const cs = counts as unknown[];
    ts.forEach((t, i) => typeof t !== "string" && fail(`tokens[${i}] to be a string`, t));
    cs.forEach((c, i) => !(Number.isInteger(c) && (c as number) >= 0) && fail(`counts[${i}] to be an integer ≥ 0`, c));
    (unkAliases as unknown[]).forEach((a, i) => typeof a !== "string" && fail(`unkAliases[${i}] to be a string`, a));
    if (cs.length !== ts.length) fail(`${ts.length} counts (one per token)`, cs.length);
    SPECIAL_TOKENS.forEach((s, i) => ts[i] !== s && fail(`tokens[${i}] = "${s}"`, ts[i]));
    SPECIAL_TOKENS.forEach((s, i) => cs[i] !== 0 && fail(`counts[${i}] = 0 (the count of ${s})`, cs[i]));
    const seen = new Map<string, number>();
    for (let i = 0; i < ts.length; i++) {
      const first = seen.get(ts[i] as string);
      if (first !== undefined) failWith("distinct tokens", `${describe(ts[i])} at ids ${first} and ${i}`);
      seen.set(ts[i] as string, i);
    }
    for (let i = SPECIAL_TOKENS.length; i < ts.length; i++) {
      if ((ts[i] as string).length === 0) fail(`tokens[${i}] to be a non-empty string`, ts[i]);
      if (i > SPECIAL_TOKENS.length && compareEntries([ts[i - 1] as string, cs[i - 1] as number], [ts[i] as string, cs[i] as number]) >= 0) {
        failWith(
          `tokens in the order of Vocab.fromSentences (count descending, then token) at id ${i}`,
          `${describe(ts[i - 1])} (count ${cs[i - 1]}) before ${describe(ts[i])} (count ${cs[i]})`,
        );
      }
    }
    try {
      return new Vocab(ts as string[], cs as number[], unkAliases as string[]);
    } catch (e) {
      throw new VocabFileError(`${source}: ${(e as Error).message}`);
    }
  }
}

/** The vocabulary order: count descending, then token in code-unit order. */
function compareEntries(a: readonly [string, number], b: readonly [string, number]): number {
  return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

function* flatten(sentences: Iterable<readonly string[]>): Iterable<string> {
  if (sentences === null || typeof (sentences as Partial<Iterable<unknown>>)?.[Symbol.iterator] !== "function") {
    throw new ArgumentError(`sentences: expected an iterable of token arrays, got ${sentences === null ? "null" : typeof sentences}`);
  }
  let i = 0;
  for (const s of sentences) {
    if (!Array.isArray(s)) throw new ArgumentError(`sentences[${i}]: expected an array of tokens, got ${describe(s)}`);
    yield* s;
    i++;
  }
}

/** The 1-based line of character `offset` of `text`. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/**
 * The first key that occurs twice in one object of a JSON text, with its offset; null if none.
 * A small scanner over strings and brackets (the text is known to be valid JSON).
 */
function duplicateKey(text: string): { key: string; offset: number } | null {
  const stack: (Set<string> | null)[] = []; // one entry per open bracket: the keys of an object, null for an array
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "{") {
      stack.push(new Set());
      expectKey = true;
    } else if (c === "[") {
      stack.push(null);
      expectKey = false;
    } else if (c === "}" || c === "]") {
      stack.pop();
      expectKey = false;
    } else if (c === ",") {
      expectKey = stack[stack.length - 1] instanceof Set;
    } else if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      if (expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        const keys = stack[stack.length - 1]!;
        if (keys.has(key)) return { key, offset: i };
        keys.add(key);
        expectKey = false;
      }
      i = j;
    }
  }
  return null;
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
