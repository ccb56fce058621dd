/**
 * Executing one notebook headlessly through a real tslab kernel, cell by cell:
 *
 * 1. start a kernel in the notebook's folder with `SEQLAB_PROFILE` set (see `kernel.ts`);
 * 2. for each non-empty code cell, send `execute_request` and wait for its reply and for
 *    `status: idle`, collecting outputs (see `outputs.ts`), under a per-cell timeout;
 * 3. stop at the first error, timeout, interrupt (AbortSignal) or kernel death, or at an
 *    uncaught exception / unhandled rejection from a callback: after each cell, and once
 *    more `settleMs` after the last, the faults the kernel's preload recorded are read;
 *    one fails the cell whose code threw (else the cell during which it fired);
 * 4. always shut the kernel down (shutdown_request, grace, SIGKILL of its process group;
 *    at once after a timeout or interrupt, as the kernel is busy and cannot answer).
 *
 * Stack frames read `In[N]:line:column`: line and column in the source of the cell that ran
 * as `In [N]` (the preload maps tslab's compiled lines back). A failure records the line in
 * the failing cell, and the executed copy records the outcome in `metadata.seqlab`.
 *
 * The source notebook is not modified: the result holds an executed copy.
 */
import * as path from "node:path";
import { Profile, profile as profileFromEnv } from "seqlab";
import { Kernel, KernelFault } from "./kernel.js";
import { Message } from "./jupyter.js";
import { CodeCell, codeCells, joinLines, Notebook, readNotebook } from "./nbformat.js";
import { DisplayRegistry, OutputCollector } from "./outputs.js";

/** How a cell ended. */
export type CellStatus = "ok" | "error" | "timeout" | "interrupted" | "kernel-died";

/** Where and why execution stopped. */
export interface CellFailure {
  status: Exclude<CellStatus, "ok">;
  /** 1-based number of the cell among the code cells (its `In [n]` in a clean run). */
  cell: number;
  /** How many code cells the notebook has. */
  cells: number;
  /** 0-based index of the cell in `notebook.cells`. */
  index: number;
  /** 1-based line in the cell's source where it failed (top stack frame in the cell, or the diagnostic), if known. */
  line: number | null;
  /** The text of that line (trimmed), if known. */
  code: string | null;
  /** Set when the failure is an uncaught exception / unhandled rejection from a callback. */
  callback?: {
    kind: KernelFault["kind"];
    /** 1-based number of the code cell that was running when it fired (the last cell, if after it). */
    during: number;
    /** True when it fired after the last cell had finished. */
    afterLastCell: boolean;
  };
  ename: string;
  evalue: string;
  traceback: string[];
}

/** The outcome of {@link executeNotebook}. */
export interface ExecutionResult {
  /** The notebook file that was executed. */
  file: string;
  /** Its file name without `.ipynb`, used in progress lines. */
  name: string;
  /** The executed copy, with outputs and execution counts up to where execution stopped. */
  notebook: Notebook;
  ok: boolean;
  failure: CellFailure | null;
  /** Per executed code cell: number (1-based), status, seconds. */
  cells: { cell: number; status: CellStatus; durationS: number }[];
  /** Seconds from kernel start to kernel shutdown. */
  durationS: number;
  /** The kernel's process id (-1 when it never started); the process is gone when the promise resolves. */
  kernelPid: number;
}

