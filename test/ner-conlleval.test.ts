/**
 * Entity-level scoring with conlleval's semantics (lib/src/ner/evaluate.ts, conlleval.ts).
 *
 * conlleval.pl itself could not be obtained here (no Debian package ships it, the npm
 * registry has no `conlleval` or `seqeval` package), so the oracles are:
 * - fixtures whose every number is derived by hand below, from conlleval's chunk rules
 *   (a chunk starts at B-X, at I-X after O or another type or a sentence start; it ends
 *   before O, B, a type change or a sentence end), with the report lines that its
 *   printf formats give;
 * - test/helpers/conlleval-port.ts, a line-by-line port of the script's state machine
 *   (endOfChunk, startOfChunk, the inCorrect flag), compared with evaluateNer and with
 *   conllevalText on random tag sequences (fast-check);
 * - C's printf("%6.2f") values taken from Python's `'%6.2f' % x` (which rounds the exact
 *   binary value half to even, as glibc does): 0.125 → "  0.12", 2.675 → "  2.67", …
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { evaluateNer, type NerEvaluation } from "../lib/src/ner/evaluate.js";
import { conllevalReport, conllevalText, printfFixed } from "../lib/src/ner/conlleval.js";
import { formatConllEval } from "../lib/src/ner/conll_writer.js";
import { ConllError, TagError } from "../lib/src/ner/errors.js";
import { ArgumentError } from "../lib/src/errors.js";
import { conllevalCounts } from "./helpers/conlleval-port.js";

/**
 * Fixture A, the tricky cases. Chunks by hand, [start, end) per sentence:
 *   s1  gold: O B-PER I-PER O B-LOC   → PER[1,3) LOC[4,5)      (LOC ends at the sentence end)
 *       pred: I-PER I-PER I-PER O B-LOC → PER[0,3) LOC[4,5)    (I-PER after O starts a chunk)
 *       correct: LOC. Tags equal at w3, w4, w5: 3.
 *   s2  gold: B-ORG I-ORG I-ORG O     → ORG[0,3)
 *       pred: B-ORG I-LOC I-LOC O     → ORG[0,1) LOC[1,3)      (a type change without B starts a chunk)
 *       correct: none. Tags equal at w1, w4: 2.
 *   s3  gold: I-MISC B-MISC           → MISC[0,1) MISC[1,2)    (IOB1-style: I at the start, B between)
 *       pred: I-MISC I-MISC           → MISC[0,2)
 *       correct: none. Tags equal at w1: 1.
 *   s4  gold: I-MISC O                → MISC[0,1)              (the sentence boundary closed s3's chunk)
 *       pred: I-MISC B-PER            → MISC[0,1) PER[1,2)
 *       correct: MISC. Tags equal at w1: 1.
 * Totals: tokens 5+4+2+2 = 13, correct tags 3+2+1+1 = 7; gold phrases 2+1+2+1 = 6
 * (LOC 1, MISC 3, ORG 1, PER 1); found 2+2+1+2 = 7 (LOC 2, MISC 2, ORG 1, PER 2); correct 2
 * (LOC 1, MISC 1).
 * Report: accuracy 100·7/13 = 53.846… → 53.85; precision 100·2/7 = 28.571… → 28.57;
 * recall 100·2/6 = 33.33; FB1 = 2·(200/7)(100/3)/((200/7)+(100/3)) = 40000/1300 = 30.769… → 30.77.
 * LOC: P 1/2 = 50.00, R 1/1 = 100.00, F 2·50·100/150 = 66.67, found 2.
 * MISC: P 1/2 = 50.00, R 1/3 = 33.33, F 2·50·(100/3)/(50+100/3) = 40.00, found 2.
 * ORG: P 0/1, R 0/1 → 0.00 0.00 0.00, found 1.   PER: P 0/2, R 0/1 → 0.00, found 2.
 */
const A = {
  gold: [
    ["O", "B-PER", "I-PER", "O", "B-LOC"],
    ["B-ORG", "I-ORG", "I-ORG", "O"],
    ["I-MISC", "B-MISC"],
    ["I-MISC", "O"],
  ],
  pred: [
    ["I-PER", "I-PER", "I-PER", "O", "B-LOC"],
    ["B-ORG", "I-LOC", "I-LOC", "O"],
    ["I-MISC", "I-MISC"],
    ["I-MISC", "B-PER"],
  ],
  report: [
    "processed 13 tokens with 6 phrases; found: 7 phrases; correct: 2.",
    "accuracy:  53.85%; precision:  28.57%; recall:  33.33%; FB1:  30.77",
    "              LOC: precision:  50.00%; recall: 100.00%; FB1:  66.67  2",
    "             MISC: precision:  50.00%; recall:  33.33%; FB1:  40.00  2",
    "              ORG: precision:   0.00%; recall:   0.00%; FB1:   0.00  1",
    "              PER: precision:   0.00%; recall:   0.00%; FB1:   0.00  2",
    "",
  ].join("\n"),
};

