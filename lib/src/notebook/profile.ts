/**
 * The experiment profile a notebook runs with, read from `SEQLAB_PROFILE`.
 *
 * - `ci`: small and fast; what CI and `npm test` execute.
 * - `full`: the real experiment, whose numbers the notebook text quotes. The default.
 *
 * Notebooks size their experiments with {@link byProfile}:
 * `const epochs = byProfile({ ci: 1, full: 13 });`
 */
import { ArgumentError } from "../errors.js";

export type Profile = "ci" | "full";
export const PROFILES: readonly Profile[] = ["ci", "full"];

/** The active profile: `SEQLAB_PROFILE` if set (must be `ci` or `full`), else `full`. */
export function profile(env: NodeJS.ProcessEnv = process.env): Profile {
  const value = env.SEQLAB_PROFILE;
  if (value === undefined || value === "") return "full";
  if ((PROFILES as readonly string[]).includes(value)) return value as Profile;
  throw new ArgumentError(`SEQLAB_PROFILE: expected one of ${PROFILES.join(", ")}, got '${value}'`);
}

/**
 * Picks the value for the active profile: `byProfile({ ci: 100, full: 10_000 })`.
 * Every profile needs a value (not only the active one), so a notebook that runs in CI
 * cannot hide a missing `full` value that the real run would need.
 * @throws ArgumentError naming the missing profile.
 */
export function byProfile<T>(values: Record<Profile, T>, active: Profile = profile()): T {
  if (typeof values !== "object" || values === null || Array.isArray(values)) {
    throw new ArgumentError(`byProfile: expected an object with a value per profile { ${PROFILES.join(", ")} }, got ${values === null ? "null" : Array.isArray(values) ? "an array" : typeof values}`);
  }
  if (!(PROFILES as readonly string[]).includes(active)) throw new ArgumentError(`byProfile: expected the active profile to be one of ${PROFILES.join(", ")}, got '${String(active)}'`);
  const missing = PROFILES.filter((p) => !Object.prototype.hasOwnProperty.call(values, p)); // an explicit undefined is a value (notebook 04: { ci: undefined, full: dir })
  if (missing.length > 0) {
    const given = Object.keys(values);
    throw new ArgumentError(
      `byProfile: expected a value for ${missing.map((p) => `'${p}'`).join(" and ")}${missing.includes(active) ? ` (the active profile is '${active}')` : ""}, got ${given.length === 0 ? "no keys" : `only ${given.join(", ")}`}`,
    );
  }
  const extra = Object.keys(values).filter((k) => !(PROFILES as readonly string[]).includes(k));
  if (extra.length > 0) throw new ArgumentError(`byProfile: expected only the keys ${PROFILES.join(", ")}, got '${extra[0]}'`);
  return values[active];
}
