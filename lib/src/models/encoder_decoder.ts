/**
 * Unaligned many-to-many: an encoder reads the source, its final state initialises a
 * decoder that writes the target, of another length (Sutskever, Vinyals & Le 2014,
 * "Sequence to sequence learning with neural networks"; Cho et al. 2014).
 *
 *     _, s_enc = encoder(x_1..x_S)            the final state of the last cell (after its last real step)
 *     s_0 = s_enc
 *     h_t = decoder(onehot(y_{t−1}), s_{t−1}) y_0 = <sos>
 *     p(y_t | y_<t, x) = softmax(h_t U + b̂) [B, vocabSize], until <eos>
 *
 * The whole source must pass through the fixed-size state s_enc: the bottleneck that
 * attention (Bahdanau et al. 2015) removes. The encoder's last final state is used: for a
 * `StackedRnn` that of its top layer; for a `Bidirectional` encoder that of the backward
 * cell (which ends at x_1). The decoder state must match it: same number of state
 * entries (both LSTM, or both RNN/GRU) and same hidden size.
 *
 * Training uses teacher forcing; `predict` decodes greedily (see common.ts). A batch may carry
 * its own decoder inputs (`Seq2SeqBatch.decoderInputs`): scheduled sampling
 * (generation/scheduled_sampling.ts) feeds the model's own tokens there. `decodeForward` runs the
 * decoder over given tokens from a given state — what beam search and sampling need
 * (generation/encoder_decoder_lm.ts makes it a `NextTokenModel`).
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import type { TranslationBatch } from "../data/tasks.js";
import { tidyResult } from "../ops/sequence.js";
import type { CellState, RecurrentCell } from "../rnn/cell.js";
import type { SequenceLayer } from "../rnn/layer.js";
import {
  decoderSteps, greedyDecode, Linear, stateCount, teacherForcedLoss, toDecoderCell, toLayer,
  type DecoderSpec, type EncoderSpec, type Trainable,
} from "./common.js";

/** Options of `EncoderDecoder`. */
export interface EncoderDecoderOptions {
  /** The encoder: `{ kind, inputSize, hiddenSize }`, a `RecurrentCell` or a `SequenceLayer`. */
  encoder: EncoderSpec;
  /** The decoder: `{ kind, hiddenSize }` or a `RecurrentCell` with inputSize vocabSize. */
  decoder: DecoderSpec | RecurrentCell;
  /** vocabSize: number of output tokens, `<sos>` and `<eos>` included. */
  vocabularySize: number;
  /** Id of `<sos>`. Default: 0. */
  sos?: number;
  /** Id of `<eos>`. Default: 1. */
  eos?: number;
  /** Longest output `predict` generates. Default: 20. */
  maxLength?: number;
}

/** A translation batch whose decoder inputs may be given (scheduled sampling). */
export interface Seq2SeqBatch extends TranslationBatch {
  /** int32 [B, L] the decoder's input at each step. Default: teacher forcing, [<sos>, y_1, …, y_{L−1}]. */
  decoderInputs?: tf.Tensor2D;
}

/** A sequence-to-sequence model (see the file comment). */
export class EncoderDecoder implements Trainable<Seq2SeqBatch> {
  readonly encoder: SequenceLayer;
  readonly decoder: RecurrentCell;
  readonly out: Linear;
  readonly sos: number;
  readonly eos: number;
  readonly maxLength: number;

  constructor(options: EncoderDecoderOptions) {
    const vocabSize = options.vocabularySize;
    if (!Number.isInteger(vocabSize) || vocabSize < 2) throw new ArgumentError(`EncoderDecoder: expected vocabularySize an integer ≥ 2, got ${vocabSize}`);
    this.encoder = toLayer(options.encoder);
    this.decoder = toDecoderCell("EncoderDecoder", options.decoder, vocabSize);
    this.out = new Linear(this.decoder.hiddenSize, vocabSize);
    this.sos = options.sos ?? 0;
    this.eos = options.eos ?? 1;
    this.maxLength = options.maxLength ?? 20;
  }

  /** The encoder's weights, then the decoder's, then U [H, vocabSize], bHat [vocabSize]. */
  get weights(): tf.Variable[] {
    return [...this.encoder.weights, ...this.decoder.weights, ...this.out.weights];
  }

  /**
   * Runs the encoder and returns the decoder's initial state.
   * @param sources - [B, S, D].
   * @param sourceMask - optional [B, S] right padding. Default: all steps real.
   * @returns the encoder's last final state, each [B, H].
   */
  encode(sources: tf.Tensor3D, sourceMask?: tf.Tensor2D): CellState {
    const { finalStates } = this.encoder.run(sources, { mask: sourceMask });
    const s = finalStates[finalStates.length - 1];
    const n = stateCount(this.decoder);
    const H = this.decoder.hiddenSize;
    if (s.length !== n || s.some((x) => x.shape[1] !== H)) {
      throw new ArgumentError(
        `EncoderDecoder: expected the encoder's final state to match the decoder's (${n} × [B, ${H}]), ` +
          `got ${s.length} × [${s.map((x) => `[${x.shape}]`).join(", ")}]`,
      );
    }
    return s;
  }

  /** @returns the masked mean cross-entropy of `batch.targets`, the decoder fed `batch.decoderInputs` (default: teacher forcing). */
  loss(batch: Seq2SeqBatch): tf.Scalar {
    return tf.tidy(() =>
      teacherForcedLoss(
        this.decoder, this.encode(batch.sources, batch.sourceMask), this.out, batch.targets, batch.targetMask, this.sos, batch.decoderInputs,
      ),
    );
  }

  /** vocabSize, the number of output tokens. */
  get vocabSize(): number {
    return this.decoder.inputSize;
  }

  /**
   * The decoder alone over given tokens: logits of the next token at every position.
   * @param tokens - int32 [B, T] decoder inputs (e.g. [<sos>] then the tokens chosen so far).
   * @param initialState - the decoder state before them (each [B, H]), e.g. `encode(sources)`.
   * @returns logits [B, T, vocabSize] and the final state.
   */
  decodeForward(tokens: tf.Tensor2D, initialState: CellState): { logits: tf.Tensor3D; finalState: CellState } {
    if (tokens.dtype !== "int32" || tokens.rank !== 2) {
      throw new ArgumentError(`EncoderDecoder.decodeForward: expected int32 tokens of shape [B, T], got ${tokens.dtype} [${tokens.shape}]`);
    }
    return tidyResult(() => {
      const { outputs, finalState } = decoderSteps(this.decoder, initialState, tokens); // [B, T, H]
      return { logits: this.out.applySequence(outputs), finalState }; // [B, T, vocabSize]
    });
  }

  /**
   * Greedy translation.
   * @param sources - [B, S, D].
   * @param sourceMask - optional [B, S].
   * @param maxLength - L. Default: the constructor's `maxLength`.
   * @returns int32 [B, L] token ids, `<eos>` from each sequence's first `<eos>` on.
   */
  predict(sources: tf.Tensor3D, sourceMask?: tf.Tensor2D, maxLength = this.maxLength): tf.Tensor2D {
    const state = tf.tidy(() => this.encode(sources, sourceMask));
    try {
      return greedyDecode(this.decoder, state, this.out, this.sos, this.eos, maxLength);
    } finally {
      tf.dispose(state);
    }
  }
}
