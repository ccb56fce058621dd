"use strict";
/**
 * The kernel's watchdog: `node watchdog.cjs KERNEL_PID DIR`, started by `kernel.ts` right
 * after the kernel, detached (its own process group and session), with its stdin a pipe
 * from the runner. Plain CommonJS, as it runs under plain Node.
 *
 * The runner never writes to the pipe but "release" when it has stopped the kernel itself.
 * End of file without "release" means the runner is gone, however it went (exit, uncaught
 * error, SIGTERM, SIGKILL): the watchdog then SIGKILLs the kernel's process group and
 * removes the kernel's temp folder DIR. Unlike a timer inside the kernel, this works while
 * the kernel's event loop is blocked (`while (true) {}`).
 */
const fs = require("fs");

const pid = Number(process.argv[2]);
const dir = process.argv[3];
let released = false;
let said = "";

function finish() {
  if (!released && Number.isInteger(pid) && pid > 1) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, "SIGKILL");
      } catch {
        // ESRCH: already gone
      }
    }
    if (dir && /seqlab-kernel-/.test(dir)) fs.rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}

process.stdin.on("data", (chunk) => {
  said = (said + chunk.toString("utf8")).slice(-64);
  if (said.includes("release")) released = true;
});
process.stdin.on("end", finish);
process.stdin.on("close", finish);
process.stdin.on("error", finish);
