/**
 * Fuzzing every reader of text input (issue 11, "readers are fuzzed"): fast-check mutates
 * valid files — bit flips; inserted NUL, invalid UTF-8 (0xff, a cut-off 0xc3, a surrogate,
 * an overlong "/"), CR, tab, BOM, newline; truncation; duplicated, deleted and swapped
 * lines; CRLF line ends; blank lines; numeric fields replaced by NaN / Infinity / -1e400 /
 * hex / garbage; the counts of an ARPA header changed; tokens replaced by other tokens —
 * and feeds them to
 *   - ARPA models: `ArpaLm.read` (lib/src/lm/arpa_reader.ts);
 *   - text corpora: the CLI's `readTextFile` (lib/src/cli/text.ts), `readSentences`
 *     (lib/src/lm/ngram_counts.ts), `readLineSentences` and the PTB loader `loadPtb`
 *     (lib/src/datasets/);
 *   - vocabulary files: `Vocab.load` (lib/src/data/vocab.ts), compact and pretty-printed.
 *
 * Property, for every mutated input:
 *   1. the reader returns a result equal to the one of an independent reference reader
 *      written here from the format's definition (and, when every mutation was
 *      semantically neutral — CRLF, blank lines, a tab for a space — equal to the result on
 *      the unmutated file); or
 *   2. it throws the reader's seqlab error kind, whose message starts with the file name and
 *      a line ("FILE:LINE: expected …") — with the exact line and byte offset of the first
 *      invalid UTF-8 sequence or NUL byte, as the reference finds them — and the reference
 *      rejects the input too;
 * never another exception, never a result that differs from what the file says, and never
 * a rejection of a file the reference accepts.
 *
 * The runs are seeded, so a failure reproduces: 400 runs per property (SEQLAB_FUZZ_RUNS),
 * about 2,900 inputs in about 3 s. SEQLAB_FUZZ_TALLY=1 counts instead of failing and prints
 * per reader: inputs tried, rejected, accepted, and failures by kind. At 3,000 runs
 * (21,655 inputs) the code before issue 11 failed on 1,343 inputs (and 3,700 more gave
 * messages without a line or offset): 127 crashes (RangeError: a header count like ngram 1=99999999999
 * was allocated), 1,209 silent results (binary / invalid UTF-8 / NUL text read as a corpus;
 * -1e400, Infinity, 0x10 in ARPA files; text after \end\; vocabulary files whose words
 * were reordered, moving words to other ids), 7 valid ARPA files rejected (CR, vertical tab,
 * U+FEFF inside a line kept as part of a word) — and now has none.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { SeqlabError } from "../lib/src/errors.js";
import { ArpaError, ArpaLm } from "../lib/src/lm/arpa_reader.js";
import { toArpa } from "../lib/src/lm/arpa_writer.js";
import { KneserNeyLm } from "../lib/src/lm/kneser_ney.js";
import { readSentences } from "../lib/src/lm/ngram_counts.js";
import { readTextFile } from "../lib/src/cli/text.js";
import { DatasetError, readLineSentences } from "../lib/src/datasets/folder.js";
import { loadPtb } from "../lib/src/datasets/ptb.js";
import { Vocab, VocabFileError } from "../lib/src/data/vocab.js";
import { ArgumentError } from "../lib/src/errors.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-fuzz-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const RUNS = Number(process.env.SEQLAB_FUZZ_RUNS ?? 400);
const TALLY = process.env.SEQLAB_FUZZ_TALLY === "1";
/**
 * Per reader: inputs tried, typed errors, accepted, and failures by kind — "crash" (an
 * exception that is not the reader's seqlab error), "silent" (a result although the input
 * is invalid, or a result different from the file), "message" (the right error kind whose
 * message lacks the file, line or offset), "rejected valid" (an error on a valid input).
 */
