/**
 * Where the time of one biLSTM-CRF training step goes, per tfjs kernel (as profile_lm.ts for
 * the LM): the tagger of workloads/tagger.ts at CoNLL size, 3 warm-up steps, then `--reps`
 * steps (variableGrads + Adam) with every kernel timed (kernel_timer.ts); prints the kernels grouped by name, most
 * expensive first, with the mean time per step and the mean step time without profiling,
 * as one JSON line (`--top` rows).
 *
 *   SEQLAB_ENGINE=native node --import tsx bench/workloads/profile_tagger.ts --backend seqlab --chars
 *
 * Not part of `npm run bench`: a diagnostic.
 */
import * as tf from "@tensorflow/tfjs";
import { Command, Option } from "commander";
import { initBackend, type BackendName } from "../../lib/src/backend/backend.js";
import { initEngine } from "../../lib/src/engine/engine.js";
import { FusedAdam } from "../../lib/src/optim/adam.js";
import { seededGenerator, setSeed } from "../../lib/src/random.js";
import { BiLstmCrfTagger } from "../../lib/src/tagging/bilstm_crf.js";
import { timeKernels } from "./kernel_timer.js";
import { countOption } from "./rnn_lm.js";
import { CONLL, QUICK_TAGGER, randomTaggerBatch } from "./tagger.js";

async function main(): Promise<void> {
  const program = new Command("profile_tagger")
    .description("Per-kernel time of a biLSTM-CRF training step (CoNLL size), as one JSON line.")
    .addOption(new Option("--backend <name>", "tfjs backend").choices(["wasm", "cpu", "tensorflow", "seqlab"]).default("seqlab"))
    .option("--chars", "character features", false)
    .option("--reps <n>", "profiled steps (their mean is printed)", countOption, 10)
    .option("--top <n>", "kernels to list", countOption, 15)
    .option("--quick", "tiny sizes", false);
  program.parse();
  const o = program.opts();
  await initBackend({ backend: o.backend as BackendName, quiet: true });
  const engine = initEngine({ quiet: true }); // SEQLAB_ENGINE
  setSeed(1234);
  const rand = seededGenerator(1234);
  const base = o.quick ? QUICK_TAGGER : CONLL;
  const s = o.chars ? base : { ...base, alphabet: 0 };
  const tagger = new BiLstmCrfTagger({
    vocabularySize: s.V, numTags: s.K, embeddingSize: s.E, hiddenSize: s.H,
    chars: s.alphabet > 0 ? { alphabetSize: s.alphabet, embeddingSize: s.Ec, hiddenSize: s.Hc } : undefined,
  });
  const adam: tf.Optimizer = engine.name === "tfjs" ? tf.train.adam(1e-3) : new FusedAdam({ learningRate: 1e-3 });
  const batch = randomTaggerBatch(s, rand);
  const step = (): void => {
    const { value, grads } = tf.variableGrads(() => tagger.loss(batch), tagger.weights);
    adam.applyGradients(grads as tf.NamedTensorMap as Record<string, tf.Variable>);
    value.dataSync();
    value.dispose();
    tf.dispose(grads);
  };
  for (let i = 0; i < 3; i++) step(); // warm-up
  const reps: number = o.reps;
  const totals = timeKernels(step, reps).kernels;
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) step();
  const stepMs = (performance.now() - t0) / reps;
  const sorted = totals;
  const kernelMs = sorted.reduce((a, t) => a + t.ms, 0);
  const top = sorted.slice(0, o.top).map((t) => ({ kernel: t.kernel, ms: Number(t.ms.toFixed(2)), calls: Math.round(t.calls), share: Number((t.ms / kernelMs).toFixed(3)) }));
  process.stdout.write(JSON.stringify({ backend: o.backend, engine: engine.description, chars: o.chars, stepMs: Number(stepMs.toFixed(1)), kernelMs: Number(kernelMs.toFixed(1)), top }) + "\n");
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
