/**
 * The LSTM and biLSTM taggers with a softmax output: the lecture's first two NER models.
 * Each word's tag is chosen on its own from the recurrent state at that word.
 *
 * LSTM (left to right), exactly the lecture's
 *
 *     x_t = [E_word[w_t], E_caps[c_t], f_t]    [B, T, D]          (word_inputs.ts; caps and char features optional)
 *     h_t = LSTM(x_t, h_{t−1})                 [B, T, H]          reads w_1 … w_t
 *     ŷ_t = p(y | w_t … w_1) = softmax(U h_t + b̂)     [B, T, K]
 *     loss = (1/B) Σ_b Σ_{t < L_b} −log ŷ_{b,t}[y_{b,t}]            cross-entropy summed over t
 *
 * biLSTM (`bidirectional: true`; Graves & Schmidhuber 2005, Huang et al. 2015's BI-LSTM):
 * h_t = [→h_t, ←h_t], so ŷ_t sees the whole sentence, w_1 … w_L:
 *
 *     ŷ_t = softmax(U [→h_t, ←h_t] + b̂) = softmax(→h_t U[0:H] + ←h_t U[H:2H] + b̂)
 *
 * (the second form is what runs: each direction projected by its half of U, as in
 * bilstm_crf.ts, so no concatenation along the last axis).
 *
 * The loss sums over the words of a sentence and averages over the sentences, as the CRF's
 * (−(1/B) Σ_b log p(y_b | e_b), bilstm_crf.ts), so the three taggers' losses are on one
 * scale: per sentence, a negative log-likelihood of its tags. It is the masked mean
 * cross-entropy of ops/softmax_cross_entropy.ts (a fused kernel on the engine) times the
 * number of real words over B. Decoding is argmax_k ŷ_t[k] per word, or with constraints the
 * most probable valid sequence (tagging/constraints.ts).
 *
 * References: Huang, Xu & Yu (2015), "Bidirectional LSTM-CRF models for sequence tagging"
 * (LSTM, BI-LSTM); Lample et al. (2016) for the char features and dropout.
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { softmaxCrossEntropy } from "../ops/softmax_cross_entropy.js";
import { cellSequence } from "../rnn/cell_sequence.js";
import { checkSize, uniformVariable } from "../rnn/init.js";
import { LstmCell } from "../rnn/lstm.js";
import { Linear } from "../models/common.js";
import { CharEncoder, type CharEncoderOptions } from "./char_encoder.js";
import { bestAllowedPaths } from "./constraints.js";
import type { DecodeOptions, DecodeResult, Tagger, TaggerBatch } from "./tagger.js";
import { checkDropout, checkTaggerBatch, wordInputs } from "./word_inputs.js";
import { CAPS_SIZE } from "../ner/batches.js";

/** Options of `LstmTagger`. */
export interface LstmTaggerOptions {
  /** V, the number of word ids. */
  vocabularySize: number;
  /** K, the number of tags. */
  numTags: number;
  /** Read the sentence in both directions (the biLSTM tagger). Default: false (left to right). */
  bidirectional?: boolean;
  /** E, the word embedding size. Default: 100. */
  embeddingSize?: number;
  /** H, the LSTM hidden size (of each direction). Default: 100. */
  hiddenSize?: number;
  /** Character features (char_encoder.ts) with these sizes. Default: none. */
  chars?: CharEncoderOptions;
  /** Capitalisation classes (ner/batches.ts `capsOf`) embedded in Ecaps = embeddingSize dimensions (word_inputs.ts). Default: none. */
  caps?: { embeddingSize: number };
  /** Dropout probability on x_t in a training step (word_inputs.ts). Default: 0. */
  dropout?: number;
}

/** The LSTM / biLSTM softmax tagger (see the file comment). */
export class LstmTagger implements Tagger {
  /** [V, E] word embeddings, ~ U(−0.1, 0.1). */
  readonly embedding: tf.Variable<tf.Rank.R2>;
  /** [CAPS_SIZE, Ecaps] capitalisation-class embeddings, ~ U(−0.1, 0.1), when enabled. */
  readonly capsEmbedding?: tf.Variable<tf.Rank.R2>;
  /** The character features, when enabled. */
  readonly charEncoder?: CharEncoder;
  /** →LSTM, [E (+2Hc) → H]. */
  readonly forward: LstmCell;
  /** ←LSTM of the biLSTM tagger, else undefined. */
  readonly backward?: LstmCell;
  /** [H or 2H → K]: U, b̂. */
  readonly out: Linear;
  /** Dropout probability on x_t in a training step. */
  readonly dropout: number;

  constructor(options: LstmTaggerOptions) {
    const E = options.embeddingSize ?? 100;
    const H = options.hiddenSize ?? 100;
    checkSize("LstmTagger", "vocabularySize", options.vocabularySize);
    checkSize("LstmTagger", "numTags", options.numTags);
    checkSize("LstmTagger", "embeddingSize", E);
    checkSize("LstmTagger", "hiddenSize", H);
    this.dropout = checkDropout("LstmTagger", options.dropout);
    this.embedding = uniformVariable([options.vocabularySize, E], 0.1) as tf.Variable<tf.Rank.R2>; // [V, E]
    if (options.caps !== undefined) {
      checkSize("LstmTagger", "caps.embeddingSize", options.caps.embeddingSize);
      this.capsEmbedding = uniformVariable([CAPS_SIZE, options.caps.embeddingSize], 0.1) as tf.Variable<tf.Rank.R2>; // [CAPS_SIZE, Ecaps]
    }
    this.charEncoder = options.chars === undefined ? undefined : new CharEncoder(options.chars);
    const D = E + (options.caps?.embeddingSize ?? 0) + (this.charEncoder?.outputSize ?? 0);
    this.forward = new LstmCell(D, H);
    this.backward = options.bidirectional === true ? new LstmCell(D, H) : undefined;
    this.out = new Linear(this.backward === undefined ? H : 2 * H, options.numTags); // U [H or 2H, K], b̂ [K]
  }

