/**
 * Figures for the course's plots, as plain plotly.js JSON (`{ data, layout, config }`).
 *
 * Each helper checks its input and returns a {@link Figure}; `show(figure)` displays it.
 * A figure is data, so a student can change any plotly attribute before showing it:
 * `fig.layout.yaxis = { type: "log" }`.
 *
 * - {@link lineChart}: loss curves, learning-rate schedules (one line per series).
 * - {@link heatmap}: gradient norms over (spectral radius × distance), CRF transitions.
 * - {@link barChart}: per-class scores, perplexity tables.
 * - {@link scatterPlot}: embeddings, one cloud of points per group.
 */
import { ArgumentError } from "../errors.js";

/** One plotly trace (`type` plus any plotly attributes). */
export type Trace = { type: string } & Record<string, unknown>;

/** A plotly figure: traces, layout and config, exactly as `Plotly.newPlot` takes them. */
export interface Figure {
  data: Trace[];
  layout: Record<string, unknown>;
  config: Record<string, unknown>;
}

/** Options shared by every chart. */
export interface ChartOptions {
  /** Title above the plot. Default: none. */
  title?: string;
  /** x-axis label. Default: none. */
  xLabel?: string;
  /** y-axis label. Default: none. */
  yLabel?: string;
  /** Log-scale y axis. Default: false. */
  logY?: boolean;
  /** Height in pixels. Default: 400. */
  height?: number;
}

/** One line of a line chart: `y[i]` plotted at `x[i]` (default x: 0, 1, 2, …). */
export interface LineSeries {
  name: string;
  y: ArrayLike<number>;
  x?: ArrayLike<number>;
}

/** A line chart with one line per series. */
export function lineChart(series: LineSeries[], options: ChartOptions = {}): Figure {
  nonEmpty("lineChart", "series", series.length);
  const data = series.map((s, i): Trace => {
    const y = numbers(`lineChart: series[${i}] ('${s.name}').y`, s.y);
    const x = s.x === undefined ? y.map((_, t) => t) : numbers(`lineChart: series[${i}] ('${s.name}').x`, s.x);
    sameLength(`lineChart: series[${i}] ('${s.name}')`, "x", x.length, "y", y.length);
    return { type: "scatter", mode: "lines", name: s.name, x, y };
  });
  return figure(data, options);
}

/** Options of {@link heatmap}. */
export interface HeatmapOptions extends ChartOptions {
  /** Column labels, one per column of z. Default: 0, 1, 2, … */
  x?: ArrayLike<number | string>;
  /** Row labels, one per row of z. Default: 0, 1, 2, … */
  y?: ArrayLike<number | string>;
  /** Plotly colorscale name. Default: "Viridis". */
  colorscale?: string;
  /** Colour by log10(z) (for norms spanning many orders of magnitude). Default: false. */
  logColor?: boolean;
  /** Label of the colour bar. Default: none. */
  colorLabel?: string;
}

/** A heatmap of the matrix `z` (rows × columns); row 0 is drawn at the bottom. */
export function heatmap(z: ArrayLike<ArrayLike<number>>, options: HeatmapOptions = {}): Figure {
  nonEmpty("heatmap", "z", z.length);
  const rows = Array.from(z, (row, r) => numbers(`heatmap: z[${r}]`, row));
  const columns = rows[0]!.length;
  rows.forEach((row, r) => sameLength("heatmap", "z[0]", columns, `z[${r}]`, row.length));
  const x = options.x === undefined ? rows[0]!.map((_, c) => c) : Array.from(options.x);
  const y = options.y === undefined ? rows.map((_, r) => r) : Array.from(options.y);
  sameLength("heatmap", "x (column labels)", x.length, "columns of z", columns);
  sameLength("heatmap", "y (row labels)", y.length, "rows of z", rows.length);
  const shown = options.logColor ? rows.map((row) => row.map((v) => (v > 0 ? Math.log10(v) : NaN))) : rows;
  const colorTitle = options.logColor ? `log10 ${options.colorLabel ?? "value"}` : options.colorLabel;
  const trace: Trace = {
    type: "heatmap",
    z: shown,
    x,
    y,
    colorscale: options.colorscale ?? "Viridis",
    colorbar: colorTitle ? { title: { text: colorTitle } } : {},
  };
  if (options.logColor) trace.customdata = rows;
  if (options.logColor) trace.hovertemplate = "x=%{x}<br>y=%{y}<br>value=%{customdata:.3g}<extra></extra>";
  const fig = figure([trace], options);
  // Text labels (tags, words) are categories: plotly would otherwise guess an axis type from them.
  if (x.some((label) => typeof label === "string")) fig.layout.xaxis = { ...(fig.layout.xaxis as object), type: "category" };
  if (y.some((label) => typeof label === "string")) fig.layout.yaxis = { ...(fig.layout.yaxis as object), type: "category" };
  return fig;
}

