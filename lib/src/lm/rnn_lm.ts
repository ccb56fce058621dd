/**
 * The recurrent language model of the lecture (Mikolov et al. 2010, "Recurrent neural
 * network based language model"; Zaremba, Sutskever & Vinyals 2014, "Recurrent neural
 * network regularization"), word- or char-level — the model does not care what a token is:
 *
 *     x_t     = E[w_t]                                   embedding,      [B, T, E]
 *     h_t     = RNN_L(… RNN_1(x_t, h¹_{t-1}) …)           stacked cells,  [B, T, H]
 *     logits  = h_t U + b̂                               output layer,   [B, T, vocabSize]
 *     p(w_{t+1} | w_1 … w_t) = softmax(logits_t)
 *
 * The recurrence goes through the library's sequence ops (`StackedRnn` → `lstmSequence`,
 * `gruSequence`, `rnnSequence`), so the engine (engine/) speeds the model up unchanged.
 *
 * The lecture's two losses for a window w_{n-k} … w_n:
 * - **k outputs** (`"k-outputs"`): the loss at every position, each w_{t+1} predicted from
 *   w_1 … w_t — k predictions per window, the usual training of RNN LMs;
 * - **one output** (`"one-output"`): only w_n is predicted from the k words before it — one
 *   prediction per window, as a feed-forward n-gram network would be trained.
 * Both are the mean cross-entropy over the positions that count (`softmaxCrossEntropy` with
 * a mask); with padding, "one output" counts each row's last real position.
 *
 * Initialisation (seeded by lib/src/random.ts's `setSeed`): every weight ~ U(−initScale,
 * initScale) (Zaremba et al.: 0.1), except the
 * LSTM forget-gate bias, which starts at `forgetBias` (lstm.ts explains why; default 0, as
 * Zaremba et al.'s small model).
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { Linear } from "../models/common.js";
import { linearSoftmaxCrossEntropy, linearTargetLogProbs } from "../ops/linear_softmax_cross_entropy.js";
import { tidyResult } from "../ops/sequence.js";
import type { CellState, RecurrentCell } from "../rnn/cell.js";
import { makeCell, type CellKind } from "../rnn/layer.js";
import { StackedRnn } from "../rnn/stacked.js";
import { nextSeed } from "../random.js";

/** Which positions of a window the loss counts (see the file comment). */
export type LmLossMode = "k-outputs" | "one-output";

/** The architecture of an `RnnLm` (also what a checkpoint stores). */
export interface RnnLmConfig {
  /** vocabSize, the vocabulary size. */
  vocabSize: number;
  /** The recurrent cell. Default: "lstm". */
  cell?: CellKind;
  /** E. Default: 200. */
  embeddingSize?: number;
  /** H, units per layer. Default: 200. */
  hiddenSize?: number;
  /** L, stacked layers. Default: 2. */
  layers?: number;
  /** Every weight starts ~ U(−initScale, initScale). Default: 0.1. */
  initScale?: number;
  /** LSTM only: the initial forget-gate bias. Default: 0. */
  forgetBias?: number;
}

/** A batch for the loss: int32 inputs and targets [B, T], optional float mask [B, T]. */
export interface LmTensorBatch {
  inputs: tf.Tensor2D;
  targets: tf.Tensor2D;
  mask?: tf.Tensor2D;
}

/** Options of `RnnLm.loss` and `RnnLm.logProbs`. */
export interface LmRunOptions {
  /** The state to start from, one per cell, bottom first (`zeroStates`). Default: zeros. */
  initialStates?: CellState[];
  /** Which positions count. Default: "k-outputs". */
  mode?: LmLossMode;
}

/** A word- or char-level recurrent LM (see the file comment). */
export class RnnLm {
  /** The configuration with every default filled in. */
  readonly config: Required<RnnLmConfig>;
  /** [vocabSize, E] the embedding E. */
  readonly embedding: tf.Variable<tf.Rank.R2>;
  /** The cells, bottom first. */
  readonly cells: RecurrentCell[];
  /** The stack that runs them. */
  readonly rnn: StackedRnn;
  /** U [H, vocabSize], bHat [vocabSize]. */
  readonly output: Linear;

