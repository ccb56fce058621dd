/**
 * Times the engine's kernels (lib/src/engine: native, wasm and js) on the PTB-small shapes of
 * issue 4 and prints a Markdown table (medians of `--reps` timed calls after 2 warm-ups):
 *
 *   node --import tsx bench/kernels.ts [--reps 7] [--only native|wasm|js] [--json]
 *
 * Shapes (V = 10,000, E = H = 200, T = B = 20, so B·T = 400 rows):
 * - gemm 400×200 · 200×10000 with each transpose (NN, NT, TN; the operand is stored
 *   transposed, the product is the same), then the output layer's three real GEMMs:
 *   forward logits [400, 200]·[200, 10000], dW = hᵀ·dlogits (TN, M 200 N 10000 K 400),
 *   dh = dlogits·Wᵀ (NT, M 400 N 200 K 10000); GFLOP/s = 2MNK / time;
 * - lstm forward + backward, B 20, T 20, D 200, H 200;
 * - lstm forward + backward at the char biLSTM's size (the tagger's 448 words × 10 chars):
 *   B 448, T 10, D 25, H 25;
 * - softmaxCe forward + backward, N 400, K 10000;
 * - adam, n = 2,000,000; sgd and sumOfSquares over the PTB-small LSTM's 4.65 M parameters
 *   (as one array; trainLm calls them per weight).
 * The native rows depend on the simd copy of the elementwise kernels (SEQLAB_SIMD=base|avx2|avx512;
 * the description names it).
 * The wasm times include copying the arguments into and out of wasm memory (as callers
 * pay it); wasm gemm runs on its threads once its workers are up (SEQLAB_WASM_THREADS=1 for
 * one). Benchmarks are not tests: nothing is checked here (see test/engine-kernels.test.ts).
 */
import { loadNativeKernels } from "../lib/src/engine/native.js";
import { loadWasmKernels, wasmThreadsReady } from "../lib/src/engine/wasm.js";
import type { Kernels } from "../lib/src/engine/kernels.js";
import { jsKernels } from "../lib/src/engine/js.js";

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const reps = Number(opt("--reps") ?? 7);
const only = opt("--only");

function rnd(n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (Math.random() * 2 - 1) * scale;
  return a;
}

