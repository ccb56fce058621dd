/**
 * The static course site (course/src/site/): rendering hand-made executed notebooks
 * (test/fixtures/site/*.ipynb) to HTML, then opening the pages in Debian's chromium from
 * disk with the network blocked.
 *
 * Fixtures: 01-basics has inline, display and block math, stdout/stderr streams (with ANSI
 * codes and carriage returns), an error, a danfojs-style text/html table and a text/plain
 * result; 02-plots has two plotly figures exactly as seqlab's `show()` emits them (plotly
 * JSON + loader HTML + plain text), a PNG and an unexecuted cell.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { NotebookError } from "../course/src/errors.js";
import { renderMarkdown } from "../course/src/site/markdown.js";
import { renderMimeBundle, renderOutputs, MIME_PRIORITY, type OutputContext } from "../course/src/site/outputs.js";
import { renderSite } from "../course/src/site/render.js";
import { checkSitePage, chromiumMissing, launchChromium } from "./helpers/browser.js";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

const FIXTURES = path.join(import.meta.dirname, "fixtures", "site");

let out: string;
let site: { index: string; pages: string[] };
const read = (name: string) => readFileSync(path.join(out, name), "utf8");
/** The HTML of the page's markdown cells. */
const markdownCells = (html: string) => [...html.matchAll(/<section class="cell markdown-cell">([\s\S]*?)<\/section>/g)].map((m) => m[1]!);

before(async () => {
  out = mkdtempSync(path.join(tmpdir(), "seqlab-site-"));
  site = await renderSite({ notebooksDir: FIXTURES, outDir: out, title: "Test course" });
});
after(() => rmSync(out, { recursive: true, force: true }));

describe("renderSite: pages", () => {
  test("writes index.html and one page per notebook, in file-name order", () => {
    assert.equal(site.index, path.join(out, "index.html"));
    assert.deepEqual(site.pages, [path.join(out, "01-basics.html"), path.join(out, "02-plots.html")]);
    const index = read("index.html");
    assert.match(index, /<title>Test course<\/title>/);
    assert.match(index, /<h1>Test course<\/h1>/);
    const links = [...index.matchAll(/<li><a href="([^"]+)">(.*?)<\/a><span class="file">([^<]+)<\/span><\/li>/g)];
    assert.deepEqual(
      links.map((m) => [m[1], m[3]]),
      [
        ["01-basics.html", "01-basics.ipynb"],
        ["02-plots.html", "02-plots.ipynb"],
      ],
    );
    // Titles are the first headings, with their math rendered.
    assert.match(links[0]![2]!, /^01 · Basics: the RNN step <span class="katex">.*<annotation encoding="application\/x-tex">h_t<\/annotation>/);
    assert.equal(links[1]![2], "02 · Plots");
    assert.match(index, /<link rel="stylesheet" href="assets\/katex\/katex.min.css">/);
  });

  test("each page links to the contents and to the previous and next notebooks", () => {
    const first = read("01-basics.html");
    const second = read("02-plots.html");
    assert.match(first, /<title>01 · Basics: the RNN step h_t · Test course<\/title>/);
    assert.match(first, /<a href="index.html" rel="index">Contents<\/a>/);
    assert.match(first, /<a href="02-plots.html" rel="next"/);
    assert.doesNotMatch(first, /rel="prev"/);
    assert.match(second, /<a href="01-basics.html" rel="prev"/);
    assert.doesNotMatch(second, /rel="next"/);
  });

  test("links to notebooks point to their pages; headings get Jupyter's anchors", () => {
    assert.match(read("01-basics.html"), /<a href="02-plots.html">the next notebook<\/a>/);
    assert.match(read("01-basics.html"), /<h2 id="A-table">A table<\/h2>/);
    assert.match(read("02-plots.html"), /<a href="01-basics.html#A-table">the basics<\/a>/);
  });

  test("code cells show highlighted source and In [n] prompts", () => {
    const page = read("01-basics.html");
    assert.match(page, /<div class="prompt">In \[1\]:<\/div><pre><code class="hljs language-typescript"><span class="hljs-keyword">const<\/span>/);
    assert.match(page, /&quot;hello &lt;world&gt; &amp; friends&quot;/);
    assert.match(read("02-plots.html"), /In \[ \]:<\/div><pre><code[^>]*><span class="hljs-comment">\/\/ not executed<\/span>/);
  });
});

