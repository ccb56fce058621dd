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
 * one backward), sums db over its columns, then runs the two GEMMs. So the [N, K] data is
 * one buffer throughout. The passes over it run on every core between the GEMMs
 * (parallel.c: a pool of OpenBLAS's thread count whose workers sleep while a GEMM runs; an
 * earlier OpenMP split made the step slower, its spinning threads competing with the BLAS
 * threads).
 */
#include "kernels.h"

void SL_FN(sl_linear_softmax_ce_forward)(int N, int H, int K, const float *h, const float *W, const float *b,
                                  const int *targets, const float *mask, float *probs, double *sums) {
  /* 1. h W into probs (β = 0); 2. + b, softmax and loss in place, row by row */
  sl_gemm(0, 0, N, K, H, 1.0f, h, W, 0.0f, probs);
  SL_FN(sl_softmax_ce_forward_bias)(N, K, probs, b, targets, mask, probs, sums);
}

/* db[k] = Σ_n G[n, k] for the columns [lo, hi), rows in order (the same sums whatever the parts). */
struct column_sums_job {
  int N, K;
  const float *G;
  float *db;
};

static void column_sums_part(int part, size_t lo, size_t hi, void *ctx) {
  (void)part;
  struct column_sums_job *j = ctx;
  for (size_t k = lo; k < hi; k++) j->db[k] = 0.0f;
  for (int n = 0; n < j->N; n++) {
    const float *g = j->G + (size_t)n * j->K;
    for (size_t k = lo; k < hi; k++) j->db[k] += g[k];
  }
}

void SL_FN(sl_linear_softmax_ce_backward)(int N, int H, int K, const float *h, const float *W, float *probs,
                                   const int *targets, const float *mask, float scale, float *dh, float *dW,
                                   float *db) {
  /* 1. G = scale m_n (p_n − onehot(y_n)) in place (softmax_ce.c, rows on every core);
   *    2. db = Σ_n G_n (columns on every core) */
  SL_FN(sl_softmax_ce_backward)(N, K, probs, targets, mask, scale, probs);
  struct column_sums_job j = {N, K, probs, db};
  sl_parallel_for((size_t)K, N > 0 ? SL_PARALLEL_GRAIN / N + 1 : 1, column_sums_part, &j);
  /* 3. dW = hᵀ G [H, K];  4. dh = G Wᵀ [N, H] */
  sl_gemm(1, 0, H, K, N, 1.0f, h, probs, 0.0f, dW);
  sl_gemm(0, 1, N, H, K, 1.0f, probs, W, 0.0f, dh);
}