type FailureKind = "crash" | "silent" | "message" | "rejected valid";
const tally: Record<string, { tried: number; rejected: number; accepted: number; failures: { kind: FailureKind; why: string }[] }> = {};
const entry = (name: string) => (tally[name] ??= { tried: 0, rejected: 0, accepted: 0, failures: [] });
function record(name: string, kind: FailureKind, why: string): void {
  entry(name).failures.push({ kind, why });
  if (!TALLY) assert.fail(`${name}: ${why}`);
}
after(() => {
  if (!TALLY) return;
  const kinds: FailureKind[] = ["crash", "silent", "message", "rejected valid"];
  const rows = Object.entries(tally).map(([k, v]) => ({
    reader: k,
    tried: v.tried,
    rejected: v.rejected,
    accepted: v.accepted,
    ...Object.fromEntries(kinds.map((kind) => [kind, v.failures.filter((f) => f.kind === kind).length])),
    examples: kinds.flatMap((kind) => v.failures.filter((f) => f.kind === kind).slice(0, 2).map((f) => `${kind}: ${f.why.slice(0, 200)}`)),
  }));
  console.log(JSON.stringify(rows, null, 1));
});

// ---------------------------------------------------------------------------------------
// Mutations

const KINDS = ["flip", "insert", "truncate", "dupLine", "delLine", "swapLines", "crlf", "blank", "tab", "number", "header", "word"] as const;
type Kind = (typeof KINDS)[number];
interface Mutation {
  kind: Kind;
  a: number;
  b: number;
  pick: number;
}
/** Mutations that do not change what a file means (for the reader they are marked neutral for). */
const NEUTRAL: Record<string, readonly Kind[]> = { text: ["crlf", "blank", "tab"], arpa: ["crlf", "blank"], vocab: ["crlf", "blank", "tab"] };

const INSERTS: number[][] = [[0x00], [0xff], [0xc3], [0x80], [0x0d], [0x09], [0x20], [0x0a], [0xef, 0xbb, 0xbf], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]];
const NUMBERS = ["NaN", "Infinity", "-Infinity", "-inf", "-1e400", "1e400", "0x10", "abc", "1", "-0", "+0.5", ".5", "-99", "1e-400", "-1.5e2", "--1", "1e", "nan"];
const VOCAB_NUMBERS = ["NaN", "1e999", "-1", "1.5", '"3"', "null", "0", "7", "2", "1e2", "[]"];

const mutationArb: fc.Arbitrary<Mutation> = fc.record({ kind: fc.constantFrom(...KINDS), a: fc.nat(), b: fc.nat(), pick: fc.nat() });
const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 3 });

const splitLines = (buf: Buffer): Buffer[] => {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < buf.length; i++) if (buf[i] === 0x0a) (out.push(buf.subarray(start, i)), (start = i + 1));
  out.push(buf.subarray(start));
  return out;
};
const joinLines = (lines: Buffer[]) => Buffer.concat(lines.flatMap((l, i) => (i === 0 ? [l] : [Buffer.from("\n"), l])));

/** Applies one mutation to the bytes of a file. */
function mutate(buf: Buffer, m: Mutation, reader: "text" | "arpa" | "vocab"): Buffer {
  const len = buf.length;
  const lines = splitLines(buf);
  const L = lines.length;
  switch (m.kind) {
    case "flip": {
      if (len === 0) return buf;
      const out = Buffer.from(buf);
      out[m.a % len] ^= 1 << m.b % 8;
      return out;
    }
    case "insert": {
      const at = m.a % (len + 1);
      return Buffer.concat([buf.subarray(0, at), Buffer.from(INSERTS[m.pick % INSERTS.length]), buf.subarray(at)]);
    }
    case "truncate":
      return buf.subarray(0, m.a % (len + 1));
    case "dupLine": {
      const i = m.a % L;
      return joinLines([...lines.slice(0, i + 1), lines[i], ...lines.slice(i + 1)]);
    }
    case "delLine": {
      const i = m.a % L;
      return joinLines([...lines.slice(0, i), ...lines.slice(i + 1)]);
    }
    case "swapLines": {
      const out = [...lines];
      const i = m.a % L;
      const j = m.b % L;
      [out[i], out[j]] = [out[j], out[i]];
      return joinLines(out);
    }
    case "crlf":
      return Buffer.from(buf.toString("latin1").replace(/\n/g, "\r\n"), "latin1");
    case "blank": {
      const i = m.a % (L + 1);
      return joinLines([...lines.slice(0, i), Buffer.from(m.pick % 2 === 0 ? "" : "  \t"), ...lines.slice(i)]);
    }
    case "tab": {
      // A space (between tokens, or in JSON outside strings) replaced by a tab.
      const spaces: number[] = [];
      for (let i = 0; i < len; i++) if (buf[i] === 0x20) spaces.push(i);
      if (spaces.length === 0) return buf;
      const out = Buffer.from(buf);
      out[spaces[m.a % spaces.length]] = 0x09;
      return out;
    }
    case "number": {
      const s = buf.toString("latin1");
      const re = reader === "vocab" ? /-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/g : /(?<=^|\s)-?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?=\s|$)/gm;
      const hits = [...s.matchAll(re)];
      if (hits.length === 0) return buf;
      const h = hits[m.a % hits.length];
      const values = reader === "vocab" ? VOCAB_NUMBERS : NUMBERS;
      return Buffer.from(s.slice(0, h.index) + values[m.pick % values.length] + s.slice(h.index! + h[0].length), "latin1");
    }
    case "header": {
      const s = buf.toString("latin1");
      const hits = [...s.matchAll(/ngram (\d+)=(\d+)/g)];
      if (hits.length === 0) return mutate(buf, { ...m, kind: "number" }, reader);
      const h = hits[m.a % hits.length];
      const c = Number(h[2]);
      const value = [c + 1, c - 1, 0, 99999999999, c * 2, "x", ""][m.pick % 7];
      return Buffer.from(s.slice(0, h.index) + `ngram ${h[1]}=${value}` + s.slice(h.index! + h[0].length), "latin1");
    }
    case "word": {
      const s = buf.toString("latin1");
      const words = [...s.matchAll(/[a-z<>/]+[a-z>]/g)];
      if (words.length < 2) return buf;
      const h = words[m.a % words.length];
      const w = words[m.b % words.length][0];
      return Buffer.from(s.slice(0, h.index) + w + s.slice(h.index! + h[0].length), "latin1");
    }
  }
}

