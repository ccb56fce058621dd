/**
 * The biLSTM-CRF tagger (Huang, Xu & Yu 2015; Lample et al. 2016), the standard neural
 * named-entity recogniser: word embeddings (optionally with character features), a
 * bidirectional LSTM that gives every word the context of the whole sentence, a linear
 * layer to one score per tag, and a CRF (ops/crf.ts) that scores whole tag sequences.
 *
 *     x_t = [E_word[w_t], f_t]                 [B, T, E (+2Hc)]   f_t: char features (char_encoder.ts)
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
 * direction, Ec = Hc = 25. Their dropout (0.5 on the LSTM input) and pretrained embeddings
 * are not part of this class.
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { Crf, type ViterbiResult } from "../ops/crf.js";
import { Bidirectional } from "../rnn/bidirectional.js";
import { cellSequence } from "../rnn/cell_sequence.js";
import { checkSize, uniformVariable } from "../rnn/init.js";
import { LstmCell } from "../rnn/lstm.js";
import { Linear, type Trainable } from "../models/common.js";
import { CharEncoder, concatColumns, type CharEncoderOptions } from "./char_encoder.js";

/** One batch of sentences for `BiLstmCrfTagger`. */
export interface TaggerBatch {
  /** int32 [B, T] word ids. */
  words: tf.Tensor2D;
  /** [B, T] right padding, 1 for real words; mask[b, 0] = 1. Default: every word real. */
  mask?: tf.Tensor2D;
  /** int32 [B, T] gold tag ids in [0, K) (any valid id at padded positions); needed by `loss` only. */
  tags?: tf.Tensor2D;
  /** int32 [B, T, C] character ids, 0 = padding; required when the tagger has char features, else not allowed. */
  chars?: tf.Tensor3D;
}

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
}

/** The biLSTM-CRF tagger (see the file comment). */
export class BiLstmCrfTagger implements Trainable<TaggerBatch> {
  /** [V, E] word embeddings, ~ U(−0.1, 0.1). */
  readonly embedding: tf.Variable<tf.Rank.R2>;
  /** The character features, when enabled. */
  readonly charEncoder?: CharEncoder;
  /** Word-level biLSTM, [E (+2Hc) → 2H]. */
  readonly bilstm: Bidirectional;
  /** [2H → K] emissions. */
  readonly out: Linear;
  readonly crf: Crf;

  constructor(options: BiLstmCrfTaggerOptions) {
    const E = options.embeddingSize ?? 100;
    const H = options.hiddenSize ?? 100;
    checkSize("BiLstmCrfTagger", "vocabularySize", options.vocabularySize);
    checkSize("BiLstmCrfTagger", "numTags", options.numTags);
    checkSize("BiLstmCrfTagger", "embeddingSize", E);
    checkSize("BiLstmCrfTagger", "hiddenSize", H);
    this.embedding = uniformVariable([options.vocabularySize, E], 0.1) as tf.Variable<tf.Rank.R2>; // [V, E]
    this.charEncoder = options.chars === undefined ? undefined : new CharEncoder(options.chars);
    const D = E + (this.charEncoder?.outputSize ?? 0);
    this.bilstm = new Bidirectional(new LstmCell(D, H), new LstmCell(D, H));
    this.out = new Linear(2 * H, options.numTags); // Wy [2H, K], by [K]
    this.crf = new Crf(options.numTags);
  }

  /** Word embedding, char encoder (if any), biLSTM, linear layer, CRF (start, end, transitions). */
  get weights(): tf.Variable[] {
    return [this.embedding, ...(this.charEncoder?.weights ?? []), ...this.bilstm.weights, ...this.out.weights, ...this.crf.weights];
  }

  /**
   * The emission scores of every tag at every word.
   * @param batch - words [B, T], mask [B, T], chars [B, T, C] when enabled.
   * @returns [B, T, K].
   */
  emissions(batch: TaggerBatch): tf.Tensor3D {
    const { words, mask, chars } = batch;
    if (words.rank !== 2 || words.dtype !== "int32") {
      throw new ArgumentError(`BiLstmCrfTagger: expected words int32 [B, T], got ${words.dtype} [${words.shape}]`);
    }
    const [B, T] = words.shape;
    if (this.charEncoder !== undefined && chars === undefined) {
      throw new ArgumentError("BiLstmCrfTagger: expected batch.chars (the tagger has char features), got none");
    }
    if (this.charEncoder === undefined && chars !== undefined) {
      throw new ArgumentError(`BiLstmCrfTagger: expected no batch.chars (the tagger has no char features), got [${chars.shape}]`);
    }
    if (chars !== undefined && (chars.rank !== 3 || chars.shape[0] !== B || chars.shape[1] !== T)) {
      throw new ArgumentError(`BiLstmCrfTagger: expected chars of shape [${B}, ${T}, C], got [${chars.shape}]`);
    }
    return tf.tidy(() => {
      let x = tf.gather(this.embedding as tf.Tensor, words) as tf.Tensor3D; // [B, T, E]
      if (this.charEncoder !== undefined && chars !== undefined) {
        const f = this.charEncoder.encode(chars); // [B, T, 2Hc]
        const D = x.shape[2] + f.shape[2];
        x = tf.reshape(concatColumns([tf.reshape(x, [B * T, -1]), tf.reshape(f, [B * T, -1])]), [B, T, D]); // [B, T, E+2Hc]
      }
      // The biLSTM's two directions (what `this.bilstm.run` computes), each projected by its
      // half of U: [→h_t, ←h_t] U = →h_t U[0:H] + ←h_t U[H:2H] (see the file comment).
      const H = this.bilstm.forward.hiddenSize;
      const K = this.out.U.shape[1];
      const rows = (h: tf.Tensor3D) => tf.reshape(h, [B * T, H]) as tf.Tensor2D; // [B·T, H]
      const fwd = cellSequence(this.bilstm.forward, x, { mask }).outputs; // [B, T, H]: →h
      const bwd = cellSequence(this.bilstm.backward, x, { mask, reverse: true }).outputs; // [B, T, H]: ←h
      const Uf = tf.slice(this.out.U, [0, 0], [H, K]); // [H, K]: rows of U that multiply →h
      const Ub = tf.slice(this.out.U, [H, 0], [H, K]); // [H, K]: rows of U that multiply ←h
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
   * The best tag path of each sentence (Viterbi).
   * @param batch - words, mask, chars (tags are ignored).
   * @returns paths (one array of L_b tag ids per sentence), lengths [B], scores [B].
   */
  decode(batch: TaggerBatch): ViterbiResult {
    const emissions = this.emissions(batch); // [B, T, K]
    try {
      return this.crf.decode(emissions, batch.mask);
    } finally {
      emissions.dispose();
    }
  }
}
