/**
 * `npm run bench`: times the course's training workloads on each tfjs backend and
 * against a PyTorch reference, prints a table and writes bench/results/<date>-<host>.json
 * (<date>-<host>-quick.json for `--quick`). Options: `npm run bench -- --help`.
 *
 * Each (workload, backend) runs in its own child process, because a tfjs backend is
 * process-wide (`initBackend` chooses it once):
 *
 *   node --import tsx bench/workloads/rnn_lm.ts --backend wasm --cell lstm ...   → one JSON line
 *   /usr/bin/python3 bench/torch/lstm_lm.py --cell lstm ...                       → one JSON line
 *
 * The PyTorch child gets OPENBLAS_NUM_THREADS=1 and no OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE
 * (the script calls torch.set_num_threads(2)); if `/usr/bin/python3 -c "import torch"`
 * fails, the table says "PyTorch not available: <reason>" and goes on.
 *
 * Columns: ms/step (median over repetitions of the mean over `steps` steps, warm-up
 * excluded), tokens/s = B·T / step time, × PyTorch = ms/step ÷ PyTorch's ms/step,
 * % matmul limit = (matmul FLOPs of the step ÷ step time) ÷ the peak matmul GFLOP/s
 * measured on the same backend (a square matMul, its size in the JSON), the forward /
 * backward / Adam split, and the child's peak RSS.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command } from "commander";
import { countOption, stepFlops, type LmCell, type WorkloadResult } from "./workloads/rnn_lm";

/** The workloads issue 4 asks for; only the first two exist yet. */
const WORKLOADS: Record<string, { cell?: LmCell; note?: string }> = {
  lstm_lm: { cell: "lstm" },
  gru_lm: { cell: "gru" },
  bilstm_crf: { note: "not yet implemented (needs the CRF layer)" },
  generation: { note: "not yet implemented (sampling / beam search)" },
};

const ROOT = path.resolve(__dirname, "..");
const PYTHON = "/usr/bin/python3";

/** One row of the table: a result, or why there is none. */
interface Row {
  workload: string;
  backend: string;
  result?: WorkloadResult | TorchResult;
  error?: string;
}

/** What bench/torch/lstm_lm.py prints (the fields the table uses). */
interface TorchResult extends Omit<WorkloadResult, "backend" | "flopsPerStep" | "fractionOfMatmulLimit"> {
  backend: "pytorch";
  flopsPerStep?: number;
  fractionOfMatmulLimit?: number;
}

/** The environment of the PyTorch child: one OpenBLAS thread, no core-type / L2 overrides. */
function torchEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: "1" };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/** undefined if `/usr/bin/python3` imports torch, else the reason. */
function torchUnavailable(): string | undefined {
  if (!fs.existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ["-c", "import torch"], { env: torchEnv(), encoding: "utf8" });
  if (r.status === 0) return undefined;
  const lines = (r.stderr || r.error?.message || `exit ${r.status}`).trim().split("\n");
  return lines[lines.length - 1];
}

/** Runs a child that prints one JSON line on stdout; its stderr is shown as progress. */
function runChild<T>(cmd: string, args: string[], env: NodeJS.ProcessEnv): T | string {
  process.stderr.write(`bench: ${[cmd, ...args].join(" ")}\n`);
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: "utf8", maxBuffer: 1 << 24, stdio: ["ignore", "pipe", "inherit"] });
  if (r.status !== 0) return `exit ${r.status ?? r.signal}${r.error ? `: ${r.error.message}` : ""}`;
  const last = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(last) as T;
  } catch {
    return `unparsable output: ${last.slice(0, 200)}`;
  }
}

const fmt = (x: number | undefined, digits = 0): string => (x === undefined || !Number.isFinite(x) ? "—" : x.toFixed(digits));

