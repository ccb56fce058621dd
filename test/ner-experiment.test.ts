/**
 * Notebook 07's experiment cells (lib/src/experiments/ner.ts) and the entity renderer
 * (lib/src/notebook/entities.ts):
 * - entitiesHtml / entitiesText: each entity boxed with its type, the text between escaped,
 *   line breaks kept; overlapping or out-of-range spans are errors;
 * - entityErrors classifies hand-made predictions (type, boundary, missed, spurious);
 * - transitionSummary reads a hand-made transition matrix;
 * - runNerComparison on the toy corpus: one result per run, scores equal to evaluateNer on
 *   its predictions, CRF runs carry their transitions, tables and per-type rows agree;
 * - the full profile's runs: 4 models × 2 corpora × 3 seeds, names = checkpoint folders;
 * - nerCorpusOrToy falls back on the toy corpus with a message when the data are missing.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { initBackend } from "../lib/src/backend/backend.js";
import { evaluateNer } from "../lib/src/ner/evaluate.js";
import { toyNerDataset } from "../lib/src/ner/toy_corpus.js";
import { entitiesHtml, entitiesText } from "../lib/src/notebook/entities.js";
import {
  entityErrors,
  FULL_NER_RUNS,
  EXTRA_NER_RUNS,
  nerCorpusOrToy,
  nerResultRows,
  perTypeRows,
  runNerComparison,
  smallNerRuns,
  transitionSummary,
  type NerResult,
} from "../lib/src/experiments/ner.js";

before(async () => {
  await initBackend({ quiet: true });
});

describe("entities in HTML", () => {
  test("each entity a <mark> with its type; the rest escaped; line breaks kept; bad spans are errors", () => {
    const text = "A <b> & Facebook\nDavid Ebersman.";
    const spans = [{ start: 17, end: 31, type: "PER" }, { start: 8, end: 16, type: "ORG" }];
    const html = entitiesHtml(text, spans);
    assert.match(html, /^<div class="entities"[^>]*>A &lt;b&gt; &amp; <mark class="entity" style="background: #7aecec;[^"]*">Facebook<span[^>]*>ORG<\/span><\/mark><br><mark [^>]*>David Ebersman<span[^>]*>PER<\/span><\/mark>\.<\/div>$/);
    assert.equal(entitiesText(text, spans), "A <b> & [Facebook]ORG\n[David Ebersman]PER.");
    assert.throws(() => entitiesHtml(text, [{ start: 8, end: 16, type: "ORG" }, { start: 10, end: 20, type: "PER" }]), /expected non-overlapping spans, got \[8, 16\) ORG and \[10, 20\) PER/);
    assert.throws(() => entitiesText(text, [{ start: 30, end: 99, type: "PER" }]), /expected spans with 0 ≤ start < end ≤ 32, got \[30, 99\) PER/);
  });
});

describe("the notebook's experiment cells", () => {
  test("entityErrors: wrong type, wrong boundary, missed, spurious", () => {
    const sentences = [
      { tokens: ["Jordan", "met", "Maria", "Garcia", "in", "Paris", "."], tags: ["B-PER", "O", "B-PER", "I-PER", "O", "B-LOC", "O"] },
      { tokens: ["Shares", "of", "Acme", "rose"], tags: ["O", "O", "B-ORG", "O"] },
    ];
    const predicted = [
      ["B-LOC", "O", "B-PER", "O", "O", "B-LOC", "O"], // Jordan: type; Maria Garcia: boundary; Paris right
      ["B-ORG", "O", "O", "O"], // Shares: spurious; Acme: missed
    ];
    const { errors, counts } = entityErrors(sentences, predicted);
    assert.deepEqual(counts, { missed: 1, spurious: 1, type: 1, boundary: 1 });
    assert.deepEqual(errors.map((e) => [e.sentence, e.kind, e.gold, e.predicted]), [
      [0, "type", "[Jordan]PER", "[Jordan]LOC"],
      [0, "boundary", "[Maria Garcia]PER", "[Maria]PER"],
      [1, "missed", "[Acme]ORG", ""],
      [1, "spurious", "", "[Shares]ORG"],
    ]);
    assert.equal(errors[0].context, "[Jordan]PER met [Maria Garcia]PER in [Paris]LOC .");
  });

  test("transitionSummary: A[B-LOC, I-PER], its rank in its row, forbidden vs allowed transitions", () => {
    const tags = ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"];
    // Forbidden (6): into I-LOC from O, B-PER, I-PER and into I-PER from O, B-LOC, I-LOC; everything else allowed.
    const A: number[][] = tags.map((from) => tags.map((to) => (to.startsWith("I-") && !(from !== "O" && from.slice(2) === to.slice(2)) ? -2 : 1)));
    A[1][4] = -3; // B-LOC → I-PER
    const r = { label: "CRF", tags, transitions: A } as unknown as NerResult;
    const s = transitionSummary(r);
    assert.equal(s.bLocToIPer, -3);
    assert.equal(s.rankInRow, 1);
    assert.equal(s.bPerToIPer, 1);
    assert.equal(s.meanInvalid, (-3 - 2 * 5) / 6);
    assert.equal(s.meanValid, 1);
    assert.equal(s.invalidNegative, 1);
    assert.equal(s.validNegative, 0);
    assert.throws(() => transitionSummary({ label: "LSTM", tags } as unknown as NerResult), /expected a CRF run, got LSTM/);
  });

  test("runNerComparison on the toy corpus: its scores are evaluateNer's on its predictions; CRF runs carry transitions; the tables agree", () => {
    const toy = toyNerDataset({ train: 200, dev: 60, test: 60, seed: 9 });
    const runs = smallNerRuns("conll2003", [1]).map((r) => ({ ...r, spec: { ...r.spec, embeddingSize: 8, hiddenSize: 8, train: { ...r.spec.train, epochs: 2 } } }));
    assert.deepEqual(runs.map((r) => r.name), ["conll2003-lstm-s1", "conll2003-bilstm-s1", "conll2003-bilstm-crf-s1", "conll2003-bilstm-crf-chars-s1"]);
    const results = runNerComparison(toy, runs, { log: () => {} });
    for (const r of results) {
      const e = evaluateNer(toy.test.map((s) => s.tags), r.testPredicted);
      assert.equal(r.test.f1, e.f1, r.name);
      assert.deepEqual(r.perType, e.perType, r.name);
      assert.equal(r.transitions !== undefined, r.model.startsWith("bilstm-crf"), r.name);
      assert.ok(r.epochs === 2 && r.bestEpoch >= 1 && r.bestEpoch <= 2 && r.seconds > 0);
    }
    const rows = nerResultRows(results);
    assert.deepEqual(rows.map((r) => r["test F1"]), results.map((r) => 100 * r.test.f1));
    const perType = perTypeRows(results);
    assert.deepEqual(perType.map((r) => r.model), ["LSTM", "biLSTM", "biLSTM-CRF", "biLSTM-CRF + chars"]);
    perType.forEach((row, i) => assert.equal(row.PER, 100 * (results[i].perType.PER?.f1 ?? 0)));
  });

  test("the full profile: 4 models × 2 corpora × 3 seeds, each named after its checkpoint folder", () => {
    const names = Object.keys(FULL_NER_RUNS);
    assert.equal(names.length, 24);
    assert.ok(names.includes("conll2003-bilstm-crf-chars-s3") && names.includes("collection5-lstm-s1"));
    for (const [name, r] of Object.entries(FULL_NER_RUNS)) assert.equal(name, `${r.corpus}-${r.model}-s${r.seed}`);
    assert.deepEqual(FULL_NER_RUNS["conll2003-bilstm-crf-chars-s1"].spec.chars, { embeddingSize: 25, hiddenSize: 25 });
  });

  test("the variant beside it: biLSTM-CRF + chars + caps with lower-cased words on CoNLL-2003, 3 seeds, not among the comparison's runs", () => {
    assert.deepEqual(Object.keys(EXTRA_NER_RUNS), ["conll2003-bilstm-crf-chars-caps-s1", "conll2003-bilstm-crf-chars-caps-s2", "conll2003-bilstm-crf-chars-caps-s3"]);
    const spec = EXTRA_NER_RUNS["conll2003-bilstm-crf-chars-caps-s2"].spec;
    assert.deepEqual([spec.caps, spec.vocab, spec.chars, spec.train], [{ embeddingSize: 5 }, { lowercase: true }, { embeddingSize: 25, hiddenSize: 25 }, FULL_NER_RUNS["conll2003-bilstm-crf-chars-s2"].spec.train]);
    assert.ok(Object.keys(EXTRA_NER_RUNS).every((n) => !(n in FULL_NER_RUNS)));
  });

  test("nerCorpusOrToy: the toy corpus, with the loader's message, when the data folder lacks the corpus", () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-no-data-"));
    try {
      const { corpus, message } = nerCorpusOrToy("conll2003", { dataDir: empty, maxTrain: 50, maxDev: 10, maxTest: 10 });
      assert.equal(corpus.name, "toy");
      assert.equal(corpus.train.length, 50);
      assert.match(message, /^CoNLL-2003: expected train\.txt or eng\.train, .* got no such file\..*\n→ using the TOY corpus instead .*: the numbers below are not conll2003's$/s);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
