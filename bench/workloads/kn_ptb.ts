/**
 * Benchmark workload `kn_ptb`: an interpolated modified Kneser-Ney 5-gram on PTB train,
 * counted, discounted and written as ARPA by the command a student runs,
 *
 *   seqlab kn --order 5 --train $SEQLAB_DATA/ptb/ptb.train.txt --arpa kn5.arpa
 *
 * as a child process (`node lib/bin/seqlab.js`, i.e. the built lib/dist), timed by
 * `/usr/bin/time -v` (wall clock and peak RSS of the whole process: start-up, reading,
 * counting, discounting, writing). The build and write times are the command's own
 * "built in … s; wrote … in … s" line. The test perplexity is read back from the ARPA file
 * with `ArpaLm` (lm/arpa_reader.ts; KN5 on PTB: 141.19, Mikolov et al. 2011 give 141.2).
 *
 * KenLM: where `lmplz` is on PATH, `lmplz -o 5 --text … --arpa …` runs beside it, each
 * repetition right after ours, and its file's perplexity is read the same way. Otherwise
 * the result carries no KenLM run, and bench/run.ts prints the numbers an earlier session
 * measured on this machine kind (issue 14), marked as not from this run.
 *
 *   node --import tsx bench/workloads/kn_ptb.ts --reps 3 [--seqlab lib/bin/seqlab.js] [--lmplz lmplz]
 *
 * The launcher runs lib/dist, so `npm run build` first: the result says `staleBuild` when a
 * compiled file of the command is older than its source. `--seqlab` (or SEQLAB_BENCH_SEQLAB)
 * times another checkout, e.g. the commit before a change.
 *
 * Prints one JSON line (`KnPtbResult`), collected by bench/run.ts.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { ArpaLm } from "../../lib/src/lm/arpa_reader.js";
import { readSentences } from "../../lib/src/lm/ngram_counts.js";
import { perplexity } from "../../lib/src/lm/perplexity.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

/** The median of a non-empty list (as rnn_lm.ts's, without loading TensorFlow.js here). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Parses a count option (an integer ≥ 1) for commander. */
function countOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got '${value}'`);
  return n;
}
const TIME = "/usr/bin/time";

/** One tool's measurements: medians over the repetitions, and every repetition. */
export interface KnToolResult {
  /** The command line. */
  command: string;
  /** Wall-clock seconds of the whole process (/usr/bin/time), per repetition. */
  wallSec: number[];
  /** Peak resident set size in MB (/usr/bin/time "Maximum resident set size"), per repetition. */
  peakRssMb: number[];
  /** Seconds to read, count and discount (seqlab's "built in" line), per repetition. */
  buildSec?: number[];
  /** Seconds to write the ARPA file (seqlab's "wrote … in" line), per repetition. */
  writeSec?: number[];
  /** Size of the ARPA file in MB. */
  arpaMb: number;
  /** Test perplexity of the ARPA file read back with ArpaLm. */
  testPerplexity: number;
}

/** The result line of this workload. */
export interface KnPtbResult {
  workload: "kn_ptb";
  order: number;
  reps: number;
  machine: string;
  /** `uptime`'s load averages before the first run (the machine may be shared). */
  loadAverage: number[];
  seqlab: KnToolResult;
  /** The lmplz run, or why there is none. */
  kenlm: KnToolResult | { unavailable: string };
  /** Set when the launcher's lib/dist is older than the sources it was built from (run `npm run build`). */
  staleBuild?: string;
}

/**
 * Why lib/dist may not be the code in lib/src (a source of the `kn` command newer than its
 * compiled file), or undefined.
 * @param launcher - a checkout's lib/bin/seqlab.js.
 */
function staleBuild(launcher: string): string | undefined {
  const lib = path.resolve(path.dirname(launcher), "..");
  const sources = ["cli/kn.ts", ...fs.readdirSync(path.join(lib, "src", "lm")).filter((f) => f.endsWith(".ts")).map((f) => `lm/${f}`)];
  for (const src of sources) {
    const built = path.join(lib, "dist", src.replace(/\.ts$/, ".js"));
    if (!fs.existsSync(built)) return `${path.relative(ROOT, built)} is missing`;
    if (fs.statSync(built).mtimeMs < fs.statSync(path.join(lib, "src", src)).mtimeMs) return `${path.relative(ROOT, built)} is older than its source`;
  }
  return undefined;
}

/** Runs a command under /usr/bin/time -v; returns its stdout and the wall seconds and peak RSS. */
function timed(cmd: string, args: string[]): { stdout: string; wallSec: number; peakRssMb: number } {
  const haveTime = fs.existsSync(TIME);
  const t0 = performance.now();
  const r = haveTime
    ? spawnSync(TIME, ["-v", cmd, ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26 })
    : spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26 });
  const elapsed = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: exit ${r.status ?? r.signal}: ${(r.stderr ?? "").trim().split("\n").slice(-3).join(" | ")}`);
  if (!haveTime) return { stdout: r.stdout, wallSec: elapsed, peakRssMb: NaN };
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const wallSec = wall === null ? elapsed : Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
  return { stdout: r.stdout, wallSec, peakRssMb: rss === null ? NaN : Number(rss[1]) / 1024 };
}

