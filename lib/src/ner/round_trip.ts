/**
 * The round trip spans → tags → spans over a whole BRAT corpus: how many annotated
 * entities a tagger could reproduce exactly at best, and why the others cannot be.
 *
 * For each document: its mentions as character spans (ner/documents.ts `entitySpans`) →
 * `documentToSentences` (tokens, sentences, IOB2 tags) → for every scheme, the tags
 * converted to that scheme, read back as chunks, and mapped to character spans through the
 * token offsets. An entity (a distinct start, end, type) is "lost" in a scheme when that
 * span does not come back. In IOB2, IOB1 and IOBES the tags themselves lose nothing
 * (ner/tag_scheme.ts), so every lost entity is explained by the alignment (ner/align.ts):
 * a boundary inside a token, a boundary in white space, no token at all, or an overlap with
 * another entity; `unexplained` counts the rest and is 0. IO also merges adjacent entities
 * of one type, so it loses more.
 *
 * Collection5 (`roundTripCounts(loadCollection5Documents().documents)`; printed by
 * `node --import tsx --test test/ner-corpora.test.ts`, which checks the identities): of
 * 26,408 distinct entities (26,409 mentions, one listed twice), 13 are lost in IOB2, IOB1
 * and IOBES — 11 with a boundary inside a token (mostly annotations cut short, "Горсове" of
 * "Горсовет", or text glued together, "сообщалоИА REGNUM"), 1 with a trailing space
 * ("Сидибе "), 1 crossing another (last_34: "Чеховском районе" / "районе Подмосковья");
 * IO loses 796 (adjacent entities of one type merge).
 */
import { entitySpans, documentToSentences, sentenceSpans } from "./documents.js";
import type { AlignmentIssue } from "./align.js";
import type { BratEntity } from "./brat_reader.js";
import { convertTags } from "./tag_scheme.js";
import { TAG_SCHEMES, type TagScheme } from "./types.js";

/** Counts of {@link roundTripCounts}. */
export interface RoundTripCounts {
  documents: number;
  sentences: number;
  tokens: number;
  /** Mentions read (T annotations kept by the reader). */
  entities: number;
  /** Mentions per type. */
  entitiesByType: Record<string, number>;
  /** Distinct (start, end, type) entities: `entities` less exact duplicates. */
  distinct: number;
  /** Discontinuous mentions (replaced by their covering span). */
  discontinuous: number;
  /** Distinct entities per alignment issue (ner/align.ts); "duplicate" counts the extra copies. */
  issues: Record<AlignmentIssue, number>;
  /** Distinct entities that do not come back, per scheme. */
  lost: Record<TagScheme, number>;
  /** Lost entities in IOB2 that no alignment issue explains (0 when the pipeline is sound). */
  unexplained: number;
  /** Sentence boundaries held back because an entity spans them. */
  protectedBoundaries: number;
}

const key = (s: { start: number; end: number; type: string }) => `${s.start}\u0000${s.end}\u0000${s.type}`;

/**
 * Runs the round trip over documents (see the file comment).
 * @param documents - the documents' names, texts and entities (e.g. `readBratFolder(dir).documents`).
 * @returns the counts.
 */
export function roundTripCounts(documents: ReadonlyArray<{ name: string; text: string; entities: readonly BratEntity[] }>): RoundTripCounts {
  const counts: RoundTripCounts = {
    documents: documents.length,
    sentences: 0,
    tokens: 0,
    entities: 0,
    entitiesByType: {},
    distinct: 0,
    discontinuous: 0,
    issues: { "inside-token": 0, "off-token": 0, "no-token": 0, overlapping: 0, duplicate: 0 },
    lost: { IO: 0, IOB2: 0, IOB1: 0, IOBES: 0 },
    unexplained: 0,
    protectedBoundaries: 0,
  };
  for (const doc of documents) {
    const { spans, discontinuous } = entitySpans(doc.entities);
    counts.entities += spans.length;
    counts.discontinuous += discontinuous;
    for (const s of spans) counts.entitiesByType[s.type] = (counts.entitiesByType[s.type] ?? 0) + 1;
    const wanted = new Set(spans.map(key));
    counts.distinct += wanted.size;
    const result = documentToSentences(doc.text, spans, { doc: doc.name });
    counts.sentences += result.sentences.length;
    counts.tokens += result.tokens.length;
    counts.protectedBoundaries += result.protectedBoundaries;
    // Issues per distinct entity (a duplicate copy is counted as such, once per extra copy).
    const explained = new Set<string>();
    const seen = new Set<string>();
    for (const { span, issue } of result.issues) {
      if (issue === "duplicate") {
        counts.issues.duplicate++;
        continue;
      }
      const k = `${key(span)}\u0000${issue}`;
      if (seen.has(k)) continue;
      seen.add(k);
      counts.issues[issue]++;
      explained.add(key(span));
    }
    for (const scheme of TAG_SCHEMES) {
      const back = new Set<string>();
      for (const sentence of result.sentences) {
        const tags = convertTags(sentence.tags, "IOB2", scheme);
        for (const s of sentenceSpans(sentence, scheme, tags)) back.add(key(s));
      }
      for (const k of wanted) {
        if (back.has(k)) continue;
        counts.lost[scheme]++;
        if (scheme === "IOB2" && !explained.has(k)) counts.unexplained++;
      }
    }
  }
  return counts;
}
