/**
 * Generation from a language model: moved to lib/src/generation/ (one concept per file) —
 * decoders.ts (argmax, sampling with temperature, top-K and top-p, uniform; the `Decoder`
 * extension point), generate.ts (batched generation), beam_search.ts (beam search with an
 * n-best list, early stopping and length normalisation). This file re-exports them so that
 * existing imports (lm/char_lm.ts, notebooks built against `lm/generate.js`) keep working.
 */
export {
  ArgmaxDecoder,
  SamplingDecoder,
  UniformDecoder,
  makeDecoder,
  sampleIndex,
  type Decoder,
  type DecoderChoice,
  type SamplingOptions,
} from "../generation/decoders.js";
export {
  generate,
  generateMany,
  generateBatch,
  startToken,
  type NextTokenModel,
  type GenerateOptions,
  type GenerateBatchOptions,
  type Generation,
} from "../generation/generate.js";
export {
  beamSearch,
  beamSearchBatch,
  lengthPenalty,
  type BeamSearchOptions,
  type BeamSearchBatchOptions,
  type BeamHypothesis,
  type LengthNormalization,
} from "../generation/beam_search.js";
