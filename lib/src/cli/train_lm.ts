/**
 * `seqlab train-lm`: trains a word-level RNN/LSTM/GRU language model on a text file with a
 * progress bar, evaluates it on a validation file after every epoch, and writes a checkpoint
 * folder (lm/checkpoint.ts) after every epoch, so an interrupted run loses at most one epoch
 * and `--resume` continues it.
 *
 *     seqlab train-lm --train ptb.train.txt --valid ptb.valid.txt --out runs/lstm
 *     seqlab ppl --model runs/lstm --text ptb.test.txt
 *
 * Defaults are Zaremba et al.'s (2014) small configuration: 2 × 200 LSTM, embedding 200,
 * 13 epochs, SGD with lr 1 halved after epoch 4, clipping at 5, T = 20, B = 20.
 * Text files: one sentence per line, whitespace tokens; the model predicts each word and
 * the line end (<EOS>), the PTB convention (lm/perplexity.ts).
 */
import { Command, InvalidArgumentError, Option } from "commander";
import * as fs from "node:fs";
import * as path from "node:path";
import { SingleBar, Presets } from "cli-progress";
import { initBackend, type BackendName } from "../backend/backend";
import { initEngine, type EngineName } from "../engine/engine";
import { Vocab } from "../data/vocab";
import { setSeed } from "../notebook/random";
import { loadLm, saveLm } from "../lm/checkpoint";
import { RnnLm } from "../lm/rnn_lm";
import { encodeStream, trainLm, type EpochRecord } from "../lm/train_lm";
import type { CellKind } from "../rnn/layer";
import { readTextFile } from "./text";

/** Flags of `train-lm`. */
export interface TrainLmFlags {
  train: string;
  valid?: string;
  out: string;
  cell: CellKind;
  layers: number;
  hidden: number;
  emb: number;
  epochs: number;
  batch: number;
  bptt: number;
  optimizer: "sgd" | "adam";
  lr?: number;
  decay?: number;
  decayAfter: number;
  clip: number;
  mode: "k-outputs" | "one-output";
  wordDropout: number;
  minCount: number;
  maxVocab?: number;
  maxSteps?: number;
  seed: number;
  resume: boolean;
  progress: boolean;
  backend?: BackendName;
  engine?: EngineName;
}

/**
 * Runs `train-lm`.
 * @param flags - the parsed flags.
 * @param log - where progress lines go. Default: console.log.
 * @returns the epoch records of this run and of any resumed run before it.
 */
export async function runTrainLm(flags: TrainLmFlags, log: (line: string) => void = console.log): Promise<EpochRecord[]> {
  await initBackend({ backend: flags.backend, quiet: true });
  const engine = initEngine({ engine: flags.engine, quiet: true });
  setSeed(flags.seed);
  const train = readTextFile(flags.train, "--train");
  const valid = flags.valid === undefined ? undefined : readTextFile(flags.valid, "--valid");
  let model: RnnLm;
  let vocab: Vocab;
  let history: EpochRecord[] = [];
  if (flags.resume && fs.existsSync(path.join(flags.out, "model.json"))) {
    const loaded = loadLm(flags.out);
    model = loaded.model;
    vocab = loaded.vocab;
    history = loaded.history as EpochRecord[];
    log(`resuming ${flags.out} after epoch ${history.length}`);
  } else {
    vocab = Vocab.fromSentences(train, { minCount: flags.minCount, maxSize: flags.maxVocab });
    model = new RnnLm({ vocabSize: vocab.size, cell: flags.cell, layers: flags.layers, hiddenSize: flags.hidden, embeddingSize: flags.emb });
  }
  const trainIds = encodeStream(vocab, train);
  const validIds = valid === undefined ? undefined : encodeStream(vocab, valid);
  log(
    `train-lm: ${model.config.layers} × ${model.config.hiddenSize} ${model.config.cell}, V = ${vocab.size}, ` +
      `${trainIds.length} training tokens, engine ${engine.name}, seed ${flags.seed}`,
  );
  const bar = flags.progress && process.stderr.isTTY ? new SingleBar({ format: "epoch {epoch} [{bar}] {value}/{total} steps | loss {loss} | ETA {eta}s" }, Presets.shades_classic) : null;
  const startEpoch = history.length + 1;
  try {
    trainLm(model, trainIds, {
      epochs: flags.epochs,
      startEpoch,
      batchSize: flags.batch,
      bptt: flags.bptt,
      optimizer: flags.optimizer,
      learningRate: flags.lr,
      decay: flags.decay,
      decayAfter: flags.decayAfter,
      clip: flags.clip,
      mode: flags.mode,
      wordDropout: flags.wordDropout,
      maxSteps: flags.maxSteps,
      seed: flags.seed,
      valid: validIds,
      onStep: ({ epoch, step, steps, loss }) => {
        if (bar === null) return;
        if (step === 1) bar.start(steps, 0, { epoch, loss: loss.toFixed(3) });
        bar.update(step, { epoch, loss: loss.toFixed(3) });
      },
      onEpoch: (record) => {
        bar?.stop();
        history.push(record);
        saveLm(flags.out, model, vocab, history);
        const valid = record.validPerplexity === undefined ? "" : `, valid ppl ${record.validPerplexity.toFixed(2)}`;
        log(
          `epoch ${record.epoch}: lr ${record.learningRate}, train ppl ${record.trainPerplexity.toFixed(2)}${valid}, ` +
            `${record.seconds.toFixed(1)} s, ${Math.round(record.tokensPerSecond)} tokens/s — saved ${flags.out}`,
        );
      },
    });
  } finally {
    bar?.stop();
    model.dispose();
  }
  return history;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected an integer ≥ 1, got '${value}'`);
  return n;
}

function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a number ≥ 0, got '${value}'`);
  return n;
}

