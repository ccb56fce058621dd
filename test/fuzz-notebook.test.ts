/**
 * Fuzzing the notebook reader (`readNotebook`, course/src/nbformat.ts) and the site
 * renderer (course/src/site/) with fast-check: valid fixture notebooks are mutated
 * (byte flips, truncation, values of the wrong type put anywhere in the JSON tree, other
 * nbformat versions) and written to a file. The property: reading either succeeds, and then
 * the notebook is the file's JSON and renders to a page, or throws a NotebookError whose
 * message starts with the file's path; never any other exception.
 *
 * SEQLAB_FUZZ_RUNS scales the runs of each property (default 150: 2,730 inputs, ~3 s).
 * Found with these mutations before the reader checked outputs (a survey of 18,000 inputs:
 * 277 crashes, all TypeErrors in the renderer, at 5 places): a null output (renderOutputs),
 * a non-string or null ename / evalue / traceback line (the ANSI stripping), output data that is not
 * an object (`in` in renderMimeBundle), a traceback that is not a list (renderError). Now
 * `validateNotebook` checks every output, and the same survey finds none.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import { NotebookError } from "../course/src/errors.js";
import { readNotebook } from "../course/src/nbformat.js";
import { notebookTitle, renderNotebook } from "../course/src/site/cells.js";
import { renderSite, runFailure } from "../course/src/site/render.js";

const RUNS = Number(process.env.SEQLAB_FUZZ_RUNS ?? 150);
const SOURCES = [path.join(import.meta.dirname, "fixtures", "notebooks"), path.join(import.meta.dirname, "fixtures", "site")];
const SEEDS: { name: string; text: string }[] = SOURCES.flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .map((f) => ({ name: f, text: readFileSync(path.join(dir, f), "utf8") })),
);
// A failed run's metadata, so the banner code is fuzzed too.
SEEDS.push({
  name: "failed.ipynb",
  text: JSON.stringify({
    ...JSON.parse(SEEDS[0]!.text),
    metadata: { seqlab: { profile: "ci", executed_at: "2026-01-01T00:00:00.000Z", duration_s: 1, status: "failed", failure: { status: "error", cell: 2, cells: 3, index: 2, line: 2, ename: "RangeError", evalue: "boom" } } },
  }),
});

const dir = mkdtempSync(path.join(tmpdir(), "seqlab-fuzz-nb-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let tried = 0;
let file = 0;

/** Reads `bytes` as a notebook file and renders it; returns what happened, or throws a non-seqlab exception. */
function readAndRender(bytes: Buffer | string): "read" | "rejected" {
  tried++;
  const at = path.join(dir, `input-${file++ % 8}.ipynb`);
  writeFileSync(at, bytes);
  let nb;
  try {
    nb = readNotebook(at);
  } catch (e) {
    if (!(e instanceof NotebookError)) throw e;
    assert.ok(e.message.startsWith(`${at}: expected `), `expected a NotebookError naming ${at}, got: ${e.message}`);
    return "rejected";
  }
  // Correct: what was read is the file's JSON, and it renders.
  assert.deepEqual(nb, JSON.parse(readFileSync(at, "utf8")));
  const page = renderNotebook(nb);
  assert.equal(typeof page.html, "string");
  notebookTitle(nb);
  runFailure(nb);
  return "read";
}

