/**
 * N-gram counts, interpolated modified Kneser-Ney, the MLE / add-k baselines and perplexity
 * (lib/src/lm/ngram_counts.ts, kneser_ney.ts, ngram_baselines.ts, perplexity.ts) against:
 * - brute-force substring counts with string keys;
 * - a naive Kneser-Ney written here straight from Chen & Goodman's definitions, with string
 *   keys and a full scan of the n-grams for every S(h), N_k(h) (random corpora, orders 1–5);
 * - values computed by hand on a tiny corpus (the computation is in the test);
 * - Σ_w p(w | h) = 1 over the vocabulary for random seen and unseen contexts, every order;
 * - the uniform model, whose perplexity is the vocabulary size;
 * - PTB (if SEQLAB_DATA has ptb/): KN5 test perplexity within 1% of Mikolov et al. 2011's 141.2.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ArgumentError } from "../lib/src/errors.js";
import { NgramCounts, readSentences } from "../lib/src/lm/ngram_counts.js";
import { KneserNeyLm, modifiedKneserNeyDiscounts } from "../lib/src/lm/kneser_ney.js";
import { AddKLm, MleLm } from "../lib/src/lm/ngram_baselines.js";
import { perplexity, perplexityFromLogProbs, type LanguageModel } from "../lib/src/lm/perplexity.js";

/** mulberry32: a seeded uniform in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random corpus over `words` with a skewed (Zipf-like) word distribution. */
function randomCorpus(seed: number, sentences: number, words: string[], maxLength = 8): string[][] {
  const r = rng(seed);
  const pick = () => words[Math.min(words.length - 1, Math.floor(words.length * r() * r()))];
  return Array.from({ length: sentences }, () => Array.from({ length: 1 + Math.floor(r() * maxLength) }, pick));
}

const WORDS = ["the", "cat", "sat", "on", "mat", "a", "dog", "ran"];

/**
 * A corpus that repeats its n-grams like real text: a first-order Markov chain over V words
 * w0… (each word has three likely successors), and 8% of the words replaced by one of 30
 * rare words r0… — so that n1..n4 > 0 and the discount formula is used at every order.
 */
function markovCorpus(seed: number, sentences: number, V: number, maxLength = 10): string[][] {
  const r = rng(seed);
  const next = Array.from({ length: V }, () => [0, 1, 2].map(() => Math.floor(r() * V)));
  const step = (w: number) => {
    const u = r();
    return u < 0.55 ? next[w][0] : u < 0.8 ? next[w][1] : u < 0.9 ? next[w][2] : Math.floor(r() * V);
  };
  return Array.from({ length: sentences }, () => {
    let w = Math.floor(r() * r() * V);
    const s = [`w${w}`];
    const length = 1 + Math.floor(r() * maxLength);
    while (s.length < length) {
      w = step(w);
      s.push(r() < 0.08 ? `r${Math.floor(r() * 30)}` : `w${w}`);
    }
    return s;
  });
}

/** Brute force: every substring of length n of every padded sentence, as "w1 w2 …" → count. */
function bruteCounts(sentences: string[][], n: number): Map<string, number> {
  const c = new Map<string, number>();
  for (const s of sentences) {
    const p = ["<s>", ...s, "</s>"];
    for (let i = 0; i + n <= p.length; i++) {
      const key = p.slice(i, i + n).join(" ");
      c.set(key, (c.get(key) ?? 0) + 1);
    }
  }
  return c;
}

/**
 * Naive interpolated modified Kneser-Ney from the definitions (string keys, full scans):
 * a(g) = c(g) at order N or if g starts with <s>, else |{v : c(v g) > 0}|; D from n1..n4
 * (fallback 0.5, 1, 1.5); p_n(w|h) = max(a(hw) − D, 0)/S(h) + γ(h) p_{n−1}(w|h'),
 * p_n = p_{n−1} if S(h) = 0; p_1 interpolated with 1/|V|.
 */
