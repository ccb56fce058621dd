/**
 * The oracle for the headless runner is Jupyter's own client: the same notebook executed by
 * `JUPYTER_PATH=<kernelspec dir> /usr/bin/python3 -m nbconvert --to notebook --execute`
 * and by `executeNotebook` must give the same outputs, cell by cell: output types, stream
 * text, MIME bundles. Runs on the fixture notebook and on notebooks/00-setup.ipynb when it
 * exists; skipped when /usr/bin/python3 cannot import nbconvert.
 *
 * What legitimately differs, and is normalised (nothing else is):
 * 1. Stream chunking. nbclient keeps each `stream` message as its own output; the runner
 *    merges consecutive same-name streams (as JupyterLab displays them). How a kernel splits
 *    its writes into messages is timing-dependent, so both sides are merged before comparing.
 * 2. Multi-line strings: a list of lines and the joined string are the same nbformat value.
 * 3. Durations printed by a cell (`1.2s`, `35 ms`) depend on the wall clock: the numbers are
 *    replaced by `<t>`. (00-setup prints none today; later notebooks print epoch times.)
 * 4. Execution counts: tslab sends no `execute_input` message, and nbconvert's
 *    ExecutePreprocessor takes the count only from iopub, so nbconvert leaves them null;
 *    the runner takes them from `execute_reply` (which carries them). Ours must be 1..n,
 *    theirs null or equal.
 * Display ids are never written to notebooks (they are `transient`), so they need nothing.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { executeNotebook } from "../course/src/execute.js";
import { installKernelSpec, kernelSpec } from "../course/src/kernelspec.js";
import { codeCells, formatNotebook, joinLines, Output, readNotebook, writeNotebook } from "../course/src/nbformat.js";

const PYTHON = "/usr/bin/python3";
const ROOT = path.resolve(import.meta.dirname, "..");
const SETUP = path.join(ROOT, "notebooks", "00-setup.ipynb");
const NOTEBOOKS = [path.join(import.meta.dirname, "fixtures", "notebooks", "pass.ipynb"), ...(fs.existsSync(SETUP) ? [SETUP] : [])];

const canImport = spawnSync(PYTHON, ["-c", "import nbconvert, nbformat, jupyter_client"], { stdio: "ignore" }).status === 0;
const skip = canImport ? false : `${PYTHON} cannot import nbconvert (Debian: apt-get install python3-nbconvert)`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-nbconvert-test-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const jupyterDir = path.join(tmp, "jupyter");
installKernelSpec(jupyterDir);
const env = { ...process.env, JUPYTER_PATH: jupyterDir, SEQLAB_PROFILE: "ci" };

/** Runs Python; resolves with stdout, rejects with stderr on a non-zero exit. */
function python(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { cwd: ROOT, env });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${PYTHON} ${args.join(" ")} exited ${code}:\n${err}`))));
  });
}

const DURATION = /\b\d+(?:\.\d+)?(?:e[-+]?\d+)?\s?(?:ms|s|sec|seconds|min)\b/g;

/** Outputs in a comparable form: normalisations 1-3 of the file comment. */
function normalise(outputs: Output[]): unknown[] {
  const merged: Output[] = [];
  for (const o of outputs) {
    const last = merged[merged.length - 1];
    if (o.output_type === "stream" && last?.output_type === "stream" && last.name === o.name) {
      merged[merged.length - 1] = { ...last, text: joinLines(last.text) + joinLines(o.text) };
    } else merged.push(o);
  }
  const text = (s: string) => s.replace(DURATION, "<t>");
  return merged.map((o) => {
    if (o.output_type === "stream") return { output_type: "stream", name: o.name, text: text(joinLines(o.text)) };
    if (o.output_type === "error") return o;
    const data = Object.fromEntries(
      Object.entries(o.data).map(([mime, v]) => [mime, typeof v === "string" || Array.isArray(v) ? text(joinLines(v as string[])) : v]),
    );
    return { output_type: o.output_type, data, metadata: o.metadata };
  });
}

describe("the runner agrees with Jupyter's own client", { skip }, () => {
  test("Jupyter resolves the kernel name \"seqlab\" to our kernelspec through JUPYTER_PATH", async () => {
    const code = "import json; from jupyter_client.kernelspec import KernelSpecManager as M; s = M().get_kernel_spec('seqlab'); print(json.dumps({'argv': s.argv, 'display_name': s.display_name, 'language': s.language}))";
    const { argv, display_name, language } = kernelSpec();
    assert.deepEqual(JSON.parse(await python(["-c", code])), { argv, display_name, language });
  });

  for (const file of NOTEBOOKS) {
    const name = path.basename(file);
    test(`${name}: same outputs from the runner and from nbconvert`, { timeout: 600_000 }, async () => {
      const ours = await executeNotebook(file, { profile: "ci", env });
      assert.equal(ours.failure, null, JSON.stringify(ours.failure));
      const outDir = path.join(tmp, "nbconvert");
      await python(["-m", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=600", "--output-dir", outDir, file]);
      const theirsFile = path.join(outDir, name);
      const theirs = readNotebook(theirsFile);

      const a = codeCells(ours.notebook);
      const b = codeCells(theirs);
      assert.equal(a.length, b.length);
      let count = 0;
      a.forEach(({ cell }, i) => {
        const other = b[i].cell;
        const executed = joinLines(cell.source).trim() !== "";
        assert.equal(cell.execution_count, executed ? ++count : null, `cell ${i + 1} execution_count`);
        assert.ok(other.execution_count === null || other.execution_count === cell.execution_count, `cell ${i + 1}: nbconvert count ${other.execution_count}`);
        assert.deepEqual(normalise(cell.outputs), normalise(other.outputs), `${name} code cell ${i + 1}`);
      });

      // Our executed notebook passes nbformat's own validator.
      const oursFile = writeNotebook(path.join(tmp, "ours", name), ours.notebook);
      await python(["-c", "import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))", oursFile]);
      // Our writer lays out nbformat's file byte for byte (sorted keys, 1-space indent, lists of
      // lines). Only checked on the fixture: Python writes floats in JSON bundles its own way
      // (1e-07 where JavaScript writes 1e-7), which is the same JSON value.
      if (file !== SETUP) assert.equal(formatNotebook(theirs), fs.readFileSync(theirsFile, "utf8"));
    });
  }
});
