/**
 * `npm run bench`: times the course's workloads for each seqlab configuration (tfjs backend
 * + engine) and against a PyTorch reference, prints a Markdown table and writes
 * bench/results/<date>-<host>.json (<date>-<host>-quick.json for `--quick`). Options:
 * `npm run bench -- --help`.
 *
 * Each (workload, configuration) runs in its own child process, because the tfjs backend
 * and the engine are process-wide (`initBackend` chooses both once):
 *
 *   SEQLAB_ENGINE=native node --import tsx bench/workloads/rnn_lm.ts --backend seqlab --cell lstm ...  → one JSON line
 *   /usr/bin/python3 bench/torch/lstm_lm.py --cell lstm ...                                          → one JSON line
 *
 * Configurations (`--configs backend:engine,…`, default wasm:tfjs,seqlab:wasm,seqlab:native):
 * `wasm:tfjs` is stock TensorFlow.js on its wasm backend with the plain tfjs-op reference
 * implementation of every op (no engine); `seqlab:wasm` the portable engine (SIMD
 * WebAssembly kernels); `seqlab:native` the OpenBLAS engine built at install.
 *
 * Fair by construction: both sides link the same OpenBLAS, and both run the same core — the
 * user's OPENBLAS_CORETYPE if set, else the one seqlab's native engine runs (OpenBLAS's own
 * detection, or the remedy of lib/src/engine/blas_core.ts when that is a pre-AVX2 core), passed
 * to every child explicitly; the output names it and the core PyTorch reports. PyTorch runs in
 * its fastest thread setting: each workload is measured under every torch threads ×
 * OPENBLAS_NUM_THREADS pair within the cores and the fastest is kept (`--torch-threads T×B`
 * fixes one), all printed. Both peak matmuls use the library on all cores; PyTorch's more than
 * 15% below seqlab-native's is warned about: same library, core and cores, so one side is
 * handicapped. If `/usr/bin/python3 -c "import torch"` fails, the table says
 * "PyTorch not available: <reason>" and goes on.
 *
 * Columns: ms/step (median over repetitions of the mean over `steps` steps, warm-up
 * excluded; generation: ms per generated token), tokens/s, sentences/s (tagger), speed vs
 * PyTorch = PyTorch ms/step ÷ seqlab ms/step (≥ 1.0× = as fast or faster), % matmul limit
 * = (matmul FLOPs of the step ÷ step time) ÷ the peak matmul GFLOP/s measured in the same
 * configuration (a square matMul, its size in the JSON), the forward / backward / optimizer
 * split, and the child's peak RSS.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { countOption, stepFlops, type LmCell, type LmSizes } from "./workloads/rnn_lm.js";
import { knMedians, type KnPtbResult } from "./workloads/kn_ptb.js";

/**
 * The workloads issue 4 asks for. Each runs as a child: `script` with `args`, the seqlab
 * side with `--backend` and the engine in SEQLAB_ENGINE, the PyTorch side with `torch`.
 * `unit` names what tokens/s counts; `flops` gives the matmul FLOPs per step (training
 * workloads only) for the % matmul limit column.
 */
interface Workload {
  script: string;
  args: string[];
  torch: string[];
  cell?: LmCell;
  /** Runs its own steps and warm-up (the script's defaults), not --steps / --warmup. */
  ownSteps?: boolean;
  /** Reads PTB from SEQLAB_DATA (the PyTorch side gets --data …/ptb.train.txt). */
  ptb?: boolean;
  /** Measures a peak matmul (the PyTorch script takes --peak-size and --peak-blas-threads). */
  peak?: boolean;
  /** Configurations too slow for it (skipped with the reason). */
  skip?: { configs: string[]; why: string };
}
const WORKLOADS: Record<string, Workload> = {
  lstm_lm: { script: "bench/workloads/rnn_lm.ts", args: ["--cell", "lstm"], torch: ["bench/torch/lstm_lm.py", "--cell", "lstm"], cell: "lstm", peak: true },
  gru_lm: { script: "bench/workloads/rnn_lm.ts", args: ["--cell", "gru"], torch: ["bench/torch/lstm_lm.py", "--cell", "gru"], cell: "gru", peak: true },
  bilstm_crf: { script: "bench/workloads/tagger.ts", args: [], torch: ["bench/torch/bilstm_crf.py"], peak: true },
  bilstm_crf_chars: { script: "bench/workloads/tagger.ts", args: ["--chars"], torch: ["bench/torch/bilstm_crf.py", "--chars"], peak: true },
  generation: { script: "bench/workloads/generation.ts", args: ["--cell", "lstm"], torch: ["bench/torch/generate.py", "--cell", "lstm"] },
  train_epoch: {
    script: "bench/workloads/train_epoch.ts",
    args: [],
    torch: ["bench/torch/train_epoch.py"],
    ownSteps: true,
    ptb: true,
    skip: { configs: ["wasm/tfjs", "cpu/tfjs"], why: "skipped: 310 steps of the reference ops take over 8 minutes (see lstm_lm's row)" },
  },
};

