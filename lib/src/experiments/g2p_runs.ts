/**
 * Notebook 06's comparison as checkpointed runs: for every configuration of `samplingConfigs`
 * (teacher forcing, the three decay laws, uniform SS, always sampling) and every seed, one G2P
 * model (`trainG2p`, scheduled_sampling.ts), trained or read from its run folder, then scored on
 * the test words greedily and with beam search. The `full` profile's runs take hours, so
 * `lib/scripts/train-generation-runs.js g2p` trains them beforehand with the same call, into
 * build/runs/06-scheduled-sampling/, and the notebook then only scores them.
 *
 * A run folder, `<runsDir>/<configuration>-s<seed>` (e.g. `ss-inverse-sigmoid-s2`), written
 * atomically with a manifest (lm/checkpoint.ts `writeCheckpointFolder`) when the run ends:
 *
 *     run.json      {"format": "seqlab-g2p-run", "version": 1, "run": {configuration, seed,
 *                    steps, batchSize, hidden, learningRate, finalEpsilon, trainExamples,
 *                    maxLength}, "weights": [{"shape", "offset"}], "losses": [steps],
 *                    "sampled": [steps], "msPerStep", "seconds"}
 *     weights.bin   the model's weights, float32 little-endian, `model.weights` order
 *     manifest.json sizes and sha256 of both
 *
 * 1. Each run holds its folder's training lock while it trains (lm/training_lock.ts), so a
 *    notebook started while the script trains a run waits for it instead of training it twice.
 * 2. A folder holding a finished run is read: the manifest verified, then `run` compared with the
 *    run asked for — any difference is a `CheckpointError` naming the field (a `ci` folder is
 *    never taken for a `full` one) — then the weights' shapes.
 * 3. Otherwise the run is trained and saved.
 * 4. Either way its WER and PER (generation/error_rates.ts) are computed on the test words.
 */
import * as tf from "@tensorflow/tfjs";
import * as fs from "node:fs";
import * as path from "node:path";
import { ArgumentError } from "../errors.js";
import type { ErrorRates } from "../generation/error_rates.js";
import { CheckpointError, checkpointFile, verifyManifest, writeCheckpointFolder } from "../lm/checkpoint.js";
import { acquireTrainingLock } from "../lm/training_lock.js";
import type { EncoderDecoder } from "../models/encoder_decoder.js";
import { g2pMaxLength, g2pModel, samplingConfigs, scoreG2p, trainG2p, type G2pData } from "./scheduled_sampling.js";

/** The settings of a comparison (every configuration, every seed). */
export interface G2pComparisonSpec {
  /** Training steps of every run. */
  steps: number;
  /** B. */
  batchSize: number;
  /** H of the encoder and decoder LSTMs. */
  hidden: number;
  /** Adam's learning rate. */
  learningRate: number;
  /** Beam width of the second decoding. */
  beamWidth: number;
  /** ε that the decay laws reach at the last step (`samplingConfigs`). */
  finalEpsilon: number;
  /** One run per configuration and seed. */
  seeds: number[];
}

/**
 * The comparison of notebook 06's `full` profile, on the whole training split (105,742 words,
 * 113,000 pronunciations with the variants) and all 5,874 test words: 3 seeds × 6
 * configurations of an LSTM encoder–decoder with H = 128, 8,000 Adam steps of 64 examples
 * (about 4.5 epochs), the decay laws reaching ε = 0.25 at the last step, beam width 5.
 */
export const FULL_G2P_RUNS: G2pComparisonSpec = { steps: 8000, batchSize: 64, hidden: 128, learningRate: 3e-3, beamWidth: 5, finalEpsilon: 0.25, seeds: [1, 2, 3] };

/** One finished run of the comparison, scored. */
export interface G2pComparisonRun {
  /** The configuration's name ("teacher forcing", "SS linear", …). */
  configuration: string;
  seed: number;
  /** The trained model; the caller disposes `model.weights`. */
  model: EncoderDecoder;
  greedy: ErrorRates;
  beam: ErrorRates;
  /** [steps] training losses. */
  losses: number[];
  /** [steps] fraction of decoder inputs fed from the model at each step. */
  sampled: number[];
  /** Mean ms per training step (the machine's load at the time included). */
  msPerStep: number;
  /** Training wall time. */
  seconds: number;
  /** Whether the run was read from its folder instead of trained in this call. */
  fromCheckpoint: boolean;
}