/** Adds the `train-lm` command to a program. */
export function addTrainLmCommand(program: Command): Command {
  return program
    .command("train-lm")
    .description("train an RNN/LSTM/GRU language model; checkpoint after every epoch (Zaremba et al. 2014 small by default)")
    .requiredOption("--train <file>", "training text: one sentence per line, whitespace tokens")
    .option("--valid <file>", "validation text, evaluated after every epoch")
    .requiredOption("--out <dir>", "checkpoint folder (model.json, weights.bin, vocab.json)")
    .addOption(new Option("--cell <kind>", "recurrent cell").choices(["rnn", "lstm", "gru"]).default("lstm"))
    .option("--layers <n>", "stacked layers", positiveInt, 2)
    .option("--hidden <n>", "units per layer", positiveInt, 200)
    .option("--emb <n>", "embedding size", positiveInt, 200)
    .option("--epochs <n>", "epochs (in total, with --resume)", positiveInt, 13)
    .option("--batch <n>", "parallel streams B", positiveInt, 20)
    .option("--bptt <n>", "BPTT window k", positiveInt, 20)
    .addOption(new Option("--optimizer <name>", "optimizer").choices(["sgd", "adam"]).default("sgd"))
    .option("--lr <x>", "initial learning rate (default 1 for sgd, 1e-3 for adam)", nonNegative)
    .option("--decay <x>", "learning-rate decay per epoch after --decay-after (default 0.5 for sgd, 1 for adam)", nonNegative)
    .option("--decay-after <n>", "epochs at the initial rate", positiveInt, 4)
    .option("--clip <x>", "clip the gradients' global norm", nonNegative, 5)
    .addOption(new Option("--mode <mode>", "loss positions").choices(["k-outputs", "one-output"]).default("k-outputs"))
    .option("--word-dropout <p>", "replace input words by <UNK> with probability p", nonNegative, 0)
    .option("--min-count <n>", "vocabulary: keep words seen at least n times", positiveInt, 1)
    .option("--max-vocab <n>", "vocabulary: at most n entries (with the 4 special tokens)", positiveInt)
    .option("--max-steps <n>", "stop after n steps in total (quick runs)", positiveInt)
    .option("--seed <n>", "seed of the weights and of word dropout", positiveInt, 42)
    .option("--resume", "continue the run in --out if it has a checkpoint", false)
    .option("--no-progress", "no progress bar")
    .addOption(new Option("--backend <name>", "tfjs backend (default: SEQLAB_BACKEND or the best available)").choices(["tensorflow", "seqlab", "wasm", "cpu"]))
    .addOption(new Option("--engine <name>", "compute engine (default: SEQLAB_ENGINE or the best available)").choices(["native", "wasm", "js", "tfjs"]))
    .action(async (flags: TrainLmFlags) => {
      await runTrainLm(flags);
    });
}
