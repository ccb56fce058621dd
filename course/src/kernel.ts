/**
 * Starting and stopping the tslab kernel process, the way Jupyter does it:
 *
 * 1. write a connection file (free ports, random key) into a private temp folder;
 * 2. spawn `node tslab kernel --config-path FILE` with cwd = the notebook's folder, in its
 *    own process group, so it can be killed with everything it started;
 * 3. connect a client and wait for `kernel_info_reply` (see `client.ts`);
 * 4. to stop: `shutdown_request` on control, wait a grace period, then SIGKILL the group.
 *
 * No kernel outlives the runner: `shutdown()` is idempotent, a process `exit` hook kills
 * any kernel still running, and a watchdog process (`watchdog.cjs`, detached, holding a pipe
 * from the runner) SIGKILLs the kernel's group and removes its temp folder when that pipe
 * closes without a "release", which covers a runner killed by SIGKILL or SIGTERM, even
 * while the kernel's event loop is blocked. The kernel's preload (`kernel-preload.cjs`)
 * records faults outside a cell's run into `faults.jsonl` and maps stack frames to the
 * cells' own lines.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KernelError } from "./errors.js";
import { KernelClient } from "./client.js";
import { createConnectionInfo } from "./jupyter.js";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
/** This file's folder: course/src under tsx, course/dist when built. */
const here = path.dirname(fileURLToPath(import.meta.url));

/** Absolute path of tslab's executable script (`node_modules/tslab/bin/tslab`). */
export function tslabBin(): string {
  return path.join(path.dirname(require.resolve("tslab/package.json")), "bin", "tslab");
}

/** The kernel command line, as in the kernelspec: `{connection_file}` is Jupyter's placeholder. */
export function kernelArgv(connectionFile = "{connection_file}"): string[] {
  return [process.execPath, tslabBin(), "kernel", "--config-path", connectionFile];
}

/**
 * The kernel's preload, `kernel-preload.cjs`: plain JavaScript kept in the sources (next to
 * this file, or in `src/` beside `dist/`), since the kernel runs under plain Node.
 */
export const KERNEL_PRELOAD = path.resolve(here, "..", "src", "kernel-preload.cjs");

/** The watchdog script, `watchdog.cjs` (plain JavaScript, beside the preload). */
export const WATCHDOG = path.resolve(here, "..", "src", "watchdog.cjs");

/** One fault the preload recorded: an uncaught exception or unhandled rejection from a callback. */
export interface KernelFault {
  kind: "uncaughtException" | "unhandledRejection";
  /** Execution count of the cell running when it fired (or of the last one run). */
  during: number;
  /** Execution count of the cell whose code threw (the top cell frame of the stack), if known. */
  origin: number | null;
  ename: string;
  evalue: string;
  /** The stack, frames mapped to `In[N]:line:column`, kernel frames left out. */
  traceback: string[];
}

export interface KernelOptions {
  /** Working directory of the kernel: the notebook's folder, as Jupyter does. */
  cwd: string;
  /** Environment of the kernel. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Milliseconds to wait for the kernel to answer `kernel_info_request`. Default 60000. */
  startupTimeoutMs?: number;
}

/** How the kernel process ended. */
export interface KernelExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Kernels started by this process and not yet stopped; killed on process exit. */
const live = new Set<Kernel>();
process.on("exit", () => {
  for (const kernel of live) kernel.kill();
});

/** Resolves after `ms`; the timer does not keep the process alive (a finished run exits at once). */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** A kernel that could not bind a port someone took after it was picked (retried by `Kernel.start`). */
class PortTakenError extends KernelError {}

/** A running tslab kernel process and the client connected to it. */
export class Kernel {
  /** Resolves when the process has exited (and been reaped). */
  readonly exited: Promise<KernelExit>;
  private exitStatus: KernelExit | null = null;
  private log = "";
  private stopping: Promise<void> | null = null;
  /** Characters of `faults.jsonl` already returned by `takeFaults()`. */
  private faultsRead = 0;

