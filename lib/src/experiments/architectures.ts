/**
 * The four recurrent architectures of the lecture, each trained briefly on its synthetic
 * task (data/tasks.ts) for notebook `03-lstm-gru`:
 *
 * | function           | architecture               | model (models/)     | task            | metric            |
 * |--------------------|----------------------------|---------------------|-----------------|-------------------|
 * | `manyToOneDemo`    | many-to-one                | SequenceClassifier  | addingProblem   | held-out MSE      |
 * | `alignedDemo`      | many-to-many, aligned      | SequenceTagger      | copyTask        | recall accuracy   |
 * | `oneToManyDemo`    | one-to-many                | SequenceGenerator   | spellingTask    | digits spelled    |
 * | `unalignedDemo`    | many-to-many, unaligned    | EncoderDecoder      | reverseTask     | exact match       |
 *
 * Each demo: setSeed(seed), build the model, train with Adam on batches seeded by
 * (seed, step), then measure on one held-out batch and return a few examples as rows of
 * strings for a table. All return the same `ArchitectureDemo` shape.
 */
import * as tf from "@tensorflow/tfjs";
import { addingProblem, copyTask, decodeTokens, DIGIT_NAMES, reverseTask, spellingTask, type Task } from "../data/tasks.js";
import type { Trainable } from "../models/common.js";
import { EncoderDecoder } from "../models/encoder_decoder.js";
import { SequenceClassifier } from "../models/many_to_one.js";
import { SequenceTagger } from "../models/many_to_many.js";
import { SequenceGenerator } from "../models/one_to_many.js";
import { setSeed } from "../random.js";
import { makeCell, type CellKind } from "../rnn/layer.js";
import { train } from "../train/train.js";

/** Options shared by the four demos. */
export interface DemoOptions {
  /** The cell kind. Default: per demo ("lstm" for many-to-one and aligned, "gru" otherwise). */
  cell?: CellKind;
  /** H. Default: per demo (16, 32, 32, 64 in the order of the file comment's table). */
  hidden?: number;
  /** Adam steps. Default: per demo (300, 300, 150, 400). */
  steps?: number;
  /** Batch size B. Default: 32. */
  batchSize?: number;
  /** Adam's learning rate. Default: 0.01. */
  learningRate?: number;
  /** Seed of the weights and batches. Default: 1. */
  seed?: number;
  /** How many held-out examples to return. Default: 5 (10 for `oneToManyDemo`: every digit). */
  examples?: number;
}

/** What one demo measured. */
export interface ArchitectureDemo {
  /** e.g. "many-to-one". */
  architecture: string;
  /** The task's name, e.g. "adding(T=10)". */
  task: string;
  /** What `metric` measures, e.g. "MSE" or "exact match". */
  metricName: string;
  /** The metric on the held-out batch after training. */
  metric: number;
  /** The metric of the best constant prediction or of chance (see each demo). */
  baseline: number;
  /** The training loss at each step. */
  losses: number[];
  /** Wall time, seconds. */
  seconds: number;
  /** A few held-out examples as table rows (input, target, output...). */
  examples: Record<string, string>[];
}

const HELD_OUT = 0xfffffff0; // the held-out batch's seed, never a training seed

/** Sets the seed, builds, trains, then measures; disposes the model's weights. */
function run<Batch extends object, M extends Trainable<Batch>>(
  task: Task<Batch>,
  options: DemoOptions,
  defaults: { steps: number },
  build: () => M,
  measure: (model: M, heldOut: Batch) => Pick<ArchitectureDemo, "metric" | "examples">,
  heldOutSize = 256,
): Omit<ArchitectureDemo, "architecture" | "metricName" | "baseline"> {
  const t0 = performance.now();
  const seed = options.seed ?? 1;
  setSeed(seed);
  const model = tidyBuild(build);
  try {
    const history = train(model, (s) => task.batch(options.batchSize ?? 32, seed * 100_003 + s), {
      steps: options.steps ?? defaults.steps,
      learningRate: options.learningRate ?? 0.01,
    });
    const heldOut = task.batch(heldOutSize, HELD_OUT - seed);
    try {
      const { metric, examples } = measure(model, heldOut);
      return { task: task.name, metric, examples, losses: history.losses, seconds: (performance.now() - t0) / 1000 };
    } finally {
      tf.dispose(heldOut as tf.TensorContainer);
    }
  } finally {
    model.weights.forEach((w) => w.dispose());
  }
}

/**
 * Builds a model inside `tf.tidy`, which keeps its variables but disposes the temporary
 * tensors of the initialisers (models/common.ts makes `bHat` from a `tf.zeros` it keeps).
 */
export function tidyBuild<M>(build: () => M): M {
  let model: M | undefined;
  tf.tidy(() => {
    model = build();
  });
  return model as M;
}

/** Reads a tensor as nested arrays and disposes it. */
function take<T extends tf.Tensor>(x: T): ReturnType<T["arraySync"]> {
  try {
    return x.arraySync() as ReturnType<T["arraySync"]>;
  } finally {
    x.dispose();
  }
}

/**
 * Many-to-one: the adding problem (regression on the last state).
 * @param options - length T (default 10), cell (default "lstm"), hidden (default 16), steps (default 300).
 * @returns metric = held-out MSE (baseline 1/6); examples: the two marked values, target, prediction.
 */
