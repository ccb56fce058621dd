/**
 * seqlab: recurrent neural networks for NLP, the course library. Its public surface, in
 * the lecture's order. TensorFlow.js is re-exported as `tf` so notebooks and the library
 * share one instance.
 *
 * Two more entry points: `seqlab/experiments` (the notebooks' experiment cells: sweeps
 * and comparisons built from what is exported here) and `seqlab/internal` (kernels,
 * reference ops, backend registration, helpers used by the tests and the bench; not
 * stable).
 */
export * as tf from "@tensorflow/tfjs";

// Errors: every failure seqlab reports on purpose is a SeqlabError.
export { SeqlabError, ArgumentError, BackendError, InterruptedError } from "./errors.js";

// 1. The vanilla RNN of the lecture: forward pass and backpropagation through time, in float64.
export {
  initVanilla,
  vanillaShapes,
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
} from "./rnn/vanilla.js";

// 2. Gradients: checks against autodiff and finite differences, vanishing/exploding, clipping.
export {
  relativeError,
  finiteDifferences64,
  gradCheck,
  gradCheck64,
  gradCheckTable,
  type GradCheckRow,
  type GradCheckReport,
  type GradCheckOptions,
} from "./gradcheck/gradcheck.js";
export { checkVanillaBptt, type VanillaCheckTrial, type VanillaCheckOptions } from "./gradcheck/vanilla_check.js";
export {
  matrixWithSpectralRadius,
  jacobianProductNorms,
  gradientNormVsDistance,
  gradientNormHeatmap,
  lstmCellPathNorms,
  forgetGatesFromBias,
  type Activation,
  type GradientNormOptions,
} from "./rnn/jacobian.js";
export { spectralNorm } from "./rnn/linalg64.js";
export { globalNorm, clipByGlobalNorm, clipByValue, clippingThreshold, type Grads, type ClipResult } from "./optim/clip.js";

// 3. Cells and layers: implement RecurrentCell to add a cell; the sequence ops run whole sequences.
export type { RecurrentCell, CellState, SequenceOptions, SequenceResult } from "./rnn/cell.js";
export { RnnCell, type RnnCellOptions } from "./rnn/rnn_cell.js";
export { LstmCell, LSTM_GATES, type LstmGate, type LstmCellOptions } from "./rnn/lstm.js";
export { GruCell, type GruCellOptions } from "./rnn/gru.js";
export { uniformVariable, recurrentUniform, glorotUniform, type InitScheme } from "./rnn/init.js";
export { cellSequence } from "./rnn/cell_sequence.js";
export { rnnSequence, lstmSequence, gruSequence } from "./ops/sequence.js";
export type { RnnWeights, LstmWeights, GruWeights, RnnSequenceOptions, RnnActivation } from "./ops/types.js";
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
} from "./rnn/layer.js";
export { StackedRnn } from "./rnn/stacked.js";
export { Bidirectional } from "./rnn/bidirectional.js";

// 4. Models: the four architectures, their loss, the synthetic tasks, training and optimizers.
export { softmaxCrossEntropy, accuracy } from "./ops/softmax_cross_entropy.js";
export { linearSoftmaxCrossEntropy, linearTargetLogProbs } from "./ops/linear_softmax_cross_entropy.js";
export { Linear, type CellSpec, type DecoderSpec, type EncoderSpec, type Trainable } from "./models/common.js";
export { SequenceClassifier, type SequenceClassifierOptions } from "./models/many_to_one.js";
export { SequenceTagger, type SequenceTaggerOptions } from "./models/many_to_many.js";
export { SequenceGenerator, type SequenceGeneratorOptions } from "./models/one_to_many.js";
export { EncoderDecoder, type EncoderDecoderOptions, type Seq2SeqBatch } from "./models/encoder_decoder.js";
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
} from "./data/tasks.js";
export { train, type TrainOptions, type TrainHistory, type StepRecord, type EvalRecord, type ClipOptions } from "./train/train.js";
export { FusedSgd } from "./optim/sgd.js";
export { FusedAdam, type FusedAdamOptions } from "./optim/adam.js";

