/**
 * Dataset loaders (lib/src/datasets/). Oracles:
 * - tiny PTB-format fixtures, written by this file into a temporary folder (FIXTURE_TEXT; the
 *   sha256 values are `sha256sum` of those texts, computed independently);
 * - the download path against a local HTTP server on 127.0.0.1 serving those fixtures:
 *   good checksum → file saved, bad checksum → ChecksumError and no file left;
 * - the shared PTB copy ($SEQLAB_DATA, else ../shared/datasets beside the checkout; skipped
 *   when absent) against its README: lines, words, <unk> counts, sha256;
 * - Brown against NLTK's published size (brown.words(): 1,161,192 tokens; brown.sents():
 *   57,340), Moby Dick against its first sentence and a plausible word count.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { ChecksumError, DatasetError, MissingDataError, readLineSentences, resolveDataDir } from "../lib/src/datasets/folder.js";
import { downloadFile } from "../lib/src/datasets/download.js";
import { loadPtb, ptbFiles, PTB_SHA256 } from "../lib/src/datasets/ptb.js";
import { brownSplitOf, loadBrown } from "../lib/src/datasets/brown.js";
import { loadMobyDick, mobyDickSplitOf } from "../lib/src/datasets/moby_dick.js";
import { DATASET_NAMES, loadDataset, type DatasetName } from "../lib/src/datasets/datasets.js";
import { Vocab } from "../lib/src/data/vocab.js";

/** The fixture files, in PTB's format (a leading space, " \n" at each line end). */
const FIXTURE_TEXT = {
  train: " the cat sat on the mat \n a <unk> of N dogs \n",
  valid: " the dog sat \n",
  test: " a cat <unk> \n the end \n",
};
/** A data folder holding ptb/ptb.{train,valid,test}.txt = FIXTURE_TEXT (written once, removed after). */
const FIXTURES = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-fixtures-"));
fs.mkdirSync(path.join(FIXTURES, "ptb"));
for (const [split, text] of Object.entries(FIXTURE_TEXT)) fs.writeFileSync(path.join(FIXTURES, "ptb", `ptb.${split}.txt`), text);
after(() => fs.rmSync(FIXTURES, { recursive: true, force: true }));
/** `printf ' the cat sat on the mat \n a <unk> of N dogs \n' | sha256sum`, and likewise for valid and test. */
const FIXTURE_SHA256 = {
  train: "0e5090d5a5d9cb1d76ed1f516c94a63d462ec70d5f3b64993f5aa5f63b539d93",
  valid: "4c81efeec349508a3b0d233adaaff5039598989799abeed6646aae9135d941d2",
  test: "c9724cbe834281936ef553a61239cf284922a235223328407a99279527d7210a",
};
const FIXTURE_SENTENCES = {
  train: [["the", "cat", "sat", "on", "the", "mat"], ["a", "<unk>", "of", "N", "dogs"]],
  valid: [["the", "dog", "sat"]],
  test: [["a", "cat", "<unk>"], ["the", "end"]],
};

