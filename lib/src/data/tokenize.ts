/**
 * Tokenizers for language models: text → words, text → characters, text → sentences.
 *
 * - `whitespaceTokenize` — split on runs of white space; for pre-tokenized corpora such as
 *   PTB (one sentence per line, tokens separated by spaces).
 * - `wordTokenize` — a small regex tokenizer for raw text. A word is a run of letters,
 *   combining marks and digits (Unicode classes \p{L}, \p{M}, \p{N}, so Cyrillic, Greek,
 *   accented Latin all work), possibly joined by an inner apostrophe or hyphen
 *   ("don't", "well-known", "по-русски"); every other non-space character is a token by
 *   itself ("," "." "—" "“"). This is deliberately simpler than the Penn Treebank rules
 *   (no splitting of "don't" into "do" + "n't").
 * - `charTokenize` — Unicode code points (not UTF-16 code units), after NFC normalization
 *   by default, so "й" is one token whether it was typed precomposed or as и + U+0306.
 * - `splitSentences` — a rule-based sentence splitter for raw prose: a sentence ends at
 *   ".", "!" or "?" (plus any closing quotes/brackets) followed by white space and an
 *   upper-case letter, digit or opening quote. Abbreviations ("Mr. Smith") are split
 *   wrongly; good enough for Moby Dick-sized LM corpora, not for evaluation of a parser.
 *
 * Reference: Jurafsky & Martin, Speech and Language Processing (3rd ed.), ch. 2
 * ("Words and Tokens").
 */

/** Options of {@link wordTokenize} and {@link whitespaceTokenize}. */
export interface TokenizeOptions {
  /** Lower-case the text first (`String.prototype.toLowerCase`, locale-independent). Default: false. */
  lowercase?: boolean;
}

/** Options of {@link charTokenize}. */
export interface CharTokenizeOptions extends TokenizeOptions {
  /** Unicode-normalize to NFC before splitting, so precomposed and decomposed letters agree. Default: true. */
  normalize?: boolean;
}

/** A word: letters/marks/digits, optionally joined by single inner apostrophes or hyphens. Other non-space characters: one token each. */
const WORD_RE = /[\p{L}\p{M}\p{N}]+(?:['’\-][\p{L}\p{M}\p{N}]+)*|[^\s\p{L}\p{M}\p{N}]/gu;

/**
 * Splits on runs of white space (any Unicode white space); no empty tokens.
 * @param text - the text.
 * @param options - lowercase (default false).
 * @returns the tokens, length = number of white-space separated fields.
 */
export function whitespaceTokenize(text: string, options: TokenizeOptions = {}): string[] {
  const s = options.lowercase === true ? text.toLowerCase() : text;
  return s.split(/\s+/u).filter((t) => t.length > 0);
}

/**
 * A regex word/punctuation tokenizer for raw text (see the file comment for the rule).
 * `wordTokenize("Привет, мир!")` → `["Привет", ",", "мир", "!"]`.
 * @param text - the text.
 * @param options - lowercase (default false).
 * @returns the tokens in text order; white space is never part of a token.
 */
export function wordTokenize(text: string, options: TokenizeOptions = {}): string[] {
  const s = options.lowercase === true ? text.toLowerCase() : text;
  return s.match(WORD_RE) ?? [];
}

/**
 * Splits text into Unicode code points (NFC-normalized by default). White space is kept:
 * a character LM predicts spaces and newlines too.
 * @param text - the text.
 * @param options - normalize (default true), lowercase (default false).
 * @returns one string per code point; `charTokenize("ёж")` → `["ё", "ж"]`.
 */
export function charTokenize(text: string, options: CharTokenizeOptions = {}): string[] {
  let s = options.normalize === false ? text : text.normalize("NFC");
  if (options.lowercase === true) s = s.toLowerCase();
  return Array.from(s);
}

/** End of a sentence: [.!?]+, closing quotes/brackets, white space, then a capital, digit or opening quote. */
const SENTENCE_END_RE = /([.!?]+["'”’»)\]]*)\s+(?=["'“‘«(\[]?[\p{Lu}\p{N}])/gu;

/**
 * Splits raw prose into sentences (see the file comment for the rule). Line breaks inside a
 * sentence become spaces; blank lines (paragraph breaks) always end a sentence.
 * @param text - the text.
 * @returns the sentences, trimmed, none empty.
 */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const paragraph of text.split(/\n\s*\n/u)) {
    const flat = paragraph.replace(/\s+/gu, " ").trim();
    if (flat.length === 0) continue;
    for (const s of flat.replace(SENTENCE_END_RE, "$1\n").split("\n")) {
      const t = s.trim();
      if (t.length > 0) out.push(t);
    }
  }
  return out;
}
