/**
 * Collection5, Russian NER (Mozharova & Loukachevitch 2016, "Two-stage approach in Russian
 * named entity recognition"; an extension of Persons-1000): 1,000 news documents in brat
 * standoff (`NAME.txt` + `NAME.ann`, CRLF text, file names such as `015 (!).txt`), 26,409
 * mentions of five types — PER 10,623, ORG 7,033, GEOPOLIT 4,104, LOC 3,140, MEDIA 1,509.
 *
 * Files: `<dataDir>/collection5/*.{txt,ann}` (dataDir, else SEQLAB_DATA, else
 * ~/.cache/seqlab; datasets/folder.ts). No download: seqlab knows no stable copy with a
 * checksum; the error message says where to get and put the files. `verify` checks the
 * 2,000 files against {@link COLLECTION5_SHA256}.
 *
 * Reading (ner/brat_reader.ts, `faults: "report"`): every document is in the "raw" offset
 * convention; the corpus's 2 known faults (last_60.ann T2 and T3, spans ending on a "\r")
 * are repaired and listed in `faults`. Then each document goes through
 * ner/documents.ts (tokens, sentences without a boundary inside an entity, tags).
 *
 * The split is by document, fixed and seeded: the names sorted in code-unit order,
 * shuffled by Fisher–Yates with `seededGenerator(COLLECTION5_SPLIT_SEED)` (random.ts), the
 * first 80 % train, the next 10 % dev, the rest test (`collection5Split`). With seed 2016 (the
 * year of the paper):
 *
 * | split | documents | sentences | tokens  | PER   | ORG   | GEOPOLIT | LOC   | MEDIA | all    |
 * | ----- | --------: | --------: | ------: | ----: | ----: | -------: | ----: | ----: | -----: |
 * | train |       800 |    10,839 | 209,913 | 8,454 | 5,626 |    3,299 | 2,519 | 1,197 | 21,095 |
 * | dev   |       100 |     1,404 |  27,341 | 1,121 |   730 |      398 |   312 |   160 |  2,721 |
 * | test  |       100 |     1,357 |  26,510 | 1,048 |   677 |      407 |   309 |   152 |  2,593 |
 *
 * The tags hold one LOC fewer in train (last_60's duplicate T2/T3 is one entity) and in
 * test (last_34's T39 crosses T38 and is dropped, ner/align.ts).
 * Mentions per type are the `.ann` files' T lines (test/ner-corpora.test.ts recounts them
 * from the files); sentences and tokens are those of ner/tokenize.ts and ner/sentences.ts,
 * printed by `node --import tsx --test test/ner-corpora.test.ts` (SEQLAB_DATA set).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { ArgumentError } from "../errors.js";
import { seededGenerator } from "../random.js";
import { ChecksumError, MissingDataError, resolveDataDir, sha256File } from "../datasets/folder.js";
import { readBratFolder, type BratCorpus, type BratFault } from "./brat_reader.js";
import { documentToSentences, entitySpans } from "./documents.js";
import type { NerDataset, NerSentence, TagScheme } from "./types.js";

/** The entity types, sorted. */
export const COLLECTION5_TYPES: readonly string[] = ["GEOPOLIT", "LOC", "MEDIA", "ORG", "PER"];

/**
 * sha256 of the text made of one line `<sha256 of the file>  ./collection5/<name>\n` per file,
 * the 2,000 files sorted by name in code-unit order (the collection5 lines of
 * datasets/SHA256SUMS; datasets/README.md).
 */
export const COLLECTION5_SHA256 = "f641d2f6cc80a4cb4063077aac495b6039cd840170a94cc993b99623bd9d3aa3";

/** The seed of the fixed split (the year of Mozharova & Loukachevitch). */
export const COLLECTION5_SPLIT_SEED = 2016;

/** Options of the Collection5 loaders. */
export interface Collection5Options {
  /** The data folder. Default: SEQLAB_DATA, else ~/.cache/seqlab. */
  dataDir?: string;
  /** Check all files against {@link COLLECTION5_SHA256}. Default: false. */
  verify?: boolean;
}

/**
 * The folder of the corpus.
 * @param dataDir - the data folder. Default: resolved from the environment.
 * @returns `<dataDir>/collection5`.
 */
