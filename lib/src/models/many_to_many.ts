/**
 * Aligned many-to-many: one output per input step — part-of-speech tagging, NER, the
 * copy task. With a `Bidirectional` layer each output sees the whole sentence.
 *
 *     h_1..h_T = layer(x_1..x_T)      [B, T, H]
 *     y_t = h_t U + b̂               [B, T, K]
 *     loss = − Σ_{b,t} m_{bt} log softmax(y_{bt})[tag_{bt}] / Σ m   (m = targetMask)
 *
 * The input mask (right padding) goes to the layer; the target mask chooses the steps the
 * loss counts (the copy task scores only its recall steps).
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import type { TaggingBatch } from "../data/tasks.js";
import { accuracy, softmaxCrossEntropy } from "../ops/softmax_cross_entropy.js";
import type { SequenceLayer } from "../rnn/layer.js";
import { Linear, toLayer, type EncoderSpec, type Trainable } from "./common.js";

/** Options of `SequenceTagger`. */
export interface SequenceTaggerOptions {
  /** The recurrent part: `{ kind, inputSize, hiddenSize }`, a `RecurrentCell` or a `SequenceLayer`. */
  encoder: EncoderSpec;
  /** K tags. */
  numTags: number;
}

/** A sequence tagger (see the file comment). */
export class SequenceTagger implements Trainable<TaggingBatch> {
  readonly encoder: SequenceLayer;
  readonly out: Linear;

  constructor(options: SequenceTaggerOptions) {
    if (!Number.isInteger(options.numTags) || options.numTags < 2) {
      throw new ArgumentError(`SequenceTagger: expected numTags an integer ≥ 2, got ${options.numTags}`);
    }
    this.encoder = toLayer(options.encoder);
    this.out = new Linear(this.encoder.outputSize, options.numTags);
  }

  /** The layer's weights, then U [H, K], bHat [K]. */
  get weights(): tf.Variable[] {
    return [...this.encoder.weights, ...this.out.weights];
  }

  /**
   * @param inputs - [B, T, D].
   * @param mask - optional [B, T] right padding. Default: all steps real.
   * @returns [B, T, K] logits (at padded steps h_t = 0, so the logits there are `bHat`).
   */
  predict(inputs: tf.Tensor3D, mask?: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const { outputs } = this.encoder.run(inputs, { mask }); // [B, T, H]
      return this.out.applySequence(outputs); // [B, T, K]
    });
  }

  /**
   * The most likely tag at each step.
   * @returns int32 [B, T].
   */
  tag(inputs: tf.Tensor3D, mask?: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.argMax(this.predict(inputs, mask), 2) as tf.Tensor2D); // [B, T]
  }

  /** @returns the masked mean cross-entropy over the steps of `batch.targetMask`. */
  loss(batch: TaggingBatch): tf.Scalar {
    return tf.tidy(() => softmaxCrossEntropy(this.predict(batch.inputs, batch.mask), batch.targets, batch.targetMask));
  }

  /** Tag accuracy over the steps of `batch.targetMask`. */
  evaluate(batch: TaggingBatch): number {
    const logits = this.predict(batch.inputs, batch.mask);
    try {
      return accuracy(logits, batch.targets, batch.targetMask);
    } finally {
      logits.dispose();
    }
  }
}
