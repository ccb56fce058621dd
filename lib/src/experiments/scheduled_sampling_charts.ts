/**
 * The figures of notebook 06: the schedules εᵢ (generation/schedules.ts), the exposure-bias
 * curves (`exposureBias`, scheduled_sampling.ts), the comparison's error rates and the fraction
 * of decoder inputs each run fed from the model (`g2pComparison`, g2p_runs.ts).
 */
import { scheduleCurve, type Schedule } from "../generation/schedules.js";
import { barChart, lineChart, type Figure } from "../plot/figure.js";
import type { G2pComparisonRun } from "./g2p_runs.js";
import type { ExposureBiasCurve } from "./scheduled_sampling.js";

/**
 * εᵢ of each schedule against the training step i.
 * @param schedules - the schedules, each drawn with its `name` unless `names` is given.
 * @param steps - steps 0 … steps − 1.
 * @param names - legend entries, one per schedule. Default: the schedules' names.
 */
export function scheduleChart(schedules: readonly Schedule[], steps: number, names?: readonly string[]): Figure {
  return legendBelow(lineChart(
    schedules.map((s, i) => ({ name: names?.[i] ?? s.name, ...(({ steps: x, epsilon: y }) => ({ x, y }))(scheduleCurve(s, steps)) })),
    { title: "εᵢ: the probability of feeding the true token at step i", xLabel: "training step i", yLabel: "εᵢ" },
  ));
}

/** The legend under the plot, so that long names do not squeeze it. */
function legendBelow(fig: Figure, rows = 2): Figure {
  fig.layout.legend = { orientation: "h", x: 0, y: -0.2, yanchor: "top" };
  fig.layout.height = 420 + 22 * rows;
  fig.layout.margin = { ...(fig.layout.margin as object), b: 60 + 22 * rows };
  return fig;
}

/**
 * Error rate per output position, gold-fed (dashed) against self-fed (solid), for each model.
 * @param curves - a name and an `exposureBias` curve per model.
 */
export function exposureBiasChart(curves: readonly { name: string; curve: ExposureBiasCurve }[]): Figure {
  const fig = lineChart(
    curves.flatMap(({ name, curve }) => [
      { name: `${name}: fed its own outputs`, x: curve.positions, y: curve.selfFed },
      { name: `${name}: fed the truth`, x: curve.positions, y: curve.goldFed },
    ]),
    { title: "exposure bias: P(phoneme t wrong) against the position t", xLabel: "output position t (0 = first phoneme; the last is <eos>)", yLabel: "error rate at t" },
  );
  fig.data.forEach((trace, i) => {
    trace.mode = "lines+markers";
    trace.line = { dash: i % 2 === 1 ? "dash" : "solid" };
    trace.legendgroup = curves[Math.floor(i / 2)].name;
  });
  return legendBelow(fig, curves.length);
}

/**
 * Mean WER or PER (%) of each configuration over its seeds, greedy and beam side by side, the
 * standard deviation over seeds as error bars (none for a single seed).
 * @param runs - from `g2pComparison`.
 * @param metric - "wer" or "per".
 */
export function g2pComparisonChart(runs: readonly G2pComparisonRun[], metric: "wer" | "per"): Figure {
  const configurations = [...new Set(runs.map((r) => r.configuration))];
  const stats = (decoder: "greedy" | "beam") =>
    configurations.map((c) => {
      const xs = runs.filter((r) => r.configuration === c).map((r) => 100 * r[decoder][metric]);
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const std = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
      return { mean, std };
    });
  const greedy = stats("greedy");
  const beam = stats("beam");
  const fig = barChart(configurations, [{ name: "greedy", values: greedy.map((s) => s.mean) }, { name: "beam", values: beam.map((s) => s.mean) }], {
    title: `${metric.toUpperCase()} on the test words (mean over seeds, bars ± 1 std)`,
    yLabel: `${metric.toUpperCase()} (%)`,
  });
  [greedy, beam].forEach((s, i) => (fig.data[i].error_y = { type: "data", array: s.map((x) => x.std), visible: true }));
  fig.layout.margin = { ...(fig.layout.margin as object), b: 110 }; // room for the slanted configuration names
  return fig;
}

/**
 * The fraction of decoder inputs fed from the model at each training step (the realised 1 − εᵢ),
 * averaged over blocks of `every` steps, one line per configuration (its first seed).
 * @param runs - from `g2pComparison`.
 * @param every - block size. Default: steps / 100, at least 1.
 */
export function sampledFractionChart(runs: readonly G2pComparisonRun[], every?: number): Figure {
  const firsts = [...new Map(runs.map((r) => [r.configuration, r] as const)).values()].filter((r) => r.sampled.length > 0);
  const fig = lineChart(
    firsts.map((r) => {
      const k = every ?? Math.max(1, Math.floor(r.sampled.length / 100));
      const x: number[] = [];
      const y: number[] = [];
      for (let i = 0; i < r.sampled.length; i += k) {
        const block = r.sampled.slice(i, i + k);
        x.push(i);
        y.push(block.reduce((a, b) => a + b, 0) / block.length);
      }
      return { name: r.configuration, x, y };
    }),
    { title: "decoder inputs fed from the model during training", xLabel: "training step i", yLabel: "fraction sampled (≈ 1 − εᵢ)" },
  );
  return legendBelow(fig);
}
