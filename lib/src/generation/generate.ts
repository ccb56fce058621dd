/**
 * Generating text from a language model with a `Decoder` (decoders.ts), one token at a time,
 * carrying the recurrent state — the lecture's generation slide:
 *
 *     s_0, z_1 = forward(prompt, h₀)                     the prompt in one call (h₀ = 0 by default)
 *     y_t = decoder(z_t)                                one token
 *     s_t, z_{t+1} = forward([y_t], s_{t-1})            one step, state carried
 *
 * until `maxLength` new tokens or the `stopAt` token (included in the output, `finished` set).
 *
 * The model is anything with the LM's `forward` (`NextTokenModel`): lm/rnn_lm.ts's `RnnLm`, a
 * char-level LM, the decoder of an encoder–decoder (`encoderDecoderLm`, encoder_decoder_lm.ts,
 * whose h₀ is the encoding), a student's own model.
 *
 * The prompt and `<SOS>` / `<EOS>`: a **sentence-level** LM (lm/train_sentence_lm.ts: every
 * sentence its own row, <SOS> s_1 … s_n <EOS>, h₀ = 0) starts from `[SOS_ID]` and stops at
 * `<EOS>`, exactly as the slide says. A **stream** LM (lm/train_lm.ts: sentences joined, each
 * ended by <EOS>, the state carried across them) has never seen <SOS>; for it `<EOS>` marks
 * "a new sentence starts here", hence the default prompt `[EOS_ID]`. `startToken` picks the one
 * that fits a checkpoint.
 *
 * Batches: `generateBatch` runs several prompts at once (one row each; rows whose prompts have
 * the same length share a forward call, then every step is one call for all rows), and
 * `generateMany` draws several samples of one prompt. Sampling draws come from one seeded
 * generator, row by row at each step, so a seed makes the whole batch repeatable; argmax rows
 * equal one-at-a-time runs.
 *
 * Returned log-probabilities are always the MODEL's, ln p(y_t | prompt, y_<t) at τ = 1, not those
 * of the decoder's modified distribution, so Σ logProbs scores the text under the LM.
 *
 * Reference: Graves 2013, "Generating sequences with recurrent neural networks".
 */
import * as tf from "@tensorflow/tfjs";
import { EOS_ID, SOS_ID } from "../data/vocab.js";
import { ArgumentError } from "../errors.js";
import { seededGenerator } from "../random.js";
import type { CellState } from "../rnn/cell.js";
import { makeDecoder, type DecoderChoice } from "./decoders.js";

/** What generation needs of a model (`RnnLm` has it). */
export interface NextTokenModel {
  /**
   * @param inputs - int32 [B, T] token ids.
   * @param initialStates - the state to start from (default zeros).
   * @returns logits [B, T, vocabSize] of the next token at every position and the final states.
   */
  forward(inputs: tf.Tensor2D, initialStates?: CellState[]): { logits: tf.Tensor3D; finalStates: CellState[] };
  /** Zero states for B rows. */
  zeroStates(B: number): CellState[];
  /** vocabSize, if known: prompt ids are then checked before the model runs (`RnnLm` gives it through `config.vocabSize`). */
  readonly vocabSize?: number;
}

/**
 * Optional: the recurrent part and the output layer apart (`RnnLm` and `encoderDecoderLm` have
 * them), so that a caller that needs the logits of a few rows only (scheduled sampling) does not
 * pay for the output layer on the others. `forward` must equal `logitsOf` of `hiddenStates`.
 */
export interface HiddenStateModel {
  /**
   * @param inputs - int32 [B, T].
   * @param initialStates - the state to start from.
   * @returns the top layer's outputs [B, T, H] and the final states.
   */
  hiddenStates(inputs: tf.Tensor2D, initialStates: CellState[]): { hidden: tf.Tensor3D; finalStates: CellState[] };
  /** @param h - [N, H]. @returns logits [N, vocabSize]. */
  logitsOf(h: tf.Tensor2D): tf.Tensor2D;
}

/** Options shared by `generateBatch`, `generateMany` and `generate`. */
export interface GenerateBatchOptions {
  /** New tokens at most (≥ 1). Default: 100. */
  maxLength?: number;
  /** "argmax", "sample", "uniform" or any `Decoder`. Default: "sample". */
  strategy?: DecoderChoice;
  /** τ of "sample". Default: 1. */
  temperature?: number;
  /** top-K of "sample". Default: all tokens. */
  topK?: number;
  /** top-p (nucleus) of "sample". Default: 1 (all tokens). */
  topP?: number;
  /** Stop a row after it generates this id (included), or null to always make maxLength tokens. Default: `EOS_ID`. */
  stopAt?: number | null;
  /** Seed of the sampling generator. Default: 0. */
  seed?: number;
  /** The state before the prompt: one row, or one row per prompt (each [R or 1, H]). Default: `model.zeroStates`. */
  initialStates?: CellState[];
}

