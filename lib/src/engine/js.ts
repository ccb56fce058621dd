/**
 * The engine's kernels in plain TypeScript: the readable implementation of the `Kernels`
 * contract (engine/kernels.ts), and the fallback when neither the native addon nor the
 * WebAssembly module loads. Same equations as ops/sequence.ts; here written as loops.
 *
 * Sequence forward, for t in processing order (t = 0..T-1, or T-1..0 with reverse), with
 * s_{t-1} the previous *processed* step's state (s_0 from h0/c0) and m = mask[b, t]:
 *   LSTM: a = [h_{t-1}, x_t] W + b;  f, i, o = σ(a_f, a_i, a_o), C̃ = tanh(a_c);
 *         c' = f⊙c_{t-1} + i⊙C̃;  h' = o⊙tanh(c')
 *   GRU:  r, u = σ(x W_x + h_{t-1} W_h + b)_{r,u};  h̃ = tanh(x W_xh + (r⊙h_{t-1}) W_hh + b_h);
 *         h' = h_{t-1} + u⊙(h̃ − h_{t-1})
 *   RNN:  h' = act(x V + h_{t-1} W + b)
 *   then s_t = m·s' + (1 − m)·s_{t-1} and out_t = m·h'.
 *
 * Backward (BPTT), in reverse processing order, with dh, dc the gradients w.r.t. the
 * masked state s_t (from the later step, initially dhT/dcT):
 *   dh' = m·(dOut_t + dh);  dc' = m·dc;  carried to s_{t-1}: (1 − m)·dh, (1 − m)·dc
 *   LSTM: dc' += dh'⊙o⊙(1 − tanh²c');  do = dh'⊙tanh c';  df = dc'⊙c_{t-1};  di = dc'⊙C̃;
 *         dC̃ = dc'⊙i;  dc_{t-1} += dc'⊙f;  da = (df f(1−f), di i(1−i), dC̃ (1−C̃²), do o(1−o))
 *   GRU:  dh_{t-1} += dh'⊙(1 − u);  du = dh'⊙(h̃ − h_{t-1});  da_h = dh'⊙u⊙(1 − h̃²);
 *         d(r⊙h) = da_h W_hhᵀ;  dh_{t-1} += d(r⊙h)⊙r;  da_r = d(r⊙h)⊙h_{t-1}⊙r(1−r); da_u = du u(1−u)
 *   RNN:  da = dh'⊙act'(a)
 *   and dh_{t-1} += da W_hᵀ. The pre-activation gradients da of every step are kept in a
 *   [B, T, G·H] buffer, so the weight gradients and dx are three big products at the end:
 *   dW_x = Xᵀ dA, dx = dA W_xᵀ, dW_h = H_prevᵀ dA (GRU: (r⊙H_prev)ᵀ dA_h), db = Σ dA.
 *
 * The CRF kernels (forward algorithm, forward–backward gradient, Viterbi) are in
 * engine/js_crf.ts.
 *
 * Tape layouts (all [B, T, ·] so rows line up with x's rows b·T + t):
 *   LSTM: gates [B, T, 4H] (f, i, C̃, o after activation) | c' [B, T, H] | h_t [B, T, H] | c_t [B, T, H]
 *   GRU:  gates [B, T, 3H] (r, u, h̃ after activation) | h_t [B, T, H]
 *   RNN:  h' [B, T, H] | h_t [B, T, H]
 * where h_t, c_t are the masked states after the step at position t.
 */
import type {
  AdamArgs,
  GruBackwardArgs,
  GruForwardArgs,
  Kernels,
  LinearSoftmaxCeBackwardArgs,
  LinearSoftmaxCeForwardArgs,
  LstmBackwardArgs,
  LstmForwardArgs,
  RnnBackwardArgs,
  RnnForwardArgs,
  SeqSizes,
  SgdArgs,
  SoftmaxCeBackwardArgs,
  SoftmaxCeForwardArgs,
} from "./kernels.js";
import { ArgumentError } from "../errors.js";
import { crfBackward, crfForward, crfTapeSize, crfViterbi } from "./js_crf.js";

