/**
 * Schedules of scheduled sampling: εᵢ, the probability of feeding the TRUE previous token at
 * training step i (scheduled_sampling.ts feeds the model's own token with probability 1 − εᵢ).
 * Early in training the model is poor, so εᵢ ≈ 1 (teacher forcing); later it decays so that the
 * model learns from its own predictions. Bengio et al. (2015, §2.4) give three decay laws, the
 * slide's:
 *
 *     linear:            εᵢ = max(ε, k − c·i)          0 ≤ ε < 1, k ≤ 1 the start, c > 0 the slope
 *     exponential:       εᵢ = kⁱ                       k < 1
 *     inverse sigmoid:   εᵢ = k / (k + exp(i / k))     k ≥ 1
 *
 * plus `ConstantSchedule` (εᵢ = ε for all i: ε = 1 is teacher forcing, ε = 0 "always sampling",
 * the paper's failing baseline). Every value is clamped to [0, 1].
 *
 * ## Adding a schedule
 * Implement `Schedule`: a `name` and `epsilon(i)` for integer i ≥ 0, returning a number in [0, 1].
 *
 *     const cosine: Schedule = { name: "cosine", epsilon: (i) => 0.5 * (1 + Math.cos(Math.PI * Math.min(i / 5000, 1))) };
 *
 * `scheduleCurve` tabulates any schedule for a plot.
 *
 * Reference: Bengio, Vinyals, Jaitly & Shazeer 2015, "Scheduled sampling for sequence
 * prediction with recurrent neural networks" (NeurIPS), §2.4 and Figure 2.
 */
import { ArgumentError } from "../errors.js";

/** εᵢ at training step i (see the file comment). */
export interface Schedule {
  /** A short name for tables and plots, e.g. "linear(k=1, c=1e-4, ε=0.1)". */
  readonly name: string;
  /**
   * @param i - the training step, an integer ≥ 0.
   * @returns εᵢ ∈ [0, 1], the probability of feeding the true token.
   */
  epsilon(i: number): number;
}

/** εᵢ = ε. */
export class ConstantSchedule implements Schedule {
  readonly name: string;
  /** @param value - ε ∈ [0, 1] (1: teacher forcing; 0: always sample). */
  constructor(readonly value: number) {
    checkRange("ConstantSchedule", "epsilon", value, 0, 1);
    this.name = value === 1 ? "teacher forcing (ε=1)" : value === 0 ? "always sample (ε=0)" : `constant(ε=${value})`;
  }
  epsilon(i: number): number {
    checkStep(this.name, i);
    return this.value;
  }
}

/** Options of `LinearSchedule`. */
export interface LinearScheduleOptions {
  /** k ∈ (0, 1], the value at i = 0. Default: 1. */
  k?: number;
  /** c > 0, the decrease per step. */
  c: number;
  /** ε ∈ [0, 1), the floor. Default: 0. */
  epsilon?: number;
}

/** εᵢ = max(ε, k − c·i). */
export class LinearSchedule implements Schedule {
  readonly name: string;
  readonly k: number;
  readonly c: number;
  readonly floor: number;
  /** @param options - k (default 1), c, epsilon (default 0). */
  constructor(options: LinearScheduleOptions) {
    this.k = options.k ?? 1;
    this.c = options.c;
    this.floor = options.epsilon ?? 0;
    checkRange("LinearSchedule", "k", this.k, 0, 1, true);
    if (!(this.c > 0 && Number.isFinite(this.c))) throw new ArgumentError(`LinearSchedule: expected c > 0, got ${this.c}`);
    if (!(this.floor >= 0 && this.floor < 1)) throw new ArgumentError(`LinearSchedule: expected epsilon in [0, 1), got ${this.floor}`);
    this.name = `linear(k=${this.k}, c=${this.c}, ε=${this.floor})`;
  }
  epsilon(i: number): number {
    checkStep(this.name, i);
    return Math.min(1, Math.max(this.floor, this.k - this.c * i));
  }
}

/** εᵢ = kⁱ, k ∈ (0, 1). */
export class ExponentialSchedule implements Schedule {
  readonly name: string;
  /** @param k - the decay per step, in (0, 1) (e.g. 0.9999). */
  constructor(readonly k: number) {
    if (!(k > 0 && k < 1)) throw new ArgumentError(`ExponentialSchedule: expected k in (0, 1), got ${k}`);
    this.name = `exponential(k=${k})`;
  }
  epsilon(i: number): number {
    checkStep(this.name, i);
    return this.k ** i;
  }
}

/** εᵢ = k / (k + exp(i / k)), k ≥ 1: ≈ 1 for i ≪ k ln k, 1/2 at i = k ln k, then down to 0. */
export class InverseSigmoidSchedule implements Schedule {
  readonly name: string;
  /** @param k - k ≥ 1; the midpoint εᵢ = 1/2 is at i = k ln k. */
  constructor(readonly k: number) {
    if (!(k >= 1 && Number.isFinite(k))) throw new ArgumentError(`InverseSigmoidSchedule: expected k ≥ 1, got ${k}`);
    this.name = `inverse sigmoid(k=${k})`;
  }
  epsilon(i: number): number {
    checkStep(this.name, i);
    const e = Math.exp(i / this.k);
    return Number.isFinite(e) ? this.k / (this.k + e) : 0;
  }
}

/**
 * A schedule's values at steps 0, every, 2·every, … < steps, for a plot.
 * @param schedule - any schedule.
 * @param steps - the number of training steps ≥ 1.
 * @param every - the spacing ≥ 1. Default: max(1, ⌊steps / 200⌋).
 * @returns steps i and values εᵢ, both [⌈steps / every⌉].
 */
export function scheduleCurve(schedule: Schedule, steps: number, every = Math.max(1, Math.floor(steps / 200))): { steps: number[]; epsilon: number[] } {
  if (!Number.isInteger(steps) || steps < 1) throw new ArgumentError(`scheduleCurve: expected steps an integer ≥ 1, got ${steps}`);
  if (!Number.isInteger(every) || every < 1) throw new ArgumentError(`scheduleCurve: expected every an integer ≥ 1, got ${every}`);
  const is: number[] = [];
  for (let i = 0; i < steps; i += every) is.push(i);
  return { steps: is, epsilon: is.map((i) => schedule.epsilon(i)) };
}

/**
 * The step at which a decreasing schedule first falls to `level` or below (for choosing k, c).
 * @param schedule - a non-increasing schedule.
 * @param level - the level in [0, 1].
 * @param limit - the last step looked at. Default: 10⁷.
 * @returns the first such i, or null when it stays above `level` up to `limit`.
 */
export function stepAtLevel(schedule: Schedule, level: number, limit = 1e7): number | null {
  checkRange("stepAtLevel", "level", level, 0, 1);
  if (schedule.epsilon(0) <= level) return 0;
  if (schedule.epsilon(limit) > level) return null;
  let lo = 0; // ε(lo) > level
  let hi = limit; // ε(hi) ≤ level
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (schedule.epsilon(mid) > level) lo = mid;
    else hi = mid;
  }
  return hi;
}

function checkStep(where: string, i: number): void {
  if (!Number.isInteger(i) || i < 0) throw new ArgumentError(`${where}: expected the step i an integer ≥ 0, got ${i}`);
}

function checkRange(where: string, name: string, x: number, lo: number, hi: number, openLow = false): void {
  if (!(openLow ? x > lo : x >= lo) || !(x <= hi)) throw new ArgumentError(`${where}: expected ${name} in ${openLow ? "(" : "["}${lo}, ${hi}], got ${x}`);
}
