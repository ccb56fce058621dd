/**
 * A markdown-it plugin that renders TeX math with KaTeX at build time, so pages need
 * only KaTeX's CSS and fonts (no JavaScript, no network).
 *
 * Delimiters, as in Jupyter (and pandoc's `tex_math_dollars`):
 * 1. `$$…$$` starting a line, possibly over several lines: a display block.
 * 2. `$$…$$` inside a paragraph: display math in the line.
 * 3. `$…$`: inline math. The opening `$` must be followed by a non-space and the closing
 *    `$` preceded by a non-space and not followed by a digit, so "$5 and $6" stays text.
 * `\$` is a literal dollar. Math is taken from the source before markdown sees it, so
 * `_`, `*` and `\\` inside it keep their TeX meaning. Code spans and blocks are untouched.
 *
 * TeX errors do not stop the build: KaTeX shows the faulty source in red (`.katex-error`).
 * Macros defined with `\def`/`\gdef` carry over to later math on the same page when the
 * caller passes the same `env.katexMacros` object (Jupyter's MathJax behaves that way).
 *
 * Why not a markdown-it math plugin? Tried against every notebook's markdown and the edge
 * cases in test/site.test.ts (markdown-it 15, KaTeX 0.19); none keeps the site's behaviour:
 * - @mdit/plugin-tex 0.24 (with our `renderTex` as its `render`): the course notebooks
 *   render the same, but `$$…$$` inside a paragraph stays text, an unclosed `$$` line turns
 *   the rest of the cell into one formula, and `$$x$$ text` on one line is a KaTeX
 *   error. It is ESM-only and asks for markdown-it ^14 as a peer.
 * - @vscode/markdown-it-katex 1.1: the same two `$$` faults; `$ x$` becomes math and `$x$$y$`
 *   does not; in-paragraph `$$…$$` comes out as a block token (a `<div>` inside a `<p>`).
 *   It depends on KaTeX ^0.16, so npm installs a second KaTeX.
 * - markdown-it-texmath 1.0: an inline `$…$` across a line break stays text (one in notebook
 *   04); its renderer gets no `env`, so macros cannot be per page.
 * - markdown-it-dollarmath 0.5: imports `markdown-it/lib/…`, which markdown-it 15 no longer has.
 */
import katex from "katex";
import type { Env, MarkdownIt as MarkdownItInstance, StateBlock, StateInline } from "markdown-it";

/** markdown-it env fields read by this plugin. */
export interface MathEnv extends Env {
  /** KaTeX macros shared by every formula rendered with this env. Default: none shared. */
  katexMacros?: Record<string, string>;
}

const DOLLAR = 0x24;
const BACKSLASH = 0x5c;

/** Renders `tex` with KaTeX (HTML + MathML). */
export function renderTex(tex: string, displayMode: boolean, env: MathEnv = {}): string {
  return katex.renderToString(tex, {
    displayMode,
    throwOnError: false,
    strict: "ignore",
    output: "htmlAndMathml",
    macros: env.katexMacros ?? {},
    globalGroup: true,
  });
}

/** Installs the math rules and renderers on `md`. */
export function mathPlugin(md: MarkdownItInstance): void {
  md.inline.ruler.after("escape", "math_inline", mathInline);
  md.block.ruler.after("blockquote", "math_block", mathBlock, {
    alt: ["paragraph", "reference", "blockquote", "list"],
  });
  md.renderer.rules.math_inline = (tokens, i, _o, env?: MathEnv) => renderTex(tokens[i]!.content, false, env);
  md.renderer.rules.math_inline_display = (tokens, i, _o, env?: MathEnv) => renderTex(tokens[i]!.content, true, env);
  md.renderer.rules.math_block = (tokens, i, _o, env?: MathEnv) =>
    `<div class="math-block">${renderTex(tokens[i]!.content, true, env)}</div>\n`;
}

/** True if the character at `pos` is escaped by an odd number of backslashes. */
function escaped(src: string, pos: number): boolean {
  let n = 0;
  while (pos - 1 - n >= 0 && src.charCodeAt(pos - 1 - n) === BACKSLASH) n++;
  return n % 2 === 1;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** Inline rule: `$…$` and `$$…$$` inside a paragraph. */
function mathInline(state: StateInline, silent: boolean): boolean {
  const src = state.src;
  const start = state.pos;
  if (src.charCodeAt(start) !== DOLLAR) return false;
  const display = src.charCodeAt(start + 1) === DOLLAR;
  const open = display ? 2 : 1;
  let end = -1;
  if (display) {
    for (let p = src.indexOf("$$", start + 2); p !== -1; p = src.indexOf("$$", p + 1)) {
      if (!escaped(src, p)) {
        end = p;
        break;
      }
    }
  } else {
    if (start + 1 >= state.posMax || isSpace(src.charCodeAt(start + 1))) return false;
    for (let p = src.indexOf("$", start + 1); p !== -1 && p < state.posMax; p = src.indexOf("$", p + 1)) {
      if (escaped(src, p) || isSpace(src.charCodeAt(p - 1))) continue;
      if (isDigit(src.charCodeAt(p + 1))) continue;
      end = p;
      break;
    }
  }
  if (end === -1 || end > state.posMax) return false;
  const content = src.slice(start + open, end);
  if (content.trim() === "") return false;
  if (!silent) {
    const token = state.push(display ? "math_inline_display" : "math_inline", "math", 0);
    token.content = content;
    token.markup = display ? "$$" : "$";
  }
  state.pos = end + open;
  return true;
}

/** Block rule: a `$$` at the start of a line, closed by `$$` at the end of the same or a later line. */
function mathBlock(state: StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
  if (state.sCount[startLine]! - state.blkIndent >= 4) return false;
  const lineText = (line: number) => state.src.slice(state.bMarks[line]! + state.tShift[line]!, state.eMarks[line]!);
  const first = lineText(startLine).trimEnd();
  if (!first.startsWith("$$")) return false;
  const body: string[] = [];
  let last = startLine;
  const rest = first.slice(2);
  if (rest.length >= 2 && rest.endsWith("$$") && !rest.slice(0, -2).includes("$$")) {
    body.push(rest.slice(0, -2)); // $$ … $$ on one line
  } else {
    if (rest.includes("$$")) return false; // e.g. "$$a$$ and $$b$$": inline display math
    body.push(rest);
    let closed = false;
    for (let line = startLine + 1; line < endLine; line++) {
      const t = lineText(line).trimEnd();
      if (state.sCount[line]! < state.blkIndent) break; // the enclosing list item / quote ended
      if (t.endsWith("$$") && !escaped(t, t.length - 2)) {
        body.push(t.slice(0, -2));
        last = line;
        closed = true;
        break;
      }
      body.push(t);
    }
    if (!closed) return false;
  }
  if (silent) return true;
  const token = state.push("math_block", "math", 0);
  token.block = true;
  token.content = body.join("\n").trim();
  token.markup = "$$";
  token.map = [startLine, last + 1];
  state.line = last + 1;
  return true;
}
