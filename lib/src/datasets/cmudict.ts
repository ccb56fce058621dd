/**
 * The CMU Pronouncing Dictionary (cmudict, Carnegie Mellon University; the npm package
 * `cmu-pronouncing-dictionary` 3.0.0, crawled from cmusphinx/cmudict, offline): 135,155 entries,
 * English words → ARPAbet phonemes, for grapheme-to-phoneme conversion (G2P), the course's
 * sequence-to-sequence task with an automatic metric (generation/error_rates.ts).
 *
 * Format (the package's index.js, read as text, not imported): one entry per line,
 *
 *     "word": "P1 P2 P3",          or    "word(2)": "…"   a second pronunciation,
 *
 * phonemes separated by single spaces, vowels with a stress digit (AH0, AH1, AH2), 21 entries
 * with a trailing comment ("… # place, danish", dropped). A line that is not of this form is an
 * error naming file:line.
 *
 * What `loadCmuDict` keeps: words of the letters a–z only (117,490 words; 9,307 entries with
 * apostrophes, dots or digits — "'bout", "a.", "a42128" — are left out), each with all its
 * pronunciations in the dictionary's order (7,746 words have more than one). With
 * `stress: false` (the default, the usual G2P setting) the stress digits are removed, leaving
 * the 39 ARPAbet phonemes (69 symbols with stress), and pronunciations that become equal are
 * merged (7,495 words keep more than one).
 *
 * Split (`splitCmuDict`), fixed and seeded, BY WORD (all pronunciations of a word in one part):
 * the words sorted by code unit, shuffled with `seededGenerator(seed)` (Fisher–Yates), then the
 * first ⌊0.05·N⌋ are test, the next ⌊0.05·N⌋ dev, the rest train: 5,874 / 5,874 / 105,742 words.
 *
 * Licence: the npm package is ISC (its `license` file); cmudict itself is distributed by CMU
 * under a BSD-style licence (cmusphinx/cmudict's LICENSE), which the package does not copy.
 */
import * as path from "node:path";
import { seededGenerator } from "../random.js";
import { ArgumentError } from "../errors.js";
import { DatasetError, packageDir } from "./folder.js";
import { readText } from "./text_file.js";

/** One word with its pronunciations (each a phoneme array). */
export interface PronunciationEntry {
  /** Lower-case letters a–z. */
  word: string;
  /** ≥ 1 pronunciations, in the dictionary's order (the first is the main one). */
  pronunciations: string[][];
}

/** Options of `loadCmuDict`. */
export interface CmuDictOptions {
  /** Keep the stress digits (AH0, AH1, …; 69 symbols) instead of the 39 phonemes. Default: false. */
  stress?: boolean;
  /** Read this file instead of the package's index.js (tests). Default: the package's. */
  file?: string;
}

/** The 39 ARPAbet phonemes of cmudict without stress, sorted. */
export const ARPABET = [
  "AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH", "IH", "IY", "JH", "K",
  "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH", "UH", "UW", "V", "W", "Y", "Z", "ZH",
] as const;

const ENTRY = /^\s*"([^"]+)":\s*"([^"]*)",?\s*$/;
const KEY = /^(.+?)(?:\((\d+)\))?$/;
const PHONEME = /^[A-Z]{1,2}[012]?$/;

/**
 * Loads the dictionary (see the file comment).
 * @param options - stress (default false), file (default the package's index.js).
 * @returns the entries, sorted by word.
 * @throws MissingDataError if the package is not installed; DatasetError naming file:line for a line it cannot read.
 */
export function loadCmuDict(options: CmuDictOptions = {}): PronunciationEntry[] {
  const file = options.file ?? path.join(packageDir("cmu-pronouncing-dictionary"), "index.js");
  const lines = readText(file, DatasetError, "cmudict file").split("\n");
  const words = new Map<string, string[][]>();
  let started = false;
  lines.forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    if (!started) {
      started = /export const dictionary = \{\s*$/.test(line);
      return;
    }
    if (/^\s*\}\s*;?\s*$/.test(line) || line.trim() === "") return;
    const m = ENTRY.exec(line);
    if (m === null) throw new DatasetError(`${where}: expected an entry "word": "PHONEMES", got ${JSON.stringify(line.slice(0, 60))}`);
    const [, key, value] = m;
    const word = KEY.exec(key)![1];
    if (!/^[a-z]+$/.test(word)) return; // apostrophes, dots, digits: left out
    const phones = value.split("#")[0].trim().split(" ");
    phones.forEach((p, j) => {
      if (!PHONEME.test(p)) throw new DatasetError(`${where}: expected ARPAbet phonemes (e.g. AH0) in the entry of "${key}", got ${JSON.stringify(p)} at position ${j + 1}`);
    });
    const pron = options.stress === true ? phones : phones.map((p) => p.replace(/[012]$/, ""));
    const list = words.get(word) ?? [];
    if (!list.some((q) => q.join(" ") === pron.join(" "))) list.push(pron);
    words.set(word, list);
  });
  if (!started) throw new DatasetError(`${file}: expected a line "export const dictionary = {", got none`);
  if (words.size === 0) throw new DatasetError(`${file}: expected at least one entry of letters a–z, got none`);
  return [...words.keys()].sort().map((word) => ({ word, pronunciations: words.get(word)! }));
}

/** The three parts of a split. */
export interface PronunciationSplit {
  train: PronunciationEntry[];
  dev: PronunciationEntry[];
  test: PronunciationEntry[];
}

/** Options of `splitCmuDict`. */
export interface CmuSplitOptions {
  /** Seed of the shuffle. Default: 0. */
  seed?: number;
  /** Fraction of words in test, and again in dev, in (0, 0.5). Default: 0.05. */
  heldOut?: number;
}

/**
 * The fixed, seeded split by word (see the file comment).
 * @param entries - the dictionary (any order: it is sorted first).
 * @param options - seed (0), heldOut (0.05).
 * @returns train, dev, test (each in the shuffled order).
 */
export function splitCmuDict(entries: readonly PronunciationEntry[], options: CmuSplitOptions = {}): PronunciationSplit {
  const heldOut = options.heldOut ?? 0.05;
  if (!(heldOut > 0 && heldOut < 0.5)) throw new ArgumentError(`splitCmuDict: expected heldOut in (0, 0.5), got ${heldOut}`);
  const sorted = [...entries].sort((a, b) => (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].word === sorted[i - 1].word) throw new ArgumentError(`splitCmuDict: expected each word once, got "${sorted[i].word}" twice`);
  }
  const random = seededGenerator(options.seed ?? 0);
  for (let i = sorted.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [sorted[i], sorted[j]] = [sorted[j], sorted[i]];
  }
  const k = Math.floor(heldOut * sorted.length);
  return { test: sorted.slice(0, k), dev: sorted.slice(k, 2 * k), train: sorted.slice(2 * k) };
}
