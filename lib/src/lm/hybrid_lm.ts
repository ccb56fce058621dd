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
 *     h_t   = RNN_L(… RNN_1(x_t, h¹_{t-1}) …),  logits_t = h_t Wy + by             [V]
 *
 * The output layer predicts the word vocabulary only: an OOV target is `<UNK>` (as for the
 * plain LM, so perplexities compare). The word part IS an `RnnLm` (lm/rnn_lm.ts: the same
 * embedding, stacked cells and output layer, the same initialisation), so `p = 0` with no OOV
 * words gives exactly the plain LM. The char LSTM runs through `lstmSequence` with a mask for
 * the word lengths (its final state is the one after each word's last real character), so the
 * engine speeds it up.
 *
 * Initialisation (seeded by notebook/random.ts's `setSeed`): the word part as `RnnLm`
 * (U(−initScale, initScale)); Ec ~ U(−initScale, initScale); LSTM_c as `LstmCell`'s default
 * (U(±1/√Hc), forget-gate bias 1); P Glorot uniform, b_P = 0 (models/common.ts's `Linear`).
 *
 * Batches (`HybridBatch`): a stream window of word ids (data/lm_batches.ts) plus the spelled
 * positions only — `spelled` [N] (flat b·T + t) and their characters `chars` [N, C] — so the
 * char LSTM runs on N words, not B·T. In the model, the N spellings are stacked under the B·T
 * embeddings, [E[w]; r] of [B·T + N, E], and one gather picks each position's row (`source`).
 *
 * Replacement randomness: `HybridBatches` owns a `seededGenerator(seed)` (notebook/random.ts)
 * and draws one uniform per window cell (padding and specials included, so the draws do not
 * depend on the data); successive `windows()` calls (epochs) continue the same sequence.
 */
import * as tf from "@tensorflow/tfjs";
import { charTokenize } from "../data/tokenize";
import { EOS_ID, PAD_ID, SPECIAL_TOKENS, UNK_ID, type Vocab } from "../data/vocab";
import { StreamBatches, detachState, type LmBatch } from "../data/lm_batches";
import { ArgumentError } from "../errors";
import { Linear } from "../models/common";
import { lstmSequence, tidyResult } from "../ops/sequence";
import { softmaxCrossEntropy } from "../ops/softmax_cross_entropy";
import { clipByGlobalNorm } from "../optim/clip";
import type { CellState } from "../rnn/cell";
import { LstmCell } from "../rnn/lstm";
import { nextSeed, seededGenerator } from "../notebook/random";
import { RnnLm, type RnnLmConfig } from "./rnn_lm";
import type { LmEvaluation } from "./train_lm";

/** The architecture of a `HybridLm`: an `RnnLmConfig` plus the character part. */
export interface HybridLmConfig extends RnnLmConfig {
  /** Number of character ids (a character `Vocab`'s size; id 0 is padding). */
  alphabetSize: number;
  /** Ec. Default: 25. */
  charEmbeddingSize?: number;
  /** Hc, the char LSTM's units. Default: 50. */
  charHiddenSize?: number;
}

/** A word stream with the spelling of every token (see `encodeHybridStream`). */
export interface HybridStream {
  /** int32 [N] word ids (OOV → <UNK>). */
  ids: Int32Array;
  /** [N] char ids of each token, or null for tokens never spelled (specials, unk aliases). */
  spellings: (Int32Array | null)[];
}

/** One window: word ids [B, T] plus the spelled positions and their characters. */
export interface HybridBatch extends LmBatch {
  /** int32 [N]: flat positions b·T + t with u = 1, increasing. */
  spelled: Int32Array;
  /** int32 [N, C]: their char ids, right-padded with 0. */
  chars: Int32Array;
  /** C, the longest spelling of the window, at least 2 (see `HybridBatches.windows`). */
  maxChars: number;
}

/** A batch as tensors (`hybridBatchTensors`). */
export interface HybridTensorBatch {
  /** int32 [B, T]. */
  inputs: tf.Tensor2D;
  /** int32 [B, T]. */
  targets: tf.Tensor2D;
  /** [B, T]. */
  mask?: tf.Tensor2D;
  /** int32 [N, C] characters of the spelled words (N may be 0). */
  chars: tf.Tensor2D;
  /** int32 [B·T]: the row of [E[w] (B·T rows); r (N rows)] each position takes. */
  source: tf.Tensor1D;
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

  /** V, the word vocabulary size (for lm/generate.ts). */
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
   * @returns logits [B, T, V] and the final states.
   */
  forward(batch: HybridTensorBatch, initialStates?: CellState[]): { logits: tf.Tensor3D; finalStates: CellState[] } {
    if (batch.inputs.dtype !== "int32" || batch.inputs.rank !== 2) {
      throw new ArgumentError(`HybridLm.forward: expected int32 inputs of shape [B, T], got ${batch.inputs.dtype} [${batch.inputs.shape}]`);
    }
    return tidyResult(() => {
      const x = this.represent(batch); // [B, T, E]
      const { outputs, finalStates } = this.word.rnn.run(x, { initialStates, mask: batch.mask }); // [B, T, H]
      return { logits: this.word.output.applySequence(outputs), finalStates }; // [B, T, V]
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
      const { logits, finalStates } = this.forward(batch, initialStates); // [B, T, V]
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
      const { logits, finalStates } = this.forward(batch, initialStates); // [B, T, V]
      const V = this.vocabSize;
      const picked = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(batch.targets, V)), 2) as tf.Tensor2D; // [B, T]
      return { logProbs: batch.mask === undefined ? picked : (tf.mul(picked, batch.mask) as tf.Tensor2D), finalStates };
    });
  }

  /** Frees the variables. */
  dispose(): void {
    tf.dispose(this.weights);
  }
}

/**
 * Sentences as a hybrid stream: <EOS> s_1 <EOS> s_2 <EOS> … (as `encodeStream`), with each
 * word's characters (NFC code points, `chars.encode`; unseen characters → char <UNK>).
 * @param words - the word vocabulary (OOV → <UNK>).
 * @param chars - the character vocabulary (lm/char_lm.ts's `charVocab` of the training text).
 * @param sentences - token arrays.
 * @returns ids [1 + Σ (m_i + 1)] and their spellings (null for <EOS>, special strings and unk aliases).
 */
export function encodeHybridStream(words: Vocab, chars: Vocab, sentences: readonly (readonly string[])[]): HybridStream {
  const ids: number[] = [EOS_ID];
  const spellings: (Int32Array | null)[] = [null];
  const unspelled = new Set<string>([...SPECIAL_TOKENS, ...words.unkAliases]);
  for (const s of sentences) {
    for (const w of s) {
      ids.push(words.idOf(w));
      spellings.push(unspelled.has(w) || w.length === 0 ? null : chars.encode(charTokenize(w)));
    }
    ids.push(EOS_ID);
    spellings.push(null);
  }
  return { ids: Int32Array.from(ids), spellings };
}

/** Options of `HybridBatches`. */
export interface HybridBatchOptions {
  /** B. Default: 20. */
  batchSize?: number;
  /** k. Default: 20. */
  bptt?: number;
  /** p: probability that an in-vocabulary word is spelled (training). Default: 0. */
  replaceProb?: number;
  /** Seed of the replacement generator. Default: 0. */
  seed?: number;
  /** C at most: longer words keep their first maxChars characters. Default: 20. */
  maxChars?: number;
}

/** Stream windows with the spelled positions (see the file comment). */
export class HybridBatches {
  readonly windowsOf: StreamBatches;
  readonly replaceProb: number;
  readonly maxChars: number;
  private readonly stream: HybridStream;
  private readonly random: () => number;

  /**
   * @param stream - ids and spellings (`encodeHybridStream`).
   * @param options - batchSize (20), bptt (20), replaceProb (0), seed (0), maxChars (20).
   */
  constructor(stream: HybridStream, options: HybridBatchOptions = {}) {
    if (stream.spellings.length !== stream.ids.length) {
      throw new ArgumentError(`HybridBatches: expected one spelling per token (${stream.ids.length}), got ${stream.spellings.length}`);
    }
    const p = options.replaceProb ?? 0;
    if (!(p >= 0 && p <= 1)) throw new ArgumentError(`HybridBatches: expected replaceProb in [0, 1], got ${p}`);
    const C = options.maxChars ?? 20;
    if (!Number.isInteger(C) || C < 1) throw new ArgumentError(`HybridBatches: expected maxChars an integer ≥ 1, got ${C}`);
    this.windowsOf = new StreamBatches(stream.ids, { batchSize: options.batchSize ?? 20, bptt: options.bptt ?? 20 });
    this.stream = stream;
    this.replaceProb = p;
    this.maxChars = C;
    this.random = seededGenerator(options.seed ?? 0);
  }

  /** All windows in order; replacement draws continue from the previous call. */
  *windows(): IterableIterator<HybridBatch & { index: number }> {
    const { batchSize: B, bptt: k, streamLength: S } = this.windowsOf;
    for (const win of this.windowsOf.windows()) {
      const spelled: number[] = [];
      const words: Int32Array[] = [];
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < k; t++) {
          const u = this.random(); // one draw per cell, always
          if (win.mask[b * k + t] !== 1) continue;
          const spelling = this.stream.spellings[b * S + win.index * k + t];
          if (spelling === null || spelling.length === 0) continue;
          const id = win.inputs[b * k + t];
          if (id === UNK_ID || (id >= SPECIAL_TOKENS.length && u < this.replaceProb)) {
            spelled.push(b * k + t);
            words.push(spelling.subarray(0, this.maxChars));
          }
        }
      }
      // C ≥ 2: the reference sequence ops' backward pass fails on length-1 sequences (tf.unstack's
      // gradient with a single output); an extra padding column changes nothing (masked).
      const C = Math.max(2, ...words.map((w) => w.length));
      const chars = new Int32Array(words.length * C); // [N, C]
      words.forEach((w, n) => chars.set(w, n * C));
      yield { ...win, spelled: Int32Array.from(spelled), chars, maxChars: C };
    }
  }
}

