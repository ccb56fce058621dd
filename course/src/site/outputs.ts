/**
 * A code cell's outputs → HTML.
 *
 * - `stream`: stdout/stderr as escaped preformatted text; consecutive chunks of the same
 *   stream are merged, ANSI codes stripped (Node's `util.stripVTControlCharacters`), and a
 *   carriage return overwrites its line (progress bars show their last state).
 * - `error`: `ename: evalue` and the traceback, ANSI codes stripped.
 * - `execute_result` / `display_data`: the first representation in {@link MIME_PRIORITY}.
 */
import { stripVTControlCharacters } from "util";
import { escapeHtml } from "seqlab/internal";
import type { ErrorOutput, MimeBundle, Output, StreamOutput } from "../nbformat.js";
import { renderMarkdown, svgDataUri, type MarkdownEnv } from "./markdown.js";
import { renderTex } from "./math.js";
import { PLOTLY_MIME, plotHtml, plotlyFigure } from "./plot.js";

/** What rendering outputs needs from the page. */
export interface OutputContext {
  /** markdown-it env of the page (shared KaTeX macros). */
  env: MarkdownEnv;
  /** A new element id for a plot, unique in the page. */
  nextPlotId(): string;
}

/** The outputs' HTML and how many plotly figures it holds. */
export interface RenderedOutputs {
  html: string;
  plots: number;
}

/** A text field of a notebook: a string or a list of lines; anything else as a string. */
const text = (d: unknown): string => (typeof d === "string" ? d : Array.isArray(d) ? d.join("") : String(d ?? ""));

/** Renders one representation; undefined passes on to the next (a malformed plotly payload). */
type MimeRenderer = (data: unknown, ctx: OutputContext) => string | undefined;

const image = (mime: string): MimeRenderer => (data) =>
  `<img src="data:${mime};base64,${text(data).replace(/\s/g, "")}" alt="">`;

/** Representations the site renders, richest first, with the class of their wrapper div. */
export const MIME_PRIORITY: ReadonlyArray<{ mime: string; cls: string; render: MimeRenderer }> = [
  { mime: PLOTLY_MIME, cls: "plot", render: (data, ctx) => {
    const fig = plotlyFigure(data);
    return fig && plotHtml(fig, ctx.nextPlotId());
  } },
  { mime: "text/html", cls: "html", render: (data) => text(data) },
  { mime: "image/svg+xml", cls: "image", render: (data) => `<img src="${svgDataUri(text(data))}" alt="">` },
  { mime: "image/png", cls: "image", render: image("image/png") },
  { mime: "image/jpeg", cls: "image", render: image("image/jpeg") },
  { mime: "image/gif", cls: "image", render: image("image/gif") },
  { mime: "text/markdown", cls: "markdown", render: (data, ctx) => renderMarkdown(text(data), ctx.env) },
  { mime: "text/latex", cls: "latex", render: (data, ctx) => renderTex(stripMathDelimiters(text(data)), true, ctx.env) },
  { mime: "text/plain", cls: "text", render: (data) => `<pre>${escapeHtml(stripVTControlCharacters(text(data)))}</pre>` },
  { mime: "application/json", cls: "text", render: (data) => `<pre>${escapeHtml(JSON.stringify(data, null, 2))}</pre>` },
];

/** Applies carriage returns: on each line, only the text after the last `\r` remains. */
export function applyCarriageReturns(s: string): string {
  return s
    .split("\n")
    .map((line) => {
      const l = line.replace(/\r+$/, "");
      return l.slice(l.lastIndexOf("\r") + 1);
    })
    .join("\n");
}

/** Removes `$$…$$`, `$…$`, `\[…\]` or `\(…\)` around a `text/latex` value. */
function stripMathDelimiters(tex: string): string {
  const t = tex.trim();
  const m = /^\$\$([\s\S]*)\$\$$/.exec(t) ?? /^\$([\s\S]*)\$$/.exec(t) ?? /^\\\[([\s\S]*)\\\]$/.exec(t) ?? /^\\\(([\s\S]*)\\\)$/.exec(t);
  return m ? m[1]! : t;
}

/** One rich output (`execute_result` / `display_data`), by mime priority. */
export function renderMimeBundle(data: MimeBundle, ctx: OutputContext): { html: string; mime: string } {
  for (const { mime, cls, render } of MIME_PRIORITY) {
    if (!(mime in data)) continue;
    const html = render(data[mime], ctx);
    if (html !== undefined) return { html: `<div class="output-${cls}">${html}</div>`, mime };
  }
  const types = Object.keys(data).join(", ") || "none";
  return {
    html: `<div class="output-unsupported">(output not shown: expected one of ${MIME_PRIORITY.map((r) => r.mime).join(", ")}, got ${escapeHtml(types)})</div>`,
    mime: "",
  };
}

function renderStream(name: string, chunks: string): string {
  const body = escapeHtml(applyCarriageReturns(stripVTControlCharacters(chunks)));
  return `<pre class="output-stream output-${name === "stderr" ? "stderr" : "stdout"}">${body}</pre>`;
}

function renderError(o: ErrorOutput): string {
  const header = `${o.ename}: ${o.evalue}`;
  // Node and IPython tracebacks usually repeat "ename: evalue"; show it once, on top.
  const trace = (o.traceback ?? [])
    .map(stripVTControlCharacters)
    .join("\n")
    .split("\n")
    .filter((line) => line.trim() !== header.trim());
  const body = trace.join("\n").replace(/^\s*\n|\s+$/g, "");
  return (
    `<div class="output-error"><pre><strong>${escapeHtml(stripVTControlCharacters(header))}</strong>` +
    `${body ? "\n" + escapeHtml(body) : ""}</pre></div>`
  );
}

/** Renders a code cell's outputs; `Out[n]` prompts mark execute results. */
export function renderOutputs(outputs: Output[], ctx: OutputContext): RenderedOutputs {
  const parts: string[] = [];
  let plots = 0;
  for (let i = 0; i < outputs.length; i++) {
    const o = outputs[i]!;
    let prompt = "";
    let html: string;
    if (o.output_type === "stream") {
      let chunks = text(o.text);
      while (outputs[i + 1]?.output_type === "stream" && (outputs[i + 1] as StreamOutput).name === o.name) {
        chunks += text((outputs[++i] as StreamOutput).text);
      }
      html = renderStream(o.name, chunks);
    } else if (o.output_type === "error") {
      html = renderError(o);
    } else {
      const rendered = renderMimeBundle((o as { data?: MimeBundle }).data ?? {}, ctx);
      if (rendered.mime === PLOTLY_MIME) plots++;
      html = rendered.html;
      if (o.output_type === "execute_result" && o.execution_count != null) prompt = `Out[${o.execution_count}]:`;
    }
    parts.push(`<div class="output"><div class="prompt">${prompt}</div><div class="output-body">${html}</div></div>`);
  }
  return { html: parts.join("\n"), plots };
}