/** Options of `g2pComparison`. */
export interface G2pComparisonOptions {
  /** Run only these configurations (names of `samplingConfigs`). Default: all six. */
  configurations?: readonly string[];
  /** Run only these seeds (of `spec.seeds`). Default: all. */
  seeds?: readonly number[];
  /** Where run folders are kept. Default: none (train every run, save nothing). */
  runsDir?: string;
  /** Announcements (waiting for a lock, a run read or trained). Default: console.log. */
  log?: (line: string) => void;
}

/** What run.json records of the run asked for (compared on reading, step 2). */
interface RunKey {
  configuration: string;
  seed: number;
  steps: number;
  batchSize: number;
  hidden: number;
  learningRate: number;
  finalEpsilon: number;
  trainExamples: number;
  maxLength: number;
}

/**
 * Runs (or reads) and scores every configuration × seed (steps 1–4 of the file comment).
 * @param data - the G2P data (`g2pData`).
 * @param spec - the settings.
 * @param options - configurations, seeds, runsDir, log.
 * @returns one run per seed and configuration, seed-major, configurations in `samplingConfigs` order.
 */
export function g2pComparison(data: G2pData, spec: G2pComparisonSpec, options: G2pComparisonOptions = {}): G2pComparisonRun[] {
  const log = options.log ?? console.log;
  const configs = samplingConfigs(spec.steps, spec.finalEpsilon);
  const names = configs.map((c) => c.name);
  for (const n of options.configurations ?? []) {
    if (!names.includes(n)) throw new ArgumentError(`g2pComparison: expected configurations among ${names.map((x) => JSON.stringify(x)).join(", ")}, got ${JSON.stringify(n)}`);
  }
  const runs: G2pComparisonRun[] = [];
  for (const seed of options.seeds ?? spec.seeds) {
    for (const config of configs) {
      if (options.configurations !== undefined && !options.configurations.includes(config.name)) continue;
      const key: RunKey = {
        configuration: config.name, seed, steps: spec.steps, batchSize: spec.batchSize, hidden: spec.hidden, learningRate: spec.learningRate,
        finalEpsilon: spec.finalEpsilon, trainExamples: data.train.length, maxLength: g2pMaxLength(data),
      };
      const dir = options.runsDir === undefined ? undefined : path.join(options.runsDir, g2pRunName(config.name, seed));
      const release = dir === undefined ? () => {} : acquireTrainingLock(dir, log); // 1.
      let trained: Omit<G2pComparisonRun, "greedy" | "beam">;
      try {
        if (dir !== undefined && fs.existsSync(checkpointFile(dir, "run.json"))) {
          trained = { ...readG2pRun(dir, key, data), configuration: config.name, seed, fromCheckpoint: true }; // 2.
        } else {
          const t = trainG2p({ data, sampler: config.sampler?.(seed), seed, steps: spec.steps, batchSize: spec.batchSize, hidden: spec.hidden, learningRate: spec.learningRate }); // 3.
          if (dir !== undefined) {
            writeG2pRun(dir, key, t);
            log(`g2pComparison: ${config.name}, seed ${seed}: trained in ${t.seconds.toFixed(0)} s (${t.msPerStep.toFixed(0)} ms/step), saved in ${dir}`);
          }
          trained = { ...t, configuration: config.name, seed, fromCheckpoint: false };
        }
      } finally {
        release();
      }
      runs.push({ ...trained, greedy: scoreG2p(trained.model, data, 1), beam: scoreG2p(trained.model, data, spec.beamWidth) }); // 4.
    }
  }
  return runs;
}

/** The folder name of a run: "teacher forcing", 2 → "teacher-forcing-s2". */
export function g2pRunName(configuration: string, seed: number): string {
  return `${configuration.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-s${seed}`;
}

/**
 * The rows of a results table: one per run and decoder, with WER and PER in percent.
 * @param runs - from `g2pComparison`.
 */
export function g2pResultRows(runs: readonly G2pComparisonRun[]): { configuration: string; decoder: string; seed: number; WER: number; PER: number }[] {
  return runs.flatMap((r) => [
    { configuration: r.configuration, decoder: "greedy", seed: r.seed, WER: 100 * r.greedy.wer, PER: 100 * r.greedy.per },
    { configuration: r.configuration, decoder: "beam", seed: r.seed, WER: 100 * r.beam.wer, PER: 100 * r.beam.per },
  ]);
}