// ---------------------------------------------------------------------------------------
// Reference decoding: the first bad byte, found from the replacement-character decoding.

/** The first invalid UTF-8 sequence or NUL byte (whichever comes first), or null. */
function firstBadByte(bytes: Buffer): { offset: number; nul: boolean } | null {
  const lossy = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
  let invalid = -1;
  let offset = 0;
  for (const ch of lossy) {
    const enc = Buffer.from(ch, "utf8");
    if (ch === "\uFFFD" && !bytes.subarray(offset, offset + 3).equals(enc)) {
      invalid = offset;
      break;
    }
    offset += enc.length;
  }
  const nul = bytes.indexOf(0);
  if (invalid < 0 && nul < 0) return null;
  if (nul >= 0 && (invalid < 0 || nul < invalid)) return { offset: nul, nul: true };
  return { offset: invalid, nul: false };
}
const lineOfByte = (bytes: Buffer, offset: number) => 1 + [...bytes.subarray(0, offset)].filter((b) => b === 0x0a).length;

/** The reference's text of the bytes, or the reason it rejects them: UTF-8, no NUL, BOM dropped. */
function referenceDecode(bytes: Buffer, file: string): { text: string } | { error: RegExp } {
  const bad = firstBadByte(bytes);
  if (bad === null) {
    const text = bytes.toString("utf8");
    return { text: text.startsWith("\uFEFF") ? text.slice(1) : text };
  }
  const line = lineOfByte(bytes, bad.offset);
  const esc = file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return {
    error: bad.nul
      ? new RegExp(`^${esc}:${line}: expected text, got a NUL byte at byte offset ${bad.offset} `)
      : new RegExp(`^${esc}:${line}: expected UTF-8 text, got the byte sequence (0x[0-9a-f]{2} ?)+ at byte offset ${bad.offset}( \\(cut off at the end of the file\\))?$`),
  };
}

