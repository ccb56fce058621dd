/**
 * The lecture's hybrid word/character LM: a word-level RNN LM whose input for a word that is
 * not in the vocabulary is computed from the word's spelling by a character LSTM, so a new
 * word is not just `<UNK>` (Luong & Manning 2016, "Achieving open vocabulary neural machine
 * translation with hybrid word-character models"; Kim et al. 2016, "Character-aware neural
 * language models").
 *
 * For input word w_t with characters c_1 … c_n (char ids of a character `Vocab`, 0 = padding):
 *
 *     u_t   = 1 if w_t is spelled: OOV (id <UNK>) with known characters, or, in training, an
 *             in-vocabulary word drawn with probability p ("treated as new"); else 0
 *     e_j   = Ec[c_j]                                          char embedding,   [Ec]
 *     h^c_n = LSTM_c(e_1 … e_n)                                 final h after c_n, [Hc]
 *     r_t   = h^c_n P + b_P                                     projection,       [E]
 *     x_t   = u_t · r_t + (1 − u_t) · E[w_t]                    input,            [E]
 *     h_t   = RNN_L(… RNN_1(x_t, h¹_{t-1}) …),  logits_t = h_t U + b̂             [vocabSize]
 *
 * The output layer predicts the word vocabulary only: an OOV target is `<UNK>` (as for the
 * plain LM, so perplexities compare). The word part IS an `RnnLm` (lm/rnn_lm.ts: the same
 * embedding, stacked cells and output layer, the same initialisation), so `p = 0` with no OOV
 * words gives exactly the plain LM. The char LSTM runs through `lstmSequence` with a mask for
 * the word lengths (its final state is the one after each word's last real character), so the
 * engine speeds it up.
 *
 * Initialisation (seeded by lib/src/random.ts's `setSeed`): the word part as `RnnLm`
 * (U(−initScale, initScale)); Ec ~ U(−initScale, initScale); LSTM_c as `LstmCell`'s default
 * (U(±1/√Hc), forget-gate bias 1); P Glorot uniform, b_P = 0 (models/common.ts's `Linear`).
 *
 * The model reads tensor batches (lm/hybrid/batches.ts): the B·T word ids and the N spelled
 * words only, so the char LSTM runs on N words, not B·T. The N spellings are stacked under
 * the B·T embeddings, [E[w]; r] of [B·T + N, E], and one gather picks each position's row
 * (`source`). The stream with the spellings is lm/hybrid/stream.ts; training and evaluation
 * are lm/hybrid/train.ts and lm/hybrid/evaluate.ts.
 */
import * as tf from "@tensorflow/tfjs";
import { PAD_ID } from "../../data/vocab.js";
import { ArgumentError } from "../../errors.js";
import { Linear } from "../../models/common.js";
import { lstmSequence, tidyResult } from "../../ops/sequence.js";
import { softmaxCrossEntropy } from "../../ops/softmax_cross_entropy.js";
import type { CellState } from "../../rnn/cell.js";
import { LstmCell } from "../../rnn/lstm.js";
import { nextSeed } from "../../random.js";
import { RnnLm, type RnnLmConfig } from "../rnn_lm.js";
import type { HybridTensorBatch } from "./batches.js";

/** The architecture of a `HybridLm`: an `RnnLmConfig` plus the character part. */
export interface HybridLmConfig extends RnnLmConfig {
  /** Number of character ids (a character `Vocab`'s size; id 0 is padding). */
  alphabetSize: number;
  /** Ec. Default: 25. */
  charEmbeddingSize?: number;
  /** Hc, the char LSTM's units. Default: 50. */
  charHiddenSize?: number;
}

/** The hybrid LM (see the file comment). */
export class HybridLm {
  /** The word-level part: embedding E, stacked cells, output layer. */
  readonly word: RnnLm;
  /** [A, Ec] the character embedding Ec. */
  readonly charEmbedding: tf.Variable<tf.Rank.R2>;
  /** LSTM_c: W [Hc+Ec, 4Hc], b [4Hc]. */
  readonly charLstm: LstmCell;
  /** P [Hc, E], b_P [E]. */
  readonly projection: Linear;
  readonly alphabetSize: number;

