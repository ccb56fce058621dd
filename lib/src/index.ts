/**
 * seqlab: recurrent neural networks for NLP, the course library.
 *
 * Everything a notebook may import is exported here. TensorFlow.js is re-exported as
 * `tf` so notebooks and the library share one instance.
 */
export * as tf from "@tensorflow/tfjs";

export { SeqlabError, ArgumentError, BackendError } from "./errors";

// Compute backend: tensorflow (tfjs-node) > wasm > cpu, or SEQLAB_BACKEND.
export {
  initBackend,
  backendInfo,
  formatBackendInfo,
  BACKEND_NAMES,
  type BackendName,
  type BackendInfo,
  type InitBackendOptions,
} from "./backend/backend";

// Notebooks: setup, profile, seed, rich display.
export { setupNotebook, describeEnvironment, type Environment, type SetupOptions } from "./notebook/setup";
export { profile, byProfile, PROFILES, type Profile } from "./notebook/profile";
export { setSeed, getSeed, random, nextSeed } from "./notebook/random";
export { display, inNotebook, type MimeBundle } from "./notebook/display";

// Plots (plotly.js) and tables (danfojs DataFrames).
export {
  lineChart,
  heatmap,
  barChart,
  scatterPlot,
  type Figure,
  type Trace,
  type ChartOptions,
  type LineSeries,
  type HeatmapOptions,
  type BarSeries,
  type ScatterSeries,
} from "./plot/figure";
export { show, summary, plotHtml } from "./plot/show";
export { showTable, tableHtml, tableText, type DataFrameLike, type TableOptions } from "./table/table";
