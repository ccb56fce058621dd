/**
 * The decoder of an encoder–decoder (models/encoder_decoder.ts) as a `NextTokenModel`, so that
 * every decoder of generation/ — argmax, sampling, beam search — and scheduled sampling run on
 * it unchanged. Conditioning on the source is the initial state: h₀ = encode(x) instead of 0,
 *
 *     s_0 = encode(x),   z_t, s_t = decoder(onehot(y_{t−1}), s_{t−1}),   y_0 = <sos>,
 *
 * so a translation is `generateBatch(lm, prompts = [[sos]] × B, { initialStates: [encode(x)] })`.
 * `translate` does this for a batch of sources, greedily or with beam search.
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { decoderSteps } from "../models/common.js";
import type { EncoderDecoder } from "../models/encoder_decoder.js";
import { tidyResult } from "../ops/sequence.js";
import type { CellState } from "../rnn/cell.js";
import { beamSearchBatch, type LengthNormalization } from "./beam_search.js";
import { generateBatch, type HiddenStateModel, type NextTokenModel } from "./generate.js";

/**
 * The decoder as a language model whose state must be given (the encoding) or is zero.
 * @param model - the encoder–decoder.
 * @returns a `NextTokenModel` with one state entry: the decoder cell's.
 */
export function encoderDecoderLm(model: EncoderDecoder): NextTokenModel & HiddenStateModel {
  return {
    vocabSize: model.vocabSize,
    zeroStates: (B) => [model.decoder.zeroState(B)],
    forward(inputs: tf.Tensor2D, initialStates?: CellState[]) {
      if (initialStates !== undefined && initialStates.length !== 1) {
        throw new ArgumentError(`encoderDecoderLm: expected initialStates of 1 state (the decoder cell's), got ${initialStates.length}`);
      }
      const start = initialStates?.[0] ?? model.decoder.zeroState(inputs.shape[0]);
      const { logits, finalState } = model.decodeForward(inputs, start);
      if (initialStates === undefined) tf.dispose(start);
      return { logits, finalStates: [finalState] };
    },
    hiddenStates(inputs: tf.Tensor2D, initialStates: CellState[]) {
      return tidyResult(() => {
        const { outputs, finalState } = decoderSteps(model.decoder, initialStates[0], inputs); // [B, T, H]
        return { hidden: outputs, finalStates: [finalState] };
      });
    },
    logitsOf: (h: tf.Tensor2D) => model.out.apply(h), // [N, vocabSize]
  };
}

/** Options of `translate`. */
export interface TranslateOptions {
  /** 1: greedy (argmax); m > 1: beam search of width m. Default: 1. */
  beamWidth?: number;
  /** Output tokens at most, `<eos>` included. Default: the model's `maxLength`. */
  maxLength?: number;
  /** lp(L) of beam search (beam_search.ts). Default: "none". */
  lengthNormalization?: LengthNormalization;
}

/** One output sequence of `translate`. */
export interface Translation {
  /** The output ids WITHOUT the final `<eos>`. */
  ids: number[];
  /** Σ ln p of the emitted tokens (`<eos>` included). */
  logProb: number;
  /** Whether `<eos>` was produced within maxLength. */
  finished: boolean;
}

/**
 * Decodes a batch of sources, greedily or with beam search.
 * @param model - the encoder–decoder.
 * @param sources - [B, S, D].
 * @param sourceMask - optional [B, S].
 * @param options - beamWidth (1), maxLength (the model's), lengthNormalization ("none").
 * @returns B translations, in order.
 */
export function translate(model: EncoderDecoder, sources: tf.Tensor3D, sourceMask: tf.Tensor2D | undefined, options: TranslateOptions = {}): Translation[] {
  const m = options.beamWidth ?? 1;
  if (!Number.isInteger(m) || m < 1) throw new ArgumentError(`translate: expected beamWidth an integer ≥ 1, got ${m}`);
  const maxLength = options.maxLength ?? model.maxLength;
  const lm = encoderDecoderLm(model);
  const encoding = tf.tidy(() => model.encode(sources, sourceMask)); // each [B, H]
  const prompts = Array.from({ length: sources.shape[0] }, () => [model.sos]);
  try {
    if (m === 1) {
      if (options.lengthNormalization !== undefined) throw new ArgumentError("translate: expected lengthNormalization only with beamWidth > 1, got it with greedy decoding");
      return generateBatch(lm, prompts, { strategy: "argmax", maxLength, stopAt: model.eos, initialStates: [encoding] }).map((g) => ({
        ids: g.finished ? g.ids.slice(0, -1) : g.ids,
        logProb: g.logProbs.reduce((s, x) => s + x, 0),
        finished: g.finished,
      }));
    }
    const lists = beamSearchBatch(lm, prompts, { beamWidth: m, nBest: 1, maxLength, stopAt: model.eos, lengthNormalization: options.lengthNormalization, initialStates: [encoding] });
    return lists.map(([best]) => ({ ids: best.truncated ? best.ids : best.ids.slice(0, -1), logProb: best.logProb, finished: !best.truncated }));
  } finally {
    tf.dispose(encoding);
  }
}
