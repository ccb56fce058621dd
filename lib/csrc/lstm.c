/*
 * The LSTM over a padded batch, forward and hand-derived backward (BPTT), the fused
 * kernel behind ops/sequence.ts `lstmSequence` (equations as rnn/lstm.ts and the slide):
 *
 *     a_t = [h_{t−1}, x_t] W + b = h_{t−1} W_h + x_t W_x + b     [B, 4H], columns (f, i, C̃, o)
 *     f_t = σ(a_f)   i_t = σ(a_i)   C̃_t = tanh(a_c)   o_t = σ(a_o)
 *     C'_t = f_t ⊙ C_{t−1} + i_t ⊙ C̃_t       h'_t = o_t ⊙ tanh(C'_t)
 *     C_t = m C'_t + (1 − m) C_{t−1}   h_t = m h'_t + (1 − m) h_{t−1}   y_t = m h'_t
 *
 * Backward, in reverse run order, with dh, dC the gradients of the carried states:
 *
 *     dh' = m (dy_t + dh)        dC' = m dC + dh' ⊙ o ⊙ (1 − tanh²C')
 *     da_o = dh' ⊙ tanh C' ⊙ o(1 − o)     da_f = dC' ⊙ C_{t−1} ⊙ f(1 − f)
 *     da_i = dC' ⊙ C̃ ⊙ i(1 − i)           da_c = dC' ⊙ i ⊙ (1 − C̃²)
 *     dC_{t−1} = (1 − m) dC + dC' ⊙ f     dh_{t−1} = (1 − m) dh + da_t W_hᵀ
 *
 * and after the loop, with da [B·T, 4H] and the previous states h_{t−1} stacked as P:
 * dx = da W_xᵀ, dW_x = xᵀ da, dW_h = Pᵀ da, db = Σ_rows da (three big GEMMs, no loop).
 *
 * Tape [B, T, ·]: gate activations (f, i, C̃, o) 4H, states h and C, tanh C'_t: 7·B·T·H.
 * Reference: Hochreiter & Schmidhuber 1997; Gers et al. 2000 (forget gate).
 */
#include "kernels.h"
#include "mathfun.h"

size_t SL_FN(sl_lstm_tape_size)(int B, int T, int D, int H) {
  (void)D;
  return (size_t)7 * B * T * H;
}

size_t SL_FN(sl_lstm_work_size)(int B, int T, int D, int H) {
  (void)D;
  return (size_t)5 * B * T * H + (size_t)2 * B * H;
}

void SL_FN(sl_lstm_forward)(int B, int T, int D, int H, int reverse, const float *x, const float *mask, const float *h0,
                     const float *c0, const float *W, const float *b, float *out, float *hT, float *cT, float *tape) {
  const int G = 4 * H;
  float *A = tape;                        /* [B, T, 4H] a_t, then the gate activations */
  float *Hs = A + (size_t)B * T * G;      /* [B, T, H] states h_t */
  float *Cs = Hs + (size_t)B * T * H;     /* [B, T, H] states C_t */
  float *Tc = Cs + (size_t)B * T * H;     /* [B, T, H] tanh C'_t */
  /* 1. a = x W_x + b for all steps: [B·T, D] · [D, 4H] */
  sl_gemm_ld(0, 0, B * T, G, D, 1.0f, x, D, W + (size_t)H * G, G, 0.0f, A, G);
  for (size_t r = 0; r < (size_t)B * T; r++)
    for (int j = 0; j < G; j++) A[r * G + j] += b[j];
  /* 2. the recurrence */
  for (int k = 0; k < T; k++) {
    int t = reverse ? T - 1 - k : k;
    int tp = reverse ? t + 1 : t - 1;
    const float *hp = k == 0 ? h0 : Hs + (size_t)tp * H; /* [B, H] rows of stride ld */
    const float *cp = k == 0 ? c0 : Cs + (size_t)tp * H;
    size_t ld = k == 0 ? (size_t)H : (size_t)T * H;
    sl_gemm_ld(0, 0, B, G, H, 1.0f, hp, (int)ld, W, G, 1.0f, A + (size_t)t * G, T * G); /* a_t += h_{t−1} W_h */
    for (int bi = 0; bi < B; bi++) {
      size_t row = (size_t)bi * T + t;
      float *a = A + row * G;
      const float *hpr = hp + bi * ld, *cpr = cp + bi * ld;
      float m = mask ? mask[row] : 1.0f, keep = 1.0f - m;
      sl_sigmoid_array(2 * H, a, a);            /* f, i */
      sl_tanh_array(H, a + 2 * H, a + 2 * H);   /* C̃ */
      sl_sigmoid_array(H, a + 3 * H, a + 3 * H); /* o */
      float *hs = Hs + row * H, *cs = Cs + row * H, *tc = Tc + row * H, *y = out + row * H;
      for (int j = 0; j < H; j++) {
        float c = a[j] * cpr[j] + a[H + j] * a[2 * H + j]; /* C'_t */
        tc[j] = c;
        cs[j] = m * c + keep * cpr[j];
      }
      sl_tanh_array(H, tc, tc);
      for (int j = 0; j < H; j++) {
        float h = a[3 * H + j] * tc[j]; /* h'_t */
        hs[j] = m * h + keep * hpr[j];
        y[j] = m * h;
      }
    }
  }
  int tl = reverse ? 0 : T - 1;
  for (int bi = 0; bi < B; bi++)
    for (int j = 0; j < H; j++) {
      hT[bi * H + j] = Hs[((size_t)bi * T + tl) * H + j];
      cT[bi * H + j] = Cs[((size_t)bi * T + tl) * H + j];
    }
}

