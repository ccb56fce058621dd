#!/usr/bin/env node
/**
 * Trains the runs of the `full` profile of notebooks 05 and 06 into their folders, so that the
 * notebooks then only evaluate them (the same calls as the notebooks' cells; a finished run is
 * only read, an interrupted one continues or starts again):
 *
 * - `sentence-lm`: notebook 05's sentence-level LSTM LM (FULL_SENTENCE_LM in
 *   lib/src/experiments/sentence_lm_run.ts) on PTB (Brown without SEQLAB_DATA), checkpointed after
 *   every epoch in build/runs/05-generation/sentence-lm;
 * - `g2p`: notebook 06's comparison (FULL_G2P_RUNS in lib/src/experiments/g2p_runs.ts), every
 *   configuration × seed, one folder per run in build/runs/06-scheduled-sampling/;
 *   `g2p:SEED` only that seed's six runs, `g2p:SEED:RUN` one run (RUN: teacher-forcing,
 *   ss-linear, ss-exponential, ss-inverse-sigmoid, uniform-ss, always-sample).
 *
 * Several names run one after the other. To use both cores, start one process per name with
 * OPENBLAS_NUM_THREADS=1, e.g.
 *
 *     SEQLAB_DATA=../shared/datasets OPENBLAS_NUM_THREADS=1 node lib/scripts/train-generation-runs.js sentence-lm g2p:1 &
 *     OPENBLAS_NUM_THREADS=1 node lib/scripts/train-generation-runs.js g2p:2 g2p:3
 *
 * Needs the built library (npm run build); an ES module, like the package.
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as seqlab from "../dist/index.js";
import { FULL_G2P_RUNS, FULL_SENTENCE_LM, g2pComparison, g2pData, g2pRunName, samplingConfigs, trainCorpusSentenceLm } from "../dist/experiments/index.js";

const runs = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "build", "runs");
const configurations = samplingConfigs(FULL_G2P_RUNS.steps, FULL_G2P_RUNS.finalEpsilon).map((c) => c.name);
const slug = (name) => g2pRunName(name, 0).replace(/-s0$/, ""); // "SS linear" → "ss-linear"
const usage = `usage: node lib/scripts/train-generation-runs.js sentence-lm|g2p|g2p:SEED|g2p:SEED:RUN [...]  (seeds: ${FULL_G2P_RUNS.seeds.join(", ")}; runs: ${configurations.map(slug).join(", ")})`;

async function main() {
  const names = process.argv.slice(2);
  const valid = (n) => {
    const [kind, seed, run, ...rest] = n.split(":");
    if (n === "sentence-lm" || n === "g2p") return true;
    return kind === "g2p" && FULL_G2P_RUNS.seeds.includes(Number(seed)) && (run === undefined || configurations.some((c) => slug(c) === run)) && rest.length === 0;
  };
  if (names.length === 0 || !names.every(valid)) {
    console.error(usage);
    process.exit(2);
  }
  process.env.SEQLAB_PROFILE = "full";
  await seqlab.setupNotebook(); // backend, engine and seed as the notebooks have them; prints them
  for (const name of names) {
    const t0 = performance.now();
    if (name === "sentence-lm") {
      const corpus = await seqlab.loadLmCorpus({});
      const dir = path.join(runs, "05-generation", "sentence-lm");
      console.log(`corpus ${corpus.name} from ${corpus.source}; ${FULL_SENTENCE_LM.label} into ${dir}`);
      const run = trainCorpusSentenceLm(corpus, FULL_SENTENCE_LM, {
        checkpointDir: dir,
        onEpoch: (r) => console.log(`epoch ${r.epoch}: train ppl ${r.trainPerplexity.toFixed(2)}, valid ppl ${r.validPerplexity?.toFixed(2)}, ${r.seconds.toFixed(0)} s`),
      });
      console.log(`${run.label}: valid ${run.validPerplexity.toFixed(2)}, test ${run.testPerplexity.toFixed(2)}, ${run.seconds.toFixed(0)} s of training`);
      run.model.dispose();
    } else {
      const [, seed, run] = name.split(":");
      const seeds = seed === undefined ? FULL_G2P_RUNS.seeds : [Number(seed)];
      const only = run === undefined ? undefined : configurations.filter((c) => slug(c) === run);
      const data = g2pData({});
      const done = g2pComparison(data, FULL_G2P_RUNS, { seeds, configurations: only, runsDir: path.join(runs, "06-scheduled-sampling") });
      for (const r of done) {
        console.log(`${r.configuration}, seed ${r.seed}: greedy WER ${(100 * r.greedy.wer).toFixed(2)} PER ${(100 * r.greedy.per).toFixed(2)}, beam WER ${(100 * r.beam.wer).toFixed(2)} PER ${(100 * r.beam.per).toFixed(2)}${r.fromCheckpoint ? " (read)" : ""}`);
        seqlab.tf.dispose(r.model.weights);
      }
    }
    console.log(`${name}: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