/** One group of bars: `values[i]` is the bar at `labels[i]` of the chart. */
export interface BarSeries {
  name: string;
  values: ArrayLike<number>;
}

/** A bar chart: one bar per label, grouped side by side when there are several series. */
export function barChart(labels: ArrayLike<string>, series: BarSeries[], options: ChartOptions = {}): Figure {
  const x = Array.from(labels, String);
  nonEmpty("barChart", "labels", x.length);
  nonEmpty("barChart", "series", series.length);
  const data = series.map((s, i): Trace => {
    const y = numbers(`barChart: series[${i}] ('${s.name}').values`, s.values);
    sameLength(`barChart: series[${i}] ('${s.name}')`, "labels", x.length, "values", y.length);
    return { type: "bar", name: s.name, x, y };
  });
  const fig = figure(data, options);
  fig.layout.barmode = "group";
  return fig;
}

/** One cloud of points of a scatter plot, with optional hover labels. */
export interface ScatterSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Hover text per point (e.g. the word of an embedding). Default: none. */
  labels?: ArrayLike<string>;
}

/** A scatter plot with one colour per series. */
export function scatterPlot(series: ScatterSeries[], options: ChartOptions = {}): Figure {
  nonEmpty("scatterPlot", "series", series.length);
  const data = series.map((s, i): Trace => {
    const where = `scatterPlot: series[${i}] ('${s.name}')`;
    const x = numbers(`${where}.x`, s.x);
    const y = numbers(`${where}.y`, s.y);
    sameLength(where, "x", x.length, "y", y.length);
    const trace: Trace = { type: "scatter", mode: "markers", name: s.name, x, y };
    if (s.labels !== undefined) {
      const text = Array.from(s.labels, String);
      sameLength(where, "x", x.length, "labels", text.length);
      trace.text = text;
    }
    return trace;
  });
  return figure(data, options);
}

function figure(data: Trace[], options: ChartOptions): Figure {
  const layout: Record<string, unknown> = {
    height: options.height ?? 400,
    margin: { l: 60, r: 20, t: options.title ? 50 : 20, b: 50 },
    xaxis: { title: { text: options.xLabel ?? "" } },
    yaxis: { title: { text: options.yLabel ?? "" }, ...(options.logY ? { type: "log" } : {}) },
  };
  if (options.title) layout.title = { text: options.title };
  return { data, layout, config: { responsive: true, displaylogo: false } };
}

function numbers(where: string, values: ArrayLike<number>): number[] {
  if (values === null || typeof values !== "object" || typeof values.length !== "number") {
    throw new ArgumentError(`${where}: expected an array of numbers, got ${describe(values)}`);
  }
  const out = Array.from(values);
  const bad = out.findIndex((v) => typeof v !== "number");
  if (bad >= 0) throw new ArgumentError(`${where}: expected numbers, got ${describe(out[bad])} at index ${bad}`);
  return out;
}

function nonEmpty(fn: string, what: string, length: number): void {
  if (length === 0) throw new ArgumentError(`${fn}: expected at least one entry in ${what}, got none`);
}

function sameLength(where: string, a: string, na: number, b: string, nb: number): void {
  if (na !== nb) throw new ArgumentError(`${where}: expected ${b} to have the length of ${a} (${na}), got ${nb}`);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return typeof value === "string" ? `the string '${value}'` : `${typeof value} ${String(value)}`;
}
