/**
 * CoNLL-2003 English NER (Tjong Kim Sang & De Meulder 2003): Reuters news of 1996, four
 * entity types PER, LOC, ORG, MISC; files of `token POS chunk NER` lines (ner/conll_reader.ts).
 *
 * Files: `<dataDir>/conll2003/{train,valid,test}.txt` (the IOB2 copy described in
 * datasets/README.md, sha256 in {@link CONLL2003_SHA256}), or the shared task's original
 * `eng.train`, `eng.testa`, `eng.testb` (IOB1) in the same folder. Either way the scheme is
 * detected and the tags are returned in IOB2 (or `to`). The data folder is `dataDir`, else
 * SEQLAB_DATA, else ~/.cache/seqlab (datasets/folder.ts).
 *
 * No download: the text is Reuters RCV1, distributed by NIST under a research agreement,
 * and there is no official public copy to fetch; the error message says where to put the
 * files.
 *
 * Sizes of the copy (train / valid / test; test/ner-corpora.test.ts checks them against
 * datasets/README.md): 946 / 216 / 231 documents, 14,041 / 3,250 / 3,453 sentences,
 * 203,621 / 51,362 / 46,435 tokens; train has PER 6,600, LOC 7,140, ORG 6,321, MISC 3,438
 * entities.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ChecksumError, MissingDataError, resolveDataDir, sha256File } from "../datasets/folder.js";
import type { DatasetSplit } from "../datasets/types.js";
import { readConllFile } from "./conll_reader.js";
import type { NerDataset, NerSentence, TagScheme } from "./types.js";

/** sha256 of the IOB2 copy's files (datasets/README.md). */
export const CONLL2003_SHA256: Readonly<Record<DatasetSplit, string>> = {
  train: "c99b26852dabf57ca9d30a0e892b84544cc8962003151e14a71077c55dc66db5",
  valid: "f1f6469322876887de1d04acd43c59b02f59d5b02acf42c027132fa1bf349cb2",
  test: "82e0c72d262f86ad3e78b15c5d980bbf87cb205aa4bf6d2d97643f463f8d7ff7",
};

/** The file names tried per split: the IOB2 copy's, then the shared task's. */
const NAMES: Readonly<Record<DatasetSplit, readonly [string, string]>> = {
  train: ["train.txt", "eng.train"],
  valid: ["valid.txt", "eng.testa"],
  test: ["test.txt", "eng.testb"],
};

/** Options of {@link loadConll2003}. */
export interface Conll2003Options {
  /** The data folder. Default: SEQLAB_DATA, else ~/.cache/seqlab. */
  dataDir?: string;
  /** Check the files' sha256 against {@link CONLL2003_SHA256} (the IOB2 copy only). Default: false. */
  verify?: boolean;
  /** The scheme of the returned tags. Default: "IOB2". */
  to?: TagScheme;
}

/**
 * The paths of the three files that exist (IOB2 copy first, else the original names).
 * @param dataDir - the data folder. Default: resolved from the environment.
 * @returns per split the path, or null when neither name exists.
 */
export function conll2003Files(dataDir?: string): Record<DatasetSplit, string | null> {
  const dir = path.join(resolveDataDir(dataDir), "conll2003");
  const find = (s: DatasetSplit) => NAMES[s].map((n) => path.join(dir, n)).find((p) => fs.existsSync(p)) ?? null;
  return { train: find("train"), valid: find("valid"), test: find("test") };
}

/**
 * Loads CoNLL-2003 (see the file comment); valid is returned as `dev`.
 * @param options - dataDir, verify (default false), to (default "IOB2").
 * @returns train / dev / test sentences (tokens, NER tags, doc = "docN" of the file), the four types.
 * @throws MissingDataError naming the folder and what to put there; ChecksumError (verify);
 *   ConllError with file:line for a malformed file.
 */
export function loadConll2003(options: Conll2003Options = {}): NerDataset {
  const files = conll2003Files(options.dataDir);
  const dir = path.join(resolveDataDir(options.dataDir), "conll2003");
  const missing = (Object.keys(NAMES) as DatasetSplit[]).filter((s) => files[s] === null);
  if (missing.length > 0) {
    throw new MissingDataError(
      `CoNLL-2003: expected ${missing.map((s) => NAMES[s].join(" or ")).join(", ")} in ${dir}, got no such file. ` +
        `seqlab does not download CoNLL-2003 (its text is Reuters RCV1, under NIST's research agreement; ` +
        `see https://www.clips.uantwerpen.be/conll2003/ner/): put the files there, ` +
        `or point SEQLAB_DATA (or the dataDir option) at a folder that has conll2003/train.txt, valid.txt, test.txt.`,
    );
  }
  const read = (s: DatasetSplit): NerSentence[] => {
    const file = files[s]!;
    if (options.verify === true) {
      if (path.basename(file) !== NAMES[s][0]) throw new ChecksumError(`CoNLL-2003: expected ${NAMES[s][0]} to verify (its sha256 is recorded), got ${file}, whose sha256 seqlab does not know; use verify: false`);
      const actual = sha256File(file);
      if (actual !== CONLL2003_SHA256[s]) throw new ChecksumError(`CoNLL-2003: expected ${file} to have sha256 ${CONLL2003_SHA256[s]}, got ${actual}`);
    }
    return readConllFile(file, { to: options.to ?? "IOB2" }).sentences.map(({ tokens, tags, doc }) => ({ tokens, tags, ...(doc !== undefined ? { doc } : {}) }));
  };
  const train = read("train");
  const types = new Set<string>();
  for (const s of train) for (const t of s.tags) if (t !== "O") types.add(t.slice(2));
  return { name: "conll2003", train, dev: read("valid"), test: read("test"), types: [...types].sort(), scheme: options.to ?? "IOB2", source: dir };
}