/**
 * One batch as tensors (the caller disposes them).
 * @param batch - a `HybridBatch`.
 * @returns inputs, targets, mask [B, T], chars [N, C], source [B·T].
 */
export function hybridBatchTensors(batch: HybridBatch): HybridTensorBatch {
  const [B, T] = batch.shape;
  const N = batch.spelled.length;
  const source = new Int32Array(B * T); // [B·T]
  for (let i = 0; i < B * T; i++) source[i] = i;
  batch.spelled.forEach((pos, n) => (source[pos] = B * T + n));
  return {
    inputs: tf.tensor2d(batch.inputs, batch.shape, "int32"), // [B, T]
    targets: tf.tensor2d(batch.targets, batch.shape, "int32"), // [B, T]
    mask: tf.tensor2d(batch.mask, batch.shape, "float32"), // [B, T]
    chars: tf.tensor2d(batch.chars, [N, batch.maxChars], "int32"), // [N, C]
    source: tf.tensor1d(source, "int32"), // [B·T]
  };
}

/** Options of `trainHybridLm`. */
export interface TrainHybridOptions {
  /** Epochs. Default: 1. */
  epochs?: number;
  /** "adam" (default) or "sgd". */
  optimizer?: "adam" | "sgd";
  /** Default: 1e-3 for Adam, 1 for SGD. */
  learningRate?: number;
  /** Clip the gradients' global norm to this. Default: 5. */
  clip?: number;
  /** Called after every epoch with its number (from 1) and exp(mean training loss). */
  onEpoch?: (epoch: number, trainPerplexity: number) => void;
}

