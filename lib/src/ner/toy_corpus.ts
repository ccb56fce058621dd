/**
 * A small English NER corpus made up from templates, seeded: what tests, the `seqlab ner`
 * tests and notebook 07 use when the real corpora (CoNLL-2003, Collection5) are not in the
 * data folder. It is NOT news text: each sentence is one of a few templates with names
 * drawn from short lists, so a tagger learns it in a few epochs — enough to show that
 * training, decoding and scoring work end to end, not how well a model does on real text.
 *
 *     "Maria Garcia visited Berlin on Monday ."   → B-PER I-PER O B-LOC O O O
 *     "Shares of Acme Corp rose 3 % in Tokyo ."   → O O B-ORG I-ORG O O O O B-LOC O
 *
 * Types PER, LOC, ORG (IOB2 tags). Some names are one word, some two or three, and some
 * words are both a name and an ordinary word ("Jordan" the person / the country), so the
 * context matters. Names are drawn from the whole list for every split: the dev and test
 * sentences reuse training names in new combinations (plus `unseenNames`, which appear
 * only outside training, to give char features something to do).
 */
import { ArgumentError } from "../errors.js";
import { seededGenerator } from "../random.js";
import { spansToTags } from "./tag_scheme.js";
import type { NerDataset, NerSentence, TokenSpan } from "./types.js";

const NAMES: Readonly<Record<"PER" | "LOC" | "ORG", readonly string[]>> = {
  PER: ["Maria Garcia", "John Smith", "Wei Chen", "Anna Petrova", "Jordan", "Ahmed Hassan", "Laura Rossi", "Kenji Sato", "Olga Ivanova", "Peter Brown", "Ana Lima", "Tom Murphy"],
  LOC: ["Berlin", "Tokyo", "New York", "Jordan", "Paris", "Lagos", "Rio de Janeiro", "Moscow", "Cairo", "Sydney", "Lima", "Oslo"],
  ORG: ["Acme Corp", "Reuters", "United Nations", "Globex", "Bank of Lima", "Initech", "Red Cross", "Stark Industries", "Nordic Air", "Apex Bank"],
};

/** Names that only dev and test sentences use (capitalised like the others). */
const UNSEEN: Readonly<Record<"PER" | "LOC" | "ORG", readonly string[]>> = {
  PER: ["Elena Novak", "Samuel Okafor"],
  LOC: ["Valencia", "Hanoi"],
  ORG: ["Vector Labs", "Blue Harbor"],
};

/** Templates: words, and {PER}, {LOC}, {ORG} slots. */
const TEMPLATES: readonly string[] = [
  "{PER} visited {LOC} on Monday .",
  "{ORG} said {PER} will lead its office in {LOC} .",
  "Shares of {ORG} rose 3 % in {LOC} .",
  "{PER} , a spokesman for {ORG} , declined to comment .",
  "The meeting in {LOC} ended without a deal .",
  "{PER} met {PER} in {LOC} .",
  "Talks between {ORG} and {ORG} resumed on Friday .",
  "Officials in {LOC} said the plan was approved .",
  "{PER} scored twice as {LOC} won 2-1 .",
  "It was a quiet day for the market .",
  "{ORG} shares fell after the report .",
  "Prices rose in {LOC} and {LOC} last year .",
];

/** Options of {@link toyNerDataset}. */
export interface ToyNerOptions {
  /** Training sentences. Default: 600. */
  train?: number;
  /** Dev sentences. Default: 150. */
  dev?: number;
  /** Test sentences. Default: 150. */
  test?: number;
  /** Seed. Default: 1. */
  seed?: number;
}

/**
 * The toy corpus (see the file comment).
 * @param options - sizes of the splits (600 / 150 / 150) and seed (1).
 * @returns a dataset named "toy", IOB2 tags over PER, LOC, ORG.
 */
export function toyNerDataset(options: ToyNerOptions = {}): NerDataset {
  const rand = seededGenerator(options.seed ?? 1);
  const sizes = { train: options.train ?? 600, dev: options.dev ?? 150, test: options.test ?? 150 };
  for (const [k, n] of Object.entries(sizes)) if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`toyNerDataset: expected ${k} an integer ≥ 0, got ${n}`);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const sentence = (unseen: boolean): NerSentence => {
    const tokens: string[] = [];
    const spans: TokenSpan[] = [];
    for (const part of pick(TEMPLATES).split(" ")) {
      const slot = /^\{(PER|LOC|ORG)\}$/.exec(part);
      if (slot === null) {
        tokens.push(part);
        continue;
      }
      const type = slot[1] as "PER" | "LOC" | "ORG";
      const name = unseen && rand() < 0.2 ? pick(UNSEEN[type]) : pick(NAMES[type]);
      const words = name.split(" ");
      spans.push({ start: tokens.length, end: tokens.length + words.length, type });
      tokens.push(...words);
    }
    return { tokens, tags: spansToTags(tokens.length, spans, "IOB2"), doc: "toy" };
  };
  const make = (n: number, unseen: boolean) => Array.from({ length: n }, () => sentence(unseen));
  return { name: "toy", train: make(sizes.train, false), dev: make(sizes.dev, true), test: make(sizes.test, true), types: ["LOC", "ORG", "PER"], scheme: "IOB2", source: "lib/src/ner/toy_corpus.ts (made up from templates)" };
}
