#!/usr/bin/env node
/**
 * Trains the taggers of notebook 07's `full` profile (FULL_NER_RUNS in
 * lib/src/experiments/ner.ts), and the variant beside it (EXTRA_NER_RUNS: biLSTM-CRF + chars
 * + caps on CoNLL-2003, by name or `extra`), into the notebook's checkpoint folders,
 * build/runs/07-ner/<name>, so that the notebook then only loads and evaluates them.
 * The same call as the notebook's cells (`runNerComparison`, then `trainNerTagger` per run):
 * an interrupted run continues after its last finished epoch, a finished one is only
 * evaluated. Arguments: run names, or `conll2003` / `collection5` (every run of that
 * corpus), or `all`; the runs go one after the other, with a progress bar on a terminal.
 * To use both cores, start one process per corpus with OPENBLAS_NUM_THREADS=1:
 *
 *     SEQLAB_DATA=../shared/datasets OPENBLAS_NUM_THREADS=1 node lib/scripts/train-ner-runs.js conll2003
 *
 * Needs the built library (npm run build); an ES module, like the package.
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { SingleBar, Presets } from "cli-progress";
import * as seqlab from "../dist/index.js";
import { EXTRA_NER_RUNS, FULL_NER_RUNS, nerCorpus, runNerComparison } from "../dist/experiments/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));

async function main() {
  const args = process.argv.slice(2);
  const corpora = ["conll2003", "collection5"];
  const RUNS = { ...FULL_NER_RUNS, ...EXTRA_NER_RUNS };
  const names = args.flatMap((a) =>
    a === "all" ? Object.keys(FULL_NER_RUNS) : a === "extra" ? Object.keys(EXTRA_NER_RUNS) : corpora.includes(a) ? Object.keys(FULL_NER_RUNS).filter((n) => FULL_NER_RUNS[n].corpus === a) : [a],
  );
  if (names.length === 0 || names.some((n) => !(n in RUNS))) {
    console.error(`usage: node lib/scripts/train-ner-runs.js all|conll2003|collection5|extra|NAME [...]\n  names: ${Object.keys(RUNS).join(" ")}`);
    process.exit(2);
  }
  process.env.SEQLAB_PROFILE = "full";
  await seqlab.setupNotebook(); // backend, engine and seed as the notebook has them; prints them
  const root = path.join(here, "..", "..", "build", "runs", "07-ner");
  const bar = process.stderr.isTTY ? new SingleBar({ format: "{run} epoch {epoch} [{bar}] {value}/{total} batches | loss {loss} | ETA {eta}s" }, Presets.shades_classic) : null;
  const t0 = performance.now();
  for (const corpusName of corpora) {
    const runs = names.filter((n) => RUNS[n].corpus === corpusName).map((n) => RUNS[n]);
    if (runs.length === 0) continue;
    const corpus = nerCorpus(corpusName);
    console.log(`${corpusName} from ${corpus.source}: ${corpus.train.length} / ${corpus.dev.length} / ${corpus.test.length} sentences`);
    for (const run of runs) {
      runNerComparison(corpus, [run], {
        checkpointRoot: root,
        log: (line) => {
          bar?.stop();
          console.log(line);
        },
        onEpoch: (name, r) => {
          bar?.stop();
          console.log(`${name} epoch ${r.epoch}: loss ${r.loss.toFixed(3)}, dev F1 ${(100 * r.devF1).toFixed(2)}${r.best ? " (best)" : ""}, ${r.seconds.toFixed(0)} s, ${Math.round(r.sentencesPerSecond)} sentences/s`);
        },
        onStep: ({ epoch, step, steps, loss }) => {
          if (bar === null) return;
          if (step === 1) bar.start(steps, 0, { run: run.name, epoch, loss: loss.toFixed(3) });
          bar.update(step, { run: run.name, epoch, loss: loss.toFixed(3) });
        },
      });
    }
  }
  bar?.stop();
  console.log(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s (${root})`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
