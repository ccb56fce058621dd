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
 * The words of a batch run together: chars [B, T, C] becomes batches of character
 * sequences [n_k, L_k, Ec] for the two `LstmCell`s of a `Bidirectional` (rnn/bidirectional.ts),
 * so it uses the same sequence ops (and the same engine) as the word-level LSTM. The words
 * are grouped by length into a few buckets, each run only as long as its longest word
 * (`lengthBuckets`), as PyTorch's packed sequences skip padding; masks handle the shorter
 * words of a bucket, exactly as they handle every word when all run to C.
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
    const N = B * T;
    const ids = chars.dataSync() as Int32Array; // [B·T·C]
    const buckets = lengthBuckets(ids, N, C, BUCKETS);
    return tf.tidy(() => {
      const parts: tf.Tensor2D[] = []; // [n_k, 2Hc] per bucket, in bucket order
      const order: number[] = []; // word index of each row of the parts
      for (const { words, L } of buckets) {
        if (L === 0) {
          parts.push(tf.zeros([words.length, this.outputSize])); // words without characters: h stays h_0 = 0
        } else {
          const rows = new Int32Array(words.length * L); // [n_k, L]: the words' first L character ids
          words.forEach((n, i) => rows.set(ids.subarray(n * C, n * C + L), i * L));
          const idsK = tf.tensor2d(rows, [words.length, L], "int32"); // [n_k, L]
          const mask = tf.cast(tf.notEqual(idsK, 0), "float32") as tf.Tensor2D; // [n_k, L]
          const x = tf.gather(this.embedding as tf.Tensor, idsK) as tf.Tensor3D; // [n_k, L, Ec]
          // The two directions of `this.bilstm` (as its `run`, without concatenating the
          // per-character outputs, which are not used): only the final states are features.
          const [hFwd] = cellSequence(this.bilstm.forward, x, { mask }).finalState; // [n_k, Hc]: →h after the last character
          const [hBwd] = cellSequence(this.bilstm.backward, x, { mask, reverse: true }).finalState; // [n_k, Hc]: ←h after the first
          parts.push(concatColumns([hFwd, hBwd])); // [n_k, 2Hc]
        }
        order.push(...words);
      }
      const rowOf = new Int32Array(N); // rowOf[n] = the row of word n in the parts
      order.forEach((n, r) => (rowOf[n] = r));
      const features = tf.gather(tf.concat(parts, 0), tf.tensor1d(rowOf, "int32")); // [B·T, 2Hc] in word order
      return tf.reshape(features, [B, T, this.outputSize]) as tf.Tensor3D; // [B, T, 2Hc]
    });
  }
}

/**
 * How many groups of word lengths `CharEncoder.encode` runs separately. At CoNLL size
 * (bench/workloads/tagger.ts --chars: 448 words of 1..10 characters, C = 10) 4 buckets run
 * 6.3 character steps per word instead of 10 and cut the step's CPU time by ~19 % (32.6
 * vs 40.4 ms, mean of 3 runs with one OpenBLAS thread); more buckets add more small
 * kernel calls than they save.
 */
const BUCKETS = 4;

/**
 * Groups the words by length (the position after their last non-zero character id) into
 * at most `count` buckets of equal width in [1, C], plus one of the words without
 * characters (L = 0); each bucket's L is the longest of its words.
 */
function lengthBuckets(ids: Int32Array, N: number, C: number, count: number): { words: number[]; L: number }[] {
  const byBucket = new Map<number, { words: number[]; L: number }>();
  for (let n = 0; n < N; n++) {
    let L = 0;
    for (let c = 0; c < C; c++) if (ids[n * C + c] !== 0) L = c + 1;
    const k = L === 0 ? -1 : Math.ceil((L * count) / C);
    const bucket = byBucket.get(k) ?? { words: [], L: 0 };
    bucket.words.push(n);
    bucket.L = Math.max(bucket.L, L);
    byBucket.set(k, bucket);
  }
  return [...byBucket.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
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
