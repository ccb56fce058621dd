/**
 * `seqlab/experiments`: the notebooks' experiment cells — sweeps, comparisons and the
 * charts and tables they produce — each built from the public API (`seqlab`), which the
 * notebooks show first, one primitive per cell.
 */

// 02-gradients: exploding gradients and clipping.
export { clippingExperiment, finalLoss, divergedAt, type ClippingExperiment, type ClippingExperimentOptions } from "./clipping.js";

// 03-lstm-gru: memory tasks as the length grows, bidirectional taggers, the four architectures.
export {
  memorySweep,
  summarizeSweep,
  mergeSweeps,
  sweepChart,
  type MemorySweep,
  type MemorySweepOptions,
  type MemoryRow,
  type MemoryTaskName,
} from "./memory.js";
export {
  bidirectionalComparison,
  taggerLayer,
  comparisonChart,
  TAGGER_ARCHITECTURES,
  type BidirectionalComparison,
  type BidirectionalOptions,
  type TaggerArchitecture,
  type TaggerRun,
} from "./bidirectional.js";
export { manyToOneDemo, alignedDemo, oneToManyDemo, unalignedDemo, type ArchitectureDemo, type DemoOptions } from "./architectures.js";

// 04-language-models: Kneser-Ney orders, the full-profile RNN LMs, mixtures, one vs k outputs, <UNK>, char LM.
export {
  kneserNeyTable,
  FULL_LM_RUNS,
  mixtureWithKneserNey,
  perplexityCurves,
  lossModeComparison,
  lossModeChart,
  type LmRunSpec,
  type KneserNeyRow,
  type MixtureResult,
  type LossModeCurve,
} from "./language_models.js";
export { unkStrategies, charLmSamples, type UnkStrategyRow, type UnkStrategyOptions, type CharLmOptions, type CharLmResult } from "./unk_and_chars.js";

// 05-generation: argmax vs sampling, diversity against quality, beam width.
export {
  argmaxVersusSampling,
  decodingSweep,
  beamWidthSweep,
  type ArgmaxVersusSampling,
  type DecodingRow,
  type BeamWidthRow,
  type GenerationExperimentOptions,
} from "./generation.js";
export { diversityQualityChart, decoderFamily, beamWidthChart, lengthChart } from "./generation.js";
export { trainCorpusSentenceLm, FULL_SENTENCE_LM, type SentenceLmSpec, type SentenceLmRun, type SentenceLmRunOptions } from "./sentence_lm_run.js";

// 06-scheduled-sampling: G2P on the CMU dictionary, the comparison, exposure bias, the time cost.
export {
  g2pData,
  g2pRun,
  scoreG2p,
  samplingConfigs,
  exposureBias,
  scheduledSamplingCost,
  sentenceLmSamplingCost,
  type G2pData,
  type G2pRunOptions,
  type G2pResult,
  type SamplingConfig,
  type ExposureBiasCurve,
  type SamplingCost,
} from "./scheduled_sampling.js";
export { trainG2p, g2pModel, g2pMaxLength, type G2pTraining } from "./scheduled_sampling.js";
export { g2pComparison, g2pRunName, g2pResultRows, FULL_G2P_RUNS, type G2pComparisonSpec, type G2pComparisonRun, type G2pComparisonOptions } from "./g2p_runs.js";
export { scheduleChart, exposureBiasChart, g2pComparisonChart, sampledFractionChart } from "./scheduled_sampling_charts.js";

// 07-ner: the four taggers on CoNLL-2003 and Collection5, the full-profile runs, per-type F1, CRF transitions, errors.
export {
  NER_MODEL_NAMES,
  NER_MODELS,
  FULL_NER_SCHEDULE,
  FULL_NER_SEEDS,
  FULL_NER_RUNS,
  EXTRA_NER_RUNS,
  nerCorpus,
  nerCorpusOrToy,
  runNerComparison,
  nerResultRows,
  smallNerRuns,
  perTypeRows,
  perTypeF1Chart,
  transitionHeatmap,
  transitionSummary,
  entityErrors,
  type TransitionSummary,
  type NerModelName,
  type NerCorpusName,
  type NerRunSpec,
  type NerCorpusOptions,
  type NerResult,
  type NerComparisonOptions,
  type EntityError,
} from "./ner.js";