  private constructor(
    private readonly child: ChildProcess,
    /** The client connected to this kernel's sockets. */
    readonly client: KernelClient,
    /** The kernel's private temp folder (connection file, faults file). */
    readonly dir: string,
    private readonly watchdog: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => (this.log = (this.log + chunk.toString("utf8")).slice(-4000));
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => resolve((this.exitStatus = { code, signal })));
      child.once("error", (err) => {
        keep(Buffer.from(String(err)));
        if (child.pid === undefined) resolve((this.exitStatus = { code: null, signal: null }));
      });
    });
    live.add(this);
  }

  /**
   * Starts a kernel and waits until it answers; throws KernelError when it cannot. The ports
   * are picked free, but another process may take one before the kernel binds it (two
   * kernels started at once, or any program's outgoing connection): a kernel that reports
   * "Address already in use" is stopped and started again on fresh ports, up to 3 times.
   */
  static async start(opts: KernelOptions): Promise<Kernel> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await Kernel.startOnce(opts);
      } catch (e) {
        if (!(e instanceof PortTakenError) || attempt === 3) throw e;
      }
    }
  }

  private static async startOnce(opts: KernelOptions): Promise<Kernel> {
    const info = await createConnectionInfo();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-kernel-"));
    const connectionFile = path.join(dir, "connection.json");
    fs.writeFileSync(connectionFile, JSON.stringify(info, null, 1), { mode: 0o600 });
    const [node, ...args] = kernelArgv(connectionFile);
    const child = spawn(node, ["--require", KERNEL_PRELOAD, ...args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: process.platform !== "win32",
      stdio: ["ignore", "pipe", "pipe"],
    });
    // The watchdog holds the read end of a pipe whose write end only this process holds.
    const watchdog = spawn(process.execPath, [WATCHDOG, String(child.pid ?? -1), dir], {
      detached: process.platform !== "win32",
      stdio: ["pipe", "ignore", "ignore"],
    });
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    watchdog.stdin?.on("error", () => {}); // EPIPE if it died: the kernel is still stopped below
    const kernel = new Kernel(child, new KernelClient(info), dir, watchdog);
    const timeoutMs = opts.startupTimeoutMs ?? 60_000;
    try {
      const died = kernel.exited.then((status) => {
        throw new KernelError(
          `expected the kernel to start in ${opts.cwd}, got exit code ${status.code} (signal ${status.signal}); ` +
            `its output:\n${kernel.output()}`,
        );
      });
      let polling = true;
      const portTaken = (async (): Promise<never> => {
        for (;;) {
          await sleep(200);
          if (!polling) return new Promise<never>(() => {}); // the race is over
          if (kernel.reportedPortTaken()) throw new PortTakenError("expected the kernel to bind its ports, got: Address already in use");
        }
      })();
      try {
        kernel.kernelInfo = await Promise.race([kernel.client.waitForReady(timeoutMs), died, portTaken]);
      } finally {
        polling = false;
        portTaken.catch(() => {}); // settled or not, nobody waits for it any more
      }
    } catch (e) {
      // A kernel that cannot bind its sockets stays alive (tslab only logs the rejection): say why.
      const faults = kernel.takeFaults().map((f) => `${f.ename}: ${f.evalue}`);
      await kernel.shutdown(0);
      if (e instanceof KernelError && !(e instanceof PortTakenError) && faults.length > 0) throw new KernelError(`${e.message}; the kernel reported: ${faults.join("; ")}`);
      throw e;
    }
    return kernel;
  }

  /** Whether the kernel has reported a socket it could not bind (its faults file; read without consuming it). */
  private reportedPortTaken(): boolean {
    try {
      return /Address already in use|EADDRINUSE/.test(fs.readFileSync(path.join(this.dir, "faults.jsonl"), "utf8"));
    } catch {
      return false;
    }
  }

  /** The `kernel_info_reply` content (holds `language_info`). */
  kernelInfo: Record<string, unknown> = {};

  /** The process id, which is also the process group id. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.exitStatus === null;
  }

  /** The last few kilobytes the kernel process wrote to its own stdout/stderr (not cell output). */
  output(): string {
    return this.log;
  }

  /**
   * Faults the preload recorded since the last call (uncaught exceptions and unhandled
   * rejections from callbacks), oldest first.
   */
  takeFaults(): KernelFault[] {
    let text: string;
    try {
      text = fs.readFileSync(path.join(this.dir, "faults.jsonl"), "utf8");
    } catch {
      return [];
    }
    const complete = text.slice(0, text.lastIndexOf("\n") + 1);
    const fresh = complete.slice(this.faultsRead);
    this.faultsRead = complete.length;
    return fresh
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as KernelFault);
  }

  /** SIGKILLs the kernel's process group (the kernel and anything it spawned), now. */
  kill(): void {
    try {
      if (process.platform === "win32" || this.child.pid === undefined) this.child.kill("SIGKILL");
      else process.kill(-this.child.pid, "SIGKILL");
    } catch {
      // ESRCH: the group is already gone.
    }
  }

  /**
   * Stops the kernel: `shutdown_request` on control, up to `graceMs` to exit on its own, then
   * SIGKILL to its process group. Resolves once the process is reaped and the temp folder
   * removed. Safe to call several times and concurrently.
   * @param graceMs default 2000.
   */
  shutdown(graceMs = 2000): Promise<void> {
    this.stopping ??= (async () => {
      if (this.running && graceMs > 0) {
        try {
          this.client.request("control", "shutdown_request", { restart: false });
        } catch {
          // The connection is closed already: go straight to the kill.
        }
        await Promise.race([this.exited, sleep(graceMs)]);
      }
      this.kill();
      await this.exited;
      this.client.close();
      fs.rmSync(this.dir, { recursive: true, force: true });
      this.watchdog.stdin?.end("release\n");
      live.delete(this);
    })();
    return this.stopping;
  }
}