export function manyToOneDemo(options: DemoOptions & { length?: number } = {}): ArchitectureDemo {
  const task = addingProblem({ length: options.length ?? 10 });
  const cell = options.cell ?? "lstm";
  const result = run(task, options, { steps: 300 },
    () => new SequenceClassifier({
      encoder: makeCell(cell, task.inputSize, options.hidden ?? 16),
      outputSize: 1,
      objective: "regression",
    }),
    (model, batch) => {
      const inputs = batch.inputs.arraySync(); // [B, T, 2]
      const targets = batch.targets.arraySync() as number[][]; // [B, 1]
      const predictions = take(model.predict(batch.inputs)); // [B, 1]
      const examples = inputs.slice(0, options.examples ?? 5).map((steps, b) => ({
        "marked values": steps.filter((x) => x[1] === 1).map((x) => x[0].toFixed(3)).join(" + "),
        target: targets[b][0].toFixed(3),
        prediction: predictions[b][0].toFixed(3),
      }));
      return { metric: model.evaluate(batch), examples };
    });
  return { architecture: "many-to-one", metricName: "MSE", baseline: task.baseline, ...result };
}

/**
 * Many-to-many, aligned: the copy task (an output at every step; the recall steps count).
 * @param options - delay (default 10), symbols K (default 4), copyLength S (default 3),
 *   cell (default "lstm"), hidden (default 32), steps (default 300), forgetBias (lstm only, default 1).
 * @returns metric = recall accuracy (baseline 1/K); examples: symbols, their recall.
 */
export function alignedDemo(
  options: DemoOptions & { delay?: number; symbols?: number; copyLength?: number; forgetBias?: number } = {},
): ArchitectureDemo {
  const S = options.copyLength ?? 3;
  const delay = options.delay ?? 10;
  const task = copyTask({ symbols: options.symbols ?? 4, length: S, delay });
  const cell = options.cell ?? "lstm";
  const result = run(task, options, { steps: 300 },
    () => new SequenceTagger({
      encoder: makeCell(cell, task.inputSize, options.hidden ?? 32, cell === "lstm" ? { forgetBias: options.forgetBias } : {}),
      numTags: task.outputSize,
    }),
    (model, batch) => {
      const targets = batch.targets.arraySync(); // [B, T]
      const tags = take(model.tag(batch.inputs)); // [B, T]
      const recall = S + delay; // the first recall step
      const examples = targets.slice(0, options.examples ?? 5).map((y, b) => ({
        symbols: y.slice(recall, recall + S).join(" "),
        [`blanks`]: String(delay),
        recalled: tags[b].slice(recall, recall + S).join(" "),
      }));
      return { metric: model.evaluate(batch), examples };
    });
  return { architecture: "many-to-many (aligned)", metricName: "recall accuracy", baseline: task.baseline, ...result };
}

/**
 * One-to-many: spell each digit's English name from its one-hot vector.
 * @param options - cell (default "gru"), hidden (default 32), steps (default 150).
 * @returns metric = the fraction of the 10 digits spelled exactly (baseline 0); examples:
 *   every digit, its name and the greedy spelling.
 */
export function oneToManyDemo(options: DemoOptions = {}): ArchitectureDemo {
  const task = spellingTask();
  const result = run(task, options, { steps: 150 },
    () => new SequenceGenerator({
      cell: { kind: options.cell ?? "gru", hiddenSize: options.hidden ?? 32 },
      vectorSize: task.inputSize,
      vocabularySize: task.outputSize,
      maxLength: 8,
    }),
    (model) => {
      const digits = tf.tidy(() => tf.oneHot(tf.range(0, 10, 1, "int32"), 10).toFloat() as tf.Tensor2D); // [10, 10]
      const ids = take(model.predict(digits)); // [10, L]
      digits.dispose();
      const all = ids.map((row, d) => ({ digit: String(d), name: DIGIT_NAMES[d], generated: decodeTokens(row, task.vocabulary) }));
      const metric = all.filter((r) => r.name === r.generated).length / all.length;
      return { metric, examples: all.slice(0, options.examples ?? 10) };
    }, 1);
  return { architecture: "one-to-many", metricName: "digits spelled", baseline: 0, ...result };
}

/**
 * Many-to-many, unaligned: an encoder–decoder reverses a digit sequence.
 * @param options - symbols K (default 8), minLength (default 3), maxLength (default 6),
 *   cell (default "gru", encoder and decoder), hidden (default 64), steps (default 400).
 * @returns metric = the fraction of held-out sequences reversed exactly (baseline 0);
 *   examples: input, target, output.
 */
export function unalignedDemo(
  options: DemoOptions & { symbols?: number; minLength?: number; maxLength?: number } = {},
): ArchitectureDemo {
  const task = reverseTask({ symbols: options.symbols ?? 8, minLength: options.minLength ?? 3, maxLength: options.maxLength ?? 6 });
  const cell = options.cell ?? "gru";
  const H = options.hidden ?? 64;
  const result = run(task, options, { steps: 400 },
    () => new EncoderDecoder({
      encoder: makeCell(cell, task.inputSize, H),
      decoder: { kind: cell, hiddenSize: H },
      vocabularySize: task.outputSize,
    }),
    (model, batch) => {
      const sources = take(tf.argMax(batch.sources, 2) as tf.Tensor2D); // [B, S]
      const sourceMask = batch.sourceMask.arraySync(); // [B, S]
      const targets = batch.targets.arraySync(); // [B, L]
      const outputs = take(model.predict(batch.sources, batch.sourceMask)); // [B, L']
      const rows = targets.map((y, b) => ({
        input: decodeTokens(sources[b].filter((_, t) => sourceMask[b][t] === 1), task.vocabulary, " "),
        target: decodeTokens(y, task.vocabulary, " "),
        output: decodeTokens(outputs[b], task.vocabulary, " "),
      }));
      const metric = rows.filter((r) => r.target === r.output).length / rows.length;
      return { metric, examples: rows.slice(0, options.examples ?? 5) };
    });
  return { architecture: "many-to-many (unaligned)", metricName: "exact match", baseline: 0, ...result };
}
