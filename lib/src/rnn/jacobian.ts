/**
 * Why vanilla RNN gradients vanish or explode, and why the LSTM cell path does not.
 *
 * Reference: Bengio, Simard & Frasconi (1994); Pascanu, Mikolov & Bengio (2013), "On the
 * difficulty of training recurrent neural networks"; Hochreiter & Schmidhuber (1997).
 *
 * In BPTT (see `vanilla.ts`) the gradient of L_t reaches step k < t through the product
 *
 *     Π_{i=k+1..t} ∂h_i/∂h_{i-1},   ∂h_i/∂h_{i-1} = diag(f'(z_i)) W,   f'(z) = 1/cosh²(z) ≤ 1,
 *
 * so its norm is at most ‖W‖₂^{t−k}: with spectral radius ρ(W) < 1 (and ‖W‖₂ = ρ, as for the
 * scaled orthogonal matrices built here) it decays geometrically in the distance d = t − k
 * (vanishing gradients); with ρ > 1 it can grow geometrically (exploding gradients) — a
 * linear RNN (f' = 1) does, while tanh saturation (f' ≪ 1) can hold it back.
 *
 * The LSTM cell state C_t = f_t ⊙ C_{t-1} + i_t ⊙ C̃_t has the direct path
 * ∂C_t/∂C_{t-1} = diag(f_t), so Π_{i=k+1..t} diag(f_i) stays near 1 when the forget gates
 * f_i ≈ 1 (and halves each step when f_i = 0.5).
 *
 * All maths in float64; matrices row-major [H, H].
 */
import { ArgumentError } from "../errors.js";
import { diagTimes, gaussian, identity, matMul, matVec, spectralNorm, uniformGenerator } from "./linalg64.js";
import { nextSeed } from "../random.js";

/** The hidden non-linearity f: "tanh" (the lecture's) or "linear" (f(z) = z, f' = 1). */
export type Activation = "tanh" | "linear";

/**
 * A random H × H matrix with spectral radius exactly ρ: ρ·Q with Q a random orthogonal
 * matrix (Gram–Schmidt on a Gaussian matrix). All eigenvalues of Q have modulus 1 and all
 * its singular values are 1, so ρ(W) = ‖W‖₂ = ρ and ‖W^n‖₂ = ρ^n exactly.
 * @param H - the size.
 * @param rho - the spectral radius ρ ≥ 0.
 * @param seed - seed of the Gaussian draws. Default: `nextSeed()`.
 * @returns [H, H] row-major.
 */
export function matrixWithSpectralRadius(H: number, rho: number, seed: number = nextSeed()): Float64Array {
  if (!Number.isInteger(H) || H < 1) throw new ArgumentError(`matrixWithSpectralRadius: expected H a positive integer, got ${H}`);
  if (!(rho >= 0) || !Number.isFinite(rho)) throw new ArgumentError(`matrixWithSpectralRadius: expected rho ≥ 0, got ${rho}`);
  const uniform = uniformGenerator(seed);
  const rows: Float64Array[] = [];
  while (rows.length < H) {
    const v = Float64Array.from({ length: H }, () => gaussian(uniform)); // [H]
    for (const q of rows) {
      const dot = v.reduce((s, x, j) => s + x * q[j], 0);
      for (let j = 0; j < H; j++) v[j] -= dot * q[j];
    }
    const n = Math.hypot(...v);
    if (n < 1e-8) continue; // (almost) dependent: draw again
    rows.push(v.map((x) => x / n));
  }
  const W = new Float64Array(H * H); // [H, H]
  rows.forEach((q, i) => W.set(q.map((x) => rho * x), i * H));
  return W;
}

/**
 * Spectral norms of the Jacobian products of one run, ending at the last step T:
 * norms[d] = ‖Π_{i=T−d+1..T} ∂h_i/∂h_{i-1}‖₂ for d = 0..T (norms[0] = 1, the empty product).
 * @param W - [H, H] the recurrent matrix.
 * @param zs - T × [H] pre-activations z_1..z_T of the run.
 * @param options.activation - f. Default: "tanh".
 * @returns [T + 1] norms by distance d.
 */
export function jacobianProductNorms(
  W: Float64Array,
  zs: ReadonlyArray<ArrayLike<number>>,
  options: { activation?: Activation } = {},
): number[] {
  const activation = options.activation ?? "tanh";
  const T = zs.length;
  if (T === 0) return [1];
  const H = zs[0].length;
  if (W.length !== H * H) throw new ArgumentError(`jacobianProductNorms: expected W of ${H * H} entries [${H}, ${H}], got ${W.length}`);
  const norms = [1];
  let product = identity(H); // [H, H]
  for (let i = T - 1; i >= 0; i--) {
    const fPrime = Array.from(zs[i], (z) => (activation === "tanh" ? 1 / Math.cosh(z) ** 2 : 1)); // [H]
    product = matMul(product, diagTimes(fPrime, W, H), H, H, H); // … · diag(f'(z_i)) W
    norms.push(spectralNorm(product, H, H));
  }
  return norms;
}

