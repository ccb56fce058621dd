/**
 * From an annotated text to tagged sentences, and back: the pipeline every BRAT corpus goes
 * through before a tagger sees it.
 *
 *   1. tokens = tokenize(text)                                   (ner/tokenize.ts)
 *   2. entity spans → token spans; inexact ones widened, overlaps dropped (ner/align.ts)
 *   3. sentences = splitSentenceTokens(text, tokens, entities)   (ner/sentences.ts; no
 *      boundary inside an entity)
 *   4. per sentence: tags = spansToTags(its token spans, scheme)  (ner/tag_scheme.ts)
 *
 * Back: `sentenceSpans` reads a sentence's tags (gold or predicted) as chunks and turns
 * them into character spans of the document through the tokens' offsets, ready for
 * ner/brat_writer.ts.
 *
 * A discontinuous BRAT mention (fragments "0 5;7 9") becomes the one span that covers its
 * fragments, [first start, last end): flat tags cannot hold a gap (`entitySpans` counts
 * them; Collection5 has none).
 */
import { alignSpans, type Alignment } from "./align.js";
import type { BratEntity } from "./brat_reader.js";
import { TagError } from "./errors.js";
import { splitSentenceTokens } from "./sentences.js";
import { spansToTags, tagsToSpans } from "./tag_scheme.js";
import { tokenize } from "./tokenize.js";
import type { CharSpan, NerSentence, TagScheme, Token, TokenSpan } from "./types.js";

/** Options of {@link documentToSentences}. */
export interface DocumentToSentencesOptions {
  /** The scheme of the tags. Default: "IOB2". */
  scheme?: TagScheme;
  /** The document name stored in each sentence's `doc`. Default: none. */
  doc?: string;
  /** Split into sentences (else the whole document is one sentence). Default: true. */
  split?: boolean;
}

/** The result of {@link documentToSentences}. */
export interface DocumentSentences {
  /** The tagged sentences with token offsets. */
  sentences: NerSentence[];
  /** The document's tokens. */
  tokens: Token[];
  /** The kept entities as token spans of the whole document. */
  spans: TokenSpan[];
  /** Entities widened, dropped or merged on the way (ner/align.ts). */
  issues: Alignment["issues"];
  /** Sentence boundaries held back because an entity spans them. */
  protectedBoundaries: number;
}

/**
 * Steps 1–4 of the file comment.
 * @param text - the document's text.
 * @param entities - its entities as character spans (see {@link entitySpans} for BRAT mentions).
 * @param options - scheme (default IOB2), doc (default none), split (default true).
 * @returns the sentences, tokens, token spans and issues.
 */
export function documentToSentences(text: string, entities: readonly CharSpan[], options: DocumentToSentencesOptions = {}): DocumentSentences {
  const scheme = options.scheme ?? "IOB2";
  const tokens = tokenize(text);
  const { spans, issues } = alignSpans(tokens, entities);
  const split = options.split === false ? { sentences: tokens.length > 0 ? ([[0, tokens.length]] as Array<[number, number]>) : [], protectedBoundaries: 0 } : splitSentenceTokens(text, tokens, entities);
  const sentences: NerSentence[] = [];
  let k = 0; // next span (spans are sorted by start)
  for (const [a, b] of split.sentences) {
    const local: TokenSpan[] = [];
    for (; k < spans.length && spans[k].start < b; k++) {
      const s = spans[k];
      // Step 3 protects every entity, so a kept span never crosses a boundary; if one did, tags would lose it.
      if (s.end > b) throw new TagError(`documentToSentences${options.doc ? ` (${options.doc})` : ""}: expected entities inside sentences, got ${s.type} over tokens [${s.start}, ${s.end}) across a boundary at token ${b}`);
      local.push({ start: s.start - a, end: s.end - a, type: s.type });
    }
    const toks = tokens.slice(a, b);
    sentences.push({
      tokens: toks.map((t) => t.text),
      tags: spansToTags(b - a, local, scheme),
      offsets: toks.map((t) => [t.start, t.end]),
      ...(options.doc !== undefined ? { doc: options.doc } : {}),
    });
  }
  return { sentences, tokens, spans, issues, protectedBoundaries: split.protectedBoundaries };
}

/**
 * The character spans of a sentence's chunks (gold or predicted tags).
 * @param sentence - a sentence with `offsets` (from {@link documentToSentences}).
 * @param scheme - the tags' scheme.
 * @param tags - the tags to read. Default: `sentence.tags`.
 * @returns the chunks as [start, end) spans of the document text.
 * @throws TagError when the sentence has no offsets or the tags do not match its length.
 */
export function sentenceSpans(sentence: NerSentence, scheme: TagScheme, tags: readonly string[] = sentence.tags): CharSpan[] {
  const { offsets } = sentence;
  if (offsets === undefined) throw new TagError(`sentenceSpans: expected a sentence with token offsets (from a BRAT corpus), got none`);
  if (tags.length !== offsets.length) throw new TagError(`sentenceSpans: expected ${offsets.length} tags (one per token), got ${tags.length}`);
  return tagsToSpans(tags, scheme).map((s) => ({ start: offsets[s.start][0], end: offsets[s.end - 1][1], type: s.type }));
}

/**
 * BRAT mentions as character spans; a discontinuous one becomes its covering span.
 * @param entities - a document's entities (ner/brat_reader.ts).
 * @returns the spans (same order) and how many mentions were discontinuous.
 */
export function entitySpans(entities: readonly BratEntity[]): { spans: CharSpan[]; discontinuous: number } {
  return {
    spans: entities.map((e) => ({ start: e.start, end: e.end, type: e.type })),
    discontinuous: entities.filter((e) => e.fragments.length > 1).length,
  };
}
