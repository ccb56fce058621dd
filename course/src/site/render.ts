/**
 * `renderSite`: the static course site, from executed notebooks.
 *
 * 1. Read every `*.ipynb` in `notebooksDir` (nbformat 4, executed), in file-name order.
 * 2. Render each to `outDir/<name>.html`: its cells (see `cells.ts`), with links to the
 *    contents and the previous and next notebooks.
 * 3. Write `outDir/index.html`: the course title and the notebooks, each titled by its
 *    first markdown heading (else its file name).
 *    A notebook whose run failed (`metadata.seqlab.status` "failed", written by the runner)
 *    gets a banner on its page ("This notebook failed at cell 3/9: …") and a mark in the index.
 * 4. Copy the assets (see `assets.ts`): math is rendered at build time, figures are drawn
 *    by a local plotly bundle, so the site opens from disk with no network.
 *
 * Files already in `outDir` that no notebook produces are left alone.
 */
import { mkdirSync, readdirSync, statSync, writeFileSync } from "fs";
import * as path from "path";
import { NotebookError } from "../errors.js";
import { escapeHtml } from "seqlab/internal";
import { readNotebook, type Notebook } from "../nbformat.js";
import { writeAssets } from "./assets.js";
import { notebookTitle, renderNotebook } from "./cells.js";
import { indexHtml, pageHtml, type IndexEntry, type NavLink } from "./template.js";

/** Options of {@link renderSite}. */
export interface RenderSiteOptions {
  /** Folder of executed notebooks (`*.ipynb`; sub-folders are not read). */
  notebooksDir: string;
  /** Folder to write the site into; created if missing. */
  outDir: string;
  /** The course title, on every page. Default: "seqlab course". */
  title?: string;
}

/** The files written: absolute paths of the index and of each notebook's page, in order. */
export interface RenderedSite {
  index: string;
  pages: string[];
}

/** The link's title has KaTeX markup. */
const hasMath = (link: NavLink | undefined) => link?.titleHtml.includes('class="katex') ?? false;

/** `metadata.seqlab` of a failed run, read defensively (the file may come from anywhere): where and why. */
export function runFailure(nb: Notebook): { where: string; why: string } | undefined {
  const run = nb.metadata.seqlab as unknown;
  if (typeof run !== "object" || run === null || (run as { status?: unknown }).status !== "failed") return undefined;
  const f = (run as { failure?: unknown }).failure;
  const field = (key: string): unknown => (typeof f === "object" && f !== null ? (f as Record<string, unknown>)[key] : undefined);
  const cell = field("cell");
  const cells = field("cells");
  const line = field("line");
  const where =
    typeof cell === "number" ? `cell ${cell}${typeof cells === "number" ? `/${cells}` : ""}${typeof line === "number" ? `, line ${line}` : ""}` : "an unknown cell";
  const ename = field("ename");
  const evalue = field("evalue");
  const status = field("status");
  const why = [typeof ename === "string" ? ename : "", typeof evalue === "string" ? evalue : ""].filter(Boolean).join(": ");
  return { where, why: why || (typeof status === "string" ? status : "no reason recorded") };
}

/** The notebooks in `dir`, sorted by file name. */
function listNotebooks(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new NotebookError(`expected a folder of notebooks at ${dir}, got ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  const notebooks = names
    .filter((n) => n.endsWith(".ipynb") && statSync(path.join(dir, n)).isFile())
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (notebooks.length === 0) {
    throw new NotebookError(`expected at least one .ipynb file in ${dir}, got none`);
  }
  return notebooks;
}

/** Renders the notebooks of `opts.notebooksDir` as a static site in `opts.outDir`. */
export async function renderSite(opts: RenderSiteOptions): Promise<RenderedSite> {
  const courseTitle = opts.title ?? "seqlab course";
  const outDir = path.resolve(opts.outDir);
  const files = listNotebooks(opts.notebooksDir);

  const notebooks = files.map((file) => {
    const nb = readNotebook(path.join(opts.notebooksDir, file));
    const stem = file.slice(0, -".ipynb".length);
    const title = notebookTitle(nb) ?? { text: stem, html: escapeHtml(stem) };
    const page = `${stem}.html`;
    const failure = runFailure(nb);
    return { nb, file, page, href: encodeURIComponent(stem) + ".html", title: title.text, titleHtml: title.html, failure };
  });

  mkdirSync(outDir, { recursive: true });
  const pages: string[] = [];
  let anyPlots = false;
  notebooks.forEach((entry, i) => {
    const body = renderNotebook(entry.nb);
    anyPlots ||= body.plots > 0;
    const html = pageHtml({
      title: entry.title,
      courseTitle,
      body: body.html,
      prev: notebooks[i - 1],
      next: notebooks[i + 1],
      katex: body.math || hasMath(notebooks[i - 1]) || hasMath(notebooks[i + 1]),
      plotly: body.plots > 0,
      banner: entry.failure && `This notebook failed at ${entry.failure.where}: ${entry.failure.why}. The outputs below stop there.`,
    });
    const page = path.join(outDir, entry.page);
    writeFileSync(page, html);
    pages.push(page);
  });

  const entries: IndexEntry[] = notebooks.map(({ href, title, titleHtml, file, failure }) => ({
    href,
    title,
    titleHtml,
    file,
    mark: failure && `failed at ${failure.where}`,
  }));
  const index = path.join(outDir, "index.html");
  writeFileSync(index, indexHtml(courseTitle, entries, notebooks.some(hasMath)));
  writeAssets(outDir, { plotly: anyPlots });
  return { index, pages };
}
