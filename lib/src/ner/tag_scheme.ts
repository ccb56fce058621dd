/**
 * Spans ↔ tags in the four schemes IO, IOB2 (BIO), IOB1 and IOBES (ner/types.ts shows them
 * side by side), scheme detection, and the chunk rules of `conlleval`.
 *
 * Tags are "O" or "P-TYPE" with the prefix P ∈ {B, I} (IO: I only; IOBES also E and S) and
 * a non-empty TYPE without white space (Unicode's: no-break space and U+FEFF included), split
 * at the FIRST hyphen as conlleval does ("B-GEO-POL" has type "GEO-POL").
 *
 * Reading tags into chunks, leniently (conlleval's rules, Tjong Kim Sang 2000-2004, the
 * CoNLL shared tasks' `conlleval.pl`):
 *   1. a chunk starts at B-X, and at I-X whose previous tag is O, another type, or the
 *      sentence start (so IOB1, IOB2 and IO read alike, and an "invalid" IOB2 I-X after O
 *      starts a chunk rather than being dropped);
 *   2. a chunk ends before O, before B-anything, and before a tag of another type;
 *   3. the end of the sentence ends every chunk.
 * IOBES is mapped first, position by position: S-X → B-X; E-X and I-X → I-X if the
 * previous tag is B-X or I-X (the chunk goes on), else B-X (after E-X or S-X a chunk has
 * ended, so whatever follows starts a new one).
 *
 * Strict reading (as seqeval's strict mode, but an invalid transition is an error, not a
 * silently dropped chunk): IOB2 — I-X only after B-X or I-X; IOB1 — B-X only after B-X or
 * I-X; IOBES — I-X and E-X only after B-X or I-X, and B-X and I-X only before I-X or E-X
 * (so a chunk cannot stop without its E); IO — every tag is valid.
 *
 * Writing chunks into tags is exact in IOB2, IOB1 and IOBES: `tagsToSpans(spansToTags(s))`
 * gives back s for any non-overlapping spans. IO loses the boundary between two adjacent
 * chunks of one type (they read back as one chunk).
 *
 * References: Ramshaw & Marcus 1995 (IOB1); Tjong Kim Sang & Veenstra 1999, "Representing
 * text chunks" (IOB2, IOE); Ratinov & Roth 2009 (BILOU = IOBES); Tjong Kim Sang & De
 * Meulder 2003 (CoNLL-2003, conlleval).
 */
import { TagError } from "./errors.js";
import type { TagScheme, TokenSpan } from "./types.js";

/** A tag's parts: the prefix ("O" for the outside tag) and the type ("" for O). */
export interface ParsedTag {
  prefix: "O" | "B" | "I" | "E" | "S";
  type: string;
}

/** Where token i is, for messages ("FILE:LINE", "sentence 3, token 5"). */
export type Where = (token: number) => string;

const defaultWhere: Where = (i) => `token ${i}`;

/** The prefixes each scheme allows besides O. */
export const SCHEME_PREFIXES: Readonly<Record<TagScheme, readonly string[]>> = {
  IO: ["I"],
  IOB1: ["B", "I"],
  IOB2: ["B", "I"],
  IOBES: ["B", "I", "E", "S"],
};

const TAG_RE = /^([BIES])-(\S+)$/u;

/**
 * Splits a tag into prefix and type, checking it against a scheme.
 * @param tag - "O" or "P-TYPE".
 * @param scheme - the scheme whose prefixes are allowed. Default: IOBES (all four).
 * @param where - the position for the message. Default: "tag".
 * @returns { prefix, type }.
 * @throws TagError "WHERE: expected O or B-/I-TYPE (IOB2), got 'X'".
 */
export function parseTag(tag: string, scheme: TagScheme = "IOBES", where = "tag"): ParsedTag {
  if (tag === "O") return { prefix: "O", type: "" };
  const m = typeof tag === "string" ? TAG_RE.exec(tag) : null;
  const allowed = SCHEME_PREFIXES[scheme];
  if (m === null || !allowed.includes(m[1])) {
    const shape = `O or ${allowed.map((p) => `${p}-`).join("/")}TYPE (${scheme})`;
    throw new TagError(`${where}: expected ${shape}, got ${typeof tag === "string" ? `'${tag}'` : String(tag)}`);
  }
  return { prefix: m[1] as ParsedTag["prefix"], type: m[2] };
}

/**
 * The chunks of one sentence's tags (see the file comment for the lenient and strict rules).
 * @param tags - [L] tags in `scheme`.
 * @param scheme - the tags' scheme.
 * @param options - strict (default false): invalid transitions are TagErrors; where: names token i in messages (default "token i").
 * @returns the chunks, in order, as token spans [start, end).
 * @throws TagError for a tag outside the scheme, or (strict) an invalid transition.
 */
