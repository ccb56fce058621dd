/*
 * The fused output layer of a language model: a linear map to K logits and the softmax
 * cross-entropy over them (ops/linear_softmax_cross_entropy.ts), for N rows h_n ∈ R^H:
 *
 *     z = h W + b                          z [N, K], h [N, H], W [H, K], b [K]
 *     p_n = softmax(z_n);  loss sum = Σ_n m_n · (−log p_n(y_n))   (softmax_ce.c)
 *
 * Backward, with G = scale · m_n · (p_n − onehot(y_n)) = dL/dz (scale = dL/dloss ÷ Σ m):
 *
 *     dW = hᵀ G,   dh = G Wᵀ,   db = Σ_n G_n.
 *
 * The logits never exist apart from the probabilities: the forward writes h W into `probs`
 * (GEMM), then adds b while taking each row's max and takes the softmax in place
 * (softmax_ce.c); the backward turns the probabilities into G in place (the tape serves
 * one backward) while summing db in the same pass, then runs the two GEMMs. So the
 * [N, K] data is one buffer throughout. The passes over it run on one thread: splitting
 * them with OpenMP made the step slower on a busy 2-core machine (its threads compete with
 * the BLAS threads of the GEMMs, which dominate).
 */
#include "kernels.h"

void SL_FN(sl_linear_softmax_ce_forward)(int N, int H, int K, const float *h, const float *W, const float *b,
                                  const int *targets, const float *mask, float *probs, double *sums) {
  /* 1. h W into probs (β = 0); 2. + b, softmax and loss in place, row by row */
  sl_gemm(0, 0, N, K, H, 1.0f, h, W, 0.0f, probs);
  SL_FN(sl_softmax_ce_forward_bias)(N, K, probs, b, targets, mask, probs, sums);
}

void SL_FN(sl_linear_softmax_ce_backward)(int N, int H, int K, const float *h, const float *W, float *probs,
                                   const int *targets, const float *mask, float scale, float *dh, float *dW,
                                   float *db) {
  /* 1. G = scale m_n (p_n − onehot(y_n)) in place, db = Σ_n G_n in the same pass */
  for (int k = 0; k < K; k++) db[k] = 0.0f;
  for (int n = 0; n < N; n++) {
    float *g = probs + (size_t)n * K;
    float s = scale * (mask ? mask[n] : 1.0f);
    if (s == 0.0f) { /* a row that does not count: exactly 0 */
      for (int k = 0; k < K; k++) g[k] = 0.0f;
      continue;
    }
    for (int k = 0; k < K; k++) {
      g[k] *= s;
      db[k] += g[k];
    }
    g[targets[n]] -= s;
    db[targets[n]] -= s;
  }
  /* 2. dW = hᵀ G [H, K];  3. dh = G Wᵀ [N, H] */
  sl_gemm(1, 0, H, K, N, 1.0f, h, probs, 0.0f, dW);
  sl_gemm(0, 1, N, H, K, 1.0f, probs, W, 0.0f, dh);
}
