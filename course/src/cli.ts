#!/usr/bin/env node
/**
 * The course command line (the root package.json's scripts call it):
 *
 *     cli.js run [names...]   execute notebooks headlessly, write build/notebooks, render build/site
 *     cli.js site             render the site from already executed notebooks
 *     cli.js kernel           write the "seqlab" kernelspec (--local: build/jupyter; --user: yours)
 *     cli.js lab [args...]    start Jupyter on notebooks/ with the seqlab kernel
 *
 * Exit codes: 0 ok, 1 failure, 130 / 143 interrupted by SIGINT / SIGTERM.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import * as path from "node:path";
import { SeqlabError } from "seqlab";
import { PROFILES, Profile, profile as profileFromEnv } from "seqlab";
import { installKernelSpec, userJupyterDataDir } from "./kernelspec.js";
import { launchLab } from "./lab.js";
import { defaultPaths, displayPath, projectRoot } from "./paths.js";
import { runNotebooks } from "./run.js";
import { renderSite } from "./site.js";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

function parseSeconds(value: string): number {
  if (value === "none") return Infinity;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number of seconds, got '${value}'`);
  return n;
}

interface RunFlags {
  profile?: Profile;
  timeout?: number;
  out?: string;
  site?: string | false;
  notebooksDir?: string;
}

/** `run`: executes notebooks; Ctrl-C / SIGTERM stop the kernel cleanly before exiting. */
async function run(names: string[], flags: RunFlags): Promise<number> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    console.error(`\nseqlab: ${signal} received, stopping the kernel...`);
    controller.abort(signal);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const profile = flags.profile ?? profileFromEnv();
  try {
    const summary = await runNotebooks({
      names,
      notebooksDir: flags.notebooksDir,
      outDir: flags.out,
      siteDir: flags.site === false ? null : flags.site,
      profile,
      // a `full` experiment may train for hours in one cell; `ci` cells are meant to be short
      timeoutSeconds: flags.timeout ?? (profile === "ci" ? 600 : Infinity),
      signal: controller.signal,
      log: (line) => console.log(line),
    });
    if (summary.error) console.error(summary.error);
    if (controller.signal.aborted) return controller.signal.reason === "SIGTERM" ? 143 : 130;
    return summary.ok ? 0 : 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** Builds the command-line program; `exit` receives each command's exit code. */
export function createProgram(exit: (code: number) => void): Command {
  const defaults = defaultPaths();
  const program = new Command("seqlab-course").description("Run, render and open the seqlab course notebooks.");

  program
    .command("run")
    .description("execute notebooks headlessly through the tslab kernel (default: all in notebooks/, sorted)")
    .argument("[names...]", "notebook file names or stems, e.g. 00-setup")
    .addOption(new Option("--profile <profile>", "SEQLAB_PROFILE for the kernel (default: $SEQLAB_PROFILE or full)").choices(PROFILES))
    .option("--timeout <seconds>", "seconds a cell may run before the kernel is killed, or 'none' (default: 600 in the ci profile, none in full)", parseSeconds)
    .option("--out <dir>", "folder for executed notebooks", displayPath(defaults.executed))
    .option("--site <dir>", "folder for the course site", displayPath(defaults.site))
    .option("--no-site", "do not render the site")
    .option("--notebooks-dir <dir>", "folder of source notebooks", displayPath(defaults.notebooks))
    .action(async (names: string[], flags: RunFlags) => exit(await run(names, flags)));

  program
    .command("site")
    .description("render the course site from executed notebooks")
    .option("--notebooks <dir>", "folder of executed notebooks", displayPath(defaults.executed))
    .option("--out <dir>", "folder for the site", displayPath(defaults.site))
    .action(async (flags: { notebooks: string; out: string }) => {
      const site = await renderSite({ notebooksDir: path.resolve(flags.notebooks), outDir: path.resolve(flags.out) });
      console.log(`site: ${displayPath(site.index)} (${site.pages.length} pages)`);
      exit(0);
    });

  program
    .command("kernel")
    .description('write the "seqlab" kernelspec (TypeScript via this project\'s tslab)')
    .option("--local", "into build/jupyter, for the project's scripts (the default)")
    .option("--user", "into your per-user Jupyter data dir, for any Jupyter you start")
    .action((flags: { local?: boolean; user?: boolean }) => {
      if (flags.local && flags.user) throw new InvalidArgumentError("expected one of --local or --user, got both");
      const file = installKernelSpec(flags.user ? userJupyterDataDir() : defaults.jupyter);
      console.log(`seqlab: kernel "TypeScript (seqlab)" written to ${flags.user ? file : displayPath(file)}`);
      if (flags.user) console.log("Any Jupyter you start now lists it; remove it with `jupyter kernelspec remove seqlab`.");
      exit(0);
    });

  program
    .command("lab")
    .description("start Jupyter (Lab, else Notebook) on notebooks/ with the seqlab kernel")
    .argument("[args...]", "passed to Jupyter, e.g. -- --no-browser")
    .option("--notebooks-dir <dir>", "the folder Jupyter opens on (inside the project folder)", displayPath(defaults.notebooks))
    .allowUnknownOption()
    .action(async (args: string[], flags: { notebooksDir: string }) => {
      exit(await launchLab({ rootDir: projectRoot(), notebooksDir: path.resolve(flags.notebooksDir), jupyterDir: defaults.jupyter, args }));
    });

  return program;
}

/** Runs the CLI; seqlab errors are printed as one line, not a stack trace. */
export async function main(argv = process.argv): Promise<void> {
  try {
    await createProgram((code) => (process.exitCode = code)).parseAsync(argv);
  } catch (e) {
    if (!(e instanceof SeqlabError || e instanceof InvalidArgumentError)) throw e;
    console.error(`seqlab: ${e.message}`);
    process.exitCode = 1;
  }
}

// Run when this file is the program (`node course/dist/cli.js`, `tsx course/src/cli.ts`), not when imported.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) void main();
