/**
 * Benchmark workload: one training step of the biLSTM-CRF tagger (Lample et al. 2016) at
 * CoNLL-2003 size, built from the library (lib/src/tagging/bilstm_crf.ts):
 *
 *   x         = gather(E_word, words)  [⊕ charBiLSTM(chars)]   // [B, T, E (+2Hc)]
 *   h         = Bidirectional(LSTM, LSTM)(x, mask)              // [B, T, 2H]
 *   emissions = h W + b                                         // [B, T, K]
 *   loss      = −mean_b CRF log-likelihood(emissions, tags, mask)   (ops/crf.ts)
 *   step      = tf.variableGrads(loss) then Adam(1e-3).applyGradients (FusedAdam with an engine)
 *
 * Sizes: B = 32 sentences, V = 20,000 words, E = 100, H = 100 per direction, K = 9 tags
 * (CoNLL-2003 IOB: O and B/I × PER, LOC, ORG, MISC); with `--chars`: 100 character ids,
 * Ec = 25, Hc = 25 per direction (Lample et al.). Every sentence has FIXED length T = 14
 * (CoNLL-2003 English train averages 14.5 tokens per sentence); the all-ones mask is
 * still passed, so the masked code paths are the ones timed. Word lengths are not fixed:
 * word i = b·T + t has 1 + (7i mod 10) characters (1..10, mean 5.5), padded to C = 10,
 * the same formula as the PyTorch reference. Word, tag and character ids are random and
 * seeded (the speed does not depend on them).
 *
 * Protocol (as workloads/rnn_lm.ts): one backend per process, `warmup` steps discarded,
 * then `reps` repetitions of `steps` steps, median of the per-repetition mean ms/step;
 * forward timed separately without a tape, backward = variableGrads − forward, Adam =
 * applyGradients. Prints one JSON line:
 *
 *   node --import tsx bench/workloads/tagger.ts --backend wasm --chars --steps 10 --reps 3
 *
 * The engine (lib/src/engine/engine.ts) is chosen by `initEngine()`: SEQLAB_ENGINE
 * (native | wasm | js | tfjs = the reference tfjs ops) when set, else the first that loads;
 * bench/run.ts sets it for each configuration. The result's `engine` names it.
 */
import * as tf from "@tensorflow/tfjs";
import { Command, Option } from "commander";
import { initBackend, type BackendName } from "../../lib/src/backend/backend.js";
import { FusedAdam } from "../../lib/src/optim/adam.js";
import { initEngine } from "../../lib/src/engine/engine.js";
import { seededGenerator, setSeed } from "../../lib/src/random.js";
import { BiLstmCrfTagger, type TaggerBatch } from "../../lib/src/tagging/bilstm_crf.js";
import { countOption, peakMatmulGflops, timeTrainingSteps, runIfMain } from "./rnn_lm.js";

/** Sizes of the tagger and of one batch. */
export interface TaggerSizes {
  /** Words in the vocabulary V. */
  V: number;
  /** Word embedding size E. */
  E: number;
  /** LSTM units per direction H. */
  H: number;
  /** Tags K. */
  K: number;
  /** Words per sentence T (every sentence this long). */
  T: number;
  /** Sentences per batch B. */
  B: number;
  /** Character ids (0 = padding), or 0 for no char features. */
  alphabet: number;
  /** Character embedding size Ec. */
  Ec: number;
  /** Char LSTM units per direction Hc. */
  Hc: number;
  /** Characters per word after padding C. */
  C: number;
}

/** CoNLL-2003 sized (see the file comment); `alphabet` is set to 0 without `--chars`. */
export const CONLL: TaggerSizes = { V: 20_000, E: 100, H: 100, K: 9, T: 14, B: 32, alphabet: 100, Ec: 25, Hc: 25, C: 10 };

/** Tiny sizes for a smoke run (`--quick`). */
export const QUICK_TAGGER: TaggerSizes = { V: 200, E: 16, H: 16, K: 9, T: 6, B: 4, alphabet: 30, Ec: 8, Hc: 8, C: 6 };

/** Characters of word i = b·T + t: 1 + (7i mod C) (the PyTorch reference uses the same formula). */
export function wordLength(i: number, C: number): number {
  return 1 + ((7 * i) % C);
}

/**
 * Matmul FLOPs of one training step, 3 × forward (as `stepFlops` in rnn_lm.ts): per word,
 * two directions × 2(D+H)·4H for the word biLSTM (D = E + 2Hc with chars) and 2·2H·K for
 * the emissions; per character position (padded, C per word), two directions ×
 * 2(Ec+Hc)·4Hc. The CRF (O(T·K²) per sentence) and Adam are not counted.
 */
export function taggerStepFlops(s: TaggerSizes): number {
  const chars = s.alphabet > 0;
  const D = s.E + (chars ? 2 * s.Hc : 0);
  let perWord = 2 * 2 * (D + s.H) * 4 * s.H + 2 * 2 * s.H * s.K;
  if (chars) perWord += s.C * 2 * 2 * (s.Ec + s.Hc) * 4 * s.Hc;
  return 3 * s.B * s.T * perWord;
}

