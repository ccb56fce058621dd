/**
 * The runner under faults (issue 11, D7-D9), with real tslab kernels:
 *
 * - D7: an uncaught exception or unhandled rejection from a callback fails the notebook,
 *   naming the cell that scheduled it, also when it fires after the last cell;
 * - D8: no kernel outlives the runner, whatever the fault: for each one, the tslab processes
 *   whose command line holds this test's private TMPDIR (where the kernels' connection
 *   folders go) are counted from /proc while the runner runs and after it ends, and the
 *   `seqlab-kernel-*` folders after it ends: both must be 0;
 * - D9: failures name the line in the cell's own source, and outputs hold no tslab frames.
 *
 * Fixtures: test/fixtures/notebooks/faults/*.ipynb (each says in its title what it does) and
 * the older ones in test/fixtures/notebooks.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { executeNotebook, formatFailure } from "../course/src/execute.js";
import { codeCells, joinLines, Output } from "../course/src/nbformat.js";

const ROOT = path.resolve(import.meta.dirname, "..");
const FIXTURES = path.join(import.meta.dirname, "fixtures", "notebooks");
const FAULTS = path.join(FIXTURES, "faults");
const CLI = path.join(ROOT, "course", "src", "cli.ts");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-faults-test-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Live (not zombie) processes whose command line contains every one of `parts`. */
function processesWith(...parts: string[]): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (!parts.every((p) => cmdline.includes(p))) continue;
      if (/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${entry}/stat`, "utf8"))) continue;
      found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `count` until it is 0 or `withinMs` passed; returns the last count. */
async function settlesToZero(count: () => number, withinMs: number): Promise<number> {
  const deadline = Date.now() + withinMs;
  let n = count();
  while (n > 0 && Date.now() < deadline) {
    await sleep(50);
    n = count();
  }
  return n;
}

/** What a fault left behind, for the report. */
const figures: string[] = [];
after(() => console.log(["kernel processes per fault (during -> after, temp folders after):", ...figures].join("\n  ")));

/**
 * Runs `argv` (a Node script and its arguments) with TMPDIR private to this fault, lets
 * `provoke` act on it, then checks that no kernel, watchdog or kernel folder is left.
 */
async function contained(fault: string, argv: string[], provoke: (run: Run) => Promise<void>): Promise<Run> {
  const tmpdir = fs.mkdtempSync(path.join(tmp, "t-"));
  const kernels = () => processesWith(tmpdir, "tslab").length;
  const watchdogs = () => processesWith(tmpdir, "watchdog.js").length;
  const folders = () => fs.readdirSync(tmpdir).filter((f) => f.startsWith("seqlab-kernel-")).length;
  assert.equal(kernels(), 0);
  const run = start(argv, { TMPDIR: tmpdir });
  let during = 0;
  const watch = setInterval(() => (during = Math.max(during, kernels())), 50);
  try {
    await provoke(run);
    await run.exited;
  } finally {
    clearInterval(watch);
  }
  const left = await settlesToZero(kernels, 5000);
  const leftWatchdogs = await settlesToZero(watchdogs, 2000);
  const leftFolders = await settlesToZero(folders, 2000);
  figures.push(`${fault}: ${during} -> ${left}, ${leftFolders} folders (runner exit ${run.child.exitCode ?? run.child.signalCode})`);
  assert.equal(during, 1, `${fault}: expected to see 1 kernel while the runner ran, got ${during}\n${run.out()}${run.err()}`);
  assert.equal(left, 0, `${fault}: expected no kernel process after the runner ended, got ${left}: ${processesWith(tmpdir, "tslab")}`);
  assert.equal(leftWatchdogs, 0, `${fault}: expected no watchdog after the runner ended, got ${leftWatchdogs}`);
  assert.equal(leftFolders, 0, `${fault}: expected no seqlab-kernel-* folder left in ${tmpdir}, got ${fs.readdirSync(tmpdir)}`);
  return run;
}

interface Run {
  child: ChildProcess;
  exited: Promise<number | null>;
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  out(): string;
  err(): string;
}

function start(argv: string[], env: NodeJS.ProcessEnv): Run {
  const child = spawn(process.execPath, ["--import", "tsx", ...argv], { cwd: ROOT, env: { ...process.env, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const waitFor = async (re: RegExp, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = stdout.match(re);
      if (m) return m;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`expected ${re} in the output, got:\n${stdout}\n${stderr}`);
      await sleep(25);
    }
  };
  return { child, exited, waitFor, out: () => stdout, err: () => stderr };
}

/** `cli.ts run NAME` on the fixtures in `dir`, without a site. */
const cliRun = (dir: string, name: string, ...flags: string[]) => [CLI, "run", name, "--notebooks-dir", dir, "--out", path.join(tmp, `out-${name}`), "--no-site", "--profile", "ci", ...flags];

/** A runner that is not the CLI: starts a kernel, runs `code` in it, then does `then`. */
function bareRunner(code: string, then: string): string[] {
  const script = path.join(tmp, `bare-${Math.random().toString(36).slice(2)}.ts`);
  fs.writeFileSync(
    script,
    `import { Kernel } from ${JSON.stringify(path.join(ROOT, "course", "src", "kernel.ts"))};\n` +
      `(async () => {\n` +
      `  const kernel = await Kernel.start({ cwd: ${JSON.stringify(FIXTURES)} });\n` +
      `  kernel.client.request("shell", "execute_request", { code: ${JSON.stringify(code)}, silent: false });\n` +
      `  console.log("kernel started (pid " + kernel.pid + ")");\n` +
      `  await new Promise((r) => setTimeout(r, 300));\n` +
      `  ${then}\n` +
      `})();\n`,
  );
  return [script];
}

const text = (outputs: Output[]) => outputs.map((o) => (o.output_type === "stream" ? joinLines(o.text) : o.output_type === "error" ? `error ${o.ename}: ${o.evalue}` : "")).join("");

describe("D7: faults from callbacks fail the notebook", () => {
  test("a callback from cell 1 that throws while cell 2 runs fails cell 1; cell 3 does not run", async () => {
    const result = await executeNotebook(path.join(FAULTS, "late-throw.ipynb"), { profile: "ci" });
    assert.equal(result.ok, false);
    assert.deepEqual({ ...result.failure, traceback: undefined }, {
      status: "error", cell: 1, cells: 3, index: 1, line: 3, code: 'throw new Error("late boom");',
      callback: { kind: "uncaughtException", during: 2, afterLastCell: false },
      ename: "Error", evalue: "late boom", traceback: undefined,
    });
    assert.deepEqual(result.failure!.traceback, ["Error: late boom", "    at Timeout.later [as _onTimeout] (In[1]:3:9)"]);
    assert.equal(
      formatFailure("late-throw.ipynb", result.failure!).split("\n")[0],
      "late-throw.ipynb: cell 1/3 failed at line 3: Error: late boom (an uncaught exception in a callback, while cell 2/3 ran)",
    );
    const cells = codeCells(result.notebook).map(({ cell }) => cell);
    assert.deepEqual(cells.map((c) => c.execution_count), [1, 2, null]);
    assert.match(text(cells[0]!.outputs), /error Error: late boom$/, "the cell that scheduled the callback shows the error");
    assert.equal(result.notebook.metadata.seqlab?.status, "failed");
    assert.deepEqual(result.notebook.metadata.seqlab?.failure, { status: "error", cell: 1, cells: 3, index: 1, line: 3, ename: "Error", evalue: "late boom" });
  });

  test("a callback from the last cell that throws after it ended still fails the notebook", async () => {
    const result = await executeNotebook(path.join(FAULTS, "late-last.ipynb"), { profile: "ci" });
    assert.equal(result.ok, false);
    assert.deepEqual(
      { cell: result.failure?.cell, line: result.failure?.line, callback: result.failure?.callback, evalue: result.failure?.evalue },
      { cell: 2, line: 1, callback: { kind: "uncaughtException", during: 2, afterLastCell: true }, evalue: "late boom" },
    );
  });

  test("an unhandled rejection from a timer of cell 1 fails cell 1", async () => {
    const result = await executeNotebook(path.join(FAULTS, "late-rejection.ipynb"), { profile: "ci" });
    assert.equal(result.ok, false);
    assert.deepEqual(
      { cell: result.failure?.cell, line: result.failure?.line, kind: result.failure?.callback?.kind, ename: result.failure?.ename, evalue: result.failure?.evalue },
      { cell: 1, line: 1, kind: "unhandledRejection", ename: "RangeError", evalue: "nobody awaits this" },
    );
    assert.equal(codeCells(result.notebook)[2]!.cell.execution_count, null, "cell 3 does not run");
  });
});

describe("D9: line numbers of the cell's own source, no kernel frames (and the CLI reports in D8 below)", () => {
  test("a throw in a function of cell 1 called from cell 2 (types, blank lines, await): lines 7 and 6", async () => {
    const result = await executeNotebook(path.join(FAULTS, "lines.ipynb"), { profile: "ci" });
    assert.deepEqual({ cell: result.failure?.cell, line: result.failure?.line, code: result.failure?.code }, { cell: 2, line: 6, code: "check(basket.apples);" });
    const frames = result.failure!.traceback.filter((l) => l.startsWith("    at "));
    // Line 7 of cell 1: `  if (n !== 2) throw new RangeError(...)`, column 22 the `new`; tslab ran it as line 8.
    assert.deepEqual(frames, ["    at Proxy.check (In[1]:7:22)", "    at In[2]:6:1"]);
    const saved = text(codeCells(result.notebook)[1]!.cell.outputs);
    assert.equal(saved, "RangeError: expected 2 apples, got 1\n    at Proxy.check (In[1]:7:22)\n    at In[2]:6:1\n");
  });
});

// The runs are independent (each has its own TMPDIR), so they may overlap.
describe("D8: no kernel outlives the runner (kernel processes counted from /proc)", { concurrency: 3 }, () => {
  test("the runner exits normally", async () => {
    const run = await contained("normal exit (pass)", cliRun(FIXTURES, "pass"), async () => {});
    assert.equal(run.child.exitCode, 0, run.err());
  });

  test("a thrown error, a rejected promise, a late callback", async () => {
    const runs: Run[] = [];
    for (const [fault, dir, name] of [["thrown error", FIXTURES, "fail"], ["rejected promise", FAULTS, "reject"], ["late callback", FAULTS, "late-throw"]]) {
      const run = await contained(fault!, cliRun(dir!, name!), async () => {});
      assert.equal(run.child.exitCode, 1, `${fault}: ${run.err()}`);
      runs.push(run);
    }
    const [fail, rejected, late] = runs;
    assert.match(fail!.err(), /fail\.ipynb: cell 2\/3 failed at line 2: RangeError: expected 2 apples, got 1\n {4}2 \| if \(apples/);
    assert.match(rejected!.err(), /reject\.ipynb: cell 2\/3 failed at line 1: TypeError: rejected on purpose\n.*\n {4}TypeError: rejected on purpose\n {8}at In\[2\]:1:22\n/);
    assert.match(late!.err(), /late-throw\.ipynb: cell 1\/3 failed at line 3: Error: late boom \(an uncaught exception in a callback, while cell 2\/3 ran\)/);
  });

  test("a syntax error, a type error, process.exit in a cell", async () => {
    const runs: Run[] = [];
    for (const [fault, dir, name] of [["syntax error", FAULTS, "syntax"], ["type error", FIXTURES, "type-error"], ["process.exit(3)", FIXTURES, "kernel-exit"]]) {
      const run = await contained(fault!, cliRun(dir!, name!), async () => {});
      assert.equal(run.child.exitCode, 1, `${fault}: ${run.err()}`);
      runs.push(run);
    }
    assert.match(runs[0]!.err(), /syntax\.ipynb: cell 1\/1 failed at line 1: TypeScript: 1:7 - Variable declaration expected\.\n {4}1 \| const = 1;/);
    assert.match(runs[2]!.err(), /kernel-exit\.ipynb: cell 2\/3 killed the kernel: KernelDied: exit code 3/);
  });

  test("a cell timeout", async () => {
    const run = await contained("timeout", cliRun(FIXTURES, "timeout", "--timeout", "0.5"), async () => {});
    assert.equal(run.child.exitCode, 1);
    assert.match(run.err(), /cell 2\/3 timed out/);
  });

  test("SIGTERM of the CLI while a cell runs while (true) {}", async () => {
    const run = await contained("SIGTERM, busy kernel", cliRun(FAULTS, "busy"), async (r) => {
      await r.waitFor(/\[busy\] cell 1\/3 ok/);
      await sleep(300);
      r.child.kill("SIGTERM");
    });
    assert.equal(run.child.exitCode, 143);
  });

  test("SIGKILL of the CLI while a cell runs while (true) {} (D8)", async () => {
    const run = await contained("SIGKILL, busy kernel", cliRun(FAULTS, "busy"), async (r) => {
      await r.waitFor(/\[busy\] cell 1\/3 ok/);
      await sleep(300);
      r.child.kill("SIGKILL");
    });
    assert.equal(run.child.signalCode, "SIGKILL");
  });

  test("a runner without signal handlers: uncaught throw, SIGTERM, SIGKILL while the kernel is busy", async () => {
    const busy = "while (true) {}";
    const thrown = await contained("runner throws", bareRunner(busy, 'throw new Error("runner bug");'), async () => {});
    assert.match(thrown.err(), /runner bug/);
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      const run = await contained(`bare runner ${signal}, busy kernel`, bareRunner(busy, "await new Promise(() => setInterval(() => {}, 1000));"), async (r) => {
        await r.waitFor(/kernel started/);
        await sleep(300);
        r.child.kill(signal);
      });
      assert.equal(run.child.signalCode, signal);
    }
  });
});