/** Runs a reader on an input and checks the property against the reference result. */
function check<T>(
  name: string,
  ErrorKind: new (...args: never[]) => SeqlabError,
  file: string,
  read: () => T,
  reference: { value: T } | { error: RegExp | string },
  equal: (a: T, b: T) => void,
  neutralOriginal?: T,
): void {
  const t = entry(name);
  t.tried++;
  const fail = (why: string, kind: FailureKind = "message") => record(name, kind, why);
  let value: T;
  try {
    value = read();
  } catch (e) {
    t.rejected++;
    if (!(e instanceof ErrorKind)) return fail(`expected a ${ErrorKind.name}, got ${(e as Error)?.name}: ${(e as Error)?.message}`, "crash");
    const message = (e as Error).message;
    if (!message.startsWith(file)) return fail(`expected the message to start with the file name, got '${message}'`);
    if (!/^[^\n]*:\d+: expected /.test(message) && !/^[^\n]*: expected at least one non-empty line/.test(message)) return fail(`expected 'FILE:LINE: expected …', got '${message}'`);
    if (message.includes("\n")) return fail(`expected a one-line message, got '${message}'`);
    if ("value" in reference) return fail(`the reference accepts this input, the reader says '${message}'`, "rejected valid");
    if (reference.error instanceof RegExp && !reference.error.test(message)) return fail(`expected a message like ${reference.error}, got '${message}'`);
    return;
  }
  t.accepted++;
  if (!("value" in reference)) return fail(`the reference rejects this input (${String(reference.error)}), the reader accepted it`, "silent");
  try {
    equal(value, reference.value);
    if (neutralOriginal !== undefined) equal(value, neutralOriginal);
  } catch (e) {
    return fail(`a result different from the file: ${(e as Error).message.split("\n").slice(0, 6).join(" ")}`, "silent");
  }
}

let fileNo = 0;
const writeTmp = (name: string, bytes: Buffer) => {
  const p = path.join(tmp, `${fileNo++}-${name}`);
  fs.writeFileSync(p, bytes);
  return p;
};
const isNeutral = (ms: Mutation[], reader: keyof typeof NEUTRAL) => ms.every((m) => NEUTRAL[reader].includes(m.kind));

// ---------------------------------------------------------------------------------------
// Text corpora

const CORPUS = fs.readFileSync(path.join(import.meta.dirname, "fixtures/lm/train.txt"));

/** The PTB text format by definition: lines split at \n (a CR before it is white space), tokens at runs of white space. */
function referenceLines(text: string): string[][] {
  return text.split("\n").map((l) => l.split(/\s+/).filter((t) => t !== "")).filter((t) => t.length > 0);
}
/** readSentences' rule on top: a leading <s> and a trailing </s> are dropped; elsewhere they are an error. */
function referenceSentences(text: string): string[][] | "boundary" {
  const out: string[][] = [];
  for (const line of text.split("\n")) {
    const t = line.split(/\s+/).filter((x) => x !== "");
    if (t[0] === "<s>") t.shift();
    if (t[t.length - 1] === "</s>") t.pop();
    if (t.includes("<s>") || t.includes("</s>")) return "boundary";
    if (t.length > 0) out.push(t);
  }
  return out;
}

describe("fuzz: text corpora (CLI text files, readSentences, readLineSentences, loadPtb)", () => {
  const original = referenceLines(CORPUS.toString("utf8"));
  test("mutated corpora: the reference's sentences, or an error with the file, line and byte offset", () => {
    fc.assert(
      fc.property(mutationsArb, (ms) => {
        let bytes = CORPUS;
        for (const m of ms) bytes = mutate(bytes, m, "text");
        const file = writeTmp("train.txt", bytes);
        const ref = referenceDecode(bytes, file);
        const neutral = isNeutral(ms, "text") ? original : undefined;
        const refSentences = "text" in ref ? referenceSentences(ref.text) : null;
        // 1. The CLI's reader (ArgumentError): readSentences' rules, at least one sentence.
        const cliRef =
          "error" in ref ? ref : refSentences === "boundary" ? { error: "<s> or </s> inside a line" } : refSentences!.length === 0 ? { error: "no sentence" } : { value: refSentences! };
        check("readTextFile (cli/text.ts)", ArgumentError, file, () => readTextFile(file, "--train"), cliRef, (a, b) => assert.deepEqual(a, b), neutral);
        // 2. readSentences on the decoded text (the library's string entry point).
        if ("text" in ref) {
          const r = refSentences === "boundary" ? { error: "<s> or </s> inside a line" } : { value: refSentences! };
          check("readSentences (lm/ngram_counts.ts)", ArgumentError, file, () => readSentences(ref.text, file), r, (a, b) => assert.deepEqual(a, b), neutral);
        }
        // 3. The dataset reader (DatasetError): every line, boundary tokens kept.
        const lineRef = "error" in ref ? ref : { value: referenceLines(ref.text) };
        check("readLineSentences (datasets/folder.ts)", DatasetError, file, () => readLineSentences(file), lineRef, (a, b) => assert.deepEqual(a, b), neutral);
      }),
      { numRuns: RUNS, seed: 11 },
    );
  });

  test("loadPtb reads a mutated ptb.train.txt as the reference does, or names file, line and offset", async () => {
    const dataDir = path.join(tmp, "ptb-data");
    fs.mkdirSync(path.join(dataDir, "ptb"), { recursive: true });
    for (const s of ["valid", "test"]) fs.writeFileSync(path.join(dataDir, "ptb", `ptb.${s}.txt`), "a b\n");
    const file = path.join(dataDir, "ptb", "ptb.train.txt");
    await fc.assert(
      fc.asyncProperty(mutationsArb, async (ms) => {
        let bytes = CORPUS;
        for (const m of ms) bytes = mutate(bytes, m, "text");
        fs.writeFileSync(file, bytes);
        const ref = referenceDecode(bytes, file);
        let value: string[][] | undefined;
        let error: unknown;
        try {
          value = (await loadPtb({ dataDir, download: false })).train;
        } catch (e) {
          error = e;
        }
        check("loadPtb (datasets/ptb.ts)", DatasetError, file, () => {
          if (error !== undefined) throw error;
          return value!;
        }, "error" in ref ? ref : { value: referenceLines(ref.text) }, (a, b) => assert.deepEqual(a, b), isNeutral(ms, "text") ? original : undefined);
      }),
      { numRuns: Math.ceil(RUNS / 3), seed: 12 },
    );
  });
});

