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