/**
 * Fixture B, IOB1 gold (the original CoNLL-2003 files) against IOB2 predictions:
 *   gold: I-ORG I-ORG B-ORG O I-LOC → ORG[0,2) ORG[2,3) LOC[4,5)   (B-ORG right after ORG starts a new one)
 *   pred: B-ORG I-ORG B-ORG O B-LOC → the same chunks
 * All 3 chunks correct; tags equal at w2, w3, w4: accuracy 3/5 = 60.00.
 */
const B = {
  gold: [["I-ORG", "I-ORG", "B-ORG", "O", "I-LOC"]],
  pred: [["B-ORG", "I-ORG", "B-ORG", "O", "B-LOC"]],
  report: [
    "processed 5 tokens with 3 phrases; found: 3 phrases; correct: 3.",
    "accuracy:  60.00%; precision: 100.00%; recall: 100.00%; FB1: 100.00",
    "              LOC: precision: 100.00%; recall: 100.00%; FB1: 100.00  1",
    "              ORG: precision: 100.00%; recall: 100.00%; FB1: 100.00  2",
    "",
  ].join("\n"),
};

describe("conlleval semantics on hand-derived fixtures", () => {
  test("fixture A: I-X after O, a type change without B, a chunk at the sentence end, boundaries close chunks", () => {
    const e = evaluateNer(A.gold, A.pred);
    assert.deepEqual([e.tokens, e.correctTags, e.gold, e.predicted, e.correct], [13, 7, 6, 7, 2]);
    assert.deepEqual(
      Object.fromEntries(Object.entries(e.perType).map(([k, v]) => [k, [v.gold, v.predicted, v.correct]])),
      { LOC: [1, 2, 1], MISC: [3, 2, 1], ORG: [1, 1, 0], PER: [1, 2, 0] },
    );
    assert.equal(e.precision, 2 / 7);
    assert.equal(e.recall, 2 / 6);
    assert.ok(Math.abs(e.f1 - 40000 / 1300 / 100) < 1e-15);
    assert.equal(conllevalReport(e), A.report);
  });

  test("fixture B: IOB1 input reads as conlleval reads it", () => {
    assert.equal(conllevalReport(evaluateNer(B.gold, B.pred)), B.report);
    assert.equal(conllevalReport(evaluateNer(B.gold, B.pred, { scheme: "IOB1" })), B.report);
  });

  test("IOBES input is mapped first: a missing E is forgiven, S S are two chunks", () => {
    // gold B-PER E-PER S-LOC → PER[0,2) LOC[2,3); pred B-PER I-PER S-LOC → PER[0,2) (lenient) LOC[2,3): 2 of 2 correct; tags 2/3.
    const e = evaluateNer([["B-PER", "E-PER", "S-LOC"]], [["B-PER", "I-PER", "S-LOC"]]);
    assert.deepEqual([e.gold, e.predicted, e.correct, e.correctTags], [2, 2, 2, 2]);
    // gold S-PER S-PER → 2 chunks; pred B-PER E-PER → PER[0,2): 0 correct.
    const f = evaluateNer([["S-PER", "S-PER"]], [["B-PER", "E-PER"]]);
    assert.deepEqual([f.gold, f.predicted, f.correct], [2, 1, 0]);
  });

  test("the file format: -DOCSTART- counts as a token (as in conlleval) unless asked; the report of fixture A", () => {
    const text = formatConllEval(A.gold.map((tags) => ({ tokens: tags.map((_, i) => `w${i}`), tags })), A.pred);
    assert.equal(conllevalReport(conllevalText(text, "a.txt")), A.report);
    const withDoc = `-DOCSTART- O O\n\n${text}`; // 3 fields, as every line of the file
    const e = conllevalText(withDoc, "a.txt");
    assert.deepEqual([e.tokens, e.correctTags], [14, 8]); // one more token, tagged O O
    assert.deepEqual([conllevalText(withDoc, "a.txt", { docstart: "boundary" }).tokens], [13]);
    const port = conllevalCounts(withDoc);
    assert.deepEqual([port.tokenCounter, port.correctTags, port.foundCorrect, port.foundGuessed, port.correctChunk], [14, 8, 6, 7, 2]);
  });

  test("strict mode: invalid transitions are TagErrors (conlleval's lenient reading is the default)", () => {
    assert.throws(
      () => evaluateNer(A.gold, A.pred, { scheme: "IOB2", strict: true, source: "dev" }),
      (e: unknown) => e instanceof TagError && /^dev: sentence 0, token 0 \(predicted\): expected B-PER or O \(I-PER only after B-PER or I-PER\), got 'I-PER' after the sentence start \(strict IOB2\)$/.test((e as Error).message),
    );
    // "auto" in strict mode detects from gold: A's gold mixes IOB1 and IOB2 evidence.
    assert.throws(() => evaluateNer(A.gold, A.pred, { strict: true }), /expected one tagging scheme.*\(strict evaluation with scheme "auto" detects it from the gold tags\)/);
    const ok = evaluateNer(B.gold, B.gold, { strict: true });
    assert.equal(ok.f1, 1);
  });

  test("errors: lengths, tags, field counts with file:line", () => {
    assert.throws(() => evaluateNer([["O"]], [["O", "O"]]), (e: unknown) => e instanceof ArgumentError && /sentence 0: expected 1 predicted tags \(as many as gold\), got 2/.test((e as Error).message));
    assert.throws(() => evaluateNer([["O"]], []), /expected 1 predicted sentences \(as many as gold\), got 0/);
    assert.throws(() => evaluateNer([["PER"]], [["O"]]), (e: unknown) => e instanceof TagError && /^evaluateNer: sentence 0, token 0 \(gold\): expected O or B-\/I-TYPE \(IOB2\), got 'PER'$/.test((e as Error).message));
    const conll = (f: () => unknown, m: RegExp) => assert.throws(f, (e: unknown) => e instanceof ConllError && m.test((e as Error).message));
    conll(() => conllevalText("a O O\nb O\n", "e.txt"), /^e\.txt:2: expected 3 fields \(as on the first line\), got 2: "b O"$/);
    conll(() => conllevalText("a O O\n\nb O X-\n", "e.txt"), /^e\.txt:3: expected O or B-\/I-TYPE \(IOB2\), got 'X-' \(predicted tag\)$/);
    conll(() => conllevalText("a\n", "e.txt"), /^e\.txt:1: expected at least 2 fields \(gold and predicted tag\), got 1/);
  });
});