// ---------------------------------------------------------------------------------------
// ARPA

/** The reference model: n-gram → [log10 p, log10 bow], by the format's definition (see lm/arpa_reader.ts's file comment). */
interface RefArpa {
  order: number;
  entries: Map<string, [number, number]>;
  unigrams: string[];
}
const DECIMAL = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** An independent, line-by-line reader of ARPA text; a string is the reason for rejecting it. */
function referenceArpa(text: string): RefArpa | string {
  if (text.includes("\0")) return "NUL";
  const lines = text.split("\n").map((l) => l.trim());
  let i = 0;
  const at = () => (i < lines.length ? lines[i] : null);
  while (at() !== null && at() !== "\\data\\") i++;
  if (at() === null) return "no \\data\\";
  i++;
  const counts: number[] = [];
  while (at() !== null && (at() === "" || at()!.startsWith("ngram "))) {
    if (at() !== "") {
      const m = /^ngram\s+(\d+)\s*=\s*(\d+)$/.exec(at()!);
      if (m === null || Number(m[1]) !== counts.length + 1) return "header line";
      if (Number(m[2]) > text.length / 4) return "header count too large";
      counts.push(Number(m[2]));
    }
    i++;
  }
  if (counts.length === 0) return "no counts";
  const entries = new Map<string, [number, number]>();
  const unigrams: string[] = [];
  for (let n = 1; n <= counts.length; n++) {
    while (at() === "") i++;
    if (at() !== `\\${n}-grams:`) return `no \\${n}-grams:`;
    i++;
    let seen = 0;
    for (; at() !== null && !at()!.startsWith("\\"); i++) {
      if (at() === "") continue;
      const f = at()!.split(/\s+/);
      if (f.length !== n + 1 && f.length !== n + 2) return "fields";
      if (!DECIMAL.test(f[0]) || !Number.isFinite(Number(f[0])) || Number(f[0]) > 0) return "log-probability";
      if (f.length === n + 2 && (!DECIMAL.test(f[n + 1]) || !Number.isFinite(Number(f[n + 1])))) return "backoff";
      const words = f.slice(1, n + 1);
      if (n > 1 && !words.every((w) => entries.has(w))) return "unknown word";
      if (n > 1 && !entries.has(words.slice(0, -1).join(" "))) return "missing context";
      const key = words.join(" ");
      if (entries.has(key)) return "duplicate";
      if (++seen > counts[n - 1]) return "too many";
      entries.set(key, [Number(f[0]), f.length === n + 2 ? Number(f[n + 1]) : 0]);
      if (n === 1) unigrams.push(words[0]);
    }
    if (seen !== counts[n - 1]) return "too few";
  }
  while (at() === "") i++;
  if (at() !== "\\end\\") return "no \\end\\";
  i++;
  while (at() === "") i++;
  if (at() !== null) return "text after \\end\\";
  if (!entries.has("</s>")) return "no </s>";
  return { order: counts.length, entries, unigrams };
}