const sigmoid = (a: number): number => 1 / (1 + Math.exp(-a));

/**
 * C = alpha · op(A) · op(B) + beta · C, row-major (see `Kernels.gemm`). Each case loops in
 * the order that reads memory contiguously in its innermost loop (a row of B and of C, or
 * a row of A and of B for the dot products of transB).
 * @param A - [M, K] ([K, M] when transA). @param B - [K, N] ([N, K] when transB). @param C - [M, N].
 */
function gemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  alpha: number, A: Float32Array, B: Float32Array, beta: number, C: Float32Array,
): void {
  if (beta === 0) C.fill(0, 0, M * N);
  else if (beta !== 1) for (let j = 0; j < M * N; j++) C[j] *= beta;
  if (!transB) {
    // C[i, :] += alpha · op(A)[i, k] · B[k, :]
    for (let i = 0; i < M; i++) {
      const c = i * N;
      for (let k = 0; k < K; k++) {
        const a = alpha * (transA ? A[k * M + i] : A[i * K + k]);
        if (a === 0) continue;
        const o = k * N;
        for (let j = 0; j < N; j++) C[c + j] += a * B[o + j];
      }
    }
    return;
  }
  // C[i, j] += alpha · Σ_k op(A)[i, k] · B[j, k]: dot products of rows of B
  const row = new Float32Array(K); // op(A)[i, :]
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) row[k] = transA ? A[k * M + i] : A[i * K + k];
    for (let j = 0; j < N; j++) {
      const o = j * K;
      let sum = 0;
      for (let k = 0; k < K; k++) sum += row[k] * B[o + k];
      C[i * N + j] += alpha * sum;
    }
  }
}

/** Position of the k-th processed step. */
const stepAt = (k: number, T: number, reverse: boolean): number => (reverse ? T - 1 - k : k);

/**
 * out[b, 0..N) += src[b, 0..K) · W[rowOffset + k, colOffset + j], for one step: the
 * recurrent product h_{t-1} W_h for each sequence b (rows strided by `srcStride`).
 */
function addRowTimesW(
  src: Float32Array, srcOffset: number, K: number,
  W: Float32Array, Wcols: number, colOffset: number, N: number,
  out: Float32Array, outOffset: number,
): void {
  for (let k = 0; k < K; k++) {
    const s = src[srcOffset + k];
    if (s === 0) continue;
    const w = k * Wcols + colOffset;
    for (let j = 0; j < N; j++) out[outOffset + j] += s * W[w + j];
  }
}

/** out[0..K) += g[0..N) · W[k, colOffset..colOffset+N)ᵀ: a gradient through h_{t-1} W_h. */
function addRowTimesWT(
  g: Float32Array, gOffset: number, N: number,
  W: Float32Array, Wcols: number, colOffset: number, K: number,
  out: Float32Array, outOffset: number,
): void {
  for (let k = 0; k < K; k++) {
    let sum = 0;
    const w = k * Wcols + colOffset;
    for (let j = 0; j < N; j++) sum += g[gOffset + j] * W[w + j];
    out[outOffset + k] += sum;
  }
}

/** pre[b·T + t, :] = x[b, t, :] · W[H.., :] + bias for all rows: the hoisted input projection. */
function project(x: Float32Array, W: Float32Array, bias: Float32Array, B: number, T: number, D: number, H: number, G: number, pre: Float32Array): void {
  const Wx = W.subarray(H * G); // rows H.. of W: [D, G]
  gemm(false, false, B * T, G, D, 1, x, Wx, 0, pre);
  for (let r = 0; r < B * T; r++) for (let j = 0; j < G; j++) pre[r * G + j] += bias[j];
}

