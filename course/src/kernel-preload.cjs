"use strict";
/**
 * Preloaded into the tslab kernel by the runner (`node --require THIS tslab kernel
 * --config-path DIR/connection.json`; see `kernel.ts`). Plain CommonJS, because the kernel
 * runs under plain Node, from the sources as from `dist/`. It changes no value a cell
 * computes, only how stack traces read; it adds four things tslab lacks:
 *
 * 1. Faults outside a cell's own run. tslab only prints an uncaught exception or unhandled
 *    rejection (to whichever cell's stderr is current), so a `setTimeout(() => { throw … })`
 *    leaves the cell "ok". Here each one is appended as a JSON line to `DIR/faults.jsonl`:
 *    `{ kind, during, origin, ename, evalue, traceback }`, where `during` is the execution
 *    count of the cell that was running (or ran last) and `origin` the one whose code is on
 *    the stack (the cell that defined the callback), when known. The runner reads the file.
 * 2. Line numbers of the cell's own source. tslab compiles a cell twice (TypeScript → ES
 *    module, then → CommonJS) and runs it as `evalmachine.<anonymous>`, whose lines are not
 *    the cell's (blank lines dropped, `if (x) throw` split, `__awaiter` helpers added). Both
 *    compilations are asked for a source map; the script is named `seqlab-cell-N.js`; stack
 *    frames in it are rewritten through both maps to `In[N]:line:column` (N the execution
 *    count, as in the notebook's `In [N]:` prompt). Frames of tslab itself, of `node:vm` and
 *    of Node's internals are left out, and so are compiled lines with no source (tslab's
 *    wrapper, TypeScript's helpers).
 * 3. A parent guard for an idle kernel whose runner vanished (the watchdog, `watchdog.cjs`,
 *    covers a busy one: this timer cannot fire while the event loop is blocked).
 * 4. Sockets bound synchronously before any message is handled (see below: tslab's
 *    asynchronous bind lets a request arrive on a socket that is still "blocked").
 *
 * Anything that does not look as expected (another tslab version) leaves tslab as it is.
 */
const fs = require("fs");
const path = require("path");
const vm = require("vm");

const configAt = process.argv.indexOf("--config-path");
const dir = configAt > 0 && process.argv[configAt + 1] ? path.dirname(process.argv[configAt + 1]) : null;
const faultsFile = dir && path.join(dir, "faults.jsonl");

// 3. The parent guard.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid === parent) return;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  process.exit(1);
}, 500).unref();

/** Execution count of the cell running, or of the last one run (0 before the first). */
let current = 0;
/** tslab's compiled sources: `bin/tslab` is the kernel's main script. */
const tslabDist = process.argv[1] ? path.join(path.dirname(process.argv[1]), "..", "dist") : null;

// 2. Source maps. ----------------------------------------------------------------------

// @jridgewell/trace-mapping reads the maps (the decoder babel and others use); without it, line numbers stay tslab's.
let traceMapping = null;
try {
  traceMapping = require("@jridgewell/trace-mapping");
} catch {
  // not installed next to this file
}

/** The source position (1-based line, 0-based column) of a generated one, or null when it has none. */
function lookup(map, line, column) {
  const { originalPositionFor, GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND } = traceMapping;
  for (const bias of [GREATEST_LOWER_BOUND, LEAST_UPPER_BOUND]) {
    const pos = originalPositionFor(map, { line, column, bias });
    if (pos.line !== null) return pos;
  }
  return null;
}

/** Source maps of compiled cells, by the CommonJS output they produced. */
const compiled = new Map();
/** Scripts run as cells, by file name: how to map their positions. */
const cells = new Map();

const INLINE_MAP = /\n?\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/;
const MAP_COMMENT = /\/\/# sourceMappingURL=\S*\s*$/;

try {
  const tsPath = require.resolve("@tslab/typescript-for-tslab", { paths: [tslabDist] });
  const ts = require(tsPath);
  const patched = {};
  const replaced = new Set(["createWatchCompilerHost", "transpileModule"]);
  for (const key of Object.keys(ts)) {
    if (!replaced.has(key)) Object.defineProperty(patched, key, { enumerable: true, get: () => ts[key] });
  }
  // The first compilation (the watch program) emits an inline source map ...
  Object.defineProperty(patched, "createWatchCompilerHost", {
    enumerable: true,
    value(rootFiles, options, ...rest) {
      if (Array.isArray(rootFiles) && options && typeof options === "object") options = { ...options, inlineSourceMap: true };
      return ts.createWatchCompilerHost(rootFiles, options, ...rest);
    },
  });
  // ... which the second (ES module → CommonJS, file name "custom.js") takes off and maps again.
  Object.defineProperty(patched, "transpileModule", {
    enumerable: true,
    value(input, options) {
      const inline = typeof input === "string" && options && options.fileName === "custom.js" ? INLINE_MAP.exec(input) : null;
      if (!inline) return ts.transpileModule(input, options);
      const out = ts.transpileModule(input.slice(0, inline.index) + "\n", {
        ...options,
        compilerOptions: { ...options.compilerOptions, sourceMap: true },
      });
      const outputText = out.outputText.replace(MAP_COMMENT, "");
      try {
        const first = JSON.parse(Buffer.from(inline[1], "base64").toString("utf8"));
        const second = JSON.parse(out.sourceMapText);
        if (traceMapping) compiled.set(outputText, { first: new traceMapping.TraceMap(first), second: new traceMapping.TraceMap(second) });
      } catch {
        // no map: this output keeps tslab's line numbers
      }
      return { ...out, outputText, sourceMapText: undefined };
    },
  });
  require.cache[tsPath].exports = patched;
} catch {
  // not the TypeScript we know: line numbers stay tslab's
}

