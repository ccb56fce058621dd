/**
 * `seqlab ner`: named-entity recognition from the command line.
 *
 *     seqlab ner train --train eng.train --dev eng.testa --format conll --model runs/ner --crf --chars
 *     seqlab ner tag --model runs/ner --input news.txt --format brat > news.ann
 *     seqlab ner eval predictions.txt            conlleval's report of "token … gold predicted" lines
 *
 * - `train` (cli/ner_train.ts): a tagger with early stopping on dev F1, checkpointed after
 *   every epoch (tagging/tagger_checkpoint.ts), with a progress bar; --resume continues it.
 * - `tag`: plain text in (a file or stdin, UTF-8), tokenised and split into sentences
 *   (ner/tokenize.ts, ner/sentences.ts), tagged by the model's dev-selected epoch, and
 *   written out
 *     - as BRAT (`--format brat`, default): the `.ann` lines, `T1<TAB>TYPE START END<TAB>TEXT`,
 *       offsets in Unicode code points of the input as read (brat's own convention: a CRLF
 *       counts two), so the input file and this `.ann` open in brat as they are; with
 *       `--out DIR`, DIR/NAME.txt (the input, byte for byte) and DIR/NAME.ann;
 *     - as CoNLL (`--format conll`): `token start end tag` per line (the same code-point
 *       offsets), a blank line after each sentence; with `--out FILE`, into FILE.
 *   An entity that crosses a line break is written as brat writes such a mention, in
 *   fragments (ner/brat_writer.ts).
 * - `eval`: conlleval.pl's report of an evaluation file (ner/conlleval.ts), to diff against the
 *   Perl script's.
 *
 * Bad input is one line "seqlab: FILE:LINE: expected …, got …" and a non-zero exit (cli/main.ts).
 */
import { Command, InvalidArgumentError, Option } from "commander";
import * as fs from "node:fs";
import * as path from "node:path";
import { initBackend } from "../backend/backend.js";
import { decodeText } from "../datasets/text_file.js";
import { ArgumentError } from "../errors.js";
import { formatAnn, spansToBrat } from "../ner/brat_writer.js";
import { conllevalFile, conllevalReport } from "../ner/conlleval.js";
import { formatConll } from "../ner/conll_writer.js";
import { sentenceSpans } from "../ner/documents.js";
import { OffsetMap } from "../ner/offsets.js";
import { splitSentenceTokens } from "../ner/sentences.js";
import { tokenize } from "../ner/tokenize.js";
import type { CharSpan, NerSentence, TagScheme } from "../ner/types.js";
import type { Tagger } from "../tagging/tagger.js";
import { transitionConstraints } from "../tagging/constraints.js";
import { predictTags } from "../tagging/predict.js";
import { loadTagger, type TaggerCheckpoint } from "../tagging/tagger_checkpoint.js";
import { runNerTrain, type NerTrainFlags } from "./ner_train.js";
import { checkOutFolder, positive, positiveInt, probability } from "./train_lm.js";

/** Flags of `ner tag`. */
export interface NerTagFlags {
  model: string;
  /** A file, or "-" for stdin. */
  input: string;
  format: "brat" | "conll";
  out?: string;
  constrained: boolean;
  batch: number;
}

/**
 * Tags a text with a loaded model (see the file comment).
 * @param text - the input text, as read.
 * @param loaded - the tagger and its vocabularies (`loadTagger`).
 * @param options - constrained (valid transitions only), batch (sentences per batch).
 * @returns the sentences (tokens, offsets, predicted tags) and the entities as character spans of `text`.
 */
export function tagText(text: string, loaded: Pick<TaggerCheckpoint, "config" | "vocabs"> & { tagger: Tagger }, options: Pick<NerTagFlags, "constrained" | "batch">): { sentences: NerSentence[]; spans: CharSpan[] } {
  const tokens = tokenize(text);
  const sentences: NerSentence[] = splitSentenceTokens(text, tokens).sentences.map(([a, b]) => {
    const toks = tokens.slice(a, b);
    return { tokens: toks.map((t) => t.text), tags: [], offsets: toks.map((t) => [t.start, t.end] as [number, number]) };
  });
  const tags = predictTags(loaded.tagger, sentences, loaded.vocabs, {
    chars: loaded.config.chars !== null,
    caps: loaded.config.caps !== null,
    batchSize: options.batch,
    constraints: options.constrained ? transitionConstraints(loaded.vocabs.tags) : undefined,
  });
  sentences.forEach((s, i) => (s.tags = tags[i]));
  return { sentences, spans: sentences.flatMap((s) => sentenceSpans(s, loaded.vocabs.tags.scheme)) };
}

