/**
 * `npm run lab`: start the user's Jupyter on the `notebooks/` folder with the project's
 * "seqlab" kernel on `JUPYTER_PATH`, or say exactly how to install Jupyter.
 *
 * Jupyter's root is the project folder and it opens on `notebooks/`: plots load the
 * plotly bundle through Jupyter's `files/` URL from `node_modules/`, which Jupyter serves
 * only from under its root (see lib/src/plot/show.ts).
 *
 * Jupyter is looked for in this order: `jupyter-lab` on PATH, `python3 -m jupyterlab`,
 * `jupyter-notebook` on PATH, `python3 -m notebook` — with `/usr/bin/python3` (Debian's
 * Jupyter) and the `python3` on PATH.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ArgumentError } from "seqlab";
import { installKernelSpec } from "./kernelspec.js";
import { withJupyterPath } from "./paths.js";

/** A way to start Jupyter: `command ...args`. */
export interface JupyterLauncher {
  command: string;
  args: string[];
  /** What it is, for messages: "jupyter lab", "/usr/bin/python3 -m notebook", ... */
  label: string;
}

export interface FindJupyterOptions {
  /** The PATH to search. Default `process.env.PATH`. */
  path?: string;
  /** Pythons to try `-m jupyterlab` / `-m notebook` with. Default: /usr/bin/python3, then python3 on PATH. */
  pythons?: string[];
}

/** What to do when no Jupyter is found (checked against Debian 12's archive: it has no JupyterLab package). */
export const INSTALL_HINT = `Jupyter is not installed: found neither \`jupyter lab\` nor \`jupyter notebook\` (on PATH, or as python3 -m jupyterlab / -m notebook).
Install one of them, then run \`npm run lab\` again:
  pip install jupyterlab                  (JupyterLab; in a virtualenv, or \`pipx install jupyterlab\`)
  sudo apt-get install jupyter-notebook   (Debian/Ubuntu: the classic Notebook; Debian 12 has no JupyterLab package)
Without Jupyter, \`npm run notebooks\` still executes the notebooks headlessly.`;

/** The executable `name` on `searchPath`, or null. */
export function which(name: string, searchPath = process.env.PATH ?? ""): string | null {
  const exts = process.platform === "win32" ? ["", ".exe", ".cmd", ".bat"] : [""];
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    for (const ext of exts) {
      const file = path.join(dir, name + ext);
      try {
        fs.accessSync(file, fs.constants.X_OK);
        if (fs.statSync(file).isFile()) return file;
      } catch {
        // not here
      }
    }
  }
  return null;
}

function canImport(python: string, module: string): boolean {
  const r = spawnSync(python, ["-c", `import ${module}`], { stdio: "ignore", timeout: 30_000 });
  return r.status === 0;
}

/** The first Jupyter found (Lab before Notebook), or null. */
export function findJupyter(opts: FindJupyterOptions = {}): JupyterLauncher | null {
  const searchPath = opts.path ?? process.env.PATH ?? "";
  const onPath = which("python3", searchPath);
  const pythons = opts.pythons ?? [...new Set(["/usr/bin/python3", ...(onPath ? [onPath] : [])])].filter((p) => fs.existsSync(p));
  for (const [exe, module, label] of [
    ["jupyter-lab", "jupyterlab", "jupyter lab"],
    ["jupyter-notebook", "notebook", "jupyter notebook"],
  ]) {
    const found = which(exe, searchPath);
    if (found) return { command: found, args: [], label };
    const python = pythons.find((p) => canImport(p, module));
    if (python) return { command: python, args: ["-m", module], label: `${python} -m ${module}` };
  }
  return null;
}

export interface LaunchLabOptions {
  /** Jupyter's root folder (it is started there); must contain `notebooksDir` and `node_modules/`. */
  rootDir: string;
  /** The folder Jupyter opens on. */
  notebooksDir: string;
  /** The Jupyter data dir to hold the seqlab kernelspec and to put first on JUPYTER_PATH. */
  jupyterDir: string;
  /** Extra arguments for Jupyter, e.g. `--no-browser`. Default none. */
  args?: string[];
  /** Environment (SEQLAB_* pass through). Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Where to look for Jupyter. Default: see {@link findJupyter}. */
  find?: FindJupyterOptions;
  /** Receives what is started, or the install hint. Default `console.log`. */
  log?: (line: string) => void;
}

/** Starts Jupyter and resolves with its exit code; resolves 1 after printing the hint when there is none. */
export async function launchLab(opts: LaunchLabOptions): Promise<number> {
  const log = opts.log ?? console.log;
  const jupyter = findJupyter(opts.find);
  if (!jupyter) {
    log(INSTALL_HINT);
    return 1;
  }
  const specFile = installKernelSpec(opts.jupyterDir);
  const env = withJupyterPath(opts.env ?? process.env, opts.jupyterDir);
  log(`Starting ${jupyter.label} on ${opts.notebooksDir} (kernel "TypeScript (seqlab)" from ${specFile})`);
  const args = [...jupyter.args, ...openOn(jupyter, opts.rootDir, opts.notebooksDir), ...(opts.args ?? [])];
  // Jupyter refuses to start as root (containers, CI) without this flag.
  if (process.getuid?.() === 0 && !args.includes("--allow-root")) args.push("--allow-root");
  const child = spawn(jupyter.command, args, { cwd: opts.rootDir, env, stdio: "inherit" });
  // Ctrl-C reaches Jupyter from the terminal itself (same process group): let it ask and
  // shut down; pass on termination signals sent to us alone.
  const ignore = () => {};
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGINT", ignore);
  process.on("SIGTERM", forward);
  process.on("SIGHUP", forward);
  try {
    return await new Promise<number>((resolve) => {
      child.once("error", (err) => (log(`${jupyter.label} could not start: ${err.message}`), resolve(1)));
      child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
  } finally {
    process.off("SIGINT", ignore);
    process.off("SIGTERM", forward);
    process.off("SIGHUP", forward);
  }
}

/** Arguments that make Jupyter serve `rootDir` and open its start page on `notebooksDir`. */
export function openOn(jupyter: JupyterLauncher, rootDir: string, notebooksDir: string): string[] {
  const rel = path.relative(rootDir, notebooksDir).split(path.sep).join("/");
  if (rel.startsWith("..") || path.isAbsolute(rel)) {
    throw new ArgumentError(`lab: expected the notebooks folder inside the project folder ${rootDir}, got ${notebooksDir}`);
  }
  if (jupyter.label.includes("lab")) return [`--ServerApp.root_dir=${rootDir}`, `--ServerApp.default_url=/lab/tree/${rel}`];
  // `jupyter notebook` is Notebook 6 (reads NotebookApp.*) or Notebook 7 (reads ServerApp.*): give both.
  return [
    `--NotebookApp.notebook_dir=${rootDir}`,
    `--NotebookApp.default_url=/tree/${rel}`,
    `--ServerApp.root_dir=${rootDir}`,
    `--ServerApp.default_url=/tree/${rel}`,
  ];
}
