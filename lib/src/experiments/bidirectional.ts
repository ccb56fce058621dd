/**
 * The stacked / bidirectional comparison of notebook `03-lstm-gru`, on `nextTokenTask`
 * (tag each token with the next one): the right context decides every tag, so a
 * left-to-right network cannot beat the task's `baseline` ((T−1)/K + 1)/T however deep
 * it is, while a bidirectional one (Schuster & Paliwal 1997) reads x_{t+1} from its
 * backward half ←h_t.
 *
 * The four taggers (LSTM cells, `width` = 2H units per layer in every case):
 *
 * | name                     | layers                                              |
 * |--------------------------|-----------------------------------------------------|
 * | `"lstm"`                 | one left-to-right LSTM, 2H                          |
 * | `"stacked"`              | two left-to-right LSTMs, 2H → 2H (StackedRnn)       |
 * | `"bidirectional"`        | Bidirectional(LSTM H, LSTM H)                       |
 * | `"stacked-bidirectional"`| two Bidirectional(LSTM H, LSTM H) layers            |
 *
 * Each model: setSeed(seed), build, train with Adam on batches seeded by (seed, step),
 * evaluate the tag accuracy on one held-out batch every `evalEvery` steps and at the end.
 */
import { nextTokenTask } from "../data/tasks.js";
import { ArgumentError } from "../errors.js";
import { SequenceTagger } from "../models/many_to_many.js";
import { setSeed } from "../random.js";
import { barChart, type Figure } from "../plot/figure.js";
import { Bidirectional } from "../rnn/bidirectional.js";
import { LstmCell } from "../rnn/lstm.js";
import type { SequenceLayer } from "../rnn/layer.js";
import { StackedRnn } from "../rnn/stacked.js";
import { train } from "../train/train.js";
import { tidyBuild } from "./architectures.js";

/** The four taggers compared. */
export type TaggerArchitecture = "lstm" | "stacked" | "bidirectional" | "stacked-bidirectional";

/** All four, in the order of the file comment's table. */
export const TAGGER_ARCHITECTURES: readonly TaggerArchitecture[] = ["lstm", "stacked", "bidirectional", "stacked-bidirectional"];

/** Options of {@link bidirectionalComparison}. */
export interface BidirectionalOptions {
  /** The architectures to train. Default: all four (`TAGGER_ARCHITECTURES`). */
  architectures?: TaggerArchitecture[];
  /** K symbols of `nextTokenTask`. Default: 5. */
  symbols?: number;
  /** T, the sequence length. Default: 8. */
  length?: number;
  /** H: units per direction (a left-to-right layer has 2H). Default: 8. */
  hidden?: number;
  /** Adam steps. Default: 200. */
  steps?: number;
  /** Batch size B. Default: 32. */
  batchSize?: number;
  /** Adam's learning rate. Default: 0.01. */
  learningRate?: number;
  /** Evaluate every this many steps (and after the last). Default: 25. */
  evalEvery?: number;
  /** Seeds of the weights and batches, one run each per architecture. Default: [1]. */
  seeds?: number[];
  /** Size of the held-out batch. Default: 256. */
  evalSize?: number;
}

/** One trained tagger. */
export interface TaggerRun {
  architecture: TaggerArchitecture;
  seed: number;
  /** Tag accuracy on the held-out batch after the last step. */
  accuracy: number;
  /** Number of trainable scalars (cells and output layer). */
  parameters: number;
  /** Wall time, seconds. */
  seconds: number;
  /** The held-out accuracy during training: steps (1-based counts) and accuracies. */
  curve: { steps: number[]; accuracy: number[] };
}

/** What the comparison measured. */
export interface BidirectionalComparison {
  /** The task's name, e.g. "next-token(K=5, T=8)". */
  task: string;
  /** The best accuracy a left-to-right tagger can reach (`nextTokenTask(...).baseline`). */
  leftToRightCeiling: number;
  /** One run per (architecture, seed), architectures outermost. */
  runs: TaggerRun[];
}

