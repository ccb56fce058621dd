/*
 * The GRU over a padded batch, forward and hand-derived backward (BPTT), the fused kernel
 * behind ops/sequence.ts `gruSequence` (convention of rnn/gru.ts: reset before the matmul,
 * u = 1 takes the candidate):
 *
 *     [a_r, a_u] = h_{t−1} W_h[:, r,u] + x_t W_x[:, r,u] + b_{r,u}    r = σ(a_r), u = σ(a_u)
 *     a_h = (r ⊙ h_{t−1}) W_h[:, h̃] + x_t W_x[:, h̃] + b_h̃           h̃ = tanh(a_h)
 *     h'_t = h_{t−1} + u ⊙ (h̃ − h_{t−1})     h_t = m h'_t + (1 − m) h_{t−1}     y_t = m h'_t
 *
 * Backward, in reverse run order, dh the gradient of the carried state:
 *
 *     dh' = m (dy_t + dh)     da_h = dh' ⊙ u ⊙ (1 − h̃²)     da_u = dh' ⊙ (h̃ − h_{t−1}) ⊙ u(1 − u)
 *     d(rh) = da_h W_h[:, h̃]ᵀ    da_r = d(rh) ⊙ h_{t−1} ⊙ r(1 − r)
 *     dh_{t−1} = (1 − m) dh + dh' ⊙ (1 − u) + d(rh) ⊙ r + [da_r, da_u] W_h[:, r,u]ᵀ
 *
 * then dx = da W_xᵀ, dW_x = xᵀ da, dW_h[:, r,u] = Pᵀ da_{r,u} (P = stacked h_{t−1}),
 * dW_h[:, h̃] = (r ⊙ h_{t−1})ᵀ da_h, db = Σ_rows da.
 *
 * Tape [B, T, ·]: activations (r, u, h̃) 3H, r ⊙ h_{t−1} H, states h H: 5·B·T·H.
 * Reference: Cho et al. 2014; Chung et al. 2014.
 */
#include "kernels.h"
#include "mathfun.h"

size_t SL_FN(sl_gru_tape_size)(int B, int T, int D, int H) {
  (void)D;
  return (size_t)5 * B * T * H;
}

size_t SL_FN(sl_gru_work_size)(int B, int T, int D, int H) {
  (void)D;
  return (size_t)4 * B * T * H + (size_t)2 * B * H;
}

void SL_FN(sl_gru_forward)(int B, int T, int D, int H, int reverse, const float *x, const float *mask, const float *h0,
                    const float *W, const float *b, float *out, float *hT, float *tape) {
  const int G = 3 * H;
  float *A = tape;                     /* [B, T, 3H] a_t, then (r, u, h̃) */
  float *RH = A + (size_t)B * T * G;   /* [B, T, H] r ⊙ h_{t−1} */
  float *Hs = RH + (size_t)B * T * H;  /* [B, T, H] states h_t */
  sl_gemm_ld(0, 0, B * T, G, D, 1.0f, x, D, W + (size_t)H * G, G, 0.0f, A, G); /* x W_x */
  for (size_t r = 0; r < (size_t)B * T; r++)
    for (int j = 0; j < G; j++) A[r * G + j] += b[j];
  for (int k = 0; k < T; k++) {
    int t = reverse ? T - 1 - k : k;
    int tp = reverse ? t + 1 : t - 1;
    const float *hp = k == 0 ? h0 : Hs + (size_t)tp * H;
    size_t ld = k == 0 ? (size_t)H : (size_t)T * H;
    sl_gemm_ld(0, 0, B, 2 * H, H, 1.0f, hp, (int)ld, W, G, 1.0f, A + (size_t)t * G, T * G); /* += h W_h[:, r,u] */
    for (int bi = 0; bi < B; bi++) {
      size_t row = (size_t)bi * T + t;
      float *a = A + row * G, *rh = RH + row * H;
      const float *hpr = hp + bi * ld;
      sl_sigmoid_array(2 * H, a, a); /* r, u */
      for (int j = 0; j < H; j++) rh[j] = a[j] * hpr[j];
    }
    sl_gemm_ld(0, 0, B, H, H, 1.0f, RH + (size_t)t * H, T * H, W + 2 * H, G, 1.0f, A + (size_t)t * G + 2 * H,
               T * G); /* += (r ⊙ h) W_h[:, h̃] */
    for (int bi = 0; bi < B; bi++) {
      size_t row = (size_t)bi * T + t;
      float *a = A + row * G, *hs = Hs + row * H, *y = out + row * H;
      const float *hpr = hp + bi * ld;
      float m = mask ? mask[row] : 1.0f, keep = 1.0f - m;
      sl_tanh_array(H, a + 2 * H, a + 2 * H); /* h̃ */
      for (int j = 0; j < H; j++) {
        float h = hpr[j] + a[H + j] * (a[2 * H + j] - hpr[j]); /* h'_t */
        hs[j] = m * h + keep * hpr[j];
        y[j] = m * h;
      }
    }
  }
  int tl = reverse ? 0 : T - 1;
  for (int bi = 0; bi < B; bi++)
    for (int j = 0; j < H; j++) hT[bi * H + j] = Hs[((size_t)bi * T + tl) * H + j];
}

