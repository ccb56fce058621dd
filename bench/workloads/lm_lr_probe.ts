/**
 * A learning-rate probe for the word-level LMs of notebook 04 on PTB: trains the same model
 * from the same seed for `--steps` updates with each optimizer setting (trainLm, BPTT 20,
 * batch 20, clipping at 5), and prints one line per setting: the training perplexity of the
 * first and the last 200 steps and the perplexity on the first `--valid-sentences`
 * validation sentences. It is how FULL_LM_RUNS (lib/src/experiments/language_models.ts)
 * chose Adam for the tanh RNN:
 *
 *   SEQLAB_DATA=../shared/datasets node --import tsx bench/workloads/lm_lr_probe.ts --cell rnn
 *
 * Settings default to SGD lr 0.1, 0.5, 1 and Adam 2e-3 (`--settings` takes JSON:
 * [[name, trainLm options], …]). Not part of `npm run bench`: a diagnostic.
 */
import { Command, Option } from "commander";
import { initBackend } from "../../lib/src/backend/backend.js";
import { Vocab } from "../../lib/src/data/vocab.js";
import { loadLmCorpus } from "../../lib/src/datasets/lm_corpus.js";
import { RnnLm } from "../../lib/src/lm/rnn_lm.js";
import { encodeStream, evaluateLm, trainLm, type TrainLmOptions } from "../../lib/src/lm/train_lm.js";
import { setSeed } from "../../lib/src/random.js";
import type { CellKind } from "../../lib/src/rnn/layer.js";
import { countOption } from "./rnn_lm.js";

const DEFAULT_SETTINGS: [string, TrainLmOptions][] = [
  ["sgd lr 0.1", { learningRate: 0.1 }],
  ["sgd lr 0.5", { learningRate: 0.5 }],
  ["sgd lr 1", { learningRate: 1 }],
  ["adam 2e-3", { optimizer: "adam", learningRate: 2e-3 }],
];

async function main(): Promise<void> {
  const program = new Command("lm_lr_probe")
    .description("Short PTB runs of one LM under several optimizer settings.")
    .addOption(new Option("--cell <cell>", "recurrent cell").choices(["rnn", "lstm", "gru"]).default("rnn"))
    .option("--layers <n>", "stacked layers", countOption, 1)
    .option("--hidden <n>", "units per layer (and embedding size)", countOption, 200)
    .option("--steps <n>", "updates per setting (≥ 400)", countOption, 600)
    .option("--valid-sentences <n>", "validation sentences evaluated", countOption, 600)
    .option("--settings <json>", "[[name, trainLm options], …]");
  program.parse();
  const o = program.opts();
  if (o.steps < 400) throw new Error(`lm_lr_probe: expected --steps ≥ 400, got ${o.steps}`);
  const settings: [string, TrainLmOptions][] = o.settings === undefined ? DEFAULT_SETTINGS : JSON.parse(o.settings);
  await initBackend({ quiet: true });
  const corpus = await loadLmCorpus({ dataset: "ptb" });
  const vocab = Vocab.fromSentences(corpus.train, { unkAliases: [corpus.unk] });
  const train = encodeStream(vocab, corpus.train);
  const valid = encodeStream(vocab, corpus.valid.slice(0, o.validSentences));
  const meanPpl = (losses: number[]) => Math.exp(losses.reduce((s, x) => s + x, 0) / losses.length);
  for (const [name, options] of settings) {
    setSeed(1);
    const model = new RnnLm({ cell: o.cell as CellKind, layers: o.layers, hiddenSize: o.hidden, embeddingSize: o.hidden, vocabSize: vocab.size });
    const losses: number[] = [];
    const t0 = performance.now();
    trainLm(model, train, { epochs: 1, maxSteps: o.steps, ...options, onStep: ({ loss }) => losses.push(loss) });
    const validPpl = evaluateLm(model, valid).perplexity;
    console.log(
      `${name}: train ppl steps 1–200 ${meanPpl(losses.slice(0, 200)).toFixed(0)}, steps ${o.steps - 199}–${o.steps} ${meanPpl(losses.slice(-200)).toFixed(0)}, ` +
        `valid ppl ${validPpl.toFixed(1)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
    );
    model.dispose();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