export interface ExecuteOptions {
  /** `SEQLAB_PROFILE` for the kernel. Default: `env.SEQLAB_PROFILE`, else "full". */
  profile?: Profile;
  /** Seconds a cell may run before the kernel is killed (Infinity: no limit). Default 600. */
  timeoutSeconds?: number;
  /** Seconds the kernel may take to start. Default 60. */
  startupTimeoutSeconds?: number;
  /** Milliseconds between shutdown_request and SIGKILL (none after a timeout or interrupt). Default 2000. */
  graceMs?: number;
  /**
   * Milliseconds to wait after the last cell for callbacks it scheduled to fail (a fault
   * recorded later is not seen). Default 200.
   */
  settleMs?: number;
  /** Base environment of the kernel (all SEQLAB_* pass through). Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Aborting stops the running cell and kills the kernel; the result has status "interrupted". */
  signal?: AbortSignal;
  /** Receives progress lines like `[00-setup] cell 3/9 ok 1.2s`. Default: discard. */
  log?: (line: string) => void;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** Name and message of a failed cell, for tslab, which reports errors on stderr only. */
function errorDetails(collector: OutputCollector, reply: Message): Pick<CellFailure, "ename" | "evalue" | "traceback"> {
  const error = collector.errors()[0];
  if (error) return { ename: error.ename, evalue: error.evalue, traceback: error.traceback };
  const c = reply.content as { ename?: string; evalue?: string; traceback?: string[] };
  if (c.ename) return { ename: c.ename, evalue: c.evalue ?? "", traceback: c.traceback ?? [] };
  // tslab prints the exception (or the TypeScript diagnostics) to stderr and replies "error".
  // Node prints an uncaught error as "file:line", the source line, "^", then "RangeError: message".
  const traceback = collector.streamText("stderr").trimEnd().split("\n");
  for (const line of traceback) {
    const thrown = /^(?:Uncaught )?([A-Za-z_$][\w$]*(?:Error|Exception))(?: \[\w+\])?(?:: (.*))?$/.exec(line);
    if (thrown) return { ename: thrown[1], evalue: thrown[2] ?? "", traceback };
  }
  const first = traceback.find((l) => l.trim() !== "") ?? "";
  if (/^(\S+ )?\d+:\d+ - /.test(first)) return { ename: "TypeScript", evalue: first, traceback };
  return { ename: "Error", evalue: first || "(the kernel reported an error without a message)", traceback };
}

/** Stack frames of the kernel's own machinery (tslab, node:vm, the preload), left out of reports. */
const KERNEL_FRAME = /^\s+at .*(node:vm|node:internal|[\\/]tslab[\\/]dist[\\/]|kernel-preload\.js)/;

/** A stack frame in a cell, as the preload writes it: `In[N]:line:column`. */
const CELL_FRAME = /\bIn\[(\d+)\]:(\d+):(\d+)/;

/**
 * The line in the cell that ran as `In [count]` where the error arose: its top stack frame
 * in that cell, else the first TypeScript diagnostic (`6:1 - ...`, already in cell lines).
 */
export function failureLine(traceback: string[], count: number | null): number | null {
  for (const l of traceback) {
    const m = CELL_FRAME.exec(l);
    if (m && Number(m[1]) === count) return Number(m[2]);
  }
  const diagnostic = traceback.map((l) => /^(?:\S+ )?(\d+):\d+ - /.exec(l)).find((m) => m !== null);
  return diagnostic ? Number(diagnostic[1]) : null;
}

/**
 * A one-paragraph report: `notebooks/x.ipynb: cell 3/9 failed at line 2: TypeError: ...`,
 * the line itself, and the traceback without the kernel's frames.
 */
export function formatFailure(file: string, f: CellFailure): string {
  const what = f.status === "error" ? "failed" : f.status === "timeout" ? "timed out" : f.status === "interrupted" ? "was interrupted" : "killed the kernel";
  const at = f.line !== null ? ` at line ${f.line}` : "";
  const how = f.callback
    ? ` (${f.callback.kind === "unhandledRejection" ? "an unhandled rejection" : "an uncaught exception"} in a callback, ` +
      (f.callback.afterLastCell ? "after the last cell had run)" : `while cell ${f.callback.during}/${f.cells} ran)`)
    : "";
  const lines = f.traceback.filter((l) => !KERNEL_FRAME.test(l) && l.trim() !== "");
  if (f.line !== null && f.code) lines.unshift(`${f.line} | ${f.code}`);
  const trace = lines.length > 0 ? "\n" + lines.map((l) => `    ${l}`).join("\n") : "";
  return `${file}: cell ${f.cell}/${f.cells} ${what}${at}: ${f.ename}: ${f.evalue}${how}${trace}`;
}

/** The text of 1-based `line` of `source`, trimmed; null when out of range. */
function lineOf(source: string, line: number | null): string | null {
  if (line === null) return null;
  const text = source.split("\n")[line - 1];
  return text === undefined ? null : text.trim();
}

/** How waiting for one cell ended. */
type Outcome = { status: "ok" | "error"; reply: Message } | { status: "timeout" | "interrupted" | "kernel-died" };

/** Sends one cell's code and waits for its reply and idle status, the timeout, an abort or the kernel's death. */
async function runCell(kernel: Kernel, code: string, collector: OutputCollector, timeoutMs: number, signal?: AbortSignal): Promise<Outcome> {
  const request = kernel.client.request(
    "shell",
    "execute_request",
    { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true },
    (msg) => collector.handle(msg),
  );
  let timer: NodeJS.Timeout | undefined;
  let onAbort = () => {};
  try {
    return await Promise.race([
      request.done.then((reply): Outcome => ({ status: reply.content.status === "ok" ? "ok" : "error", reply })),
      new Promise<Outcome>((resolve) => {
        if (Number.isFinite(timeoutMs)) timer = setTimeout(() => resolve({ status: "timeout" }), timeoutMs); // Infinity: no limit
      }),
      new Promise<Outcome>((resolve) => {
        onAbort = () => resolve({ status: "interrupted" });
        if (signal?.aborted) onAbort();
        else signal?.addEventListener("abort", onAbort, { once: true });
      }),
      kernel.exited.then((): Outcome => ({ status: "kernel-died" })),
    ]);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

type Where = Pick<CellFailure, "status" | "cell" | "cells" | "index">;
type Why = Pick<CellFailure, "ename" | "evalue" | "traceback">;

/** The failure record for a cell that did not end "ok" (`line` and `code` are filled in by the caller). */
async function failureOf(outcome: Outcome, at: Where, collector: OutputCollector, kernel: Kernel, timeoutMs: number, signal?: AbortSignal): Promise<Where & Why> {
  switch (outcome.status) {
    case "ok":
    case "error":
      return { ...at, ...errorDetails(collector, outcome.reply) };
    case "timeout":
      return { ...at, ename: "Timeout", evalue: `the cell ran longer than the ${timeoutMs / 1000}s timeout`, traceback: [] };
    case "interrupted":
      return { ...at, ename: "Interrupted", evalue: String(signal?.reason ?? "aborted"), traceback: [] };
    case "kernel-died": {
      const exit = await kernel.exited;
      const traceback = kernel.output().trimEnd().split("\n").slice(-20);
      return { ...at, ename: "KernelDied", evalue: `exit code ${exit.code}, signal ${exit.signal}`, traceback };
    }
  }
}

/** Executes a notebook file in a fresh kernel and returns the executed copy and the outcome. */
export async function executeNotebook(file: string, opts: ExecuteOptions = {}): Promise<ExecutionResult> {
  const notebook: Notebook = structuredClone(readNotebook(file));
  const name = path.basename(file, ".ipynb");
  const log = opts.log ?? (() => {});
  const env = opts.env ?? process.env;
  const profile = opts.profile ?? profileFromEnv(env);
  const timeoutMs = (opts.timeoutSeconds ?? 600) * 1000;
  const started = Date.now();
  const result: ExecutionResult = { file, name, notebook, ok: false, failure: null, cells: [], durationS: 0, kernelPid: -1 };
  const cells = codeCells(notebook);
  for (const { cell } of cells) {
    cell.outputs = [];
    cell.execution_count = null;
  }
  const stamp = (failure: CellFailure | null) => {
    notebook.metadata.seqlab = {
      profile,
      executed_at: new Date(started).toISOString(),
      duration_s: result.durationS,
      status: failure ? "failed" : "ok",
      ...(failure && {
        failure: { status: failure.status, cell: failure.cell, cells: failure.cells, index: failure.index, line: failure.line, ename: failure.ename, evalue: failure.evalue },
      }),
    };
  };
  if (opts.signal?.aborted) {
    result.failure = { status: "interrupted", cell: 1, cells: cells.length, index: cells[0]?.index ?? 0, line: null, code: null, ename: "Interrupted", evalue: String(opts.signal.reason), traceback: [] };
    stamp(result.failure);
    return result;
  }

  // 1. Start the kernel where Jupyter would: in the notebook's folder.
  const kernel = await Kernel.start({
    cwd: path.dirname(path.resolve(file)),
    env: { ...env, SEQLAB_PROFILE: profile },
    startupTimeoutMs: (opts.startupTimeoutSeconds ?? 60) * 1000,
  });
  result.kernelPid = kernel.pid;
  log(`[${name}] kernel started (pid ${kernel.pid}) in ${seconds(Date.now() - started)}s`);
  const languageInfo = kernel.kernelInfo.language_info;
  if (typeof languageInfo === "object" && languageInfo !== null) notebook.metadata.language_info = languageInfo as Record<string, unknown>;
  const displays = new DisplayRegistry();
  /** Code cells by the execution count they ran with. */
  const ran = new Map<number, { i: number; cell: CodeCell; index: number; code: string }>();
  /** The failure for the first fault the preload recorded since the last look, or null. */
  const faultFailure = (afterLastCell: boolean): CellFailure | null => {
    const fault = kernel.takeFaults()[0];
    if (!fault) return null;
    const last = [...ran.values()].at(-1)!;
    const during = ran.get(fault.during) ?? last;
    const origin = (fault.origin !== null && ran.get(fault.origin)) || during;
    const count = [...ran.entries()].find(([, r]) => r === origin)![0];
    const line = failureLine(fault.traceback, count);
    const traceback = fault.traceback.length > 0 ? fault.traceback : [`${fault.ename}: ${fault.evalue}`];
    // The cell whose callback failed shows the error, as if it had thrown it.
    origin.cell.outputs.push({ output_type: "error", ename: fault.ename, evalue: fault.evalue, traceback });
    log(`[${name}] cell ${origin.i + 1}/${cells.length} error: ${fault.kind} in a callback`);
    return {
      status: "error",
      cell: origin.i + 1,
      cells: cells.length,
      index: origin.index,
      line,
      code: lineOf(origin.code, line),
      callback: { kind: fault.kind, during: during.i + 1, afterLastCell },
      ename: fault.ename,
      evalue: fault.evalue,
      traceback,
    };
  };
  try {
    // 2.-3. Cell by cell, until the first failure.
    for (const [i, { cell, index }] of cells.entries()) {
      const code = joinLines(cell.source);
      if (code.trim() === "") continue; // as Jupyter: empty cells are not executed
      const cellStart = Date.now();
      const collector = new OutputCollector(displays);
      cell.outputs = collector.outputs;
      const outcome = await runCell(kernel, code, collector, timeoutMs, opts.signal);
      const durationS = seconds(Date.now() - cellStart);
      result.cells.push({ cell: i + 1, status: outcome.status, durationS });
      log(`[${name}] cell ${i + 1}/${cells.length} ${outcome.status} ${durationS}s`);
      if ("reply" in outcome) {
        const count = outcome.reply.content.execution_count;
        cell.execution_count = typeof count === "number" ? count : collector.executionCount;
      }
      ran.set(cell.execution_count ?? ran.size + 1, { i, cell, index, code });
      if (outcome.status === "ok") {
        result.failure = faultFailure(false);
        if (result.failure) break;
        continue;
      }
      const at = { status: outcome.status, cell: i + 1, cells: cells.length, index };
      const failure = await failureOf(outcome, at, collector, kernel, timeoutMs, opts.signal);
      const line = outcome.status === "error" ? failureLine(failure.traceback, cell.execution_count) : null;
      result.failure = { ...failure, line, code: lineOf(code, line) };
      break;
    }
    if (!result.failure && ran.size > 0) {
      // Callbacks the last cells scheduled get a moment to fail.
      await new Promise((resolve) => setTimeout(resolve, opts.settleMs ?? 200));
      result.failure = faultFailure(true);
    }
  } finally {
    // 4. Always: shutdown_request, grace, SIGKILL of the process group. A kernel still busy
    // with a cell (timeout, interrupt) cannot answer shutdown_request: no grace then.
    const busy = result.failure?.status === "timeout" || result.failure?.status === "interrupted";
    await kernel.shutdown(busy ? 0 : (opts.graceMs ?? 2000));
    result.durationS = seconds(Date.now() - started);
  }
  result.ok = result.failure === null;
  stamp(result.failure);
  return result;
}
