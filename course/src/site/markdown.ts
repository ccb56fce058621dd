/**
 * Markdown cells → HTML, at build time: markdown-it (CommonMark + GFM tables, raw HTML
 * allowed as in Jupyter) with KaTeX math (see `math.ts`) and highlight.js for fenced code.
 *
 * Notebook conventions handled on the way:
 * - links to another notebook (`01-rnn.ipynb#section`) point to its page (`01-rnn.html#section`);
 * - images pasted into a cell (`![](attachment:fig.png)`) become data URIs.
 */
import MarkdownIt, { type MarkdownIt as MarkdownItInstance, type Token } from "markdown-it";
import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import python from "highlight.js/lib/languages/python";
import typescript from "highlight.js/lib/languages/typescript";
import { escapeHtml } from "seqlab/internal";
import { mathPlugin, type MathEnv } from "./math.js";
import type { MimeBundle } from "../nbformat.js";

hljs.registerLanguage("bash", bash);
hljs.registerLanguage("javascript", javascript);
hljs.registerLanguage("json", json);
hljs.registerLanguage("python", python);
hljs.registerLanguage("typescript", typescript);

/** markdown-it env used while rendering one cell. */
export interface MarkdownEnv extends MathEnv {
  /** The cell's attachments (file name → mime bundle of base64 data). Default: none. */
  attachments?: Record<string, MimeBundle>;
}

/**
 * Highlighted HTML for `code` in `language` (a highlight.js name or alias, e.g.
 * "typescript", "ts", "js"), or the escaped code when the language is unknown.
 */
export function highlight(code: string, language: string): string {
  const lang = language.toLowerCase();
  if (lang && hljs.getLanguage(lang)) return hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
  return escapeHtml(code);
}

const md: MarkdownItInstance = new MarkdownIt({
  html: true,
  linkify: false,
  highlight: (code, lang) => highlight(code, lang),
});
md.use(mathPlugin);

const defaultLinkOpen = md.renderer.rules.link_open ?? ((t, i, o, _e, self) => self.renderToken(t, i, o));
md.renderer.rules.link_open = (tokens, i, options, env, self) => {
  const href = String(tokens[i]!.attrGet("href") ?? "");
  if (href && !/^[a-z][a-z0-9+.-]*:/i.test(href)) {
    tokens[i]!.attrSet("href", href.replace(/\.ipynb(?=$|[#?])/, ".html"));
  }
  return defaultLinkOpen(tokens, i, options, env, self);
};

/** The attachment's name in `attachment:NAME`: %-escapes decoded, or NAME as written when they are malformed ("%E0%A4%25A"). */
function attachmentName(escaped: string): string {
  try {
    return decodeURIComponent(escaped);
  } catch {
    return escaped; // URIError: no attachment can have this name decoded; the image keeps its src
  }
}

const defaultImage = md.renderer.rules.image!;
md.renderer.rules.image = (tokens, i, options, env: MarkdownEnv | undefined, self) => {
  const src = String(tokens[i]!.attrGet("src") ?? "");
  if (src.startsWith("attachment:")) {
    const bundle = env?.attachments?.[attachmentName(src.slice("attachment:".length))];
    const mime = bundle && Object.keys(bundle).find((m) => m.startsWith("image/"));
    if (bundle && mime) {
      const data = bundle[mime];
      const uri = mime === "image/svg+xml" ? svgDataUri(String(data)) : `data:${mime};base64,${String(data).replace(/\s/g, "")}`;
      tokens[i]!.attrSet("src", uri);
    }
  }
  return defaultImage(tokens, i, options, env, self);
};

// Headings get Jupyter's anchor ids (the heading's text, spaces → "-"), so links such as
// `01-rnn.ipynb#The-LSTM-cell` keep working on the site.
md.renderer.rules.heading_open = (tokens, i, options, _env, self) => {
  if (!tokens[i]!.attrGet("id")) {
    const id = plainText(tokens[i + 1]!).replace(/\s+/g, "-");
    if (id) tokens[i]!.attrSet("id", id);
  }
  return self.renderToken(tokens, i, options);
};

/** The text of an inline token without its markup (math keeps its TeX source). */
function plainText(inline: Token): string {
  const parts = (inline.children ?? []).map((t) =>
    t.type === "text" || t.type === "code_inline" || t.type.startsWith("math_") ? t.content : "",
  );
  return parts.join("").replace(/\s+/g, " ").trim();
}

/** A data URI for SVG markup. */
export function svgDataUri(svg: string): string {
  return `data:image/svg+xml;base64,${Buffer.from(svg, "utf8").toString("base64")}`;
}

/** Renders a markdown cell's source to HTML. */
export function renderMarkdown(source: string, env: MarkdownEnv = {}): string {
  return md.render(source, env);
}

/** A title in two forms. */
export interface Title {
  /** Without markup; math keeps its TeX source (for `<title>` and tooltips). */
  text: string;
  /** Rendered inline HTML, math as KaTeX (for links). */
  html: string;
}

/** The first heading (any level) in `source`, or undefined when there is none. */
export function firstHeading(source: string): Title | undefined {
  const tokens = md.parse(source, {});
  const at = tokens.findIndex((t) => t.type === "heading_open");
  if (at === -1) return undefined;
  const inline = tokens[at + 1]!;
  const text = plainText(inline);
  return text === "" ? undefined : { text, html: md.renderInline(inline.content, {}) };
}