/** Median ms of `reps` calls after 2 warm-ups. */
function time(fn: () => void): number {
  fn();
  fn();
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

interface Row {
  kernels: string;
  case: string;
  ms: number;
  gflops?: number;
}

function bench(k: Kernels): Row[] {
  const rows: Row[] = [];
  const gemm = (label: string, tA: boolean, tB: boolean, M: number, N: number, K: number) => {
    const A = rnd(M * K);
    const B = rnd(K * N);
    const C = new Float32Array(M * N);
    const ms = time(() => k.gemm(tA, tB, M, N, K, 1, A, B, 0, C));
    rows.push({ kernels: k.description, case: label, ms, gflops: (2 * M * N * K) / ms / 1e6 });
  };
  gemm("gemm NN 400×200·200×10000", false, false, 400, 10000, 200);
  gemm("gemm NT 400×200·(10000×200)ᵀ", false, true, 400, 10000, 200);
  gemm("gemm TN (200×400)ᵀ·200×10000", true, false, 400, 10000, 200);
  gemm("output dW: TN M200 N10000 K400", true, false, 200, 10000, 400);
  gemm("output dh: NT M400 N200 K10000", false, true, 400, 200, 10000);

  const [B, T, D, H] = [20, 20, 200, 200];
  const s = { B, T, D, H, reverse: false, mask: null };
  const x = rnd(B * T * D);
  const W = rnd((H + D) * 4 * H, 0.07);
  const b = rnd(4 * H);
  const h0 = new Float32Array(B * H);
  const c0 = new Float32Array(B * H);
  const out = new Float32Array(B * T * H);
  const hT = new Float32Array(B * H);
  const cT = new Float32Array(B * H);
  const tape = new Float32Array(k.lstmTapeSize(s));
  const dOut = rnd(B * T * H);
  const dx = new Float32Array(B * T * D);
  const dW = new Float32Array(W.length);
  const db = new Float32Array(b.length);
  const dh0 = new Float32Array(B * H);
  const dc0 = new Float32Array(B * H);
  const fwd = () => k.lstmForward({ ...s, x, h0, c0, W, b, out, hT, cT, tape });
  const bwd = () => k.lstmBackward({ ...s, x, h0, c0, W, tape, dOut, dhT: null, dcT: null, dx, dW, db, dh0, dc0 });
  rows.push({ kernels: k.description, case: "lstm forward B20 T20 D200 H200", ms: time(fwd) });
  fwd();
  rows.push({ kernels: k.description, case: "lstm backward", ms: time(bwd) });
  rows.push({ kernels: k.description, case: "lstm forward + backward", ms: time(() => (fwd(), bwd())) });
  {
    const [B, T, D, H] = [448, 10, 25, 25]; // the char biLSTM of the CoNLL tagger (bench/workloads/tagger.ts)
    const s = { B, T, D, H, reverse: false, mask: null };
    const [x, W, b, dOut] = [rnd(B * T * D), rnd((H + D) * 4 * H, 0.2), rnd(4 * H), rnd(B * T * H)];
    const [h0, c0, out, hT, cT, tape] = [B * H, B * H, B * T * H, B * H, B * H, k.lstmTapeSize(s)].map((n) => new Float32Array(n));
    const [dx, dW, db, dh0, dc0] = [B * T * D, W.length, b.length, B * H, B * H].map((n) => new Float32Array(n));
    const fwd = () => k.lstmForward({ ...s, x, h0, c0, W, b, out, hT, cT, tape });
    const bwd = () => k.lstmBackward({ ...s, x, h0, c0, W, tape, dOut, dhT: null, dcT: null, dx, dW, db, dh0, dc0 });
    rows.push({ kernels: k.description, case: "lstm fwd + bwd B448 T10 D25 H25 (chars)", ms: time(() => (fwd(), bwd())) });
  }

  const [N, K] = [400, 10000];
  const logits = rnd(N * K, 5);
  const targets = new Int32Array(N).map(() => Math.floor(Math.random() * K));
  const probs = new Float32Array(N * K);
  const dlogits = new Float32Array(N * K);
  rows.push({
    kernels: k.description,
    case: "softmaxCe fwd + bwd N400 K10000",
    ms: time(() => {
      k.softmaxCeForward({ N, K, logits, targets, mask: null, probs });
      k.softmaxCeBackward({ N, K, probs, targets, mask: null, scale: 1 / N, dlogits });
    }),
  });

  const n = 2_000_000;
  const p = rnd(n);
  const g = rnd(n);
  const m = new Float32Array(n);
  const v = new Float32Array(n);
  rows.push({
    kernels: k.description,
    case: "adam n = 2,000,000",
    ms: time(() => k.adam({ p, g, m, v, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-7, oneMinusBeta1Pow: 0.1, oneMinusBeta2Pow: 0.001 })),
  });
  const big = 4_650_000; // the PTB-small LSTM's parameters
  const [pp, gg] = [rnd(big), rnd(big)];
  rows.push({ kernels: k.description, case: "sgd n = 4,650,000", ms: time(() => k.sgd({ p: pp, g: gg, step: 1e-9 })) });
  rows.push({ kernels: k.description, case: "sumOfSquares n = 4,650,000", ms: time(() => void k.sumOfSquares(gg)) });
  return rows;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const [name, load] of [["native", loadNativeKernels], ["wasm", loadWasmKernels], ["js", () => jsKernels]] as const) {
    if (only !== undefined && only !== name) continue;
    try {
      const k = load();
      if (name === "wasm") await wasmThreadsReady(); // gemm on its threads (SEQLAB_WASM_THREADS=1: one)
      rows.push(...bench(k));
    } catch (e) {
      console.log(`${name}: skipped (${(e as Error).message})`);
    }
  }
  report(rows);
}

function report(rows: Row[]): void {
  if (argv.includes("--json")) {
    console.log(JSON.stringify(rows));
  } else {
    console.log(`| kernels | case | ms (median of ${reps}) | GFLOP/s |\n|---|---|---|---|`);
    for (const r of rows) console.log(`| ${r.kernels} | ${r.case} | ${r.ms.toFixed(2)} | ${r.gflops === undefined ? "" : r.gflops.toFixed(1)} |`);
  }
}

void main();
