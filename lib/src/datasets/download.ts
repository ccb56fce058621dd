/**
 * Download of a dataset file with a sha256 check.
 *
 * 1. GET the URL (Node's global `fetch`), streaming the body into a temporary file
 *    `<dest>.<pid>.<random>.part` in the destination folder, hashing it on the way.
 * 2. Compare the sha256 with the expected value. On a mismatch the temporary file is
 *    deleted and a `ChecksumError` names the URL, the expected and the actual hash.
 * 3. Rename the temporary file to `dest` (atomic on one file system), so a reader never
 *    sees a half-written or unchecked file, and an interrupted download leaves no `dest`.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { ArgumentError } from "../errors.js";
import { ChecksumError, DatasetError } from "./folder.js";

/** Options of {@link downloadFile}. */
export interface DownloadOptions {
  /** Expected sha256 (64 hex characters, any case). */
  sha256: string;
  /** Give up after this many milliseconds. Default: 120000. */
  timeoutMs?: number;
}

/**
 * Downloads `url` to `dest` if its sha256 matches (see the file comment for the steps).
 * The destination folder is created when missing.
 * @param url - http(s) URL.
 * @param dest - the final file path.
 * @param options - sha256 (required), timeoutMs (default 120 s).
 * @returns the number of bytes written.
 * @throws ChecksumError on a hash mismatch (no file left); DatasetError on an HTTP or network error.
 */
export async function downloadFile(url: string, dest: string, options: DownloadOptions): Promise<number> {
  const expected = options.sha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(expected)) {
    throw new ArgumentError(`downloadFile: expected sha256 to be 64 hex characters, got '${options.sha256}'`);
  }
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.part`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 120_000) });
  } catch (e) {
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    throw new DatasetError(`download ${url}: expected an HTTP response, got ${(e as Error).message}${cause ? ` (${cause})` : ""}`);
  }
  if (!response.ok || response.body === null) {
    throw new DatasetError(`download ${url}: expected HTTP 200, got ${response.status} ${response.statusText}`);
  }
  const hash = crypto.createHash("sha256");
  let bytes = 0;
  const fd = fs.openSync(tmp, "w");
  let open = true;
  try {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      fs.writeSync(fd, value);
      bytes += value.length;
    }
    fs.closeSync(fd);
    open = false;
  } catch (e) {
    if (open) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw new DatasetError(`download ${url}: expected the whole body, got an error after ${bytes} bytes: ${(e as Error).message}`);
  }
  const actual = hash.digest("hex");
  if (actual !== expected) {
    fs.rmSync(tmp, { force: true });
    throw new ChecksumError(`download ${url}: expected sha256 ${expected}, got ${actual} (${bytes} bytes); the file was not kept`);
  }
  fs.renameSync(tmp, dest);
  return bytes;
}
