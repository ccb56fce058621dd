/**
 * The HTML around the content: the index page and the frame of each notebook page
 * (header with the course title and previous / contents / next links, the same links with
 * titles at the bottom). Every URL is relative, so the site opens from `file://`.
 */
import { escapeHtml } from "seqlab/internal";
import { ASSETS } from "./assets.js";

/** A link to another page of the site. */
export interface NavLink {
  href: string;
  /** Plain-text title (tooltips, `<title>`). */
  title: string;
  /** The title as HTML (math rendered). */
  titleHtml: string;
}

/** What a notebook page is made of. */
export interface PageOptions {
  /** The notebook's title (its first heading, or its file name). */
  title: string;
  courseTitle: string;
  /** The rendered cells. */
  body: string;
  prev?: NavLink;
  next?: NavLink;
  /** Link KaTeX's CSS (the page or its links have math). */
  katex: boolean;
  /** Load plotly and the plot script (the page has figures). */
  plotly: boolean;
  /** Plain text of a banner on top of the page, e.g. "This notebook failed at cell 3/9: …"; none when undefined. */
  banner?: string;
}

function head(title: string, katex: boolean): string {
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    katex ? `<link rel="stylesheet" href="${ASSETS.katexCss}">` : "",
    `<link rel="stylesheet" href="${ASSETS.siteCss}">`,
    "</head>",
  ]
    .filter(Boolean)
    .join("\n");
}

function pager(prev: NavLink | undefined, next: NavLink | undefined, withTitles: boolean): string {
  const link = (l: NavLink | undefined, rel: string, label: string) =>
    l
      ? `<a href="${escapeHtml(l.href)}" rel="${rel}" title="${escapeHtml(l.title)}">${label}</a>`
      : `<span class="disabled">${label}</span>`;
  const prevLabel = withTitles && prev ? `← ${prev.titleHtml}` : "← Previous";
  const nextLabel = withTitles && next ? `${next.titleHtml} →` : "Next →";
  const parts = [link(prev, "prev", prevLabel)];
  if (!withTitles) parts.push(`<a href="index.html" rel="index">Contents</a>`);
  parts.push(link(next, "next", nextLabel));
  return `<nav class="pager">${parts.join("")}</nav>`;
}

/** A notebook's page. */
export function pageHtml(p: PageOptions): string {
  return [
    head(`${p.title} · ${p.courseTitle}`, p.katex),
    "<body>",
    `<header class="site-header"><a class="site-title" href="index.html">${escapeHtml(p.courseTitle)}</a>${pager(p.prev, p.next, false)}</header>`,
    `<main class="notebook">\n${p.banner ? `<div class="run-banner" role="alert">${escapeHtml(p.banner)}</div>\n` : ""}${p.body}\n</main>`,
    `<footer class="site-footer">${pager(p.prev, p.next, true)}</footer>`,
    p.plotly ? `<script src="${ASSETS.plotly}"></script>\n<script src="${ASSETS.plotsJs}"></script>` : "",
    "</body>",
    "</html>",
  ]
    .filter(Boolean)
    .join("\n") + "\n";
}

/** One entry of the contents. */
export interface IndexEntry extends NavLink {
  /** The notebook's file name. */
  file: string;
  /** A short mark after the entry, e.g. "failed at cell 3/9"; none when undefined. */
  mark?: string;
}

/** The contents page: the course title and the notebooks in order; `katex` if titles have math. */
export function indexHtml(courseTitle: string, entries: IndexEntry[], katex: boolean): string {
  const items = entries.map(
    (e) =>
      `<li><a href="${escapeHtml(e.href)}">${e.titleHtml}</a><span class="file">${escapeHtml(e.file)}</span>` +
      `${e.mark ? `<span class="run-failed">${escapeHtml(e.mark)}</span>` : ""}</li>`,
  );
  return [
    head(courseTitle, katex),
    "<body>",
    `<header class="site-header"><a class="site-title" href="index.html">${escapeHtml(courseTitle)}</a></header>`,
    `<main class="index">`,
    `<h1>${escapeHtml(courseTitle)}</h1>`,
    `<ol class="toc">\n${items.join("\n")}\n</ol>`,
    "</main>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