/** log10 p(w | h) by the back-off rule, from the reference entries (h: the last N − 1 words, OOV → <unk>). */
function referenceLog10Prob(ref: RefArpa, word: string, context: string[]): number {
  const known = (w: string) => (ref.entries.has(w) ? w : ref.entries.has("<unk>") ? "<unk>" : null);
  const w = known(word);
  if (w === null) return -Infinity;
  let h = context.map(known).slice(-(ref.order - 1) || context.length);
  if (ref.order === 1) h = [];
  const cut = h.lastIndexOf(null);
  let hs = h.slice(cut + 1) as string[];
  let backoff = 0;
  for (;;) {
    const e = ref.entries.get([...hs, w].join(" "));
    if (e !== undefined) return backoff + e[0];
    if (hs.length === 0) return -Infinity;
    backoff += ref.entries.get(hs.join(" "))?.[1] ?? 0;
    hs = hs.slice(1);
  }
}

/** The model read back equals the reference: vocabulary, sizes, every listed n-gram, and back-off for probes. */
function sameArpa(lm: ArpaLm, ref: RefArpa): void {
  assert.equal(lm.order, ref.order);
  assert.deepEqual([...lm.vocabulary].sort(), ref.unigrams.filter((w) => w !== "<s>").sort());
  const words = [...ref.unigrams, "zebra"];
  for (const [key, [p]] of ref.entries) {
    const ws = key.split(" ");
    const got = lm.log10Prob(ws[ws.length - 1], ws.slice(0, -1));
    assert.ok(got === p, `listed '${key}': read ${got}, the file says ${p}`); // === : -0 and 0 are the same probability
  }
  const contexts = [...ref.entries.keys()].filter((k) => k.split(" ").length < ref.order).map((k) => k.split(" "));
  for (const h of [[], ["zebra"], ...contexts.slice(0, 12)]) {
    for (const w of words) {
      const a = lm.log10Prob(w, h);
      const b = referenceLog10Prob(ref, w, h);
      assert.ok(a === b || Math.abs(a - b) < 1e-9, `log10 p(${w} | ${h.join(" ")}): read ${a}, reference ${b}`);
    }
  }
}

describe("fuzz: ARPA files (ArpaLm.read)", () => {
  const corpus = readSentences(CORPUS.toString("utf8"), "train.txt");
  for (const order of [2, 3]) {
    test(`mutated order-${order} models: the reference model, or an ArpaError with file:line`, () => {
      const base = Buffer.from(toArpa(KneserNeyLm.fromSentences(corpus, order)), "utf8");
      const originalRef = referenceArpa(base.toString("utf8"));
      assert.ok(typeof originalRef !== "string", `the unmutated file is valid: ${originalRef}`);
      fc.assert(
        fc.property(mutationsArb, (ms) => {
          let bytes = base;
          for (const m of ms) bytes = mutate(bytes, m, "arpa");
          const file = writeTmp("m.arpa", bytes);
          const dec = referenceDecode(bytes, file);
          const ref = "error" in dec ? dec : ((r) => (typeof r === "string" ? { error: r } : { value: r }))(referenceArpa(dec.text));
          check(
            `ArpaLm.read (lm/arpa_reader.ts), order ${order}`,
            ArpaError,
            file,
            () => ArpaLm.read(file),
            ref as { value: ArpaLm } | { error: RegExp | string },
            (lm) => {
              sameArpa(lm, (ref as { value: RefArpa }).value);
              if (isNeutral(ms, "arpa")) sameArpa(lm, originalRef as RefArpa);
            },
          );
        }),
        { numRuns: RUNS, seed: 20 + order },
      );
    });
  }
});

// ---------------------------------------------------------------------------------------
// Vocabulary files

