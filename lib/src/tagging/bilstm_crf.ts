/**
 * The biLSTM-CRF tagger (Huang, Xu & Yu 2015; Lample et al. 2016), the standard neural
 * named-entity recogniser: word embeddings (optionally with character features), a
 * bidirectional LSTM that gives every word the context of the whole sentence, a linear
 * layer to one score per tag, and a CRF (ops/crf.ts) that scores whole tag sequences.
 *
 *     x_t = [E_word[w_t], E_caps[c_t], f_t]    [B, T, D]   c_t: capitalisation class, f_t: char features (word_inputs.ts)
 *     h_t = [→h_t, ←h_t] = biLSTM(x)_t         [B, T, 2H]
 *     e_t = h_t U + b̂ = →h_t U[0:H] + ←h_t U[H:2H] + b̂      [B, T, K]   emissions
 *     loss = −(1/B) Σ_b log p(y_b | e_b)       []                 CRF negative mean log-likelihood
 *     ŷ = Viterbi(e)                           best tag path of each sentence
 *
 * The biLSTM is `Bidirectional` over two `LstmCell`s (rnn/bidirectional.ts), i.e. the
 * library's `lstmSequence`, so whatever engine speeds up the sequence ops speeds up the
 * tagger; the CRF runs on the engine too (ops/crf_fused.ts). Each direction is projected
 * by its half of U rather than concatenated first (the second form of e_t), and the char
 * features are joined to the word embeddings by `concatColumns`: on the cpu and seqlab
 * backends the gradient of a concat along the last axis (a strided split) cost more than
 * the rest of a training step (test/tagger-emissions.test.ts checks both forms agree).
 * Sizes of Lample et al. (2016) for English CoNLL-2003: E = 100, H = 100 per
 * direction, Ec = Hc = 25, and dropout 0.5 on the LSTM input x_t (`dropout`, applied in a
 * training step: tagging/word_inputs.ts). Their pretrained embeddings are not part of this
 * class. It is one of the course's taggers (the `Tagger` interface, tagging/tagger.ts);
 * `decode` can be constrained to valid transitions (tagging/constraints.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { Crf, viterbiDecode, type ViterbiResult } from "../ops/crf.js";
import { Bidirectional } from "../rnn/bidirectional.js";
import { cellSequence } from "../rnn/cell_sequence.js";
import { checkSize, uniformVariable } from "../rnn/init.js";
import { LstmCell } from "../rnn/lstm.js";
import { Linear, type Trainable } from "../models/common.js";
import { CharEncoder, type CharEncoderOptions } from "./char_encoder.js";
import { constrainCrfParams } from "./constraints.js";
import type { DecodeOptions, Tagger, TaggerBatch } from "./tagger.js";
import { checkDropout, checkTaggerBatch, wordInputs } from "./word_inputs.js";
import { CAPS_SIZE } from "../ner/batches.js";

export type { TaggerBatch };

/** Options of `BiLstmCrfTagger`. */
export interface BiLstmCrfTaggerOptions {
  /** V, the number of word ids. */
  vocabularySize: number;
  /** K, the number of tags. */
  numTags: number;
  /** E, the word embedding size. Default: 100. */
  embeddingSize?: number;
  /** H, the LSTM hidden size of each direction. Default: 100. */
  hiddenSize?: number;
  /** Character features (char_encoder.ts) with these sizes. Default: none. */
  chars?: CharEncoderOptions;
  /** Capitalisation classes (ner/batches.ts `capsOf`) embedded in Ecaps = embeddingSize dimensions (word_inputs.ts). Default: none. */
  caps?: { embeddingSize: number };
  /** Dropout probability on the biLSTM's input in a training step (tagging/word_inputs.ts). Default: 0. */
  dropout?: number;
}

/** The biLSTM-CRF tagger (see the file comment). */
export class BiLstmCrfTagger implements Trainable<TaggerBatch>, Tagger {
  /** [V, E] word embeddings, ~ U(−0.1, 0.1). */
  readonly embedding: tf.Variable<tf.Rank.R2>;
  /** [CAPS_SIZE, Ecaps] capitalisation-class embeddings, ~ U(−0.1, 0.1), when enabled. */
  readonly capsEmbedding?: tf.Variable<tf.Rank.R2>;
  /** The character features, when enabled. */
  readonly charEncoder?: CharEncoder;
  /** Word-level biLSTM, [E (+2Hc) → 2H]. */
  readonly bilstm: Bidirectional;
  /** [2H → K] emissions. */
  readonly out: Linear;
  readonly crf: Crf;
  /** Dropout probability on x_t in a training step. */
  readonly dropout: number;