// 5. Language models: the RNN LM, its training by truncated BPTT, evaluation, checkpoints, char and hybrid LMs.
export { RnnLm, resolveRnnLmConfig, lastRealStep, type RnnLmConfig, type LmLossMode, type LmTensorBatch, type LmRunOptions } from "./lm/rnn_lm.js";
export {
  trainLm,
  trainLmSteps,
  TrainingDivergedError,
  evaluateLm,
  evaluateSentences,
  encodeStream,
  type TrainLmProgress,
  type TrainLmOptions,
  type EpochRecord,
  type LmEvaluation,
  type EvaluateLmOptions,
} from "./lm/train_lm.js";
export { trainCorpusLm, type RnnLmRun, type CorpusLmOptions } from "./lm/train_corpus_lm.js";
export { trainSentenceLm, trainSentenceLmSteps, evaluateSentenceLm, encodeSentences, type SentenceLmProgress, type TrainSentenceLmOptions, type SentenceEpochRecord, type SentenceEvaluation } from "./lm/train_sentence_lm.js";
export { saveLm, loadLm, inspectLm, hasCheckpoint, CheckpointError, type SaveLmOptions, type LoadLmOptions, type CheckpointContents } from "./lm/checkpoint.js";
export { LockError } from "./lm/training_lock.js";
export {
  charVocab,
  encodeText,
  decodeText,
  sampleText,
  UNKNOWN_CHAR,
  type CharVocabOptions,
  type EncodeTextOptions,
  type SampleTextOptions,
} from "./lm/char_lm.js";
export { HybridLm, type HybridLmConfig } from "./lm/hybrid/model.js";
export { encodeHybridStream, type HybridStream } from "./lm/hybrid/stream.js";
export { HybridBatches, hybridBatchTensors, type HybridBatch, type HybridTensorBatch, type HybridBatchOptions } from "./lm/hybrid/batches.js";
export { trainHybridLm, type TrainHybridOptions } from "./lm/hybrid/train.js";
export { evaluateHybridLm } from "./lm/hybrid/evaluate.js";

// 6. N-gram models: counts, interpolated modified Kneser-Ney, baselines, ARPA files, perplexity, mixtures.
export { NgramCounts, readSentences, type NgramLevel, type NgramCountOptions } from "./lm/ngram_counts.js";
export { KneserNeyLm, modifiedKneserNeyDiscounts, type KneserNeyDiscounts, type KneserNeyOptions } from "./lm/kneser_ney.js";
export { MleLm, AddKLm } from "./lm/ngram_baselines.js";
export { ArpaLm, ArpaError, type ArpaReadOptions } from "./lm/arpa_reader.js";
export { arpaChunks, toArpa, writeArpa, writeArpaReport, type ArpaWriteOptions, type ArpaWriteReport } from "./lm/arpa_writer.js";
export { perplexity, perplexityFromLogProbs, formatPerplexity, type LanguageModel, type PerplexityReport } from "./lm/perplexity.js";
export { mixLogProbs, tuneMixture, ngramStreamLogProbs } from "./lm/interpolate.js";

// 7. Generation: decoders (implement Decoder to add one), batched generation, beam search, scheduled sampling, metrics.
export { ArgmaxDecoder, SamplingDecoder, UniformDecoder, makeDecoder, sampleIndex, type Decoder, type DecoderChoice, type SamplingOptions } from "./generation/decoders.js";
export {
  generate,
  generateMany,
  generateBatch,
  startToken,
  type NextTokenModel,
  type HiddenStateModel,
  type GenerateOptions,
  type GenerateBatchOptions,
  type Generation,
} from "./generation/generate.js";
export {
  beamSearch,
  beamSearchBatch,
  lengthPenalty,
  type BeamSearchOptions,
  type BeamSearchBatchOptions,
  type BeamHypothesis,
  type LengthNormalization,
} from "./generation/beam_search.js";
export { encoderDecoderLm, translate, type TranslateOptions, type Translation } from "./generation/encoder_decoder_lm.js";
export {
  ConstantSchedule,
  LinearSchedule,
  ExponentialSchedule,
  InverseSigmoidSchedule,
  scheduleCurve,
  stepAtLevel,
  type Schedule,
  type LinearScheduleOptions,
} from "./generation/schedules.js";
export { ScheduledSampler, scheduledInputs, type ScheduledSamplerOptions, type ScheduledInputsOptions, type ScheduledInputs } from "./generation/scheduled_sampling.js";
export { editDistance, errorRates, type ErrorRates } from "./generation/error_rates.js";
export { distinctN } from "./generation/diversity.js";