export function collection5Dir(dataDir?: string): string {
  return path.join(resolveDataDir(dataDir), "collection5");
}

/**
 * Reads the 1,000 documents (faults reported and repaired, see the file comment).
 * @param options - dataDir, verify (default false).
 * @returns the documents sorted by name, and the faults.
 * @throws MissingDataError when the folder has no documents; ChecksumError (verify); BratError for a file that cannot be read.
 */
export function loadCollection5Documents(options: Collection5Options = {}): BratCorpus {
  const dir = collection5Dir(options.dataDir);
  if (!fs.existsSync(path.join(dir, "001.txt"))) {
    throw new MissingDataError(
      `Collection5: expected its 1,000 NAME.txt / NAME.ann pairs in ${dir} (e.g. 001.txt, 001.ann), got no such files. ` +
        `seqlab does not download it: get collection5.zip from the authors' page http://www.labinform.ru/pub/named_entities/ ` +
        `and unzip its .txt and .ann files into that folder, or point SEQLAB_DATA (or the dataDir option) at a folder that has collection5/001.txt.`,
    );
  }
  if (options.verify === true) {
    const files = fs.readdirSync(dir).filter((n) => n.endsWith(".txt") || n.endsWith(".ann")).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const listing = files.map((n) => `${sha256File(path.join(dir, n))}  ./collection5/${n}\n`).join("");
    const actual = crypto.createHash("sha256").update(listing).digest("hex");
    if (actual !== COLLECTION5_SHA256) {
      throw new ChecksumError(`Collection5: expected the ${files.length} files of ${dir} to have the listing sha256 ${COLLECTION5_SHA256} (datasets/README.md), got ${actual}`);
    }
  }
  return readBratFolder(dir, { faults: "report" });
}

/**
 * The fixed split by document (see the file comment).
 * @param names - the document names (any order).
 * @param seed - the shuffle's seed. Default: {@link COLLECTION5_SPLIT_SEED}.
 * @returns the names of each split, each sorted in code-unit order; train gets round(0.8 n), dev round(0.1 n), test the rest.
 */
export function collection5Split(names: readonly string[], seed = COLLECTION5_SPLIT_SEED): { train: string[]; dev: string[]; test: string[] } {
  if (new Set(names).size !== names.length) throw new ArgumentError(`collection5Split: expected distinct document names, got ${names.length - new Set(names).size} repeated`);
  const order = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rand = seededGenerator(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const nTrain = Math.round(0.8 * order.length);
  const nDev = Math.round(0.1 * order.length);
  const sorted = (xs: string[]) => xs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { train: sorted(order.slice(0, nTrain)), dev: sorted(order.slice(nTrain, nTrain + nDev)), test: sorted(order.slice(nTrain + nDev)) };
}

/** {@link loadCollection5}'s dataset, with the split's documents and the corpus's faults. */
export interface Collection5Dataset extends NerDataset {
  /** The document names of each split. */
  documents: { train: string[]; dev: string[]; test: string[] };
  /** The faults the reader repaired (ner/brat_reader.ts). */
  faults: BratFault[];
}

/**
 * Loads Collection5 as tagged sentences in the fixed split.
 * @param options - dataDir, verify (default false), scheme of the tags (default "IOB2"), seed of the split (default 2016).
 * @returns train / dev / test sentences (with token offsets and the document name), the five types, the documents, the faults.
 */
export function loadCollection5(options: Collection5Options & { scheme?: TagScheme; seed?: number } = {}): Collection5Dataset {
  const { documents, faults } = loadCollection5Documents(options);
  const scheme = options.scheme ?? "IOB2";
  const split = collection5Split(
    documents.map((d) => d.name),
    options.seed,
  );
  const byName = new Map(documents.map((d) => [d.name, d]));
  const sentencesOf = (names: string[]): NerSentence[] =>
    names.flatMap((n) => {
      const d = byName.get(n)!;
      return documentToSentences(d.text, entitySpans(d.entities).spans, { scheme, doc: n }).sentences;
    });
  return {
    name: "collection5",
    train: sentencesOf(split.train),
    dev: sentencesOf(split.dev),
    test: sentencesOf(split.test),
    types: [...COLLECTION5_TYPES],
    scheme,
    source: collection5Dir(options.dataDir),
    documents: split,
    faults,
  };
}