/** Writes a finished run's folder (file comment). */
function writeG2pRun(dir: string, key: RunKey, t: { model: EncoderDecoder; losses: number[]; sampled: number[]; msPerStep: number; seconds: number }): void {
  const weights = t.model.weights;
  let offset = 0;
  const entries = weights.map((w) => {
    const e = { shape: w.shape, offset };
    offset += w.size;
    return e;
  });
  const floats = new Float32Array(offset);
  weights.forEach((w, i) => floats.set(w.dataSync() as Float32Array, entries[i].offset));
  const round = (x: number) => Number(x.toPrecision(6));
  const run = { format: "seqlab-g2p-run", version: 1, run: key, weights: entries, losses: t.losses.map(round), sampled: t.sampled.map(round), msPerStep: t.msPerStep, seconds: t.seconds };
  writeCheckpointFolder(dir, { "weights.bin": Buffer.from(floats.buffer), "run.json": Buffer.from(JSON.stringify(run) + "\n") }, 1);
}

/** Reads and checks a run folder (step 2 of the file comment). */
function readG2pRun(dir: string, key: RunKey, data: G2pData): Omit<G2pComparisonRun, "greedy" | "beam" | "configuration" | "seed" | "fromCheckpoint"> {
  const files = { run: checkpointFile(dir, "run.json"), bin: checkpointFile(dir, "weights.bin"), manifest: checkpointFile(dir, "manifest.json") };
  for (const f of Object.values(files)) if (!fs.existsSync(f)) throw new CheckpointError(`${f}: expected a file of the G2P run folder ${dir}, but it does not exist`);
  const bytes = { run: fs.readFileSync(files.run), bin: fs.readFileSync(files.bin) };
  verifyManifest(files.manifest, { "run.json": [files.run, bytes.run], "weights.bin": [files.bin, bytes.bin] });
  let j: { format?: unknown; version?: unknown; run?: Record<string, unknown>; weights?: { shape: number[]; offset: number }[]; losses?: number[]; sampled?: number[]; msPerStep?: number; seconds?: number };
  try {
    j = JSON.parse(bytes.run.toString("utf8"));
  } catch (e) {
    throw new CheckpointError(`${files.run}: expected JSON, got a parse error: ${(e as Error).message}`);
  }
  if (j.format !== "seqlab-g2p-run" || j.version !== 1) throw new CheckpointError(`${files.run}: expected format "seqlab-g2p-run" version 1, got ${JSON.stringify(j.format)} version ${JSON.stringify(j.version)}`);
  for (const [field, want] of Object.entries(key)) {
    const got = j.run?.[field];
    if (got !== want) throw new CheckpointError(`${files.run}: expected the run asked for, with ${field} ${JSON.stringify(want)}, got ${JSON.stringify(got)}; use another runsDir or delete ${dir}`);
  }
  const model = g2pModel(data.vocab, key.hidden, key.maxLength);
  const weights = model.weights;
  const floats = new Float32Array(bytes.bin.buffer.slice(bytes.bin.byteOffset, bytes.bin.byteOffset + bytes.bin.length));
  const entries = j.weights ?? [];
  const total = weights.reduce((n, w) => n + w.size, 0);
  const bad = weights.findIndex((w, i) => entries[i]?.shape?.join(",") !== w.shape.join(","));
  if (entries.length !== weights.length || bad >= 0 || floats.length !== total) {
    tf.dispose(weights);
    throw new CheckpointError(`${files.run}: expected ${weights.length} weights of shapes ${weights.map((w) => `[${w.shape}]`).join(" ")} (${total} floats), got ${entries.length} of shapes ${entries.map((e) => `[${e.shape}]`).join(" ")} (${floats.length} floats in weights.bin)`);
  }
  weights.forEach((w, i) => tf.tidy(() => w.assign(tf.tensor(floats.subarray(entries[i].offset, entries[i].offset + w.size), w.shape))));
  return { model, losses: j.losses ?? [], sampled: j.sampled ?? [], msPerStep: j.msPerStep ?? NaN, seconds: j.seconds ?? NaN };
}
