/**
 * Plotly figures on the site. A `application/vnd.plotly.v1+json` output (what seqlab's
 * `show()` emits: `{ data, layout, config }`) becomes an empty `<div>` plus the figure as
 * inert JSON in a `<script type="application/json">`; `assets/plots.js` (below), loaded
 * after the local plotly bundle, draws every such div with `Plotly.newPlot`.
 *
 * Keeping the figure as JSON (not in generated JavaScript) means no escaping bugs and no
 * inline code, and the page works from `file://` with no network.
 */

/** The mime type of a plotly figure in a notebook output. */
export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/** A figure as plotly takes it. */
export interface PlotlyFigure {
  data: unknown[];
  layout: Record<string, unknown>;
  config: Record<string, unknown>;
}

/**
 * Reads a plotly mime payload: an object, or its JSON text. Returns undefined when it is
 * not a `{ data: [...] }` figure.
 */
export function plotlyFigure(payload: unknown): PlotlyFigure | undefined {
  let fig = payload;
  if (typeof fig === "string") {
    try {
      fig = JSON.parse(fig);
    } catch {
      return undefined;
    }
  }
  if (typeof fig !== "object" || fig === null || !Array.isArray((fig as { data?: unknown }).data)) return undefined;
  const { data, layout, config } = fig as { data: unknown[]; layout?: unknown; config?: unknown };
  const obj = (v: unknown) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {});
  return { data, layout: obj(layout), config: obj(config) };
}

/** Plotly's height when the layout sets none (the div must have it, or a responsive plot collapses). */
const DEFAULT_HEIGHT = 450;

/** HTML for one figure: the div that plots.js draws into and the figure's JSON. */
export function plotHtml(fig: PlotlyFigure, id: string): string {
  // `<` escaped so that "</script>" inside a string cannot end the JSON block.
  const json = JSON.stringify(fig).replace(/</g, "\\u003c");
  const height = typeof fig.layout.height === "number" ? fig.layout.height : DEFAULT_HEIGHT;
  return (
    `<div class="plotly-plot" id="${id}" style="height:${height}px"></div>\n` +
    `<script type="application/json" class="plotly-figure" data-plot="${id}">${json}</script>`
  );
}

/**
 * `assets/plots.js`: draws every figure on the page. The figure's own config wins over
 * the site's defaults (responsive width, no plotly logo link).
 */
export const PLOTS_JS = `// Draws the page's plotly figures (written by seqlab's site renderer).
(function () {
  function draw() {
    var blocks = document.querySelectorAll("script.plotly-figure");
    for (var i = 0; i < blocks.length; i++) {
      var el = document.getElementById(blocks[i].getAttribute("data-plot"));
      try {
        var fig = JSON.parse(blocks[i].textContent);
        var config = Object.assign({ responsive: true, displaylogo: false }, fig.config);
        window.Plotly.newPlot(el, fig.data, fig.layout, config);
      } catch (e) {
        el.className += " plotly-failed";
        el.style.height = "auto";
        el.textContent = "This figure could not be drawn: " + e;
        console.error(e);
      }
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
`;
