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
export { setSeed, getSeed, random, nextSeed, seededGenerator } from "./notebook/random";
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

// Gradient checks: hand-derived vs autodiff vs finite differences.
export {
  relativeError,
  finiteDifferences64,
  gradCheck,
  gradCheck64,
  gradCheckTable,
  type GradCheckRow,
  type GradCheckReport,
  type GradCheckOptions,
} from "./gradcheck/gradcheck";

// The lecture's vanilla RNN and backpropagation through time (float64, + a tfjs loss for autodiff).
export {
  initVanilla,
  vanillaShapes,
  vanillaToFlat64,
  vanillaFromFlat64,
  vanillaToVariables,
  vanillaFromVariables,
  vanillaVariableList,
  vanillaForward64,
  vanillaBptt64,
  vanillaBpttExplicit64,
  vanillaLossTf,
  VANILLA_PARAM_NAMES,
  type VanillaParams64,
  type VanillaGrads64,
  type VanillaVariables,
  type VanillaParamName,
  type VanillaLossOptions,
  type BpttOptions,
  type VanillaRun64,
} from "./rnn/vanilla";

// Vanishing and exploding gradients: Jacobian products, the LSTM cell path.
export {
  matrixWithSpectralRadius,
  jacobianProductNorms,
  gradientNormVsDistance,
  gradientNormHeatmap,
  lstmCellPathNorms,
  forgetGatesFromBias,
  type Activation,
  type GradientNormOptions,
} from "./rnn/jacobian";
export { spectralNorm } from "./rnn/linalg64";

// Gradient clipping.
export { globalNorm, clipByGlobalNorm, clipByValue, clippingThreshold, type Grads, type ClipResult } from "./optim/clip";

// Recurrent cells (implement RecurrentCell to add your own), sequence ops and layers.
export type { RecurrentCell, CellState, SequenceOptions, SequenceResult } from "./rnn/cell";
export { RnnCell, type RnnCellOptions } from "./rnn/rnn_cell";
export { LstmCell, LSTM_GATES, type LstmGate, type LstmCellOptions } from "./rnn/lstm";
export { GruCell, type GruCellOptions } from "./rnn/gru";
export { uniformVariable, recurrentUniform, glorotUniform, type InitScheme } from "./rnn/init";
export {
  recurrentLayer,
  makeCell,
  asLayer,
  isSequenceLayer,
  type SequenceLayer,
  type SequenceLayerRunOptions,
  type RecurrentLayerOptions,
  type CellKind,
  type MakeCellOptions,
} from "./rnn/layer";
export { StackedRnn } from "./rnn/stacked";
export { Bidirectional } from "./rnn/bidirectional";
export {
  cellSequence,
  rnnSequence,
  lstmSequence,
  gruSequence,
  type RnnWeights,
  type LstmWeights,
  type GruWeights,
  type RnnSequenceOptions,
  type RnnActivation,
} from "./ops/sequence";
export { checkVanillaBptt, type VanillaCheckTrial, type VanillaCheckOptions } from "./gradcheck/vanilla_check";

// Loss, synthetic tasks, the four architectures, the training loop.
export { softmaxCrossEntropy, accuracy } from "./ops/softmax_cross_entropy";
export {
  addingProblem,
  rememberTask,
  copyTask,
  nextTokenTask,
  spellingTask,
  reverseTask,
  decodeTokens,
  DIGIT_NAMES,
  SOS,
  EOS,
  type Task,
  type SequenceBatch,
  type TaggingBatch,
  type GenerationBatch,
  type TranslationBatch,
} from "./data/tasks";
export { Linear, type CellSpec, type DecoderSpec, type EncoderSpec, type Trainable } from "./models/common";
export { SequenceClassifier, type SequenceClassifierOptions } from "./models/many_to_one";
export { SequenceTagger, type SequenceTaggerOptions } from "./models/many_to_many";
export { SequenceGenerator, type SequenceGeneratorOptions } from "./models/one_to_many";
export { EncoderDecoder, type EncoderDecoderOptions } from "./models/encoder_decoder";
export { train, type TrainOptions, type TrainHistory, type StepRecord, type EvalRecord, type ClipOptions } from "./train/train";

// The notebooks' experiments.
export {
  clippingExperiment,
  finalLoss,
  divergedAt,
  type ClippingExperiment,
  type ClippingExperimentOptions,
} from "./experiments/clipping";

// The experiments of notebook 03-lstm-gru.
export {
  memorySweep,
  summarizeSweep,
  mergeSweeps,
  sweepChart,
  type MemorySweep,
  type MemorySweepOptions,
  type MemoryRow,
  type MemoryTaskName,
} from "./experiments/memory";
export {
  bidirectionalComparison,
  taggerLayer,
  comparisonChart,
  TAGGER_ARCHITECTURES,
  type BidirectionalComparison,
  type BidirectionalOptions,
  type TaggerArchitecture,
  type TaggerRun,
} from "./experiments/bidirectional";
export {
  manyToOneDemo,
  alignedDemo,
  oneToManyDemo,
  unalignedDemo,
  type ArchitectureDemo,
  type DemoOptions,
} from "./experiments/architectures";