function naiveKneserNey(sentences: string[][], N: number, unk: string | null = "<unk>") {
  const c = [new Map<string, number>()];
  for (let n = 1; n <= N; n++) c.push(bruteCounts(sentences, n));
  const vocab = new Set<string>([...c[1].keys()].filter((w) => w !== "<s>"));
  if (unk !== null) vocab.add(unk);
  const a: Map<string, number>[] = [new Map()];
  for (let n = 1; n <= N; n++) {
    const m = new Map<string, number>();
    for (const [g, cnt] of c[n]) {
      if (n === 1 && g === "<s>") continue;
      if (n === N || g.split(" ")[0] === "<s>") m.set(g, cnt);
      else {
        const left = new Set<string>();
        for (const longer of c[n + 1].keys()) {
          const ws = longer.split(" ");
          if (ws.slice(1).join(" ") === g) left.add(ws[0]);
        }
        m.set(g, left.size);
      }
    }
    a.push(m);
  }
  const D = [[0, 0, 0]];
  for (let n = 1; n <= N; n++) {
    const nk = [1, 2, 3, 4].map((k) => [...a[n].values()].filter((v) => v === k).length);
    const [n1, n2, n3, n4] = nk;
    const Y = n1 / (n1 + 2 * n2);
    const d = [1 - (2 * Y * n2) / n1, 2 - (3 * Y * n3) / n2, 3 - (4 * Y * n4) / n3];
    const ok = nk.every((x) => x > 0) && d.every((x, k) => x >= 0 && x <= k + 1);
    D.push(ok ? d : [0.5, 1, 1.5]);
  }
  const disc = (n: number, x: number) => (x === 0 ? 0 : x === 1 ? D[n][0] : x === 2 ? D[n][1] : D[n][2]);
  const p = (n: number, w: string, h: string[]): number => {
    let S = 0;
    let mass = 0;
    for (const [g, x] of a[n]) {
      const ws = g.split(" ");
      if (ws.slice(0, n - 1).join(" ") !== h.join(" ")) continue;
      S += x;
      mass += disc(n, x);
    }
    const lower = n === 1 ? 1 / vocab.size : p(n - 1, w, h.slice(1));
    if (S === 0) return lower;
    const x = a[n].get([...h, w].join(" ")) ?? 0;
    return Math.max(x - disc(n, x), 0) / S + (mass / S) * lower;
  };
  return {
    vocab,
    D,
    prob(w: string, context: string[]): number {
      if (!vocab.has(w)) return 0;
      const ctx = context.map((x) => (vocab.has(x) || x === "<s>" || unk === null ? x : unk));
      const n = Math.min(N, ctx.length + 1);
      return p(n, w, ctx.slice(ctx.length - (n - 1)));
    },
  };
}

/** Contexts to probe: prefixes of training sentences (seen) and random word strings with OOV (unseen). */
function probeContexts(sentences: string[][], seed: number, count: number): string[][] {
  const r = rng(seed);
  const pool = [...new Set(sentences.flat()), "<unk>", "zebra", "</s>"];
  const out: string[][] = [[], ["<s>"]];
  for (let i = 0; i < count; i++) {
    const s = ["<s>", ...sentences[Math.floor(r() * sentences.length)]];
    out.push(s.slice(0, 1 + Math.floor(r() * s.length)));
    out.push(Array.from({ length: 1 + Math.floor(r() * 5) }, () => pool[Math.floor(r() * pool.length)]));
  }
  return out;
}