/** The weight/bias/input gradients from dA [B·T, G] (see the file comment). */
function finishBackward(
  dA: Float32Array, x: Float32Array, hPrevRows: Float32Array, W: Float32Array,
  B: number, T: number, D: number, H: number, G: number,
  dW: Float32Array, db: Float32Array, dx: Float32Array,
): void {
  const N = B * T;
  gemm(true, false, H, G, N, 1, hPrevRows, dA, 0, dW.subarray(0, H * G)); // dW_h = H_prevᵀ dA
  gemm(true, false, D, G, N, 1, x, dA, 0, dW.subarray(H * G)); // dW_x = Xᵀ dA
  gemm(false, true, N, D, G, 1, dA, W.subarray(H * G), 0, dx); // dx = dA W_xᵀ
  db.fill(0);
  for (let r = 0; r < N; r++) for (let j = 0; j < G; j++) db[j] += dA[r * G + j];
}

function lstmForward(a: LstmForwardArgs): void {
  const { B, T, D, H, x, mask, W, b, h0, c0, out, hT, cT, tape, reverse } = a;
  const G = 4 * H;
  const BT = B * T;
  const gates = tape.subarray(0, BT * G);
  const cNew = tape.subarray(BT * G, BT * (G + H));
  const hS = tape.subarray(BT * (G + H), BT * (G + 2 * H));
  const cS = tape.subarray(BT * (G + 2 * H), BT * (G + 3 * H));
  project(x, W, b, B, T, D, H, G, gates);
  for (let bi = 0; bi < B; bi++) {
    let hPrev = h0, cPrev = c0, prevOff = bi * H; // the state s_{t-1} of this sequence
    for (let k = 0; k < T; k++) {
      const t = stepAt(k, T, reverse);
      const r = bi * T + t;
      const g = r * G;
      addRowTimesW(hPrev, prevOff, H, W, G, 0, G, gates, g); // a = x W_x + b + h_{t-1} W_h
      const m = mask === null ? 1 : mask[r];
      for (let j = 0; j < H; j++) {
        const f = sigmoid(gates[g + j]);
        const i = sigmoid(gates[g + H + j]);
        const cTilde = Math.tanh(gates[g + 2 * H + j]);
        const o = sigmoid(gates[g + 3 * H + j]);
        gates[g + j] = f; gates[g + H + j] = i; gates[g + 2 * H + j] = cTilde; gates[g + 3 * H + j] = o;
        const c = f * cPrev[prevOff + j] + i * cTilde;
        const h = o * Math.tanh(c);
        cNew[r * H + j] = c;
        out[r * H + j] = m * h;
        hS[r * H + j] = m * h + (1 - m) * hPrev[prevOff + j];
        cS[r * H + j] = m * c + (1 - m) * cPrev[prevOff + j];
      }
      hPrev = hS; cPrev = cS; prevOff = r * H;
    }
    hT.set(hPrev.subarray(prevOff, prevOff + H), bi * H);
    cT.set(cPrev.subarray(prevOff, prevOff + H), bi * H);
  }
}