describe("renderSite: math", () => {
  test("markdown math becomes KaTeX markup at build time, with no $ left", () => {
    const page = read("01-basics.html");
    assert.equal(page.match(/<span class="katex">/g)?.length, 5); // heading, 2 inline, block, inline display
    assert.equal(page.match(/<span class="katex-display">/g)?.length, 2);
    assert.equal(page.match(/<div class="math-block">/g)?.length, 1);
    assert.match(page, /<span class="mop">tanh<\/span>/);
    assert.match(page, /<annotation encoding="application\/x-tex">\\mathcal\{L\} = -\\sum_\{t=1\}\^\{T\}/);
    const md = markdownCells(page);
    assert.equal(md.length, 2);
    for (const cell of md) assert.doesNotMatch(cell, /\$/);
    assert.doesNotMatch(page, /katex-error/);
    assert.match(page, /<link rel="stylesheet" href="assets\/katex\/katex.min.css">/);
    // 02-plots has no math of its own, but its link back to 01 does.
    assert.match(read("02-plots.html"), /rel="prev" title="01 · Basics: the RNN step h_t">← 01 · Basics: the RNN step <span class="katex">/);
    assert.match(read("02-plots.html"), /katex.min.css/);
  });

  test("dollar edge cases: escapes, prices, code, and unclosed delimiters stay text", () => {
    const katex = (s: string) => (renderMarkdown(s).match(/<span class="katex">/g) ?? []).length;
    assert.equal(katex("costs $5 and $6"), 0);
    assert.match(renderMarkdown("costs \\$5 and \\$6"), /costs \$5 and \$6/);
    assert.match(renderMarkdown("`$x$` and ```\n$y$\n```"), /<code>\$x\$<\/code>/);
    assert.equal(katex("an unclosed $$ x"), 0);
    assert.equal(katex("$ x$ and $x $"), 0); // space after the opener / before the closer
    assert.equal(katex("$a_b$ and $c_d$, *e*"), 2); // `_` is TeX, not emphasis
    assert.match(renderMarkdown("$a_b$ and $c_d$, *e*"), /<em>e<\/em>/);
  });

  // The cases that rule out @mdit/plugin-tex and @vscode/markdown-it-katex (see math.ts).
  test("$$ in a line is display math; an unclosed $$ line stays text", () => {
    const count = (s: string, re: RegExp) => (renderMarkdown(s).match(re) ?? []).length;
    const display = /<span class="katex-display">/g;
    assert.equal(count("$$\nunclosed block", /class="katex/g), 0);
    assert.match(renderMarkdown("$$\nunclosed block"), /^<p>\$\$\nunclosed block<\/p>/);
    assert.equal(count("$$x$$ trailing text", display), 1);
    assert.match(renderMarkdown("$$x$$ trailing text"), /<\/span> trailing text<\/p>/);
    assert.equal(count("$$a$$ and $$b$$", display), 2);
    assert.equal(count("$$a$$ and $$b$$", /math-block/g), 0, "display math in a paragraph is no <div> in a <p>");
    assert.equal(count("$x$$y$", /<span class="katex">/g), 2);
    assert.equal(count("Inline $$x^2$$ display", display), 1);
    for (const s of ["$$x$$ trailing text", "$$a$$ and $$b$$", "$$\nunclosed block"]) assert.equal(count(s, /katex-error/g), 0, s);
  });

  test("$$ blocks interrupt paragraphs and work inside lists; macros carry over", () => {
    const html = renderMarkdown("Text\n$$\na \\\\\nb\n$$\nmore");
    assert.match(html, /^<p>Text<\/p>\n<div class="math-block">/);
    assert.match(html, /<p>more<\/p>/);
    assert.match(renderMarkdown("- item\n\n  $$x^2$$\n"), /<li>[\s\S]*math-block/);
    const env = { katexMacros: {} };
    renderMarkdown("$\\gdef\\R{\\mathbb{R}}$", env);
    assert.match(renderMarkdown("$x \\in \\R$", env), /mathbb/);
  });
});

describe("renderMarkdown: notebook conventions", () => {
  test("pasted images (attachment:) become data URIs; external links are kept as written", () => {
    const env = { attachments: { "fig 1.png": { "image/png": "iVBORw0KGgo=\n" } } };
    assert.match(renderMarkdown("![fig](attachment:fig%201.png)", env), /<img src="data:image\/png;base64,iVBORw0KGgo=" alt="fig">/);
    assert.match(renderMarkdown("[paper](https://arxiv.org/abs/1409.0473)"), /href="https:\/\/arxiv.org\/abs\/1409.0473"/);
    assert.match(renderMarkdown("[next](03-lstm.ipynb?x=1#Gates)"), /href="03-lstm.html\?x=1#Gates"/);
  });
});

describe("renderSite: outputs", () => {
  test("streams are escaped, merged per stream, ANSI-stripped, and carriage returns applied", () => {
    const page = read("01-basics.html");
    assert.match(page, /<pre class="output-stream output-stdout">hello &lt;world&gt; &amp; friends\n<\/pre>/);
    assert.match(page, /<pre class="output-stream output-stderr">warning: slow\n<\/pre>/);
    assert.match(page, /<pre class="output-stream output-stdout">epoch 3\n<\/pre>/);
    assert.doesNotMatch(page, /\x1b|\[33m/);
  });

  test("ANSI codes in streams, results and tracebacks: colours, cursor moves, OSC titles and links", () => {
    const ctx: OutputContext = { env: {}, nextPlotId: () => "p" };
    const link = "\x1b]8;;https://example.org\x1b\\docs\x1b]8;;\x1b\\";
    const { html } = renderOutputs(
      [
        { output_type: "stream", name: "stdout", text: "\x1b]0;title\x07\x1b[2K\x1b[1G\x1b[1;32mok\x1b[0m see " + link + "\n" },
        { output_type: "execute_result", execution_count: 1, metadata: {}, data: { "text/plain": "\x1b[33m42\x1b[39m" } },
        { output_type: "error", ename: "Error", evalue: "boom", traceback: ["\x1b[31mError\x1b[0m: boom", "    at \x1b[36mf\x1b[39m (In[1]:1:1)"] },
      ],
      ctx,
    );
    assert.doesNotMatch(html, /\x1b|\[\d+m|\]8;;/);
    assert.match(html, /<pre class="output-stream output-stdout">ok see docs\n<\/pre>/);
    assert.match(html, /<pre>42<\/pre>/);
    assert.match(html, /<strong>Error: boom<\/strong>\n    at f \(In\[1\]:1:1\)/);
  });

  test("errors show ename: evalue once, then the traceback without ANSI codes", () => {
    const page = read("01-basics.html");
    assert.match(page, /<div class="output-error"><pre><strong>TypeError: x.foo is not a function<\/strong>\n {4}at &lt;anonymous&gt;:2:3\n/);
    assert.equal(page.match(/x\.foo is not a function/g)?.length, 1);
  });

  test("text/html is inserted as-is; text/plain is escaped with an Out[n] prompt", () => {
    const page = read("01-basics.html");
    assert.match(page, /<div class="output-html"><table class="dataframe">\n<thead><tr><th><\/th><th>z<\/th>/);
    assert.doesNotMatch(page, /tanh\(z\)\n0 -1/); // the plain-text fallback is not used
    assert.match(page, /<div class="prompt">Out\[4\]:<\/div><div class="output-body"><div class="output-text"><pre>&#39;&lt;b&gt;not bold&lt;\/b&gt;&#39;<\/pre>/);
  });

  test("plotly JSON wins over the loader HTML; plotly is loaded only on pages with plots", () => {
    const page = read("02-plots.html");
    const figures = [...page.matchAll(/<div class="plotly-plot" id="(plot-\d)" style="height:(\d+)px"><\/div>\n<script type="application\/json" class="plotly-figure" data-plot="\1">(.*?)<\/script>/g)];
    assert.equal(figures.length, 2);
    assert.deepEqual(JSON.parse(figures[0]![3]!), {
      data: [{ type: "scatter", x: [1, 2, 3], y: [2, 1, 3] }],
      layout: { title: { text: "t" } },
      config: {},
    });
    assert.equal(figures[0]![2], "450"); // plotly's default height
    assert.equal(figures[1]![2], "300"); // layout.height
    assert.equal(JSON.parse(figures[1]![3]!).layout.title.text, "</script><b>attention</b>"); // escaped as \u003c
    assert.doesNotMatch(page, /seqlab-plot-0123456789ab/);
    assert.match(page, /<script src="assets\/plotly.js"><\/script>\n<script src="assets\/plots.js"><\/script>/);
    assert.doesNotMatch(read("01-basics.html"), /plotly/);
    assert.match(page, /<div class="output-image"><img src="data:image\/png;base64,iVBORw0KGgo[A-Za-z0-9+/=]+" alt="">/);
  });

  test("rich outputs choose by mime priority", () => {
    const ctx: OutputContext = { env: {}, nextPlotId: () => "p" };
    const all: Record<string, unknown> = {
      "application/vnd.plotly.v1+json": { data: [] },
      "text/html": "<i>h</i>",
      "image/svg+xml": "<svg></svg>",
      "image/png": "iVBORw0KGgo=",
      "image/jpeg": "/9j/",
      "image/gif": "R0lGOD",
      "text/markdown": "**m**",
      "text/latex": "$$x$$",
      "text/plain": "plain",
      "application/json": { a: 1 },
    };
    const order: string[] = [];
    const bundle = { ...all };
    while (Object.keys(bundle).length > 0) {
      const { mime } = renderMimeBundle(bundle, ctx);
      order.push(mime);
      delete bundle[mime];
    }
    assert.deepEqual(order, MIME_PRIORITY.map((r) => r.mime));
    assert.deepEqual(order.slice(0, 3), ["application/vnd.plotly.v1+json", "text/html", "image/svg+xml"]);
    assert.equal(renderMimeBundle({ "application/vnd.plotly.v1+json": "not json", "text/plain": "p" }, ctx).mime, "text/plain");
    assert.match(renderMimeBundle({ "text/latex": "$$\\alpha$$" }, ctx).html, /katex-display/);
    assert.match(renderMimeBundle({ "application/x-unknown": 1 }, ctx).html, /expected one of .*, got application\/x-unknown/);
  });
});

describe("renderSite: failed runs are marked", () => {
  test("a notebook whose metadata records a failed run gets a banner and a mark in the index; others none", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "seqlab-site-failed-"));
    try {
      const nb = JSON.parse(readFileSync(path.join(FIXTURES, "01-basics.ipynb"), "utf8"));
      nb.metadata.seqlab = {
        profile: "ci", executed_at: "2026-01-01T00:00:00.000Z", duration_s: 1, status: "failed",
        failure: { status: "error", cell: 3, cells: 9, index: 5, line: 2, ename: "RangeError", evalue: "expected 2 <apples>, got 1" },
      };
      writeFileSync(path.join(dir, "01-basics.ipynb"), JSON.stringify(nb));
      writeFileSync(path.join(dir, "02-plots.ipynb"), readFileSync(path.join(FIXTURES, "02-plots.ipynb")));
      await renderSite({ notebooksDir: dir, outDir: path.join(dir, "out"), title: "Test course" });
      const page = readFileSync(path.join(dir, "out", "01-basics.html"), "utf8");
      assert.match(
        page,
        /<main class="notebook">\n<div class="run-banner" role="alert">This notebook failed at cell 3\/9, line 2: RangeError: expected 2 &lt;apples&gt;, got 1\. The outputs below stop there\.<\/div>/,
      );
      const index = readFileSync(path.join(dir, "out", "index.html"), "utf8");
      assert.match(index, /<span class="file">01-basics\.ipynb<\/span><span class="run-failed">failed at cell 3\/9, line 2<\/span><\/li>/);
      assert.doesNotMatch(readFileSync(path.join(dir, "out", "02-plots.html"), "utf8"), /run-banner/);
      assert.equal((index.match(/run-failed/g) ?? []).length, 1);
      assert.doesNotMatch(read("01-basics.html"), /run-banner/, "a notebook without a failed run has no banner");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("renderSite: offline assets", () => {
  test("no page, stylesheet or asset reference leaves the site", () => {
    const external = /(?:src|href)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?\/\//gi;
    for (const file of ["index.html", "01-basics.html", "02-plots.html"]) {
      assert.deepEqual(read(file).match(external), null, file);
    }
    for (const css of ["assets/site.css", "assets/katex/katex.min.css"]) {
      assert.doesNotMatch(read(css), /url\(\s*["']?(?:[a-z]+:)?\/\//i, css);
      assert.doesNotMatch(read(css), /@import/, css);
    }
  });

  test("KaTeX CSS and fonts, plotly's bundle as shipped and the plot script are copied", () => {
    assert.ok(existsSync(path.join(out, "assets/katex/fonts/KaTeX_Main-Regular.woff2")));
    const source = require.resolve("plotly.js-dist/plotly.js");
    assert.ok(readFileSync(path.join(out, "assets/plotly.js")).equals(readFileSync(source)), "assets/plotly.js is plotly.js-dist's plotly.js, byte for byte");
    assert.match(read("assets/plots.js"), /Plotly\.newPlot/);
  });
});

describe("renderSite: errors name the file", () => {
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), "seqlab-site-bad-"))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const render = () => renderSite({ notebooksDir: dir, outDir: path.join(dir, "out") });

  test("no notebooks, or no folder", async () => {
    await assert.rejects(render(), (e: Error) => e instanceof NotebookError && /expected at least one \.ipynb file in .*, got none/.test(e.message));
    await assert.rejects(
      renderSite({ notebooksDir: path.join(dir, "missing"), outDir: dir }),
      /expected a folder of notebooks at .*missing, got ENOENT/,
    );
  });

  test("a notebook that is not JSON", async () => {
    writeFileSync(path.join(dir, "bad.ipynb"), "{ not json");
    await assert.rejects(render(), (e: Error) => e instanceof NotebookError && /bad\.ipynb: expected JSON, got a parse error/.test(e.message));
    rmSync(path.join(dir, "bad.ipynb"));
  });

  test("a notebook that is not nbformat 4, or has a malformed cell", async () => {
    writeFileSync(path.join(dir, "old.ipynb"), JSON.stringify({ nbformat: 3, worksheets: [] }));
    await assert.rejects(render(), /old\.ipynb: expected nbformat to be 4, got number 3/);
    const cell = { cell_type: "code", source: "1", metadata: {}, execution_count: 1 };
    writeFileSync(path.join(dir, "old.ipynb"), JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [cell] }));
    await assert.rejects(render(), /old\.ipynb: expected cell 1 outputs to be an array, got nothing/);
  });
});

describe("the site in chromium (file://, network blocked)", { skip: chromiumMissing() }, () => {
  let browser: Browser;
  before(async () => (browser = await launchChromium()));
  after(async () => browser?.close());

  test("plots are drawn by the local plotly bundle", async () => {
    const c = await checkSitePage(path.join(out, "02-plots.html"), { browser, screenshot: "/tmp/seqlab-site-02-plots.png" });
    assert.equal(c.title, "02 · Plots · Test course");
    assert.equal(c.plots, 2);
    assert.equal(c.plotsDrawn, 2);
    assert.deepEqual(c.externalRequests, []);
    assert.deepEqual(c.failedRequests, []);
    assert.deepEqual(c.consoleErrors, []);
  });

  test("math is laid out by KaTeX in its own fonts", async () => {
    const c = await checkSitePage(path.join(out, "01-basics.html"), { browser, screenshot: "/tmp/seqlab-site-01-basics.png" });
    assert.equal(c.katex, 5);
    assert.equal(c.katexVisible, 5);
    assert.equal(c.katexFontLoaded, true);
    assert.equal(c.plots, 0);
    assert.deepEqual(c.externalRequests, []);
    assert.deepEqual(c.failedRequests, []);
    assert.deepEqual(c.consoleErrors, []);
  });

  test("the index opens; the checker does see and block external requests", async () => {
    const index = await checkSitePage(site.index, { browser });
    assert.deepEqual([index.externalRequests, index.consoleErrors, index.failedRequests], [[], [], []]);
    const probe = path.join(out, "probe.html");
    writeFileSync(probe, '<!DOCTYPE html><img src="http://example.invalid/x.png"><script src="missing.js"></script>');
    const c = await checkSitePage(probe, { browser });
    assert.deepEqual(c.externalRequests, ["http://example.invalid/x.png"]);
    assert.equal(c.failedRequests.length, 1);
    assert.match(c.failedRequests[0]!, /missing\.js/);
  });
});
