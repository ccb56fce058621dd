/**
 * The line grammar of brat's standoff `.ann` files, both ways (parse and format). The
 * texts are checked against the `.txt` file by ner/brat_reader.ts; here only the syntax.
 *
 * One annotation per line, fields separated by TAB (→ below), the ID's first character
 * giving the kind (brat manual, "Standoff format", brat.nlplab.org/standoff.html):
 *
 * | kind | example                                         | meaning                       |
 * | ---- | ----------------------------------------------- | ----------------------------- |
 * | T    | `T1→ORG 0 8→Facebook`                           | text-bound: type, fragments, text |
 * | T    | `T2→LOC 0 5;7 9→North America`                  | discontinuous: fragments joined by one space in the text |
 * | R    | `R1→Origin Arg1:T3 Arg2:T4`                     | relation: type, role:id arguments |
 * | E    | `E1→MERGE-ORG:T2 Org1:T1 Org2:T3`               | event: type:trigger, role:id arguments |
 * | A, M | `A1→Negation E1`, `A2→Confidence E2 L1`         | attribute: name, target, optional value |
 * | N    | `N1→Reference T1 Wikipedia:534366→Barack Obama` | normalisation: type, target, db:id, optional text |
 * | #    | `#1→AnnotatorNotes T1→checked`                  | note: type, target, optional text |
 * | *    | `*→Equiv T1 T2 T3`                              | equivalence: type, ids |
 *
 * All of them are kept (none is skipped), so a document reads and writes back unchanged;
 * a line of any other kind is an error. Rules this parser enforces, each a `BratError`
 * "FILE:LINE: expected …, got …":
 *   1. the ID is the kind's character followed by at least one non-space character (`*` alone);
 *      no ID twice in a file;
 *   2. types, names and role names are non-empty and have no white space; offsets are
 *      decimal integers (digits only);
 *   3. every id that a line refers to (argument, trigger, target) is defined in the file,
 *      before or after the line;
 *   4. blank lines are allowed and ignored; a "\r" before each "\n" is dropped (CRLF files).
 * The text after a T or N line's second TAB is taken verbatim (it may contain TABs).
 */
import { BratError } from "./errors.js";

/** One fragment of a text-bound annotation, in the file's offsets (code points; see ner/offsets.ts). */
export interface BratFragment {
  start: number;
  end: number;
}

/** `T`: a text-bound annotation (an entity mention). */
export interface BratTextBound {
  kind: "T";
  id: string;
  type: string;
  /** One or more fragments, as written. */
  fragments: BratFragment[];
  /** The annotated text as written in the `.ann` file. */
  text: string;
  /** 1-based line in the `.ann` file. */
  line: number;
}

/** `R`: a relation between annotations. */
export interface BratRelation {
  kind: "R";
  id: string;
  type: string;
  /** [role, id] pairs, e.g. [["Arg1", "T3"], ["Arg2", "T4"]]. */
  args: Array<[string, string]>;
  line: number;
}

/** `E`: an event with its trigger and arguments. */
export interface BratEvent {
  kind: "E";
  id: string;
  type: string;
  /** The id of the trigger (a T annotation). */
  trigger: string;
  args: Array<[string, string]>;
  line: number;
}

/** `A` (or the older `M`): an attribute of an annotation. */
export interface BratAttribute {
  kind: "A" | "M";
  id: string;
  name: string;
  target: string;
  /** The value of a multi-valued attribute; absent for a binary one. */
  value?: string;
  line: number;
}

/** `N`: a normalisation (a link to an external database entry). */
export interface BratNormalization {
  kind: "N";
  id: string;
  type: string;
  target: string;
  /** "db:id", e.g. "Wikipedia:534366". */
  ref: string;
  /** The entry's text, when written. */
  text?: string;
  line: number;
}

/** `#`: an annotator's note. */
export interface BratNote {
  kind: "#";
  id: string;
  type: string;
  target: string;
  /** The note, when written (may be ""). */
  text?: string;
  line: number;
}

/** `*`: an equivalence of annotations. */
export interface BratEquiv {
  kind: "*";
  type: string;
  ids: string[];
  line: number;
}

/** Any line of an `.ann` file. */
export type BratRecord = BratTextBound | BratRelation | BratEvent | BratAttribute | BratNormalization | BratNote | BratEquiv;

/** A parsed `.ann` file. */
export interface BratAnn {
  /** Every annotation, in file order. */
  records: BratRecord[];
  /** True when every line end of the file is "\r\n" (and there is at least one). */
  crlf: boolean;
}

const NAME = /^\S+$/u;
const INT = /^\d+$/;

/**
 * Parses the text of an `.ann` file (see the file comment for the rules).
 * @param ann - the file's text.
 * @param source - the file name, for messages.
 * @returns the records in file order and the line-end style.
 * @throws BratError "SOURCE:LINE: expected …, got …".
 */