/**
 * Truncated-BPTT training over the windows of `batches` (as lm/train_lm.ts's steps 1–2: the
 * state carried across windows, detached; clipping; one update per window).
 * @param model - the hybrid LM.
 * @param batches - the training windows (with replaceProb p for "treated as new").
 * @param options - epochs (1), optimizer ("adam"), learningRate, clip (5), onEpoch.
 * @returns the training perplexity of each epoch.
 */
export function trainHybridLm(model: HybridLm, batches: HybridBatches, options: TrainHybridOptions = {}): number[] {
  const epochs = options.epochs ?? 1;
  const clip = options.clip ?? 5;
  if (!Number.isInteger(epochs) || epochs < 1) throw new ArgumentError(`trainHybridLm: expected epochs an integer ≥ 1, got ${epochs}`);
  const kind = options.optimizer ?? "adam";
  const lr = options.learningRate ?? (kind === "adam" ? 1e-3 : 1);
  if (!(lr > 0)) throw new ArgumentError(`trainHybridLm: expected learningRate > 0, got ${lr}`);
  if (!(clip > 0)) throw new ArgumentError(`trainHybridLm: expected clip > 0, got ${clip}`);
  const optimizer: tf.Optimizer = kind === "adam" ? tf.train.adam(lr) : tf.train.sgd(lr);
  const weights = model.weights;
  const out: number[] = [];
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      let state = model.zeroStates(batches.windowsOf.batchSize);
      let sum = 0;
      let steps = 0;
      for (const window of batches.windows()) {
        const batch = hybridBatchTensors(window);
        let finalStates: CellState[] = [];
        const { value, grads } = tf.variableGrads(() => {
          const r = model.loss(batch, state);
          finalStates = r.finalStates.map((s) => s.map((t) => tf.keep(t)));
          return r.loss;
        }, weights);
        sum += value.dataSync()[0];
        steps++;
        const clipped = clipByGlobalNorm(grads, clip);
        optimizer.applyGradients(clipped.grads);
        const next = finalStates.map((s) => detachState(s));
        tf.dispose([value, grads as tf.NamedTensorMap, clipped.grads as tf.NamedTensorMap, batch as unknown as tf.TensorContainer]);
        tf.dispose([state as unknown as tf.TensorContainer, finalStates as unknown as tf.TensorContainer]);
        state = next;
      }
      tf.dispose(state as unknown as tf.TensorContainer);
      out.push(Math.exp(sum / steps));
      options.onEpoch?.(epoch, out[out.length - 1]);
    }
  } finally {
    optimizer.dispose();
  }
  return out;
}

