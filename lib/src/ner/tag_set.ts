/**
 * `TagSet`: the tag ↔ id table of a tagger, K = 1 + (prefixes per type) · (number of types).
 *
 * Ids in a fixed order that does not depend on the corpus order: "O" = 0, then per type in
 * code-point order the scheme's prefixes in the order B, I, E, S (IOB2: O, B-LOC, I-LOC,
 * B-ORG, I-ORG, …; IO: O, I-LOC, I-ORG, …). Padded positions of a batch carry id 0 (O),
 * which the mask hides from loss and decoding.
 *
 * The CRF's transition matrix A [K, K] (ops/crf.ts) is indexed by these ids, so
 * `tagSet.tags` labels its rows and columns in a heatmap.
 */
import { TagError } from "./errors.js";
import { SCHEME_PREFIXES, parseTag } from "./tag_scheme.js";
import type { TagScheme } from "./types.js";

/** The JSON form of a tag set. */
export interface TagSetJson {
  format: "seqlab-tagset";
  version: 1;
  scheme: TagScheme;
  types: string[];
}

/** The tags of a scheme over entity types, with ids (see the file comment). Immutable. */
export class TagSet {
  /** tags[id]. */
  readonly tags: readonly string[];
  /** The entity types in code-point order. */
  readonly types: readonly string[];
  private readonly ids: Map<string, number>;

  /**
   * @param types - the entity types (any order, duplicates removed), each non-empty without white space.
   * @param scheme - the scheme. Default: "IOB2".
   */
  constructor(
    types: Iterable<string>,
    readonly scheme: TagScheme = "IOB2",
  ) {
    this.types = [...new Set(types)].sort(compareCodePoints);
    for (const t of this.types) {
      if (typeof t !== "string" || !/^\S+$/u.test(t)) throw new TagError(`TagSet: expected types without white space, got ${JSON.stringify(t)}`);
    }
    this.tags = ["O", ...this.types.flatMap((t) => SCHEME_PREFIXES[scheme].map((p) => `${p}-${t}`))];
    this.ids = new Map(this.tags.map((t, i) => [t, i]));
  }

  /**
   * The tag set of the types that occur in tagged sentences.
   * @param sentences - tag sequences in `scheme`.
   * @param scheme - their scheme. Default: "IOB2".
   * @returns the tag set (every prefix of every type found, even if not all occur).
   */
  static fromTags(sentences: Iterable<readonly string[]>, scheme: TagScheme = "IOB2"): TagSet {
    const types = new Set<string>();
    let s = 0;
    for (const tags of sentences) {
      tags.forEach((t, i) => {
        const { type } = parseTag(t, scheme, `TagSet.fromTags: sentence ${s}, token ${i}`);
        if (type !== "") types.add(type);
      });
      s++;
    }
    return new TagSet(types, scheme);
  }

  /** K, the number of tags. */
  get size(): number {
    return this.tags.length;
  }

  /** The id of a tag. @throws TagError for a tag not in the set. */
  idOf(tag: string): number {
    const id = this.ids.get(tag);
    if (id === undefined) throw new TagError(`TagSet: expected one of ${this.tags.join(", ")}, got ${JSON.stringify(tag)}`);
    return id;
  }

  /**
   * Tags → ids.
   * @param tags - [L] tags of this set.
   * @returns int32 [L].
   */
  encode(tags: readonly string[]): Int32Array {
    return Int32Array.from(tags, (t) => this.idOf(t));
  }

  /**
   * Ids → tags.
   * @param ids - [L] ids in [0, K).
   * @returns [L] tags.
   */
  decode(ids: ArrayLike<number>): string[] {
    return Array.from({ length: ids.length }, (_, i) => {
      const t = this.tags[ids[i]];
      if (t === undefined || !Number.isInteger(ids[i])) throw new TagError(`TagSet: expected ids in [0, ${this.size}), got ${ids[i]} at position ${i}`);
      return t;
    });
  }

  /** The JSON form (scheme and types; the ids follow from them). */
  toJSON(): TagSetJson {
    return { format: "seqlab-tagset", version: 1, scheme: this.scheme, types: [...this.types] };
  }

  /**
   * The inverse of {@link toJSON}.
   * @param json - a parsed JSON value.
   * @param source - names it in messages. Default: "tag set JSON".
   * @returns the tag set.
   */
  static fromJSON(json: unknown, source = "tag set JSON"): TagSet {
    const o = json as Partial<TagSetJson> | null;
    const schemes: readonly string[] = Object.keys(SCHEME_PREFIXES);
    if (typeof o !== "object" || o === null || o.format !== "seqlab-tagset" || o.version !== 1) {
      throw new TagError(`${source}: expected {"format": "seqlab-tagset", "version": 1, …}, got ${JSON.stringify(json)?.slice(0, 80)}`);
    }
    if (typeof o.scheme !== "string" || !schemes.includes(o.scheme)) throw new TagError(`${source}: expected "scheme" to be one of ${schemes.join(", ")}, got ${JSON.stringify(o.scheme)}`);
    if (!Array.isArray(o.types) || !o.types.every((t) => typeof t === "string")) throw new TagError(`${source}: expected "types" to be an array of strings, got ${JSON.stringify(o.types)}`);
    return new TagSet(o.types, o.scheme);
  }
}

/** Code-point order (Perl's `sort` on byte strings of UTF-8 text). */
export function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}
