/**
 * Tag schemes, tokens with offsets, sentences and span alignment (lib/src/ner/tag_scheme.ts,
 * tag_set.ts, tokenize.ts, sentences.ts, align.ts, documents.ts). Oracles:
 * - the scheme table of ner/types.ts and hand-written conversions (IOB1's B only between
 *   two chunks of one type);
 * - property: for random non-overlapping spans, spans → tags → spans is the identity in
 *   IOB2, IOB1 and IOBES, and in IO equals the spans with adjacent same-type spans merged
 *   (computed here independently); tags written in a scheme pass its strict check;
 * - property: the lenient chunk reader equals the chunks that test/helpers/conlleval-port.ts
 *   (a port of conlleval.pl's state machine) counts, on random IOB tag sequences;
 * - property: tokens cover every non-space character exactly once, in order, and
 *   `text.slice(start, end)` is the token.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { convertTags, detectScheme, parseTag, spansToTags, tagsToSpans } from "../lib/src/ner/tag_scheme.js";
import { TagSet } from "../lib/src/ner/tag_set.js";
import { TagError } from "../lib/src/ner/errors.js";
import { tokenize } from "../lib/src/ner/tokenize.js";
import { splitSentenceTokens } from "../lib/src/ner/sentences.js";
import { alignSpans, tokenSpansToCharSpans } from "../lib/src/ner/align.js";
import { documentToSentences, sentenceSpans } from "../lib/src/ner/documents.js";
import type { TagScheme, TokenSpan } from "../lib/src/ner/types.js";
import { conllevalCounts } from "./helpers/conlleval-port.js";

const throwsTag = (f: () => unknown, message: RegExp) => assert.throws(f, (e: unknown) => e instanceof TagError && message.test((e as Error).message));

describe("tag schemes", () => {
  // ner/types.ts's table: "Дэвид Эберсман работает в Facebook", PER = tokens 0-1, ORG = token 4.
  const spans: TokenSpan[] = [
    { start: 0, end: 2, type: "PER" },
    { start: 4, end: 5, type: "ORG" },
  ];
  const table: Record<TagScheme, string[]> = {
    IO: ["I-PER", "I-PER", "O", "O", "I-ORG"],
    IOB2: ["B-PER", "I-PER", "O", "O", "B-ORG"],
    IOB1: ["I-PER", "I-PER", "O", "O", "I-ORG"],
    IOBES: ["B-PER", "E-PER", "O", "O", "S-ORG"],
  };
  for (const [scheme, tags] of Object.entries(table) as Array<[TagScheme, string[]]>) {
    test(`spansToTags / tagsToSpans in ${scheme}: the table of ner/types.ts`, () => {
      assert.deepEqual(spansToTags(5, spans, scheme), tags);
      assert.deepEqual(tagsToSpans(tags, scheme, { strict: true }), spans);
    });
  }

  test("adjacent chunks of one type: IOB1 writes B at the second, IO merges them", () => {
    const two: TokenSpan[] = [
      { start: 0, end: 2, type: "LOC" },
      { start: 2, end: 3, type: "LOC" },
      { start: 3, end: 4, type: "PER" },
    ];
    assert.deepEqual(spansToTags(4, two, "IOB1"), ["I-LOC", "I-LOC", "B-LOC", "I-PER"]);
    assert.deepEqual(spansToTags(4, two, "IOB2"), ["B-LOC", "I-LOC", "B-LOC", "B-PER"]);
    assert.deepEqual(spansToTags(4, two, "IOBES"), ["B-LOC", "E-LOC", "S-LOC", "S-PER"]);
    assert.deepEqual(tagsToSpans(spansToTags(4, two, "IO"), "IO"), [
      { start: 0, end: 3, type: "LOC" },
      { start: 3, end: 4, type: "PER" },
    ]);
    // The original CoNLL-2003 style (IOB1) to IOB2 and back, by hand.
    const iob1 = ["I-ORG", "I-ORG", "O", "I-PER", "B-PER", "O", "I-LOC"];
    const iob2 = ["B-ORG", "I-ORG", "O", "B-PER", "B-PER", "O", "B-LOC"];
    assert.deepEqual(convertTags(iob1, "IOB1", "IOB2", { strict: true }), iob2);
    assert.deepEqual(convertTags(iob2, "IOB2", "IOB1", { strict: true }), iob1);
  });

  test("lenient reading is conlleval's: I-X after O starts a chunk, a type change splits one", () => {
    assert.deepEqual(tagsToSpans(["O", "I-PER", "I-PER", "I-LOC", "B-LOC", "I-LOC"], "IOB2"), [
      { start: 1, end: 3, type: "PER" },
      { start: 3, end: 4, type: "LOC" },
      { start: 4, end: 6, type: "LOC" },
    ]);
    // IOBES: after E or S a chunk has ended, so a following I starts a new one; a missing E is forgiven.
    assert.deepEqual(tagsToSpans(["B-PER", "E-PER", "I-PER", "S-LOC", "B-ORG", "I-ORG"], "IOBES"), [
      { start: 0, end: 2, type: "PER" },
      { start: 2, end: 3, type: "PER" },
      { start: 3, end: 4, type: "LOC" },
      { start: 4, end: 6, type: "ORG" },
    ]);
  });

  test("strict reading: invalid transitions are TagErrors naming the token", () => {
    throwsTag(() => tagsToSpans(["O", "I-PER"], "IOB2", { strict: true }), /^token 1: expected B-PER or O \(I-PER only after B-PER or I-PER\), got 'I-PER' after 'O' \(strict IOB2\)$/);
    throwsTag(() => tagsToSpans(["B-LOC", "I-PER"], "IOB2", { strict: true }), /^token 1: .* got 'I-PER' after 'B-LOC'/);
    throwsTag(() => tagsToSpans(["I-PER"], "IOB2", { strict: true, where: (i) => `f.txt:${i + 7}` }), /^f\.txt:7: .* after the sentence start/);
    throwsTag(() => tagsToSpans(["O", "B-PER"], "IOB1", { strict: true }), /^token 1: expected I-PER \(B-PER only right after a chunk of type PER\)/);
    throwsTag(() => tagsToSpans(["B-PER", "O"], "IOBES", { strict: true }), /^token 1: expected I-PER or E-PER after 'B-PER', got 'O' \(strict IOBES/);
    throwsTag(() => tagsToSpans(["B-PER"], "IOBES", { strict: true }), /^token 0: expected I-PER or E-PER after 'B-PER', got the sentence end/);
    throwsTag(() => tagsToSpans(["S-PER", "E-PER"], "IOBES", { strict: true }), /^token 1: expected B-PER or S-PER \(E-PER only after B-PER or I-PER\)/);
    // Lenient reading takes them all.
    assert.equal(tagsToSpans(["O", "I-PER"], "IOB2").length, 1);
  });

  test("tags outside the scheme, and bad spans, are TagErrors", () => {
    throwsTag(() => parseTag("B-", "IOB2"), /^tag: expected O or B-\/I-TYPE \(IOB2\), got 'B-'$/);
    throwsTag(() => parseTag("S-PER", "IOB2"), /expected O or B-\/I-TYPE \(IOB2\), got 'S-PER'/);
    throwsTag(() => parseTag("B-PER", "IO"), /expected O or I-TYPE \(IO\), got 'B-PER'/);
    throwsTag(() => tagsToSpans(["O", "PER"], "IOB2"), /^token 1: expected O or B-\/I-TYPE \(IOB2\), got 'PER'$/);
    assert.deepEqual(parseTag("B-GEO-POL"), { prefix: "B", type: "GEO-POL" }); // split at the first hyphen, as conlleval
    throwsTag(() => spansToTags(3, [{ start: 0, end: 2, type: "A" }, { start: 1, end: 3, type: "B" }], "IOB2"), /^spans: expected non-overlapping spans, got \[0, 2\) A and \[1, 3\) B$/);
    throwsTag(() => spansToTags(3, [{ start: 2, end: 4, type: "A" }], "IOB2"), /expected a span \[start, end\) with 0 ≤ start < end ≤ 3, got \[2, 4\) A/);
    throwsTag(() => spansToTags(3, [{ start: 1, end: 1, type: "A" }], "IOB2"), /got \[1, 1\) A/);
    throwsTag(() => spansToTags(3, [{ start: 0, end: 1, type: "A B" }], "IOB2"), /expected a non-empty type without white space, got "A B"/);
  });

  test("detectScheme: IOB1 by I at a chunk start, IOB2 by B at a chunk start, IOBES by E/S; both at once is an error", () => {
    assert.equal(detectScheme([["I-PER", "I-PER", "B-PER", "O"]]).scheme, "IOB1");
    assert.equal(detectScheme([["B-PER", "I-PER", "B-PER", "O"]]).scheme, "IOB2");
    assert.equal(detectScheme([["O"], ["O", "O"]]).scheme, "IOB2");
    assert.equal(detectScheme([["B-PER", "E-PER", "O"]]).scheme, "IOBES");
    throwsTag(() => detectScheme([["B-PER", "O"], ["O", "I-LOC"]]), /^sentence 1, token 1: expected one tagging scheme, got an I-X at a chunk start \(IOB1\) here and a B-X at a chunk start \(IOB2\) at sentence 0, token 0; declare the scheme$/);
  });

  const spansArb = (L: number) =>
    fc
      .array(fc.record({ at: fc.nat(L), len: fc.integer({ min: 1, max: 4 }), type: fc.constantFrom("PER", "LOC", "ORG") }), { maxLength: 8 })
      .map((raw) => {
        // Keep a random non-overlapping subset, in order of start.
        const out: TokenSpan[] = [];
        for (const r of [...raw].sort((a, b) => a.at - b.at)) {
          const start = r.at;
          const end = Math.min(L, start + r.len);
          if (start < end && (out.length === 0 || out[out.length - 1].end <= start)) out.push({ start, end, type: r.type });
        }
        return out;
      });

  test("property: spans → tags → spans is the identity in IOB2, IOB1, IOBES; IO merges adjacent spans of one type; strict accepts what is written", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }).chain((L) => fc.tuple(fc.constant(L), spansArb(L))), ([L, spans]) => {
        for (const scheme of ["IOB2", "IOB1", "IOBES"] as const) {
          const tags = spansToTags(L, spans, scheme);
          assert.deepEqual(tagsToSpans(tags, scheme, { strict: true }), spans);
          for (const to of ["IOB2", "IOB1", "IOBES"] as const) assert.deepEqual(convertTags(tags, scheme, to, { strict: true }), spansToTags(L, spans, to));
        }
        const merged: TokenSpan[] = [];
        for (const s of spans) {
          const last = merged[merged.length - 1];
          if (last !== undefined && last.end === s.start && last.type === s.type) last.end = s.end;
          else merged.push({ ...s });
        }
        assert.deepEqual(tagsToSpans(spansToTags(L, spans, "IO"), "IO", { strict: true }), merged);
      }),
      { numRuns: 500, seed: 13 },
    );
  });

  test("property: the lenient chunk reader counts what conlleval's state machine counts", () => {
    const tagArb = fc.constantFrom("O", "B-PER", "I-PER", "B-LOC", "I-LOC");
    fc.assert(
      fc.property(fc.array(fc.array(tagArb, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 4 }), (sentences) => {
        const text = sentences.map((s) => s.map((t, i) => `w${i} ${t} O`).join("\n")).join("\n\n") + "\n";
        const perl = conllevalCounts(text);
        const ours: Record<string, number> = {};
        for (const s of sentences) for (const c of tagsToSpans(s, "IOB2")) ours[c.type] = (ours[c.type] ?? 0) + 1;
        assert.deepEqual(ours, perl.foundCorrectByType);
      }),
      { numRuns: 500, seed: 14 },
    );
  });

  test("TagSet: O = 0, then per type (sorted) the scheme's prefixes; encode/decode; JSON", () => {
    const ts = TagSet.fromTags([["B-PER", "I-PER", "O"], ["B-LOC"]], "IOB2");
    assert.deepEqual(ts.tags, ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]);
    assert.deepEqual([...ts.encode(["O", "I-PER", "B-LOC"])], [0, 4, 1]);
    assert.deepEqual(ts.decode([3, 4, 0]), ["B-PER", "I-PER", "O"]);
    assert.deepEqual(new TagSet(["ORG"], "IOBES").tags, ["O", "B-ORG", "I-ORG", "E-ORG", "S-ORG"]);
    assert.deepEqual(TagSet.fromJSON(JSON.parse(JSON.stringify(ts))).tags, ts.tags);
    throwsTag(() => ts.idOf("B-ORG"), /expected one of O, B-LOC, I-LOC, B-PER, I-PER, got "B-ORG"/);
    throwsTag(() => ts.decode([5]), /expected ids in \[0, 5\), got 5 at position 0/);
    throwsTag(() => TagSet.fromTags([["B-PER", "E-PER"]], "IOB2"), /sentence 0, token 1: expected O or B-\/I-TYPE \(IOB2\), got 'E-PER'/);
  });
});

describe("tokens with offsets", () => {
  const texts = (text: string) => tokenize(text).map((t) => t.text);

  test("Russian and English: hyphenated and number-prefixed words, brackets, quotes «», ellipses, initials, abbreviations", () => {
    assert.deepEqual(texts("«Газпром», 39-летний (Д. Медведев)…"), ["«", "Газпром", "»", ",", "39-летний", "(", "Д.", "Медведев", ")", "…"]);
    assert.deepEqual(texts("В.В. Путин и т.е. U.S. policy... Нью-Йорк, судебно-медицинской"), ["В.В.", "Путин", "и", "т.е.", "U.S.", "policy", "...", "Нью", "-", "Йорк", ",", "судебно-медицинской"]);
    assert.deepEqual(texts("рейс Баку-Москва, Ростов-на-Дону, O'Neill don't"), ["рейс", "Баку", "-", "Москва", ",", "Ростов-на-Дону", ",", "O'Neill", "don't"]);
    assert.deepEqual(texts("3,5 млн 1996-08-22 в 12:30. Конец"), ["3,5", "млн", "1996-08-22", "в", "12:30", ".", "Конец"]);
    assert.deepEqual(texts('"Wall Street Journal" - 2008 г.'), ['"', "Wall", "Street", "Journal", '"', "-", "2008", "г", "."]);
    const toks = tokenize("ab  «в»\r\nг");
    assert.deepEqual(toks, [
      { text: "ab", start: 0, end: 2 },
      { text: "«", start: 4, end: 5 },
      { text: "в", start: 5, end: 6 },
      { text: "»", start: 6, end: 7 },
      { text: "г", start: 9, end: 10 },
    ]);
  });

  test("property: tokens are text slices, in order, and cover every non-space character once", () => {
    const chars = fc.constantFrom(..."аБв Dx-'’.,:«»()…\r\n\t1234567890 ЁйQ😀".split(""), "😀");
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 40 }).map((a) => a.join("")), (text) => {
        const toks = tokenize(text);
        let at = 0;
        for (const t of toks) {
          assert.equal(text.slice(t.start, t.end), t.text);
          assert.ok(t.start >= at && t.end > t.start);
          assert.match(text.slice(at, t.start), /^\s*$/u);
          assert.doesNotMatch(t.text, /\s/u);
          at = t.end;
        }
        assert.match(text.slice(at), /^\s*$/u);
      }),
      { numRuns: 500, seed: 15 },
    );
  });
});

describe("sentences and alignment", () => {
  const sentenceTexts = (text: string, protect: Array<{ start: number; end: number }> = []) => {
    const toks = tokenize(text);
    const { sentences, protectedBoundaries } = splitSentenceTokens(text, toks, protect);
    return { sentences: sentences.map(([a, b]) => toks.slice(a, b).map((t) => t.text).join(" ")), protectedBoundaries };
  };

  test("boundaries at terminators before a capital and at line breaks; not after initials or abbreviations", () => {
    assert.deepEqual(sentenceTexts("Это сказал Д. Медведев. Он прав! «Да», — ответил он.\r\nМОСКВА, 4 авг. в г. Москва тепло").sentences, [
      "Это сказал Д. Медведев .",
      "Он прав !",
      "« Да » , — ответил он .",
      "МОСКВА , 4 авг . в г . Москва тепло",
    ]);
    assert.deepEqual(sentenceTexts('He said "Stop." Then Mr. Smith left.').sentences, ['He said " Stop . "', "Then Mr . Smith left ."]);
    assert.deepEqual(sentenceTexts("See No. 5. Then").sentences, ["See No . 5 .", "Then"]); // "No." is on the abbreviation list
  });

  test("a protected span holds a boundary back", () => {
    const text = "Он сказал: Стоп. Всё. Конец.";
    assert.equal(sentenceTexts(text).sentences.length, 3);
    const r = sentenceTexts(text, [{ start: text.indexOf("Стоп"), end: text.indexOf("Всё") + 3 }]);
    assert.deepEqual(r, { sentences: ["Он сказал : Стоп . Всё .", "Конец ."], protectedBoundaries: 1 });
  });

  test("alignSpans: exact, inside-token, off-token, no-token, overlapping, duplicate", () => {
    const text = "в Баку-Москва и Ростов-на-Дону ,  ок";
    const toks = tokenize(text); // в Баку - Москва и Ростов-на-Дону , ок
    const at = (s: string, from = 0) => text.indexOf(s, from);
    const span = (s: string, type = "LOC", from = 0) => ({ start: at(s, from), end: at(s, from) + s.length, type });
    const baku = span("Баку");
    const rostov = span("Ростов"); // inside the token Ростов-на-Дону
    const spaced = { start: at("Москва"), end: at("Москва") + 7, type: "LOC" }; // "Москва " ends in white space
    const blank = { start: at(",") + 1, end: at(",") + 3, type: "LOC" }; // only spaces
    const both = { start: at("Баку"), end: at("Москва") + 6, type: "ROUTE" }; // crosses Баку and Москва
    const r = alignSpans(toks, [baku, rostov, spaced, blank, both, { ...baku }]);
    assert.deepEqual(r.spans, [
      { start: 1, end: 4, type: "ROUTE" },
      { start: 5, end: 6, type: "LOC" },
    ]);
    assert.deepEqual(
      r.issues.map((i) => `${text.slice(i.span.start, i.span.end)}|${i.span.type}:${i.issue}`),
      ["Ростов|LOC:inside-token", "Москва |LOC:off-token", "  |LOC:no-token", "Баку|LOC:duplicate", "Баку|LOC:overlapping", "Москва |LOC:overlapping"],
    );
    assert.deepEqual(tokenSpansToCharSpans(toks, r.spans), [
      { start: at("Баку"), end: at("Москва") + 6, type: "ROUTE" },
      { start: at("Ростов"), end: at("Дону") + 4, type: "LOC" },
    ]);
  });

  test("documentToSentences and sentenceSpans: tags per sentence, offsets back to the text", () => {
    const text = "Дэвид Эберсман работает в Facebook. Он живёт в Калифорнии.";
    const ents = [
      { start: 0, end: 14, type: "PER" },
      { start: 26, end: 34, type: "ORG" },
      { start: 47, end: 57, type: "LOC" },
    ];
    const { sentences } = documentToSentences(text, ents, { doc: "d", scheme: "IOBES" });
    assert.deepEqual(sentences.map((s) => s.tags), [
      ["B-PER", "E-PER", "O", "O", "S-ORG", "O"],
      ["O", "O", "O", "S-LOC", "O"],
    ]);
    assert.equal(sentences[1].doc, "d");
    assert.deepEqual(sentences.flatMap((s) => sentenceSpans(s, "IOBES")), ents);
    throwsTag(() => sentenceSpans({ tokens: ["a"], tags: ["O"] }, "IOB2"), /expected a sentence with token offsets/);
  });
});