  /** @param config - the architecture (defaults in `RnnLmConfig`). */
  constructor(config: RnnLmConfig) {
    const c = resolveRnnLmConfig(config);
    this.config = c;
    const s = c.initScale;
    this.embedding = tf.tidy(() => tf.variable(tf.randomUniform([c.vocabSize, c.embeddingSize], -s, s, "float32", nextSeed()))) as tf.Variable<tf.Rank.R2>; // [vocabSize, E] (tidy frees the initial values)
    this.cells = Array.from({ length: c.layers }, (_, l) =>
      makeCell(c.cell, l === 0 ? c.embeddingSize : c.hiddenSize, c.hiddenSize, c.cell === "lstm" ? { forgetBias: c.forgetBias } : {}),
    );
    this.rnn = new StackedRnn(this.cells);
    this.output = new Linear(c.hiddenSize, c.vocabSize);
    // Zaremba et al.'s initialisation for every weight (the forget bias kept as the cell set it).
    tf.tidy(() => {
      for (const w of [...this.rnn.weights, ...this.output.weights]) {
        const fresh = tf.randomUniform(w.shape, -s, s, "float32", nextSeed()); // [same]
        if (c.cell === "lstm" && w.rank === 1 && w.shape[0] === 4 * c.hiddenSize) {
          const H = c.hiddenSize;
          w.assign(tf.concat([tf.fill([H], c.forgetBias), tf.slice(fresh, [H], [3 * H])])); // b = [b_f | b_i | b_c | b_o]
        } else {
          w.assign(fresh);
        }
      }
    });
  }

  /** Every trainable variable: embedding, cells bottom first, then U, bHat. */
  get weights(): tf.Variable[] {
    return [this.embedding, ...this.rnn.weights, ...this.output.weights];
  }

  /** Zero states for a batch of B rows, one per cell, bottom first. */
  zeroStates(B: number): CellState[] {
    return this.cells.map((cell) => cell.zeroState(B));
  }

  /**
   * Logits of the next token at every position.
   * @param inputs - int32 [B, T] token ids.
   * @param initialStates - one state per cell (default zeros).
   * @param mask - [B, T] right-padding mask (the state is carried over padded steps).
   * @returns logits [B, T, vocabSize] and the final states (one per cell).
   */
  forward(inputs: tf.Tensor2D, initialStates?: CellState[], mask?: tf.Tensor2D): { logits: tf.Tensor3D; finalStates: CellState[] } {
    return tidyResult(() => {
      const { hidden, finalStates } = this.hidden("RnnLm.forward", inputs, initialStates, mask); // [B, T, H]
      return { logits: this.output.applySequence(hidden), finalStates }; // [B, T, vocabSize]
    });
  }

  /**
   * The top layer's outputs h_t without the output layer (`forward` = `logitsOf` of these): for
   * callers that need the logits of a few rows only (generation/scheduled_sampling.ts).
   * @param inputs - int32 [B, T] token ids.
   * @param initialStates - one state per cell (default zeros).
   * @returns hidden [B, T, H] and the final states (one per cell).
   */
  hiddenStates(inputs: tf.Tensor2D, initialStates?: CellState[]): { hidden: tf.Tensor3D; finalStates: CellState[] } {
    return tidyResult(() => this.hidden("RnnLm.hiddenStates", inputs, initialStates));
  }

  /**
   * The output layer on top-layer outputs: logits = h U + b̂.
   * @param h - [N, H].
   * @returns [N, vocabSize].
   */
  logitsOf(h: tf.Tensor2D): tf.Tensor2D {
    return this.output.apply(h);
  }

  /**
   * The top layer's outputs h_t: embedding, then the stacked cells.
   * @returns hidden [B, T, H] and the final states (one per cell).
   */
  private hidden(where: string, inputs: tf.Tensor2D, initialStates?: CellState[], mask?: tf.Tensor2D): { hidden: tf.Tensor3D; finalStates: CellState[] } {
    if (inputs.dtype !== "int32" || inputs.rank !== 2) {
      throw new ArgumentError(`${where}: expected int32 inputs of shape [B, T], got ${inputs.dtype} [${inputs.shape}]`);
    }
    const x = tf.gather(this.embedding, inputs) as unknown as tf.Tensor3D; // [B, T, E]
    const { outputs, finalStates } = this.rnn.run(x, { initialStates, mask }); // [B, T, H]
    return { hidden: outputs, finalStates };
  }

