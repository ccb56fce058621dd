/**
 * The `Tagger` interface: what every sequence tagger of the course offers, so that the
 * training loop (tagging/train_tagger.ts), the checkpoints, the experiments and
 * `seqlab ner` work with any of them — and with a student's own.
 *
 * A tagger maps a padded batch of B sentences of T words to one score per tag, per word
 * (the emissions e [B, T, K]); its `loss` is the training objective and `decode` the best
 * tag ids of each sentence. The three of the lecture:
 *
 * | tagger                                 | scores of a sentence y_1..y_L          | loss (per sentence, mean over the batch)  | decode               |
 * | -------------------------------------- | -------------------------------------- | ----------------------------------------- | -------------------- |
 * | LSTM (lstm_tagger.ts)                  | ŷ_t = softmax(U h_t + b̂), h_t = →h_t   | −Σ_t log ŷ_t[y_t]                         | argmax_k ŷ_t[k]      |
 * | biLSTM (lstm_tagger.ts, bidirectional) | ŷ_t = softmax(U [→h_t, ←h_t] + b̂)      | −Σ_t log ŷ_t[y_t]                         | argmax_k ŷ_t[k]      |
 * | biLSTM-CRF (bilstm_crf.ts)             | e_t = U [→h_t, ←h_t] + b̂, CRF over e   | −log p(y | e) (ops/crf.ts)                | Viterbi              |
 *
 * Conventions every tagger follows:
 *   - right padding: `mask[b, t] = 1` for the L_b real words, 0 after; padded positions
 *     change neither the loss nor its gradient nor the decoded tags (test/ner-models.test.ts);
 *   - `batch.dropoutSeed` set means a training step: dropout (if the tagger has any) is
 *     applied with that seed, so a step is repeatable; absent, no dropout (evaluation);
 *   - `decode` returns, for each sentence, its L_b tag ids; with `constraints`
 *     (tagging/constraints.ts) only paths whose every transition is allowed are considered
 *     — the best valid path, by Viterbi, for the CRF and the softmax taggers alike.
 *
 * To add a tagger: a class with these four members (see lstm_tagger.ts for the smallest),
 * and a `kind` in tagging/tagger_config.ts so that checkpoints can rebuild it.
 */
import type * as tf from "@tensorflow/tfjs";

/** One batch of sentences for a tagger (ner/batches.ts `nerBatchTensors` makes one). */
export interface TaggerBatch {
  /** int32 [B, T] word ids. */
  words: tf.Tensor2D;
  /** [B, T] right padding, 1 for real words; mask[b, 0] = 1. Default: every word real. */
  mask?: tf.Tensor2D;
  /** int32 [B, T] gold tag ids in [0, K) (any valid id at padded positions); needed by `loss` only. */
  tags?: tf.Tensor2D;
  /** int32 [B, T, C] character ids, 0 = padding; required when the tagger has char features, else not allowed. */
  chars?: tf.Tensor3D;
  /** int32 [B, T] capitalisation classes (ner/batches.ts `capsOf`, 0 = padding); required when the tagger has a caps embedding, else not allowed. */
  caps?: tf.Tensor2D;
  /** A training step: apply the tagger's dropout with this seed (an integer). Default: none (no dropout). */
  dropoutSeed?: number;
}

/**
 * Allowed transitions as additive scores: 0 where allowed, −∞ where not (tagging/constraints.ts
 * builds them from a tag set). A path's score plus these is −∞ exactly when the path is invalid.
 */
export interface TransitionConstraints {
  /** K. */
  numTags: number;
  /** [K]: 0 if a sentence may start with tag k, else −∞. */
  start: Float32Array;
  /** [K]: 0 if a sentence may end with tag k, else −∞. */
  end: Float32Array;
  /** [K·K], row-major: transitions[i·K + j] = 0 if tag j may follow tag i, else −∞. */
  transitions: Float32Array;
}

/** Options of `Tagger.decode`. */
export interface DecodeOptions {
  /** Consider only paths these allow (−∞ transitions). Default: none (any path). */
  constraints?: TransitionConstraints;
}

/** What a tagger returns from `decode`. */
export interface DecodeResult {
  /** B paths: path b holds the L_b tag ids of sentence b's real words. */
  paths: number[][];
}

/** A sequence tagger (see the file comment). */
export interface Tagger {
  /** Every trainable variable, each once, in a fixed order (checkpoints store them in it). */
  readonly weights: tf.Variable[];
  /**
   * The score of every tag at every word.
   * @param batch - words [B, T], mask, chars (if the tagger has char features), dropoutSeed.
   * @returns [B, T, K].
   */
  emissions(batch: TaggerBatch): tf.Tensor3D;
  /**
   * The training loss, ≥ 0: the negative log-likelihood of the gold tags of each sentence,
   * averaged over the B sentences.
   * @param batch - words, mask, tags (required), chars, dropoutSeed.
   * @returns [].
   */
  loss(batch: TaggerBatch): tf.Scalar;
  /**
   * The predicted tag ids of each sentence's real words.
   * @param batch - words, mask, chars (tags and dropoutSeed are ignored).
   * @param options - constraints (default: none).
   */
  decode(batch: TaggerBatch, options?: DecodeOptions): DecodeResult;
}