/**
 * A seqlab configuration: tfjs backend + engine (engine/engine.ts). `tfjs` as the engine
 * means no engine: the plain tfjs-op reference implementation of every op.
 */
interface Config {
  backend: string;
  engine: string;
}
const DEFAULT_CONFIGS = "wasm:tfjs,seqlab:wasm,seqlab:native";

/**
 * `kn_ptb` (issue 14): `seqlab kn --order 5` on PTB against KenLM's `lmplz -o 5`, one child
 * (workloads/kn_ptb.ts) for both tools, outside the backend/engine configurations; its own table.
 */
const KN_PTB = "kn_ptb";
/** KenLM's lmplz -o 5 on PTB as measured by an earlier session on this machine kind (issue 14), for runs without lmplz. */
const KENLM_PUBLISHED = { wall: "1.84–2.38", wallMax: 2.38, peakRssMb: 418, testPerplexity: 141.186 };

/** The kn_ptb table: seqlab's medians, and KenLM's from this run or, marked, the published ones. */
function knTable(r: KnPtbResult): string {
  const s = knMedians(r.seqlab);
  const lines = [
    "| tool | build s | write s | wall s | peak RSS MB | ARPA MB | test perplexity | runs |",
    "|---|---|---|---|---|---|---|---|",
    `| seqlab kn (node) | ${fmt(s.buildSec, 2)} | ${fmt(s.writeSec, 2)} | ${fmt(s.wallSec, 2)} | ${fmt(s.peakRssMb)} | ${fmt(r.seqlab.arpaMb, 1)} | ${fmt(r.seqlab.testPerplexity, 3)} | ${r.reps}, median |`,
  ];
  let kenlmWall: number;
  let kenlmRss: number;
  let kenlmPpl: number;
  if ("unavailable" in r.kenlm) {
    lines.push(`| KenLM lmplz † | — | — | ${KENLM_PUBLISHED.wall} | ${KENLM_PUBLISHED.peakRssMb} | — | ${KENLM_PUBLISHED.testPerplexity} | † not from this run (${r.kenlm.unavailable}): measured by an earlier session on this machine kind, issue 14 |`);
    [kenlmWall, kenlmRss, kenlmPpl] = [KENLM_PUBLISHED.wallMax, KENLM_PUBLISHED.peakRssMb, KENLM_PUBLISHED.testPerplexity];
  } else {
    const k = knMedians(r.kenlm);
    lines.push(`| KenLM lmplz | — | — | ${fmt(k.wallSec, 2)} | ${fmt(k.peakRssMb)} | ${fmt(r.kenlm.arpaMb, 1)} | ${fmt(r.kenlm.testPerplexity, 3)} | ${r.reps}, median, interleaved |`);
    [kenlmWall, kenlmRss, kenlmPpl] = [k.wallSec, k.peakRssMb, r.kenlm.testPerplexity];
  }
  const verdict = (ok: boolean, what: string) => `${ok ? "met" : "MISSED"}: ${what}`;
  lines.push("");
  if (r.staleBuild !== undefined) lines.push(`WARNING: not the current sources: ${r.staleBuild}.`);
  lines.push(
    `kn_ptb goal (issue 14), load average ${r.loadAverage.join(" ")} at the start: ` +
      [
        verdict(s.wallSec <= kenlmWall, `wall ${fmt(s.wallSec, 2)} s vs KenLM ${fmt(kenlmWall, 2)} s${"unavailable" in r.kenlm ? " (the published range's top)" : ""}`),
        verdict(r.seqlab.testPerplexity.toPrecision(4) === kenlmPpl.toPrecision(4), `perplexity ${r.seqlab.testPerplexity.toPrecision(4)} vs ${kenlmPpl.toPrecision(4)}`),
        verdict(s.peakRssMb <= kenlmRss, `peak RSS ${fmt(s.peakRssMb)} MB vs ${fmt(kenlmRss)} MB`),
      ].join("; "),
  );
  return lines.join("\n");
}

