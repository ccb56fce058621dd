/*
 * The vanilla (Elman) RNN over a padded batch, forward and hand-derived backward (BPTT),
 * the fused kernel behind ops/sequence.ts `rnnSequence`; plus helpers of all three cells.
 *
 *     h'_t = act(a_t),  a_t = x_t V + h_{t−1} W + b      act = tanh or ReLU
 *     h_t = m h'_t + (1 − m) h_{t−1}      y_t = m h'_t
 *
 * Backward, in reverse run order: dh' = m (dy_t + dh), da_t = dh' ⊙ act'(a_t) with
 * tanh' = 1 − h'², ReLU' = [h' > 0]; dh_{t−1} = (1 − m) dh + da_t Wᵀ; then
 * dx = da Vᵀ, dV = xᵀ da, dW = Pᵀ da (P = stacked h_{t−1}), db = Σ_rows da.
 *
 * Tape [B, T, ·]: h'_t and the states h_t: 2·B·T·H. Reference: Elman 1990.
 */
#include "kernels.h"
#include "mathfun.h"

void SL_FN(sl_prev_states)(int B, int T, int H, int reverse, const float *h0, const float *states, float *prev) {
  for (int bi = 0; bi < B; bi++)
    for (int k = 0; k < T; k++) {
      int t = reverse ? T - 1 - k : k;
      int tp = reverse ? t + 1 : t - 1;
      const float *src = k == 0 ? h0 + (size_t)bi * H : states + ((size_t)bi * T + tp) * H;
      float *dst = prev + ((size_t)bi * T + t) * H;
      for (int j = 0; j < H; j++) dst[j] = src[j];
    }
}

void SL_FN(sl_col_sums)(int R, int K, const float *dA, float *db) {
  for (int j = 0; j < K; j++) db[j] = 0.0f;
  for (int r = 0; r < R; r++)
    for (int j = 0; j < K; j++) db[j] += dA[(size_t)r * K + j];
}

size_t SL_FN(sl_rnn_tape_size)(int B, int T, int D, int H) {
  (void)D;
  return (size_t)2 * B * T * H;
}

size_t SL_FN(sl_rnn_work_size)(int B, int T, int D, int H) {
  (void)D;
  return (size_t)2 * B * T * H + (size_t)B * H;
}

void SL_FN(sl_rnn_forward)(int B, int T, int D, int H, int reverse, int relu, const float *x, const float *mask,
                    const float *h0, const float *V, const float *W, const float *b, float *out, float *hT,
                    float *tape) {
  float *A = tape;                    /* [B, T, H] a_t, then h'_t */
  float *Hs = A + (size_t)B * T * H;  /* [B, T, H] states h_t */
  sl_gemm_ld(0, 0, B * T, H, D, 1.0f, x, D, V, H, 0.0f, A, H); /* x V */
  for (size_t r = 0; r < (size_t)B * T; r++)
    for (int j = 0; j < H; j++) A[r * H + j] += b[j];
  for (int k = 0; k < T; k++) {
    int t = reverse ? T - 1 - k : k;
    int tp = reverse ? t + 1 : t - 1;
    const float *hp = k == 0 ? h0 : Hs + (size_t)tp * H;
    size_t ld = k == 0 ? (size_t)H : (size_t)T * H;
    sl_gemm_ld(0, 0, B, H, H, 1.0f, hp, (int)ld, W, H, 1.0f, A + (size_t)t * H, T * H); /* += h_{t−1} W */
    for (int bi = 0; bi < B; bi++) {
      size_t row = (size_t)bi * T + t;
      float *a = A + row * H, *hs = Hs + row * H, *y = out + row * H;
      const float *hpr = hp + bi * ld;
      float m = mask ? mask[row] : 1.0f, keep = 1.0f - m;
      if (relu)
        for (int j = 0; j < H; j++) a[j] = a[j] > 0.0f ? a[j] : 0.0f;
      else
        sl_tanh_array(H, a, a);
      for (int j = 0; j < H; j++) {
        hs[j] = m * a[j] + keep * hpr[j];
        y[j] = m * a[j];
      }
    }
  }
  int tl = reverse ? 0 : T - 1;
  for (int bi = 0; bi < B; bi++)
    for (int j = 0; j < H; j++) hT[bi * H + j] = Hs[((size_t)bi * T + tl) * H + j];
}

void SL_FN(sl_rnn_backward)(int B, int T, int D, int H, int reverse, int relu, const float *x, const float *mask,
                     const float *h0, const float *V, const float *W, const float *tape, const float *dOut,
                     const float *dhT, float *dx, float *dV, float *dW, float *db, float *dh0, float *work) {
  const float *A = tape;
  const float *Hs = A + (size_t)B * T * H;
  float *dA = work;                  /* [B, T, H] */
  float *P = dA + (size_t)B * T * H; /* [B, T, H] */
  float *dh = P + (size_t)B * T * H; /* [B, H] */
  for (int i = 0; i < B * H; i++) dh[i] = dhT ? dhT[i] : 0.0f;
  for (int k = T - 1; k >= 0; k--) {
    int t = reverse ? T - 1 - k : k;
    for (int bi = 0; bi < B; bi++) {
      size_t row = (size_t)bi * T + t;
      const float *hn = A + row * H, *dy = dOut + row * H;
      float *da = dA + row * H, *dhr = dh + (size_t)bi * H;
      float m = mask ? mask[row] : 1.0f, keep = 1.0f - m;
      for (int j = 0; j < H; j++) {
        float dhn = m * (dy[j] + dhr[j]);
        da[j] = relu ? (hn[j] > 0.0f ? dhn : 0.0f) : dhn * (1.0f - hn[j] * hn[j]);
        dhr[j] = keep * dhr[j];
      }
    }
    sl_gemm_ld(0, 1, B, H, H, 1.0f, dA + (size_t)t * H, T * H, W, H, 1.0f, dh, H); /* dh += da_t Wᵀ */
  }
  for (int i = 0; i < B * H; i++) dh0[i] = dh[i];
  sl_gemm_ld(0, 1, B * T, D, H, 1.0f, dA, H, V, H, 0.0f, dx, D);
  sl_gemm_ld(1, 0, D, H, B * T, 1.0f, x, D, dA, H, 0.0f, dV, H);
  SL_FN(sl_prev_states)(B, T, H, reverse, h0, Hs, P);
  sl_gemm_ld(1, 0, H, H, B * T, 1.0f, P, H, dA, H, 0.0f, dW, H);
  SL_FN(sl_col_sums)(B * T, H, dA, db);
}
