import { test } from "node:test";
import assert from "node:assert/strict";
import { profile, byProfile } from "../lib/src/notebook/profile.js";
import { setSeed, getSeed, random, nextSeed, seededGenerator } from "../lib/src/random.js";
import { tableHtml, tableText } from "../lib/src/table/table.js";
import { ArgumentError } from "../lib/src/errors.js";

test("profile: default full, ci when asked, anything else is an error naming the variable", () => {
  assert.equal(profile({}), "full");
  assert.equal(profile({ SEQLAB_PROFILE: "ci" }), "ci");
  assert.throws(() => profile({ SEQLAB_PROFILE: "fast" }), (e: unknown) => e instanceof ArgumentError && e.message === "SEQLAB_PROFILE: expected one of ci, full, got 'fast'");
  assert.equal(byProfile({ ci: 1, full: 13 }, "ci"), 1);
  assert.equal(byProfile({ ci: 1, full: 13 }, "full"), 13);
});

test("seed: the same seed gives the same stream; different seeds differ; values in [0,1)", () => {
  setSeed(7);
  const a = Array.from({ length: 1000 }, random);
  setSeed(7);
  const b = Array.from({ length: 1000 }, random);
  assert.deepEqual(a, b);
  assert.equal(getSeed(), 7);
  assert.ok(a.every((v) => v >= 0 && v < 1));
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
  setSeed(8);
  assert.notDeepEqual(Array.from({ length: 10 }, random), a.slice(0, 10));
  setSeed(7);
  const s1 = nextSeed();
  setSeed(7);
  assert.equal(nextSeed(), s1);
  assert.throws(() => setSeed(-1), /setSeed: expected an integer in \[0, 2\^32\), got -1/);
});

test("tables from danfojs DataFrames and from records", async () => {
  const dfd = await import("danfojs-node");
  const df = new dfd.DataFrame({ model: ["KN5", "<LSTM>"], perplexity: [141.2, 114.5] });
  const html = tableHtml(df, { digits: 1 });
  assert.match(html, /<table class="dataframe">/);
  assert.match(html, /<th>model<\/th><th>perplexity<\/th>/);
  assert.match(html, /<td>&lt;LSTM&gt;<\/td><td style="text-align:right">114.5<\/td>/);
  assert.equal(
    tableText([{ model: "KN5", ppl: 141.25 }, { model: "LSTM", ppl: 114.5 }], { digits: 2 }),
    ["model     ppl", "-----  ------", "KN5    141.25", "LSTM   114.50"].join("\n"),
  );
  assert.match(tableText(Array.from({ length: 5 }, (_, i) => ({ i })), { maxRows: 2 }), /… 3 more rows$/);
});

test("seededGenerator: the same sequence as setSeed + random, without touching the course's generator", () => {
  setSeed(7);
  const a = Array.from({ length: 5 }, random);
  setSeed(99);
  const before = random();
  setSeed(99);
  const g = seededGenerator(7);
  assert.deepEqual(Array.from({ length: 5 }, g), a);
  assert.equal(random(), before, "the course's sequence is unchanged");
});
