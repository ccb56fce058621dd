/**
 * The whole `seqlab` program, every command defined (cli/main.ts runs it for help and unknown
 * commands, and tests parse with it in-process).
 */
import { Command } from "commander";
import { addGenerateCommand } from "./generate.js";
import { addKnCommand } from "./kn.js";
import { addNerCommand } from "./ner.js";
import { addPplCommand } from "./ppl.js";
import { addTrainLmCommand } from "./train_lm.js";

/** Builds the program with all its commands. */
export function createProgram(): Command {
  // exitOverride before the commands: they inherit it, and `main` sets the exit code.
  const program = new Command("seqlab").description("seqlab: n-gram and neural language models from the command line").exitOverride();
  addKnCommand(program);
  addPplCommand(program);
  addTrainLmCommand(program);
  addGenerateCommand(program);
  addNerCommand(program);
  return program;
}
