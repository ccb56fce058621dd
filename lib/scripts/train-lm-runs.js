#!/usr/bin/env node
/**
 * Trains the recurrent LMs of notebook 04's `full` profile (FULL_LM_RUNS in
 * lib/src/experiments/language_models.ts) into the notebook's checkpoint folders,
 * build/runs/04-language-models/<name>, so that the notebook then only evaluates them.
 * The same call as the notebook's cells: an interrupted run continues after its last
 * finished epoch. Several names run one after the other; to use both cores, start one
 * process per model with OPENBLAS_NUM_THREADS=1.
 *
 *     SEQLAB_DATA=../shared/datasets node lib/scripts/train-lm-runs.js lstm
 *
 * Needs the built library (npm run build); an ES module, like the package.
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as seqlab from "../dist/index.js";
import { FULL_LM_RUNS } from "../dist/experiments/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));

async function main() {
  const names = process.argv.slice(2);
  if (names.length === 0 || names.some((n) => !(n in FULL_LM_RUNS))) {
    console.error(`usage: node lib/scripts/train-lm-runs.js ${Object.keys(FULL_LM_RUNS).join("|")} [...]`);
    process.exit(2);
  }
  process.env.SEQLAB_PROFILE = "full";
  await seqlab.setupNotebook(); // backend, engine and seed as the notebook has them; prints them
  const corpus = await seqlab.loadLmCorpus({});
  console.log(`corpus ${corpus.name} from ${corpus.source}`);
  for (const name of names) {
    const spec = FULL_LM_RUNS[name];
    const dir = path.join(here, "..", "..", "build", "runs", "04-language-models", name);
    const run = seqlab.trainCorpusLm(corpus, spec.label, spec.config, {
      ...spec.options,
      checkpointDir: dir,
      onEpoch: (r) => console.log(`${spec.label} epoch ${r.epoch}: lr ${r.learningRate}, train ppl ${r.trainPerplexity.toFixed(2)}, valid ppl ${r.validPerplexity?.toFixed(2)}, ${r.seconds.toFixed(0)} s, ${Math.round(r.tokensPerSecond)} tok/s`),
    });
    console.log(`${spec.label}: valid ${run.validPerplexity.toFixed(2)}, test ${run.testPerplexity.toFixed(2)}, ${run.seconds.toFixed(0)} s of training (${dir})`);
    run.model.dispose();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
