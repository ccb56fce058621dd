/**
 * The README's first example is a test: its first ```ts block is saved as `example.mts` and
 * run as the README says (`npx tsx example.mts`, with no SEQLAB_* setting), importing the
 * built "seqlab" package; what it prints must equal the ```text block after it (the node
 * version and backend details in the environment line may differ).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";

const ROOT = path.resolve(import.meta.dirname, "..");

function blocks(markdown: string, lang: string): string[] {
  return [...markdown.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!);
}

/** The environment line names this machine's node and backend; keep the rest exact. */
const normalise = (out: string) =>
  out
    .replace(/node v\S+/g, "node vX")
    .replace(/tfjs (\S+) \([^)]*\)/g, "tfjs $1 (backend)")
    .replace(/engine (native|wasm|js|none) \((?:[^()]|\([^)]*\))*\)/g, "engine (engine)")
    .trimEnd();

test("the README's first example prints what the README says", () => {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const code = blocks(readme, "ts")[0];
  const expected = blocks(readme, "text")[0];
  assert.ok(code && expected, "README has a ```ts example followed by its ```text output");
  const dir = path.join(ROOT, "build", "readme-test");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "example.mts");
  fs.writeFileSync(file, code);
  assert.match(readme, /run `npx tsx example\.mts`/, "the README says how to run the example");
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SEQLAB_")));
  const r = spawnSync("npx", ["tsx", path.basename(file)], { cwd: dir, encoding: "utf8", env });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(normalise(r.stdout), normalise(expected));
});

/** Deno, from npm's `deno` package (a devDependency): its binary, or null when it is not installed for this platform. */
function denoBinary(): string | null {
  const r = spawnSync("npx", ["--no-install", "deno", "--version"], { cwd: ROOT, encoding: "utf8" });
  return r.status === 0 ? "deno" : null;
}

test("the README's first example prints the same under Deno, which loads the package as ES modules", (t) => {
  if (denoBinary() === null) return t.skip("deno is not installed (npm's deno package has no binary for this platform)");
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const dir = path.join(ROOT, "build", "readme-test");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "example.mts"), blocks(readme, "ts")[0]!);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SEQLAB_")));
  // --node-modules-dir=manual: Deno resolves "seqlab" in the project's node_modules, as Node does.
  const r = spawnSync("npx", ["--no-install", "deno", "run", "--node-modules-dir=manual", "-A", "example.mts"], { cwd: dir, encoding: "utf8", env });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(normalise(r.stdout), normalise(blocks(readme, "text")[0]!));
});

test("the package's three entry points load under Node (import and require) and Deno", (t) => {
  const dir = path.join(ROOT, "build", "readme-test");
  fs.mkdirSync(dir, { recursive: true });
  const names = 'const names = [Object.keys(main).length > 100, typeof experiments.memorySweep, typeof internal.getKernels, typeof main.RnnLm].join(" ");';
  fs.writeFileSync(
    path.join(dir, "entries.mjs"),
    'import * as main from "seqlab";\nimport * as experiments from "seqlab/experiments";\nimport * as internal from "seqlab/internal";\n' + names + "\nconsole.log(names);\n",
  );
  fs.writeFileSync(
    path.join(dir, "entries.cjs"),
    'const main = require("seqlab");\nconst experiments = require("seqlab/experiments");\nconst internal = require("seqlab/internal");\n' + names + "\nconsole.log(names);\n",
  );
  const expected = "true function function function\n";
  const viaImport = spawnSync(process.execPath, ["entries.mjs"], { cwd: dir, encoding: "utf8" });
  assert.equal(viaImport.stderr, "");
  assert.equal(viaImport.stdout, expected);
  const viaRequire = spawnSync(process.execPath, ["entries.cjs"], { cwd: dir, encoding: "utf8" });
  assert.equal(viaRequire.stderr, "", "require() of the ES module package (Node ≥ 20.19) without a warning");
  assert.equal(viaRequire.stdout, expected);
  if (denoBinary() === null) return t.skip("deno is not installed");
  const viaDeno = spawnSync("npx", ["--no-install", "deno", "run", "--node-modules-dir=manual", "-A", "entries.mjs"], { cwd: dir, encoding: "utf8" });
  assert.equal(viaDeno.status, 0, viaDeno.stderr);
  assert.equal(viaDeno.stdout, expected);
});