describe("readSentences and NgramCounts", () => {
  test("counts equal brute-force substring counts, orders 1..4", () => {
    const corpus = randomCorpus(1, 40, WORDS);
    const counts = NgramCounts.fromSentences(corpus, 4);
    for (let n = 1; n <= 4; n++) {
      const brute = bruteCounts(corpus, n);
      assert.equal(counts.levels[n].size, brute.size, `order ${n}: number of distinct n-grams`);
      for (let g = 0; g < counts.levels[n].size; g++) {
        assert.equal(counts.levels[n].count[g], brute.get(counts.ngram(n, g).join(" ")), counts.ngram(n, g).join(" "));
      }
      for (const [key, c] of brute) {
        const ids = key.split(" ").map((w) => counts.id(w));
        assert.equal(counts.levels[n].count[counts.find(ids)], c, key);
      }
    }
    assert.deepEqual(counts.words.slice(0, 3), ["<s>", "</s>", "<unk>"]);
  });

  test("reads one sentence per line, drops empty lines and boundary tokens at the ends, rejects them inside", () => {
    assert.deepEqual(readSentences(" a b \n\n<s> c </s>\r\n  d\n"), [["a", "b"], ["c"], ["d"]]);
    assert.throws(() => readSentences("a b\nc </s> d\n", "f.txt"), (e: Error) => e instanceof ArgumentError && e.message === "f.txt:2: expected <s> only at the start and </s> only at the end of a line, got '</s>' at token 2");
    assert.throws(() => NgramCounts.fromSentences([["a"]], 0), /expected order to be an integer ≥ 1, got 0/);
  });

  test("issue 11: a NUL character is an error with file:line; an empty corpus builds no model", () => {
    assert.throws(() => readSentences("a b\nc d\0e\n", "f.txt"), (e: Error) => e instanceof ArgumentError && e.message === "f.txt:2: expected text, got a NUL character at column 4 (a binary file?)");
    assert.throws(() => KneserNeyLm.fromSentences([], 3), (e: Error) => e instanceof ArgumentError && e.message === "sentences: expected at least one word, got no sentences");
    assert.throws(() => NgramCounts.fromSentences([[]], 1), (e: Error) => e instanceof ArgumentError && e.message === "sentences: expected at least one word, got 1 empty sentence");
  });
});

describe("Kneser-Ney by hand", () => {
  // Corpus (bigram model, N = 2): "a b" ×4, "c" ×3, "b c" ×2, "a c" ×1.
  const corpus = [...Array(4).fill(["a", "b"]), ...Array(3).fill(["c"]), ...Array(2).fill(["b", "c"]), ["a", "c"]];
  const lm = KneserNeyLm.fromSentences(corpus, 2);
  // Bigram counts (real counts at the highest order):
  //   <s> a 5, a b 4, b </s> 4, <s> c 3, c </s> 6, <s> b 2, b c 2, a c 1
  //   n1 = 1 (a c), n2 = 2 (<s> b, b c), n3 = 1 (<s> c), n4 = 2 (a b, b </s>)
  //   Y = 1/(1 + 2·2) = 0.2;  D1 = 1 − 2·0.2·2/1 = 0.2;  D2 = 2 − 3·0.2·1/2 = 1.7;  D3+ = 3 − 4·0.2·2/1 = 1.4
  // Unigram continuation counts N1+(• w): a {<s>} 1, b {a, <s>} 2, c {<s>, b, a} 3, </s> {b, c} 2
  //   n1 = 1, n2 = 2, n3 = 1, n4 = 0 → no valid discounts → fallback D = 0.5, 1, 1.5
  //   S(ε) = 1 + 2 + 3 + 2 = 8;  γ(ε) = (0.5 + 1 + 1.5 + 1)/8 = 0.5;  |V| = |{</s>, <unk>, a, b, c}| = 5
  const p1 = { a: (1 - 0.5) / 8 + 0.5 / 5, b: (2 - 1) / 8 + 0.1, c: (3 - 1.5) / 8 + 0.1, "</s>": (2 - 1) / 8 + 0.1, "<unk>": 0.1 };
  // Context "a": a b 4, a c 1 → S = 5, γ = (1.4 + 0.2)/5 = 0.32
  // Context "<s>": <s> a 5, <s> c 3, <s> b 2 → S = 10, γ = (1.4 + 1.4 + 1.7)/10 = 0.45
  const close = (x: number, y: number) => assert.ok(Math.abs(x - y) < 1e-14, `${x} vs ${y}`);

  test("discounts from count-of-counts, with the fallback where n4 = 0", () => {
    assert.deepEqual(lm.discounts[2].countOfCounts, [1, 2, 1, 2]);
    lm.discounts[2].D.forEach((d, k) => close(d, [0.2, 1.7, 1.4][k]));
    assert.equal(lm.discounts[2].fallback, false);
    assert.deepEqual(lm.discounts[1].countOfCounts, [1, 2, 1, 0]);
    assert.deepEqual(lm.discounts[1].D, [0.5, 1, 1.5]);
    assert.equal(lm.discounts[1].fallback, true);
    assert.equal(modifiedKneserNeyDiscounts([1, 2, 1, 0]), null);
  });

  test("unigram level: continuation counts interpolated with 1/|V|", () => {
    for (const [w, p] of Object.entries(p1)) close(lm.prob(w, []), p);
    close(lm.prob("zebra", []), p1["<unk>"]); // OOV → <unk>
    assert.equal(lm.prob("<s>", []), 0);
  });

  test("bigram level: real counts, discounts, γ(h) times the unigram level", () => {
    close(lm.prob("b", ["a"]), (4 - 1.4) / 5 + 0.32 * p1.b); // 0.592
    close(lm.prob("c", ["a"]), (1 - 0.2) / 5 + 0.32 * p1.c); // 0.252
    close(lm.prob("a", ["a"]), 0.32 * p1.a); // unseen bigram: γ(a) p1(a)
    close(lm.prob("a", ["<s>"]), (5 - 1.4) / 10 + 0.45 * p1.a); // 0.433125
    close(lm.prob("b", ["<s>"]), (2 - 1.7) / 10 + 0.45 * p1.b);
    close(lm.prob("b", ["<unk>"]), p1.b); // unseen context: the unigram level
    close(lm.prob("b", ["c", "c", "a"]), lm.prob("b", ["a"])); // only N − 1 = 1 context word
    close(Math.exp(lm.logProb("b", ["a"])), 0.592);
  });

  test("perplexity of one sentence by hand: p(a|<s>) p(b|a) p(</s>|b)", () => {
    // Context "b": b </s> 4, b c 2 → S = 6, γ = (1.4 + 1.7)/6.
    const pEnd = (4 - 1.4) / 6 + (3.1 / 6) * p1["</s>"];
    const expected = Math.pow(0.433125 * 0.592 * pEnd, -1 / 3);
    const r = perplexity(lm, [["a", "b"]]);
    assert.equal(r.tokens, 3);
    assert.ok(Math.abs(r.perplexity - expected) < 1e-12);
  });
});

