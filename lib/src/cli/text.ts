/**
 * Reading the CLI's input files: one sentence per line, whitespace tokens (the PTB format,
 * see lm/ngram_counts.ts). Errors name the option and the file. The bytes must be UTF-8
 * without NUL bytes (datasets/text_file.ts): a binary file is an error with its line and
 * byte offset, not a "corpus" of replacement characters.
 */
import * as fs from "node:fs";
import { ArgumentError } from "../errors.js";
import { decodeText } from "../datasets/text_file.js";
import { readSentences } from "../lm/ngram_counts.js";

/**
 * Reads a file's bytes.
 * @param file - the path.
 * @param option - the option that named it, for error messages, e.g. "--train".
 * @throws ArgumentError naming the option when the file cannot be read.
 */
export function readTextBytes(file: string, option: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new ArgumentError(`${option}: expected a readable text file, got ${(e as Error).message}`);
  }
}

/**
 * Reads a text file as sentences.
 * @param file - the path.
 * @param option - the option that named it, for error messages, e.g. "--train".
 * @param bytes - the file's contents, when the caller has read them already. Default: read `file`.
 * @returns one token array per non-empty line.
 */
export function readTextFile(file: string, option: string, bytes: Buffer = readTextBytes(file, option)): string[][] {
  const text = decodeText(bytes, file, ArgumentError);
  const sentences = readSentences(text, file);
  if (sentences.length === 0) throw new ArgumentError(`${file}: expected at least one non-empty line (one sentence per line), got none`);
  return sentences;
}
