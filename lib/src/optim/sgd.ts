/**
 * `FusedSgd`: plain stochastic gradient descent, θ ← θ − lr · scale · g, computed by the
 * engine's `sgd` kernel in one pass over each parameter's typed array instead of tfjs's two ops
 * (mul, add), each of which allocates a full-size tensor. On the seqlab backend the arrays are
 * read without copies and the variable's own array is updated in place when nothing else shares
 * it (`ownedValues`). The native kernel is C (lib/csrc/sgd.c), about 20× faster than a
 * JavaScript loop over the 4.6 M parameters of the PTB-small LSTM; wasm and js run the loop.
 *
 * `scale` (default 1) folds gradient clipping into the update: clipping by global norm
 * multiplies every gradient by θ/‖g‖ (optim/clip.ts), and for SGD that equals scaling the
 * step, so `trainLm` clips at no extra pass: `optimizer.scale = min(1, θ / ‖g‖)`.
 * The update is the same as tf.train.sgd(lr) on the clipped gradients, up to float32
 * rounding of lr·scale (test/train-lm tests compare them).
 */
import * as tf from "@tensorflow/tfjs";
import { ArgumentError } from "../errors.js";
import { ownedValues, transientValues } from "../backend/seqlab_backend.js";
import { getKernels } from "../engine/engine.js";
import { jsKernels } from "../engine/js.js";
import type { Kernels } from "../engine/kernels.js";

/** SGD with an optional gradient scale (see the file comment); a drop-in for tf.train.sgd(lr). */
export class FusedSgd extends tf.Optimizer {
  /** The class name tfjs's serialization sees. */
  static get className(): string {
    return "FusedSgd";
  }

  /** lr. */
  learningRate: number;
  /** Multiplies every gradient of the next `applyGradients` (clipping). Default: 1. */
  scale = 1;
  private readonly kernels: Kernels;

  /**
   * @param learningRate - lr > 0.
   * @param kernels - the update's kernels. Default: the engine's (js without one).
   */
  constructor(learningRate: number, kernels?: Kernels) {
    super();
    if (!(learningRate > 0) || !Number.isFinite(learningRate)) throw new ArgumentError(`FusedSgd: expected learningRate a finite number > 0, got ${learningRate}`);
    this.learningRate = learningRate;
    this.kernels = kernels ?? getKernels() ?? jsKernels;
  }

  /**
   * θ ← θ − lr · scale · g for every named variable.
   * @param variableGradients - gradient per variable name (as tf.variableGrads returns), or a list.
   */
  applyGradients(variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    const list = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const step = Math.fround(this.learningRate * this.scale);
    for (const { name, tensor: gradient } of list) {
      if (gradient == null) continue;
      const variable = tf.engine().registeredVariables[name];
      if (variable === undefined) throw new ArgumentError(`FusedSgd: expected a registered variable named '${name}', got none`);
      const owned = ownedValues(variable); // seqlab backend: update the variable's own array (backend/seqlab_backend.ts)
      const p = owned ?? Float32Array.from(variable.dataSync() as ArrayLike<number>); // else a copy, then assigned
      const gv = transientValues(gradient); // a float32 tensor made by casting ints may hold an Int32Array (backend/seqlab_backend.ts)
      if (gv.length !== p.length) throw new ArgumentError(`FusedSgd: expected a gradient of ${p.length} values for '${name}', got ${gv.length}`);
      const g = gv instanceof Float32Array ? gv : Float32Array.from(gv as ArrayLike<number>);
      this.kernels.sgd({ p, g, step });
      if (owned === null) {
        const updated = tf.tensor(p, variable.shape, "float32");
        variable.assign(updated);
        updated.dispose();
      }
    }
    this.incrementIterations();
  }

  /** Nothing to free: SGD keeps no state. */
  override dispose(): void {}

  /** [iterations]. */
  override async getWeights(): Promise<{ name: string; tensor: tf.Tensor }[]> {
    return [await this.saveIterations()];
  }

  /** Restores the step count. */
  override async setWeights(weightValues: { name: string; tensor: tf.Tensor }[]): Promise<void> {
    await this.extractIterations(weightValues);
  }

  /** The configuration tfjs serializes. */
  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate };
  }
}