/** The rows as a Markdown table (so it can be pasted into bench/README.md). */
function table(rows: Row[]): string {
  const head = ["workload", "backend", "ms/step", "tokens/s", "× PyTorch", "peak matmul GFLOP/s", "% matmul limit", "fwd / bwd / Adam ms", "peak RSS MB", "measured steps"];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  for (const row of rows) {
    const r = row.result;
    if (r === undefined) {
      lines.push(`| ${row.workload} | ${row.backend} | ${row.error} |${" |".repeat(head.length - 3)}`);
      continue;
    }
    const torch = rows.find((x) => x.workload === row.workload && x.backend === "pytorch")?.result;
    const ratio = torch !== undefined && r.backend !== "pytorch" ? r.msPerStep / torch.msPerStep : undefined;
    const b = r.breakdownMs;
    lines.push(
      `| ${[
        row.workload,
        r.backend,
        fmt(r.msPerStep),
        fmt(r.tokensPerSec),
        ratio === undefined ? "—" : `${ratio.toFixed(1)}×`,
        `${fmt(r.peakGflops, 1)} (n=${r.peakSize})`,
        `${fmt((r.fractionOfMatmulLimit ?? NaN) * 100, 1)}%`,
        `${fmt(b.forward)} / ${fmt(b.backward)} / ${fmt(b.optimizer)}`,
        fmt(r.peakRssMb),
        `${r.reps}×${r.steps} (+${r.warmup} warm-up)`,
      ].join(" | ")} |`,
    );
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  const program = new Command("bench")
    .description("Time seqlab's training workloads per backend against PyTorch; print a table and write bench/results/<date>-<host>.json.")
    .option("--workloads <list>", `comma-separated, of ${Object.keys(WORKLOADS).join(", ")}`, Object.keys(WORKLOADS).join(","))
    .option("--backends <list>", "comma-separated tfjs backends (wasm, cpu, tensorflow)", "wasm,cpu")
    .option("--reps <n>", "repetitions per measurement (median quoted)", countOption, 3)
    .option("--steps <n>", "measured steps per repetition (wasm, tensorflow, PyTorch)", countOption, 5)
    .option("--cpu-steps <n>", "measured steps per repetition on the slow cpu backend", countOption, 1)
    .option("--warmup <n>", "warm-up steps, not timed (1 on cpu)", countOption, 2)
    .option("--quick", "tiny sizes for a smoke run", false)
    .option("--no-torch", "skip the PyTorch reference");
  program.parse();
  const o = program.opts();
  const names = (o.workloads as string).split(",").map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!(n in WORKLOADS)) program.error(`--workloads: expected names of ${Object.keys(WORKLOADS).join(", ")}, got '${n}'`);
  const backends = (o.backends as string).split(",").map((s) => s.trim()).filter(Boolean);
  for (const b of backends) if (!["wasm", "cpu", "tensorflow"].includes(b)) program.error(`--backends: expected wasm, cpu or tensorflow, got '${b}'`);

  const noTorch = o.torch === false ? "skipped (--no-torch)" : torchUnavailable();
  const rows: Row[] = [];
  for (const name of names) {
    const w = WORKLOADS[name];
    if (w.cell === undefined) {
      rows.push({ workload: name, backend: "—", error: w.note });
      continue;
    }
    for (const backend of backends) {
      const cpu = backend === "cpu";
      const args = ["--import", "tsx", "bench/workloads/rnn_lm.ts", "--backend", backend, "--cell", w.cell];
      args.push("--reps", String(o.reps), "--steps", String(cpu ? o.cpuSteps : o.steps), "--warmup", String(cpu ? 1 : o.warmup));
      // A 1024² matMul takes seconds in plain JS: 512 on cpu; 256 for --quick.
      args.push("--peak-size", o.quick ? "256" : cpu ? "512" : "1024");
      if (o.quick) args.push("--quick");
      const r = runChild<WorkloadResult>(process.execPath, args, process.env);
      rows.push(typeof r === "string" ? { workload: name, backend, error: r } : { workload: name, backend, result: r });
    }
    if (noTorch !== undefined) {
      rows.push({ workload: name, backend: "pytorch", error: `PyTorch not available: ${noTorch}` });
    } else {
      const args = ["bench/torch/lstm_lm.py", "--cell", w.cell, "--reps", String(o.reps), "--steps", String(Math.max(o.steps, 10)), "--warmup", String(Math.max(o.warmup, 3))];
      if (o.quick) args.push("--quick", "--peak-size", "256");
      const r = runChild<TorchResult>(PYTHON, args, torchEnv());
      if (typeof r === "string") {
        rows.push({ workload: name, backend: "pytorch", error: r });
      } else {
        r.flopsPerStep = stepFlops(r.sizes, w.cell);
        r.fractionOfMatmulLimit = r.flopsPerStep / (r.msPerStep / 1000) / (r.peakGflops * 1e9);
        rows.push({ workload: name, backend: "pytorch", result: r });
      }
    }
  }

  const date = new Date().toISOString();
  const host = os.hostname();
  const cpus = os.cpus();
  const machine = `${cpus.length} × ${cpus[0]?.model ?? "unknown CPU"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
  const flops = rows.find((r) => r.result?.flopsPerStep !== undefined)?.result?.flopsPerStep;
  console.log(`seqlab bench — ${date} — ${host}: ${machine}`);
  console.log(`command: npm run bench -- ${process.argv.slice(2).join(" ")}`);
  if (flops !== undefined) console.log(`matmul FLOPs per step (lstm_lm): ${(flops / 1e9).toPrecision(3)} GFLOP (forward × 3)`);
  console.log();
  console.log(table(rows));
  console.log();
  console.log("× PyTorch: seqlab ms/step ÷ PyTorch ms/step (higher is slower). % matmul limit: step FLOPs ÷ time ÷ peak matmul GFLOP/s of that backend.");
  if (backends.includes("cpu")) console.log(`cpu: ${o.cpuSteps} measured step(s) per repetition and 1 warm-up (a step takes seconds).`);

  const dir = path.join(ROOT, "bench", "results");
  fs.mkdirSync(dir, { recursive: true });
  const suffix = o.quick ? "-quick" : ""; // a smoke run does not overwrite the day's real run
  const file = path.join(dir, `${date.slice(0, 10)}-${host.replace(/[^A-Za-z0-9_.-]/g, "_")}${suffix}.json`);
  const json = { date, host, machine, argv: process.argv.slice(2), torch: noTorch === undefined ? "available" : `not available: ${noTorch}`, rows };
  fs.writeFileSync(file, JSON.stringify(json, null, 2) + "\n");
  console.log(`wrote ${path.relative(ROOT, file)}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
