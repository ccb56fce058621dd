/**
 * `npm run notebooks`: execute the course notebooks one after the other, write the
 * executed copies (never over the sources), stop at the first failure, then render the
 * course site from the executed copies.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ArgumentError } from "seqlab";
import { NotebookError } from "./errors.js";
import { Profile } from "seqlab";
import { executeNotebook, ExecutionResult, formatFailure } from "./execute.js";
import { codeCells, readNotebook, writeNotebook } from "./nbformat.js";
import { defaultPaths, displayPath } from "./paths.js";
import { RenderedSite, renderSite } from "./site.js";

export interface RunOptions {
  /** Notebook file names or stems in `notebooksDir` ("00-setup", "00-setup.ipynb"). Default: all, sorted. */
  names?: string[];
  /** Folder of source notebooks. Default `notebooks/`. */
  notebooksDir?: string;
  /** Folder for executed notebooks; must differ from `notebooksDir`. Default `build/notebooks/`. */
  outDir?: string;
  /** Folder for the course site, or null for none. Default `build/site/`. */
  siteDir?: string | null;
  /** `SEQLAB_PROFILE` for the kernels. Default: `env.SEQLAB_PROFILE`, else "full". */
  profile?: Profile;
  /** Seconds each cell may run (Infinity: no limit). Default 600. */
  timeoutSeconds?: number;
  /** Base environment of the kernels. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Aborting stops the running notebook (kernel killed) and the run. */
  signal?: AbortSignal;
  /** Receives progress lines. Default: discard. */
  log?: (line: string) => void;
}

export interface RunSummary {
  ok: boolean;
  /** One per notebook executed (the last one is the failing one when `ok` is false). */
  results: ExecutionResult[];
  /** Paths of the executed notebooks written. */
  written: string[];
  /** The rendered site, when rendered. */
  site: RenderedSite | null;
  /** What went wrong, ready to print; null when ok. */
  error: string | null;
}

/**
 * The notebook files to run: `names` resolved in `dir` (with or without `.ipynb`), or every
 * `*.ipynb` in `dir` sorted by name. Throws NotebookError naming what is missing.
 */
export function listNotebooks(dir: string, names: string[] = []): string[] {
  if (!fs.existsSync(dir)) throw new NotebookError(`expected a notebooks folder at ${dir}, got none`);
  const all = fs.readdirSync(dir).filter((f) => f.endsWith(".ipynb")).sort();
  if (all.length === 0) throw new NotebookError(`expected at least one .ipynb file in ${dir}, got none`);
  if (names.length === 0) return all.map((f) => path.join(dir, f));
  return names.map((name) => {
    const file = path.basename(name).endsWith(".ipynb") ? path.basename(name) : `${path.basename(name)}.ipynb`;
    if (!all.includes(file)) {
      throw new NotebookError(`expected a notebook "${file}" in ${dir}, got none (there: ${all.join(", ") || "no notebooks"})`);
    }
    return path.join(dir, file);
  });
}

/** Executes the notebooks, writes them to `outDir`, renders the site; never throws for a failing cell. */
export async function runNotebooks(opts: RunOptions = {}): Promise<RunSummary> {
  const defaults = defaultPaths();
  const notebooksDir = path.resolve(opts.notebooksDir ?? defaults.notebooks);
  const outDir = path.resolve(opts.outDir ?? defaults.executed);
  const siteDir = opts.siteDir === null ? null : path.resolve(opts.siteDir ?? defaults.site);
  const log = opts.log ?? (() => {});
  if (outDir === notebooksDir) {
    throw new ArgumentError(`expected the output folder to differ from the notebooks folder, got ${outDir} for both`);
  }
  const summary: RunSummary = { ok: false, results: [], written: [], site: null, error: null };
  for (const file of listNotebooks(notebooksDir, opts.names)) {
    const stale = codeCells(readNotebook(file)).findIndex(({ cell }) => cell.outputs.length > 0);
    if (stale >= 0) log(`warning: ${displayPath(file)} has saved outputs (code cell ${stale + 1}); sources should keep none`);
    const result = await executeNotebook(file, { ...opts, log });
    summary.results.push(result);
    const out = writeNotebook(path.join(outDir, path.basename(file)), result.notebook);
    summary.written.push(out);
    if (!result.failure) {
      log(`[${result.name}] ok in ${result.durationS}s -> ${displayPath(out)}`);
      continue;
    }
    summary.error =
      formatFailure(displayPath(file), result.failure) +
      `\nThe executed notebook, with the outputs up to that cell, is in ${displayPath(out)}`;
    return summary;
  }
  if (siteDir !== null) {
    try {
      summary.site = await renderSite({ notebooksDir: outDir, outDir: siteDir });
      log(`site: ${displayPath(summary.site.index)} (${summary.site.pages.length} pages)`);
    } catch (e) {
      summary.error = `rendering the site from ${displayPath(outDir)} to ${displayPath(siteDir)} failed: ${(e as Error).message}`;
      return summary;
    }
  }
  summary.ok = true;
  return summary;
}
