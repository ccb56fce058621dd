/**
 * The memory sweep of notebook `03-lstm-gru`: a vanilla RNN, an LSTM and a GRU trained on a
 * task whose difficulty grows with one length, at several lengths and seeds.
 *
 * - `"adding"`: the adding problem (Hochreiter & Schmidhuber 1997, §5.4) with T = length,
 *   many-to-one regression; the metric is the MSE on a held-out batch (lower is better;
 *   always predicting 1 scores the `baseline` 1/6).
 * - `"copy"`: the copy task (Arjovsky, Shah & Bengio 2016) with `delay` = length blank
 *   steps between the symbols and the recall, aligned many-to-many; the metric is the
 *   accuracy at the recall steps on a held-out batch (chance is 1/K).
 * - `"remember"`: `rememberTask`, one symbol of K followed by `delay` = length distractors,
 *   many-to-one classification; the metric is the held-out accuracy (chance is 1/K).
 *
 * For each (cell, length, seed):
 *   1. setSeed(seed) and build the model, so every cell kind of one seed starts from the
 *      same random stream;
 *   2. train with Adam for `steps` steps on batches seeded by (seed, length, step);
 *   3. measure the metric on one held-out batch (its seed differs from every training seed).
 *
 * The gradient that teaches the network to keep the marked values (or symbols) must
 * travel back over ~length steps: through a product of Jacobians for the RNN, along the
 * additive cell path C_t = f_t ⊙ C_{t−1} + i_t ⊙ C̃_t for the LSTM, and along
 * h_t = (1 − u_t) ⊙ h_{t−1} + u_t ⊙ h̃_t for the GRU (notebook `02-gradients`).
 */
import { addingProblem, copyTask, rememberTask } from "../data/tasks.js";
import { ArgumentError } from "../errors.js";
import { SequenceClassifier } from "../models/many_to_one.js";
import { SequenceTagger } from "../models/many_to_many.js";
import { lineChart, scatterPlot, type Figure } from "../plot/figure.js";
import type { Trainable } from "../models/common.js";
import { setSeed } from "../random.js";
import { makeCell, type CellKind } from "../rnn/layer.js";
import { train } from "../train/train.js";
import { tidyBuild } from "./architectures.js";

/** Which memory task the sweep trains on. */
export type MemoryTaskName = "adding" | "copy" | "remember";

/** Options of {@link memorySweep}. */
export interface MemorySweepOptions {
  /** The task. Default: "adding". */
  task?: MemoryTaskName;
  /** The lengths: T of the adding problem, or the delay of the copy task. Default: [10, 20, 30, 50]. */
  lengths?: number[];
  /** The cell kinds. Default: ["rnn", "lstm", "gru"]. */
  cells?: CellKind[];
  /** The seeds, one run each per (cell, length). Default: [1, 2, 3]. */
  seeds?: number[];
  /** Adam steps per run. Default: 600. */
  steps?: number;
  /** H of every cell. Default: 16. */
  hidden?: number;
  /** Batch size B. Default: 32. */
  batchSize?: number;
  /** Adam's learning rate. Default: 0.01. */
  learningRate?: number;
  /** Initial b_f of the LSTM (lstm.ts). Default: 1. */
  forgetBias?: number;
  /** K symbols of the copy and remember tasks. Default: 4. */
  symbols?: number;
  /** S symbols to copy in the copy task. Default: 3. */
  copyLength?: number;
  /** Size of the held-out batch. Default: 256. */
  evalSize?: number;
  /** Called after each run with its row (e.g. to print progress). Default: none. */
  onRow?: (row: MemoryRow) => void;
}

/** One run of the sweep. */
export interface MemoryRow {
  cell: CellKind;
  /** T (adding) or the delay (copy, remember). */
  length: number;
  seed: number;
  /** Held-out MSE (adding, lower is better) or accuracy (copy, remember; higher is better). */
  metric: number;
  /** The training steps run. */
  steps: number;
  /** Wall time of the run, seconds. */
  seconds: number;
}

/** What the sweep measured. */
export interface MemorySweep {
  task: MemoryTaskName;
  /** "mse" (adding) or "accuracy" (copy, remember). */
  metricName: "mse" | "accuracy";
  /** The metric of the best constant prediction: 1/6 (adding) or 1/K (copy, remember). */
  baseline: number;
  /** One row per (cell, length, seed), cells outermost, seeds innermost. */
  rows: MemoryRow[];
}

/** A model with a held-out metric. */
interface Evaluable<Batch> extends Trainable<Batch> {
  evaluate(batch: Batch): number;
}

