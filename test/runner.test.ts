/**
 * The headless notebook runner (course/src/): notebook files, the wire protocol, output
 * collection, real tslab kernels executing the fixture notebooks in test/fixtures/notebooks,
 * the CLI's exit codes and signals, the kernelspec and `lab`.
 *
 * Every test that starts a kernel checks afterwards that the kernel process is gone.
 * The fixture notebooks say in their first cell what they are for.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KernelError, NotebookError } from "../course/src/errors.js";
import { executeNotebook } from "../course/src/execute.js";
import { createConnectionInfo, createMessage, decodeMessage, DELIMITER, encodeMessage, sign } from "../course/src/jupyter.js";
import { Kernel } from "../course/src/kernel.js";
import { installKernelSpec, kernelSpec, NOTEBOOK_KERNELSPEC, userJupyterDataDir } from "../course/src/kernelspec.js";
import { findJupyter, INSTALL_HINT, launchLab, openOn } from "../course/src/lab.js";
import { codeCells, formatNotebook, joinLines, Notebook, Output, readNotebook } from "../course/src/nbformat.js";
import { DisplayRegistry, OutputCollector } from "../course/src/outputs.js";
import { displayPath } from "../course/src/paths.js";
import { listNotebooks, runNotebooks } from "../course/src/run.js";
import { renderSite } from "../course/src/site.js";

const ROOT = path.resolve(import.meta.dirname, "..");
const FIXTURES = path.join(import.meta.dirname, "fixtures", "notebooks");
const CLI = path.join(ROOT, "course", "src", "cli.ts");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-runner-test-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** True while `pid` is a live process (a zombie, exited but not yet reaped by init, counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return process.platform !== "linux";
  }
}

async function assertGone(pid: number, withinMs = 0): Promise<void> {
  assert.ok(pid > 0, `expected a kernel pid, got ${pid}`);
  const deadline = Date.now() + withinMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(alive(pid), false, `kernel process ${pid} is still running`);
}

/** A simplified view of outputs: [type, stream name or MIME types, text]. */
function view(outputs: Output[]): unknown[] {
  return outputs.map((o) =>
    o.output_type === "stream"
      ? [o.name, joinLines(o.text)]
      : o.output_type === "error"
        ? ["error", o.ename, o.evalue]
        : [o.output_type, Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, typeof v === "string" || Array.isArray(v) ? joinLines(v as string[]) : v]))],
  );
}