export function tagsToSpans(tags: readonly string[], scheme: TagScheme, options: { strict?: boolean; where?: Where } = {}): TokenSpan[] {
  const where = options.where ?? defaultWhere;
  const parsed = tags.map((t, i) => parseTag(t, scheme, where(i)));
  if (options.strict === true) checkTransitions(tags, parsed, scheme, where);
  const iob = scheme === "IOBES" ? iobesAsIob2(parsed) : parsed;
  const spans: TokenSpan[] = [];
  let open: TokenSpan | null = null;
  for (let i = 0; i < iob.length; i++) {
    const { prefix, type } = iob[i];
    const continues = prefix === "I" && open !== null && open.type === type;
    if (continues) continue;
    if (open !== null) {
      open.end = i;
      spans.push(open);
      open = null;
    }
    if (prefix !== "O") open = { start: i, end: i + 1, type };
  }
  if (open !== null) {
    open.end = iob.length;
    spans.push(open);
  }
  return spans;
}

/** IOBES → IOB2 position by position (see the file comment). */
function iobesAsIob2(parsed: readonly ParsedTag[]): ParsedTag[] {
  return parsed.map(({ prefix, type }, i) => {
    if (prefix === "O" || prefix === "B") return { prefix, type };
    if (prefix === "S") return { prefix: "B", type };
    const prev = parsed[i - 1];
    const goesOn = prev !== undefined && (prev.prefix === "B" || prev.prefix === "I") && prev.type === type;
    return { prefix: goesOn ? "I" : "B", type };
  });
}

/** The strict rules (see the file comment); throws at the first violation. */
function checkTransitions(tags: readonly string[], parsed: readonly ParsedTag[], scheme: TagScheme, where: Where): void {
  const inside = (p: ParsedTag | undefined, type: string) => p !== undefined && (p.prefix === "B" || p.prefix === "I") && p.type === type;
  const describe = (i: number) => (i < 0 ? "the sentence start" : i >= tags.length ? "the sentence end" : `'${tags[i]}'`);
  for (let i = 0; i < parsed.length; i++) {
    const { prefix, type } = parsed[i];
    const fail = (expected: string) => {
      throw new TagError(`${where(i)}: expected ${expected}, got '${tags[i]}' after ${describe(i - 1)} (strict ${scheme})`);
    };
    if (scheme === "IOB2" && prefix === "I" && !inside(parsed[i - 1], type)) fail(`B-${type} or O (I-${type} only after B-${type} or I-${type})`);
    if (scheme === "IOB1" && prefix === "B" && !inside(parsed[i - 1], type)) fail(`I-${type} (B-${type} only right after a chunk of type ${type})`);
    if (scheme === "IOBES") {
      if ((prefix === "I" || prefix === "E") && !inside(parsed[i - 1], type)) fail(`B-${type} or S-${type} (${prefix}-${type} only after B-${type} or I-${type})`);
      const next = parsed[i + 1];
      if ((prefix === "B" || prefix === "I") && !(next !== undefined && (next.prefix === "I" || next.prefix === "E") && next.type === type)) {
        throw new TagError(
          `${where(Math.min(i + 1, tags.length - 1))}: expected I-${type} or E-${type} after '${tags[i]}', got ${describe(i + 1)} (strict IOBES: a chunk ends with E-${type})`,
        );
      }
    }
  }
}

/**
 * Writes chunks as tags.
 * @param length - L, the number of tokens.
 * @param spans - token spans [start, end) within [0, L), non-overlapping, in any order.
 * @param scheme - the scheme to write.
 * @param where - names the tag list in messages. Default: "spans".
 * @returns [L] tags.
 * @throws TagError for a span outside [0, L), an empty or reversed span, an empty type or one with white space, or two overlapping spans.
 */