const ROOT = path.resolve(import.meta.dirname, "..");
const PYTHON = "/usr/bin/python3";

/**
 * What every workload child prints (rnn_lm.ts's `WorkloadResult` is the model; the
 * tagger adds sentences/s, generation reports ms per generated token as its step).
 */
interface ChildResult {
  workload: string;
  /** train_epoch: the bare step in the same process (workloads/train_epoch.ts). */
  bareMsPerStep?: number;
  backend: string;
  backendDetail?: string;
  engine?: string;
  msPerStep?: number;
  msPerToken?: number;
  tokensPerSec: number;
  sentencesPerSec?: number;
  flopsPerStep?: number;
  peakGflops?: number;
  peakSize?: number;
  fractionOfMatmulLimit?: number;
  breakdownMs?: { forward: number; backward: number; optimizer: number };
  finalLoss?: number;
  peakRssMb: number;
  reps: number;
  steps?: number;
  tokens?: number;
  warmup: number;
  sizes?: LmSizes;
}

/** One row of the table: a result, or why there is none. */
interface Row {
  workload: string;
  /** "wasm/tfjs", "seqlab/native", … or "pytorch". */
  config: string;
  /** PyTorch's thread setting. */
  threads?: TorchThreads;
  result?: ChildResult;
  error?: string;
}

/** The OpenBLAS core every child runs, and where it comes from. */
interface BenchCore {
  /** Passed to every child as OPENBLAS_CORETYPE; undefined = not OpenBLAS (nothing to pin). */
  core?: string;
  /** "OPENBLAS_CORETYPE", "detected by OpenBLAS", "set by seqlab over Prescott", or why there is none. */
  source: string;
  /** The engine's warning (an old core on a CPU with AVX2), if any. */
  warning?: string;
}

/** The core both sides run: the user's OPENBLAS_CORETYPE, else the one seqlab's native engine picks. */
function benchCore(): BenchCore {
  const user = process.env.OPENBLAS_CORETYPE;
  const script = `import { loadNativeKernels } from ${JSON.stringify(path.join(ROOT, "lib", "src", "engine", "native.ts"))};
    const k = loadNativeKernels(); console.log(JSON.stringify({ description: k.description, warning: k.warning }));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8" });
  let info: { description?: string; warning?: string } = {};
  try {
    info = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as typeof info;
  } catch {
    // the native engine did not load: said below
  }
  const m = /core (\w+)( set by seqlab over (\w+))?/.exec(info.description ?? "");
  const warning = info.warning === undefined ? {} : { warning: info.warning };
  if (user !== undefined && user !== "") return { core: user, source: "OPENBLAS_CORETYPE", ...warning };
  if (m === null) return { source: `none pinned (seqlab's native engine: ${info.description ?? (r.stderr.trim().split("\n").pop() || "did not load")})` };
  return { core: m[1], source: m[3] === undefined ? "detected by OpenBLAS" : `set by seqlab over ${m[3]}`, ...warning };
}

/** The environment of every child: the bench's core pinned (the user's other OPENBLAS_* kept, on both sides). */
function childEnv(core: BenchCore, extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...(core.core === undefined ? {} : { OPENBLAS_CORETYPE: core.core }), ...extra };
}

/** A PyTorch thread setting: torch.set_num_threads(torch) and OPENBLAS_NUM_THREADS=blas. */
interface TorchThreads {
  torch: number;
  blas: number;
}

const threadsLabel = (t: TorchThreads): string => `torch ${t.torch} × BLAS ${t.blas}`;

/** Every torch × BLAS thread pair within this machine's cores (1, 2 and all of them). */
function threadCandidates(): TorchThreads[] {
  const counts = [...new Set([1, 2, os.cpus().length])].filter((n) => n <= os.cpus().length);
  return counts.flatMap((t) => counts.map((b) => ({ torch: t, blas: b })));
}

