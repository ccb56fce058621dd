/**
 * Jupyter notebooks on disk: the nbformat 4 types, reading with checks that name the
 * file and the cell, and writing in the layout Jupyter itself writes (one-space indent,
 * multi-line strings as lists of lines), so executed notebooks diff cleanly.
 *
 * Reference: https://nbformat.readthedocs.io/en/latest/format_description.html
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { NotebookError } from "./errors.js";

/** A string, or the same string split after each "\n" (how nbformat stores long text). */
export type MultilineString = string | string[];

/** Output data keyed by MIME type; text types hold (multi-line) strings, JSON types hold JSON. */
export type MimeBundle = Record<string, unknown>;

/** Text written to stdout or stderr while a cell ran. */
export interface StreamOutput {
  output_type: "stream";
  name: "stdout" | "stderr";
  text: MultilineString;
}

/** A rich display (`display_data` message), e.g. HTML, a plot, an image. */
export interface DisplayDataOutput {
  output_type: "display_data";
  data: MimeBundle;
  metadata: Record<string, unknown>;
}

/** The value of the cell's last expression (`execute_result` message). */
export interface ExecuteResultOutput {
  output_type: "execute_result";
  execution_count: number | null;
  data: MimeBundle;
  metadata: Record<string, unknown>;
}

/** An exception raised by the cell (`error` message). */
export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}

/** One entry of a code cell's `outputs`. */
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

/** A code cell: source, outputs and the kernel's execution counter. */
export interface CodeCell {
  cell_type: "code";
  id?: string;
  source: MultilineString;
  metadata: Record<string, unknown>;
  outputs: Output[];
  execution_count: number | null;
}

/** A markdown or raw cell: never executed. */
export interface TextCell {
  cell_type: "markdown" | "raw";
  id?: string;
  source: MultilineString;
  metadata: Record<string, unknown>;
  attachments?: Record<string, MimeBundle>;
}

export type Cell = CodeCell | TextCell;

/** `metadata.kernelspec`: which kernel Jupyter starts for the notebook. */
export interface KernelspecMetadata {
  name: string;
  display_name: string;
  language?: string;
}

/** `metadata.seqlab`: written by the runner into executed notebooks. */
export interface SeqlabRunMetadata {
  /** The `SEQLAB_PROFILE` the kernel ran with. */
  profile: string;
  /** ISO 8601 time the run started. */
  executed_at: string;
  /** Wall time of the whole notebook, kernel start to shutdown, in seconds. */
  duration_s: number;
  /** "failed" when execution stopped before the end (error, timeout, interrupt, kernel death). */
  status?: "ok" | "failed";
  /** Where and why it stopped, when `status` is "failed". */
  failure?: SeqlabRunFailure;
}

/** `metadata.seqlab.failure`: the cell that failed and why. */
export interface SeqlabRunFailure {
  /** How the cell ended: "error", "timeout", "interrupted" or "kernel-died". */
  status: string;
  /** 1-based number of the cell among the code cells, and how many there are. */
  cell: number;
  cells: number;
  /** 0-based index of the cell in `cells`. */
  index: number;
  /** 1-based line in the cell's source, when known. */
  line: number | null;
  ename: string;
  evalue: string;
}

export interface NotebookMetadata {
  kernelspec?: KernelspecMetadata;
  language_info?: Record<string, unknown>;
  seqlab?: SeqlabRunMetadata;
  [key: string]: unknown;
}

/** A whole notebook in nbformat 4. */
export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: NotebookMetadata;
  cells: Cell[];
}

/** Joins a multi-line string into one string. */
export function joinLines(text: MultilineString): string {
  return Array.isArray(text) ? text.join("") : text;
}

/** Splits text after each "\n", keeping the newlines (Python's `splitlines(True)` for "\n"). */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** Reads and checks a notebook file; throws NotebookError naming the file on any problem. */
export function readNotebook(file: string): Notebook {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new NotebookError(`${file}: expected a readable notebook file, got ${(e as Error).message}`);
  }
  return parseNotebook(text, file);
}

/** Parses and checks notebook JSON; `file` only names the source in error messages. */
export function parseNotebook(text: string, file: string): Notebook {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new NotebookError(`${file}: expected JSON, got a parse error: ${(e as Error).message}`);
  }
  validateNotebook(json, file);
  return json;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isMultiline(value: unknown): value is MultilineString {
  return typeof value === "string" || (Array.isArray(value) && value.every((s) => typeof s === "string"));
}