/** The CLI, run from the TypeScript sources. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const waitFor = async (re: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = stdout.match(re);
      if (m) return m;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`expected ${re} in the CLI output, got:\n${stdout}\n${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, exited, waitFor, out: () => stdout, err: () => stderr };
}

describe("nbformat", () => {
  test("reading a broken notebook names the file and what is wrong", () => {
    const bad = (name: string) => path.join(FIXTURES, "invalid", name);
    assert.throws(() => readNotebook(bad("not-json.ipynb")), (e: Error) => e instanceof NotebookError && e.message.startsWith(`${bad("not-json.ipynb")}: expected JSON, got a parse error:`));
    assert.throws(() => readNotebook(bad("nbformat3.ipynb")), { name: "NotebookError", message: `${bad("nbformat3.ipynb")}: expected nbformat to be 4, got number 3` });
    assert.throws(() => readNotebook(bad("no-outputs.ipynb")), { message: `${bad("no-outputs.ipynb")}: expected cell 1 outputs to be an array, got nothing` });
    assert.throws(() => readNotebook(bad("missing.ipynb")), { name: "NotebookError", message: new RegExp(`^${bad("missing.ipynb")}: expected a readable notebook file, got ENOENT`) });
  });

  test("writing reproduces Jupyter's layout: the fixtures (written that way) round-trip byte for byte", () => {
    for (const name of ["pass", "fail", "timeout", "type-error", "kernel-exit"]) {
      const file = path.join(FIXTURES, `${name}.ipynb`);
      assert.equal(formatNotebook(readNotebook(file)), fs.readFileSync(file, "utf8"), name);
    }
  });

  test("notebook names resolve with or without .ipynb; a missing one lists what is there", () => {
    assert.deepEqual(listNotebooks(FIXTURES, ["pass", "fail.ipynb"]), [path.join(FIXTURES, "pass.ipynb"), path.join(FIXTURES, "fail.ipynb")]);
    assert.deepEqual(listNotebooks(FIXTURES).map((f) => path.basename(f)), ["fail.ipynb", "kernel-exit.ipynb", "pass.ipynb", "timeout.ipynb", "type-error.ipynb"]);
    assert.throws(() => listNotebooks(FIXTURES, ["nope"]), {
      message: `expected a notebook "nope.ipynb" in ${FIXTURES}, got none (there: fail.ipynb, kernel-exit.ipynb, pass.ipynb, timeout.ipynb, type-error.ipynb)`,
    });
  });
});

describe("wire protocol and outputs", () => {
  test("messages are signed with HMAC-SHA256 over header, parent, metadata, content; tampering is rejected", async () => {
    const info = await createConnectionInfo();
    assert.equal(new Set([info.shell_port, info.iopub_port, info.stdin_port, info.control_port, info.hb_port]).size, 5);
    assert.match(info.key, /^[0-9a-f]{64}$/);
    const msg = createMessage("execute_request", { code: "1 + 1" }, "session-1");
    const frames = encodeMessage(msg, info.key, [Buffer.from("id-1")]);
    assert.deepEqual(frames.slice(0, 2), [Buffer.from("id-1"), DELIMITER]);
    assert.equal(frames[2].toString(), sign(info.key, frames.slice(3, 7))); // the signature covers exactly the 4 parts
    assert.deepEqual(decodeMessage(frames, info.key), msg);
    const tampered = [...frames.slice(0, 6), Buffer.from(JSON.stringify({ code: "rm -rf /" }))];
    assert.throws(() => decodeMessage(tampered, info.key), KernelError);
    assert.throws(() => decodeMessage(frames, "another key"), /expected a message signed with the session key/);
  });

  test("streams merge, update_display_data reaches earlier cells, clear_output(wait) clears before the next output", () => {
    const msg = (msg_type: string, content: Record<string, unknown>) => createMessage(msg_type, content, "s");
    const displays = new DisplayRegistry();
    const first = new OutputCollector(displays);
    first.handle(msg("stream", { name: "stdout", text: "a\n" }));
    first.handle(msg("stream", { name: "stdout", text: "b\n" }));
    first.handle(msg("stream", { name: "stderr", text: "warn\n" }));
    first.handle(msg("stream", { name: "stdout", text: "c\n" }));
    first.handle(msg("display_data", { data: { "text/plain": "v1" }, metadata: {}, transient: { display_id: "d" } }));
    const second = new OutputCollector(displays);
    second.handle(msg("update_display_data", { data: { "text/plain": "v2" }, metadata: {}, transient: { display_id: "d" } }));
    second.handle(msg("execute_result", { execution_count: 2, data: { "text/plain": "42" }, metadata: {} }));
    second.handle(msg("clear_output", { wait: true }));
    assert.equal(second.outputs.length, 1, "a waiting clear keeps the outputs until the next one");
    second.handle(msg("error", { ename: "RangeError", evalue: "bad", traceback: ["RangeError: bad"] }));
    assert.deepEqual(view(first.outputs), [["stdout", "a\nb\n"], ["stderr", "warn\n"], ["stdout", "c\n"], ["display_data", { "text/plain": "v2" }]]);
    assert.deepEqual(view(second.outputs), [["error", "RangeError", "bad"]]);
    assert.equal(second.executionCount, 2);
    assert.equal(first.streamText("stdout"), "a\nb\nc\n");
  });
});

describe("kernel", () => {
  test("starts in the given folder, answers kernel_info and heartbeat, and is gone after shutdown", async () => {
    const kernel = await Kernel.start({ cwd: FIXTURES });
    try {
      assert.equal((kernel.kernelInfo.language_info as { name: string }).name, "typescript");
      assert.equal(await kernel.client.heartbeat(), true);
      const outputs = new OutputCollector();
      const reply = await kernel.client.request("shell", "execute_request", { code: "console.log(process.cwd())", silent: false }, (m) => outputs.handle(m)).done;
      assert.equal(reply.content.status, "ok");
      assert.equal(outputs.streamText("stdout"), FIXTURES + "\n");
    } finally {
      await kernel.shutdown();
    }
    await assertGone(kernel.pid);
    assert.equal(kernel.running, false);
  });

  // tslab binds its sockets with zeromq's asynchronous bind while its receive loops already
  // run; a request that arrives in between kills the shell loop ("Socket is blocked by a bind
  // or unbind operation"), a race seen once in CI. The preload binds synchronously instead.
  const startupFault = (fault: string) => ({
    ...process.env,
    NODE_OPTIONS: `--require ${path.join(import.meta.dirname, "fixtures", "kernel", "startup_faults.cjs")}`,
    SEQLAB_TEST_KERNEL_FAULT: fault,
  });

  test("binds its sockets synchronously: it answers with zeromq's asynchronous bind refused", async () => {
    const kernel = await Kernel.start({ cwd: FIXTURES, env: startupFault("async-bind"), startupTimeoutMs: 30_000 });
    try {
      assert.equal((kernel.kernelInfo.language_info as { name: string }).name, "typescript");
      assert.deepEqual(kernel.takeFaults(), []);
    } finally {
      await kernel.shutdown();
    }
    await assertGone(kernel.pid);
  });

  test("a kernel that finds a port taken is started again on fresh ports, within seconds", async () => {
    const mark = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-port-")), "taken");
    const started = Date.now();
    const kernel = await Kernel.start({ cwd: FIXTURES, env: { ...startupFault("port-taken-once"), SEQLAB_TEST_PORT_TAKEN_MARK: mark }, startupTimeoutMs: 30_000 });
    try {
      assert.equal((kernel.kernelInfo.language_info as { name: string }).name, "typescript");
      assert.notEqual(Number(fs.readFileSync(mark, "utf8")), kernel.pid, "a second kernel process answered");
      assert.ok(Date.now() - started < 20_000, `expected the retry within seconds, took ${Date.now() - started} ms`);
    } finally {
      await kernel.shutdown();
      fs.rmSync(path.dirname(mark), { recursive: true, force: true });
    }
    await assertGone(kernel.pid);
  });

  test("a kernel_info_request the kernel never answers is asked again", async () => {
    const started = Date.now();
    const kernel = await Kernel.start({ cwd: FIXTURES, env: startupFault("drop-first-request"), startupTimeoutMs: 30_000 });
    try {
      assert.equal((kernel.kernelInfo.language_info as { name: string }).name, "typescript");
      assert.ok(Date.now() - started < 20_000, `expected a second request within seconds, took ${Date.now() - started} ms`);
    } finally {
      await kernel.shutdown();
    }
    await assertGone(kernel.pid);
  });
});

describe("executing notebooks", () => {
  test("a passing notebook: outputs, execution counts, profile, cwd; valid nbformat written; source untouched; site rendered", async () => {
    const source = path.join(FIXTURES, "pass.ipynb");
    const before = fs.readFileSync(source, "utf8");
    const out = path.join(tmp, "pass-out");
    const site = path.join(tmp, "pass-site");
    const lines: string[] = [];
    const summary = await runNotebooks({ names: ["pass"], notebooksDir: FIXTURES, outDir: out, siteDir: site, profile: "ci", log: (l) => lines.push(l) });
    assert.equal(summary.error, null);
    assert.equal(summary.ok, true);
    assert.deepEqual(summary.site, { index: path.join(site, "index.html"), pages: [path.join(site, "pass.html")] });
    assert.ok(fs.existsSync(path.join(site, "pass.html")));
    const [result] = summary.results;
    await assertGone(result.kernelPid);
    assert.equal(fs.readFileSync(source, "utf8"), before, "the source notebook is unchanged");

    const written: Notebook = readNotebook(path.join(out, "pass.ipynb")); // validates nbformat 4
    assert.equal(formatNotebook(written), fs.readFileSync(path.join(out, "pass.ipynb"), "utf8"));
    const cells = codeCells(written).map(({ cell }) => cell);
    assert.deepEqual(cells.map((c) => c.execution_count), [1, 2, 3, 4, null, 5], "the empty cell is not executed");
    assert.deepEqual(cells.map((c) => view(c.outputs)), [
      [["stdout", "profile ci\ncwd notebooks\n"]],
      [["stdout", "line 0\nline 1\nline 2\n"], ["stderr", "to stderr\n"]],
      [["display_data", { "text/html": "<b>bold</b>" }], ["display_data", { "text/plain": "after update" }]],
      [["stdout", "42\n"]],
      [],
      [["stdout", "43\n"]],
    ]);
    assert.deepEqual(written.metadata.kernelspec, NOTEBOOK_KERNELSPEC);
    assert.equal(written.metadata.language_info?.name, "typescript");
    assert.equal(written.metadata.seqlab?.profile, "ci");
    assert.ok(Math.abs(Date.parse(written.metadata.seqlab!.executed_at) - Date.now()) < 120_000);
    assert.equal(written.metadata.seqlab?.duration_s, result.durationS);
    assert.equal(written.metadata.seqlab?.status, "ok");
    assert.equal(written.metadata.seqlab?.failure, undefined);
    assert.match(lines.join("\n"), /\[pass\] kernel started \(pid \d+\)[\s\S]*\[pass\] cell 6\/6 ok [\d.]+s/);
  });

  test("a failing cell stops the notebook: notebook, cell number and error reported; outputs kept so far; kernel gone", async () => {
    const out = path.join(tmp, "fail-out");
    const summary = await runNotebooks({ names: ["fail"], notebooksDir: FIXTURES, outDir: out, siteDir: null, profile: "ci" });
    assert.equal(summary.ok, false);
    const [result] = summary.results;
    await assertGone(result.kernelPid);
    const code = "if (apples !== 2) throw new RangeError(`expected 2 apples, got ${apples}`);";
    assert.deepEqual(
      { ...result.failure, traceback: undefined },
      { status: "error", cell: 2, cells: 3, index: 2, line: 2, code, ename: "RangeError", evalue: "expected 2 apples, got 1", traceback: undefined },
    );
    const report = summary.error!.split("\n");
    // The line is the cell's own line 2 (tslab runs it as line 5 of its compiled code).
    assert.deepEqual(report.slice(0, 4), [
      `${displayPath(path.join(FIXTURES, "fail.ipynb"))}: cell 2/3 failed at line 2: RangeError: expected 2 apples, got 1`,
      `    2 | ${code}`,
      "    RangeError: expected 2 apples, got 1",
      "        at In[2]:2:25",
    ]);
    assert.ok(!/tslab[\\/]dist|node:vm|evalmachine|kernel-preload/.test(summary.error!), summary.error!);
    assert.equal(report.at(-1), `The executed notebook, with the outputs up to that cell, is in ${displayPath(path.join(out, "fail.ipynb"))}`);
    const cells = codeCells(readNotebook(path.join(out, "fail.ipynb"))).map(({ cell }) => cell);
    assert.deepEqual(cells.map((c) => c.execution_count), [1, 2, null]);
    assert.deepEqual(view(cells[0].outputs), [["stdout", "before the error\n"]]);
    // The saved output has the cell's own line and no frames of tslab or node:vm.
    assert.equal(joinLines((cells[1].outputs[0] as { text: string[] }).text), "RangeError: expected 2 apples, got 1\n    at In[2]:2:25\n");
    assert.deepEqual(cells[2].outputs, []);
    const written = readNotebook(path.join(out, "fail.ipynb"));
    assert.equal(written.metadata.seqlab?.status, "failed");
    assert.deepEqual(written.metadata.seqlab?.failure, { status: "error", cell: 2, cells: 3, index: 2, line: 2, ename: "RangeError", evalue: "expected 2 apples, got 1" });
    // Its site page says so on top, and shows the error with the cell's line and no kernel frames.
    const site = await renderSite({ notebooksDir: out, outDir: path.join(tmp, "fail-site") });
    const page = fs.readFileSync(site.pages[0]!, "utf8");
    assert.match(page, /<div class="run-banner" role="alert">This notebook failed at cell 2\/3, line 2: RangeError: expected 2 apples, got 1\./);
    assert.match(page, /RangeError: expected 2 apples, got 1\n    at In\[2\]:2:25\n<\/pre>/);
    assert.doesNotMatch(page, /tslab|evalmachine|node:vm/);
    assert.match(fs.readFileSync(site.index, "utf8"), /<span class="run-failed">failed at cell 2\/3, line 2<\/span>/);
  });

  test("a cell past its timeout is reported as a timeout and its kernel killed", async () => {
    const started = Date.now();
    const result = await executeNotebook(path.join(FIXTURES, "timeout.ipynb"), { timeoutSeconds: 0.5, graceMs: 500 });
    await assertGone(result.kernelPid);
    assert.equal(result.ok, false);
    assert.deepEqual({ ...result.failure }, { status: "timeout", cell: 2, cells: 3, index: 2, line: null, code: null, ename: "Timeout", evalue: "the cell ran longer than the 0.5s timeout", traceback: [] });
    assert.equal(result.notebook.metadata.seqlab?.status, "failed");
    assert.equal(result.notebook.metadata.seqlab?.failure?.status, "timeout");
    assert.deepEqual(view(codeCells(result.notebook)[0].cell.outputs), [["stdout", "started\n"]]);
    assert.ok(Date.now() - started < 30_000, "the minute-long cell was not waited for");
  });

  test("timeoutSeconds Infinity is no limit (not a timer that fires at once)", async () => {
    const result = await executeNotebook(path.join(FIXTURES, "pass.ipynb"), { timeoutSeconds: Infinity });
    await assertGone(result.kernelPid);
    assert.equal(result.ok, true, JSON.stringify(result.failure));
  });

  test("a kernel that exits during a cell is reported as such, with the cell", async () => {
    const result = await executeNotebook(path.join(FIXTURES, "kernel-exit.ipynb"));
    await assertGone(result.kernelPid);
    assert.deepEqual({ ...result.failure, traceback: undefined }, { status: "kernel-died", cell: 2, cells: 3, index: 2, line: null, code: null, ename: "KernelDied", evalue: "exit code 3, signal null", traceback: undefined });
    assert.deepEqual(view(codeCells(result.notebook)[0].cell.outputs), [["stdout", "still alive\n"]]);
  });
});

describe("command line", () => {
  test("run exits 1 on a failing notebook and prints the error, and on bad arguments", async () => {
    const out = path.join(tmp, "cli-out");
    const failing = cli(["run", "type-error", "--notebooks-dir", FIXTURES, "--out", out, "--no-site", "--profile", "ci"]);
    assert.equal(await failing.exited, 1);
    assert.match(failing.err(), /type-error\.ipynb: cell 1\/1 failed at line 1: TypeScript: 1:7 - Type 'string' is not assignable to type 'number'\./);
    assert.match(failing.out(), /\[type-error\] cell 1\/1 error/);
    assert.ok(fs.existsSync(path.join(out, "type-error.ipynb")));

    const unknown = cli(["run", "nope", "--notebooks-dir", FIXTURES, "--out", out, "--no-site"]);
    assert.equal(await unknown.exited, 1);
    assert.match(unknown.err(), /^seqlab: expected a notebook "nope\.ipynb" in .*, got none/);

    const badTimeout = cli(["run", "--timeout", "soon"]);
    assert.equal(await badTimeout.exited, 1);
    assert.match(badTimeout.err(), /expected a positive number of seconds, got 'soon'/);

    const empty = path.join(tmp, "empty");
    fs.mkdirSync(empty);
    const nothing = cli(["run", "--notebooks-dir", empty, "--out", out, "--no-site"]);
    assert.equal(await nothing.exited, 1);
    assert.equal(nothing.err(), `seqlab: expected at least one .ipynb file in ${empty}, got none\n`);
  });

  test("SIGINT while a cell runs: the kernel is shut down, the partial notebook written, exit code 130", async () => {
    const out = path.join(tmp, "sigint-out");
    const run = cli(["run", "timeout", "--notebooks-dir", FIXTURES, "--out", out, "--no-site"]);
    const pid = Number((await run.waitFor(/kernel started \(pid (\d+)\)/))[1]);
    await run.waitFor(/\[timeout\] cell 1\/3 ok/);
    run.child.kill("SIGINT");
    assert.equal(await run.exited, 130);
    await assertGone(pid);
    assert.match(run.err(), /SIGINT received, stopping the kernel/);
    assert.match(run.err(), /cell 2\/3 was interrupted: Interrupted: SIGINT/);
    assert.match(run.out(), /\[timeout\] cell 2\/3 interrupted/);
    assert.ok(fs.existsSync(path.join(out, "timeout.ipynb")));
  });

  test("SIGKILL of the runner: the watchdog kills the (idle) kernel", async () => {
    const run = cli(["run", "timeout", "--notebooks-dir", FIXTURES, "--out", path.join(tmp, "sigkill-out"), "--no-site"]);
    const pid = Number((await run.waitFor(/kernel started \(pid (\d+)\)/))[1]);
    await run.waitFor(/\[timeout\] cell 1\/3 ok/);
    run.child.kill("SIGKILL");
    await run.exited;
    await assertGone(pid, 5000);
  });

  test("kernel --user writes the kernelspec to $JUPYTER_DATA_DIR and says where", async () => {
    const dataDir = path.join(tmp, "jupyter-data");
    const run = cli(["kernel", "--user"], { JUPYTER_DATA_DIR: dataDir });
    assert.equal(await run.exited, 0);
    const file = path.join(dataDir, "kernels", "seqlab", "kernel.json");
    assert.match(run.out(), new RegExp(`written to ${file}`));
    assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), kernelSpec());
  });
});

describe("kernelspec and lab", () => {
  test("the kernelspec runs this project's tslab with this Node", () => {
    const spec = kernelSpec();
    assert.deepEqual(spec.argv, [process.execPath, path.join(ROOT, "node_modules", "tslab", "bin", "tslab"), "kernel", "--config-path", "{connection_file}"]);
    assert.equal(spec.display_name, "TypeScript (seqlab)");
    assert.equal(spec.language, "typescript");
    const file = installKernelSpec(path.join(tmp, "local-jupyter"));
    assert.equal(file, path.join(tmp, "local-jupyter", "kernels", "seqlab", "kernel.json"));
  });

  test("the per-user Jupyter data dir follows jupyter_core on each platform", () => {
    assert.equal(userJupyterDataDir({ JUPYTER_DATA_DIR: "/x" }, "linux", "/home/u"), "/x");
    assert.equal(userJupyterDataDir({}, "linux", "/home/u"), "/home/u/.local/share/jupyter");
    assert.equal(userJupyterDataDir({ XDG_DATA_HOME: "/xdg" }, "linux", "/home/u"), "/xdg/jupyter");
    assert.equal(userJupyterDataDir({}, "darwin", "/Users/u"), "/Users/u/Library/Jupyter");
    assert.equal(userJupyterDataDir({ APPDATA: "C:\\Users\\u\\AppData\\Roaming" }, "win32", "C:\\Users\\u"), path.join("C:\\Users\\u\\AppData\\Roaming", "jupyter"));
  });

  test("lab starts Jupyter at the project root, opening notebooks/, with build/jupyter on JUPYTER_PATH and SEQLAB_* passed through", async () => {
    const bin = path.join(tmp, "fake-bin");
    const record = path.join(tmp, "fake-jupyter.txt");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "jupyter-lab"), `#!/bin/sh\n{ pwd; echo "$@"; echo "$JUPYTER_PATH"; echo "$SEQLAB_PROFILE"; } > "${record}"\n`, { mode: 0o755 });
    const jupyterDir = path.join(tmp, "lab-jupyter");
    const logged: string[] = [];
    const code = await launchLab({
      rootDir: ROOT,
      notebooksDir: FIXTURES,
      jupyterDir,
      args: ["--no-browser"],
      env: { ...process.env, SEQLAB_PROFILE: "ci", JUPYTER_PATH: "/elsewhere" },
      find: { path: bin, pythons: [] },
      log: (l) => logged.push(l),
    });
    assert.equal(code, 0);
    const [cwd, args, jupyterPath, profile] = fs.readFileSync(record, "utf8").split("\n");
    assert.equal(cwd, ROOT);
    assert.match(args, /^--ServerApp.root_dir=(\S+) --ServerApp.default_url=\/lab\/tree\/test\/fixtures\/notebooks --no-browser( --allow-root)?$/);
    assert.equal(/root_dir=(\S+)/.exec(args)![1], ROOT);
    assert.equal(jupyterPath, `${jupyterDir}${path.delimiter}/elsewhere`);
    assert.equal(profile, "ci");
    assert.ok(fs.existsSync(path.join(jupyterDir, "kernels", "seqlab", "kernel.json")));
    assert.match(logged[0], /^Starting jupyter lab on /);
    assert.throws(() => openOn({ command: "x", args: [], label: "jupyter notebook" }, FIXTURES, ROOT), /lab: expected the notebooks folder inside the project folder/);
    assert.deepEqual(openOn({ command: "x", args: [], label: "jupyter notebook" }, ROOT, path.join(ROOT, "notebooks")).slice(0, 2), [
      `--NotebookApp.notebook_dir=${ROOT}`,
      "--NotebookApp.default_url=/tree/notebooks",
    ]);
  });

  test("lab without Jupyter prints how to install it and returns 1", async () => {
    assert.equal(findJupyter({ path: path.join(tmp, "no-such-dir"), pythons: [] }), null);
    const logged: string[] = [];
    const code = await launchLab({ rootDir: ROOT, notebooksDir: FIXTURES, jupyterDir: path.join(tmp, "unused"), find: { path: "", pythons: [] }, log: (l) => logged.push(l) });
    assert.equal(code, 1);
    assert.deepEqual(logged, [INSTALL_HINT]);
    assert.match(INSTALL_HINT, /pip install jupyterlab/);
    assert.match(INSTALL_HINT, /sudo apt-get install jupyter-notebook/);
  });
});