const tmpDirs: string[] = [];
function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-data-"));
  tmpDirs.push(d);
  return d;
}
after(() => tmpDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** Serves the fixture files (FIXTURES/ptb/*) on 127.0.0.1 and counts the requests. */
let server: http.Server;
let baseUrl = "";
let requests = 0;
before(async () => {
  server = http.createServer((req, res) => {
    requests++;
    const file = path.join(FIXTURES, "ptb", path.basename(req.url ?? ""));
    if (!fs.existsSync(file)) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": "text/plain" }).end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A loopback port with nobody listening (opened and closed again): "no network". */
async function deadUrl(): Promise<string> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}/`;
}

describe("data folder", () => {
  test("option > SEQLAB_DATA > XDG_CACHE_HOME/seqlab > ~/.cache/seqlab", () => {
    const env = { SEQLAB_DATA: "/data/s", XDG_CACHE_HOME: "/cache/x", HOME: "/home/u" };
    assert.equal(resolveDataDir("/opt/d", env), "/opt/d");
    assert.equal(resolveDataDir(undefined, env), "/data/s");
    assert.equal(resolveDataDir(undefined, { XDG_CACHE_HOME: "/cache/x", HOME: "/home/u" }), "/cache/x/seqlab");
    assert.equal(resolveDataDir(undefined, { HOME: "/home/u" }), "/home/u/.cache/seqlab");
    assert.equal(resolveDataDir("", { SEQLAB_DATA: "", HOME: "/home/u" }), "/home/u/.cache/seqlab");
  });

  test("readLineSentences: whitespace tokens, empty lines skipped", () => {
    const d = tmpDir();
    fs.writeFileSync(path.join(d, "x.txt"), " a b \n\n  \nc\td \n");
    assert.deepEqual(readLineSentences(path.join(d, "x.txt")), [["a", "b"], ["c", "d"]]);
  });
});

describe("PTB loader", () => {
  test("reads the three files from a local folder (fixtures), <unk> kept for Vocab to map", async () => {
    const ds = await loadPtb({ dataDir: FIXTURES, download: false });
    assert.deepEqual({ train: ds.train, valid: ds.valid, test: ds.test }, FIXTURE_SENTENCES);
    assert.equal(ds.unkToken, "<unk>");
    // test tokens a, cat, <unk>, the, end: "<unk>" (alias) and "end" (not in train) are UNK
    assert.equal(Vocab.fromSentences(ds.train).unkRate(ds.test.flat()), 2 / 5);
  });

  test("verify: true checks the sha256 of existing files", async () => {
    await loadPtb({ dataDir: FIXTURES, download: false, verify: true, sha256: FIXTURE_SHA256 });
    await assert.rejects(loadPtb({ dataDir: FIXTURES, download: false, verify: true }), (e: unknown) => {
      return e instanceof ChecksumError && (e as Error).message.includes(`to have sha256 ${PTB_SHA256.train}, got ${FIXTURE_SHA256.train}`);
    });
  });

  test("download from a local server with good checksums: files saved atomically, then read without network", async () => {
    const d = tmpDir();
    requests = 0;
    const ds = await loadPtb({ dataDir: d, baseUrl, sha256: FIXTURE_SHA256 });
    assert.equal(requests, 3);
    assert.deepEqual(ds.train, FIXTURE_SENTENCES.train);
    assert.deepEqual(fs.readdirSync(path.join(d, "ptb")).sort(), ["ptb.test.txt", "ptb.train.txt", "ptb.valid.txt"]); // no .part left
    for (const s of ["train", "valid", "test"] as const) {
      assert.deepEqual(fs.readFileSync(ptbFiles(d)[s]), fs.readFileSync(path.join(FIXTURES, "ptb", `ptb.${s}.txt`)));
    }
    await loadPtb({ dataDir: d, baseUrl: await deadUrl(), sha256: FIXTURE_SHA256 }); // present: no download needed
  });

  test("download with a bad checksum: ChecksumError naming URL and hashes, no file left", async () => {
    const d = tmpDir();
    const bad = { ...FIXTURE_SHA256, train: "0".repeat(64) };
    await assert.rejects(loadPtb({ dataDir: d, baseUrl, sha256: bad }), (e: unknown) => {
      const m = (e as Error).message;
      return e instanceof ChecksumError && m.includes(`${baseUrl}ptb.train.txt`) && m.includes(`expected sha256 ${"0".repeat(64)}, got ${FIXTURE_SHA256.train}`) && m.includes("not kept");
    });
    const left = fs.existsSync(path.join(d, "ptb")) ? fs.readdirSync(path.join(d, "ptb")) : [];
    assert.ok(!left.includes("ptb.train.txt"), `left: ${left.join(", ")}`);
    assert.ok(!left.some((f) => f.endsWith(".part")), `left: ${left.join(", ")}`);
  });

  test("no copy and no network: MissingDataError says which files, which folder, how to get them", async () => {
    const d = tmpDir();
    const folder = path.join(d, "ptb");
    for (const options of [{ dataDir: d, download: false }, { dataDir: d, baseUrl: await deadUrl() }]) {
      await assert.rejects(loadPtb(options), (e: unknown) => {
        const m = (e as Error).message;
        assert.ok(e instanceof MissingDataError, String(e));
        for (const part of ["ptb.train.txt, ptb.valid.txt, ptb.test.txt", folder, "ptb.{train,valid,test}.txt", "SEQLAB_DATA"]) {
          assert.ok(m.includes(part), `message lacks '${part}': ${m}`);
        }
        return true;
      });
    }
    assert.ok(!fs.existsSync(path.join(folder, "ptb.train.txt")));
  });

  test("downloadFile: HTTP 404 is a DatasetError with the status; bad sha256 argument", async () => {
    const d = tmpDir();
    await assert.rejects(downloadFile(`${baseUrl}nope.txt`, path.join(d, "x"), { sha256: FIXTURE_SHA256.train }), (e: unknown) => {
      return e instanceof DatasetError && /download http:\/\/127\.0\.0\.1:\d+\/nope\.txt: expected HTTP 200, got 404/.test((e as Error).message);
    });
    await assert.rejects(downloadFile(`${baseUrl}ptb.train.txt`, path.join(d, "x"), { sha256: "abc" }), /expected sha256 to be 64 hex characters, got 'abc'/);
    assert.deepEqual(fs.readdirSync(d), []);
  });

  const shared = process.env.SEQLAB_DATA ?? path.resolve(import.meta.dirname, "..", "..", "shared", "datasets");
  const hasPtb = fs.existsSync(path.join(shared, "ptb", "ptb.train.txt"));
  test("the shared PTB copy matches its README (lines, words, <unk>, sha256)", { skip: hasPtb ? false : `no PTB in ${shared} (set SEQLAB_DATA)` }, async () => {
    const ds = await loadDataset("ptb", { dataDir: shared, download: false });
    const stats = (x: string[][]) => [x.length, x.reduce((a, s) => a + s.length, 0), x.reduce((a, s) => a + s.filter((t) => t === "<unk>").length, 0)];
    assert.deepEqual(stats(ds.train), [42_068, 887_521, 45_020]);
    assert.deepEqual(stats(ds.valid), [3_370, 70_390, 3_485]);
    assert.deepEqual(stats(ds.test), [3_761, 78_669, 4_794]);
    const types = new Set([...ds.train, ...ds.valid, ...ds.test].flat());
    assert.equal(types.size, 9_999);
    const vocab = Vocab.fromSentences(ds.train);
    assert.equal(vocab.size, 4 + 9_998); // the specials + every type but <unk> (→ <UNK>)
    assert.equal(vocab.unkRate(ds.test.flat()), 4_794 / 78_669);
    await loadPtb({ dataDir: shared, download: false, verify: true }); // the sha256 of datasets/README.md
  });
});

describe("offline corpora", () => {
  test("Brown: NLTK's sizes (57,340 sentences, 1,161,192 tokens), split 400/50/50 files", () => {
    const ds = loadBrown();
    const all = [ds.train, ds.valid, ds.test];
    assert.equal(all.reduce((a, x) => a + x.length, 0), 57_340);
    assert.equal(all.reduce((a, x) => a + x.reduce((b, s) => b + s.length, 0), 0), 1_161_192);
    assert.deepEqual(ds.train[0].slice(0, 6), ["The", "Fulton", "County", "Grand", "Jury", "said"]);
    const files = Array.from({ length: 500 }, (_, i) => brownSplitOf(i));
    assert.deepEqual(["train", "valid", "test"].map((s) => files.filter((f) => f === s).length), [400, 50, 50]);
    assert.ok(ds.valid.length > 4_000 && ds.test.length > 4_000, `valid ${ds.valid.length}, test ${ds.test.length}`);
    assert.equal(loadBrown({ lowercase: true }).train[0][0], "the");
  });

  test("Moby Dick: 138 parts split 110/14/14 in book order, ~250k tokens, chapter 1 starts in train", () => {
    const ds = loadMobyDick();
    const parts = Array.from({ length: 138 }, (_, p) => mobyDickSplitOf(p));
    assert.deepEqual(["train", "valid", "test"].map((s) => parts.filter((f) => f === s).length), [110, 14, 14]);
    const tokens = [ds.train, ds.valid, ds.test].reduce((a, x) => a + x.reduce((b, s) => b + s.length, 0), 0);
    assert.ok(tokens > 220_000 && tokens < 280_000, `tokens ${tokens}`);
    assert.ok(ds.train.some((s) => s.join(" ") === "Call me Ishmael ."));
    assert.ok(ds.test.length > 500 && ds.valid.length > 300, `valid ${ds.valid.length}, test ${ds.test.length}`);
  });

  test("loadDataset dispatches by name and rejects unknown names", async () => {
    assert.deepEqual([...DATASET_NAMES], ["ptb", "brown", "moby-dick"]);
    assert.equal((await loadDataset("moby-dick")).name, "moby-dick");
    await assert.rejects(loadDataset("wikitext" as DatasetName), /loadDataset: expected one of ptb, brown, moby-dick, got 'wikitext'/);
  });
});
