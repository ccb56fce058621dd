/**
 * The input layer the taggers share: each word becomes the vector its recurrent layer reads,
 *
 *     x_t = dropout([E_word[w_t], E_caps[c_t], f_t])        [B, T, E (+Ecaps) (+2Hc)]
 *
 * where E_word [V, E] are the word embeddings, E_caps [6, Ecaps] the embeddings of the
 * word's capitalisation class c_t (ner/batches.ts `capsOf`: the case that lower-cased word
 * ids lose; Collobert et al. 2011 §3.5) when the tagger has them, f_t the word's character
 * features (char_encoder.ts, Lample et al. 2016 §4.1) when the tagger has them, and dropout
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

/** The input layer's weights, as the taggers hold them. */
export interface WordInputLayer {
  /** E_word [V, E]. */
  readonly embedding: tf.Variable<tf.Rank.R2>;
  /** E_caps [CAPS_SIZE, Ecaps] (ner/batches.ts), when the tagger reads capitalisation classes. */
  readonly capsEmbedding?: tf.Variable<tf.Rank.R2>;
  /** The char features, when the tagger has them. */
  readonly charEncoder?: CharEncoder;
}

/**
 * Checks a batch against a tagger's features: words int32 [B, T]; chars [B, T, C] exactly
 * when the tagger has a char encoder; caps int32 [B, T] exactly when it has a caps
 * embedding; a dropout seed that is an integer.
 * @param where - the tagger's name for messages.
 * @param batch - the batch.
 * @param layer - the tagger's input layer (which features it reads).
 * @returns [B, T].
 * @throws ArgumentError "WHERE: expected …, got …".
 */
export function checkTaggerBatch(where: string, batch: TaggerBatch, layer: WordInputLayer): [number, number] {
  const { words, chars, caps } = batch;
  const hasChars = layer.charEncoder !== undefined;
  if (words.rank !== 2 || words.dtype !== "int32") {
    throw new ArgumentError(`${where}: expected words int32 [B, T], got ${words.dtype} [${words.shape}]`);
  }
  const [B, T] = words.shape;
  if (hasChars && chars === undefined) throw new ArgumentError(`${where}: expected batch.chars (the tagger has char features), got none`);
  if (!hasChars && chars !== undefined) throw new ArgumentError(`${where}: expected no batch.chars (the tagger has no char features), got [${chars.shape}]`);
  if (chars !== undefined && (chars.rank !== 3 || chars.shape[0] !== B || chars.shape[1] !== T)) {
    throw new ArgumentError(`${where}: expected chars of shape [${B}, ${T}, C], got [${chars.shape}]`);
  }
  const hasCaps = layer.capsEmbedding !== undefined;
  if (hasCaps && caps === undefined) throw new ArgumentError(`${where}: expected batch.caps (the tagger reads capitalisation classes), got none`);
  if (!hasCaps && caps !== undefined) throw new ArgumentError(`${where}: expected no batch.caps (the tagger has no caps embedding), got [${caps.shape}]`);
  if (caps !== undefined && (caps.rank !== 2 || caps.dtype !== "int32" || caps.shape[0] !== B || caps.shape[1] !== T)) {
    throw new ArgumentError(`${where}: expected caps int32 [${B}, ${T}], got ${caps.dtype} [${caps.shape}]`);
  }
  if (batch.dropoutSeed !== undefined && !Number.isInteger(batch.dropoutSeed)) {
    throw new ArgumentError(`${where}: expected dropoutSeed an integer, got ${batch.dropoutSeed}`);
  }
  return [B, T];
}

/**
 * x = dropout([E_word[w], E_caps[c], f]) (see the file comment).
 * @param layer - E_word, and E_caps and the char encoder when the tagger has them.
 * @param batch - words [B, T], caps [B, T] and chars [B, T, C] when the tagger reads them, dropoutSeed in training.
 * @param dropout - p in [0, 1); 0 = none.
 * @returns [B, T, E (+Ecaps) (+2Hc)].
 */
export function wordInputs(layer: WordInputLayer, batch: TaggerBatch, dropout: number): tf.Tensor3D {
  const { words, chars, caps, dropoutSeed } = batch;
  const [B, T] = words.shape;
  return tf.tidy(() => {
    const rows = (t: tf.Tensor) => tf.reshape(t, [B * T, -1]) as tf.Tensor2D;
    const parts: tf.Tensor2D[] = [rows(tf.gather(layer.embedding as tf.Tensor, words))]; // [B·T, E]
    if (layer.capsEmbedding !== undefined && caps !== undefined) parts.push(rows(tf.gather(layer.capsEmbedding as tf.Tensor, caps))); // [B·T, Ecaps]
    if (layer.charEncoder !== undefined && chars !== undefined) parts.push(rows(layer.charEncoder.encode(chars))); // [B·T, 2Hc]
    const joined = parts.length === 1 ? parts[0] : concatColumns(parts); // [B·T, D]
    let x = tf.reshape(joined, [B, T, joined.shape[1]]) as tf.Tensor3D; // [B, T, D]
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
