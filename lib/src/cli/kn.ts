/**
 * `seqlab kn`: builds an interpolated modified Kneser-Ney model (lm/kneser_ney.ts) from a
 * text file and writes it as ARPA (lm/arpa_writer.ts: float32 numbers, as KenLM writes them;
 * half of a big file encoded by a worker thread when a core is free).
 *
 *     seqlab kn --order 5 --train ptb.train.txt --arpa kn5.arpa [--unk <unk> | --no-unk]
 *
 * The text goes straight into word ids (`NgramCounts.fromText`), no token strings kept. On
 * PTB train, order 5: built in ~0.6 s, 97 MB written in ~0.7 s (bench/README.md, kn_ptb).
 */
import { Command, InvalidArgumentError } from "commander";
import { ArgumentError } from "../errors.js";
import { KneserNeyLm } from "../lm/kneser_ney.js";
import { writeArpaReport, type ArpaWriteReport } from "../lm/arpa_writer.js";
import { NgramCounts } from "../lm/ngram_counts.js";
import { decodeText } from "../datasets/text_file.js";
import { readTextBytes } from "./text.js";

/** Flags of `kn`. */
export interface KnFlags {
  /** N, the n-gram order (1..9). Default: 5. */
  order: number;
  /** The training text (one sentence per line). */
  train: string;
  /** The output ARPA file. */
  arpa: string;
  /** The unknown-word token, or false for `--no-unk`. Default: "<unk>". */
  unk: string | false;
}

function parseOrder(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 9) throw new InvalidArgumentError(`expected an integer order in 1..9, got '${value}'`);
  return n;
}

/**
 * Runs `kn`: counts, discounts, ARPA.
 * @param flags - the parsed flags.
 * @param log - where the summary lines go. Default: console.log.
 */
export function runKn(flags: KnFlags, log: (line: string) => void = console.log): void {
  const t0 = performance.now();
  // No variable holds the text: it can be freed once counted.
  const counts = NgramCounts.fromText(decodeText(readTextBytes(flags.train, "--train"), flags.train, ArgumentError), flags.order, {
    unk: flags.unk === false ? null : flags.unk,
    source: flags.train,
  });
  const model = KneserNeyLm.fromCounts(counts);
  const t1 = performance.now();
  let written: ArpaWriteReport;
  try {
    written = writeArpaReport(model, flags.arpa);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === undefined) throw e;
    throw new ArgumentError(`--arpa: expected a writable file, got ${(e as Error).message}`);
  }
  const t2 = performance.now();
  log(`train ${flags.train}: ${counts.sentenceCount} sentences, vocabulary ${model.vocabulary.size} (with </s>${model.unk === null ? "" : `, ${model.unk}`})`);
  for (let n = 1; n <= model.order; n++) {
    const d = model.discounts[n];
    log(
      `order ${n}: ${counts.levels[n].size} n-grams, n1..n4 = ${d.countOfCounts.join(" ")}, ` +
        `D1 ${d.D[0].toFixed(4)} D2 ${d.D[1].toFixed(4)} D3+ ${d.D[2].toFixed(4)}${d.fallback ? " (fallback: count-of-counts give no valid discounts)" : ""}`,
    );
  }
  const threads = written.worker === "done" ? ", 2 threads" : written.worker === "failed" ? ", 1 thread: the worker thread failed" : "";
  log(`built in ${((t1 - t0) / 1000).toFixed(2)} s; wrote ${flags.arpa} (${(written.bytes / 1e6).toFixed(1)} MB) in ${((t2 - t1) / 1000).toFixed(2)} s${threads}`);
}

/** Adds the `kn` command to a program. */
export function addKnCommand(program: Command): Command {
  return program
    .command("kn")
    .description("build an interpolated modified Kneser-Ney n-gram model and write it as ARPA")
    .requiredOption("--train <file>", "training text: one sentence per line, whitespace tokens")
    .requiredOption("--arpa <file>", "output ARPA file")
    .option("--order <n>", "n-gram order", parseOrder, 5)
    .option("--unk <word>", "unknown-word token, always in the vocabulary", "<unk>")
    .option("--no-unk", "closed vocabulary: OOV words are skipped when scoring")
    .action((flags: KnFlags) => runKn(flags));
}
