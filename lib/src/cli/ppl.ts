/**
 * `seqlab ppl`: perplexity of a model on a text file, by the convention of lm/perplexity.ts
 * (per word, </s> predicted at each line end, <s> not predicted, OOV words scored as
 * <unk> if the model lists it, else — or with --no-unk — skipped and counted).
 *
 *     seqlab ppl --arpa kn5.arpa --text ptb.test.txt
 *     seqlab ppl --model runs/lstm --text ptb.test.txt      (a `seqlab train-lm` checkpoint)
 *
 * An RNN LM reads the whole text as one stream (its state carried across sentences, as it
 * was trained), scoring every word and every line end; OOV words are its <UNK>. A
 * sentence-level LM (`train-lm --context sentence`, the checkpoint's `training.context`) reads
 * each line on its own, from <SOS> and a zero state, as it was trained (lm/train_sentence_lm.ts).
 * Prints a line `perplexity <number>` followed by the token and OOV counts.
 */
import { Command, Option } from "commander";
import { initBackend, type BackendName } from "../backend/backend.js";
import { initEngine } from "../engine/engine.js";
import { loadLm } from "../lm/checkpoint.js";
import { evaluateSentences } from "../lm/train_lm.js";
import { encodeSentences, evaluateSentenceLm, type SentenceEvaluation } from "../lm/train_sentence_lm.js";
import type { Vocab } from "../data/vocab.js";
import { ArgumentError } from "../errors.js";
import { ArpaLm } from "../lm/arpa_reader.js";
import { formatPerplexity, perplexity, type LanguageModel, type PerplexityReport } from "../lm/perplexity.js";
import { readTextFile } from "./text.js";

/** Flags of `ppl`. */
export interface PplFlags {
  /** An ARPA model file. */
  arpa?: string;
  /** A checkpoint folder of `seqlab train-lm`. */
  model?: string;
  /** tfjs backend for --model. Default: SEQLAB_BACKEND or the best available. */
  backend?: BackendName;
  /** The text to score (one sentence per line). */
  text: string;
  /** The unknown-word token, or false for `--no-unk`. Default: "<unk>". */
  unk: string | false;
}

/**
 * Loads the model the flags name (one model source: --arpa).
 * @param flags - the parsed flags.
 */
export function loadModel(flags: PplFlags): LanguageModel {
  if (flags.arpa !== undefined) return ArpaLm.read(flags.arpa, { unk: flags.unk === false ? null : flags.unk });
  throw new ArgumentError("ppl: expected a model, --arpa FILE or --model DIR, got none");
}

/**
 * Runs `ppl`.
 * @param flags - the parsed flags.
 * @param log - where the report goes. Default: console.log.
 * @returns the report.
 */
export async function runPpl(flags: PplFlags, log: (line: string) => void = console.log): Promise<PerplexityReport> {
  if (flags.arpa !== undefined && flags.model !== undefined) throw new ArgumentError("ppl: expected one model, --arpa FILE or --model DIR, got both");
  const sentences = readTextFile(flags.text, "--text");
  let report: PerplexityReport;
  if (flags.model !== undefined) {
    await initBackend({ backend: flags.backend, quiet: true });
    initEngine({ quiet: true });
    const { model, vocab, training } = loadLm(flags.model, { warn: (line) => console.error(`seqlab: warning: ${line}`) }); // verified: a CheckpointError names the file
    try {
      if (training?.context === "sentence") {
        report = sentenceReport(evaluateSentenceLm(model, encodeSentences(vocab, sentences)), vocab, sentences);
      } else {
        const { logProbs: _, ...rest } = evaluateSentences(model, vocab, sentences);
        report = rest;
      }
    } finally {
      model.dispose();
    }
  } else {
    report = perplexity(loadModel(flags), sentences);
  }
  log(formatPerplexity(report));
  return report;
}

/** The report of a sentence-level LM's evaluation: every word and every line end predicted, OOV words as <UNK>. */
function sentenceReport(ev: SentenceEvaluation, vocab: Vocab, sentences: readonly (readonly string[])[]): PerplexityReport {
  let words = 0;
  let unkMapped = 0;
  for (const s of sentences) {
    words += s.length;
    for (const w of s) if (!vocab.has(w) && !vocab.unkAliases.includes(w)) unkMapped++; // the corpus's own <unk> is a word
  }
  const lnP = ev.sentenceLogProbs.reduce((a, b) => a + b, 0);
  return { perplexity: ev.perplexity, tokens: ev.tokens, sentences: sentences.length, words, oov: 0, unkMapped, zeroProbs: 0, log10Prob: lnP / Math.LN10 };
}

/** Adds the `ppl` command to a program. */
export function addPplCommand(program: Command): Command {
  return program
    .command("ppl")
    .description("perplexity of a model on a text (per word, </s> counted, <s> not predicted)")
    .option("--arpa <file>", "an ARPA back-off model (e.g. from `seqlab kn`)")
    .option("--model <dir>", "an RNN LM checkpoint folder (from `seqlab train-lm`)")
    .addOption(new Option("--backend <name>", "tfjs backend for --model").choices(["tensorflow", "seqlab", "wasm", "cpu"]))
    .requiredOption("--text <file>", "text: one sentence per line, whitespace tokens")
    .option("--unk <word>", "the model's unknown-word token, used for OOV words if the model lists it", "<unk>")
    .option("--no-unk", "closed vocabulary: skip OOV words (and treat <unk> as an ordinary word)")
    .action(async (flags: PplFlags) => {
      await runPpl(flags);
    });
}