/** Parses `--torch-threads 1x2`. */
function parseThreads(spec: string): TorchThreads {
  const m = /^(\d+)\s*[x×]\s*(\d+)$/.exec(spec.trim());
  if (m === null || Number(m[1]) < 1 || Number(m[2]) < 1) throw new InvalidArgumentError(`expected torch threads × BLAS threads like 1x2, got '${spec}'`);
  return { torch: Number(m[1]), blas: Number(m[2]) };
}

/** The environment of the PyTorch child. */
function torchEnv(core: BenchCore, t: TorchThreads): NodeJS.ProcessEnv {
  return childEnv(core, { OPENBLAS_NUM_THREADS: String(t.blas) });
}

/** undefined if `/usr/bin/python3` imports torch, else the reason. */
function torchUnavailable(): string | undefined {
  if (!fs.existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ["-c", "import torch"], { env: process.env, encoding: "utf8" });
  if (r.status === 0) return undefined;
  const lines = (r.stderr || r.error?.message || `exit ${r.status}`).trim().split("\n");
  return lines[lines.length - 1];
}

/** Runs a child that prints one JSON line on stdout; its stderr is shown as progress. */
function runChild(cmd: string, args: string[], env: NodeJS.ProcessEnv): ChildResult | string {
  const engine = env.SEQLAB_ENGINE !== undefined && cmd !== PYTHON ? `SEQLAB_ENGINE=${env.SEQLAB_ENGINE} ` : "";
  process.stderr.write(`bench: ${engine}${[cmd, ...args].join(" ")}\n`);
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: "utf8", maxBuffer: 1 << 24, stdio: ["ignore", "pipe", "pipe"] });
  process.stderr.write(r.stderr ?? "");
  if (r.status !== 0) {
    const why = (r.stderr ?? "").trim().split("\n").find((l) => /Error|error:/.test(l)) ?? "";
    return `exit ${r.status ?? r.signal}${r.error ? `: ${r.error.message}` : ""}${why ? `: ${why.trim().slice(0, 160)}` : ""}`;
  }
  const last = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(last) as ChildResult;
  } catch {
    return `unparsable output: ${last.slice(0, 200)}`;
  }
}

const fmt = (x: number | undefined, digits = 0): string => (x === undefined || !Number.isFinite(x) ? "—" : x.toFixed(digits));
const msOf = (r: ChildResult): number => r.msPerStep ?? r.msPerToken ?? NaN;

/** The rows as a Markdown table (so it can be pasted into bench/README.md). */
function table(rows: Row[]): string {
  const head = ["workload", "seqlab backend/engine", "ms/step", "tokens/s", "sentences/s", "speed vs PyTorch", "peak matmul GFLOP/s", "% matmul limit", "fwd / bwd / opt ms", "peak RSS MB", "measured"];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  for (const row of rows) {
    const r = row.result;
    if (r === undefined) {
      lines.push(`| ${row.workload} | ${row.config} | ${row.error} |${" |".repeat(head.length - 3)}`);
      continue;
    }
    const torch = rows.find((x) => x.workload === row.workload && x.config === "pytorch")?.result;
    const speed = torch !== undefined && row.config !== "pytorch" ? msOf(torch) / msOf(r) : undefined;
    const b = r.breakdownMs;
    const limit = r.fractionOfMatmulLimit === undefined ? "—" : `${fmt(r.fractionOfMatmulLimit * 100, 1)}%`;
    lines.push(
      `| ${[
        row.workload,
        row.threads === undefined ? row.config : `${row.config} (${row.threads.torch} × ${row.threads.blas} threads)`,
        fmt(msOf(r), msOf(r) < 10 ? 2 : 0),
        fmt(r.tokensPerSec),
        fmt(r.sentencesPerSec),
        speed === undefined ? "—" : `${speed.toFixed(speed < 0.1 ? 3 : 2)}×`,
        r.peakGflops === undefined ? "—" : `${fmt(r.peakGflops, 1)} (n=${r.peakSize})`,
        limit,
        b === undefined ? "—" : `${fmt(b.forward)} / ${fmt(b.backward)} / ${fmt(b.optimizer)}`,
        fmt(r.peakRssMb),
        r.steps !== undefined ? `${r.reps}×${r.steps} (+${r.warmup} warm-up)` : `${r.reps}×${r.tokens} tokens`,
      ].join(" | ")} |`,
    );
  }
  return lines.join("\n");
}

