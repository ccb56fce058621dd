#!/usr/bin/env node
/**
 * Builds the native kernels addon lib/build/Release/seqlab_native.node with node-gyp
 * (lib/binding.gyp, sources lib/csrc), linking a system BLAS when one is found, and
 * writes lib/build/native-status.json { ok, reason, blas } for src/engine/native.ts.
 *
 * Never fails the install: on any failure it prints one line saying why and how to get
 * the fast path, writes { ok: false, reason } and exits 0 (the engine then uses wasm).
 *
 * Steps:
 *   1. find node-gyp ($npm_config_node_gyp, npm's bundled copy) and the Node headers
 *      ($npm_config_nodedir, else the prefix of this node when it has include/node);
 *   2. probe a BLAS by compiling and running a 1×1 cblas_sgemm: OpenBLAS (pkg-config
 *      openblas, else -lopenblas), then -lcblas, then -lblas; none → built-in GEMM;
 *   3. node-gyp rebuild with the probe's flags in SEQLAB_BLAS_* (read by binding.gyp);
 *   4. load the addon in a child process and check a small GEMM.
 * Usage: node lib/scripts/build-native.cjs [--quiet]. SEQLAB_NATIVE=0 skips the build;
 * SEQLAB_BLAS=none skips the probe and builds with the built-in GEMM.
 */
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawnSync } = require("child_process");

const LIB = path.resolve(__dirname, "..");
const STATUS = path.join(LIB, "build", "native-status.json");
const ADDON = path.join(LIB, "build", "Release", "seqlab_native.node");
const HOW = "for the fast path: apt-get install build-essential libopenblas-dev, then node lib/scripts/build-native.cjs";
const quiet = process.argv.includes("--quiet");

function writeStatus(status) {
  fs.mkdirSync(path.dirname(STATUS), { recursive: true });
  fs.writeFileSync(STATUS, JSON.stringify({ ...status, date: new Date().toISOString() }, null, 2) + "\n");
}

function fail(reason) {
  try {
    writeStatus({ ok: false, reason, blas: null });
  } catch {
    // lib/build not writable: the engine then reports "not built"
  }
  console.log(`seqlab: native kernels not built (${reason}); using the wasm kernels — ${HOW}`);
  process.exit(0);
}

function run(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { encoding: "utf8", timeout: 600000, ...opts });
}

/** 1. node-gyp and the Node headers. */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
    "/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js",
    "/usr/share/nodejs/node-gyp/bin/node-gyp.js",
  ];
  try {
    candidates.push(require.resolve("node-gyp/bin/node-gyp.js"));
  } catch {
    // not installed as a package
  }
  return candidates.find((p) => p && fs.existsSync(p));
}

function findNodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.resolve(path.dirname(process.execPath), "..");
  return fs.existsSync(path.join(prefix, "include", "node", "node_api.h")) ? prefix : undefined;
}

/** 2. BLAS probe: compile, link and run a 1×1 sgemm with each candidate's flags. */
function probeBlas() {
  const cc = process.env.CC || "cc";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-blas-"));
  const src = path.join(dir, "probe.c");
  fs.writeFileSync(
    src,
    `#include <cblas.h>
int main(void) {
  float a = 2, b = 3, c = 0;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 1, 1, 1, 1.0f, &a, 1, &b, 1, 0.0f, &c, 1);
  return c == 6 ? 0 : 1;
}
`,
  );
  const pc = (what) => {
    const r = run("pkg-config", [what, "openblas"]);
    return r.status === 0 ? r.stdout.trim() : null;
  };
  const candidates = [];
  const pcLibs = pc("--libs");
  if (pcLibs !== null) candidates.push({ name: "openblas", cflags: pc("--cflags") ?? "", libs: pcLibs, defines: "SEQLAB_CBLAS SEQLAB_OPENBLAS" });
  candidates.push({ name: "openblas", cflags: "", libs: "-lopenblas", defines: "SEQLAB_CBLAS SEQLAB_OPENBLAS" });
  candidates.push({ name: "cblas", cflags: "", libs: "-lcblas", defines: "SEQLAB_CBLAS" });
  candidates.push({ name: "blas", cflags: "", libs: "-lblas", defines: "SEQLAB_CBLAS" });
  try {
    for (const c of candidates) {
      const exe = path.join(dir, "probe");
      const args = [...c.cflags.split(/\s+/).filter(Boolean), src, "-o", exe, ...c.libs.split(/\s+/).filter(Boolean)];
      const r = run(cc, args);
      if (r.error && r.error.code === "ENOENT") return { error: `no C compiler (${cc})` };
      if (r.status === 0 && run(exe, []).status === 0) return c;
    }
    return { name: "built-in", cflags: "", libs: "", defines: "" };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function main() {
  if (process.env.SEQLAB_NATIVE === "0") fail("SEQLAB_NATIVE=0");
  const gyp = findNodeGyp();
  if (!gyp) fail("node-gyp not found");
  const blas = process.env.SEQLAB_BLAS === "none" ? { name: "built-in", cflags: "", libs: "", defines: "" } : probeBlas();
  if (blas.error) fail(blas.error);
  // 3. node-gyp rebuild
  const args = [gyp, "rebuild", "--release"];
  const nodedir = findNodeDir();
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  const env = { ...process.env, SEQLAB_BLAS_DEFINES: blas.defines, SEQLAB_BLAS_CFLAGS: blas.cflags, SEQLAB_BLAS_LIBS: blas.libs };
  const r = run(process.execPath, args, { cwd: LIB, env });
  if (r.status !== 0) {
    // the most telling line: a compiler/linker/gyp error before node-gyp's own summary
    const lines = `${r.stdout ?? ""}\n${r.stderr ?? ""}`.split("\n").filter((l) => l.trim() && !/^gyp (info|http|verb|WARN)/.test(l));
    const why = lines.find((l) => /error:|^gyp: |not found|cannot find|No such file/i.test(l)) ?? lines.find((l) => /ERR!/.test(l));
    fail(`node-gyp failed: ${(why ?? r.error?.message ?? `exit ${r.status}`).trim().slice(0, 200)}`);
  }
  // 4. load it in a child and check 2×2 · 2×2
  const check = `const m = require(${JSON.stringify(ADDON)});
const A = new Float32Array([1, 2, 3, 4]), B = new Float32Array([5, 6, 7, 8]), C = new Float32Array(4).fill(NaN);
m.gemm(false, true, 2, 2, 2, 1, A, B, 0, C);
if (C.join() !== "17,23,39,53") throw new Error("gemm gave " + C.join());
process.stdout.write(JSON.stringify(m.info()));`;
  const c = run(process.execPath, ["-e", check]);
  if (c.status !== 0) fail(`the built addon does not load: ${(c.stderr || "").split("\n").find((l) => l.trim()) ?? "?"}`);
  const info = JSON.parse(c.stdout);
  writeStatus({ ok: true, reason: null, blas: info.blas, threads: info.threads, probe: blas.name });
  if (!quiet) console.log(`seqlab: native kernels built (${info.blas.split(" ").slice(0, 2).join(" ")}, ${info.threads} threads)`);
}

try {
  main();
} catch (e) {
  fail(`unexpected: ${e && e.message}`);
}