/**
 * Runs `ner tag`: loads the model, reads the input, tags it, writes BRAT or CoNLL (see the file comment).
 * @param flags - the parsed flags.
 * @param write - where the output goes when there is no --out. Default: stdout.
 */
export async function runNerTag(flags: NerTagFlags, write: (text: string) => void = print): Promise<void> {
  if (!fs.existsSync(flags.model) || !fs.statSync(flags.model).isDirectory()) throw new ArgumentError(`--model ${flags.model}: expected a folder written by \`seqlab ner train\`, got no such folder`);
  if (flags.out !== undefined && flags.format === "brat") checkOutFolder(flags.out, "--out");
  if (flags.out !== undefined && flags.format === "conll" && fs.existsSync(flags.out) && fs.statSync(flags.out).isDirectory()) {
    throw new ArgumentError(`--out ${flags.out}: expected a file for --format conll, got a folder`);
  }
  await initBackend({ quiet: true });
  const loaded = loadTagger(flags.model, "best"); // a damaged model is an error before the input is read (stdin may wait)
  try {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(flags.input === "-" ? 0 : flags.input);
    } catch (e) {
      throw new ArgumentError(`--input ${flags.input}: expected a readable text file, got ${(e as Error).message}`);
    }
    const text = decodeText(bytes, flags.input === "-" ? "stdin" : flags.input, ArgumentError);
    const { sentences, spans } = tagText(text, loaded, flags);
    if (flags.format === "brat") {
      const ann = formatAnn(spansToBrat(text, spans, { convention: "raw" }));
      if (flags.out === undefined) return write(ann);
      const name = flags.input === "-" ? "stdin" : path.basename(flags.input).replace(/\.txt$/, "");
      fs.mkdirSync(flags.out, { recursive: true });
      fs.writeFileSync(path.join(flags.out, `${name}.txt`), bytes);
      fs.writeFileSync(path.join(flags.out, `${name}.ann`), ann);
      return;
    }
    const map = new OffsetMap(text, "raw");
    const codePoint = (i: number) => String(map.fromUtf16(i));
    const conll = formatConll(sentences.map((s) => ({ columns: [s.tokens, s.offsets!.map(([a]) => codePoint(a)), s.offsets!.map(([, b]) => codePoint(b)), s.tags] })));
    if (flags.out === undefined) return write(conll);
    fs.writeFileSync(flags.out, conll);
  } finally {
    loaded.tagger.weights.forEach((w) => w.dispose());
  }
}