function lstmBackward(a: LstmBackwardArgs): void {
  const { B, T, D, H, x, mask, W, h0, c0, tape, dOut, dhT, dcT, dx, dW, db, dh0, dc0, reverse } = a;
  const G = 4 * H;
  const BT = B * T;
  const gates = tape.subarray(0, BT * G);
  const cNew = tape.subarray(BT * G, BT * (G + H));
  const hS = tape.subarray(BT * (G + H), BT * (G + 2 * H));
  const cS = tape.subarray(BT * (G + 2 * H), BT * (G + 3 * H));
  const dA = new Float32Array(BT * G);
  const hPrevRows = new Float32Array(BT * H); // h_{t-1} of each row, for dW_h
  const dh = new Float32Array(H);
  const dc = new Float32Array(H);
  const dhNext = new Float32Array(H);
  for (let bi = 0; bi < B; bi++) {
    for (let j = 0; j < H; j++) {
      dh[j] = dhT === null ? 0 : dhT[bi * H + j];
      dc[j] = dcT === null ? 0 : dcT[bi * H + j];
    }
    for (let k = T - 1; k >= 0; k--) {
      const t = stepAt(k, T, reverse);
      const r = bi * T + t;
      const g = r * G;
      const first = k === 0;
      const hPrev = first ? h0 : hS, cPrev = first ? c0 : cS;
      const prevOff = first ? bi * H : (bi * T + stepAt(k - 1, T, reverse)) * H;
      const m = mask === null ? 1 : mask[r];
      for (let j = 0; j < H; j++) {
        const f = gates[g + j], i = gates[g + H + j], cTilde = gates[g + 2 * H + j], o = gates[g + 3 * H + j];
        const tc = Math.tanh(cNew[r * H + j]);
        const dhNew = m * (dOut[r * H + j] + dh[j]);
        const dcNew = m * dc[j] + dhNew * o * (1 - tc * tc);
        const cp = cPrev[prevOff + j];
        dA[g + j] = dcNew * cp * f * (1 - f);
        dA[g + H + j] = dcNew * cTilde * i * (1 - i);
        dA[g + 2 * H + j] = dcNew * i * (1 - cTilde * cTilde);
        dA[g + 3 * H + j] = dhNew * tc * o * (1 - o);
        dc[j] = (1 - m) * dc[j] + dcNew * f;
        dhNext[j] = (1 - m) * dh[j];
        hPrevRows[r * H + j] = hPrev[prevOff + j];
      }
      addRowTimesWT(dA, g, G, W, G, 0, H, dhNext, 0); // dh_{t-1} += da W_hᵀ
      dh.set(dhNext);
    }
    dh0.set(dh, bi * H);
    dc0.set(dc, bi * H);
  }
  finishBackward(dA, x, hPrevRows, W, B, T, D, H, G, dW, db, dx);
}

function gruForward(a: GruForwardArgs): void {
  const { B, T, D, H, x, mask, W, b, h0, out, hT, tape, reverse } = a;
  const G = 3 * H;
  const BT = B * T;
  const gates = tape.subarray(0, BT * G);
  const hS = tape.subarray(BT * G, BT * (G + H));
  const rh = new Float32Array(H); // r ⊙ h_{t-1}
  project(x, W, b, B, T, D, H, G, gates);
  for (let bi = 0; bi < B; bi++) {
    let hPrev = h0, prevOff = bi * H;
    for (let k = 0; k < T; k++) {
      const t = stepAt(k, T, reverse);
      const r = bi * T + t;
      const g = r * G;
      addRowTimesW(hPrev, prevOff, H, W, G, 0, 2 * H, gates, g); // (r, u) pre-activations
      for (let j = 0; j < 2 * H; j++) gates[g + j] = sigmoid(gates[g + j]);
      for (let j = 0; j < H; j++) rh[j] = gates[g + j] * hPrev[prevOff + j];
      addRowTimesW(rh, 0, H, W, G, 2 * H, H, gates, g + 2 * H); // h̃ pre-activation
      const m = mask === null ? 1 : mask[r];
      for (let j = 0; j < H; j++) {
        const hTilde = Math.tanh(gates[g + 2 * H + j]);
        gates[g + 2 * H + j] = hTilde;
        const hp = hPrev[prevOff + j];
        const h = hp + gates[g + H + j] * (hTilde - hp);
        out[r * H + j] = m * h;
        hS[r * H + j] = m * h + (1 - m) * hp;
      }
      hPrev = hS; prevOff = r * H;
    }
    hT.set(hPrev.subarray(prevOff, prevOff + H), bi * H);
  }
}

