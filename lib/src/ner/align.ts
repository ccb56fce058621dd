/**
 * Character spans ↔ token spans: where the entities of a text fall on its tokens.
 *
 * A character span [a, b) covers the tokens that share at least one character with it,
 * t.start < b and t.end > a. The token span is exact when its first token starts at a and
 * its last token ends at b; otherwise it is widened to those whole tokens and the entity
 * is "inexact", of one of two kinds:
 *   - "inside-token": a boundary falls strictly inside a token — the annotation says
 *     "Москв" of "Москвы", or the tokenizer glued "российско-американский" while the
 *     annotation marks "российско" alone;
 *   - "off-token": a boundary falls in white space or outside any token (a span that takes
 *     in a leading or trailing space).
 * An entity that covers no token (only white space) is dropped ("no-token").
 *
 * A span equal to an earlier one (start, end and type) is a "duplicate" and merged with it
 * (brat files sometimes list a mention twice). Token spans must not overlap to be written
 * as tags (ner/tag_scheme.ts): the rest are taken in order of start, longest first, then
 * input order, and one that overlaps a span already kept is dropped as "overlapping"
 * (nested or crossing mentions, which flat tags cannot hold).
 *
 * Back from tokens: a token span [i, j) is the character span [tokens[i].start,
 * tokens[j−1].end), so exact entities come back unchanged.
 */
import type { CharSpan, Token, TokenSpan } from "./types.js";

/** Why an entity did not map onto whole tokens, or was dropped. */
export type AlignmentIssue = "inside-token" | "off-token" | "no-token" | "overlapping" | "duplicate";

/** The result of {@link alignSpans}. */
export interface Alignment {
  /** The kept token spans, sorted by start, non-overlapping. */
  spans: TokenSpan[];
  /** The entities that were widened, dropped or merged, each with the reason; an entity widened and then dropped is listed twice. */
  issues: Array<{ span: CharSpan; issue: AlignmentIssue }>;
}

/**
 * Maps character spans onto tokens (see the file comment).
 * @param tokens - the text's tokens, in order (ner/tokenize.ts).
 * @param spans - the entities, any order.
 * @returns the kept token spans and the issues.
 */
export function alignSpans(tokens: readonly Token[], spans: readonly CharSpan[]): Alignment {
  const issues: Alignment["issues"] = [];
  const candidates: Array<{ token: TokenSpan; span: CharSpan; order: number }> = [];
  const seen = new Set<string>();
  spans.forEach((span, order) => {
    const key = `${span.start} ${span.end} ${span.type}`;
    if (seen.has(key)) {
      issues.push({ span, issue: "duplicate" });
      return;
    }
    seen.add(key);
    // First token whose end is after span.start (binary search), then every token that starts before span.end.
    let lo = 0;
    let hi = tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tokens[mid].end > span.start) hi = mid;
      else lo = mid + 1;
    }
    let j = lo;
    while (j < tokens.length && tokens[j].start < span.end) j++;
    if (j === lo) {
      issues.push({ span, issue: "no-token" });
      return;
    }
    const first = tokens[lo];
    const last = tokens[j - 1];
    if (first.start !== span.start || last.end !== span.end) {
      const inside = (c: number) => tokens.slice(lo, j).some((t) => t.start < c && c < t.end);
      issues.push({ span, issue: inside(span.start) || inside(span.end) ? "inside-token" : "off-token" });
    }
    candidates.push({ token: { start: lo, end: j, type: span.type }, span, order });
  });
  candidates.sort((a, b) => a.token.start - b.token.start || b.token.end - a.token.end || a.order - b.order);
  const kept: typeof candidates = [];
  for (const c of candidates) {
    const prev = kept[kept.length - 1];
    if (prev === undefined || c.token.start >= prev.token.end) {
      kept.push(c);
      continue;
    }
    issues.push({ span: c.span, issue: "overlapping" });
  }
  return { spans: kept.map((k) => k.token), issues };
}

/**
 * Token spans back to character spans.
 * @param tokens - the tokens the spans index.
 * @param spans - token spans [start, end) within the tokens.
 * @returns [tokens[start].start, tokens[end − 1].end) for each, with its type.
 */
export function tokenSpansToCharSpans(tokens: readonly Token[], spans: readonly TokenSpan[]): CharSpan[] {
  return spans.map((s) => ({ start: tokens[s.start].start, end: tokens[s.end - 1].end, type: s.type }));
}
