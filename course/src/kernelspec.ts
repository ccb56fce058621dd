/**
 * The "seqlab" kernelspec: how Jupyter (Lab, Notebook, nbconvert) starts this project's
 * own tslab with this project's own Node, without root and without touching other kernels.
 *
 * - `installKernelSpec(localJupyterDir)` writes `build/jupyter/kernels/seqlab/kernel.json`
 *   (run by `postinstall`); the project's scripts put `build/jupyter` on `JUPYTER_PATH`.
 * - `installKernelSpec(userJupyterDataDir())` makes it visible to the user's own Jupyter.
 *
 * Reference: https://jupyter-client.readthedocs.io/en/latest/kernels.html#kernel-specs
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { kernelArgv } from "./kernel.js";
import { KernelspecMetadata } from "./nbformat.js";

/** The kernel's name: its folder under `kernels/` and `metadata.kernelspec.name` in notebooks. */
export const KERNEL_NAME = "seqlab";

/** What every course notebook has as `metadata.kernelspec`. */
export const NOTEBOOK_KERNELSPEC: Required<KernelspecMetadata> = {
  name: KERNEL_NAME,
  display_name: "TypeScript (seqlab)",
  language: "typescript",
};

/** The content of `kernel.json`. */
export interface KernelSpec {
  /** "seqlab" (Jupyter takes the name from the folder; jupyter_client's KernelSpec also has it). */
  name: string;
  /** Absolute node, absolute tslab script, then `kernel --config-path {connection_file}`. */
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: "signal";
  metadata: Record<string, unknown>;
}

/** The kernelspec for this checkout (paths are absolute, so it works from any folder). */
export function kernelSpec(): KernelSpec {
  return {
    name: KERNEL_NAME,
    argv: kernelArgv(),
    display_name: NOTEBOOK_KERNELSPEC.display_name,
    language: NOTEBOOK_KERNELSPEC.language,
    interrupt_mode: "signal",
    metadata: { debugger: false },
  };
}

/**
 * The per-user Jupyter data dir, as `jupyter --data-dir` computes it: `$JUPYTER_DATA_DIR`,
 * else `~/Library/Jupyter` (macOS), `%APPDATA%\jupyter` (Windows), or
 * `$XDG_DATA_HOME/jupyter` defaulting to `~/.local/share/jupyter` (Linux and others).
 */
export function userJupyterDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform, home = os.homedir()): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  if (platform === "darwin") return path.join(home, "Library", "Jupyter");
  if (platform === "win32") return path.join(env.APPDATA ?? path.join(home, "AppData", "Roaming"), "jupyter");
  return path.join(env.XDG_DATA_HOME || path.join(home, ".local", "share"), "jupyter");
}

/** Writes `<dataDir>/kernels/seqlab/kernel.json` (replacing an older one) and returns its path. */
export function installKernelSpec(dataDir: string, spec: KernelSpec = kernelSpec()): string {
  const dir = path.join(dataDir, "kernels", KERNEL_NAME);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "kernel.json");
  fs.writeFileSync(file, JSON.stringify(spec, null, 1) + "\n");
  return file;
}
