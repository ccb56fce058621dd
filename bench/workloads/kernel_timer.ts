/**
 * Wall-clock time per tfjs kernel, for the profilers (profile_lm.ts, profile_tagger.ts).
 * Every kernel registered for the current backend is wrapped with a timer while `run` runs,
 * then restored. Not `tf.profile`: in profiling mode tfjs reads every kernel's outputs (to
 * check them for NaN), which counts as an escape for the seqlab backend's pool
 * (lib/src/backend/buffer_pool.ts), so under `tf.profile` no big array is recycled and the
 * step allocates and collects as it did before the pool. The backends here run kernels
 * synchronously, so a kernel's wall time is its time; a kernel that calls another through
 * the registry (a fused op's epilogue) counts in both.
 */
import * as tf from "@tensorflow/tfjs";

/** The time of one kernel name (or of one matmul shape) over the timed calls of `run`, per call of `run`. */
export interface KernelTotal {
  kernel: string;
  ms: number;
  calls: number;
}

/**
 * Runs `run` `times` times with every kernel of the current backend timed.
 * @returns per kernel name, and per BatchMatMul input shapes ("[400,200]×[200,10000]"), the mean time and calls per run, most expensive first.
 */
export function timeKernels(run: () => void, times: number): { kernels: KernelTotal[]; matmuls: KernelTotal[] } {
  const backendName = tf.getBackend();
  const configs = tf.getKernelsForBackend(backendName);
  const totals = new Map<string, KernelTotal>();
  const add = (key: string, ms: number): void => {
    const t = totals.get(key) ?? { kernel: key, ms: 0, calls: 0 };
    t.ms += ms;
    t.calls += 1;
    totals.set(key, t);
  };
  for (const config of configs) {
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({
      ...config,
      kernelFunc: (args: Parameters<tf.KernelFunc>[0]) => {
        const t0 = performance.now();
        const out = config.kernelFunc(args);
        const ms = performance.now() - t0;
        add(config.kernelName, ms);
        if (config.kernelName === tf.BatchMatMul || config.kernelName === tf._FusedMatMul) {
          add("matmul " + Object.values(args.inputs).filter((t) => t != null).map((t) => `[${t!.shape}]`).join("×"), ms);
        }
        return out;
      },
    });
  }
  try {
    for (let i = 0; i < times; i++) run();
  } finally {
    for (const config of configs) {
      tf.unregisterKernel(config.kernelName, backendName);
      tf.registerKernel(config);
    }
  }
  const perRun = (t: KernelTotal): KernelTotal => ({ kernel: t.kernel.replace(/^matmul /, ""), ms: t.ms / times, calls: t.calls / times });
  const sorted = [...totals.values()].sort((a, b) => b.ms - a.ms);
  return {
    kernels: sorted.filter((t) => !t.kernel.startsWith("matmul ")).map(perRun),
    matmuls: sorted.filter((t) => t.kernel.startsWith("matmul ")).map(perRun),
  };
}
