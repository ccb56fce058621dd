/**
 * Which OpenBLAS kernels the native engine runs, and a safe fix when OpenBLAS guesses wrong.
 *
 * OpenBLAS built with DYNAMIC_ARCH (Debian's) picks its kernel set, its "core", from the CPU's
 * family and model when the library loads. On a CPU newer than its tables it can fall back to
 * an old one: Debian's 0.3.21 reports `Core: Prescott` (SSE3 kernels) on some AVX-512 Xeons,
 * where a 1024² float32 matmul then runs at ~30 instead of ~175 GFLOP/s. OpenBLAS reads
 * `OPENBLAS_CORETYPE` when it loads, so the fix has to be in the environment before the
 * addon (which links OpenBLAS) is loaded.
 *
 * The remedy, applied by `loadNativeKernels` (native.ts) before it loads the addon:
 *   1. never when the user has set `OPENBLAS_CORETYPE` (even to ""): theirs is kept;
 *   2. learn what OpenBLAS detects by itself: a child process loads the addon without the
 *      variable and reports `openblas_get_corename()` (cached per CPU and addon build in
 *      lib/build/blas-core.json, so this costs one Node start per machine);
 *   3. only when that core's kernels predate AVX2 (`PRE_AVX2_CORES`) and the CPU flags in
 *      /proc/cpuinfo prove a better set runs — SkylakeX needs avx512f, avx512cd, avx512bw,
 *      avx512dq and avx512vl; Haswell needs avx2 and fma (Linux lists a flag only when it also
 *      saves that register state) — set `OPENBLAS_CORETYPE` to it in this process.
 * After loading, `blasCoreWarning` checks the core in use: an old core on a CPU with AVX2
 * (say, because the user forced it) gets one warning line naming the fix.
 */

/** OpenBLAS cores whose kernels use no AVX2 (SSE or AVX only): slow on any CPU with AVX2. */
export const PRE_AVX2_CORES: ReadonlySet<string> = new Set(
  ["Katmai", "Coppermine", "Northwood", "Prescott", "Banias", "Atom", "Core2", "Penryn", "Dunnington", "Nehalem",
    "Sandybridge", "Opteron", "Opteron_SSE3", "Barcelona", "Bobcat", "Bulldozer", "Nano"].map((c) => c.toLowerCase()),
);

/** The flags each forced core needs (all of them). */
const CORE_NEEDS: readonly { core: string; flags: readonly string[] }[] = [
  { core: "SkylakeX", flags: ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"] },
  { core: "Haswell", flags: ["avx2", "fma"] },
];

/** True when OpenBLAS's core `name` has no AVX2 kernels (case-insensitive). */
export function isPreAvx2Core(name: string): boolean {
  return PRE_AVX2_CORES.has(name.toLowerCase());
}

/**
 * The CPU flags of /proc/cpuinfo's first processor (empty where there is no such file).
 * @param cpuinfo - the file's text. Default: read from /proc/cpuinfo.
 */
export function cpuFlags(cpuinfo?: string): Set<string> {
  const line = (cpuinfo ?? "").split("\n").find((l) => /^flags\s*:/.test(l));
  return new Set(line === undefined ? [] : line.slice(line.indexOf(":") + 1).trim().split(/\s+/));
}

/** The best core of `CORE_NEEDS` whose flags the CPU has, or undefined (no AVX2). */
export function bestCoreFor(flags: ReadonlySet<string>): string | undefined {
  return CORE_NEEDS.find((c) => c.flags.every((f) => flags.has(f)))?.core;
}

/** What to do before loading the addon. */
export interface BlasCorePlan {
  /** Set `OPENBLAS_CORETYPE` to this before loading; undefined = leave the environment alone. */
  coretype?: string;
  /** For the engine line after the core's name: "set by seqlab over Prescott", "from OPENBLAS_CORETYPE". */
  note?: string;
}

/**
 * The remedy's decision (see the file comment).
 * @param userValue - `OPENBLAS_CORETYPE` as the user set it (undefined = unset).
 * @param detected - the core OpenBLAS picks by itself (undefined = unknown).
 * @param flags - the CPU's flags.
 */
export function planBlasCore(userValue: string | undefined, detected: string | undefined, flags: ReadonlySet<string>): BlasCorePlan {
  if (userValue !== undefined) return { note: "from OPENBLAS_CORETYPE" };
  if (detected === undefined || !isPreAvx2Core(detected)) return {};
  const best = bestCoreFor(flags);
  if (best === undefined) return {};
  return { coretype: best, note: `set by seqlab over ${detected}` };
}

/**
 * One warning line when OpenBLAS runs a core without AVX2 kernels on a CPU that has AVX2, else undefined.
 * @param core - the core in use (`openblas_get_corename()`).
 * @param flags - the CPU's flags.
 */
export function blasCoreWarning(core: string, flags: ReadonlySet<string>): string | undefined {
  if (core === "" || !isPreAvx2Core(core)) return undefined;
  const best = bestCoreFor(flags);
  if (best === undefined) return undefined;
  const has = best === "SkylakeX" ? "AVX-512" : "AVX2";
  return (
    `seqlab: warning: OpenBLAS runs its generic ${core} kernels on a CPU with ${has}, so matmuls are several times slower than they can be; ` +
    `set OPENBLAS_CORETYPE=${best} before starting Node (or unset OPENBLAS_CORETYPE and let seqlab choose)`
  );
}
