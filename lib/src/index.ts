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
export { setSeed, getSeed, random, nextSeed, seededGenerator } from "./random";
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
export { FusedSgd } from "./optim/sgd";

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
export { cellSequence } from "./rnn/cell_sequence";
export { rnnSequence, lstmSequence, gruSequence } from "./ops/sequence";
export type { RnnWeights, LstmWeights, GruWeights, RnnSequenceOptions, RnnActivation } from "./ops/types";
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

// ---- Language models, data and vocabulary (issue 5, helper L2): tokenizers, Vocab and <UNK>,
// ---- LM batching (BPTT streams, padded sentences), dataset loaders (PTB, Brown, Moby Dick).
export { whitespaceTokenize, wordTokenize, charTokenize, splitSentences, type TokenizeOptions, type CharTokenizeOptions } from "./data/tokenize";
export {
  Vocab,
  VocabFileError,
  PAD_ID,
  UNK_ID,
  SOS_ID,
  EOS_ID,
  SPECIAL_TOKENS,
  UNK_TOKEN,
  type VocabOptions,
  type VocabJson,
} from "./data/vocab";
export { WordDropout, wordDropout, type WordDropoutOptions } from "./data/unk";
export {
  streamBatches,
  StreamBatches,
  sentenceBatches,
  joinSentences,
  lmBatchTensors,
  stopGradient,
  detachState,
  type LmBatch,
  type StreamWindow,
  type SentenceBatch,
  type StreamBatchOptions,
  type SentenceBatchOptions,
} from "./data/lm_batches";
export { loadDataset, DATASET_NAMES, type DatasetName } from "./datasets/datasets";
export type { TextDataset, DatasetSplit, LoadOptions } from "./datasets/types";
export { DatasetError, MissingDataError, ChecksumError, resolveDataDir, readLineSentences, sha256File } from "./datasets/folder";
export { downloadFile, type DownloadOptions } from "./datasets/download";
export { loadPtb, ptbFiles, PTB_BASE_URL, PTB_SHA256, type PtbOptions } from "./datasets/ptb";
export { loadBrown, brownSplitOf, type BrownOptions } from "./datasets/brown";
export { loadMobyDick, mobyDickParts, mobyDickSplitOf, type MobyDickOptions } from "./datasets/moby_dick";

// The linear-chain CRF and the biLSTM-CRF tagger (task E3).
export {
  Crf,
  crfScore,
  crfLogPartition,
  crfLogLikelihood,
  viterbiDecode,
  type CrfParams,
  type CrfReduction,
  type ViterbiResult,
} from "./ops/crf";
export { CharEncoder, type CharEncoderOptions } from "./tagging/char_encoder";
export { BiLstmCrfTagger, type BiLstmCrfTaggerOptions, type TaggerBatch } from "./tagging/bilstm_crf";

// The engine (issue 4, task E2): fused sequence ops and softmax cross-entropy on the
// engine's kernels (native BLAS addon > SIMD WebAssembly > plain TypeScript), chosen once by
// initEngine() / SEQLAB_ENGINE; FusedAdam; the "seqlab" tfjs backend (SEQLAB_BACKEND=seqlab).
// The *Reference ops are the tfjs-op definitions the fused ones are tested against.
export {
  initEngine,
  engineInfo,
  formatEngineInfo,
  getKernels,
  withKernels,
  ENGINE_NAMES,
  type EngineName,
  type EngineInfo,
  type InitEngineOptions,
} from "./engine/engine";
export { FusedAdam, type FusedAdamOptions } from "./optim/adam";
export { registerSeqlabBackend, SEQLAB_BACKEND } from "./backend/seqlab_backend";
export { jsKernels } from "./engine/js";
export type { Kernels, KernelsName } from "./engine/kernels";
export { lstmSequenceReference, gruSequenceReference, rnnSequenceReference } from "./ops/sequence";
export { softmaxCrossEntropyReference } from "./ops/softmax_cross_entropy";

