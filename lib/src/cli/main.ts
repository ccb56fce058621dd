#!/usr/bin/env node
/**
 * The `seqlab` command line (the package's bin), for jobs too long for a notebook:
 *
 *     seqlab kn --order 5 --train TRAIN.txt --arpa OUT.arpa    Kneser-Ney model → ARPA (cli/kn.ts)
 *     seqlab ppl --arpa MODEL.arpa --text TEST.txt             perplexity (cli/ppl.ts)
 *     seqlab train-lm --train T.txt --valid V.txt --out DIR    RNN/LSTM/GRU LM (cli/train_lm.ts)
 *     seqlab ppl --model DIR --text TEST.txt                   its perplexity
 *     seqlab generate --model DIR [--decoder argmax|sample|beam]   text from it (cli/generate.ts)
 *     seqlab ner train|tag|eval                                NER taggers, tagging, conlleval (cli/ner.ts)
 *
 * One file per command under cli/, each exporting `addXCommand(program)`; add a command by
 * writing its file and one line in `COMMANDS` below. `main` imports only the module of the
 * command it runs (TensorFlow.js takes ~0.35 s to load, and `kn` does not need it); help and
 * unknown commands get the whole program (`createProgram`, cli/program.ts).
 * Exit codes: 0 ok, 1 an error (printed as one line "seqlab: …", never a stack trace; an
 * unexpected one — a bug or a system error — says so, and SEQLAB_DEBUG=1 adds its stack),
 * 2 bad usage (commander's message, naming the flag), 128 + n stopped by signal n
 * (130 SIGINT, 143 SIGTERM; `InterruptedError`, e.g. from train-lm).
 */
import { Command, CommanderError } from "commander";
import { realpathSync } from "node:fs";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";
import { InterruptedError, SeqlabError } from "../errors.js";

/** Each command's module, imported only when that command runs. */
const COMMANDS: Record<string, () => Promise<(program: Command) => void>> = {
  kn: async () => (await import("./kn.js")).addKnCommand,
  ppl: async () => (await import("./ppl.js")).addPplCommand,
  "train-lm": async () => (await import("./train_lm.js")).addTrainLmCommand,
  generate: async () => (await import("./generate.js")).addGenerateCommand,
  ner: async () => (await import("./ner.js")).addNerCommand,
};

/** The program for `argv`: only its command when it names one, else every command (help, typos). */
async function programFor(argv: string[]): Promise<Command> {
  const load = COMMANDS[argv[2] ?? ""];
  if (load === undefined) return (await import("./program.js")).createProgram();
  // exitOverride before the command: it inherits it, and `main` sets the exit code. (The
  // program's description shows only in its own help, which comes from `createProgram`.)
  const program = new Command("seqlab").exitOverride();
  (await load())(program);
  return program;
}

/** Runs the CLI; every error is printed as one line, not a stack trace (exit codes above). */
export async function main(argv = process.argv): Promise<void> {
  try {
    await (await programFor(argv)).parseAsync(argv);
  } catch (e) {
    process.exitCode = report(e);
  }
}

/** Prints an error as one line and returns the exit code. */
function report(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2; // commander printed it (or the help)
  if (e instanceof InterruptedError) {
    console.error(`seqlab: ${e.message}`);
    return 128 + constants.signals[e.signal];
  }
  if (e instanceof SeqlabError) {
    console.error(`seqlab: ${e.message}`);
    return 1;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  console.error(`seqlab: ${err.message.split("\n")[0]} (an unexpected ${err.name}: a bug or a system error; SEQLAB_DEBUG=1 prints its stack trace)`);
  if (process.env.SEQLAB_DEBUG) console.error(err.stack);
  return 1;
}

// Run when this file is the program (`node dist/cli/main.js`, `tsx src/cli/main.ts`), not when imported.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) void main();