function gruBackward(a: GruBackwardArgs): void {
  const { B, T, D, H, x, mask, W, h0, tape, dOut, dhT, dx, dW, db, dh0, reverse } = a;
  const G = 3 * H;
  const BT = B * T;
  const gates = tape.subarray(0, BT * G);
  const hS = tape.subarray(BT * G, BT * (G + H));
  const dA = new Float32Array(BT * G);
  const hPrevRows = new Float32Array(BT * H); // h_{t-1}
  const rhRows = new Float32Array(BT * H); // r ⊙ h_{t-1}
  const dh = new Float32Array(H);
  const dhNext = new Float32Array(H);
  const drh = new Float32Array(H);
  for (let bi = 0; bi < B; bi++) {
    for (let j = 0; j < H; j++) dh[j] = dhT === null ? 0 : dhT[bi * H + j];
    for (let k = T - 1; k >= 0; k--) {
      const t = stepAt(k, T, reverse);
      const r = bi * T + t;
      const g = r * G;
      const hPrev = k === 0 ? h0 : hS;
      const prevOff = k === 0 ? bi * H : (bi * T + stepAt(k - 1, T, reverse)) * H;
      const m = mask === null ? 1 : mask[r];
      for (let j = 0; j < H; j++) {
        const u = gates[g + H + j], hTilde = gates[g + 2 * H + j], hp = hPrev[prevOff + j];
        const dhNew = m * (dOut[r * H + j] + dh[j]);
        dA[g + H + j] = dhNew * (hTilde - hp) * u * (1 - u);
        dA[g + 2 * H + j] = dhNew * u * (1 - hTilde * hTilde);
        dhNext[j] = (1 - m) * dh[j] + dhNew * (1 - u);
        hPrevRows[r * H + j] = hp;
        rhRows[r * H + j] = gates[g + j] * hp;
      }
      drh.fill(0);
      addRowTimesWT(dA, g + 2 * H, H, W, G, 2 * H, H, drh, 0); // d(r⊙h) = da_h W_hhᵀ
      for (let j = 0; j < H; j++) {
        const rg = gates[g + j], hp = hPrev[prevOff + j];
        dhNext[j] += drh[j] * rg;
        dA[g + j] = drh[j] * hp * rg * (1 - rg);
      }
      addRowTimesWT(dA, g, 2 * H, W, G, 0, H, dhNext, 0); // dh_{t-1} += (da_r, da_u) W_hᵀ
      dh.set(dhNext);
    }
    dh0.set(dh, bi * H);
  }
  // dW_h for (r, u) uses h_{t-1}; for h̃ it uses r ⊙ h_{t-1}: two products into a temporary.
  const N = BT;
  finishBackward(dA, x, hPrevRows, W, B, T, D, H, G, dW, db, dx);
  const dWhCand = new Float32Array(H * H);
  const dAh = new Float32Array(N * H);
  for (let rr = 0; rr < N; rr++) dAh.set(dA.subarray(rr * G + 2 * H, rr * G + G), rr * H);
  gemm(true, false, H, H, N, 1, rhRows, dAh, 0, dWhCand);
  for (let k = 0; k < H; k++) dW.set(dWhCand.subarray(k * H, k * H + H), k * G + 2 * H);
}

function rnnForward(a: RnnForwardArgs): void {
  const { B, T, D, H, x, mask, V, W, b, h0, out, hT, tape, reverse, relu } = a;
  const BT = B * T;
  const hNew = tape.subarray(0, BT * H);
  const hS = tape.subarray(BT * H, 2 * BT * H);
  gemm(false, false, BT, H, D, 1, x, V, 0, hNew); // x V
  for (let r = 0; r < BT; r++) for (let j = 0; j < H; j++) hNew[r * H + j] += b[j];
  for (let bi = 0; bi < B; bi++) {
    let hPrev = h0, prevOff = bi * H;
    for (let k = 0; k < T; k++) {
      const t = stepAt(k, T, reverse);
      const r = bi * T + t;
      addRowTimesW(hPrev, prevOff, H, W, H, 0, H, hNew, r * H);
      const m = mask === null ? 1 : mask[r];
      for (let j = 0; j < H; j++) {
        const pre = hNew[r * H + j];
        const h = relu ? Math.max(pre, 0) : Math.tanh(pre);
        hNew[r * H + j] = h;
        out[r * H + j] = m * h;
        hS[r * H + j] = m * h + (1 - m) * hPrev[prevOff + j];
      }
      hPrev = hS; prevOff = r * H;
    }
    hT.set(hPrev.subarray(prevOff, prevOff + H), bi * H);
  }
}