/** Adds `ner` with its three subcommands to a program. */
export function addNerCommand(program: Command): Command {
  const ner = program.command("ner").description("named-entity recognition: train a tagger, tag text, score predictions (conlleval)");
  ner
    .command("train")
    .description("train an LSTM / biLSTM / biLSTM-CRF tagger with early stopping on dev F1; checkpoint after every epoch")
    .requiredOption("--train <path>", "training data: a CoNLL file (--format conll) or a folder of NAME.txt + NAME.ann (--format brat)")
    .option("--dev <path>", "dev data, same format: F1 after every epoch, early stopping, the kept epoch")
    .addOption(new Option("--format <format>", "data format").choices(["conll", "brat"]).default("conll"))
    .requiredOption("--model <dir>", "checkpoint folder (model.json, weights.bin, best.bin, vocab.json, manifest.json)")
    .addOption(new Option("--arch <arch>", "recurrent layer: left-to-right LSTM or biLSTM").choices(["lstm", "bilstm"]).default("bilstm"))
    .option("--crf", "a CRF output layer instead of the softmax (needs --arch bilstm)", false)
    .option("--chars", "character features: a char biLSTM per word (Lample et al. 2016)", false)
    .option("--emb <n>", "word embedding size E", positiveInt, 100)
    .option("--hidden <n>", "LSTM units H per direction", positiveInt, 100)
    .option("--char-emb <n>", "character embedding size Ec", positiveInt, 25)
    .option("--char-hidden <n>", "char LSTM units Hc per direction", positiveInt, 25)
    .option("--caps", "a capitalisation-class embedding per word (Collobert et al. 2011); with --lowercase it keeps the case the word ids lose", false)
    .option("--caps-emb <n>", "capitalisation embedding size Ecaps", positiveInt, 5)
    .option("--dropout <p>", "dropout on the LSTM input, in [0, 1)", probability, 0.5)
    .option("--word-dropout <p>", "replace singleton training words by <UNK> with probability p in [0, 1)", probability, 0.5)
    .option("--epochs <n>", "at most n epochs (in total, with --resume)", positiveInt, 50)
    .option("--patience <n>", "stop after n epochs without a better dev F1", positiveInt, 5)
    .option("--batch <n>", "sentences per batch", positiveInt, 32)
    .addOption(new Option("--optimizer <name>", "optimizer").choices(["adam", "sgd"]).default("adam"))
    .option("--lr <x>", "learning rate > 0 (default 1e-3 for adam, 0.01 for sgd)", positive)
    .option("--clip <x>", "clip the gradients' global norm to x > 0", positive, 5)
    .addOption(new Option("--scheme <scheme>", "tags the model learns (input tags of any scheme are converted)").choices(["IOB2", "IOBES"]).default("IOB2"))
    .option("--tag-column <n>", "CoNLL: the tag column, 0-based, negative from the end (default: the last)", integer)
    .option("--constrained", "decode the dev set with valid transitions only (also recorded for the model)", false)
    .option("--min-count <n>", "word vocabulary: words seen at least n times", positiveInt, 1)
    .option("--lowercase", "lower-case words (characters keep the case)", false)
    .option("--seed <n>", "seed of the weights, batch order and dropout", positiveInt, 1)
    .option("--resume", "continue the model in --model (see below)", false)
    .option("--force", "replace a model already in --model (when this run's first epoch is saved)", false)
    .option("--no-progress", "no progress bar")
    .addOption(new Option("--backend <name>", "tfjs backend (default: SEQLAB_BACKEND or the best available)").choices(["tensorflow", "seqlab", "wasm", "cpu"]))
    .addOption(new Option("--engine <name>", "compute engine (default: SEQLAB_ENGINE or the best available)").choices(["native", "wasm", "js", "tfjs"]))
    .addHelpText(
      "after",
      `
--model holding a model needs --resume (continue it) or --force (replace it).
With --resume, a flag not given takes the checkpoint's value. Given, --format, --arch, --crf,
--chars, --emb, --hidden, --char-emb, --char-hidden, --caps, --caps-emb, --scheme, --min-count, --lowercase and
--tag-column must equal the checkpoint's, --train must hold the same data (sha256) and --dev
too (not given: the checkpoint's), else it is an error; --epochs, --patience, --batch, --optimizer, --lr, --clip, --dropout,
--word-dropout, --seed and --constrained override the checkpoint's.
Ctrl-C (SIGINT) or SIGTERM stops between two steps; the last epoch's checkpoint is kept.`,
    )
    .action(async (flags: NerTrainFlags, command: Command) => {
      const explicit = new Set(Object.keys(flags).filter((k) => ["cli", "env"].includes(command.getOptionValueSource(k) ?? "")));
      await runNerTrain(flags, console.log, explicit);
    });
  ner
    .command("tag")
    .description("tag plain text with a trained model; write BRAT (.ann) or CoNLL (token start end tag) with exact offsets")
    .requiredOption("--model <dir>", "a folder written by `seqlab ner train`")
    .option("--input <file>", "UTF-8 text to tag (- for stdin)", "-")
    .addOption(new Option("--format <format>", "output format").choices(["brat", "conll"]).default("brat"))
    .option("--out <path>", "brat: a folder for NAME.txt and NAME.ann; conll: a file (default: stdout)")
    .option("--constrained", "only valid tag transitions (e.g. no I-PER after O in IOB2)", false)
    .option("--batch <n>", "sentences per batch", positiveInt, 64)
    .addHelpText("after", "\nOffsets count Unicode code points of the input as read (CRLF = 2), brat's convention.")
    .action(async (flags: NerTagFlags) => {
      await runNerTag(flags);
    });
  ner
    .command("eval")
    .description("conlleval's report of an evaluation file: lines `token … gold predicted`, blank lines between sentences")
    .argument("<file>", "the evaluation file")
    .addOption(new Option("--docstart <mode>", "a -DOCSTART- line: a token tagged O/O (conlleval) or a sentence boundary").choices(["token", "boundary"]).default("token"))
    .addOption(new Option("--scheme <scheme>", "the tags' scheme").choices(["auto", "IOB2", "IOB1", "IOBES", "IO"]).default("auto"))
    .option("--strict", "invalid transitions are errors (e.g. I-X after O in IOB2)", false)
    .action((file: string, flags: { docstart: "token" | "boundary"; scheme: TagScheme | "auto"; strict: boolean }) => {
      print(conllevalReport(conllevalFile(file, flags)));
    });
  return ner;
}

/** Writes text that ends with a line end (or is empty) to stdout, through console.log. */
function print(text: string): void {
  if (text !== "") console.log(text.endsWith("\n") ? text.slice(0, -1) : text);
}

/** An integer flag (any sign). */
function integer(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || value.trim() === "") throw new InvalidArgumentError(`expected an integer, got '${value}'`);
  return n;
}