void SL_FN(sl_lstm_backward)(int B, int T, int D, int H, int reverse, const float *x, const float *mask, const float *h0,
                      const float *c0, const float *W, const float *tape, const float *dOut, const float *dhT,
                      const float *dcT, float *dx, float *dW, float *db, float *dh0, float *dc0, float *work) {
  const int G = 4 * H;
  const float *A = tape;
  const float *Hs = A + (size_t)B * T * G;
  const float *Cs = Hs + (size_t)B * T * H;
  const float *Tc = Cs + (size_t)B * T * H;
  float *dA = work;                  /* [B, T, 4H] */
  float *P = dA + (size_t)B * T * G; /* [B, T, H] h_{t−1} */
  float *dh = P + (size_t)B * T * H; /* [B, H] */
  float *dc = dh + (size_t)B * H;    /* [B, H] */
  for (int i = 0; i < B * H; i++) {
    dh[i] = dhT ? dhT[i] : 0.0f;
    dc[i] = dcT ? dcT[i] : 0.0f;
  }
  for (int k = T - 1; k >= 0; k--) {
    int t = reverse ? T - 1 - k : k;
    int tp = reverse ? t + 1 : t - 1;
    const float *cp = k == 0 ? c0 : Cs + (size_t)tp * H;
    size_t ld = k == 0 ? (size_t)H : (size_t)T * H;
    for (int bi = 0; bi < B; bi++) {
      size_t row = (size_t)bi * T + t;
      const float *a = A + row * G, *tc = Tc + row * H, *dy = dOut + row * H, *cpr = cp + bi * ld;
      float *da = dA + row * G, *dhr = dh + (size_t)bi * H, *dcr = dc + (size_t)bi * H;
      float m = mask ? mask[row] : 1.0f, keep = 1.0f - m;
      for (int j = 0; j < H; j++) {
        float f = a[j], i = a[H + j], cc = a[2 * H + j], o = a[3 * H + j];
        float dhn = m * (dy[j] + dhr[j]);
        float dcn = m * dcr[j] + dhn * o * (1.0f - tc[j] * tc[j]);
        da[j] = dcn * cpr[j] * f * (1.0f - f);
        da[H + j] = dcn * cc * i * (1.0f - i);
        da[2 * H + j] = dcn * i * (1.0f - cc * cc);
        da[3 * H + j] = dhn * tc[j] * o * (1.0f - o);
        dcr[j] = keep * dcr[j] + dcn * f;
        dhr[j] = keep * dhr[j];
      }
    }
    sl_gemm_ld(0, 1, B, H, G, 1.0f, dA + (size_t)t * G, T * G, W, G, 1.0f, dh, H); /* dh += da_t W_hᵀ */
  }
  for (int i = 0; i < B * H; i++) {
    dh0[i] = dh[i];
    dc0[i] = dc[i];
  }
  const float *Wx = W + (size_t)H * G;
  sl_gemm_ld(0, 1, B * T, D, G, 1.0f, dA, G, Wx, G, 0.0f, dx, D);              /* dx = da W_xᵀ */
  sl_gemm_ld(1, 0, D, G, B * T, 1.0f, x, D, dA, G, 0.0f, dW + (size_t)H * G, G); /* dW_x = xᵀ da */
  SL_FN(sl_prev_states)(B, T, H, reverse, h0, Hs, P);
  sl_gemm_ld(1, 0, H, G, B * T, 1.0f, P, H, dA, G, 0.0f, dW, G); /* dW_h = Pᵀ da */
  SL_FN(sl_col_sums)(B * T, G, dA, db);
}
