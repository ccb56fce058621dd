/**
 * Strict decoding of text files: every reader of the course (corpora, the CLI's text files,
 * ARPA models, vocabulary files) goes through `decodeText` / `readText`, so a binary file
 * (or a corpus saved in Latin-1) is an error that names the file, the line and the byte
 * offset instead of a model trained on U+FFFD replacement characters.
 *
 * Rules:
 * 1. the bytes must be well-formed UTF-8 (the Unicode standard's Table 3-7, what
 *    `new TextDecoder("utf-8", { fatal: true })` accepts: no overlong forms, no surrogates,
 *    nothing above U+10FFFF);
 * 2. no NUL byte (a text file never has one; a binary file nearly always does);
 * 3. a leading byte-order mark is dropped (as TextDecoder does).
 *
 * The caller chooses the error kind (`ArpaError` for an ARPA file, `VocabFileError` for a
 * vocabulary, `DatasetError` for a corpus, …), so `instanceof` still tells what was read.
 */
import * as fs from "node:fs";
import type { SeqlabError } from "../errors.js";

/** Makes the caller's error kind from a message. */
export type ErrorFactory = new (message: string) => SeqlabError;

const strictDecoder = new TextDecoder("utf-8", { fatal: true });

/** The 1-based line of byte `offset` (newlines before it + 1). */
function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/**
 * The byte offset and length of the first ill-formed UTF-8 sequence, or null if all is well-formed.
 * @param bytes - the bytes.
 */
export function firstInvalidUtf8(bytes: Uint8Array): { offset: number; length: number; truncated: boolean } | null {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    // [lo, hi] of the second byte and the number of continuation bytes.
    let lo = 0x80;
    let hi = 0xbf;
    let need: number;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return { offset: i, length: 1, truncated: false };
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return { offset: i, length: k, truncated: true };
      const c = bytes[i + k];
      if (c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return { offset: i, length: k + 1, truncated: false };
    }
    i += need + 1;
  }
  return null;
}

const hex = (b: number) => `0x${b.toString(16).padStart(2, "0")}`;

/**
 * Decodes file bytes as UTF-8 text (see the file comment for the rules).
 * @param bytes - the file's contents.
 * @param source - the file name for messages.
 * @param ErrorKind - the error class to throw. Messages read
 *   "FILE:LINE: expected UTF-8 text, got the byte sequence 0xff at byte offset N".
 * @returns the text, without a leading byte-order mark.
 */
export function decodeText(bytes: Uint8Array, source: string, ErrorKind: ErrorFactory): string {
  const nul = bytes.indexOf(0);
  let text: string;
  try {
    text = strictDecoder.decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes) ?? { offset: 0, length: 1, truncated: false };
    if (nul >= 0 && nul < bad.offset) throw nulError(bytes, source, nul, ErrorKind); // the first problem in the file
    const seq = Array.from(bytes.subarray(bad.offset, bad.offset + bad.length), hex).join(" ");
    const end = bad.truncated ? " (cut off at the end of the file)" : "";
    throw new ErrorKind(`${source}:${lineAt(bytes, bad.offset)}: expected UTF-8 text, got the byte sequence ${seq} at byte offset ${bad.offset}${end}`);
  }
  if (nul >= 0) throw nulError(bytes, source, nul, ErrorKind);
  return text;
}

function nulError(bytes: Uint8Array, source: string, nul: number, ErrorKind: ErrorFactory): SeqlabError {
  return new ErrorKind(`${source}:${lineAt(bytes, nul)}: expected text, got a NUL byte at byte offset ${nul} (a binary file?)`);
}

/**
 * Reads a text file strictly (see {@link decodeText}).
 * @param file - the path.
 * @param ErrorKind - the error class for an unreadable or ill-formed file.
 * @param what - what the file should be, for the "expected a readable …" message. Default: "text file".
 * @returns the text.
 */
export function readText(file: string, ErrorKind: ErrorFactory, what = "text file"): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new ErrorKind(`${file}: expected a readable ${what}, got ${(e as Error).message}`);
  }
  return decodeText(bytes, file, ErrorKind);
}

/**
 * The 1-based line and column of the first NUL character of a string, or null (for readers
 * that get text, not bytes).
 * @param text - the text.
 */
export function findNul(text: string): { line: number; column: number } | null {
  const i = text.indexOf("\0");
  if (i < 0) return null;
  let line = 1;
  let start = 0;
  for (let j = text.indexOf("\n"); j >= 0 && j < i; j = text.indexOf("\n", j + 1)) {
    line++;
    start = j + 1;
  }
  return { line, column: i - start + 1 };
}
