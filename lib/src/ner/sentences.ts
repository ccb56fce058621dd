/**
 * Sentence splitting over tokens with offsets (ner/tokenize.ts), for documents that come as
 * running text (BRAT corpora; the tagger reads one sentence at a time).
 *
 * A sentence ends after token i when
 *   1. the white space between token i and token i+1 holds a line break (news texts put
 *      headlines, datelines and paragraphs on lines of their own), or
 *   2. token i ends a sentence — ".", "!", "?", "…", "...", or one of these followed by
 *      closing quotes or brackets (» ” " ' ) ]) — and token i+1 starts with a capital
 *      letter, a digit, an opening quote or bracket, or a dash (Russian dialogue), and the
 *      terminator is not the "." after a known abbreviation ("г. Москва", "Mr. Smith");
 * and never between two tokens that one protected span covers (an entity must not be cut
 * in two: the BRAT loaders protect the gold entities, so no entity is lost to a sentence
 * boundary; `protectedBoundaries` counts how often that held a boundary back).
 *
 * Reference: the rule of data/tokenize.ts's `splitSentences`, extended with line breaks,
 * abbreviations and protected spans.
 */
import type { Token } from "./types.js";

/** Words that a "." follows without ending a sentence (compared lower-cased, without the dot). */
export const ABBREVIATIONS: ReadonlySet<string> = new Set([
  // Russian
  "г", "гг", "ул", "пр", "им", "проф", "акад", "ген", "св", "пос", "д", "т", "см", "стр", "тыс", "руб", "долл", "млн", "млрд", "обл", "р", "ст", "кв",
  // English
  "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "gen", "gov", "sen", "rep", "lt", "col", "inc", "co", "corp", "ltd", "no", "jan", "feb", "aug", "sep", "sept", "oct", "nov", "dec",
]);

const TERMINATOR = /^(?:[.!?]+|…|\.{2,})$/u;
const CLOSING = /^["'»”’)\]]$/u;
const NEXT_START = /^(?:[\p{Lu}\p{N}]|["'«“„(\[—–-])/u;

/** The sentences of a document, as index ranges into its tokens. */
export interface SentenceSplit {
  /** [start, end) token ranges, in order, covering every token once. */
  sentences: Array<[number, number]>;
  /** Boundaries the rules wanted but a protected span held back. */
  protectedBoundaries: number;
}

/**
 * Splits a document's tokens into sentences (see the file comment).
 * @param text - the document text the tokens index.
 * @param tokens - its tokens, in order (ner/tokenize.ts).
 * @param protect - character spans [start, end) that no boundary may cut (e.g. the gold entities). Default: none.
 * @returns the sentence ranges and the count of held-back boundaries.
 */
export function splitSentenceTokens(text: string, tokens: readonly Token[], protect: ReadonlyArray<{ start: number; end: number }> = []): SentenceSplit {
  const sentences: Array<[number, number]> = [];
  let protectedBoundaries = 0;
  let first = 0;
  for (let i = 0; i + 1 < tokens.length; i++) {
    if (!endsAfter(text, tokens, i)) continue;
    // A protected span holding both token i's last character and token i+1's first: hold the boundary back.
    if (spansGap(protect, tokens[i], tokens[i + 1])) {
      protectedBoundaries++;
      continue;
    }
    sentences.push([first, i + 1]);
    first = i + 1;
  }
  if (tokens.length > 0) sentences.push([first, tokens.length]);
  return { sentences, protectedBoundaries };
}

/** True when one protected span contains both token a's last character and token b's first. */
function spansGap(protect: ReadonlyArray<{ start: number; end: number }>, a: Token, b: Token): boolean {
  return protect.some((p) => p.start < a.end && p.end > b.start);
}

/** Rules 1 and 2 of the file comment for the gap after token i. */
function endsAfter(text: string, tokens: readonly Token[], i: number): boolean {
  const gap = text.slice(tokens[i].end, tokens[i + 1].start);
  if (/[\r\n]/.test(gap)) return true;
  if (!NEXT_START.test(tokens[i + 1].text)) return false;
  // A quote or bracket glued to the terminator closes this sentence (the ASCII '"' opens and closes).
  if (CLOSING.test(tokens[i + 1].text) && tokens[i].end === tokens[i + 1].start) return false;
  // Step back over closing quotes and brackets to the terminator.
  let j = i;
  while (j > 0 && CLOSING.test(tokens[j].text) && tokens[j - 1].end === tokens[j].start) j--;
  if (!TERMINATOR.test(tokens[j].text)) return false;
  if (tokens[j].text === "." && j > 0 && tokens[j - 1].end === tokens[j].start && ABBREVIATIONS.has(tokens[j - 1].text.toLowerCase())) return false;
  return true;
}
