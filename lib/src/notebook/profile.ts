/**
 * The experiment profile a notebook runs with, read from `SEQLAB_PROFILE`.
 *
 * - `ci`: small and fast; what CI and `npm test` execute.
 * - `full`: the real experiment, whose numbers the notebook text quotes. The default.
 *
 * Notebooks size their experiments with {@link byProfile}:
 * `const epochs = byProfile({ ci: 1, full: 13 });`
 */
import { ArgumentError } from "../errors";

export type Profile = "ci" | "full";
export const PROFILES: readonly Profile[] = ["ci", "full"];

/** The active profile: `SEQLAB_PROFILE` if set (must be `ci` or `full`), else `full`. */
export function profile(env: NodeJS.ProcessEnv = process.env): Profile {
  const value = env.SEQLAB_PROFILE;
  if (value === undefined || value === "") return "full";
  if ((PROFILES as readonly string[]).includes(value)) return value as Profile;
  throw new ArgumentError(`SEQLAB_PROFILE: expected one of ${PROFILES.join(", ")}, got '${value}'`);
}

/** Picks the value for the active profile: `byProfile({ ci: 100, full: 10_000 })`. */
export function byProfile<T>(values: Record<Profile, T>, active: Profile = profile()): T {
  return values[active];
}
