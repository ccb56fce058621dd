/**
 * Benchmark workload: greedy generation with the PTB-small language model of rnn_lm.ts
 * (V = 10,000, E = 200, two recurrent layers of H = 200), one token at a time:
 *
 *   x_t    = gather(E_emb, w_{t-1})                          // [B, 1, E]
 *   h¹, s¹ = lstmSequence(x_t, W¹, b¹, initialState s¹)      // state carried between tokens
 *   h², s² = lstmSequence(h¹,  W², b², initialState s²)
 *   w_t    = argmax(h² U + b̂)                              // [B]   the next token
 *
 * Each token needs the previous one, so the loop cannot be batched over time: this measures
 * the per-step latency of the sequence ops (T = 1), not matmul throughput. tokens/s counts
 * generated tokens over the batch (B sequences decoded side by side, default B = 1).
 *
 *   node --import tsx bench/workloads/generation.ts --backend wasm --tokens 100 --reps 3
 *
 * Prints one JSON line (the protocol of rnn_lm.ts, collected by bench/run.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { Command, Option } from "commander";
import { initBackend, type BackendName } from "../../lib/src/backend/backend.js";
import { initEngine } from "../../lib/src/engine/engine.js";
import { gruSequence, lstmSequence } from "../../lib/src/ops/sequence.js";
import type { CellState } from "../../lib/src/rnn/cell.js";
import { setSeed } from "../../lib/src/random.js";
import { buildModel, countOption, describeBackend, median, PTB_SMALL, QUICK, type LmCell, type LmSizes, runIfMain } from "./rnn_lm.js";

/** The result line of this workload. */
export interface GenerationResult {
  workload: string;
  backend: string;
  backendDetail: string;
  engine: string;
  sizes: LmSizes;
  batch: number;
  tokens: number;
  warmup: number;
  reps: number;
  /** ms per generated token (per step of the batch) of each repetition. */
  repMs: number[];
  /** Median of `repMs`. */
  msPerToken: number;
  /** batch / msPerToken · 1000. */
  tokensPerSec: number;
  /** The first generated ids of sequence 0 (a check that both sides decode something). */
  sample: number[];
  peakRssMb: number;
}

/**
 * Greedy decoding of `tokens` steps from token 0 for `batch` sequences.
 * @returns the generated ids of sequence 0.
 */
function generate(
  model: ReturnType<typeof buildModel>,
  cell: LmCell,
  batch: number,
  tokens: number,
): number[] {
  const { emb, layers, out } = model.parts;
  let ids = tf.zeros([batch, 1], "int32") as tf.Tensor2D; // [B, 1]
  let states: (CellState | undefined)[] = layers.map(() => undefined);
  const first: number[] = [];
  for (let t = 0; t < tokens; t++) {
    const next = tf.tidy(() => {
      let h = tf.gather(emb, ids) as tf.Tensor3D; // [B, 1, E]
      const newStates: CellState[] = [];
      layers.forEach((w, l) => {
        const opts = states[l] === undefined ? {} : { initialState: states[l] };
        const r = cell === "lstm" ? lstmSequence(h, w, opts) : gruSequence(h, w, opts);
        h = r.outputs; // [B, 1, H]
        newStates.push(r.finalState);
      });
      const logits = out.apply(tf.reshape(h, [batch, -1]) as tf.Tensor2D); // [B, V]
      const nextIds = tf.reshape(tf.cast(tf.argMax(logits, 1), "int32"), [batch, 1]) as tf.Tensor2D; // [B, 1]
      return { nextIds, newStates };
    });
    ids.dispose();
    for (const s of states) if (s !== undefined) tf.dispose(s);
    ids = next.nextIds;
    states = next.newStates;
    first.push(ids.dataSync()[0]); // the host needs the token (as a sampler would)
  }
  ids.dispose();
  for (const s of states) if (s !== undefined) tf.dispose(s);
  return first;
}

async function main(): Promise<void> {
  const program = new Command("generation")
    .description("Greedy generation tokens/s with the PTB-small LM; prints one JSON line.")
    .addOption(new Option("--backend <name>", "tfjs backend").choices(["wasm", "cpu", "tensorflow", "seqlab"]).default("wasm"))
    .addOption(new Option("--cell <cell>", "recurrent cell").choices(["lstm", "gru"]).default("lstm"))
    .option("--batch <n>", "sequences decoded side by side", countOption, 1)
    .option("--tokens <n>", "tokens generated per repetition", countOption, 100)
    .option("--warmup <n>", "warm-up tokens, not timed", countOption, 10)
    .option("--reps <n>", "repetitions (median quoted)", countOption, 3)
    .option("--seed <n>", "seed of the weights", countOption, 1234)
    .option("--quick", "tiny sizes for a smoke run", false);
  program.parse();
  const o = program.opts();
  const info = await initBackend({ backend: o.backend as BackendName, quiet: true });
  const engine = initEngine({ quiet: true }); // SEQLAB_ENGINE, set by bench/run.ts
  setSeed(o.seed);
  const sizes = o.quick ? QUICK : PTB_SMALL;
  const cell = o.cell as LmCell;
  const model = buildModel(sizes, cell);
  generate(model, cell, o.batch, Math.max(1, o.warmup));
  const repMs: number[] = [];
  let sample: number[] = [];
  for (let r = 0; r < Math.max(1, o.reps); r++) {
    const t0 = performance.now();
    sample = generate(model, cell, o.batch, Math.max(1, o.tokens));
    repMs.push((performance.now() - t0) / Math.max(1, o.tokens));
  }
  const msPerToken = median(repMs);
  const result: GenerationResult = {
    workload: `generation_${cell}`,
    backend: info.name,
    backendDetail: describeBackend(info),
    engine: engine.description,
    sizes,
    batch: o.batch,
    tokens: o.tokens,
    warmup: o.warmup,
    reps: o.reps,
    repMs,
    msPerToken,
    tokensPerSec: o.batch / (msPerToken / 1000),
    sample: sample.slice(0, 10),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(result) + "\n");
}

runIfMain(import.meta.filename, main);