// 8. Tagging: the CRF, the LSTM / biLSTM / biLSTM-CRF taggers behind one Tagger interface, constrained decoding, training.
export {
  Crf,
  crfScore,
  crfLogPartition,
  crfLogLikelihood,
  viterbiDecode,
  type CrfParams,
  type CrfReduction,
  type CrfLogLikelihoodOptions,
  type ViterbiResult,
} from "./ops/crf.js";
export { CharEncoder, type CharEncoderOptions } from "./tagging/char_encoder.js";
export { BiLstmCrfTagger, type BiLstmCrfTaggerOptions, type TaggerBatch } from "./tagging/bilstm_crf.js";
export type { Tagger, TransitionConstraints, DecodeOptions, DecodeResult } from "./tagging/tagger.js";
export { LstmTagger, type LstmTaggerOptions } from "./tagging/lstm_tagger.js";
export { transitionConstraints, allowedTransition, isAllowedPath, constrainCrfParams, bestAllowedPaths } from "./tagging/constraints.js";
export {
  createTagger,
  resolveTaggerConfig,
  taggerWeightShapes,
  describeTagger,
  TAGGER_KINDS,
  type TaggerKind,
  type TaggerConfig,
  type ResolvedTaggerConfig,
} from "./tagging/tagger_config.js";
export {
  trainTagger,
  trainTaggerSteps,
  lengthBatches,
  INITIAL_TAGGER_STATE,
  type TrainTaggerOptions,
  type TrainTaggerResult,
  type TaggerEpochRecord,
  type TaggerTrainingState,
} from "./tagging/train_tagger.js";
export { predictTags, evaluateTagger, type PredictOptions, type TaggerEvaluation } from "./tagging/predict.js";
export { saveTagger, loadTagger, inspectTagger, hasTaggerCheckpoint, buildTagger, type TaggerCheckpoint, type TaggerCheckpointData } from "./tagging/tagger_checkpoint.js";
export { trainNerTagger, specConfig, type NerTaggerSpec, type NerTaggerRun, type TrainNerTaggerOptions } from "./tagging/train_ner_tagger.js";

// 8b. NER data: BRAT and CoNLL files, tokens with offsets, BIO tags, conlleval-exact F1, batches, corpora.
export { BratError, ConllError, TagError } from "./ner/errors.js";
export { TAG_SCHEMES, type TagScheme, type CharSpan, type TokenSpan, type Token, type NerSentence, type NerDataset } from "./ner/types.js";
export { parseAnn, type BratRecord } from "./ner/brat_ann.js";
export {
  parseBrat,
  readBratDocument,
  readBratFolder,
  type BratDocument,
  type BratEntity,
  type BratFault,
  type BratCorpus,
  type BratReadOptions,
} from "./ner/brat_reader.js";
export { formatAnn, spansToBrat, writeBratDocument } from "./ner/brat_writer.js";
export { OffsetMap, type OffsetConvention } from "./ner/offsets.js";
export { tokenize } from "./ner/tokenize.js";
export { splitSentenceTokens } from "./ner/sentences.js";
export { alignSpans, tokenSpansToCharSpans } from "./ner/align.js";
export { documentToSentences, sentenceSpans, entitySpans } from "./ner/documents.js";
export { roundTripCounts, type RoundTripCounts } from "./ner/round_trip.js";
export { parseTag, tagsToSpans, spansToTags, convertTags, detectScheme } from "./ner/tag_scheme.js";
export { TagSet } from "./ner/tag_set.js";
export { parseConll, readConllFile, type ConllSentence, type ConllFile } from "./ner/conll_reader.js";
export { formatConll, formatConllEval } from "./ner/conll_writer.js";
export { evaluateNer, type NerEvaluation, type ChunkScores } from "./ner/evaluate.js";
export { conllevalText, conllevalFile, conllevalReport } from "./ner/conlleval.js";
export {
  buildNerVocabs,
  makeNerBatch,
  nerBatches,
  nerBatchTensors,
  capsOf,
  CAPS,
  CAPS_SIZE,
  type NerBatch,
  type NerVocabs,
  type NerBatchTensors,
} from "./ner/batches.js";
export { loadConll2003, CONLL2003_SHA256 } from "./ner/conll2003.js";
export { loadCollection5, loadCollection5Documents, collection5Split, COLLECTION5_TYPES, COLLECTION5_SPLIT_SEED } from "./ner/collection5.js";
export { SLIDE_EXAMPLE } from "./ner/slide_example.js";
export { toyNerDataset, type ToyNerOptions } from "./ner/toy_corpus.js";