export function parseAnn(ann: string, source: string): BratAnn {
  const lines = ann.split("\n");
  const crlf = lines.length > 1 && lines.slice(0, -1).every((l) => l.endsWith("\r"));
  const records: BratRecord[] = [];
  const defined = new Map<string, number>();
  const refs: Array<{ id: string; line: number; role: string }> = [];
  for (let k = 0; k < lines.length; k++) {
    const lineNo = k + 1;
    const line = lines[k].endsWith("\r") ? lines[k].slice(0, -1) : lines[k];
    if (/^\s*$/u.test(line)) continue;
    const fail = (expected: string, got: string): never => {
      throw new BratError(`${source}:${lineNo}: expected ${expected}, got ${got}`);
    };
    const quote = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);
    const fields = line.split("\t");
    const id = fields[0];
    const kind = id[0];
    if (!"TREAMN#*".includes(kind)) fail("an annotation line starting with T, R, E, A, M, N, # or *", quote(line));
    if (kind === "*" ? id !== "*" : !NAME.test(id) || id.length < 2) fail(`an id of the form ${kind}<n>`, quote(id));
    if (kind !== "*") {
      const first = defined.get(id);
      if (first !== undefined) fail(`a new id`, `'${id}' already defined on line ${first}`);
      defined.set(id, lineNo);
    }
    const withText = kind === "T" || kind === "N" || kind === "#";
    if (fields.length < 2 || (kind === "T" && fields.length < 3) || (!withText && fields.length !== 2)) {
      const n = kind === "T" ? "3" : withText ? "2 or 3" : "2";
      fail(`${n} TAB-separated fields for a ${kind} line`, `${fields.length}: ${quote(line)}`);
    }
    const text = fields.length >= 3 ? fields.slice(2).join("\t") : undefined;
    const parts = fields[1].split(" ");
    if (parts.some((p) => p === "")) fail("fields separated by single spaces", quote(fields[1]));
    const name = (s: string | undefined, what: string): string => (s !== undefined && NAME.test(s) ? s : fail(what, s === undefined ? "nothing" : quote(s)));
    const ref = (s: string | undefined, role: string): string => {
      const r = name(s, `the id of an annotation (${role})`);
      refs.push({ id: r, line: lineNo, role });
      return r;
    };
    const roleArgs = (items: string[]): Array<[string, string]> =>
      items.map((a) => {
        const m = /^([^:\s]+):(\S+)$/u.exec(a);
        if (m === null) return fail("an argument ROLE:ID", quote(a));
        return [m[1], ref(m[2], `argument ${m[1]}`)];
      });
    switch (kind) {
      case "T": {
        const m = /^(\S+) ([^\s;]+ [^\s;]+(?:;[^\s;]+ [^\s;]+)*)$/u.exec(fields[1]);
        if (m === null) fail("TYPE START END[;START END]...", quote(fields[1]));
        const fragments = m![2].split(";").map((f) => {
          const [a, b] = f.split(" ");
          if (!INT.test(a) || !INT.test(b)) fail("offsets as decimal integers", quote(f));
          return { start: Number(a), end: Number(b) };
        });
        records.push({ kind, id, type: m![1], fragments, text: text!, line: lineNo });
        break;
      }
      case "R":
        if (parts.length < 2) fail("TYPE and ROLE:ID arguments", quote(fields[1]));
        records.push({ kind, id, type: name(parts[0], "a relation type"), args: roleArgs(parts.slice(1)), line: lineNo });
        break;
      case "E": {
        const m = /^([^:\s]+):(\S+)$/u.exec(parts[0]);
        if (m === null) fail("TYPE:TRIGGER", quote(parts[0]));
        records.push({ kind, id, type: m![1], trigger: ref(m![2], "trigger"), args: roleArgs(parts.slice(1)), line: lineNo });
        break;
      }
      case "A":
      case "M":
        if (parts.length < 2 || parts.length > 3) fail("NAME TARGET [VALUE]", quote(fields[1]));
        records.push({ kind, id, name: name(parts[0], "an attribute name"), target: ref(parts[1], "target"), ...(parts.length === 3 ? { value: parts[2] } : {}), line: lineNo });
        break;
      case "N":
        if (parts.length !== 3 || !/^[^:\s]+:\S+$/u.test(parts[2])) fail("TYPE TARGET DB:ID", quote(fields[1]));
        records.push({ kind, id, type: name(parts[0], "a normalisation type"), target: ref(parts[1], "target"), ref: parts[2], ...(text !== undefined ? { text } : {}), line: lineNo });
        break;
      case "#":
        if (parts.length !== 2) fail("TYPE TARGET", quote(fields[1]));
        records.push({ kind, id, type: name(parts[0], "a note type"), target: ref(parts[1], "target"), ...(text !== undefined ? { text } : {}), line: lineNo });
        break;
      case "*":
        if (parts.length < 3) fail("TYPE and at least two ids", quote(fields[1]));
        records.push({ kind, type: name(parts[0], "an equivalence type"), ids: parts.slice(1).map((p) => ref(p, "equivalent")), line: lineNo });
        break;
    }
  }
  for (const r of refs) {
    if (!defined.has(r.id)) throw new BratError(`${source}:${r.line}: expected the ${r.role} to be an id defined in this file, got '${r.id}'`);
  }
  return { records, crlf };
}

/**
 * One record as an `.ann` line (without the line end): the inverse of {@link parseAnn}.
 * @param r - the record (T fragments in the file's offsets).
 * @returns the line.
 */
export function formatAnnLine(r: BratRecord): string {
  const args = (a: Array<[string, string]>) => a.map(([role, id]) => ` ${role}:${id}`).join("");
  switch (r.kind) {
    case "T":
      return `${r.id}\t${r.type} ${r.fragments.map((f) => `${f.start} ${f.end}`).join(";")}\t${r.text}`;
    case "R":
      return `${r.id}\t${r.type}${args(r.args)}`;
    case "E":
      return `${r.id}\t${r.type}:${r.trigger}${args(r.args)}`;
    case "A":
    case "M":
      return `${r.id}\t${r.name} ${r.target}${r.value !== undefined ? ` ${r.value}` : ""}`;
    case "N":
      return `${r.id}\t${r.type} ${r.target} ${r.ref}${r.text !== undefined ? `\t${r.text}` : ""}`;
    case "#":
      return `${r.id}\t${r.type} ${r.target}${r.text !== undefined ? `\t${r.text}` : ""}`;
    case "*":
      return `*\t${r.type} ${r.ids.join(" ")}`;
  }
}