describe("Kneser-Ney against the naive definition", () => {
  for (const N of [1, 2, 3, 4, 5]) {
    test(`order ${N}: discounts and p(w | h) agree on a random corpus, for every word and probe context`, () => {
      const corpus = markovCorpus(10 + N, 150, 30);
      const lm = KneserNeyLm.fromSentences(corpus, N);
      const naive = naiveKneserNey(corpus, N);
      for (let n = 1; n <= N; n++) lm.discounts[n].D.forEach((d, k) => assert.ok(Math.abs(d - naive.D[n][k]) < 1e-12, `order ${n} D${k + 1}`));
      // This corpus (seed 15) gives valid count-of-counts at all five orders: no fallback anywhere.
      if (N === 5) assert.deepEqual(lm.discounts.slice(1).map((d) => d.fallback), [false, false, false, false, false]);
      assert.deepEqual([...lm.vocabulary].sort(), [...naive.vocab].sort());
      for (const h of probeContexts(corpus, N, 15)) {
        for (const w of naive.vocab) {
          const x = lm.prob(w, h);
          const y = naive.prob(w, h);
          assert.ok(Math.abs(x - y) < 1e-12, `p(${w} | ${h.join(" ")}): ${x} vs naive ${y}`);
        }
      }
    });
  }

  test("closed vocabulary (unk: null): OOV words get 0 and cut the context", () => {
    const corpus = randomCorpus(3, 60, WORDS);
    const lm = KneserNeyLm.fromSentences(corpus, 3, { unk: null });
    const naive = naiveKneserNey(corpus, 3, null);
    assert.equal(lm.vocabulary.has("<unk>"), false);
    assert.equal(lm.prob("zebra", ["<s>"]), 0);
    for (const h of [["<s>", "zebra"], ["the", "zebra"], ["zebra", "the"]]) {
      for (const w of naive.vocab) assert.ok(Math.abs(lm.prob(w, h) - naive.prob(w, h)) < 1e-12, `p(${w} | ${h.join(" ")})`);
    }
  });
});

