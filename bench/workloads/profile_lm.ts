/**
 * Where the time of one PTB-small LM training step goes, per tfjs kernel: runs a warm-up
 * step, then one step (variableGrads + Adam) under `tf.profile`, and prints the kernels
 * grouped by name, most expensive first, and the BatchMatMul calls grouped by input shapes
 * (a transposed operand shows its stored shape), as one JSON line (`--top` rows each).
 *
 *   node --import tsx bench/workloads/profile_lm.ts --backend wasm --cell lstm
 *
 * On wasm and cpu, `kernelTimeMs` is the wall-clock time of each kernel call (the
 * backends run synchronously). Not part of `npm run bench`: a diagnostic for issue 4.
 */
import * as tf from "@tensorflow/tfjs";
import { Command, Option } from "commander";
import { initBackend, type BackendName } from "../../lib/src/backend/backend.js";
import { initEngine } from "../../lib/src/engine/engine.js";
import { FusedAdam } from "../../lib/src/optim/adam.js";
import { seededGenerator, setSeed } from "../../lib/src/random.js";
import { buildModel, countOption, PTB_SMALL, QUICK, randomIds, type LmCell } from "./rnn_lm.js";

/** Time and call count of one kernel name over the profiled step. */
interface KernelTotal {
  kernel: string;
  ms: number;
  calls: number;
}

async function main(): Promise<void> {
  const program = new Command("profile_lm")
    .description("Per-kernel time of one PTB-small LM training step, as one JSON line.")
    .addOption(new Option("--backend <name>", "tfjs backend").choices(["wasm", "cpu", "tensorflow", "seqlab"]).default("wasm"))
    .addOption(new Option("--cell <cell>", "recurrent cell").choices(["lstm", "gru"]).default("lstm"))
    .option("--top <n>", "kernels to list", countOption, 15)
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
  step(); // warm-up
  const t0 = performance.now();
  const info = await tf.profile(step);
  const wallMs = performance.now() - t0;
  const totals = new Map<string, KernelTotal>();
  const matmuls = new Map<string, KernelTotal>(); // BatchMatMul by input shapes
  for (const k of info.kernels) {
    if (k.name === "BatchMatMul") {
      const key = k.inputShapes.map((sh) => `[${sh}]`).join("×");
      const m = matmuls.get(key) ?? { kernel: key, ms: 0, calls: 0 };
      m.ms += typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
      m.calls += 1;
      matmuls.set(key, m);
    }
    const t = totals.get(k.name) ?? { kernel: k.name, ms: 0, calls: 0 };
    t.ms += typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    t.calls += 1;
    totals.set(k.name, t);
  }
  const sorted = [...totals.values()].sort((a, b) => b.ms - a.ms);
  const kernelMs = sorted.reduce((a, t) => a + t.ms, 0);
  const top = sorted.slice(0, o.top).map((t) => ({ ...t, ms: Math.round(t.ms), share: Number((t.ms / kernelMs).toFixed(3)) }));
  const matmulTop = [...matmuls.values()].sort((a, b) => b.ms - a.ms).slice(0, o.top).map((t) => ({ ...t, ms: Math.round(t.ms) }));
  process.stdout.write(JSON.stringify({ backend: o.backend, cell: o.cell, wallMs: Math.round(wallMs), kernelMs: Math.round(kernelMs), top, matmulTop }) + "\n");
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