function rnnBackward(a: RnnBackwardArgs): void {
  const { B, T, D, H, x, mask, V, W, h0, tape, dOut, dhT, dx, dV, dW, db, dh0, reverse, relu } = a;
  const BT = B * T;
  const hNew = tape.subarray(0, BT * H);
  const hS = tape.subarray(BT * H, 2 * BT * H);
  const dA = new Float32Array(BT * H);
  const hPrevRows = new Float32Array(BT * H);
  const dh = new Float32Array(H);
  const dhNext = new Float32Array(H);
  for (let bi = 0; bi < B; bi++) {
    for (let j = 0; j < H; j++) dh[j] = dhT === null ? 0 : dhT[bi * H + j];
    for (let k = T - 1; k >= 0; k--) {
      const t = stepAt(k, T, reverse);
      const r = bi * T + t;
      const hPrev = k === 0 ? h0 : hS;
      const prevOff = k === 0 ? bi * H : (bi * T + stepAt(k - 1, T, reverse)) * H;
      const m = mask === null ? 1 : mask[r];
      for (let j = 0; j < H; j++) {
        const h = hNew[r * H + j];
        const dhNew = m * (dOut[r * H + j] + dh[j]);
        dA[r * H + j] = dhNew * (relu ? (h > 0 ? 1 : 0) : 1 - h * h);
        dhNext[j] = (1 - m) * dh[j];
        hPrevRows[r * H + j] = hPrev[prevOff + j];
      }
      addRowTimesWT(dA, r * H, H, W, H, 0, H, dhNext, 0); // dh_{t-1} += da Wᵀ
      dh.set(dhNext);
    }
    dh0.set(dh, bi * H);
  }
  gemm(true, false, H, H, BT, 1, hPrevRows, dA, 0, dW); // dW = H_prevᵀ dA
  gemm(true, false, D, H, BT, 1, x, dA, 0, dV); // dV = Xᵀ dA
  gemm(false, true, BT, D, H, 1, dA, V, 0, dx); // dx = dA Vᵀ
  db.fill(0);
  for (let r = 0; r < BT; r++) for (let j = 0; j < H; j++) db[j] += dA[r * H + j];
}

/** Softmax and loss per row; probs may be the logits array (in place). */
function softmaxCeForward(a: SoftmaxCeForwardArgs): [number, number] {
  const { N, K, logits, targets, mask, probs } = a;
  let loss = 0, count = 0;
  for (let n = 0; n < N; n++) {
    const o = n * K;
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, logits[o + k]);
    const m = mask === null ? 1 : mask[n];
    const y = targets[n];
    if (m !== 0 && !(y >= 0 && y < K)) throw new ArgumentError(`softmaxCrossEntropy: expected targets in [0, ${K}), got ${y} at row ${n}`);
    const zy = m === 0 ? 0 : logits[o + y]; // read before probs (which may be logits) is written
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(logits[o + k] - max);
      probs[o + k] = e;
      sum += e;
    }
    for (let k = 0; k < K; k++) probs[o + k] /= sum;
    if (m === 0) continue;
    loss -= m * (zy - max - Math.log(sum)); // −m · log p(y)
    count += m;
  }
  return [loss, count];
}

function softmaxCeBackward(a: SoftmaxCeBackwardArgs): void {
  const { N, K, probs, targets, mask, scale, dlogits } = a;
  for (let n = 0; n < N; n++) {
    const o = n * K;
    const w = scale * (mask === null ? 1 : mask[n]);
    if (w === 0) {
      dlogits.fill(0, o, o + K);
      continue;
    }
    for (let k = 0; k < K; k++) dlogits[o + k] = w * probs[o + k];
    dlogits[o + targets[n]] -= w;
  }
}