  /** @param config - the word LM's config (`RnnLmConfig` defaults) plus alphabetSize, charEmbeddingSize (25), charHiddenSize (50). */
  constructor(config: HybridLmConfig) {
    const { alphabetSize, charEmbeddingSize = 25, charHiddenSize = 50, ...wordConfig } = config;
    for (const [key, v] of Object.entries({ alphabetSize, charEmbeddingSize, charHiddenSize })) {
      if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`HybridLm: expected ${key} an integer ≥ 1, got ${v}`);
    }
    this.word = new RnnLm(wordConfig);
    this.alphabetSize = alphabetSize;
    const s = this.word.config.initScale;
    this.charEmbedding = tf.tidy(() => tf.variable(tf.randomUniform([alphabetSize, charEmbeddingSize], -s, s, "float32", nextSeed()))) as tf.Variable<tf.Rank.R2>; // [A, Ec]
    this.charLstm = new LstmCell(charEmbeddingSize, charHiddenSize);
    this.projection = new Linear(charHiddenSize, this.word.config.embeddingSize);
  }

  /** Word weights (`RnnLm.weights`), then Ec, the char LSTM's W, b, then P, b_P. */
  get weights(): tf.Variable[] {
    return [...this.word.weights, ...this.charWeights];
  }

  /** The character part only: Ec, W, b, P, b_P. */
  get charWeights(): tf.Variable[] {
    return [this.charEmbedding, ...this.charLstm.weights, ...this.projection.weights];
  }

  /** vocabSize, the word vocabulary size (for lm/generate.ts). */
  get vocabSize(): number {
    return this.word.config.vocabSize;
  }

  /** Zero states for B rows, one per word cell, bottom first. */
  zeroStates(B: number): CellState[] {
    return this.word.zeroStates(B);
  }

  /**
   * r = h^c_n P + b_P for each spelled word.
   * @param chars - int32 [N, C], right-padded with 0; every row has ≥ 1 character.
   * @returns [N, E].
   */
  spell(chars: tf.Tensor2D): tf.Tensor2D {
    if (chars.dtype !== "int32" || chars.rank !== 2) throw new ArgumentError(`HybridLm.spell: expected int32 chars [N, C], got ${chars.dtype} [${chars.shape}]`);
    return tf.tidy(() => {
      const mask = tf.cast(tf.notEqual(chars, PAD_ID), "float32") as tf.Tensor2D; // [N, C]
      const e = tf.gather(this.charEmbedding, chars) as unknown as tf.Tensor3D; // [N, C, Ec]
      const { finalState } = lstmSequence(e, { W: this.charLstm.W, b: this.charLstm.b }, { mask }); // [h, C], each [N, Hc]
      return this.projection.apply(finalState[0]); // [N, E]
    });
  }

  /**
   * The inputs x_t: embeddings, with the spelled positions replaced by their spellings.
   * @param batch - inputs [B, T], chars [N, C], source [B·T].
   * @returns [B, T, E].
   */
  represent(batch: HybridTensorBatch): tf.Tensor3D {
    const [B, T] = batch.inputs.shape;
    return tf.tidy(() => {
      const E = this.word.config.embeddingSize;
      const emb = tf.reshape(tf.gather(this.word.embedding, batch.inputs), [B * T, E]); // [B·T, E]
      if (batch.chars.shape[0] === 0) return tf.reshape(emb, [B, T, E]) as tf.Tensor3D;
      const table = tf.concat([emb, this.spell(batch.chars)], 0); // [B·T + N, E]
      return tf.reshape(tf.gather(table, batch.source), [B, T, E]) as tf.Tensor3D; // [B, T, E]
    });
  }

  /**
   * @param batch - a tensor batch (`hybridBatchTensors`).
   * @param initialStates - one state per word cell (default zeros).
   * @returns logits [B, T, vocabSize] and the final states.
   */
  forward(batch: HybridTensorBatch, initialStates?: CellState[]): { logits: tf.Tensor3D; finalStates: CellState[] } {
    if (batch.inputs.dtype !== "int32" || batch.inputs.rank !== 2) {
      throw new ArgumentError(`HybridLm.forward: expected int32 inputs of shape [B, T], got ${batch.inputs.dtype} [${batch.inputs.shape}]`);
    }
    return tidyResult(() => {
      const x = this.represent(batch); // [B, T, E]
      const { outputs, finalStates } = this.word.rnn.run(x, { initialStates, mask: batch.mask }); // [B, T, H]
      return { logits: this.word.output.applySequence(outputs), finalStates }; // [B, T, vocabSize]
    });
  }

  /**
   * Mean cross-entropy (nats) over the real positions ("k outputs").
   * @param batch - a tensor batch.
   * @param initialStates - default zeros.
   * @returns the scalar loss and the final states.
   */
  loss(batch: HybridTensorBatch, initialStates?: CellState[]): { loss: tf.Scalar; finalStates: CellState[] } {
    return tidyResult(() => {
      const { logits, finalStates } = this.forward(batch, initialStates); // [B, T, vocabSize]
      return { loss: softmaxCrossEntropy(logits, batch.targets, batch.mask), finalStates };
    });
  }

  /**
   * ln p(target | history) at every position (0 at padding).
   * @param batch - a tensor batch.
   * @param initialStates - default zeros.
   * @returns logProbs [B, T] and the final states.
   */
  logProbs(batch: HybridTensorBatch, initialStates?: CellState[]): { logProbs: tf.Tensor2D; finalStates: CellState[] } {
    return tidyResult(() => {
      const { logits, finalStates } = this.forward(batch, initialStates); // [B, T, vocabSize]
      const vocabSize = this.vocabSize;
      const picked = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(batch.targets, vocabSize)), 2) as tf.Tensor2D; // [B, T]
      return { logProbs: batch.mask === undefined ? picked : (tf.mul(picked, batch.mask) as tf.Tensor2D), finalStates };
    });
  }

  /** Frees the variables. */
  dispose(): void {
    tf.dispose(this.weights);
  }
}