/**
 * The sequence layer of `architecture` (see the file comment's table).
 * @param D - input size. @param H - units per direction.
 * @returns a layer [B, T, D] → [B, T, 2H].
 */
export function taggerLayer(architecture: TaggerArchitecture, D: number, H: number): SequenceLayer {
  const bi = (d: number) => new Bidirectional(new LstmCell(d, H), new LstmCell(d, H));
  switch (architecture) {
    case "lstm":
      return new StackedRnn([new LstmCell(D, 2 * H)]);
    case "stacked":
      return new StackedRnn([new LstmCell(D, 2 * H), new LstmCell(2 * H, 2 * H)]);
    case "bidirectional":
      return new StackedRnn([bi(D)]);
    case "stacked-bidirectional":
      return new StackedRnn([bi(D), bi(2 * H)]);
    default:
      throw new ArgumentError(
        `taggerLayer: expected architecture one of ${TAGGER_ARCHITECTURES.join(", ")}, got ${JSON.stringify(architecture)}`,
      );
  }
}

/** Trains the taggers (see the file comment). Deterministic for the same options and backend. */
export function bidirectionalComparison(options: BidirectionalOptions = {}): BidirectionalComparison {
  const task = nextTokenTask({ symbols: options.symbols ?? 5, maxLength: options.length ?? 8 });
  const H = options.hidden ?? 8;
  const batchSize = options.batchSize ?? 32;
  const runs: TaggerRun[] = [];
  for (const architecture of options.architectures ?? TAGGER_ARCHITECTURES) {
    for (const seed of options.seeds ?? [1]) {
      const t0 = performance.now();
      setSeed(seed);
      const model = tidyBuild(() => new SequenceTagger({ encoder: taggerLayer(architecture, task.inputSize, H), numTags: task.outputSize }));
      const heldOut = task.batch(options.evalSize ?? 256, 0xfffffff0 - seed); // never a training seed
      try {
        const history = train(model, (s) => task.batch(batchSize, seed * 100_003 + s), {
          steps: options.steps ?? 200,
          learningRate: options.learningRate ?? 0.01,
          evalEvery: options.evalEvery ?? 25,
          evaluate: () => ({ accuracy: model.evaluate(heldOut) }),
        });
        const accuracy = history.evals.map((e) => e.metrics.accuracy);
        runs.push({
          architecture,
          seed,
          accuracy: accuracy[accuracy.length - 1],
          parameters: model.weights.reduce((n, w) => n + w.size, 0),
          seconds: (performance.now() - t0) / 1000,
          curve: { steps: history.evals.map((e) => e.step + 1), accuracy },
        });
      } finally {
        Object.values(heldOut).forEach((x) => x.dispose());
        model.weights.forEach((w) => w.dispose());
      }
    }
  }
  return { task: task.name, leftToRightCeiling: task.baseline, runs };
}

/**
 * The comparison as a bar chart: the mean held-out accuracy of each architecture, and the
 * left-to-right ceiling as a dashed line across the chart.
 */
export function comparisonChart(result: BidirectionalComparison, options: { title?: string } = {}): Figure {
  const architectures = [...new Set(result.runs.map((r) => r.architecture))];
  const mean = architectures.map((a) => {
    const mine = result.runs.filter((r) => r.architecture === a);
    return mine.reduce((s, r) => s + r.accuracy, 0) / mine.length;
  });
  const fig = barChart(architectures, [{ name: "held-out tag accuracy", values: mean }], {
    title: options.title ?? `${result.task}: tag accuracy`,
    yLabel: "accuracy",
  });
  fig.data.push({
    type: "scatter",
    mode: "lines",
    name: `left-to-right ceiling (${result.leftToRightCeiling.toFixed(3)})`,
    x: architectures,
    y: architectures.map(() => result.leftToRightCeiling),
    line: { color: "black", dash: "dash" },
  });
  fig.layout.yaxis = { ...(fig.layout.yaxis as object), range: [0, 1.05] };
  return fig;
}