// N-gram language models (issue 5, task L1): counts, interpolated modified Kneser-Ney,
// MLE / add-k baselines, ARPA export/import, perplexity (shared with the RNN LMs).
export { NgramCounts, readSentences, type NgramLevel, type NgramCountOptions } from "./lm/ngram_counts";
export { KneserNeyLm, modifiedKneserNeyDiscounts, type KneserNeyDiscounts, type KneserNeyOptions } from "./lm/kneser_ney";
export { MleLm, AddKLm } from "./lm/ngram_baselines";
export { ArpaLm, ArpaError, type ArpaReadOptions } from "./lm/arpa_reader";
export { arpaChunks, toArpa, writeArpa } from "./lm/arpa_writer";
export { perplexity, perplexityFromLogProbs, formatPerplexity, type LanguageModel, type PerplexityReport } from "./lm/perplexity";

// Generation and the char-level / hybrid LMs (issue 5, task L3): argmax, sampling (temperature,
// top-K) and beam search over any NextTokenModel (RnnLm is one); char-vocabulary helpers and
// sampleText; the hybrid word LM that spells OOV words with a char LSTM.
export {
  generate,
  generateMany,
  beamSearch,
  ArgmaxDecoder,
  SamplingDecoder,
  type NextTokenModel,
  type Decoder,
  type SamplingOptions,
  type GenerateOptions,
  type Generation,
  type BeamSearchOptions,
  type BeamHypothesis,
} from "./lm/generate";
export {
  charVocab,
  encodeText,
  decodeText,
  sampleText,
  UNKNOWN_CHAR,
  type CharVocabOptions,
  type EncodeTextOptions,
  type SampleTextOptions,
} from "./lm/char_lm";
export { HybridLm, type HybridLmConfig } from "./lm/hybrid/model";
export { encodeHybridStream, type HybridStream } from "./lm/hybrid/stream";
export { HybridBatches, hybridBatchTensors, type HybridBatch, type HybridTensorBatch, type HybridBatchOptions } from "./lm/hybrid/batches";
export { trainHybridLm, type TrainHybridOptions } from "./lm/hybrid/train";
export { evaluateHybridLm } from "./lm/hybrid/evaluate";

// Recurrent language models (issue 5): the model, training over token streams (truncated
// BPTT), evaluation, checkpoints, interpolation with an n-gram model.
export { RnnLm, resolveRnnLmConfig, lastRealStep, type RnnLmConfig, type LmLossMode, type LmTensorBatch, type LmRunOptions } from "./lm/rnn_lm";
export {
  trainLm,
  trainLmSteps,
  TrainingDivergedError,
  type TrainLmProgress,
  evaluateLm,
  evaluateSentences,
  encodeStream,
  type TrainLmOptions,
  type EpochRecord,
  type LmEvaluation,
  type EvaluateLmOptions,
} from "./lm/train_lm";
export { saveLm, loadLm, inspectLm, hasCheckpoint, CheckpointError, type SaveLmOptions, type LoadLmOptions, type CheckpointContents } from "./lm/checkpoint";
export { mixLogProbs, tuneMixture, ngramStreamLogProbs } from "./lm/interpolate";
export { LockError } from "./lm/training_lock";

// The experiments of notebook 04-language-models: its corpus, one recurrent LM trained or
// resumed from its checkpoint, and the experiment cells.
export { loadLmCorpus, type LmCorpus, type LoadLmCorpusOptions } from "./datasets/lm_corpus";
export { trainCorpusLm, type RnnLmRun, type CorpusLmOptions } from "./lm/train_corpus_lm";
export {
  kneserNeyTable,
  FULL_LM_RUNS,
  type LmRunSpec,
  mixtureWithKneserNey,
  perplexityCurves,
  lossModeComparison,
  lossModeChart,
  type KneserNeyRow,
  type MixtureResult,
  type LossModeCurve,
} from "./experiments/language_models";
export {
  unkStrategies,
  charLmSamples,
  type UnkStrategyRow,
  type UnkStrategyOptions,
  type CharLmOptions,
  type CharLmResult,
} from "./experiments/unk_and_chars";

// The output layer fused with its loss (issue 4, task P1): softmax CE of h W + b as one op
// (one kernel pair with an engine); the Reference is its tfjs-op definition.
export { linearSoftmaxCrossEntropy, linearSoftmaxCrossEntropyReference, linearTargetLogProbs, linearTargetLogProbsReference } from "./ops/linear_softmax_cross_entropy";
