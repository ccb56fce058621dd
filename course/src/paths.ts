/**
 * Where the course's files live. Defaults are relative to the project root (the folder
 * holding `lib/` and `notebooks/`), not to the current directory, so the CLI works from
 * anywhere; paths given by the user are resolved against the current directory.
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";

/** The project root: two levels above this file (`course/src` or `course/dist`). */
export function projectRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
}

/** The course's default folders. */
export function defaultPaths(root = projectRoot()) {
  return {
    /** Source notebooks (kept without outputs). */
    notebooks: path.join(root, "notebooks"),
    /** Executed notebooks. */
    executed: path.join(root, "build", "notebooks"),
    /** The rendered course site. */
    site: path.join(root, "build", "site"),
    /** A Jupyter data dir holding only the seqlab kernelspec; put on JUPYTER_PATH. */
    jupyter: path.join(root, "build", "jupyter"),
  };
}

/** `JUPYTER_PATH` with `dir` first, keeping what the user had after it. */
export function withJupyterPath(env: NodeJS.ProcessEnv, dir: string): NodeJS.ProcessEnv {
  const rest = env.JUPYTER_PATH ? [env.JUPYTER_PATH] : [];
  return { ...env, JUPYTER_PATH: [dir, ...rest].join(path.delimiter) };
}

/** `p` for messages: relative to the current directory when inside it, else absolute. */
export function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel === "" ? "." : rel.startsWith("..") || path.isAbsolute(rel) ? p : rel;
}