// 9. Data and datasets: tokenizers, vocabularies and <UNK>, LM batches, corpora through SEQLAB_DATA.
export { whitespaceTokenize, wordTokenize, charTokenize, splitSentences, type TokenizeOptions, type CharTokenizeOptions } from "./data/tokenize.js";
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
} from "./data/vocab.js";
export { WordDropout, wordDropout, type WordDropoutOptions } from "./data/unk.js";
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
} from "./data/lm_batches.js";
export { loadDataset, DATASET_NAMES, type DatasetName } from "./datasets/datasets.js";
export type { TextDataset, DatasetSplit, LoadOptions } from "./datasets/types.js";
export { DatasetError, MissingDataError, ChecksumError, resolveDataDir, readLineSentences } from "./datasets/folder.js";
export { downloadFile, type DownloadOptions } from "./datasets/download.js";
export { loadPtb, ptbFiles, PTB_BASE_URL, PTB_SHA256, type PtbOptions } from "./datasets/ptb.js";
export { loadBrown, brownSplitOf, type BrownOptions } from "./datasets/brown.js";
export { loadMobyDick, mobyDickParts, mobyDickSplitOf, type MobyDickOptions } from "./datasets/moby_dick.js";
export { loadLmCorpus, type LmCorpus, type LoadLmCorpusOptions } from "./datasets/lm_corpus.js";
export { loadCmuDict, splitCmuDict, ARPABET, type PronunciationEntry, type PronunciationSplit, type CmuDictOptions, type CmuSplitOptions } from "./datasets/cmudict.js";
export { g2pVocab, g2pExamples, g2pBatch, decodePhonemes, G2P_SOS, G2P_EOS, type G2pVocab, type G2pExample, type G2pBatchOptions } from "./data/g2p.js";

// 10. Plots, tables and notebook support: setup, profile, seed, backend and engine, rich display.
export { setupNotebook, describeEnvironment, type Environment, type SetupOptions } from "./notebook/setup.js";
export { profile, byProfile, PROFILES, type Profile } from "./notebook/profile.js";
export { setSeed, getSeed, random, nextSeed, seededGenerator } from "./random.js";
export {
  initBackend,
  backendInfo,
  formatBackendInfo,
  BACKEND_NAMES,
  type BackendName,
  type BackendInfo,
  type InitBackendOptions,
} from "./backend/backend.js";
export {
  initEngine,
  engineInfo,
  formatEngineInfo,
  ENGINE_NAMES,
  type EngineName,
  type EngineInfo,
  type InitEngineOptions,
} from "./engine/engine.js";
export { display, inNotebook, type MimeBundle } from "./notebook/display.js";
export { entitiesHtml, entitiesText, showEntities, entityColour } from "./notebook/entities.js";
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
} from "./plot/figure.js";
export { show, summary, plotHtml } from "./plot/show.js";
export { showTable, tableHtml, tableText, type DataFrameLike, type TableOptions } from "./table/table.js";
