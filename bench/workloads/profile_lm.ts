/**
 * Where the time of one PTB-small LM training step goes, per tfjs kernel: runs warm-up
 * steps, then `--steps` steps (variableGrads + Adam) with every kernel timed
 * (kernel_timer.ts), and prints the mean per step of the kernels grouped by name, most
 * expensive first, and of the BatchMatMul calls grouped by input shapes (a transposed
 * operand shows its stored shape), as one JSON line (`--top` rows each).
 *
 *   node --import tsx bench/workloads/profile_lm.ts --backend wasm --cell lstm
 *
 * Not part of `npm run bench`: a diagnostic.
 */
import * as tf from "@tensorflow/tfjs";
import { Command, Option } from "commander";
import { initBackend, type BackendName } from "../../lib/src/backend/backend.js";
import { initEngine } from "../../lib/src/engine/engine.js";
import { FusedAdam } from "../../lib/src/optim/adam.js";
import { seededGenerator, setSeed } from "../../lib/src/random.js";
import { timeKernels, type KernelTotal } from "./kernel_timer.js";
import { buildModel, countOption, PTB_SMALL, QUICK, randomIds, type LmCell } from "./rnn_lm.js";


async function main(): Promise<void> {
  const program = new Command("profile_lm")
    .description("Per-kernel time of one PTB-small LM training step, as one JSON line.")
    .addOption(new Option("--backend <name>", "tfjs backend").choices(["wasm", "cpu", "tensorflow", "seqlab"]).default("wasm"))
    .addOption(new Option("--cell <cell>", "recurrent cell").choices(["lstm", "gru"]).default("lstm"))
    .option("--top <n>", "kernels to list", countOption, 15)
    .option("--steps <n>", "timed steps (after 3 warm-up steps)", countOption, 10)
    .option("--quick", "tiny sizes", false);
  program.parse();
  const o = program.opts();
  await initBackend({ backend: o.backend as BackendName, quiet: true });
  setSeed(1234);
  const rand = seededGenerator(1234);
  const s = o.quick ? QUICK : PTB_SMALL;
  const { variables, loss } = buildModel(s, o.cell as LmCell);
  const engine = initEngine({ quiet: true }); // SEQLAB_ENGINE
  const adam: tf.Optimizer = engine.name === "tfjs" ? tf.train.adam(1e-3) : new FusedAdam({ learningRate: 1e-3 });
  const ids = randomIds(s, rand); // [B, T]
  const targets = randomIds(s, rand); // [B, T]
  const step = (): void => {
    const { value, grads } = tf.variableGrads(() => loss(ids, targets), variables);
    adam.applyGradients(grads as tf.NamedTensorMap as Record<string, tf.Variable>); // the Adam update reads gradients only
    value.dataSync();
    value.dispose();
    tf.dispose(grads);
  };
  for (let i = 0; i < 3; i++) step(); // warm-up
  const t0 = performance.now();
  const { kernels, matmuls } = timeKernels(step, o.steps);
  const wallMs = (performance.now() - t0) / o.steps;
  const kernelMs = kernels.reduce((a, t) => a + t.ms, 0);
  const round = (t: KernelTotal) => ({ ...t, ms: Number(t.ms.toFixed(2)), calls: Math.round(t.calls) });
  const top = kernels.slice(0, o.top).map((t) => ({ ...round(t), share: Number((t.ms / kernelMs).toFixed(3)) }));
  const matmulTop = matmuls.slice(0, o.top).map(round);
  process.stdout.write(JSON.stringify({ backend: o.backend, cell: o.cell, engine: engine.description, wallMs: Number(wallMs.toFixed(1)), kernelMs: Number(kernelMs.toFixed(1)), top, matmulTop }) + "\n");
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