export function spansToTags(length: number, spans: readonly TokenSpan[], scheme: TagScheme, where = "spans"): string[] {
  if (!Number.isInteger(length) || length < 0) throw new TagError(`${where}: expected a length ≥ 0, got ${length}`);
  const sorted = [...spans].sort((a, b) => a.start - b.start || a.end - b.end);
  for (const s of sorted) {
    if (!Number.isInteger(s.start) || !Number.isInteger(s.end) || s.start < 0 || s.end > length || s.start >= s.end) {
      throw new TagError(`${where}: expected a span [start, end) with 0 ≤ start < end ≤ ${length}, got [${s.start}, ${s.end}) ${s.type}`);
    }
    if (typeof s.type !== "string" || s.type === "" || /\s/.test(s.type)) {
      throw new TagError(`${where}: expected a non-empty type without white space, got ${JSON.stringify(s.type)} at [${s.start}, ${s.end})`);
    }
  }
  for (let k = 1; k < sorted.length; k++) {
    const [a, b] = [sorted[k - 1], sorted[k]];
    if (b.start < a.end) throw new TagError(`${where}: expected non-overlapping spans, got [${a.start}, ${a.end}) ${a.type} and [${b.start}, ${b.end}) ${b.type}`);
  }
  const tags = new Array<string>(length).fill("O");
  let prev: TokenSpan | null = null;
  for (const s of sorted) {
    const n = s.end - s.start;
    for (let i = s.start; i < s.end; i++) {
      const first = i === s.start;
      const last = i === s.end - 1;
      let prefix: string;
      switch (scheme) {
        case "IO":
          prefix = "I";
          break;
        case "IOB2":
          prefix = first ? "B" : "I";
          break;
        case "IOB1":
          prefix = first && prev !== null && prev.end === s.start && prev.type === s.type ? "B" : "I";
          break;
        case "IOBES":
          prefix = n === 1 ? "S" : first ? "B" : last ? "E" : "I";
          break;
      }
      tags[i] = `${prefix}-${s.type}`;
    }
    prev = s;
  }
  return tags;
}

/**
 * Converts one sentence's tags between schemes: `spansToTags(L, tagsToSpans(tags, from), to)`.
 * @param tags - [L] tags in `from`.
 * @param from - their scheme.
 * @param to - the scheme to write.
 * @param options - strict (default false), where (default "token i").
 * @returns [L] tags in `to`.
 */
export function convertTags(tags: readonly string[], from: TagScheme, to: TagScheme, options: { strict?: boolean; where?: Where } = {}): string[] {
  return spansToTags(tags.length, tagsToSpans(tags, from, options), to);
}

/** What {@link detectScheme} found. */
export interface SchemeEvidence {
  /** The scheme the tags are in. */
  scheme: TagScheme;
  /** Where a B-X starts a chunk after O, another type or the sentence start (only IOB2 and IOBES do that), if anywhere. */
  bAtChunkStart?: string;
  /** Where an I-X starts a chunk (only IOB1 and IO do that), if anywhere. */
  iAtChunkStart?: string;
}

/**
 * Tells IOB1 from IOB2 (and IOBES) by where chunks start:
 *   1. any E-X or S-X tag → IOBES;
 *   2. else an I-X at a chunk start (after O, another type, or the sentence start) says IOB1,
 *      and a B-X at a chunk start says IOB2; both at once → TagError naming one of each;
 *   3. neither (no entity at all) → IOB2.
 * IO files read as IOB1 (they have no B, and IOB1 reads their chunks the same way).
 * @param sentences - the tag sequences.
 * @param where - names token i of sentence s. Default: "sentence s, token i".
 * @returns the scheme and the evidence.
 * @throws TagError for a tag that is not O, B-, I-, E- or S-TYPE, or for mixed evidence.
 */
export function detectScheme(sentences: Iterable<readonly string[]>, where: (sentence: number, token: number) => string = (s, i) => `sentence ${s}, token ${i}`): SchemeEvidence {
  let bStart: [number, number] | undefined;
  let iStart: [number, number] | undefined;
  let es = false;
  let s = 0;
  for (const tags of sentences) {
    let prev: ParsedTag = { prefix: "O", type: "" };
    for (let i = 0; i < tags.length; i++) {
      const tag = parseTag(tags[i], "IOBES", where(s, i));
      const afterSame = (prev.prefix === "B" || prev.prefix === "I") && prev.type === tag.type;
      if (tag.prefix === "E" || tag.prefix === "S") es = true;
      if (tag.prefix === "B" && !afterSame) bStart ??= [s, i];
      if (tag.prefix === "I" && !afterSame) iStart ??= [s, i];
      prev = tag;
    }
    s++;
  }
  const at = (p: [number, number] | undefined) => (p === undefined ? undefined : where(p[0], p[1]));
  const evidence = { bAtChunkStart: at(bStart), iAtChunkStart: at(iStart) };
  if (es) return { scheme: "IOBES", ...evidence };
  if (bStart !== undefined && iStart !== undefined) {
    // Name the later of the two first, so the message starts where reading must stop.
    const iLater = iStart[0] > bStart[0] || (iStart[0] === bStart[0] && iStart[1] > bStart[1]);
    const [later, earlier] = iLater ? [iStart, bStart] : [bStart, iStart];
    const what = (p: [number, number]) => (p === iStart ? "an I-X at a chunk start (IOB1)" : "a B-X at a chunk start (IOB2)");
    throw new TagError(`${where(later[0], later[1])}: expected one tagging scheme, got ${what(later)} here and ${what(earlier)} at ${where(earlier[0], earlier[1])}; declare the scheme`);
  }
  return { scheme: iStart !== undefined ? "IOB1" : "IOB2", ...evidence };
}
