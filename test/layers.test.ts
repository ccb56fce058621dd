/**
 * The import rules of lib/src hold: dependency-cruiser (with type-only imports counted)
 * finds no import cycle, no @tensorflow or non-engine import in engine/, and no import from
 * a lower layer to a higher one (the layers and rules: lib/.dependency-cruiser.cjs).
 *
 * The second test runs the same rules on a small fixture tree (test/fixtures/layers/src)
 * that breaks each kind of rule once, so a config whose rules never match cannot pass.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ICruiseOptions, ICruiseResult, IViolation } from "dependency-cruiser";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

const ROOT = path.resolve(import.meta.dirname, "..");
const CONFIG = path.join(ROOT, "lib", ".dependency-cruiser.cjs");

/** The config file's rules and options, as `cruise` takes them. */
function cruiseOptions(baseDir: string): ICruiseOptions {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const config = require(CONFIG) as { forbidden: NonNullable<ICruiseOptions["ruleSet"]>["forbidden"]; options: ICruiseOptions };
  return { ...config.options, baseDir, validate: true, ruleSet: { forbidden: config.forbidden } };
}

/** Cruises `dir` (relative to `baseDir`) with the config; returns the result. */
async function cruiseDir(baseDir: string, dir: string): Promise<ICruiseResult> {
  const { cruise } = await import("dependency-cruiser"); // ESM only: a dynamic import, not require()
  const { output } = await cruise([dir], cruiseOptions(baseDir));
  assert.equal(typeof output, "object", "expected dependency-cruiser's result object, got a formatted string");
  return output as ICruiseResult;
}

/** One line per violation: "from → to (rule)", with the cycle's path for a cycle. */
function describeViolations(violations: IViolation[]): string {
  return violations
    .map((v) => {
      const cycle = v.cycle === undefined ? "" : `; cycle: ${[v.from, ...v.cycle.map((d) => d.name)].join(" → ")}`;
      return `  ${v.from} → ${v.to} (${v.rule.name})${cycle}`;
    })
    .join("\n");
}

/** Every source file under `dir`, relative to ROOT. */
function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => /\.(ts|js|cjs|mjs)$/.test(f))
    .map((f) => path.posix.join(dir, f.split(path.sep).join("/")));
}

describe("lib/src's import rules (lib/.dependency-cruiser.cjs)", () => {
  test("lib/src has no import cycle, a tfjs-free engine and imports that only run downwards", async () => {
    const result = await cruiseDir(ROOT, "lib/src");
    const cruised = new Set(result.modules.map((m) => m.source));
    const missing = sourceFiles("lib/src").filter((f) => !cruised.has(f));
    assert.deepEqual(missing, [], `expected dependency-cruiser to read every file of lib/src, got these left out:\n${missing.join("\n")}`);
    const { violations } = result.summary;
    assert.equal(violations.length, 0, `expected no violations, got ${violations.length}:\n${describeViolations(violations)}`);
  });

  test("the rules catch a cycle, an upward import and tfjs in engine/ (fixture tree)", async () => {
    const result = await cruiseDir(path.join(ROOT, "test", "fixtures", "layers"), "src");
    const found = result.summary.violations
      .map((v) =>
        v.cycle !== undefined
          ? `${v.rule.name}: ${[...new Set([v.from, ...v.cycle.map((d) => d.name)])].sort().join(" ↔ ")}` // a cycle is reported once, from either end
          : `${v.rule.name}: ${v.from} → ${v.to.replace(/^.*node_modules\//, "")}`,
      )
      .sort();
    assert.deepEqual(found, [
      "engine-leaf: src/engine/kernels.ts → src/ops/pair.ts",
      "engine-no-tensorflow: src/engine/kernels.ts → @tensorflow/tfjs/dist/tf.node.js",
      "layer-engine: src/engine/kernels.ts → src/ops/pair.ts",
      "no-circular: src/ops/other.ts ↔ src/ops/pair.ts",
    ]);
  });
});