/**
 * The fused output layer: z = h W + b written into probs (the GEMM, then b added to each
 * row), then the softmax cross-entropy in place.
 */
function linearSoftmaxCeForward(a: LinearSoftmaxCeForwardArgs): [number, number] {
  const { N, H, K, h, W, b, targets, mask, probs } = a;
  gemm(false, false, N, K, H, 1, h, W, 0, probs); // [N, K] h W
  for (let n = 0; n < N; n++) for (let k = 0, o = n * K; k < K; k++) probs[o + k] += b[k]; // z = h W + b
  return softmaxCeForward({ N, K, logits: probs, targets, mask, probs }); // in place: reads z_y before overwriting
}

/** Its backward: G = dL/dz over probs (db summed in the same pass), dW = hᵀ G, dh = G Wᵀ. */
function linearSoftmaxCeBackward(a: LinearSoftmaxCeBackwardArgs): void {
  const { N, H, K, h, W, probs, targets, mask, scale, dh, dW, db } = a;
  softmaxCeBackward({ N, K, probs, targets, mask, scale, dlogits: probs }); // G [N, K]
  const acc = new Float64Array(K);
  for (let n = 0; n < N; n++) for (let k = 0, o = n * K; k < K; k++) acc[k] += probs[o + k];
  db.set(acc); // db = Σ_n G_n
  gemm(true, false, H, K, N, 1, h, probs, 0, dW); // dW = hᵀ G
  gemm(false, true, N, H, K, 1, probs, W, 0, dh); // dh = G Wᵀ
}

function adam(a: AdamArgs): void {
  const { p, g, m, v, lr, beta1, beta2, eps, oneMinusBeta1Pow, oneMinusBeta2Pow } = a;
  for (let j = 0; j < p.length; j++) {
    m[j] = beta1 * m[j] + (1 - beta1) * g[j];
    v[j] = beta2 * v[j] + (1 - beta2) * g[j] * g[j];
    p[j] -= (lr * (m[j] / oneMinusBeta1Pow)) / (Math.sqrt(v[j] / oneMinusBeta2Pow) + eps);
  }
}

/** p ← p − step · g, with step rounded to float32 as the C kernel has it. */
function sgd(a: SgdArgs): void {
  const { p, g } = a;
  const step = Math.fround(a.step);
  for (let i = 0; i < p.length; i++) p[i] -= step * g[i];
}

/** Σ v_i² in float64, four independent partial sums (the order of lib/csrc/sum_of_squares.c). */
function sumOfSquares(v: Float32Array): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n = v.length - (v.length % 4);
  for (let i = 0; i < n; i += 4) {
    s0 += v[i] * v[i];
    s1 += v[i + 1] * v[i + 1];
    s2 += v[i + 2] * v[i + 2];
    s3 += v[i + 3] * v[i + 3];
  }
  for (let i = n; i < v.length; i++) s0 += v[i] * v[i];
  return s0 + s1 + s2 + s3;
}

/** The plain TypeScript kernels (single-threaded). */
export const jsKernels: Kernels = {
  name: "js",
  threads: 1,
  description: "js (plain TypeScript loops, 1 thread)",
  gemm,
  lstmTapeSize: ({ B, T, H }: SeqSizes) => B * T * 7 * H,
  lstmForward,
  lstmBackward,
  gruTapeSize: ({ B, T, H }: SeqSizes) => B * T * 4 * H,
  gruForward,
  gruBackward,
  rnnTapeSize: ({ B, T, H }: SeqSizes) => B * T * 2 * H,
  rnnForward,
  rnnBackward,
  softmaxCeForward,
  softmaxCeBackward,
  linearSoftmaxCeForward,
  linearSoftmaxCeBackward,
  adam,
  sgd,
  sumOfSquares,
  crfTapeSize, // the CRF kernels: engine/js_crf.ts
  crfForward,
  crfBackward,
  crfViterbi,
};
