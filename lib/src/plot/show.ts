/**
 * `show(figure)`: displays a plotly figure in the notebook, offline.
 *
 * The output carries three representations; each front end picks the richest it renders:
 * 1. `application/vnd.plotly.v1+json` — the figure itself. VS Code, JupyterLab with the
 *    plotly extension, and the course site (which ships its own plotly bundle) draw it.
 * 2. `text/html` — a `<div>` plus a small loader script for Jupyter Notebook/JupyterLab:
 *    it draws with `window.Plotly`, loading the bundle once per page from the Jupyter
 *    server's `files/` URL of the project's `node_modules/plotly.js-dist/plotly.js`
 *    (no CDN; so the ~11 MB bundle is never copied into the notebook).
 * 3. `text/plain` — a one-line summary, for terminals and diffs.
 */
import { createHash } from "crypto";
import * as path from "path";
import { display } from "../notebook/display.js";
import type { Figure } from "./figure.js";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/**
 * Displays `figure` (see the file comment for what each front end shows). Returns
 * nothing, so that a cell ending in `show(...)` shows the plot and not the figure's JSON.
 */
export function show(figure: Figure): void {
  display({
    [PLOTLY_MIME]: figure,
    "text/html": plotHtml(figure),
    "text/plain": summary(figure),
  });
}

/** A one-line description of a figure: its title and traces. */
export function summary(figure: Figure): string {
  const title = (figure.layout.title as { text?: string } | undefined)?.text;
  const traces = figure.data.map((t) => `${t.type}${typeof t.name === "string" ? ` '${t.name}'` : ""}`);
  return `<Figure${title ? ` '${title}'` : ""}: ${traces.join(", ")}>`;
}

/**
 * The `text/html` representation: a div and a loader script. The div's id is derived
 * from the figure's content, so the same notebook gives the same output on every run.
 */
export function plotHtml(figure: Figure, notebookDir: string = process.cwd()): string {
  const json = JSON.stringify(figure).replace(/</g, "\\u003c");
  const id = "seqlab-plot-" + createHash("sha1").update(json).digest("hex").slice(0, 12);
  const height = typeof figure.layout.height === "number" ? figure.layout.height : 400;
  const bundle = plotlyBundleRelativePath(notebookDir);
  return (
    `<div id="${id}" class="seqlab-plot" style="height:${height}px;width:100%"></div>\n` +
    `<script type="text/javascript">\n(${loader.toString()})(${JSON.stringify(id)}, ${json}, ${JSON.stringify(bundle ?? "")});\n</script>`
  );
}

/** Path of plotly's bundle relative to the notebook's folder, with `/` separators. */
function plotlyBundleRelativePath(notebookDir: string): string | undefined {
  try {
    const file = require.resolve("plotly.js-dist/plotly.js");
    return path.relative(notebookDir, file).split(path.sep).join("/");
  } catch {
    return undefined;
  }
}

/* Runs in the browser (Jupyter Notebook 6/7, JupyterLab). Kept free of TypeScript-only
 * syntax after compilation, because its source text is embedded in the output. */
function loader(id: string, fig: { data: unknown; layout: unknown; config: unknown }, bundle: string): void {
  const w = window as unknown as {
    Plotly?: { newPlot(el: HTMLElement, d: unknown, l: unknown, c: unknown): void };
    __seqlabPlotly?: { queue: Array<() => void>; failed?: string };
    define?: { amd?: unknown };
  };
  const el = document.getElementById(id);
  if (!el) return;
  const draw = () => w.Plotly!.newPlot(el, fig.data, fig.layout, fig.config);
  if (w.Plotly) return draw();
  const fail = (why: string) => {
    el.style.height = "auto";
    el.textContent = "seqlab: plotly could not be loaded (" + why + "). The figure is in this output's application/vnd.plotly.v1+json data.";
  };
  if (w.__seqlabPlotly) {
    if (w.__seqlabPlotly.failed) fail(w.__seqlabPlotly.failed);
    else w.__seqlabPlotly.queue.push(draw);
    return;
  }
  const state: { queue: Array<() => void>; failed?: string } = { queue: [draw] };
  w.__seqlabPlotly = state;
  // Jupyter serves files under <base>files/<path relative to its root>; find the notebook's folder in the page URL.
  const m = /^(.*?\/)(?:(?:lab|doc)\/(?:workspaces\/[^/]+\/)?tree|notebooks|edit)\/(.*)$/.exec(decodeURIComponent(location.pathname));
  if (!m || !bundle) {
    state.failed = !bundle ? "the kernel could not find plotly.js-dist" : "not opened from a Jupyter server";
    return fail(state.failed);
  }
  const parts = (m[2]!.split("/").slice(0, -1).join("/") + "/" + bundle).split("/");
  const resolved: string[] = [];
  for (const p of parts) {
    if (p === "..") resolved.pop();
    else if (p !== "" && p !== ".") resolved.push(p);
  }
  const src = m[1] + "files/" + resolved.map(encodeURIComponent).join("/");
  // Jupyter Notebook 6 has RequireJS: hide `define` so the UMD bundle sets window.Plotly.
  const define = w.define;
  w.define = undefined;
  const script = document.createElement("script");
  script.src = src;
  script.onload = () => {
    w.define = define;
    state.queue.forEach((f) => f());
    state.queue = [];
  };
  script.onerror = () => {
    w.define = define;
    state.failed = "no file at " + src + "; start Jupyter from the project folder with `npm run lab`";
    fail(state.failed);
  };
  document.head.appendChild(script);
}

