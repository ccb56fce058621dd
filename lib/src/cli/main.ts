#!/usr/bin/env node
/**
 * The `seqlab` command line (the package's bin), for jobs too long for a notebook:
 *
 *     seqlab kn --order 5 --train TRAIN.txt --arpa OUT.arpa    Kneser-Ney model → ARPA (cli/kn.ts)
 *     seqlab ppl --arpa MODEL.arpa --text TEST.txt             perplexity (cli/ppl.ts)
 *     seqlab train-lm --train T.txt --valid V.txt --out DIR    RNN/LSTM/GRU LM (cli/train_lm.ts)
 *     seqlab ppl --model DIR --text TEST.txt                   its perplexity
 *
 * One file per command under cli/, each exporting `addXCommand(program)`; add a command by
 * writing its file and one line in `createProgram`.
 * Exit codes: 0 ok, 1 a seqlab error (printed as one line "seqlab: …"), 2 bad usage.
 */
import { Command, CommanderError } from "commander";
import { SeqlabError } from "../errors";
import { addKnCommand } from "./kn";
import { addPplCommand } from "./ppl";
import { addTrainLmCommand } from "./train_lm";

/** Builds the program with all its commands. */
export function createProgram(): Command {
  const program = new Command("seqlab").description("seqlab: n-gram and neural language models from the command line");
  addKnCommand(program);
  addPplCommand(program);
  addTrainLmCommand(program);
  return program;
}

/** Runs the CLI; seqlab errors are printed as one line, not a stack trace. */
export async function main(argv = process.argv): Promise<void> {
  try {
    await createProgram().parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) throw e;
    if (!(e instanceof SeqlabError)) throw e;
    console.error(`seqlab: ${e.message}`);
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
