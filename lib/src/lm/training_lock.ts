/**
 * The training lock of a checkpoint folder (lm/checkpoint.ts): a process that trains into
 * the folder holds `training.lock` there, {"pid", "host"}, so that a second process asked
 * to train the same model — a notebook started while `lib/scripts/train-lm-runs.js` is
 * still at it — waits for the first and then continues from its checkpoint, instead of
 * training the model twice and overwriting the first one's checkpoints.
 *
 * 1. Create the file exclusively (`wx`): it is ours.
 * 2. Else read the holder. Another host: a `LockError` (its process cannot be checked
 *    from here). A live process here: wait, poll, go to 1. A process that is gone, or a file
 *    unreadable twice in a row: stale, remove it and go to 1.
 * 3. Release: remove the file if it still holds our pid.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ArgumentError, SeqlabError } from "../errors.js";

/**
 * The training lock of a checkpoint folder cannot be taken: another machine holds it (its
 * process cannot be checked from here), or the lock file cannot be created.
 */
export class LockError extends SeqlabError {}

/** The lock file of a checkpoint folder that a process is training into. */
const LOCK_FILE = "training.lock";

/** Blocks the thread for `ms` (a notebook cell or a script has nothing else to do meanwhile). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Whether process `pid` exists on this machine. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by someone else
  }
}

/**
 * Takes `dir`'s training lock (the folder is created): waits while a live process on this
 * machine holds it, takes over a stale one (its process is gone).
 * @param dir - the checkpoint folder.
 * @param log - where the wait is announced (once).
 * @param pollMs - how often the holder is checked while waiting. Default: 2 s.
 * @returns the release function (removes the file if it is still this process's).
 * @throws LockError if another machine holds it (its process cannot be checked from here) or
 *   the lock file cannot be created.
 * @throws ArgumentError if the folder cannot be created (e.g. `dir` is a file).
 */
export function acquireTrainingLock(dir: string, log: (line: string) => void, pollMs = 2000): () => void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new ArgumentError(`${dir}: expected a folder for the checkpoint and its ${LOCK_FILE}, got ${(e as Error).message}`);
  }
  const file = path.join(dir, LOCK_FILE);
  const mine = JSON.stringify({ pid: process.pid, host: os.hostname() });
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(file, mine, { flag: "wx" });
      return () => {
        if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === mine) fs.rmSync(file);
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new LockError(`${file}: expected to create the training lock, got ${(e as Error).message}`);
    }
    let holder: { pid?: unknown; host?: unknown } = {};
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        holder = JSON.parse(fs.readFileSync(file, "utf8"));
        break;
      } catch {
        sleepSync(500); // maybe being written; unreadable twice: stale (below)
      }
    }
    if (typeof holder.pid === "number" && holder.host !== os.hostname()) {
      throw new LockError(`${file} says process ${holder.pid} on ${String(holder.host)} is training into this folder; delete the file if that run is gone`);
    }
    if (typeof holder.pid === "number" && holder.pid !== process.pid && processAlive(holder.pid)) {
      if (!announced) log(`waiting for process ${holder.pid}, which is training into ${dir}`);
      announced = true;
      sleepSync(pollMs);
      continue;
    }
    fs.rmSync(file, { force: true }); // stale: its process is gone
  }
}
