/**
 * Tokenizers (lib/src/data/tokenize.ts), Vocab (lib/src/data/vocab.ts) and word dropout
 * (lib/src/data/unk.ts). Oracles:
 * - brute-force word counts (a Map built here) for minCount / maxSize / order / unkRate;
 * - fast-check properties over random corpora from a small alphabet (so ties and rare words occur);
 * - hand-written tokenizations of short Russian and English strings;
 * - word dropout: the replacement count against Binomial(n, p) (mean np, sd √(np(1−p)), 5 sd).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { charTokenize, splitSentences, whitespaceTokenize, wordTokenize } from "../lib/src/data/tokenize.js";
import { EOS_ID, PAD_ID, SOS_ID, SPECIAL_TOKENS, UNK_ID, Vocab, VocabFileError } from "../lib/src/data/vocab.js";
import { WordDropout, wordDropout } from "../lib/src/data/unk.js";
import { ArgumentError } from "../lib/src/errors.js";

/** Sentences over a 12-word alphabet (with PTB's "<unk>" in it), so counts tie and repeat. */
const WORDS = ["a", "b", "c", "d", "e", "f", "Я", "ёж", "мир", "the", "The", "<unk>"];
const corpusArb = fc.array(fc.array(fc.constantFrom(...WORDS), { maxLength: 8 }), { maxLength: 20 });

function bruteCounts(sentences: string[][]): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of sentences) for (const t of s) if (t !== "<unk>") m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}

describe("tokenizers", () => {
  test("wordTokenize: Unicode words, inner apostrophes/hyphens, punctuation one char per token", () => {
    assert.deepEqual(wordTokenize("Привет, мир! Как дела?"), ["Привет", ",", "мир", "!", "Как", "дела", "?"]);
    assert.deepEqual(wordTokenize("Don't stop — well-known по-русски 3.14"), ["Don't", "stop", "—", "well-known", "по-русски", "3", ".", "14"]);
    assert.deepEqual(wordTokenize("“Ёлка”…", { lowercase: true }), ["“", "ёлка", "”", "…"]);
    assert.deepEqual(wordTokenize("  \n\t "), []);
  });

  test("whitespaceTokenize: PTB lines", () => {
    assert.deepEqual(whitespaceTokenize(" the <unk> N years \n"), ["the", "<unk>", "N", "years"]);
    assert.deepEqual(whitespaceTokenize("Мама  мыла\u00a0раму", { lowercase: true }), ["мама", "мыла", "раму"]);
  });

  test("charTokenize: code points, NFC by default (й typed as и + U+0306 is one token)", () => {
    assert.deepEqual(charTokenize("ёж 🦔"), ["ё", "ж", " ", "🦔"]); // the emoji is 2 UTF-16 units, 1 code point
    const decomposed = "и\u0306";
    assert.deepEqual(charTokenize(decomposed), ["й"]);
    assert.deepEqual(charTokenize(decomposed, { normalize: false }), ["и", "\u0306"]);
    assert.deepEqual(charTokenize("АБв", { lowercase: true }), ["а", "б", "в"]);
  });

  test("splitSentences: ends at . ! ? before a capital; paragraphs always end a sentence", () => {
    const text = "Call me Ishmael. Some years ago—never mind how long—I sailed!\n“Is it so?” he asked. Yes.\n\nNew paragraph without stop\nand a line break";
    assert.deepEqual(splitSentences(text), [
      "Call me Ishmael.",
      "Some years ago—never mind how long—I sailed!",
      "“Is it so?” he asked.",
      "Yes.",
      "New paragraph without stop and a line break",
    ]);
    assert.deepEqual(splitSentences("Привет. Как дела? 3 кота."), ["Привет.", "Как дела?", "3 кота."]);
  });

  test("property: wordTokenize never yields white space, and its tokens re-joined keep every non-space character", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (s) => {
        const tokens = wordTokenize(s);
        for (const t of tokens) assert.ok(!/\s/u.test(t), `token ${JSON.stringify(t)} has white space`);
        assert.equal(tokens.join(""), s.replace(/\s+/gu, ""));
      }),
    );
  });
});