describe("Kneser-Ney probabilities sum to 1", () => {
  for (const N of [1, 2, 3, 4, 5]) {
    test(`order ${N}: Σ_w p(w | h) = 1 over the vocabulary for seen and unseen contexts`, () => {
      const corpus = randomCorpus(100 + N, 300, [...WORDS, "bird", "flew", "over", "hill", "<unk>"], 12);
      const lm = KneserNeyLm.fromSentences(corpus, N);
      for (const h of probeContexts(corpus, 7 * N, 100)) {
        let sum = 0;
        for (const w of lm.vocabulary) {
          const p = lm.prob(w, h);
          assert.ok(p > 0, `p(${w} | ${h.join(" ")}) = ${p}`);
          sum += p;
        }
        assert.ok(Math.abs(sum - 1) < 1e-12, `Σ p(· | ${h.join(" ")}) = ${sum}`);
      }
    });
  }
});

describe("MLE and add-k baselines", () => {
  const corpus = [["a", "b"], ["a", "b"], ["a", "c"], ["b"]];
  // Bigram counts: <s> a 3, a b 2, a c 1, b </s> 3, c </s> 1, <s> b 1;  c(a·) = 3, c(<s>·) = 4.
  // Vocabulary V = {</s>, <unk>, a, b, c}, |V| = 5.
  test("MLE: relative frequencies, a distribution for seen contexts, fallback for unseen ones", () => {
    const mle = MleLm.fromSentences(corpus, 2);
    assert.equal(mle.prob("b", ["a"]), 2 / 3);
    assert.equal(mle.prob("a", ["<s>"]), 3 / 4);
    assert.equal(mle.prob("a", ["a"]), 0);
    // Unseen context "<unk>": the unigram MLE c(w)/Σc, Σ over w ≠ <s> = a 3 + b 3 + c 1 + </s> 4 = 11.
    assert.equal(mle.prob("b", ["<unk>"]), 3 / 11);
    for (const h of [["a"], ["<s>"], ["b"], ["<unk>"], []]) {
      const sum = [...mle.vocabulary].reduce((s, w) => s + mle.prob(w, h), 0);
      assert.ok(Math.abs(sum - 1) < 1e-12, `Σ p(· | ${h.join(" ")}) = ${sum}`);
    }
    assert.equal(perplexity(mle, [["a", "a"]]).perplexity, Infinity); // p(a | a) = 0
  });

  test("add-k: (c + k)/(c(h·) + k|V|), sums to 1, → MLE as k → 0 and → uniform as k → ∞", () => {
    const laplace = AddKLm.fromSentences(corpus, 2, 1);
    assert.equal(laplace.prob("b", ["a"]), (2 + 1) / (3 + 5));
    assert.equal(laplace.prob("a", ["a"]), 1 / 8);
    assert.equal(laplace.prob("a", ["zebra"]), 1 / 5); // unseen context (zebra → <unk>): uniform
    const mle = MleLm.fromSentences(corpus, 2);
    const tiny = AddKLm.fromSentences(corpus, 2, 1e-9);
    const huge = AddKLm.fromSentences(corpus, 2, 1e9);
    for (const h of [["a"], ["<s>"], ["b"], ["c"], ["<unk>"]]) {
      let sum = 0;
      for (const w of laplace.vocabulary) {
        sum += laplace.prob(w, h);
        if (h[0] !== "<unk>") assert.ok(Math.abs(tiny.prob(w, h) - mle.prob(w, h)) < 1e-8);
        assert.ok(Math.abs(huge.prob(w, h) - 1 / 5) < 1e-8);
      }
      assert.ok(Math.abs(sum - 1) < 1e-12);
    }
    assert.throws(() => AddKLm.fromSentences(corpus, 2, 0), /expected k > 0, got 0/);
  });

  test("on its training text the MLE has the lowest perplexity (it maximises the likelihood)", () => {
    const train = randomCorpus(5, 80, WORDS);
    const mle = perplexity(MleLm.fromSentences(train, 2), train).perplexity;
    for (const k of [0.01, 0.1, 1]) assert.ok(mle < perplexity(AddKLm.fromSentences(train, 2, k), train).perplexity, `k = ${k}`);
    assert.ok(mle < perplexity(KneserNeyLm.fromSentences(train, 2), train).perplexity);
  });
});