/** The result line (the fields of rnn_lm.ts's `WorkloadResult`, plus sentences/s). */
export interface TaggerResult {
  workload: string;
  backend: BackendName;
  backendDetail: string;
  /** The engine's description, e.g. "tfjs (reference ops, no engine)". */
  engine: string;
  sizes: TaggerSizes;
  warmup: number;
  reps: number;
  steps: number;
  repMs: number[];
  msPerStep: number;
  /** B / step time. */
  sentencesPerSec: number;
  /** B·T / step time. */
  tokensPerSec: number;
  flopsPerStep: number;
  peakGflops: number;
  peakSize: number;
  fractionOfMatmulLimit: number;
  breakdownMs: { forward: number; backward: number; optimizer: number };
  finalLoss: number;
  peakRssMb: number;
}

/** A seeded random batch at sizes `s`. */
export function randomTaggerBatch(s: TaggerSizes, rand: () => number): TaggerBatch {
  const n = s.B * s.T;
  const ids = (count: number, high: number) => Int32Array.from({ length: count }, () => Math.floor(rand() * high));
  const batch: TaggerBatch = {
    words: tf.tensor2d(ids(n, s.V), [s.B, s.T], "int32"), // [B, T]
    tags: tf.tensor2d(ids(n, s.K), [s.B, s.T], "int32"), // [B, T]
    mask: tf.ones([s.B, s.T]), // [B, T]
  };
  if (s.alphabet > 0) {
    const chars = new Int32Array(n * s.C); // [B, T, C], 0 = padding
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < wordLength(i, s.C); j++) chars[i * s.C + j] = 1 + Math.floor(rand() * (s.alphabet - 1));
    }
    batch.chars = tf.tensor3d(chars, [s.B, s.T, s.C], "int32");
  }
  return batch;
}

/** Options of `runTagger`. */
export interface RunTaggerOptions {
  backend: BackendName;
  sizes: TaggerSizes;
  warmup: number;
  reps: number;
  steps: number;
  peakSize: number;
  seed: number;
}

/** Runs the workload in this process and returns its result. */
export async function runTagger(o: RunTaggerOptions): Promise<TaggerResult> {
  const info = await initBackend({ backend: o.backend, quiet: true });
  const detail = `${info.name}${info.simd === undefined ? "" : info.simd ? " SIMD" : " no-SIMD"}, ${info.threads ?? "?"} thread(s), tfjs ${info.tfjsVersion}`;
  const engine = initEngine({ quiet: true });
  setSeed(o.seed);
  const rand = seededGenerator(o.seed);
  const s = o.sizes;
  const tagger = new BiLstmCrfTagger({
    vocabularySize: s.V,
    numTags: s.K,
    embeddingSize: s.E,
    hiddenSize: s.H,
    chars: s.alphabet > 0 ? { alphabetSize: s.alphabet, embeddingSize: s.Ec, hiddenSize: s.Hc } : undefined,
  });
  const variables = tagger.weights;
  // With an engine, its fused Adam (the same update, optim/adam.ts); without, tfjs's (as rnn_lm.ts).
  const adam: tf.Optimizer = engine.name === "tfjs" ? tf.train.adam(1e-3) : new FusedAdam({ learningRate: 1e-3 });
  const batches = Array.from({ length: 4 }, () => randomTaggerBatch(s, rand));
  const timed = timeTrainingSteps((i) => tagger.loss(batches[i % batches.length]), variables, adam, o); // protocol of rnn_lm.ts
  const { repMs, msPerStep } = timed;
  const flopsPerStep = taggerStepFlops(s);
  const peakGflops = peakMatmulGflops(o.peakSize);
  return {
    workload: s.alphabet > 0 ? "bilstm_crf_chars" : "bilstm_crf",
    backend: info.name,
    backendDetail: detail,
    engine: engine.description,
    sizes: s,
    warmup: o.warmup,
    reps: o.reps,
    steps: o.steps,
    repMs,
    msPerStep,
    sentencesPerSec: s.B / (msPerStep / 1000),
    tokensPerSec: (s.B * s.T) / (msPerStep / 1000),
    flopsPerStep,
    peakGflops,
    peakSize: o.peakSize,
    fractionOfMatmulLimit: flopsPerStep / (msPerStep / 1000) / (peakGflops * 1e9),
    breakdownMs: timed.breakdownMs,
    finalLoss: timed.finalLoss,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

async function main(): Promise<void> {
  const program = new Command("tagger")
    .description("One backend: time biLSTM-CRF tagger training steps (CoNLL-2003 size) and print one JSON line.")
    .addOption(new Option("--backend <name>", "tfjs backend").choices(["wasm", "cpu", "tensorflow", "seqlab"]).default("wasm"))
    .option("--chars", "character features (char biLSTM, Lample et al. 2016)", false)
    .option("--warmup <n>", "warm-up steps, not timed", countOption, 2)
    .option("--reps <n>", "repetitions (median quoted)", countOption, 3)
    .option("--steps <n>", "steps per repetition", countOption, 5)
    .option("--peak-size <n>", "side of the square matMul for the peak GFLOP/s", countOption, 1024)
    .option("--seed <n>", "seed of the weights and ids", countOption, 1234)
    .option("--quick", "tiny sizes for a smoke run", false);
  program.parse();
  const o = program.opts();
  const base = o.quick ? QUICK_TAGGER : CONLL;
  const result = await runTagger({
    backend: o.backend as BackendName,
    sizes: o.chars ? base : { ...base, alphabet: 0 },
    warmup: o.warmup,
    reps: Math.max(1, o.reps),
    steps: Math.max(1, o.steps),
    peakSize: o.peakSize,
    seed: o.seed,
  });
  process.stdout.write(JSON.stringify(result) + "\n");
}

runIfMain(import.meta.filename, main);