/**
 * ln p of every token of a stream given all before it (OOV inputs spelled, no replacement),
 * and the perplexity exp(−mean ln p) — the convention of `evaluateLm` (lm/train_lm.ts).
 * @param model - the hybrid LM.
 * @param stream - ids and spellings, N ≥ 2 tokens.
 * @param options - batchSize (20), bptt (20), maxChars (20).
 * @returns perplexity, N − 1 and the per-token ln p in stream order.
 */
export function evaluateHybridLm(model: HybridLm, stream: HybridStream, options: Pick<HybridBatchOptions, "batchSize" | "bptt" | "maxChars"> = {}): LmEvaluation {
  const batches = new HybridBatches(stream, { ...options, replaceProb: 0 });
  const { batchSize: B, bptt: k, streamLength: S, numTargets: M } = batches.windowsOf;
  const logProbs = new Float64Array(M);
  let state = model.zeroStates(B);
  for (const window of batches.windows()) {
    const batch = hybridBatchTensors(window);
    const r = model.logProbs(batch, state);
    const values = r.logProbs.dataSync(); // [B, k]
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < k; t++) if (window.mask[b * k + t] === 1) logProbs[b * S + window.index * k + t] = values[b * k + t];
    }
    tf.dispose([batch as unknown as tf.TensorContainer, r.logProbs, state as unknown as tf.TensorContainer]);
    state = r.finalStates;
  }
  tf.dispose(state as unknown as tf.TensorContainer);
  let sum = 0;
  for (const x of logProbs) sum += x;
  return { perplexity: Math.exp(-sum / M), tokens: M, logProbs };
}