/** Paths to every node of a JSON tree, with the root as []. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (typeof value === "object" && value !== null) for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function setAt(root: unknown, at: (string | number)[], value: unknown): unknown {
  if (at.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[at.at(-1)!] = value;
  return copy;
}

/** Values of the wrong type, and a few of the right type with wrong content. */
const wrongValue = fc.oneof(
  fc.constantFrom(null, true, 0, -1, 3, 4.5, 1e400, "", "text", "code", "stream", "error", [], [null], [1, 2], {}, { output_type: "stream" }, { output_type: "error" }, { "text/plain": 1 }),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A seed notebook (shrinks to the first; a counterexample shows its name, not its text). */
const seed = fc.nat({ max: SEEDS.length - 1 }).map((i) => SEEDS[i]!);

describe("fuzzing the notebook reader and the site renderer", () => {
  test("the crashes the fuzzer found are NotebookErrors naming the file, the cell and the output", () => {
    const nb = JSON.parse(SEEDS.find((s) => s.name === "01-basics.ipynb")!.text);
    const at = path.join(dir, "found.ipynb");
    const withOutput = (output: unknown) => {
      const copy = structuredClone(nb);
      copy.cells[2].outputs[0] = output;
      writeFileSync(at, JSON.stringify(copy));
      return () => readNotebook(at);
    };
    const err = { output_type: "error", ename: "TypeError", evalue: "x", traceback: ["TypeError: x"] };
    assert.throws(withOutput(null), { name: "NotebookError", message: `${at}: expected cell 3 output 1 to be an object, got null` });
    assert.throws(withOutput({ ...err, traceback: "TypeError: x" }), { message: `${at}: expected cell 3 output 1 traceback to be a list of strings, got string "TypeError: x"` });
    assert.throws(withOutput({ ...err, evalue: null }), { message: `${at}: expected cell 3 output 1 evalue to be a string, got null` });
    assert.throws(withOutput({ output_type: "display_data", data: 3, metadata: {} }), { message: `${at}: expected cell 3 output 1 data to be an object of MIME types, got number 3` });
    assert.throws(withOutput({ output_type: "display" }), { message: `${at}: expected cell 3 output 1 output_type to be "stream", "display_data", "execute_result" or "error", got string "display"` });
    assert.deepEqual(withOutput(err)().cells[2], { ...nb.cells[2], outputs: [err] });
  });

  test("an image of a malformed attachment name (a broken %-escape, found by the fuzzer) renders, with its src as written", () => {
    const nb = JSON.parse(SEEDS[0]!.text);
    const cell = nb.cells[0];
    cell.cell_type = "markdown";
    cell.source = "![a](attachment:%E0%A4%A) and ![b](attachment:x%20y.png)";
    cell.attachments = { "x y.png": { "image/png": "iVBORw0KGgo=" } };
    delete cell.outputs;
    delete cell.execution_count;
    const at = path.join(dir, "escapes.ipynb");
    writeFileSync(at, JSON.stringify(nb));
    const { html } = renderNotebook(readNotebook(at));
    assert.match(html, /<img src="attachment:%E0%A4%25A" alt="a">/);
    assert.match(html, /<img src="data:image\/png;base64,iVBORw0KGgo=" alt="b">/, "a well-formed escape is still decoded");
  });

  test("byte flips: a NotebookError naming the file, or a notebook that renders", () => {
    fc.assert(
      fc.property(seed, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), ({ text }, flips) => {
        const bytes = Buffer.from(text, "utf8");
        for (const [at, byte] of flips) bytes[at % bytes.length] = byte;
        readAndRender(bytes);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  test("truncation: always a NotebookError naming the file", () => {
    fc.assert(
      fc.property(seed, fc.double({ min: 0, max: 1, noNaN: true }), ({ text }, fraction) => {
        const cut = Math.min(text.trimEnd().length - 1, Math.floor(text.length * fraction));
        assert.equal(readAndRender(text.slice(0, cut)), "rejected");
      }),
      { numRuns: RUNS },
    );
  });

  test("a value of the wrong type anywhere in the tree (cells, source, outputs, metadata)", () => {
    fc.assert(
      fc.property(seed, fc.nat(), wrongValue, ({ text }, pick, value) => {
        const json = JSON.parse(text);
        const all = paths(json);
        readAndRender(JSON.stringify(setAt(json, all[pick % all.length]!, value)));
      }),
      { numRuns: RUNS * 6 },
    );
  });

  test("a value of the wrong type inside outputs and attachments (where the renderer looks)", () => {
    fc.assert(
      fc.property(seed, fc.nat(), wrongValue, ({ text }, pick, value) => {
        const json = JSON.parse(text);
        const deep = paths(json).filter((p) => p.includes("outputs") || p.includes("attachments") || p.includes("seqlab") || p.includes("language_info"));
        if (deep.length === 0) return;
        readAndRender(JSON.stringify(setAt(json, deep[pick % deep.length]!, value)));
      }),
      { numRuns: RUNS * 6 },
    );
  });

  test("markdown and code sources of any text (math, attachments, %-escapes, HTML) render", () => {
    const piece = fc.constantFrom("$", "$$", "\\(", "\\[", "![a](attachment:", "%E0%A4%A", "%", ")", "](", "<b>", "```", "\n", "# ", "\\frac{", "}", "\x1b[31m", "\r", "attachment:x.png");
    const text = fc.array(fc.oneof(piece, fc.string({ maxLength: 6 })), { maxLength: 12 }).map((parts) => parts.join(""));
    fc.assert(
      fc.property(seed, fc.nat(), text, ({ text: nbText }, pick, source) => {
        const json = JSON.parse(nbText);
        const cells = json.cells as { source: unknown; attachments?: unknown }[];
        if (cells.length === 0) return;
        const cell = cells[pick % cells.length]!;
        cell.source = source;
        cell.attachments = { "x.png": { "image/png": "iVBORw0KGgo=" } };
        assert.equal(readAndRender(JSON.stringify(json)), "read");
      }),
      { numRuns: RUNS * 2 },
    );
  });

  test("nbformat versions other than 4, and minor versions of any type", () => {
    fc.assert(
      fc.property(seed, fc.oneof(fc.integer({ min: -2, max: 9 }), wrongValue), wrongValue, ({ text }, major, minor) => {
        const json = JSON.parse(text);
        const outcome = readAndRender(JSON.stringify({ ...json, nbformat: major, nbformat_minor: minor }));
        if (major !== 4 || typeof minor !== "number") assert.equal(outcome, "rejected");
      }),
      { numRuns: RUNS },
    );
  });

  test("renderSite on mutated notebooks: a NotebookError naming the file, or a site", async () => {
    const site = mkdtempSync(path.join(tmpdir(), "seqlab-fuzz-site-"));
    try {
      await fc.assert(
        fc.asyncProperty(seed, fc.nat(), wrongValue, async ({ text }, pick, value) => {
          const json = JSON.parse(text);
          const all = paths(json).filter((p) => p.includes("outputs") || p.includes("metadata"));
          const input = path.join(site, "nb", "x.ipynb");
          rmSync(path.join(site, "nb"), { recursive: true, force: true });
          mkdirSync(path.join(site, "nb"));
          writeFileSync(input, JSON.stringify(all.length ? setAt(json, all[pick % all.length]!, value) : json));
          tried++;
          try {
            await renderSite({ notebooksDir: path.join(site, "nb"), outDir: path.join(site, "out") });
          } catch (e) {
            if (!(e instanceof NotebookError)) throw e;
            assert.ok(e.message.startsWith(`${input}: expected `), e.message);
          }
        }),
        { numRuns: Math.ceil(RUNS / 5) },
      );
    } finally {
      rmSync(site, { recursive: true, force: true });
    }
  });
});

after(() => console.log(`fuzz-notebook: ${tried} inputs tried`));