/** Options of `generate` / `generateMany`. */
export interface GenerateOptions extends GenerateBatchOptions {
  /** The ids fed before generating (non-empty). Default: `[EOS_ID]` (see the file comment). */
  prompt?: readonly number[];
}

/** One generated sequence. */
export interface Generation {
  /** [n] the new ids (without the prompt), n ≤ maxLength; ends with `stopAt` if it was reached. */
  ids: number[];
  /** [n] ln p_model(ids[t] | prompt, ids[<t]) at τ = 1. */
  logProbs: number[];
  /** Whether the row ended with `stopAt` (false: it was cut at maxLength). */
  finished: boolean;
}

/**
 * Generates one sequence (see the file comment).
 * @param model - the LM.
 * @param options - prompt ([<EOS>]), maxLength (100), strategy ("sample"), temperature, topK, topP, stopAt (<EOS>), seed (0), initialStates.
 */
export function generate(model: NextTokenModel, options: GenerateOptions = {}): Generation {
  return generateMany(model, 1, options)[0];
}

/**
 * Generates `count` sequences from the same prompt at once (one batch row each).
 * @param model - the LM.
 * @param count - rows R ≥ 1.
 * @param options - as `generate`.
 * @returns R generations.
 */
export function generateMany(model: NextTokenModel, count: number, options: GenerateOptions = {}): Generation[] {
  if (!Number.isInteger(count) || count < 1) throw new ArgumentError(`generate: expected count an integer ≥ 1, got ${count}`);
  const { prompt, ...rest } = options;
  const p = prompt === undefined ? [EOS_ID] : [...prompt];
  return generateBatch(model, Array.from({ length: count }, () => p), rest);
}

/**
 * Generates one continuation for each prompt, all rows at once (see the file comment).
 * @param model - the LM.
 * @param prompts - R ≥ 1 non-empty id arrays, of any lengths.
 * @param options - maxLength (100), strategy ("sample"), temperature, topK, topP, stopAt (<EOS>), seed (0), initialStates.
 * @returns R generations, in the prompts' order.
 */
export function generateBatch(model: NextTokenModel, prompts: readonly (readonly number[])[], options: GenerateBatchOptions = {}): Generation[] {
  const R = prompts.length;
  if (R < 1) throw new ArgumentError("generate: expected at least one prompt, got 0");
  prompts.forEach((p, r) => checkPrompt("generate", model, p, R === 1 ? "prompt" : `prompts[${r}]`));
  const maxLength = options.maxLength ?? 100;
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new ArgumentError(`generate: expected maxLength an integer ≥ 1, got ${maxLength}`);
  const decoder = makeDecoder(options.strategy ?? "sample", { temperature: options.temperature, topK: options.topK, topP: options.topP });
  const stopAt = options.stopAt === undefined ? EOS_ID : options.stopAt;
  const random = seededGenerator(options.seed ?? 0);
  const out: Generation[] = Array.from({ length: R }, () => ({ ids: [], logProbs: [], finished: false }));
  let { logits, state } = feedPrompts(model, prompts, options.initialStates); // [R, vocabSize]
  const vocabSize = logits.length / R;
  try {
    for (let t = 0; t < maxLength; t++) {
      const next = new Array<number>(R).fill(stopAt ?? 0);
      for (let r = 0; r < R; r++) {
        if (out[r].finished) continue;
        const z = logits.subarray(r * vocabSize, (r + 1) * vocabSize); // [vocabSize]
        const y = decoder.choose(z, random);
        if (!Number.isInteger(y) || y < 0 || y >= vocabSize) throw new ArgumentError(`generate: expected decoder ${decoder.name} to return an id in [0, ${vocabSize}), got ${y}`);
        next[r] = y;
        out[r].ids.push(y);
        out[r].logProbs.push(logSoftmaxAt(z, y));
        if (y === stopAt) out[r].finished = true;
      }
      if (t === maxLength - 1 || out.every((g) => g.finished)) break;
      const stepped = runLast(model, next.map((y) => [y]), state);
      tf.dispose(state);
      ({ logits, state } = stepped);
    }
  } finally {
    tf.dispose(state);
  }
  return out;
}

/**
 * The start token that fits a model: `<SOS>` for a sentence-level LM, `<EOS>` for a stream LM
 * (see the file comment).
 * @param context - "sentence" or "stream".
 */
export function startToken(context: "sentence" | "stream"): number {
  return context === "sentence" ? SOS_ID : EOS_ID;
}

/**
 * Feeds R prompts of any lengths: rows with equal length share one forward call.
 * @param model - the LM.
 * @param prompts - R id arrays.
 * @param initialStates - each [1 or R, H], or undefined for zeros.
 * @returns the last position's logits [R·vocabSize] and the states after the prompts (each [R, H]).
 */