describe("Vocab", () => {
  test("special tokens have fixed ids 0..3", () => {
    const v = Vocab.fromSentences([["x"]]);
    assert.deepEqual(
      [PAD_ID, UNK_ID, SOS_ID, EOS_ID].map((i) => v.tokenOf(i)),
      ["<PAD>", "<UNK>", "<SOS>", "<EOS>"],
    );
    assert.deepEqual(SPECIAL_TOKENS, ["<PAD>", "<UNK>", "<SOS>", "<EOS>"]);
    assert.equal(v.idOf("x"), 4);
    assert.equal(v.size, 5);
  });

  test("hand example: order by count desc then token asc; minCount; maxSize includes the specials; <unk> → <UNK>", () => {
    // counts: the 3, cat 2, a 2, <unk> 2 (alias, not a word), sat 1
    const corpus = [["the", "cat", "sat"], ["the", "<unk>", "a", "cat"], ["a", "the", "<unk>"]];
    assert.deepEqual(Vocab.fromSentences(corpus).tokens.slice(4), ["the", "a", "cat", "sat"]);
    assert.deepEqual(Vocab.fromSentences(corpus, { minCount: 2 }).tokens.slice(4), ["the", "a", "cat"]);
    const small = Vocab.fromSentences(corpus, { maxSize: 6 });
    assert.deepEqual(small.tokens, ["<PAD>", "<UNK>", "<SOS>", "<EOS>", "the", "a"]);
    assert.deepEqual(Array.from(small.encode(["the", "cat", "<unk>", "<UNK>", "<EOS>"])), [4, UNK_ID, UNK_ID, UNK_ID, EOS_ID]);
    assert.deepEqual(small.unkify(["the", "cat", "<unk>"]), ["the", "<UNK>", "<UNK>"]);
    assert.equal(small.has("<unk>"), false);
    assert.equal(small.has("<UNK>"), true);
    assert.equal(small.unkRate(["the", "cat", "<unk>", "a"]), 2 / 4);
    assert.equal(small.unkRate([]), 0);
  });

  test("property: decode(encode(s)) = s for in-vocabulary tokens, <UNK> for the others", () => {
    fc.assert(
      fc.property(corpusArb, fc.array(fc.constantFrom(...WORDS, "zzz"), { maxLength: 10 }), fc.integer({ min: 1, max: 3 }), (corpus, query, minCount) => {
        if (![...bruteCounts(corpus).values()].some((c) => c >= minCount)) return; // no word: an error (tested below)
        const v = Vocab.fromSentences(corpus, { minCount });
        const decoded = v.decode(v.encode(query));
        query.forEach((t, i) => assert.equal(decoded[i], v.has(t) ? t : "<UNK>"));
      }),
    );
  });

  test("property: minCount / maxSize keep exactly the top words by (count desc, token asc) — brute-force oracle", () => {
    fc.assert(
      fc.property(corpusArb, fc.integer({ min: 1, max: 4 }), fc.option(fc.integer({ min: 5, max: 12 }), { nil: undefined }), (corpus, minCount, maxSize) => {
        const counts = bruteCounts(corpus);
        const eligible = [...counts.entries()]
          .filter(([, c]) => c >= minCount)
          .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))
          .map(([w]) => w);
        if (eligible.length === 0) {
          // Only the special tokens would be left: an error naming minCount (or the empty corpus).
          assert.throws(() => Vocab.fromSentences(corpus, { minCount, maxSize }), (e: unknown) => e instanceof ArgumentError && /^(minCount|sentences): expected /.test((e as Error).message));
          return;
        }
        const v = Vocab.fromSentences(corpus, { minCount, maxSize });
        const expected = maxSize === undefined ? eligible : eligible.slice(0, maxSize - 4);
        assert.deepEqual(v.tokens.slice(4), expected);
        assert.ok(v.size <= (maxSize ?? Infinity));
        for (const w of v.tokens.slice(4)) assert.equal(v.counts[v.idOf(w)], counts.get(w));
      }),
    );
  });

  test("property: the ids do not depend on the order of the corpus", () => {
    fc.assert(
      fc.property(corpusArb, fc.integer(), (corpus, seed) => {
        if (bruteCounts(corpus).size === 0) return; // no word: an error (tested below)
        const shuffled = corpus.map((s) => s.slice().reverse());
        let r = seed >>> 0;
        for (let i = shuffled.length - 1; i > 0; i--) {
          r = (Math.imul(r, 1664525) + 1013904223) >>> 0;
          const j = r % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
        }
        assert.deepEqual(Vocab.fromSentences(shuffled).tokens, Vocab.fromSentences(corpus).tokens);
        assert.deepEqual(Vocab.fromTokens(corpus.flat()).tokens, Vocab.fromSentences(corpus).tokens);
      }),
    );
  });

  test("property: unkRate = brute-force fraction of tokens that are not vocabulary words", () => {
    fc.assert(
      fc.property(corpusArb, corpusArb, (train, test_) => {
        const c = bruteCounts(train);
        if (![...c.values()].some((n) => n >= 2)) return; // no word: an error (tested below)
        const v = Vocab.fromSentences(train, { minCount: 2 });
        const tokens = test_.flat();
        const unk = tokens.filter((t) => !((c.get(t) ?? 0) >= 2)).length; // <unk> is never counted, so it is UNK too
        assert.equal(v.unkRate(tokens), tokens.length === 0 ? 0 : unk / tokens.length);
      }),
    );
  });

  test("property: save / load round trip", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-vocab-"));
    try {
      fc.assert(
        fc.property(corpusArb, (corpus) => {
          if (bruteCounts(corpus).size === 0) return; // no word: an error (tested below)
          const v = Vocab.fromSentences(corpus);
          const file = path.join(dir, "v.json");
          v.save(file);
          const w = Vocab.load(file);
          assert.deepEqual(w.toJSON(), v.toJSON());
          assert.deepEqual(Array.from(w.encode(WORDS)), Array.from(v.encode(WORDS)));
        }),
        { numRuns: 30 },
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("load: bad files give VocabFileError naming the file and the field", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-vocab-"));
    try {
      const write = (name: string, text: string) => {
        const p = path.join(dir, name);
        fs.writeFileSync(p, text);
        return p;
      };
      const good = { format: "seqlab-vocab", version: 1, tokens: [...SPECIAL_TOKENS, "x"], counts: [0, 0, 0, 0, 2], unkAliases: ["<unk>"] };
      const cases: [string, string, RegExp][] = [
        ["missing.json", "", /missing\.json: expected a readable vocabulary file, got ENOENT/],
        ["notjson.json", "{tokens:", /notjson\.json:1: expected JSON, got a parse error/],
        ["format.json", JSON.stringify({ ...good, format: "other" }), /format\.json: expected "format": "seqlab-vocab", got "other"/],
        ["first.json", JSON.stringify({ ...good, tokens: ["<UNK>", "<PAD>", "<SOS>", "<EOS>", "x"] }), /first\.json: expected tokens\[0\] = "<PAD>", got "<UNK>"/],
        ["dup.json", JSON.stringify({ ...good, tokens: [...SPECIAL_TOKENS, "the", "the"], counts: [0, 0, 0, 0, 1, 1] }), /dup\.json: .*expected distinct tokens, got "the" at ids 4 and 5/],
        ["counts.json", JSON.stringify({ ...good, counts: [0, 0, 0, 0] }), /counts\.json: expected 5 counts \(one per token\), got 4/],
        ["negative.json", JSON.stringify({ ...good, counts: [0, 0, 0, 0, -1] }), /negative\.json: expected counts\[4\] to be an integer ≥ 0, got -1/],
        // Issue 11: edits that used to load as a different vocabulary (words at other ids), and non-UTF-8 files.
        [
          "order.json",
          JSON.stringify({ ...good, tokens: [...SPECIAL_TOKENS, "a", "b"], counts: [0, 0, 0, 0, 1, 2] }),
          /^\S*order\.json: expected tokens in the order of Vocab\.fromSentences \(count descending, then token\) at id 5, got "a" \(count 1\) before "b" \(count 2\)$/,
        ],
        ["ties.json", JSON.stringify({ ...good, tokens: [...SPECIAL_TOKENS, "b", "a"], counts: [0, 0, 0, 0, 2, 2] }), /ties\.json: expected tokens in the order .* at id 5, got "b" \(count 2\) before "a" \(count 2\)$/],
        ["dupkey.json", JSON.stringify(good).replace('"tokens":', '"tokens":["<PAD>"],"tokens":'), /^\S*dupkey\.json:1: expected each key once, got "tokens" twice$/],
        ["special.json", JSON.stringify({ ...good, counts: [0, 5, 0, 0, 2] }), /special\.json: expected counts\[1\] = 0 \(the count of <UNK>\), got 5$/],
        ["syntax.json", JSON.stringify(good, null, 1).replace('"version": 1', '"version": 1,,'), /^\S*syntax\.json:3: expected JSON, got a parse error: /],
      ];
      for (const [name, text, message] of cases) {
        const p = name === "missing.json" ? path.join(dir, name) : write(name, text);
        assert.throws(() => Vocab.load(p), (e: unknown) => e instanceof VocabFileError && message.test((e as Error).message), name);
      }
      assert.equal(Vocab.load(write("good.json", JSON.stringify(good))).idOf("x"), 4);
      const latin1 = path.join(dir, "latin1.json");
      fs.writeFileSync(latin1, Buffer.from(JSON.stringify({ ...good, tokens: [...SPECIAL_TOKENS, "café"] }), "latin1"));
      const offset = fs.readFileSync(latin1).indexOf(0xe9);
      assert.throws(() => Vocab.load(latin1), (e: unknown) => e instanceof VocabFileError && (e as Error).message === `${latin1}:1: expected UTF-8 text, got the byte sequence 0xe9 0x22 at byte offset ${offset}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("argument errors", () => {
    const argError = (message: string) => (e: unknown) => e instanceof ArgumentError && (e as Error).message === message;
    assert.throws(() => Vocab.fromTokens(["a"], { minCount: 0 }), argError("minCount: expected an integer ≥ 1, got 0"));
    assert.throws(() => Vocab.fromTokens(["a"], { maxSize: 3 }), argError("maxSize: expected an integer ≥ 5 (the 4 special tokens and at least one word), got 3"));
    // D6: a vocabulary with no real word (only the special tokens) is an error naming the option and the counts.
    assert.throws(() => Vocab.fromTokens(["a"], { maxSize: 4 }), argError("maxSize: expected an integer ≥ 5 (the 4 special tokens and at least one word), got 4"));
    assert.throws(
      () => Vocab.fromSentences([["a", "b", "a"], ["c", "a"]], { minCount: 1_000_000 }),
      argError("minCount: expected at most 3 (the count of the most frequent of the 3 word types), got 1000000, which leaves no word in the vocabulary"),
    );
    assert.throws(() => Vocab.fromSentences([["<unk>", "<EOS>"], []]), argError("sentences: expected at least one word besides the special tokens and <unk>, got none in 2 tokens"));
    assert.throws(() => Vocab.fromTokens([]), argError("tokens: expected at least one word besides the special tokens and <unk>, got none in 0 tokens"));
    assert.throws(() => Vocab.fromSentences(null as never), argError("sentences: expected an iterable of token arrays, got null"));
    assert.throws(() => Vocab.fromSentences([["a"], "b c" as never]), argError('sentences[1]: expected an array of tokens, got "b c"'));
    assert.throws(() => Vocab.fromTokens(["a"]).tokenOf(5), (e: unknown) => e instanceof ArgumentError && /expected an integer id in \[0, 5\), got 5/.test((e as Error).message));
  });
});

describe("word dropout", () => {
  test("replacement rate ≈ p (Binomial, within 5 sd), specials never replaced", () => {
    const n = 100_000;
    const ids = Int32Array.from({ length: n }, (_, i) => (i % 10 === 0 ? [PAD_ID, UNK_ID, SOS_ID, EOS_ID][(i / 10) % 4] : 4 + (i % 97)));
    const words = ids.filter((x) => x >= 4).length; // 90,000 replaceable ids
    for (const p of [0.05, 0.3]) {
      const out = new WordDropout({ p, seed: 7 }).apply(ids);
      let replaced = 0;
      for (let i = 0; i < n; i++) {
        if (ids[i] < 4) assert.equal(out[i], ids[i], "special id changed");
        else if (out[i] === UNK_ID) replaced++;
        else assert.equal(out[i], ids[i]);
      }
      const sd = Math.sqrt(words * p * (1 - p));
      assert.ok(Math.abs(replaced - words * p) < 5 * sd, `p=${p}: ${replaced} replaced of ${words}, expected ${words * p} ± ${5 * sd}`);
    }
  });

  test("seeded: same seed → same replacements, other seed → different; successive steps differ; p = 0 and 1", () => {
    const ids = Int32Array.from({ length: 2000 }, (_, i) => 4 + (i % 50));
    assert.deepEqual(wordDropout(ids, 0.2, 3), wordDropout(ids, 0.2, 3));
    assert.notDeepEqual(wordDropout(ids, 0.2, 3), wordDropout(ids, 0.2, 4));
    const d = new WordDropout({ p: 0.2, seed: 3 });
    const step1 = d.apply(ids);
    assert.deepEqual(step1, wordDropout(ids, 0.2, 3));
    assert.notDeepEqual(d.apply(ids), step1);
    assert.deepEqual(wordDropout(ids, 0, 1), ids);
    assert.ok(wordDropout(ids, 1, 1).every((x) => x === UNK_ID));
    // D11: the message names the option (trainLm's wordDropout, the CLI's --word-dropout), not the class.
    assert.throws(() => new WordDropout({ p: 1.5 }), (e: unknown) => e instanceof ArgumentError && (e as Error).message === "wordDropout: expected a probability in [0, 1], got 1.5");
    assert.throws(() => wordDropout(ids, NaN), (e: unknown) => e instanceof ArgumentError && (e as Error).message === "wordDropout: expected a probability in [0, 1], got NaN");
  });
});
