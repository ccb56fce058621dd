/**
 * One entry point for every language-modelling corpus:
 *
 *   const ds = await loadDataset("ptb", { dataDir });   // { train, valid, test, … }
 *
 * | name        | text                          | needs files? | loader          |
 * | ----------- | ----------------------------- | ------------ | --------------- |
 * | "ptb"       | Penn Treebank (Mikolov)       | yes (download with sha256) | ptb.ts |
 * | "brown"     | Brown corpus (npm)            | no (offline) | brown.ts        |
 * | "moby-dick" | Moby Dick (npm)               | no (offline) | moby_dick.ts    |
 *
 * The data folder (PTB) is the `dataDir` option, else `SEQLAB_DATA`, else a user cache
 * folder (datasets/folder.ts). See datasets/README.md at the top of the repository.
 */
import { ArgumentError } from "../errors.js";
import { loadBrown } from "./brown.js";
import { loadMobyDick } from "./moby_dick.js";
import { loadPtb } from "./ptb.js";
import type { LoadOptions, TextDataset } from "./types.js";

/** The names `loadDataset` accepts. */
export const DATASET_NAMES = ["ptb", "brown", "moby-dick"] as const;

/** One of {@link DATASET_NAMES}. */
export type DatasetName = (typeof DATASET_NAMES)[number];

/**
 * Loads a corpus by name.
 * @param name - "ptb", "brown" or "moby-dick".
 * @param options - dataDir, download (default true), timeoutMs, lowercase (default false).
 * @returns train / valid / test sentences of tokens.
 */
export async function loadDataset(name: DatasetName, options: LoadOptions = {}): Promise<TextDataset> {
  switch (name) {
    case "ptb":
      return loadPtb(options);
    case "brown":
      return loadBrown(options);
    case "moby-dick":
      return loadMobyDick(options);
    default:
      throw new ArgumentError(`loadDataset: expected one of ${DATASET_NAMES.join(", ")}, got '${String(name)}'`);
  }
}