  /** Whether this is the biLSTM tagger. */
  get bidirectional(): boolean {
    return this.backward !== undefined;
  }

  /** Word embedding, caps embedding (if any), char encoder (if any), →LSTM (W, b), ←LSTM (if any), U, b̂. */
  get weights(): tf.Variable[] {
    return [this.embedding, ...(this.capsEmbedding === undefined ? [] : [this.capsEmbedding]), ...(this.charEncoder?.weights ?? []), ...this.forward.weights, ...(this.backward?.weights ?? []), ...this.out.weights];
  }

  /**
   * The logits U h_t + b̂ of every tag at every word (ŷ_t = softmax of them).
   * @param batch - words [B, T], mask [B, T], chars [B, T, C] when enabled, dropoutSeed in a training step.
   * @returns [B, T, K].
   */
  emissions(batch: TaggerBatch): tf.Tensor3D {
    const { mask } = batch;
    const [B, T] = checkTaggerBatch("LstmTagger", batch, this);
    return tf.tidy(() => {
      const x = wordInputs(this, batch, this.dropout); // [B, T, D]
      const H = this.forward.hiddenSize;
      const K = this.out.U.shape[1];
      const rows = (h: tf.Tensor3D) => tf.reshape(h, [B * T, H]) as tf.Tensor2D; // [B·T, H]
      const fwd = cellSequence(this.forward, x, { mask }).outputs; // [B, T, H]: →h_t
      let e: tf.Tensor2D;
      if (this.backward === undefined) {
        e = this.out.apply(rows(fwd)); // [B·T, K]: U h_t + b̂
      } else {
        const bwd = cellSequence(this.backward, x, { mask, reverse: true }).outputs; // [B, T, H]: ←h_t
        const Uf = tf.slice(this.out.U, [0, 0], [H, K]); // [H, K]: rows of U that multiply →h
        const Ub = tf.slice(this.out.U, [H, 0], [H, K]); // [H, K]: rows of U that multiply ←h
        e = tf.add(tf.add(tf.matMul(rows(fwd), Uf), tf.matMul(rows(bwd), Ub)), this.out.bHat); // [B·T, K]
      }
      return tf.reshape(e, [B, T, K]) as tf.Tensor3D; // [B, T, K]
    });
  }

  /**
   * (1/B) Σ_b Σ_t −log ŷ_{b,t}[y_{b,t}] over the real words (see the file comment).
   * @param batch - words, mask, tags (required), chars, dropoutSeed.
   * @returns [].
   */
  loss(batch: TaggerBatch): tf.Scalar {
    const { tags, mask } = batch;
    if (tags === undefined) throw new ArgumentError("LstmTagger.loss: expected batch.tags, got none");
    const [B, T] = batch.words.shape;
    if (tags.rank !== 2 || tags.shape[0] !== B || tags.shape[1] !== T || tags.dtype !== "int32") {
      throw new ArgumentError(`LstmTagger.loss: expected tags int32 [${B}, ${T}], got ${tags.dtype} [${tags.shape}]`);
    }
    return tf.tidy(() => {
      const logits = this.emissions(batch); // [B, T, K]
      const words = mask === undefined ? B * T : tf.sum(tf.cast(mask, "float32")); // [] real words
      const meanNll = softmaxCrossEntropy(logits, tags, mask); // [] mean over real words
      return tf.div(tf.mul(meanNll, words), B) as tf.Scalar; // [] sum over t, mean over sentences
    });
  }

  /**
   * argmax_k ŷ_t[k] at every real word, or the most probable valid sequence with constraints.
   * @param batch - words, mask, chars (tags and dropoutSeed are ignored).
   * @param options - constraints (tagging/constraints.ts). Default: none.
   * @returns one array of L_b tag ids per sentence.
   */
  decode(batch: TaggerBatch, options: DecodeOptions = {}): DecodeResult {
    const logits = this.emissions({ ...batch, dropoutSeed: undefined }); // [B, T, K]
    const [B, T, K] = logits.shape;
    try {
      if (options.constraints !== undefined) {
        const logProbs = tf.logSoftmax(logits) as tf.Tensor3D; // [B, T, K]
        try {
          return { paths: bestAllowedPaths(logProbs, batch.mask, options.constraints) };
        } finally {
          logProbs.dispose();
        }
      }
      const z = logits.dataSync(); // [B·T·K]
      const m = batch.mask?.dataSync(); // [B·T]
      const paths: number[][] = [];
      for (let b = 0; b < B; b++) {
        const path: number[] = [];
        for (let t = 0; t < T && (m === undefined || m[b * T + t] === 1); t++) {
          let best = 0;
          for (let k = 1; k < K; k++) if (z[(b * T + t) * K + k] > z[(b * T + t) * K + best]) best = k;
          path.push(best);
        }
        paths.push(path);
      }
      return { paths };
    } finally {
      logits.dispose();
    }
  }
}
