/**
 * For test/wasm-threads.test.ts, in its own process (the wasm engine makes its workers once):
 *
 *     SEQLAB_WASM_THREADS=3 node --import tsx test/helpers/wasm-threads-run.ts
 *
 * waits for the gemm workers, runs products large enough to be split into one strip per
 * thread (by columns and by rows, every transpose, β = 0 over a NaN-filled C and β ≠ 0),
 * compares each with a float64 reference, and prints one JSON line: the threads, the engine
 * line, and every product that failed (expected none), or the error's class and message.
 */
import { loadWasmKernels, wasmThreadsReady } from "../../lib/src/engine/wasm.js";
import { seededGenerator } from "../../lib/src/random.js";

try {
  const k = loadWasmKernels();
  await wasmThreadsReady();
  const rand = seededGenerator(3);
  const uniform = (n: number) => Float32Array.from({ length: n }, () => rand() * 2 - 1);
  const failures: string[] = [];
  // [M, N, K]: split by columns (N ≥ M), by rows (M > N), and one whose last strip is narrow
  for (const [M, N, K] of [[40, 1000, 70], [1001, 24, 300], [37, 131, 600]]) {
    for (const tA of [false, true])
      for (const tB of [false, true])
        for (const [alpha, beta] of [[1, 0], [-0.5, 0.75]]) {
          const A = uniform(M * K), B = uniform(K * N);
          const C = beta === 0 ? new Float32Array(M * N).fill(NaN) : uniform(M * N);
          const C0 = Float32Array.from(C);
          k.gemm(tA, tB, M, N, K, alpha, A, B, beta, C);
          for (let i = 0; i < M && failures.length < 20; i++)
            for (let j = 0; j < N; j++) {
              let s = 0, bound = 0;
              for (let p = 0; p < K; p++) {
                const t = (tA ? A[p * M + i] : A[i * K + p]) * (tB ? B[j * K + p] : B[p * N + j]);
                s += t;
                bound += Math.abs(t);
              }
              const want = alpha * s + (beta === 0 ? 0 : beta * C0[i * N + j]);
              const tol = 1e-6 * (Math.abs(alpha) * bound + Math.abs(beta * (C0[i * N + j] || 0))) * Math.sqrt(K) + 1e-6;
              if (!(Math.abs(C[i * N + j] - want) <= tol)) {
                failures.push(`${M}x${N}x${K} tA=${tA} tB=${tB} β=${beta}: C[${i}, ${j}] = ${C[i * N + j]}, expected ${want}`);
                break;
              }
            }
        }
  }
  console.log(JSON.stringify({ threads: k.threads, description: k.description, failures }));
} catch (e) {
  console.log(JSON.stringify({ error: `${(e as Error).constructor.name}: ${(e as Error).message}` }));
}