/** The reference vocabulary file check (data/vocab.ts's file comment); a string is the reason to reject. */
function referenceVocab(text: string): { tokens: string[]; counts: number[]; unkAliases: string[] } | string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text);
  } catch {
    return "JSON";
  }
  for (const key of ["format", "version", "tokens", "counts", "unkAliases"]) if ((text.match(new RegExp(`"${key}"\\s*:`, "g")) ?? []).length > 1) return `duplicate key ${key}`;
  if (typeof o !== "object" || o === null || Array.isArray(o)) return "object";
  if (o.format !== "seqlab-vocab" || o.version !== 1) return "format";
  const { tokens, counts, unkAliases } = o as { tokens: unknown[]; counts: unknown[]; unkAliases: unknown[] };
  if (!Array.isArray(tokens) || !Array.isArray(counts) || !Array.isArray(unkAliases)) return "arrays";
  if (!tokens.every((t) => typeof t === "string") || !unkAliases.every((t) => typeof t === "string")) return "strings";
  if (!counts.every((c) => Number.isInteger(c) && (c as number) >= 0) || counts.length !== tokens.length) return "counts";
  if (["<PAD>", "<UNK>", "<SOS>", "<EOS>"].some((s, i) => tokens[i] !== s || counts[i] !== 0)) return "specials";
  if (new Set(tokens).size !== tokens.length || tokens.some((t) => unkAliases.includes(t))) return "distinct";
  for (let i = 4; i < tokens.length; i++) {
    if (tokens[i] === "") return "empty token";
    const [c0, c1, t0, t1] = [counts[i - 1] as number, counts[i] as number, tokens[i - 1] as string, tokens[i] as string];
    if (i > 4 && !(c0 > c1 || (c0 === c1 && t0 < t1))) return "order";
  }
  return { tokens: tokens as string[], counts: counts as number[], unkAliases: unkAliases as string[] };
}

describe("fuzz: vocabulary files (Vocab.load)", () => {
  const vocab = Vocab.fromSentences(readSentences(CORPUS.toString("utf8"), "train.txt"));
  const original = vocab.toJSON();
  for (const [layout, text] of [
    ["compact", JSON.stringify(original)],
    ["pretty-printed", JSON.stringify(original, null, 1)],
  ] as const) {
    test(`mutated ${layout} files: the reference vocabulary, or a VocabFileError naming file:line or the field`, () => {
      fc.assert(
        fc.property(mutationsArb, (ms) => {
          let bytes = Buffer.from(text, "utf8");
          for (const m of ms) bytes = mutate(bytes, m, "vocab");
          const file = writeTmp("vocab.json", bytes);
          const dec = referenceDecode(bytes, file);
          const r = "error" in dec ? dec.error : referenceVocab(dec.text);
          const ref = typeof r === "string" || r instanceof RegExp ? { error: r } : { value: r };
          const name = `Vocab.load (data/vocab.ts), ${layout}`;
          const t = entry(name);
          let loaded: Vocab | undefined;
          try {
            loaded = Vocab.load(file);
          } catch (e) {
            t.tried++;
            t.rejected++;
            const message = (e as Error).message;
            const [kind, why]: [FailureKind, string] | [null, null] =
              !(e instanceof VocabFileError) ? ["crash", `expected a VocabFileError, got ${(e as Error)?.name}: ${message}`]
              : "value" in ref ? ["rejected valid", `the reference accepts this file, the reader says '${message}'`]
              : !message.startsWith(`${file}:`) ? ["message", `expected the file name first, got '${message}'`]
              : !/^[^\n]*?(:\d+: expected |: expected .*(tokens|counts|unkAliases|"format"|"version"|an object|distinct))/.test(message) ? ["message", `expected a line or the field, got '${message}'`]
              : ref.error instanceof RegExp && !ref.error.test(message) ? ["message", `expected ${ref.error}, got '${message}'`]
              : [null, null];
            if (kind !== null) record(name, kind, why);
            return;
          }
          t.tried++;
          t.accepted++;
          const got = { tokens: [...loaded.tokens], counts: [...loaded.counts], unkAliases: [...loaded.unkAliases] };
          const why =
            !("value" in ref) ? `the reference rejects this file (${String(r)}), the reader accepted it`
            : JSON.stringify(got) !== JSON.stringify(ref.value) ? "a vocabulary different from the file"
            : isNeutral(ms, "vocab") && JSON.stringify(loaded.toJSON()) !== JSON.stringify(original) ? "a neutral edit changed the vocabulary"
            : null;
          if (why !== null) record(name, "silent", why);
        }),
        { numRuns: RUNS, seed: 30 + layout.length },
      );
    });
  }
});
