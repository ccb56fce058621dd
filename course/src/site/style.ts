/**
 * `assets/site.css`: the site's look. A readable column (about 80 characters of prose),
 * Jupyter-style `In [n]:` / `Out[n]:` prompts in a gutter on wide screens, shaded code,
 * outputs set off by a rule on the left, stderr and errors tinted, and the highlight.js
 * token colours (GitHub's light palette).
 */
export const SITE_CSS = `/* seqlab course site */
:root {
  --text: #1f2328; --muted: #656d76; --border: #d0d7de; --link: #0969da;
  --code-bg: #f6f8fa; --stderr-bg: #fff8e6; --error-bg: #fff0f0; --error: #b3261e;
  --gutter: 5.5rem; --column: 48rem;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; color: var(--text); background: #fff;
  font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
}
a { color: var(--link); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 0.875rem; }

/* Layout: a centred column; code and outputs keep a prompt gutter on the left. */
.site-header, .site-footer, main { max-width: calc(var(--column) + var(--gutter)); margin: 0 auto; padding: 0 1.25rem; }
.site-header { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; align-items: baseline; justify-content: space-between;
  padding-top: 0.9rem; padding-bottom: 0.9rem; border-bottom: 1px solid var(--border); }
.site-title { font-weight: 600; color: var(--text); }
.pager { display: flex; gap: 1.25rem; font-size: 0.9rem; }
.pager .disabled { color: var(--muted); }
.site-footer { margin-top: 3rem; padding-top: 1rem; padding-bottom: 2rem; border-top: 1px solid var(--border); }
.site-footer .pager { justify-content: space-between; }
main { padding-top: 1rem; }

.cell { margin: 1rem 0; }
.markdown-cell { padding-left: var(--gutter); }
.input, .output { display: grid; grid-template-columns: var(--gutter) minmax(0, 1fr); }
.prompt { color: var(--muted); font: 0.8rem/1.9 ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace;
  text-align: right; padding: 0.45rem 0.6rem 0 0; white-space: nowrap; }
.input .prompt { color: #2f5fa8; }
.output .prompt { color: #b3541e; }

/* Prose. */
.markdown-cell h1 { font-size: 2rem; line-height: 1.25; margin: 1.5rem 0 1rem; }
.markdown-cell h2 { font-size: 1.45rem; margin: 2rem 0 0.75rem; padding-bottom: 0.25rem; border-bottom: 1px solid var(--border); }
.markdown-cell h3 { font-size: 1.15rem; margin: 1.5rem 0 0.5rem; }
.markdown-cell p, .markdown-cell ul, .markdown-cell ol { margin: 0.6rem 0; }
.markdown-cell code { background: var(--code-bg); padding: 0.1em 0.35em; border-radius: 4px; }
.markdown-cell pre code { background: none; padding: 0; }
.markdown-cell img, .output-image img { max-width: 100%; }
.markdown-cell blockquote { margin: 0.8rem 0; padding: 0 1rem; color: var(--muted); border-left: 4px solid var(--border); }
.math-block { overflow-x: auto; overflow-y: hidden; }
.katex-display { margin: 0.8rem 0; }

/* Code. */
pre { margin: 0; padding: 0.6rem 0.8rem; overflow-x: auto; line-height: 1.45; }
.input pre, .markdown-cell pre { background: var(--code-bg); border: 1px solid #e1e4e8; border-radius: 6px; }

/* Outputs. */
.output-body { min-width: 0; border-left: 3px solid #e1e4e8; margin: 0.35rem 0; }
.output-body > pre, .output-body > div { padding: 0.35rem 0.8rem; }
.output-body > div > pre { padding: 0; }
pre.output-stderr { background: var(--stderr-bg); }
.output-error { background: var(--error-bg); color: var(--error); }
.output-html { overflow-x: auto; }
.output-unsupported { color: var(--muted); font-style: italic; }
.plotly-plot { width: 100%; }
.plotly-failed { color: var(--error); }
table { border-collapse: collapse; font-size: 0.875rem; margin: 0.4rem 0; }
th, td { padding: 0.3rem 0.7rem; border-bottom: 1px solid var(--border); text-align: right; }
thead th { border-bottom: 2px solid var(--border); }
tbody tr:nth-child(odd) { background: #fafbfc; }

/* The index. */
.toc { padding-left: 0; list-style: none; counter-reset: none; }
.toc li { padding: 0.55rem 0; border-bottom: 1px solid #eaeef2; }
.toc .file { color: var(--muted); font-size: 0.85rem; margin-left: 0.6rem; }
.toc .run-failed { color: var(--error); font-size: 0.85rem; margin-left: 0.6rem; font-weight: 600; }
.run-banner { margin: 1.5rem 0 0; padding: 0.75rem 1rem; border: 1px solid var(--error); border-radius: 6px;
  background: var(--error-bg); color: var(--error); }
.index h1 { padding-left: 0; }

/* highlight.js tokens. */
.hljs-keyword, .hljs-meta .hljs-keyword, .hljs-type, .hljs-doctag, .hljs-template-tag { color: #cf222e; }
.hljs-title, .hljs-title.function_, .hljs-title.class_ { color: #8250df; }
.hljs-string, .hljs-regexp, .hljs-meta .hljs-string { color: #0a3069; }
.hljs-number, .hljs-literal, .hljs-attr, .hljs-attribute, .hljs-variable.language_, .hljs-built_in, .hljs-property { color: #0550ae; }
.hljs-comment, .hljs-code, .hljs-formula { color: #6e7781; font-style: italic; }
.hljs-params, .hljs-subst { color: var(--text); }

/* Narrow screens: prompts go above their cell. */
@media (max-width: 720px) {
  :root { --gutter: 0rem; }
  .input, .output { display: block; }
  .prompt { text-align: left; padding: 0; }
  .prompt:empty { display: none; }
}
`;
