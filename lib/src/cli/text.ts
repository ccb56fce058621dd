/**
 * Reading the CLI's input files: one sentence per line, whitespace tokens (the PTB format,
 * see lm/ngram_counts.ts). Errors name the option and the file.
 */
import * as fs from "node:fs";
import { ArgumentError } from "../errors";
import { readSentences } from "../lm/ngram_counts";

/**
 * Reads a text file as sentences.
 * @param file - the path.
 * @param option - the option that named it, for error messages, e.g. "--train".
 * @returns one token array per non-empty line.
 */
export function readTextFile(file: string, option: string): string[][] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new ArgumentError(`${option}: expected a readable text file, got ${(e as Error).message}`);
  }
  const sentences = readSentences(text, file);
  if (sentences.length === 0) throw new ArgumentError(`${file}: expected at least one non-empty line (one sentence per line), got none`);
  return sentences;
}
