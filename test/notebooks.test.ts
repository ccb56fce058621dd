/**
 * Every course notebook, executed in the `ci` profile through the real tslab kernel, then
 * rendered to the course site and opened in a real Chromium from disk: no cell fails, the
 * sources stay untouched, every plot is drawn and every formula typeset, with no network.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runNotebooks } from "../course/src/run.js";
import { codeCells, readNotebook } from "../course/src/nbformat.js";
import { checkSitePage, chromiumMissing, launchChromium } from "./helpers/browser.js";

const ROOT = path.resolve(import.meta.dirname, "..");
const NOTEBOOKS = path.join(ROOT, "notebooks");
const sources = fs.readdirSync(NOTEBOOKS).filter((f) => f.endsWith(".ipynb")).sort();
const hash = (f: string) => crypto.createHash("sha256").update(fs.readFileSync(f)).digest("hex");

test("every notebook executes in the ci profile and renders to a site that draws in Chromium", { timeout: 20 * 60_000 }, async (t) => {
  assert.ok(sources.length > 0, "notebooks/ has notebooks");
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-notebooks-"));
  const before = new Map(sources.map((f) => [f, hash(path.join(NOTEBOOKS, f))]));
  const lines: string[] = [];
  const summary = await runNotebooks({
    notebooksDir: NOTEBOOKS,
    outDir: path.join(tmp, "executed"),
    siteDir: path.join(tmp, "site"),
    profile: "ci",
    timeoutSeconds: 600,
    log: (l) => lines.push(l),
  });
  assert.ok(summary.ok, `${summary.error}\n${lines.join("\n")}`);
  t.diagnostic(lines.filter((l) => / ok in /.test(l)).join("; "));
  for (const f of sources) assert.equal(hash(path.join(NOTEBOOKS, f)), before.get(f), `${f} must not be modified`);

  for (const f of sources) {
    const nb = readNotebook(path.join(tmp, "executed", f));
    const code = codeCells(nb).map(({ cell }) => cell);
    assert.ok(code.every((c) => typeof c.execution_count === "number"), `${f}: every code cell executed`);
    const outputs = code.flatMap((c) => c.outputs);
    assert.ok(!outputs.some((o) => o.output_type === "error"), `${f}: no error outputs`);
    const text = JSON.stringify(outputs);
    assert.match(text, /profile ci/, `${f}: prints the profile it ran with (setupNotebook)`);
  }

  const skip = chromiumMissing();
  if (skip) return t.skip(skip);
  const browser = await launchChromium();
  try {
    assert.equal(summary.site!.pages.length, sources.length);
    for (const page of summary.site!.pages) {
      const check = await checkSitePage(page, { browser });
      const name = path.basename(page);
      assert.deepEqual(check.externalRequests, [], `${name}: no network`);
      assert.deepEqual(check.failedRequests, [], `${name}: every local asset found`);
      assert.deepEqual(check.consoleErrors, [], `${name}: no console errors`);
      assert.equal(check.plotsDrawn, check.plots, `${name}: every plot drawn`);
      assert.equal(check.katexVisible, check.katex, `${name}: every formula typeset`);
      if (name === "00-setup.html") {
        assert.ok(check.plots >= 1 && check.katex >= 1, `${name}: has a plot (${check.plots}) and math (${check.katex})`);
      }
    }
    const index = fs.readFileSync(summary.site!.index, "utf8");
    for (const f of sources) assert.ok(index.includes(f.replace(/\.ipynb$/, ".html")), `index links ${f}`);
  } finally {
    await browser.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