export function feedPrompts(
  model: NextTokenModel,
  prompts: readonly (readonly number[])[],
  initialStates?: CellState[],
): { logits: Float32Array; state: CellState[] } {
  const R = prompts.length;
  const rowsOf = (n: number) => initialStates?.[0]?.[0]?.shape[0] ?? n;
  if (initialStates !== undefined && rowsOf(R) !== 1 && rowsOf(R) !== R) {
    throw new ArgumentError(`generate: expected initialStates of 1 or ${R} rows (one per prompt), got ${rowsOf(R)}`);
  }
  const groups = new Map<number, number[]>();
  prompts.forEach((p, r) => groups.set(p.length, [...(groups.get(p.length) ?? []), r]));
  const parts: { rows: number[]; logits: Float32Array; state: CellState[] }[] = [];
  let merged = false;
  try {
    for (const rows of groups.values()) {
      const start = initialStates === undefined ? undefined : tf.tidy(() => initialStates.map((s) => s.map((x) => (x.shape[0] === 1 ? tf.tile(x, [rows.length, 1]) : tf.gather(x, rows)) as tf.Tensor2D)));
      const r = runLast(model, rows.map((i) => prompts[i]), start);
      tf.dispose(start);
      parts.push({ rows, ...r });
    }
    if (parts.length === 1) {
      merged = true; // the one group's state is the result
      return { logits: parts[0].logits, state: parts[0].state };
    }
    // put the groups' rows back in the prompts' order
    const order = parts.flatMap((p) => p.rows); // order[j] = prompt of stacked row j
    const inverse = new Int32Array(R);
    order.forEach((r, j) => (inverse[r] = j));
    const vocabSize = parts[0].logits.length / parts[0].rows.length;
    const logits = new Float32Array(R * vocabSize);
    for (const p of parts) for (let i = 0; i < p.rows.length; i++) logits.set(p.logits.subarray(i * vocabSize, (i + 1) * vocabSize), p.rows[i] * vocabSize);
    const state = tf.tidy(() => {
      const idx = tf.tensor1d(inverse, "int32"); // [R]
      return parts[0].state.map((s, c) => s.map((_, e) => tf.gather(tf.concat(parts.map((p) => p.state[c][e]), 0), idx) as tf.Tensor2D)); // each [R, H]
    });
    return { logits, state };
  } finally {
    if (!merged) for (const p of parts) tf.dispose(p.state);
  }
}

/**
 * Runs the model on R rows of equal length from `state` (zeros when undefined).
 * @returns the last step's logits [R·vocabSize] and the final state (each [R, H]).
 */
export function runLast(model: NextTokenModel, rows: readonly (readonly number[])[], state: CellState[] | undefined): { logits: Float32Array; state: CellState[] } {
  const R = rows.length;
  const T = rows[0].length;
  const ids = new Int32Array(R * T);
  rows.forEach((row, r) => ids.set(row, r * T));
  const x = tf.tensor2d(ids, [R, T], "int32"); // [R, T]
  const initial = state ?? model.zeroStates(R);
  const { logits, finalStates } = model.forward(x, initial); // [R, T, vocabSize]
  const vocabSize = logits.shape[2];
  const last = tf.tidy(() => tf.reshape(tf.slice(logits, [0, T - 1, 0], [R, 1, vocabSize]), [R * vocabSize])); // [R·vocabSize]
  const values = last.dataSync() as Float32Array;
  tf.dispose([x, logits, last]);
  if (state === undefined) tf.dispose(initial);
  return { logits: values, state: finalStates };
}

/**
 * Checks a prompt: non-empty, integer ids below the model's vocabSize (when known).
 * @param where - the caller, for messages.
 * @param model - the LM.
 * @param prompt - the ids.
 * @param name - the argument's name. Default: "prompt".
 */
export function checkPrompt(where: string, model: NextTokenModel, prompt: readonly number[], name = "prompt"): void {
  if (prompt.length === 0) throw new ArgumentError(`${where}: expected a non-empty ${name} (e.g. [EOS_ID]), got []`);
  const vocabSize = model.vocabSize ?? (model as { config?: { vocabSize?: unknown } }).config?.vocabSize;
  const limit = typeof vocabSize === "number" ? vocabSize : Infinity;
  prompt.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id >= limit) throw new ArgumentError(`${where}: expected ${name}[${i}] an integer id in [0, ${limit}), got ${id}`);
  });
}

/** ln Σ exp z, stably, in float64. */
export function logSumExp(z: ArrayLike<number>): number {
  let max = -Infinity;
  for (let v = 0; v < z.length; v++) if (z[v] > max) max = z[v];
  let s = 0;
  for (let v = 0; v < z.length; v++) s += Math.exp(z[v] - max);
  return max + Math.log(s);
}

/** ln softmax(z)[y]. */
export function logSoftmaxAt(z: ArrayLike<number>, y: number): number {
  return z[y] - logSumExp(z);
}