describe("the report's numbers", () => {
  test("printfFixed is C's %6.2f (ties to even on the exact binary value), not toFixed", () => {
    // python3 -c "print('%6.2f' % x)" for each x:
    const cases: Array<[number, string]> = [
      [0.125, "  0.12"], [0.375, "  0.38"], [2.675, "  2.67"], [1.005, "  1.00"], [100, "100.00"], [0.135, "  0.14"], [0, "  0.00"],
      [12.345, " 12.35"], [99.995, "100.00"], [100 / 13 * 7, " 53.85"], [62.5, " 62.50"], [0.045, "  0.04"], [200 / 3, " 66.67"],
    ];
    for (const [x, s] of cases) assert.equal(printfFixed(x, 6), s, `printfFixed(${x})`);
    assert.equal((0.125).toFixed(2), "0.13"); // why toFixed is not used
  });

  test("a tie in a percentage: 1 correct of 800 found prints 0.12, as conlleval does", () => {
    const e: NerEvaluation = {
      tokens: 1000, correctTags: 999, accuracy: 0.999, gold: 1, predicted: 800, correct: 1, precision: 1 / 800, recall: 1, f1: 0,
      perType: { X: { gold: 1, predicted: 800, correct: 1, precision: 1 / 800, recall: 1, f1: 0 } },
    };
    // 100·1/800 = 0.125 exactly; FB1 = 2·0.125·100/100.125 = 0.2496… → 0.25.
    assert.equal(conllevalReport(e).split("\n")[1], "accuracy:  99.90%; precision:   0.12%; recall: 100.00%; FB1:   0.25");
  });

  test("property: evaluateNer and conllevalText count what conlleval's state machine counts", () => {
    const tag = fc.constantFrom("O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-GEO-POL", "I-GEO-POL");
    const sentence = fc.integer({ min: 1, max: 7 }).chain((L) => fc.tuple(fc.array(tag, { minLength: L, maxLength: L }), fc.array(tag, { minLength: L, maxLength: L })));
    fc.assert(
      fc.property(fc.array(sentence, { minLength: 1, maxLength: 5 }), fc.boolean(), (pairs, docstart) => {
        const gold = pairs.map(([g]) => g);
        const pred = pairs.map(([, p]) => p);
        let text = formatConllEval(gold.map((tags) => ({ tokens: tags.map(() => "w"), tags })), pred);
        if (docstart) text = `-DOCSTART- O O\n\n${text}`;
        const port = conllevalCounts(text);
        for (const e of [conllevalText(text, "p.txt"), ...(docstart ? [] : [evaluateNer(gold, pred)])]) {
          assert.deepEqual(
            [e.tokens, e.correctTags, e.gold, e.predicted, e.correct],
            [port.tokenCounter, port.correctTags, port.foundCorrect, port.foundGuessed, port.correctChunk],
          );
          const per = (k: "gold" | "predicted" | "correct") => Object.fromEntries(Object.entries(e.perType).filter(([, v]) => v[k] > 0).map(([t, v]) => [t, v[k]]));
          assert.deepEqual(per("gold"), port.foundCorrectByType);
          assert.deepEqual(per("predicted"), port.foundGuessedByType);
          assert.deepEqual(per("correct"), port.correctChunkByType);
        }
      }),
      { numRuns: 1000, seed: 2003 },
    );
  });
});