/** Options of `gradientNormVsDistance`. */
export interface GradientNormOptions {
  /** H, the hidden size. Default: 16. */
  hidden?: number;
  /** ρ, the spectral radius of W. */
  rho: number;
  /** T, the number of steps (the largest distance). Default: 30. */
  steps?: number;
  /** Seed of W and of the inputs. Default: `nextSeed()`. */
  seed?: number;
  /** Standard deviation of the inputs u_t = V x_t + b, drawn directly as N(0, inputScale²). Default: 1. */
  inputScale?: number;
  /** f. Default: "tanh". */
  activation?: Activation;
}

/**
 * Runs h_t = f(W h_{t-1} + u_t) from h_0 = 0 with W = `matrixWithSpectralRadius(H, ρ)` and
 * random inputs u_t, and measures ‖Π ∂h_i/∂h_{i-1}‖₂ against the distance (see `jacobianProductNorms`).
 * @returns distance [T + 1] (0..T) and norm [T + 1].
 */
export function gradientNormVsDistance(options: GradientNormOptions): { distance: number[]; norm: number[] } {
  const H = options.hidden ?? 16;
  const T = options.steps ?? 30;
  const inputScale = options.inputScale ?? 1;
  const activation = options.activation ?? "tanh";
  if (!Number.isInteger(T) || T < 1) throw new ArgumentError(`gradientNormVsDistance: expected steps a positive integer, got ${T}`);
  const seed = options.seed ?? nextSeed();
  const W = matrixWithSpectralRadius(H, options.rho, seed);
  const uniform = uniformGenerator(seed + 1);
  let h = new Float64Array(H); // [H]
  const zs: Float64Array[] = [];
  for (let t = 0; t < T; t++) {
    const Wh = matVec(W, H, H, h); // [H]
    const z = Wh.map((v) => v + inputScale * gaussian(uniform)); // [H]
    zs.push(z);
    h = activation === "tanh" ? z.map(Math.tanh) : z;
  }
  const norm = jacobianProductNorms(W, zs, { activation });
  return { distance: norm.map((_, d) => d), norm };
}

/**
 * log10 of the Jacobian-product norm over spectral radius × distance, for a heatmap.
 * @param rhos - [R] spectral radii.
 * @param options - as `gradientNormVsDistance` (without `rho`); one seed for all rows. Default seed: `nextSeed()`.
 * @returns rhos [R], distance [T + 1], log10Norm [R][T + 1].
 */
export function gradientNormHeatmap(
  rhos: number[],
  options: Omit<GradientNormOptions, "rho"> = {},
): { rhos: number[]; distance: number[]; log10Norm: number[][] } {
  const seed = options.seed ?? nextSeed();
  const runs = rhos.map((rho) => gradientNormVsDistance({ ...options, rho, seed }));
  return { rhos: rhos.slice(), distance: runs[0]?.distance ?? [], log10Norm: runs.map((r) => r.norm.map(Math.log10)) };
}

/**
 * Norms of the LSTM cell-state path: norms[d] = ‖Π_{i=T−d+1..T} diag(f_i)‖₂ = max_j Π_i |f_i[j]|
 * for d = 0..T (a product of diagonal matrices is diagonal; its 2-norm is the largest entry).
 * @param forgetGates - T × [H] forget-gate activations f_1..f_T, each in [0, 1].
 * @returns [T + 1] norms by distance d.
 */
export function lstmCellPathNorms(forgetGates: ReadonlyArray<ArrayLike<number>>): number[] {
  if (forgetGates.length === 0) return [1];
  const H = forgetGates[0].length;
  let product = new Float64Array(H).fill(1); // [H], the diagonal of the product
  const norms = [1];
  for (let i = forgetGates.length - 1; i >= 0; i--) {
    const f = forgetGates[i];
    if (f.length !== H) throw new ArgumentError(`lstmCellPathNorms: expected forgetGates[${i}] of length ${H}, got ${f.length}`);
    product = product.map((p, j) => p * f[j]);
    norms.push(Math.max(...product.map(Math.abs)));
  }
  return norms;
}

/**
 * Forget gates f_t = σ(b_f + noise) as an LSTM with forget bias b_f would produce them
 * (Jozefowicz et al. 2015 recommend b_f = 1; large b_f gives f ≈ 1).
 * @param forgetBias - b_f.
 * @param options.steps - T. Default: 30. options.hidden - H. Default: 16.
 * @param options.noise - standard deviation of the rest of the pre-activation W_f[h, x]. Default: 0.5.
 * @param options.seed - Default: `nextSeed()`.
 * @returns T × [H] gates in (0, 1).
 */
export function forgetGatesFromBias(
  forgetBias: number,
  options: { steps?: number; hidden?: number; noise?: number; seed?: number } = {},
): Float64Array[] {
  const uniform = uniformGenerator(options.seed ?? nextSeed());
  const noise = options.noise ?? 0.5;
  return Array.from({ length: options.steps ?? 30 }, () =>
    Float64Array.from({ length: options.hidden ?? 16 }, () => 1 / (1 + Math.exp(-(forgetBias + noise * gaussian(uniform))))),
  );
}
