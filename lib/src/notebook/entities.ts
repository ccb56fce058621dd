/**
 * Named entities shown in a text, as displaCy's entity visualiser draws them (spaCy's
 * `displacy.render(doc, style="ent")`), offline: each entity a coloured box around its
 * words with its type in small capitals after them; the rest of the text as is.
 *
 *     Facebook ORG готовится к IPO …, сообщает The Wall Street Journal ORG; …
 *
 * `entitiesHtml` makes the HTML (inline styles only, no script, no external font, so the
 * course site and a browser from disk show it); `showEntities` displays it in a notebook,
 * with a plain-text form for terminals, where entities are bracketed: "[Facebook]ORG".
 * Spans are [start, end) string indices (UTF-16, as ner/types.ts), sorted by the caller or
 * not; overlapping spans are an error (flat NER has none).
 */
import { ArgumentError } from "../errors.js";
import type { CharSpan } from "../ner/types.js";
import { display, escapeHtml } from "./display.js";

/** Background colours of the usual types (displaCy's palette where it has the type). */
const COLOURS: Readonly<Record<string, string>> = {
  PER: "#aa9cfc",
  PERSON: "#aa9cfc",
  ORG: "#7aecec",
  LOC: "#ff9561",
  GPE: "#feca74",
  GEOPOLIT: "#feca74",
  MISC: "#e4e7d2",
  MEDIA: "#bfe1d9",
};

/** The colour of a type: the palette's, else one of a few fixed ones chosen by the name. */
export function entityColour(type: string): string {
  const known = COLOURS[type];
  if (known !== undefined) return known;
  const spare = ["#c887fb", "#9cc9cc", "#ffeb80", "#ff8197", "#f0d0ff", "#bfeeb7"];
  let h = 0;
  for (const c of type) h = (h * 31 + c.codePointAt(0)!) >>> 0;
  return spare[h % spare.length];
}

/** Checks spans against a text and returns them sorted by start. */
function sortedSpans(where: string, text: string, spans: readonly CharSpan[]): CharSpan[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || a.end - b.end);
  sorted.forEach((s, k) => {
    if (!Number.isInteger(s.start) || !Number.isInteger(s.end) || s.start < 0 || s.end > text.length || s.start >= s.end) {
      throw new ArgumentError(`${where}: expected spans with 0 ≤ start < end ≤ ${text.length}, got [${s.start}, ${s.end}) ${s.type}`);
    }
    const prev = sorted[k - 1];
    if (prev !== undefined && s.start < prev.end) throw new ArgumentError(`${where}: expected non-overlapping spans, got [${prev.start}, ${prev.end}) ${prev.type} and [${s.start}, ${s.end}) ${s.type}`);
  });
  return sorted;
}

/**
 * The displaCy-style HTML of a text with its entities (see the file comment).
 * @param text - the text.
 * @param spans - the entities: [start, end) and type, not overlapping.
 * @returns a `<div>`; line breaks in the text become `<br>`.
 */
export function entitiesHtml(text: string, spans: readonly CharSpan[]): string {
  const sorted = sortedSpans("entitiesHtml", text, spans);
  const plain = (s: string) => escapeHtml(s).replace(/\r?\n/g, "<br>");
  let html = "";
  let at = 0;
  for (const s of sorted) {
    html += plain(text.slice(at, s.start));
    html +=
      `<mark class="entity" style="background: ${entityColour(s.type)}; padding: 0.3em 0.5em; margin: 0 0.2em; line-height: 2.2; border-radius: 0.35em;">` +
      `${plain(text.slice(s.start, s.end))}` +
      `<span style="font-size: 0.7em; font-weight: bold; line-height: 1; border-radius: 0.35em; vertical-align: middle; margin-left: 0.5em; text-transform: uppercase;">${escapeHtml(s.type)}</span></mark>`;
    at = s.end;
  }
  html += plain(text.slice(at));
  return `<div class="entities" style="line-height: 2.5; direction: ltr;">${html}</div>`;
}

/**
 * The text with entities bracketed: "[Facebook]ORG готовится …".
 * @param text - the text.
 * @param spans - the entities, not overlapping.
 */
export function entitiesText(text: string, spans: readonly CharSpan[]): string {
  const sorted = sortedSpans("entitiesText", text, spans);
  let out = "";
  let at = 0;
  for (const s of sorted) {
    out += `${text.slice(at, s.start)}[${text.slice(s.start, s.end)}]${s.type}`;
    at = s.end;
  }
  return out + text.slice(at);
}

/**
 * Displays a text with its entities highlighted (HTML in a notebook, brackets elsewhere).
 * @param text - the text.
 * @param spans - the entities, not overlapping.
 */
export function showEntities(text: string, spans: readonly CharSpan[]): void {
  display({ "text/html": entitiesHtml(text, spans), "text/plain": entitiesText(text, spans) });
}
