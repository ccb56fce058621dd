/**
 * One seed makes a run repeatable.
 *
 * TensorFlow.js has no global seed: each random op takes its own. seqlab keeps one
 * seeded generator (mulberry32) and hands out the per-op seeds from it, so the same
 * `setSeed(s)` followed by the same calls gives the same numbers on every backend.
 *
 * The default seed is `SEQLAB_SEED` if set, else 42.
 */
import { ArgumentError } from "./errors.js";

const DEFAULT_SEED = 42;
let currentSeed = readSeed(process.env);
let state = currentSeed >>> 0;

function readSeed(env: NodeJS.ProcessEnv): number {
  const value = env.SEQLAB_SEED;
  if (value === undefined || value === "") return DEFAULT_SEED;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new ArgumentError(`SEQLAB_SEED: expected an integer in [0, 2^32), got '${value}'`);
  }
  return n;
}

/** Restarts the generator from `seed` (an integer in [0, 2^32)). */
export function setSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new ArgumentError(`setSeed: expected an integer in [0, 2^32), got ${seed}`);
  }
  currentSeed = seed;
  state = seed >>> 0;
}

/** The seed the generator was last started from. */
export function getSeed(): number {
  return currentSeed;
}

/** One step of mulberry32 (Tommy Ettinger's 32-bit generator): the next state and a uniform in [0, 1). */
function mulberry32Step(s: number): [number, number] {
  const next = (s + 0x6d2b79f5) >>> 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return [next, ((t ^ (t >>> 14)) >>> 0) / 4294967296];
}

/** A uniform number in [0, 1) from the course's seeded generator. */
export function random(): number {
  const [next, u] = mulberry32Step(state);
  state = next;
  return u;
}

/**
 * A private generator of uniforms in [0, 1), started from `seed` (an integer; taken mod 2^32):
 * the same algorithm as {@link random}, but it leaves the course's sequence alone — for data
 * generators and helpers that take their own seed.
 */
export function seededGenerator(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    const [next, u] = mulberry32Step(s);
    s = next;
    return u;
  };
}

/** A fresh seed for one TensorFlow.js random op: `tf.randomNormal(shape, 0, 1, "float32", nextSeed())`. */
export function nextSeed(): number {
  return Math.floor(random() * 0x7fffffff);
}
