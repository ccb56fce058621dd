/**
 * Character features of a word (Lample et al. 2016 §4.1): a bidirectional LSTM reads
 * each word's characters, and the word's feature vector concatenates the forward LSTM's
 * final hidden state (after the last character) with the backward LSTM's (after reading
 * back to the first character). It sees prefixes, suffixes and capitalisation, so words
 * never seen in training still get a useful representation.
 *
 * For the characters c_1..c_n of one word (n ≤ C):
 *
 *     x_j  = E_char[c_j]                              [Ec]
 *     →h_n = LSTM_fwd(x_1..x_n),  ←h_1 = LSTM_bwd(x_n..x_1)
 *     f    = [→h_n, ←h_1]                             [2Hc]
 *
 * All words of a batch run together: chars [B, T, C] becomes a batch of B·T character
 * sequences [B·T, C, Ec] for `Bidirectional` (rnn/bidirectional.ts) over two `LstmCell`s,
 * so it uses the same sequence ops (and the same engine) as the word-level LSTM.
 *
 * Character id 0 is padding: chars[b, t, j] = 0 after the word's last character, and a
 * padded word position is all zeros (its features are then 0). Lample et al. use
 * Ec = 25 and Hc = 25 per direction.
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { Bidirectional } from "../rnn/bidirectional.js";
import { cellSequence } from "../rnn/cell_sequence.js";
import { checkSize, uniformVariable } from "../rnn/init.js";
import { LstmCell } from "../rnn/lstm.js";

/** Options of `CharEncoder`. */
export interface CharEncoderOptions {
  /** Number of character ids, padding id 0 included. */
  alphabetSize: number;
  /** Ec, the character embedding size. Default: 25 (Lample et al. 2016). */
  embeddingSize?: number;
  /** Hc, the hidden size of each direction. Default: 25 (Lample et al. 2016). */
  hiddenSize?: number;
}

/** The character-level biLSTM word features (see the file comment). */
export class CharEncoder {
  /** [alphabetSize, Ec] character embeddings, ~ U(−0.1, 0.1). */
  readonly embedding: tf.Variable<tf.Rank.R2>;
  readonly bilstm: Bidirectional;
  /** 2Hc: the size of each word's feature vector. */
  readonly outputSize: number;
  readonly alphabetSize: number;

  constructor(options: CharEncoderOptions) {
    const Ec = options.embeddingSize ?? 25;
    const Hc = options.hiddenSize ?? 25;
    checkSize("CharEncoder", "alphabetSize", options.alphabetSize);
    checkSize("CharEncoder", "embeddingSize", Ec);
    checkSize("CharEncoder", "hiddenSize", Hc);
    this.alphabetSize = options.alphabetSize;
    this.embedding = uniformVariable([options.alphabetSize, Ec], 0.1) as tf.Variable<tf.Rank.R2>; // [alphabet, Ec]
    this.bilstm = new Bidirectional(new LstmCell(Ec, Hc), new LstmCell(Ec, Hc));
    this.outputSize = 2 * Hc;
  }

  /** The embedding, then the forward LSTM's W, b, then the backward LSTM's. */
  get weights(): tf.Variable[] {
    return [this.embedding, ...this.bilstm.weights];
  }

  /**
   * @param chars - int32 [B, T, C] character ids, 0 = padding (right-padded in each word).
   * @returns [B, T, 2Hc] one feature vector per word.
   */
  encode(chars: tf.Tensor3D): tf.Tensor3D {
    if (chars.rank !== 3) throw new ArgumentError(`CharEncoder.encode: expected chars of rank 3 [B, T, C], got shape [${chars.shape}]`);
    if (chars.dtype !== "int32") throw new ArgumentError(`CharEncoder.encode: expected chars of dtype int32, got ${chars.dtype}`);
    const [B, T, C] = chars.shape;
    return tf.tidy(() => {
      const flat = tf.reshape(chars, [B * T, C]) as tf.Tensor2D; // [B·T, C]
      const mask = tf.cast(tf.notEqual(flat, 0), "float32") as tf.Tensor2D; // [B·T, C]
      const x = tf.gather(this.embedding as tf.Tensor, flat) as tf.Tensor3D; // [B·T, C, Ec]
      // The two directions of `this.bilstm` (as its `run`, without concatenating the
      // per-character outputs, which are not used): only the final states are features.
      const [hFwd] = cellSequence(this.bilstm.forward, x, { mask }).finalState; // [B·T, Hc]: →h after the last character
      const [hBwd] = cellSequence(this.bilstm.backward, x, { mask, reverse: true }).finalState; // [B·T, Hc]: ←h after the first
      return tf.reshape(concatColumns([hFwd, hBwd]), [B, T, this.outputSize]) as tf.Tensor3D; // [B, T, 2Hc]
    });
  }
}

/**
 * [x_1 | x_2 | …]: the columns of [N, D_i] matrices side by side, [N, Σ D_i] (the same values
 * as `tf.concat(parts, 1)`), computed as the transpose of a concatenation of the
 * transposes. The gradient of a concat along the last axis is a split along it, which
 * the cpu and seqlab backends run as a strided Slice at ~1 µs per element (90 ms for the
 * [448, 150] features of a CoNLL batch); this way it is two transposes and a split along
 * the first axis (contiguous), ~50× faster.
 * @param parts - [N, D_i] each.
 * @returns [N, Σ D_i].
 */
export function concatColumns(parts: tf.Tensor2D[]): tf.Tensor2D {
  return tf.tidy(() => tf.transpose(tf.concat(parts.map((x) => tf.transpose(x)), 0)) as tf.Tensor2D); // [N, Σ D_i]
}