void SL_FN(sl_gru_backward)(int B, int T, int D, int H, int reverse, const float *x, const float *mask, const float *h0,
                     const float *W, const float *tape, const float *dOut, const float *dhT, float *dx, float *dW,
                     float *db, float *dh0, float *work) {
  const int G = 3 * H;
  const float *A = tape;
  const float *RH = A + (size_t)B * T * G;
  const float *Hs = RH + (size_t)B * T * H;
  float *dA = work;                   /* [B, T, 3H] */
  float *P = dA + (size_t)B * T * G;  /* [B, T, H] h_{t−1} */
  float *dh = P + (size_t)B * T * H;  /* [B, H] */
  float *drh = dh + (size_t)B * H;    /* [B, H] d(r ⊙ h_{t−1}) */
  for (int i = 0; i < B * H; i++) dh[i] = dhT ? dhT[i] : 0.0f;
  for (int k = T - 1; k >= 0; k--) {
    int t = reverse ? T - 1 - k : k;
    int tp = reverse ? t + 1 : t - 1;
    const float *hp = k == 0 ? h0 : Hs + (size_t)tp * H;
    size_t ld = k == 0 ? (size_t)H : (size_t)T * H;
    for (int bi = 0; bi < B; bi++) {
      size_t row = (size_t)bi * T + t;
      const float *a = A + row * G, *dy = dOut + row * H, *hpr = hp + bi * ld;
      float *da = dA + row * G, *dhr = dh + (size_t)bi * H;
      float m = mask ? mask[row] : 1.0f, keep = 1.0f - m;
      for (int j = 0; j < H; j++) {
        float u = a[H + j], hc = a[2 * H + j];
        float dhn = m * (dy[j] + dhr[j]);
        da[2 * H + j] = dhn * u * (1.0f - hc * hc);
        da[H + j] = dhn * (hc - hpr[j]) * u * (1.0f - u);
        dhr[j] = keep * dhr[j] + dhn * (1.0f - u);
      }
    }
    sl_gemm_ld(0, 1, B, H, H, 1.0f, dA + (size_t)t * G + 2 * H, T * G, W + 2 * H, G, 0.0f, drh, H); /* d(rh) */
    for (int bi = 0; bi < B; bi++) {
      size_t row = (size_t)bi * T + t;
      const float *a = A + row * G, *hpr = hp + bi * ld, *d = drh + (size_t)bi * H;
      float *da = dA + row * G, *dhr = dh + (size_t)bi * H;
      for (int j = 0; j < H; j++) {
        float r = a[j];
        da[j] = d[j] * hpr[j] * r * (1.0f - r);
        dhr[j] += d[j] * r;
      }
    }
    sl_gemm_ld(0, 1, B, H, 2 * H, 1.0f, dA + (size_t)t * G, T * G, W, G, 1.0f, dh, H); /* += da_{r,u} W_hᵀ */
  }
  for (int i = 0; i < B * H; i++) dh0[i] = dh[i];
  const float *Wx = W + (size_t)H * G;
  sl_gemm_ld(0, 1, B * T, D, G, 1.0f, dA, G, Wx, G, 0.0f, dx, D);
  sl_gemm_ld(1, 0, D, G, B * T, 1.0f, x, D, dA, G, 0.0f, dW + (size_t)H * G, G);
  SL_FN(sl_prev_states)(B, T, H, reverse, h0, Hs, P);
  sl_gemm_ld(1, 0, H, 2 * H, B * T, 1.0f, P, H, dA, G, 0.0f, dW, G);
  sl_gemm_ld(1, 0, H, H, B * T, 1.0f, RH, H, dA + 2 * H, G, 0.0f, dW + 2 * H, G);
  SL_FN(sl_col_sums)(B * T, G, dA, db);
}