/** Runs the sweep (see the file comment). Deterministic for the same options and backend. */
export function memorySweep(options: MemorySweepOptions = {}): MemorySweep {
  const task = options.task ?? "adding";
  if (task !== "adding" && task !== "copy" && task !== "remember") {
    throw new ArgumentError(`memorySweep: expected task "adding", "copy" or "remember", got ${JSON.stringify(task)}`);
  }
  const lengths = options.lengths ?? [10, 20, 30, 50];
  const cells = options.cells ?? ["rnn", "lstm", "gru"];
  const seeds = options.seeds ?? [1, 2, 3];
  const steps = options.steps ?? 600;
  const hidden = options.hidden ?? 16;
  const batchSize = options.batchSize ?? 32;
  const evalSize = options.evalSize ?? 256;
  const symbols = options.symbols ?? 4;
  const rows: MemoryRow[] = [];
  for (const cell of cells) {
    for (const length of lengths) {
      for (const seed of seeds) {
        const t0 = performance.now();
        const run = <Batch extends object>(
          t: { inputSize: number; outputSize: number; batch(size: number, seed: number): Batch },
          model: Evaluable<Batch>,
        ): number => {
          try {
            train(model, (s) => t.batch(batchSize, ((seed * 7919 + length) * 100_003 + s) % 2 ** 32), {
              steps,
              learningRate: options.learningRate ?? 0.01,
            });
            const heldOut = t.batch(evalSize, 0xfffffff0 - seed); // never a training seed
            try {
              return model.evaluate(heldOut);
            } finally {
              Object.values(heldOut).forEach((x) => x.dispose());
            }
          } finally {
            model.weights.forEach((w) => w.dispose());
          }
        };
        setSeed(seed);
        const cellOptions = cell === "lstm" ? { forgetBias: options.forgetBias } : {};
        let metric: number;
        if (task === "adding") {
          const t = addingProblem({ length });
          const encoder = makeCell(cell, t.inputSize, hidden, cellOptions);
          metric = run(t, tidyBuild(() => new SequenceClassifier({ encoder, outputSize: 1, objective: "regression" })));
        } else if (task === "remember") {
          const t = rememberTask({ symbols, delay: length });
          const encoder = makeCell(cell, t.inputSize, hidden, cellOptions);
          metric = run(t, tidyBuild(() => new SequenceClassifier({ encoder, outputSize: t.outputSize })));
        } else {
          const t = copyTask({ symbols, length: options.copyLength ?? 3, delay: length });
          const encoder = makeCell(cell, t.inputSize, hidden, cellOptions);
          metric = run(t, tidyBuild(() => new SequenceTagger({ encoder, numTags: t.outputSize })));
        }
        const row = { cell, length, seed, metric, steps, seconds: (performance.now() - t0) / 1000 };
        rows.push(row);
        options.onRow?.(row);
      }
    }
  }
  return {
    task,
    metricName: task === "adding" ? "mse" : "accuracy",
    baseline: task === "adding" ? 1 / 6 : 1 / symbols,
    rows,
  };
}

/**
 * One sweep from several run separately (e.g. one notebook cell per cell kind, so that no
 * cell runs for too long): the rows concatenated in order.
 * @param sweeps - at least one, all on the same task.
 */
export function mergeSweeps(sweeps: MemorySweep[]): MemorySweep {
  if (sweeps.length === 0) throw new ArgumentError("mergeSweeps: expected at least one sweep, got 0");
  const [first] = sweeps;
  const other = sweeps.find((s) => s.task !== first.task || s.baseline !== first.baseline);
  if (other !== undefined) {
    throw new ArgumentError(`mergeSweeps: expected every sweep on task "${first.task}" (baseline ${first.baseline}), got "${other.task}" (baseline ${other.baseline})`);
  }
  return { ...first, rows: sweeps.flatMap((s) => s.rows) };
}

/** Mean, median, min and max of the metric per (cell, length), for plotting: one entry per cell. */
export function summarizeSweep(
  rows: MemoryRow[],
): Array<{ cell: CellKind; lengths: number[]; mean: number[]; median: number[]; min: number[]; max: number[] }> {
  const cells = [...new Set(rows.map((r) => r.cell))];
  return cells.map((cell) => {
    const mine = rows.filter((r) => r.cell === cell);
    const lengths = [...new Set(mine.map((r) => r.length))].sort((a, b) => a - b);
    const metrics = lengths.map((T) => mine.filter((r) => r.length === T).map((r) => r.metric));
    return {
      cell,
      lengths,
      mean: metrics.map((m) => m.reduce((a, b) => a + b, 0) / m.length),
      median: metrics.map((m) => {
        const sorted = [...m].sort((a, b) => a - b);
        const k = sorted.length >> 1;
        return sorted.length % 2 === 1 ? sorted[k] : (sorted[k - 1] + sorted[k]) / 2;
      }),
      min: metrics.map((m) => Math.min(...m)),
      max: metrics.map((m) => Math.max(...m)),
    };
  });
}

/**
 * The sweep as a figure: per cell kind, the median metric over seeds against the length (a
 * line; the median, as one stuck run would drag a mean up by orders of magnitude on the
 * log scale) and every seed's run (points), with the baseline as a dashed line. The MSE of
 * the adding problem is drawn on a log scale.
 */
export function sweepChart(sweep: MemorySweep, options: { title?: string } = {}): Figure {
  const summary = summarizeSweep(sweep.rows);
  const colors = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e"];
  const lengths = [...new Set(sweep.rows.map((r) => r.length))].sort((a, b) => a - b);
  const label = sweep.task === "adding" ? "T" : "delay";
  const fig = lineChart(
    [
      ...summary.map((s) => ({ name: `${s.cell.toUpperCase()} (median)`, x: s.lengths, y: s.median })),
      { name: sweep.task === "adding" ? "baseline: predict 1" : "chance", x: lengths, y: lengths.map(() => sweep.baseline) },
    ],
    {
      title: options.title ?? `${sweep.task}: held-out ${sweep.metricName} against ${label}`,
      xLabel: sweep.task === "adding" ? "sequence length T" : "delay (blank steps)",
      yLabel: sweep.metricName === "mse" ? "MSE (log scale, lower is better)" : "accuracy",
      logY: sweep.metricName === "mse",
    },
  );
  const points = scatterPlot(summary.map((s) => {
    const mine = sweep.rows.filter((r) => r.cell === s.cell);
    return { name: `${s.cell.toUpperCase()} (each seed)`, x: mine.map((r) => r.length), y: mine.map((r) => r.metric) };
  }));
  fig.data.forEach((trace, i) => {
    trace.mode = "lines+markers";
    trace.line = i < summary.length ? { color: colors[i % colors.length] } : { color: "gray", dash: "dash" };
  });
  points.data.forEach((trace, i) => {
    trace.marker = { color: colors[i % colors.length], opacity: 0.45, size: 7 };
  });
  fig.data.push(...points.data);
  return fig;
}
