/**
 * The vanilla RNN's hand-derived BPTT checked on random sizes: the table of notebook
 * `01-rnn-bptt` and the property of `test/bptt.test.ts`, in one place.
 *
 * For each trial: random D, H, K, T, seeded parameters and data, then
 * 1. hand BPTT (`vanillaBptt64`) vs float64 central finite differences (`gradCheck64`);
 * 2. hand BPTT vs TensorFlow.js autodiff of `vanillaLossTf` (float32), and autodiff vs
 *    float32 finite differences (`gradCheck`).
 */
import * as tf from "@tensorflow/tfjs";
import { random } from "../random.js";
import {
  initVanilla,
  vanillaBptt64,
  vanillaForward64,
  vanillaFromFlat64,
  vanillaLossTf,
  vanillaShapes,
  vanillaToFlat64,
  vanillaToVariables,
  vanillaVariableList,
  VANILLA_PARAM_NAMES,
} from "../rnn/vanilla.js";
import { gradCheck, gradCheck64 } from "./gradcheck.js";

/** One trial's sizes and the largest relative error of each comparison. */
export interface VanillaCheckTrial {
  D: number;
  H: number;
  K: number;
  T: number;
  /** Hand BPTT vs float64 central finite differences. */
  handVsFiniteDiff64: number;
  /** Hand BPTT vs tfjs autodiff (float32). */
  handVsAutodiff32: number;
  /** tfjs autodiff vs float32 finite differences. */
  autodiffVsFiniteDiff32: number;
}

/** Options of {@link checkVanillaBptt}. */
export interface VanillaCheckOptions {
  /** Number of random trials. Default: 10. */
  trials?: number;
  /** Largest D, H, K, T drawn (each at least 1, K at least 2). Default: { D: 5, H: 8, K: 5, T: 10 }. */
  max?: { D: number; H: number; K: number; T: number };
  /** Scale of the initial weights. Default: 0.5. */
  scale?: number;
}

/** Runs the trials (seeded by the course generator; see the file comment). */
export function checkVanillaBptt(options: VanillaCheckOptions = {}): VanillaCheckTrial[] {
  const max = options.max ?? { D: 5, H: 8, K: 5, T: 10 };
  const pick = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  return Array.from({ length: options.trials ?? 10 }, () => {
    const [D, H, K, T] = [pick(1, max.D), pick(1, max.H), pick(2, max.K), pick(1, max.T)];
    const params = initVanilla(D, H, K, { scale: options.scale ?? 0.5 });
    const xs = Array.from({ length: T }, () => Float64Array.from({ length: D }, () => random() * 2 - 1)); // T × [D]
    const ys = Array.from({ length: T }, () => pick(0, K - 1)); // [T]
    const lossOf = (theta: Float64Array) => vanillaForward64(vanillaFromFlat64(theta, D, H, K), xs, ys).loss;
    const gradOf = (theta: Float64Array) => vanillaToFlat64(vanillaBptt64(vanillaFromFlat64(theta, D, H, K), xs, ys));
    const f64 = gradCheck64(lossOf, gradOf, vanillaToFlat64(params));
    const grads = vanillaBptt64(params, xs, ys);
    const shapes = vanillaShapes(params);
    const vars = vanillaToVariables(params);
    const hand = VANILLA_PARAM_NAMES.map((name) => tf.tensor(Float32Array.from(grads[name]), shapes[name]));
    try {
      const r32 = gradCheck(() => vanillaLossTf(vars, xs, ys), vanillaVariableList(vars), { hand });
      return {
        D,
        H,
        K,
        T,
        handVsFiniteDiff64: f64.relError,
        handVsAutodiff32: r32.handVsAutodiff ?? NaN,
        autodiffVsFiniteDiff32: r32.autodiffVsFiniteDiff,
      };
    } finally {
      vanillaVariableList(vars).forEach((v) => v.dispose());
      hand.forEach((t) => t.dispose());
    }
  });
}