/**
 * The checks that make a comparison fair: the core PyTorch reported (its backendDetail) must be the
 * pinned one, and its peak matmul must not fall more than 15% below seqlab-native's (same library).
 */
function fairness(rows: Row[], core: BenchCore): { torchCores: string[]; warnings: string[] } {
  const warnings: string[] = [];
  const torchCores = new Set<string>();
  for (const row of rows.filter((r) => r.config === "pytorch" && r.result !== undefined)) {
    const reported = /OpenBLAS core (\w+)/.exec(row.result!.backendDetail ?? "")?.[1];
    if (reported !== undefined) torchCores.add(reported);
    if (reported !== undefined && core.core !== undefined && reported.toLowerCase() !== core.core.toLowerCase()) {
      warnings.push(`warning: ${row.workload}: PyTorch ran OpenBLAS core ${reported}, not the pinned ${core.core}: the comparison is not fair`);
    }
    const native = rows.find((r) => r.workload === row.workload && r.config === "seqlab/native")?.result;
    const tp = row.result!.peakGflops, np = native?.peakGflops;
    if (tp !== undefined && np !== undefined && tp < 0.85 * np) {
      warnings.push(`warning: ${row.workload}: PyTorch's peak matmul ${fmt(tp, 1)} GFLOP/s is ${fmt(100 * (1 - tp / np))}% below seqlab-native's ${fmt(np, 1)}; both link the same OpenBLAS, so one side ran handicapped (core, threads or a busy machine)`);
    }
  }
  return { torchCores: [...torchCores], warnings };
}

/** Parses `--configs wasm:tfjs,seqlab:native`. */
function parseConfigs(spec: string, fail: (msg: string) => never): Config[] {
  return spec
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean)
    .map((x) => {
      const [backend, engine = "tfjs"] = x.split(":");
      if (!["wasm", "cpu", "tensorflow", "seqlab"].includes(backend)) fail(`--configs: expected backend wasm, cpu, tensorflow or seqlab in '${x}', got '${backend}'`);
      if (!["tfjs", "native", "wasm", "js"].includes(engine)) fail(`--configs: expected engine tfjs, native, wasm or js in '${x}', got '${engine}'`);
      return { backend, engine };
    });
}