  /**
   * The training loss (mean cross-entropy in nats over the positions that count).
   * @param batch - inputs, targets [B, T], optional mask [B, T].
   * @param options - initial states, mode (default "k-outputs").
   * @returns the scalar loss and the final states.
   */
  loss(batch: LmTensorBatch, options: LmRunOptions = {}): { loss: tf.Scalar; finalStates: CellState[] } {
    const mode = options.mode ?? "k-outputs";
    if (mode !== "k-outputs" && mode !== "one-output") {
      throw new ArgumentError(`RnnLm.loss: expected mode "k-outputs" or "one-output", got ${JSON.stringify(mode)}`);
    }
    const inputs = batch.inputs;
    return tidyResult(() => {
      const { hidden, finalStates } = this.hidden("RnnLm.loss", inputs, options.initialStates, batch.mask); // [B, T, H]
      const [B, T] = inputs.shape;
      const real = batch.mask ?? (tf.ones([B, T]) as tf.Tensor2D); // [B, T]
      const counted = mode === "k-outputs" ? real : lastRealStep(real); // [B, T]
      // = softmaxCrossEntropy(forward's logits, …): the output layer and the loss as one fused op
      const { U, bHat } = this.output;
      return { loss: linearSoftmaxCrossEntropy(hidden, U, bHat, batch.targets, counted), finalStates };
    });
  }

  /**
   * ln p(target | history) at every position (for perplexity and interpolation).
   * @param batch - inputs, targets [B, T], optional mask (padded positions give 0).
   * @param initialStates - one state per cell (default zeros).
   * @returns logProbs [B, T] (natural log) and the final states.
   */
  logProbs(batch: LmTensorBatch, initialStates?: CellState[]): { logProbs: tf.Tensor2D; finalStates: CellState[] } {
    return tidyResult(() => {
      const { hidden, finalStates } = this.hidden("RnnLm.logProbs", batch.inputs, initialStates, batch.mask); // [B, T, H]
      // = log softmax(forward's logits) picked at the targets, without materialising [B, T, vocabSize] tensors
      const picked = linearTargetLogProbs(hidden, this.output.U, this.output.bHat, batch.targets) as tf.Tensor2D; // [B, T]
      return { logProbs: batch.mask === undefined ? picked : (tf.mul(picked, batch.mask) as tf.Tensor2D), finalStates };
    });
  }

  /** Frees the variables. */
  dispose(): void {
    tf.dispose(this.weights);
  }
}

/**
 * An `RnnLmConfig` with its defaults filled in, checked.
 * @param config - the architecture.
 * @returns every field set.
 * @throws ArgumentError on a size that is not an integer ≥ 1, or initScale ≤ 0.
 */
export function resolveRnnLmConfig(config: RnnLmConfig): Required<RnnLmConfig> {
  const c: Required<RnnLmConfig> = {
    cell: "lstm",
    embeddingSize: 200,
    hiddenSize: 200,
    layers: 2,
    initScale: 0.1,
    forgetBias: 0,
    ...config,
  };
  for (const key of ["vocabSize", "embeddingSize", "hiddenSize", "layers"] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 1) throw new ArgumentError(`RnnLm: expected ${key} an integer ≥ 1, got ${c[key]}`);
  }
  if (!(c.initScale > 0)) throw new ArgumentError(`RnnLm: expected initScale > 0, got ${c.initScale}`);
  return c;
}

/**
 * The mask of each row's last real step: m_t · (1 − m_{t+1}), with m_T = 0.
 * @param mask - [B, T] right-padding mask.
 * @returns [B, T], one 1 per non-empty row.
 */
export function lastRealStep(mask: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [B, T] = mask.shape;
    const next = tf.concat([tf.slice(mask, [0, 1], [B, T - 1]), tf.zeros([B, 1])], 1); // [B, T]: m_{t+1}
    return tf.mul(mask, tf.sub(1, next)) as tf.Tensor2D; // [B, T]
  });
}
