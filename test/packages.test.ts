/**
 * The two workspace packages as a user gets them. `seqlab` (lib/) is packed with `npm pack`
 * and installed into an empty project outside this repository, with nothing but npm
 * (`--prefer-offline`: the tarballs come from npm's cache, which `npm ci` of this
 * repository filled; metadata from the registry). The project then has the library and its
 * engine — the package's own install script built the native addon — and none of the course
 * tooling (tslab, zeromq, markdown-it, KaTeX, highlight.js, danfojs), and a script that
 * imports "seqlab" trains nothing but runs an LSTM on the engine.
 *
 * Skipped without network access to the npm registry (the reason is printed).
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const LIB = path.join(ROOT, "lib");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "seqlab-consumer-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The course tooling's dependencies, which a project using only the library must not get. */
const COURSE_ONLY = ["tslab", "zeromq", "markdown-it", "katex", "highlight.js", "danfojs-node", "@seqlab/course"];

test("lib/package.json: ES modules, three entry points, no course tooling among its dependencies", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(LIB, "package.json"), "utf8"));
  assert.equal(pkg.type, "module");
  assert.deepEqual(Object.keys(pkg.exports), [".", "./internal", "./experiments", "./package.json"]);
  const deps = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies });
  assert.deepEqual(deps.filter((d) => COURSE_ONLY.includes(d)), []);
  assert.equal(pkg.scripts.install, "node scripts/build-native.cjs", "the package builds its own engine at install");
});

test("a project that depends only on seqlab gets the library and its native engine, without the course tooling", (t) => {
  const ping = spawnSync("npm", ["ping", "--fetch-timeout=5000"], { encoding: "utf8", timeout: 15_000 });
  if (ping.status !== 0) return t.skip(`no npm registry: ${(ping.stderr || ping.stdout).trim().split("\n")[0]}`);
  const pack = spawnSync("npm", ["pack", "--ignore-scripts", "--pack-destination", tmp], { cwd: LIB, encoding: "utf8" });
  assert.equal(pack.status, 0, pack.stderr);
  const tarball = path.join(tmp, pack.stdout.trim().split("\n").at(-1)!);
  const app = path.join(tmp, "app");
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module", dependencies: { seqlab: `file:${tarball}` } }));
  const install = spawnSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: app, encoding: "utf8", timeout: 600_000 });
  assert.equal(install.status, 0, install.stderr);

  const installed = fs.readdirSync(path.join(app, "node_modules")).flatMap((d) => (d.startsWith("@") ? fs.readdirSync(path.join(app, "node_modules", d)).map((s) => `${d}/${s}`) : [d]));
  assert.ok(installed.includes("seqlab") && installed.includes("@tensorflow/tfjs"));
  assert.deepEqual(installed.filter((d) => COURSE_ONLY.includes(d)), [], "no course tooling installed");

  const status = JSON.parse(fs.readFileSync(path.join(app, "node_modules", "seqlab", "build", "native-status.json"), "utf8"));
  const native = JSON.parse(fs.readFileSync(path.join(LIB, "build", "native-status.json"), "utf8"));
  assert.equal(status.ok, native.ok, `the install script built the engine as it does in this repository: ${status.reason}`);

  fs.writeFileSync(
    path.join(app, "main.js"),
    [
      'import { setupNotebook, tf, LstmCell, cellSequence, engineInfo } from "seqlab";',
      "await setupNotebook({ seed: 1 });",
      "const { outputs } = cellSequence(new LstmCell(3, 4), tf.ones([2, 5, 3]));",
      'console.log(`outputs ${outputs.shape.join("x")} on ${engineInfo().name}`);',
    ].join("\n"),
  );
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SEQLAB_")));
  const run = spawnSync(process.execPath, ["main.js"], { cwd: app, encoding: "utf8", env });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`^outputs 2x5x4 on ${status.ok ? "native" : "wasm"}$`, "m"));
});