async function main(): Promise<void> {
  const program = new Command("bench")
    .description("Time seqlab's workloads per backend and engine against PyTorch; print a table and write bench/results/<date>-<host>.json.")
    .option("--workloads <list>", `comma-separated, of ${[...Object.keys(WORKLOADS), KN_PTB].join(", ")}`, [...Object.keys(WORKLOADS), KN_PTB].join(","))
    .option("--configs <list>", "comma-separated backend:engine pairs (backends wasm, cpu, tensorflow, seqlab; engines tfjs = reference ops, native, wasm, js)", DEFAULT_CONFIGS)
    .option("--reps <n>", "repetitions per measurement (median quoted)", countOption, 3)
    .option("--steps <n>", "measured steps per repetition (PyTorch: at least 10)", countOption, 5)
    .option("--cpu-steps <n>", "measured steps per repetition on the slow cpu:tfjs configuration", countOption, 1)
    .option("--warmup <n>", "warm-up steps, not timed (1 on cpu:tfjs)", countOption, 2)
    .option("--tokens <n>", "generated tokens per repetition (generation; 100 warm-up tokens before, on both sides)", countOption, 300)
    .option("--quick", "tiny sizes for a smoke run", false)
    .option("--no-torch", "skip the PyTorch reference")
    .option("--torch-threads <TxB>", "PyTorch's torch threads × OPENBLAS_NUM_THREADS, e.g. 1x2 (default: each pair measured, the fastest kept)", parseThreads);
  program.parse();
  const o = program.opts();
  const fail = (msg: string): never => program.error(msg);
  const names = (o.workloads as string).split(",").map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!(n in WORKLOADS) && n !== KN_PTB) fail(`--workloads: expected names of ${[...Object.keys(WORKLOADS), KN_PTB].join(", ")}, got '${n}'`);
  const configs = parseConfigs(o.configs as string, fail);

  const noTorch = o.torch === false ? "skipped (--no-torch)" : torchUnavailable();
  const core = benchCore();
  process.stderr.write(`bench: OpenBLAS core ${core.core ?? "—"} for every child (${core.source})\n`);
  const threadLines: string[] = []; // PyTorch's thread settings and their times
  const rows: Row[] = [];
  let kn: KnPtbResult | string | undefined;
  for (const name of names) {
    if (name === KN_PTB) {
      const r = runChild(process.execPath, ["--import", "tsx", "bench/workloads/kn_ptb.ts", "--reps", String(o.reps)], childEnv(core, {})) as unknown;
      kn = typeof r === "string" ? `kn_ptb: ${r}` : (r as KnPtbResult);
      continue;
    }
    const w = WORKLOADS[name];
    const generation = name === "generation";
    const ptbTrain = process.env.SEQLAB_DATA === undefined ? undefined : path.join(process.env.SEQLAB_DATA, "ptb", "ptb.train.txt");
    if (w.ptb && (ptbTrain === undefined || !fs.existsSync(ptbTrain))) {
      rows.push({ workload: name, config: "all", error: `needs SEQLAB_DATA pointing at a folder with ptb/ptb.train.txt (got ${ptbTrain ?? "SEQLAB_DATA unset"})` });
      continue;
    }
    for (const c of configs) {
      if (w.skip?.configs.includes(`${c.backend}/${c.engine}`)) {
        rows.push({ workload: name, config: `${c.backend}/${c.engine}`, error: w.skip.why });
        continue;
      }
      const slow = c.backend === "cpu" && c.engine === "tfjs";
      const args = ["--import", "tsx", w.script, "--backend", c.backend, ...w.args, "--reps", String(o.reps)];
      if (generation) args.push("--tokens", String(o.tokens), "--warmup", String(Math.min(o.tokens, 100)));
      else if (!w.ownSteps) {
        args.push("--steps", String(slow ? o.cpuSteps : o.steps), "--warmup", String(slow ? 1 : o.warmup));
        // A 1024² matMul takes seconds in plain JS: 512 on cpu; 256 for --quick (as the PyTorch side).
        if (w.peak) args.push("--peak-size", o.quick ? "256" : slow ? "512" : "1024");
      }
      if (o.quick) args.push("--quick");
      const r = runChild(process.execPath, args, childEnv(core, { SEQLAB_ENGINE: c.engine }));
      const config = `${c.backend}/${c.engine}`;
      rows.push(typeof r === "string" ? { workload: name, config, error: r } : { workload: name, config, result: r });
    }
    if (noTorch !== undefined) {
      rows.push({ workload: name, config: "pytorch", error: `PyTorch not available: ${noTorch}` });
      continue;
    }
    const torchArgs = (t: TorchThreads): string[] => {
      const args = [...w.torch, "--reps", String(o.reps), "--threads", String(t.torch)];
      if (w.ptb) args.push("--data", ptbTrain!);
      if (generation) args.push("--tokens", String(o.tokens), "--warmup", String(Math.min(o.tokens, 100)));
      else if (!w.ownSteps) args.push("--steps", String(Math.max(o.steps, 10)), "--warmup", String(Math.max(o.warmup, 3)));
      if (o.quick) args.push("--quick");
      if (w.peak) args.push("--peak-size", o.quick ? "256" : "1024", "--peak-blas-threads", String(os.cpus().length)); // the library on all cores, as seqlab-native's peak
      return args;
    };
    // PyTorch at its fastest: the whole measurement under every thread pair (or --torch-threads), the fastest kept.
    const candidates: TorchThreads[] = o.torchThreads !== undefined ? [o.torchThreads as TorchThreads] : threadCandidates();
    const measured: { t: TorchThreads; r: ChildResult }[] = [];
    let failure = "";
    for (const t of candidates) {
      const r = runChild(PYTHON, torchArgs(t), torchEnv(core, t));
      if (typeof r === "string") failure = r;
      else measured.push({ t, r });
    }
    measured.sort((x, y) => msOf(x.r) - msOf(y.r));
    const unit = generation ? "token" : "step";
    threadLines.push(
      o.torchThreads !== undefined
        ? `${name}: PyTorch ${threadsLabel(o.torchThreads as TorchThreads)} (--torch-threads)`
        : `${name}: PyTorch ${measured.length > 0 ? threadsLabel(measured[0]!.t) : "—"} (ms/${unit}: ${measured.map((x) => `${threadsLabel(x.t)} ${fmt(msOf(x.r), msOf(x.r) < 10 ? 2 : 0)}`).join(", ")})`,
    );
    const r: ChildResult | string = measured.length > 0 ? measured[0]!.r : failure;
    const threads = measured[0]?.t;
    if (typeof r === "string") {
      rows.push({ workload: name, config: "pytorch", error: r });
      continue;
    }
    if (w.cell !== undefined && r.sizes !== undefined && r.peakGflops !== undefined) {
      r.flopsPerStep = stepFlops(r.sizes, w.cell);
      r.fractionOfMatmulLimit = r.flopsPerStep / (msOf(r) / 1000) / (r.peakGflops * 1e9);
    }
    rows.push({ workload: name, config: "pytorch", result: r, threads });
  }

  const date = new Date().toISOString();
  const host = os.hostname();
  const cpus = os.cpus();
  const machine = `${cpus.length} × ${cpus[0]?.model ?? "unknown CPU"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
  const flops = rows.find((r) => r.result?.flopsPerStep !== undefined)?.result?.flopsPerStep;
  console.log(`seqlab bench — ${date} — ${host}: ${machine}`);
  console.log(`command: npm run bench -- ${process.argv.slice(2).join(" ")}`);
  if (flops !== undefined) console.log(`matmul FLOPs per step (lstm_lm): ${(flops / 1e9).toPrecision(3)} GFLOP (forward × 3)`);
  const checks = fairness(rows, core);
  console.log(`OpenBLAS core: ${core.core ?? "—"} on both sides (${core.source})${checks.torchCores.length > 0 ? `; PyTorch reported ${checks.torchCores.join(", ")}` : ""}`);
  if (core.warning !== undefined) console.log(core.warning);
  for (const line of threadLines) console.log(line);
  for (const line of checks.warnings) console.log(line);
  for (const row of rows.filter((r) => r.workload === "train_epoch" && r.result?.bareMsPerStep !== undefined)) {
    const r = row.result!;
    const extra = 100 * (msOf(r) / r.bareMsPerStep! - 1);
    console.log(`train_epoch ${row.config}: trainLm ${fmt(msOf(r))} ms/step against ${fmt(r.bareMsPerStep)} ms for its bare step (${extra >= 0 ? "+" : "−"}${fmt(Math.abs(extra))} %)`);
  }
  if (rows.length > 0) {
    console.log();
    console.log(table(rows));
    console.log();
    console.log("speed vs PyTorch: PyTorch ms/step ÷ seqlab ms/step (≥ 1.0× is as fast or faster). % matmul limit: step FLOPs ÷ time ÷ peak matmul GFLOP/s of that configuration. generation: a step is one generated token.");
    if (configs.some((c) => c.backend === "cpu" && c.engine === "tfjs")) console.log(`cpu/tfjs: ${o.cpuSteps} measured step(s) per repetition and 1 warm-up (a step takes seconds).`);
  }
  if (kn !== undefined) {
    console.log();
    console.log(typeof kn === "string" ? kn : knTable(kn));
  }

  const dir = path.join(ROOT, "bench", "results");
  fs.mkdirSync(dir, { recursive: true });
  const suffix = o.quick ? "-quick" : ""; // a smoke run does not overwrite the day's real run
  const file = path.join(dir, `${date.slice(0, 10)}-${host.replace(/[^A-Za-z0-9_.-]/g, "_")}${suffix}.json`);
  const json = { date, host, machine, argv: process.argv.slice(2), configs, blasCore: core, torchThreads: threadLines, fairnessWarnings: checks.warnings, torch: noTorch === undefined ? "available" : `not available: ${noTorch}`, rows, ...(kn === undefined ? {} : { kn_ptb: kn }) };
  fs.writeFileSync(file, JSON.stringify(json, null, 2) + "\n");
  console.log(`wrote ${path.relative(ROOT, file)}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