describe("perplexity", () => {
  /** p(w | h) = 1/|V| for every w and h. */
  function uniform(words: string[], unk: string | null): LanguageModel {
    return { vocabulary: new Set(words), unk, logProb: () => -Math.log(words.length) };
  }

  test("the uniform model's perplexity is the vocabulary size", () => {
    const words = ["</s>", "<unk>", ...WORDS];
    const r = perplexity(uniform(words, "<unk>"), randomCorpus(9, 50, [...WORDS, "zebra"]));
    assert.ok(Math.abs(r.perplexity - words.length) < 1e-9 * words.length, `${r.perplexity}`);
  });

  test("counts: </s> predicted per sentence, OOV mapped to <unk> or skipped and reported", () => {
    const text = [["the", "zebra", "sat"], ["cat"]];
    const open = perplexity(uniform(["</s>", "<unk>", ...WORDS], "<unk>"), text);
    assert.deepEqual({ ...open, perplexity: 0, log10Prob: 0 }, { perplexity: 0, log10Prob: 0, tokens: 6, sentences: 2, words: 4, oov: 0, unkMapped: 1, zeroProbs: 0 });
    const closed = perplexity(uniform(["</s>", ...WORDS], null), text);
    assert.equal(closed.tokens, 5);
    assert.equal(closed.oov, 1);
    assert.ok(Math.abs(closed.log10Prob - 5 * -Math.log10(9)) < 1e-12);
  });

  test("perplexityFromLogProbs agrees with perplexity on a KN model", () => {
    const train = randomCorpus(21, 60, WORDS);
    const lm = KneserNeyLm.fromSentences(train, 3);
    const test = randomCorpus(22, 10, WORDS);
    const logs: number[] = [];
    for (const s of test) {
      const h = ["<s>", ...s, "</s>"];
      for (let i = 1; i < h.length; i++) logs.push(lm.logProb(h[i], h.slice(0, i)));
    }
    const r = perplexity(lm, test);
    assert.equal(r.tokens, logs.length);
    assert.ok(Math.abs(perplexityFromLogProbs(logs) - r.perplexity) < 1e-9 * r.perplexity);
    assert.ok(Math.abs(perplexityFromLogProbs(logs.map((x) => x / Math.LN10), 10) - r.perplexity) < 1e-9 * r.perplexity);
    assert.throws(() => perplexityFromLogProbs([]), /expected at least one log-probability, got 0/);
  });
});

describe("PTB", () => {
  const dir = process.env.SEQLAB_DATA === undefined ? undefined : path.resolve(process.env.SEQLAB_DATA, "ptb");
  const have = dir !== undefined && fs.existsSync(path.join(dir, "ptb.train.txt")) && fs.existsSync(path.join(dir, "ptb.test.txt"));
  const skip = have ? false : "needs SEQLAB_DATA pointing at a folder with ptb/ptb.{train,test}.txt";
  test("KN5 test perplexity within 1% of the published 141.2 (Mikolov et al. 2011, no count cutoffs)", { skip }, () => {
    const read = (f: string) => readSentences(fs.readFileSync(path.join(dir!, f), "utf8"), f);
    const lm = KneserNeyLm.fromSentences(read("ptb.train.txt"), 5);
    const r = perplexity(lm, read("ptb.test.txt"));
    assert.equal(r.tokens, 78669 + 3761); // words + sentence ends (README of the data folder)
    assert.equal(r.oov + r.unkMapped, 0);
    assert.ok(Math.abs(r.perplexity - 141.2) / 141.2 < 0.01, `KN5 test perplexity ${r.perplexity}`);
  });
});
