/**
 * The shapes the NER data layer passes around: character spans (entities in a text), token
 * spans (entities over a token sequence), tokens with their offsets, tagged sentences, and
 * the four tagging schemes.
 *
 * Offsets are JavaScript string indices (UTF-16 code units), half-open [start, end):
 * `text.slice(start, end)` is the span's text. BRAT files count Unicode code points; the
 * BRAT reader converts (ner/offsets.ts).
 *
 * The schemes (Ramshaw & Marcus 1995; Tjong Kim Sang & Veenstra 1999; Ratinov & Roth 2009),
 * shown on "Дэвид Эберсман работает в Facebook" with PER = 2 words, ORG = 1:
 *
 * | scheme       | Дэвид  | Эберсман | работает | в | Facebook |
 * | ------------ | ------ | -------- | -------- | - | -------- |
 * | IO           | I-PER  | I-PER    | O        | O | I-ORG    |
 * | IOB2 (BIO)   | B-PER  | I-PER    | O        | O | B-ORG    |
 * | IOB1         | I-PER  | I-PER    | O        | O | I-ORG    |
 * | IOBES        | B-PER  | E-PER    | O        | O | S-ORG    |
 *
 * IOB1 writes B-X only where a chunk of type X starts right after another chunk of type X
 * (so the two can be told apart); IOB2 writes B-X at every chunk start; IO cannot separate
 * two adjacent chunks of one type; IOBES marks single-token chunks S-X and last tokens E-X.
 */

/** A tagging scheme (see the file comment). IOB2 is also called BIO. */
export type TagScheme = "IO" | "IOB1" | "IOB2" | "IOBES";

/** The schemes, in the order of the file comment's table. */
export const TAG_SCHEMES: readonly TagScheme[] = ["IO", "IOB2", "IOB1", "IOBES"];

/** An entity in a text: the characters [start, end) and its type ("PER", "ORG", …). */
export interface CharSpan {
  /** First character (UTF-16 index). */
  start: number;
  /** One past the last character. */
  end: number;
  /** The entity type. */
  type: string;
}

/** An entity over a token sequence: the tokens [start, end) and its type. */
export interface TokenSpan {
  /** First token index. */
  start: number;
  /** One past the last token. */
  end: number;
  /** The entity type. */
  type: string;
}

/** A token of a text with its character offsets: `text === source.slice(start, end)`. */
export interface Token {
  text: string;
  /** First character (UTF-16 index into the source text). */
  start: number;
  /** One past the last character. */
  end: number;
}

/** A tagged sentence: one tag per token. */
export interface NerSentence {
  /** [L] the words. */
  tokens: string[];
  /** [L] the tags, in the scheme of the dataset. */
  tags: string[];
  /** [L] character offsets [start, end) of each token in its document's text (BRAT corpora); absent for CoNLL files. */
  offsets?: Array<[number, number]>;
  /** The document the sentence comes from (a BRAT file name, or "docN" for the N-th `-DOCSTART-` of a CoNLL file). */
  doc?: string;
}

/** An NER corpus in three splits (the loaders of CoNLL-2003 and Collection5 return it). */
export interface NerDataset {
  /** "conll2003" or "collection5". */
  name: string;
  /** Training sentences. */
  train: NerSentence[];
  /** Development sentences (model selection, early stopping). */
  dev: NerSentence[];
  /** Test sentences (report once). */
  test: NerSentence[];
  /** The entity types, sorted. */
  types: string[];
  /** The scheme of every `tags` array. */
  scheme: TagScheme;
  /** Where the files were read from, for notebooks to print. */
  source: string;
}
