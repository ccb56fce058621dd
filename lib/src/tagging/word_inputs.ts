/**
 * The input layer the taggers share: each word becomes the vector its recurrent layer reads,
 *
 *     x_t = dropout([E_word[w_t], f_t])        [B, T, E (+2Hc)]
 *
 * where E_word [V, E] are the word embeddings, f_t the word's character features
 * (char_encoder.ts, Lample et al. 2016 §4.1) when the tagger has them, and dropout
 * (Srivastava et al. 2014) zeroes each component with probability p and scales the others
 * by 1/(1 − p) — only in a training step (`batch.dropoutSeed` set; tagging/tagger.ts).
 * Lample et al. apply it here, "to the final embedding layer just before the input to the
 * bidirectional LSTM", with p = 0.5.
 *
 * The char features are joined to the word embeddings by `concatColumns` (char_encoder.ts),
 * not `tf.concat` along the last axis, whose gradient is slow on the cpu and seqlab backends.
 * Padded positions get x_t too (the embedding of `<PAD>` = id 0); the recurrent layers'
 * masks keep them out of everything real.
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { concatColumns, type CharEncoder } from "./char_encoder.js";
import type { TaggerBatch } from "./tagger.js";

/**
 * Checks a batch against a tagger's features: words int32 [B, T]; chars [B, T, C] exactly
 * when the tagger has a char encoder; a dropout seed that is an integer.
 * @param where - the tagger's name for messages.
 * @param batch - the batch.
 * @param hasChars - whether the tagger has char features.
 * @returns [B, T].
 * @throws ArgumentError "WHERE: expected …, got …".
 */
export function checkTaggerBatch(where: string, batch: TaggerBatch, hasChars: boolean): [number, number] {
  const { words, chars } = batch;
  if (words.rank !== 2 || words.dtype !== "int32") {
    throw new ArgumentError(`${where}: expected words int32 [B, T], got ${words.dtype} [${words.shape}]`);
  }
  const [B, T] = words.shape;
  if (hasChars && chars === undefined) throw new ArgumentError(`${where}: expected batch.chars (the tagger has char features), got none`);
  if (!hasChars && chars !== undefined) throw new ArgumentError(`${where}: expected no batch.chars (the tagger has no char features), got [${chars.shape}]`);
  if (chars !== undefined && (chars.rank !== 3 || chars.shape[0] !== B || chars.shape[1] !== T)) {
    throw new ArgumentError(`${where}: expected chars of shape [${B}, ${T}, C], got [${chars.shape}]`);
  }
  if (batch.dropoutSeed !== undefined && !Number.isInteger(batch.dropoutSeed)) {
    throw new ArgumentError(`${where}: expected dropoutSeed an integer, got ${batch.dropoutSeed}`);
  }
  return [B, T];
}

/**
 * x = dropout([E_word[w], f]) (see the file comment).
 * @param embedding - E_word [V, E].
 * @param charEncoder - the char features, or undefined.
 * @param batch - words [B, T], chars [B, T, C] with a char encoder, dropoutSeed in training.
 * @param dropout - p in [0, 1); 0 = none.
 * @returns [B, T, E (+2Hc)].
 */
export function wordInputs(embedding: tf.Tensor2D, charEncoder: CharEncoder | undefined, batch: TaggerBatch, dropout: number): tf.Tensor3D {
  const { words, chars, dropoutSeed } = batch;
  const [B, T] = words.shape;
  return tf.tidy(() => {
    let x = tf.gather(embedding as tf.Tensor, words) as tf.Tensor3D; // [B, T, E]
    if (charEncoder !== undefined && chars !== undefined) {
      const f = charEncoder.encode(chars); // [B, T, 2Hc]
      const D = x.shape[2] + f.shape[2];
      x = tf.reshape(concatColumns([tf.reshape(x, [B * T, -1]), tf.reshape(f, [B * T, -1])]), [B, T, D]); // [B, T, E+2Hc]
    }
    if (dropout > 0 && dropoutSeed !== undefined) x = tf.dropout(x, dropout, undefined, dropoutSeed) as tf.Tensor3D; // [B, T, D]
    return x;
  });
}

/**
 * Checks a dropout probability.
 * @param where - the tagger's name for messages.
 * @param p - the value given (undefined: the default 0).
 * @returns p, in [0, 1).
 */
export function checkDropout(where: string, p: number | undefined): number {
  const value = p ?? 0;
  if (!(typeof value === "number" && value >= 0 && value < 1)) throw new ArgumentError(`${where}: expected dropout a probability in [0, 1), got ${value}`);
  return value;
}
