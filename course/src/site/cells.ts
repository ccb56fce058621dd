/**
 * A notebook's cells → the body of its page: markdown cells as prose (with math), code
 * cells as highlighted source with an `In [n]:` prompt followed by their outputs. Raw
 * cells are not shown (as in nbconvert's HTML export without a matching raw format).
 */
import { joinLines as text, type CodeCell, type Notebook } from "../nbformat.js";
import { firstHeading, highlight, renderMarkdown, type Title } from "./markdown.js";
import { renderOutputs, type OutputContext } from "./outputs.js";

/** A rendered notebook body. */
export interface RenderedNotebook {
  html: string;
  /** Number of plotly figures (the page then loads plotly). */
  plots: number;
  /** The page contains KaTeX markup (the page then links KaTeX's CSS). */
  math: boolean;
}

/** The notebook's programming language, lower case (e.g. "typescript"); "" if unknown. */
export function notebookLanguage(nb: Notebook): string {
  const name = nb.metadata.language_info?.name ?? nb.metadata.kernelspec?.language ?? "";
  return String(name).toLowerCase().replace(/[^a-z0-9+#._-]/g, "");
}

/** The first heading of the notebook's markdown cells, or undefined. */
export function notebookTitle(nb: Notebook): Title | undefined {
  for (const cell of nb.cells) {
    if (cell.cell_type !== "markdown") continue;
    const title = firstHeading(text(cell.source));
    if (title !== undefined) return title;
  }
  return undefined;
}

function renderCode(cell: CodeCell, language: string, ctx: OutputContext): { html: string; plots: number } {
  const source = text(cell.source).replace(/\s+$/, "");
  const count = cell.execution_count ?? " ";
  const outputs = renderOutputs(cell.outputs, ctx);
  const html = [
    `<section class="cell code-cell">`,
    `<div class="input"><div class="prompt">In [${count}]:</div>` +
      `<pre><code class="hljs${language ? ` language-${language}` : ""}">${highlight(source, language)}</code></pre></div>`,
    cell.outputs.length > 0 ? `<div class="outputs">\n${outputs.html}\n</div>` : "",
    `</section>`,
  ];
  return { html: html.filter(Boolean).join("\n"), plots: outputs.plots };
}

/** Renders every cell of `nb`. */
export function renderNotebook(nb: Notebook): RenderedNotebook {
  const language = notebookLanguage(nb);
  const katexMacros: Record<string, string> = {};
  let plotCount = 0;
  const ctx: OutputContext = { env: { katexMacros }, nextPlotId: () => `plot-${++plotCount}` };
  const parts: string[] = [];
  let plots = 0;
  for (const cell of nb.cells) {
    if (cell.cell_type === "markdown") {
      const html = renderMarkdown(text(cell.source), { katexMacros, attachments: cell.attachments });
      parts.push(`<section class="cell markdown-cell">\n${html}</section>`);
    } else if (cell.cell_type === "code") {
      if (text(cell.source).trim() === "" && cell.outputs.length === 0) continue;
      const code = renderCode(cell, language, ctx);
      plots += code.plots;
      parts.push(code.html);
    }
  }
  const html = parts.join("\n");
  return { html, plots, math: html.includes('class="katex') };
}