  constructor(options: BiLstmCrfTaggerOptions) {
    const E = options.embeddingSize ?? 100;
    const H = options.hiddenSize ?? 100;
    checkSize("BiLstmCrfTagger", "vocabularySize", options.vocabularySize);
    checkSize("BiLstmCrfTagger", "numTags", options.numTags);
    checkSize("BiLstmCrfTagger", "embeddingSize", E);
    checkSize("BiLstmCrfTagger", "hiddenSize", H);
    this.dropout = checkDropout("BiLstmCrfTagger", options.dropout);
    this.embedding = uniformVariable([options.vocabularySize, E], 0.1) as tf.Variable<tf.Rank.R2>; // [V, E]
    if (options.caps !== undefined) {
      checkSize("BiLstmCrfTagger", "caps.embeddingSize", options.caps.embeddingSize);
      this.capsEmbedding = uniformVariable([CAPS_SIZE, options.caps.embeddingSize], 0.1) as tf.Variable<tf.Rank.R2>; // [CAPS_SIZE, Ecaps]
    }
    this.charEncoder = options.chars === undefined ? undefined : new CharEncoder(options.chars);
    const D = E + (options.caps?.embeddingSize ?? 0) + (this.charEncoder?.outputSize ?? 0);
    this.bilstm = new Bidirectional(new LstmCell(D, H), new LstmCell(D, H));
    this.out = new Linear(2 * H, options.numTags); // Wy [2H, K], by [K]
    this.crf = new Crf(options.numTags);
  }

  /** Word embedding, caps embedding (if any), char encoder (if any), biLSTM, linear layer, CRF (start, end, transitions). */
  get weights(): tf.Variable[] {
    return [this.embedding, ...(this.capsEmbedding === undefined ? [] : [this.capsEmbedding]), ...(this.charEncoder?.weights ?? []), ...this.bilstm.weights, ...this.out.weights, ...this.crf.weights];
  }

  /**
   * The emission scores of every tag at every word.
   * @param batch - words [B, T], mask [B, T], chars [B, T, C] when enabled, dropoutSeed in a training step.
   * @returns [B, T, K].
   */
  emissions(batch: TaggerBatch): tf.Tensor3D {
    const { mask } = batch;
    const [B, T] = checkTaggerBatch("BiLstmCrfTagger", batch, this);
    return tf.tidy(() => {
      const x = wordInputs(this, batch, this.dropout); // [B, T, E (+2Hc)], dropout in training
      // The biLSTM's two directions (what `this.bilstm.run` computes), each projected by its
      // half of U: [→h_t, ←h_t] U = →h_t U[0:H] + ←h_t U[H:2H] (see the file comment).
      const H = this.bilstm.forward.hiddenSize;
      const K = this.out.U.shape[1];
      const rows = (h: tf.Tensor3D) => tf.reshape(h, [B * T, H]) as tf.Tensor2D; // [B·T, H]
      const fwd = cellSequence(this.bilstm.forward, x, { mask }).outputs; // [B, T, H]: →h
      const bwd = cellSequence(this.bilstm.backward, x, { mask, reverse: true }).outputs; // [B, T, H]: ←h
      const [Uf, Ub] = tf.unstack(tf.reshape(this.out.U, [2, H, K])) as tf.Tensor2D[]; // [H, K] each: the rows of U that multiply →h, ←h
      const e = tf.add(tf.add(tf.matMul(rows(fwd), Uf), tf.matMul(rows(bwd), Ub)), this.out.bHat); // [B·T, K]
      return tf.reshape(e, [B, T, K]) as tf.Tensor3D; // [B, T, K]
    });
  }

  /**
   * The negative mean log-likelihood of the gold tags, −(1/B) Σ_b log p(y_b | e_b) ≥ 0.
   * @param batch - words, mask, tags (required), chars.
   * @returns [].
   */
  loss(batch: TaggerBatch): tf.Scalar {
    const { tags, mask } = batch;
    if (tags === undefined) throw new ArgumentError("BiLstmCrfTagger.loss: expected batch.tags, got none");
    return tf.tidy(() => tf.neg(this.crf.logLikelihood(this.emissions(batch), tags, { mask, reduction: "mean" })));
  }

  /**
   * The best tag path of each sentence (Viterbi), or the best valid one with constraints.
   * @param batch - words, mask, chars (tags and dropoutSeed are ignored).
   * @param options - constraints (tagging/constraints.ts). Default: none.
   * @returns paths (one array of L_b tag ids per sentence), lengths [B], scores [B] (with the constraints' 0s added).
   */
  decode(batch: TaggerBatch, options: DecodeOptions = {}): ViterbiResult {
    const emissions = this.emissions({ ...batch, dropoutSeed: undefined }); // [B, T, K]
    const params = options.constraints === undefined ? null : constrainCrfParams(this.crf.params, options.constraints);
    try {
      return params === null ? this.crf.decode(emissions, batch.mask) : viterbiDecode(emissions, params, batch.mask);
    } finally {
      emissions.dispose();
      if (params !== null) tf.dispose([params.start, params.end, params.transitions]);
    }
  }
}