// After TypeScript is patched (tslab's jupyter.js loads its converter). Which cell runs: tslab's JupyterHandlerImpl counts executions in `execCount`.
try {
  const { JupyterHandlerImpl } = require(path.join(tslabDist, "jupyter.js"));
  const run = JupyterHandlerImpl.prototype.handleExecuteImpl;
  if (typeof run === "function") {
    JupyterHandlerImpl.prototype.handleExecuteImpl = function (req, ...rest) {
      current = (typeof this.execCount === "number" ? this.execCount : current) + 1;
      return run.call(this, req, ...rest);
    };
  }
} catch {
  // not the tslab we know: cells are not numbered, faults say "during 0"
}

// 4. Sockets bound before they are used. tslab starts its receive loops, then binds the five
// sockets with zeromq's asynchronous `bind`, which runs on a worker thread and leaves the
// socket "blocked" until its completion reaches the main thread. A client that connects in
// between (the runner asks for kernel_info at once, as Jupyter does) can have its request
// received first; tslab's reply, or the loop's next `receive`, then throws "Socket is blocked
// by a bind or unbind operation" and the shell loop ends: the kernel never answers. zeromq's
// `bindSync` binds on the main thread, so no message is handled while a socket is blocked.
try {
  const { ZmqServer } = require(path.join(tslabDist, "jupyter.js"));
  if (typeof ZmqServer.prototype.bindSocket === "function") {
    ZmqServer.prototype.bindSocket = async function (sock, port) {
      const conn = this.connInfo;
      const address = `${conn.transport}://${conn.ip}:${port}`;
      if (typeof sock.bindSync === "function") sock.bindSync(address);
      else await sock.bind(address);
    };
  }
} catch {
  // not the tslab we know: its own bind stays
}

// tslab runs `PREFIX + output + SUFFIX` (executor.js), PREFIX on the first line of output.
const PREFIXES = ["(async function(exports, require) { ", "(function(exports, require) { "];
const SUFFIX = "\n})(__tslab__.exports, __tslab__.require)";

const runInThisContext = vm.runInThisContext;
vm.runInThisContext = function (code, options, ...rest) {
  if (typeof code === "string" && current > 0 && code.endsWith(SUFFIX)) {
    const prefix = PREFIXES.find((p) => code.startsWith(p));
    const maps = prefix && compiled.get(code.slice(prefix.length, -SUFFIX.length));
    if (maps) {
      const filename = `seqlab-cell-${current}.js`;
      cells.set(filename, { count: current, prefix: prefix.length, ...maps });
      const opts = typeof options === "object" && options !== null ? options : {};
      // displayErrors: false, or Node prefixes a thrown error with the compiled line ("seqlab-cell-N.js:5").
      return runInThisContext.call(this, code, { ...opts, filename, displayErrors: false }, ...rest);
    }
  }
  return runInThisContext.call(this, code, options, ...rest);
};

/** `In[N]:line:column` for a position in a cell script, or null (no source: tslab's or TypeScript's code). */
function cellLocation(cell, line, col) {
  const column = line === 1 ? col - 1 - cell.prefix : col - 1;
  const mid = lookup(cell.second, line, column);
  const src = mid && lookup(cell.first, mid.line, mid.column);
  // The first compilation's input starts with tslab's one-line prefix "export {};": cell line = map line − 1.
  if (!src || src.line < 2) return null;
  return `In[${cell.count}]:${src.line - 1}:${src.column + 1}`;
}

const MACHINERY = /^node:(vm|internal[\\/])|[\\/]tslab[\\/]dist[\\/]|[\\/]kernel-preload\.cjs$/;
/** The execution count of the first cell frame of each error formatted here. */
const originOf = new WeakMap();

Error.prepareStackTrace = function (error, frames) {
  let header;
  try {
    header = Error.prototype.toString.call(error);
  } catch {
    header = "Error";
  }
  const lines = [header];
  for (const frame of frames) {
    const file = frame.getFileName() || "";
    const text = String(frame);
    if (MACHINERY.test(file)) continue;
    const cell = cells.get(file);
    if (!cell) {
      lines.push(`    at ${text}`);
      continue;
    }
    const location = cellLocation(cell, frame.getLineNumber(), frame.getColumnNumber());
    if (!location) continue;
    if (typeof error === "object" && error !== null && !originOf.has(error)) originOf.set(error, cell.count);
    lines.push(`    at ${text.replace(`${file}:${frame.getLineNumber()}:${frame.getColumnNumber()}`, location)}`);
  }
  return lines.join("\n");
};

// 1. Faults outside a cell's run. --------------------------------------------------------

function report(kind, reason) {
  if (!faultsFile) return;
  let fault;
  try {
    const isError = reason instanceof Error;
    const stack = isError ? String(reason.stack) : "";
    fault = {
      kind,
      during: current,
      origin: isError ? (originOf.get(reason) ?? null) : null,
      ename: isError ? reason.name : kind === "unhandledRejection" ? "UnhandledRejection" : "UncaughtException",
      evalue: isError ? reason.message : String(reason),
      traceback: stack ? stack.split("\n") : [],
    };
  } catch (e) {
    fault = { kind, during: current, origin: null, ename: "Error", evalue: `(a ${kind} that could not be described: ${e})`, traceback: [] };
  }
  try {
    fs.appendFileSync(faultsFile, JSON.stringify(fault) + "\n");
  } catch {
    // the folder is gone: the runner is gone too
  }
}
process.on("uncaughtException", (err) => report("uncaughtException", err));
process.on("unhandledRejection", (reason) => report("unhandledRejection", reason));