/** Throws NotebookError unless `json` has the nbformat 4 structure the runner relies on. */
export function validateNotebook(json: unknown, file: string): asserts json is Notebook {
  const fail = (what: string, expected: string, got: unknown): never => {
    throw new NotebookError(`${file}: expected ${what} to be ${expected}, got ${describe(got)}`);
  };
  if (!isObject(json)) fail("the notebook", "a JSON object", json);
  const nb = json as Record<string, unknown>;
  if (nb.nbformat !== 4) fail("nbformat", "4", nb.nbformat);
  if (typeof nb.nbformat_minor !== "number") fail("nbformat_minor", "a number", nb.nbformat_minor);
  if (!isObject(nb.metadata)) fail("metadata", "an object", nb.metadata);
  if (!Array.isArray(nb.cells)) fail("cells", "an array", nb.cells);
  (nb.cells as unknown[]).forEach((cell, i) => {
    const where = `cell ${i + 1}`;
    if (!isObject(cell)) return fail(where, "an object", cell);
    if (cell.cell_type !== "code" && cell.cell_type !== "markdown" && cell.cell_type !== "raw") {
      fail(`${where} cell_type`, '"code", "markdown" or "raw"', cell.cell_type);
    }
    if (!isMultiline(cell.source)) fail(`${where} source`, "a string or list of strings", cell.source);
    if (!isObject(cell.metadata)) fail(`${where} metadata`, "an object", cell.metadata);
    if (cell.attachments !== undefined) {
      if (!isObject(cell.attachments)) fail(`${where} attachments`, "an object", cell.attachments);
      for (const [name, bundle] of Object.entries(cell.attachments as Record<string, unknown>)) {
        if (!isObject(bundle)) fail(`${where} attachment ${JSON.stringify(name)}`, "an object of MIME types", bundle);
      }
    }
    if (cell.cell_type === "code") {
      if (!Array.isArray(cell.outputs)) fail(`${where} outputs`, "an array", cell.outputs);
      const count = cell.execution_count;
      if (count !== null && typeof count !== "number") fail(`${where} execution_count`, "a number or null", count);
      (cell.outputs as unknown[]).forEach((output, j) => validateOutput(output, `${where} output ${j + 1}`, fail));
    }
  });
}

/** Checks one code-cell output against the nbformat 4 output schema's required fields. */
function validateOutput(output: unknown, where: string, fail: (what: string, expected: string, got: unknown) => never): void {
  if (!isObject(output)) return fail(where, "an object", output);
  switch (output.output_type) {
    case "stream":
      if (typeof output.name !== "string") fail(`${where} name`, '"stdout" or "stderr"', output.name);
      if (!isMultiline(output.text)) fail(`${where} text`, "a string or list of strings", output.text);
      return;
    case "execute_result":
      if (output.execution_count !== null && typeof output.execution_count !== "number") {
        fail(`${where} execution_count`, "a number or null", output.execution_count);
      }
    // falls through: the same data and metadata as display_data
    case "display_data":
      if (!isObject(output.data)) fail(`${where} data`, "an object of MIME types", output.data);
      if (output.metadata !== undefined && !isObject(output.metadata)) fail(`${where} metadata`, "an object", output.metadata);
      return;
    case "error":
      if (typeof output.ename !== "string") fail(`${where} ename`, "a string", output.ename);
      if (typeof output.evalue !== "string") fail(`${where} evalue`, "a string", output.evalue);
      if (!Array.isArray(output.traceback) || !output.traceback.every((l) => typeof l === "string")) {
        fail(`${where} traceback`, "a list of strings", output.traceback);
      }
      return;
    default:
      fail(`${where} output_type`, '"stream", "display_data", "execute_result" or "error"', output.output_type);
  }
}

/** The code cells of a notebook, in order, with their index among all cells. */
export function codeCells(nb: Notebook): { cell: CodeCell; index: number }[] {
  const out: { cell: CodeCell; index: number }[] = [];
  nb.cells.forEach((cell, index) => {
    if (cell.cell_type === "code") out.push({ cell, index });
  });
  return out;
}

/** Splits text fields into lists of lines, as nbformat's writer does (JSON MIME types stay as they are). */
function splitForDisk(nb: Notebook): Notebook {
  const splitBundle = (data: MimeBundle): MimeBundle =>
    Object.fromEntries(
      Object.entries(data).map(([mime, value]) => {
        const isJson = mime === "application/json" || mime.endsWith("+json");
        return [mime, !isJson && typeof value === "string" ? splitLines(value) : value];
      }),
    );
  const splitOutput = (o: Output): Output => {
    if (o.output_type === "stream") return { ...o, text: splitLines(joinLines(o.text)) };
    if (o.output_type === "display_data" || o.output_type === "execute_result") return { ...o, data: splitBundle(o.data) };
    return o;
  };
  return {
    ...nb,
    cells: nb.cells.map((cell) => {
      const source = splitLines(joinLines(cell.source));
      return cell.cell_type === "code" ? { ...cell, source, outputs: cell.outputs.map(splitOutput) } : { ...cell, source };
    }),
  };
}

/** JSON.stringify replacer that sorts object keys, as nbformat's writer does (`sort_keys=True`). */
function sortKeys(_key: string, value: unknown): unknown {
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, value[k]]));
}

/** Serialises a notebook exactly as Jupyter does: sorted keys, one-space indent, lists of lines. */
export function formatNotebook(nb: Notebook): string {
  return JSON.stringify(splitForDisk(nb), sortKeys, 1) + "\n";
}

/** Writes a notebook as Jupyter does (creating the folder), and returns the path. */
export function writeNotebook(file: string, nb: Notebook): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, formatNotebook(nb));
  return file;
}
