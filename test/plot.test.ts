import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { lineChart, heatmap, barChart, scatterPlot } from "../lib/src/plot/figure.js";
import { plotHtml, summary } from "../lib/src/plot/show.js";
import { ArgumentError } from "../lib/src/errors.js";

test("lineChart: one scatter-lines trace per series, default x = 0..n-1", () => {
  const fig = lineChart([{ name: "train", y: new Float32Array([3, 2, 1.5]) }, { name: "valid", x: [0, 2], y: [3.1, 2.2] }], {
    title: "loss",
    xLabel: "epoch",
    logY: true,
  });
  assert.equal(fig.data.length, 2);
  assert.deepEqual(fig.data[0], { type: "scatter", mode: "lines", name: "train", x: [0, 1, 2], y: [3, 2, 1.5] });
  assert.deepEqual(fig.data[1]!.x, [0, 2]);
  assert.deepEqual(fig.layout.title, { text: "loss" });
  assert.equal((fig.layout.yaxis as { type: string }).type, "log");
  assert.equal(summary(fig), "<Figure 'loss': scatter 'train', scatter 'valid'>");
});

test("lineChart: mismatched x and y name the series and both lengths", () => {
  assert.throws(
    () => lineChart([{ name: "a", y: [1, 2] }, { name: "b", x: [1, 2, 3], y: [1, 2] }]),
    (e: unknown) => e instanceof ArgumentError && e.message === "lineChart: series[1] ('b'): expected y to have the length of x (3), got 2",
  );
  assert.throws(() => lineChart([]), /expected at least one entry in series, got none/);
  assert.throws(() => lineChart([{ name: "c", y: [1, "2" as unknown as number] }]), /series\[0\] \('c'\).y: expected numbers, got the string '2' at index 1/);
});

test("heatmap: rows must be equally long and labels must fit; logColor colours by log10", () => {
  const fig = heatmap([[1, 10], [100, 1000]], { x: ["a", "b"], y: [0.5, 1.5], logColor: true, colorLabel: "norm" });
  assert.deepEqual(fig.data[0]!.z, [[0, 1], [2, 3]]);
  assert.deepEqual(fig.data[0]!.customdata, [[1, 10], [100, 1000]]);
  assert.deepEqual(fig.data[0]!.colorbar, { title: { text: "log10 norm" } });
  // text labels make category axes (a tag named "1" or "B-PER" is not a number); numeric labels keep plotly's own choice
  assert.equal((fig.layout.xaxis as { type?: string }).type, "category");
  assert.equal((fig.layout.yaxis as { type?: string }).type, undefined);
  const tags = heatmap([[1, 2], [3, 4]], { x: ["O", "B-PER"], y: ["O", "B-PER"] });
  assert.equal((tags.layout.yaxis as { type?: string }).type, "category");
  assert.throws(() => heatmap([[1, 2], [3]]), /heatmap: expected z\[1\] to have the length of z\[0\] \(2\), got 1/);
  assert.throws(() => heatmap([[1, 2]], { x: ["a"] }), /expected columns of z to have the length of x \(column labels\) \(1\), got 2/);
});

test("barChart groups series over shared labels; scatterPlot keeps hover labels", () => {
  const bars = barChart(["PER", "LOC"], [{ name: "F1", values: [0.9, 0.8] }, { name: "P", values: [0.95, 0.85] }]);
  assert.equal(bars.layout.barmode, "group");
  assert.deepEqual(bars.data.map((t) => [t.type, t.x, t.y]), [["bar", ["PER", "LOC"], [0.9, 0.8]], ["bar", ["PER", "LOC"], [0.95, 0.85]]]);
  assert.throws(() => barChart(["a"], [{ name: "s", values: [1, 2] }]), /expected values to have the length of labels \(1\), got 2/);
  const sc = scatterPlot([{ name: "words", x: [0, 1], y: [1, 0], labels: ["cat", "dog"] }]);
  assert.deepEqual(sc.data[0], { type: "scatter", mode: "markers", name: "words", x: [0, 1], y: [1, 0], text: ["cat", "dog"] });
});

test("plotHtml: deterministic id, figure JSON escaped, bundle path relative to the notebook folder", () => {
  const fig = lineChart([{ name: "</script><b>x", y: [1, 2] }]);
  const notebooks = path.resolve(import.meta.dirname, "..", "notebooks");
  const a = plotHtml(fig, notebooks);
  assert.equal(a, plotHtml(fig, notebooks));
  assert.notEqual(a, plotHtml(lineChart([{ name: "other", y: [1, 2] }]), notebooks));
  assert.ok(!a.includes("</script><b>"), "a trace name must not close the script element");
  assert.ok(a.includes('"../node_modules/plotly.js-dist/plotly.js"'), a.slice(0, 400));
  assert.match(a, /^<div id="seqlab-plot-[0-9a-f]{12}" class="seqlab-plot" style="height:400px;width:100%"><\/div>/);
});

test("show outside a notebook prints the plain-text summary", () => {
  const code = `const { show } = await import("./lib/src/plot/show.ts"); const { barChart } = await import("./lib/src/plot/figure.ts");
show(barChart(["a"], [{ name: "n", values: [1] }], { title: "T" }));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { cwd: path.resolve(import.meta.dirname, ".."), encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "<Figure 'T': bar 'n'>\n");
});