/** Whether `name` is an executable on PATH (its path), or undefined. */
function onPath(name: string): string | undefined {
  if (name.includes("/")) return fs.existsSync(name) ? name : undefined;
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const p = path.join(dir, name);
    if (dir !== "" && fs.existsSync(p)) return p;
  }
  return undefined;
}

async function main(): Promise<void> {
  const o = new Command("kn_ptb")
    .description("Time `seqlab kn --order 5` on PTB (and KenLM's lmplz where installed); print one JSON line.")
    .option("--reps <n>", "repetitions (medians quoted)", countOption, 3)
    .option("--order <n>", "n-gram order", countOption, 5)
    .option("--seqlab <file>", "the seqlab launcher: a built checkout's lib/bin/seqlab.js (default: $SEQLAB_BENCH_SEQLAB, else this checkout's)", process.env.SEQLAB_BENCH_SEQLAB ?? path.join(ROOT, "lib", "bin", "seqlab.js"))
    .option("--lmplz <cmd>", "KenLM's lmplz", "lmplz")
    .parse()
    .opts<{ reps: number; order: number; seqlab: string; lmplz: string }>();
  const data = process.env.SEQLAB_DATA;
  const train = data === undefined ? "" : path.resolve(data, "ptb", "ptb.train.txt");
  const testFile = data === undefined ? "" : path.resolve(data, "ptb", "ptb.test.txt");
  if (!fs.existsSync(train) || !fs.existsSync(testFile)) throw new Error("kn_ptb: needs SEQLAB_DATA pointing at a folder with ptb/ptb.{train,test}.txt");
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-kn-ptb-"));
  const ours = path.join(tmp, "seqlab.arpa");
  const theirs = path.join(tmp, "kenlm.arpa");
  const lmplz = onPath(o.lmplz);
  const test = readSentences(fs.readFileSync(testFile, "utf8"), testFile);
  const ppl = (file: string) => perplexity(ArpaLm.read(file), test).perplexity;
  try {
    const seqlabArgs = [o.seqlab, "kn", "--order", String(o.order), "--train", train, "--arpa", ours];
    const kenlmArgs = ["-o", String(o.order), "--text", train, "--arpa", theirs];
    const s: KnToolResult = { command: `node ${seqlabArgs.join(" ")}`, wallSec: [], peakRssMb: [], buildSec: [], writeSec: [], arpaMb: NaN, testPerplexity: NaN };
    const k: KnToolResult = { command: `lmplz ${kenlmArgs.join(" ")}`, wallSec: [], peakRssMb: [], arpaMb: NaN, testPerplexity: NaN };
    const loadAverage = os.loadavg().map((x) => Number(x.toFixed(2)));
    for (let rep = 0; rep < o.reps; rep++) {
      const r = timed(process.execPath, seqlabArgs);
      const m = /built in ([\d.]+) s; wrote .* in ([\d.]+) s/.exec(r.stdout);
      if (m === null) throw new Error(`seqlab kn: expected a line 'built in … s; wrote … in … s', got ${r.stdout.slice(-200)}`);
      s.wallSec.push(r.wallSec);
      s.peakRssMb.push(r.peakRssMb);
      s.buildSec!.push(Number(m[1]));
      s.writeSec!.push(Number(m[2]));
      process.stderr.write(`kn_ptb: seqlab rep ${rep + 1}: ${r.wallSec.toFixed(2)} s, ${r.peakRssMb.toFixed(0)} MB\n`);
      if (lmplz !== undefined) {
        const q = timed(lmplz, kenlmArgs);
        k.wallSec.push(q.wallSec);
        k.peakRssMb.push(q.peakRssMb);
        process.stderr.write(`kn_ptb: lmplz rep ${rep + 1}: ${q.wallSec.toFixed(2)} s, ${q.peakRssMb.toFixed(0)} MB\n`);
      }
    }
    s.arpaMb = fs.statSync(ours).size / 1e6;
    s.testPerplexity = ppl(ours);
    if (lmplz !== undefined) {
      k.arpaMb = fs.statSync(theirs).size / 1e6;
      k.testPerplexity = ppl(theirs);
    }
    const cpus = os.cpus();
    const result: KnPtbResult = {
      workload: "kn_ptb",
      order: o.order,
      reps: o.reps,
      machine: `${cpus.length} × ${cpus[0]?.model ?? "unknown CPU"}, Node ${process.version}`,
      loadAverage,
      seqlab: s,
      kenlm: lmplz !== undefined ? k : { unavailable: `no ${o.lmplz} on PATH` },
    };
    const stale = staleBuild(o.seqlab);
    if (stale !== undefined) result.staleBuild = `${stale}: run npm run build`;
    console.log(JSON.stringify(result));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Medians of a tool's repetitions, for the table. */
export function knMedians(t: KnToolResult): { wallSec: number; peakRssMb: number; buildSec?: number; writeSec?: number } {
  return {
    wallSec: median(t.wallSec),
    peakRssMb: median(t.peakRssMb),
    buildSec: t.buildSec === undefined ? undefined : median(t.buildSec),
    writeSec: t.writeSec === undefined ? undefined : median(t.writeSec),
  };
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
