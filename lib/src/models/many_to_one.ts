/**
 * Many-to-one: read a whole sequence, then classify (or regress) from the state after
 * its last real step — sentiment of a sentence, the adding problem.
 *
 *     h_1..h_T = layer(x_1..x_T)          [B, T, H]
 *     h = h_{len}  (each sequence's last real step, len = Σ_t mask_t)   [B, H]
 *     y = h U + b̂                        [B, K]
 *     loss = softmaxCrossEntropy(y, labels)  (classification)  or  mean (y − target)²  (regression)
 *
 * With a `Bidirectional` layer, h_{len} is [→h_len, ←h_len]: the backward half there has
 * read only the last token (use a forward layer, or a stack whose top is forward, to
 * summarise the whole sequence).
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import type { SequenceBatch } from "../data/tasks.js";
import { accuracy, softmaxCrossEntropy } from "../ops/softmax_cross_entropy.js";
import type { SequenceLayer } from "../rnn/layer.js";
import { lastStep, Linear, toLayer, type EncoderSpec, type Trainable } from "./common.js";

/** Options of `SequenceClassifier`. */
export interface SequenceClassifierOptions {
  /** The recurrent part: `{ kind, inputSize, hiddenSize }`, a `RecurrentCell` or a `SequenceLayer`. */
  encoder: EncoderSpec;
  /** K classes (classification) or O outputs (regression). */
  outputSize: number;
  /** The loss: cross-entropy over K classes, or mean squared error. Default: "classification". */
  objective?: "classification" | "regression";
}

/** A sequence classifier / regressor (see the file comment). */
export class SequenceClassifier implements Trainable<SequenceBatch> {
  readonly encoder: SequenceLayer;
  readonly out: Linear;
  readonly objective: "classification" | "regression";

  constructor(options: SequenceClassifierOptions) {
    if (!Number.isInteger(options.outputSize) || options.outputSize < 1) {
      throw new ArgumentError(`SequenceClassifier: expected outputSize an integer ≥ 1, got ${options.outputSize}`);
    }
    this.objective = options.objective ?? "classification";
    if (this.objective !== "classification" && this.objective !== "regression") {
      throw new ArgumentError(`SequenceClassifier: expected objective "classification" or "regression", got "${this.objective}"`);
    }
    this.encoder = toLayer(options.encoder);
    this.out = new Linear(this.encoder.outputSize, options.outputSize);
  }

  /** The layer's weights, then U [H, K], bHat [K]. */
  get weights(): tf.Variable[] {
    return [...this.encoder.weights, ...this.out.weights];
  }

  /**
   * @param inputs - [B, T, D].
   * @param mask - optional [B, T] right padding. Default: all steps real.
   * @returns [B, K] logits (classification) or [B, O] predictions (regression).
   */
  predict(inputs: tf.Tensor3D, mask?: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const { outputs } = this.encoder.run(inputs, { mask }); // [B, T, H]
      return this.out.apply(lastStep(outputs, mask)); // [B, K]
    });
  }

  /**
   * @param batch - inputs [B, T, D], mask?, targets int32 [B] (classification) or [B, O] (regression).
   * @returns the mean cross-entropy or the mean squared error.
   */
  loss(batch: SequenceBatch): tf.Scalar {
    return tf.tidy(() => {
      const y = this.predict(batch.inputs, batch.mask); // [B, K]
      if (this.objective === "classification") return softmaxCrossEntropy(y, batch.targets);
      if (batch.targets.shape.join(",") !== y.shape.join(",")) {
        throw new ArgumentError(`SequenceClassifier.loss: expected targets of shape [${y.shape}], got [${batch.targets.shape}]`);
      }
      return tf.mean(tf.squaredDifference(y, batch.targets)) as tf.Scalar;
    });
  }

  /** Accuracy (classification) or mean squared error (regression) on `batch`. */
  evaluate(batch: SequenceBatch): number {
    if (this.objective === "classification") {
      const logits = this.predict(batch.inputs, batch.mask);
      try {
        return accuracy(logits, batch.targets);
      } finally {
        logits.dispose();
      }
    }
    const mse = this.loss(batch);
    const value = mse.dataSync()[0];
    mse.dispose();
    return value;
  }
}
