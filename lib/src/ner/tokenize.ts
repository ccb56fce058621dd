/**
 * Word tokenisation with character offsets, for Russian and English news text: each token
 * keeps [start, end) into the source, so tags on tokens map back to character spans (and
 * so to BRAT annotations) exactly.
 *
 * A token is, trying these in order at each position (white space separates tokens and is
 * never part of one):
 *   1. a dotted abbreviation: two or more "letter." pairs — "U.S.", "т.е.", "В.В.";
 *   2. an initial: one capital letter and "." when a capital letter follows after at most
 *      one space — the "Д." of "Д. Медведев" (so the "." does not end a sentence);
 *   3. a word: letters, marks and digits (\p{L}\p{M}\p{N}, so Cyrillic, Latin, digits),
 *      joined inside by single hyphens or apostrophes ("Нью-Йорк", "39-летний",
 *      "1996-08-22", "O'Neill", "don't"), or by "." "," ":" between two digits ("3,5",
 *      "1.5", "12:30");
 *   4. an ellipsis: "..." (two or more dots) or "…";
 *   5. any other character alone: "«", "»", "(", ")", '"', ",", "—", "-", ….
 * So brackets and quotes are always tokens of their own, and "39-летний" is one token.
 * One exception to 3: a hyphen between two parts that both start with a capital letter is
 * a token of its own ("Баку-Москва" → "Баку" "-" "Москва", "РФ-НАТО", "Пейдж-Брин-Шмидт"):
 * such a hyphen joins names (a route, a pair, a list), and Collection5 annotates the names
 * one by one. A name written with a hyphen ("Нью-Йорк") then spans three tokens, which
 * tags hold as well. Lower-case parts keep the word whole ("судебно-медицинской",
 * "Ростов-на-Дону", "по-русски"). On Collection5 this rule cuts the entities whose boundary
 * falls inside a token from 27 to 11 (ner/round_trip.ts).
 *
 * This is deliberately a small rule set, not Razdel or the Penn Treebank tokenizer; what it
 * costs in entity boundaries is measured on Collection5 by ner/round_trip.ts (entities whose
 * boundary falls inside a token).
 *
 * Reference: Jurafsky & Martin, SLP 3rd ed., ch. 2; for Russian, the razdel project's rules
 * (natasha) on initials and abbreviations.
 */
import type { Token } from "./types.js";

const W = "[\\p{L}\\p{M}\\p{N}]";
const TOKEN_RE = new RegExp(
  [
    `(?:\\p{L}\\.){2,}`, // 1. U.S., т.е.
    `\\p{Lu}\\.(?= ?\\p{Lu})`, // 2. Д. Медведев
    `${W}+(?:(?:[-'’]|(?<=\\p{N})[.,:](?=\\p{N}))${W}+)*`, // 3. words, numbers
    `\\.{2,}|…`, // 4. ellipsis
    `[^\\s]`, // 5. anything else
  ].join("|"),
  "gu",
);

/**
 * Splits text into tokens with offsets (see the file comment for the rules).
 * `tokenize("«Газпром», 39-летний")` → «(0,1) Газпром(1,8) »(8,9) ,(9,10) 39-летний(11,20).
 * @param text - the text (any line ends; "\r" and "\n" are white space).
 * @returns the tokens in order; `text.slice(t.start, t.end) === t.text` for each.
 */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(TOKEN_RE)) {
    const word = m[0];
    const at = m.index!;
    if (!word.includes("-") || word.length < 3) {
      out.push({ text: word, start: at, end: at + word.length });
      continue;
    }
    // The exception to rule 3: cut at a hyphen between two capitalised parts.
    let from = 0;
    for (let h = word.indexOf("-"); h > 0; h = word.indexOf("-", h + 1)) {
      const left = word.slice(word.lastIndexOf("-", h - 1) + 1, h);
      if (!CAPITAL.test(left) || !CAPITAL.test(word.slice(h + 1))) continue;
      out.push({ text: word.slice(from, h), start: at + from, end: at + h });
      out.push({ text: "-", start: at + h, end: at + h + 1 });
      from = h + 1;
    }
    out.push({ text: word.slice(from), start: at + from, end: at + word.length });
  }
  return out;
}

const CAPITAL = /^\p{Lu}/u;
