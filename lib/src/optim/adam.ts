/**
 * `FusedAdam`: tf.train.adam's update computed by the engine's `adam` kernel, one pass over
 * each parameter instead of a dozen tfjs ops per variable.
 *
 * Adam (Kingma & Ba 2015), exactly as tfjs-core's AdamOptimizer computes it: for step t = 1, 2, …
 * and each parameter θ with gradient g,
 *
 *     m ← β₁ m + (1 − β₁) g
 *     v ← β₂ v + (1 − β₂) g²
 *     θ ← θ − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
 *
 * with ε added outside the square root (tfjs's placement, not the paper's ε̂) and β₁ᵗ, β₂ᵗ
 * kept as float32 running products as tfjs keeps them (its accBeta variables). The moments
 * live in Float32Arrays owned by the optimizer; the new θ is written into the variable's own
 * array on the seqlab backend when nothing else shares it (`ownedValues`), else back with
 * `variable.assign`; either way models and checkpoints see ordinary tf.Variables.
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { ownedValues, transientValues } from "../backend/seqlab_backend.js";
import { getKernels } from "../engine/engine.js";
import { jsKernels } from "../engine/js.js";
import type { Kernels } from "../engine/kernels.js";

/** A tensor with a name (tfjs-core's `NamedTensor`, which the tfjs bundle does not re-export). */
type NamedTensor = { name: string; tensor: tf.Tensor };

/** Options of `FusedAdam` (tf.train.adam's arguments). */
export interface FusedAdamOptions {
  /** Step size lr. */
  learningRate: number;
  /** β₁. Default: 0.9. */
  beta1?: number;
  /** β₂. Default: 0.999. */
  beta2?: number;
  /** ε. Default: `tf.backend().epsilon()` (1e-7 on cpu and wasm), as tf.train.adam. */
  epsilon?: number;
  /** The kernels to compute with. Default: the active engine's, else the js kernels. */
  kernels?: Kernels;
}

/** Adam with the engine's fused update; a drop-in for `tf.train.adam(lr, beta1, beta2, epsilon)`. */
export class FusedAdam extends tf.Optimizer {
  /** The class name tfjs's serialization sees. */
  static get className(): string {
    return "FusedAdam";
  }

  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private readonly kernels: Kernels;
  /** β₁ᵗ and β₂ᵗ for the next step, float32 as in tfjs. */
  private accBeta1: number;
  private accBeta2: number;
  /** First and second moments by variable name, each [size of the variable]. */
  private readonly moments = new Map<string, { m: Float32Array; v: Float32Array }>();

  /**
   * @param opts - learning rate and the optional hyperparameters (see `FusedAdamOptions`).
   * @throws ArgumentError if the learning rate is not a positive number.
   */
  constructor(opts: FusedAdamOptions) {
    super();
    if (!(opts.learningRate > 0)) throw new ArgumentError(`FusedAdam: expected learningRate > 0, got ${opts.learningRate}`);
    this.learningRate = opts.learningRate;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? tf.backend().epsilon();
    this.kernels = opts.kernels ?? getKernels() ?? jsKernels;
    this.accBeta1 = Math.fround(this.beta1);
    this.accBeta2 = Math.fround(this.beta2);
  }

  /**
   * One Adam step on the named variables (tf.Optimizer's contract).
   * @param variableGradients - gradient per variable name (as tf.variableGrads returns), or a list.
   */
  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const list: NamedTensor[] = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const oneMinusBeta1Pow = Math.fround(1 - this.accBeta1);
    const oneMinusBeta2Pow = Math.fround(1 - this.accBeta2);
    for (const { name, tensor: gradient } of list) {
      if (gradient == null) continue;
      const variable = tf.engine().registeredVariables[name];
      if (variable === undefined) throw new ArgumentError(`FusedAdam: expected a registered variable named '${name}', got none`);
      const owned = ownedValues(variable); // seqlab backend: update the variable's own array (backend/seqlab_backend.ts)
      const p = owned ?? Float32Array.from(variable.dataSync() as ArrayLike<number>); // else a copy, then assigned
      let state = this.moments.get(name);
      if (state === undefined) {
        state = { m: new Float32Array(p.length), v: new Float32Array(p.length) };
        this.moments.set(name, state);
      }
      const gv = transientValues(gradient); // a float32 tensor made by casting ints may hold an Int32Array (backend/seqlab_backend.ts)
      const g = gv instanceof Float32Array ? gv : Float32Array.from(gv as ArrayLike<number>);
      this.kernels.adam({
        p, g, m: state.m, v: state.v,
        lr: this.learningRate, beta1: this.beta1, beta2: this.beta2, eps: this.epsilon,
        oneMinusBeta1Pow, oneMinusBeta2Pow,
      });
      if (owned === null) {
        const updated = tf.tensor(p, variable.shape, "float32");
        variable.assign(updated);
        updated.dispose();
      }
    }
    this.accBeta1 = Math.fround(this.accBeta1 * Math.fround(this.beta1));
    this.accBeta2 = Math.fround(this.accBeta2 * Math.fround(this.beta2));
    this.incrementIterations();
  }

  /** Frees the moments (they are plain arrays: nothing to dispose in tfjs). */
  override dispose(): void {
    this.moments.clear();
  }

  /** [iterations, every m ("<name>/m"), every v ("<name>/v")], as tf.train.adam orders them. */
  override async getWeights(): Promise<NamedTensor[]> {
    const names = [...this.moments.keys()];
    return [
      await this.saveIterations(),
      ...names.map((n) => ({ name: `${n}/m`, tensor: tf.tensor(this.moments.get(n)!.m) })),
      ...names.map((n) => ({ name: `${n}/v`, tensor: tf.tensor(this.moments.get(n)!.v) })),
    ];
  }

  /** Restores what `getWeights` returned (the step count sets β₁ᵗ, β₂ᵗ). */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const half = rest.length / 2;
    this.moments.clear();
    for (let j = 0; j < half; j++) {
      const name = rest[j].name.replace(/\/m$/, "");
      const m = Float32Array.from(rest[j].tensor.dataSync() as Float32Array);
      const v = Float32Array.from(rest[half + j].tensor.dataSync() as Float32Array);
      this.moments.set(name, { m, v });
    }
    // β^(t+1) as the running float32 product applyGradients keeps, so a restored optimizer
    // continues exactly as an uninterrupted one (tfjs recomputes pow(β, t+1), a few ulps off).
    this.accBeta1 = Math.fround(this.beta1);
    this.accBeta2 = Math.fround(this.beta2);
    for (let t = 0; t < this.iterations; t++) {
      this.accBeta1 = Math.fround(this.accBeta1 * Math.fround(this.beta1));
      this.accBeta2 = Math.fround(this.accBeta2 * Math.fround(this.beta2));
    }
  }

  /** The hyperparameters, for tfjs serialization. */
  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/**
 * Adam at `learningRate`: the engine's `FusedAdam` when an engine is active, else
 * tf.train.adam (the same update; the trainers' one way to choose).
 * @param learningRate - lr > 0.
 */
export function adamOptimizer(learningRate: number): tf.Optimizer {
  return getKernels() === null ? tf.train.adam(learningRate) : new FusedAdam({ learningRate });
}
