/*
 * seqlab kernels: the C API of the engine (mirrors lib/src/engine/kernels.ts, whose doc
 * comments are the contract). Compiled twice: to a Node addon (napi.c, GEMM through CBLAS
 * with -DSEQLAB_CBLAS) and to WebAssembly (scripts/build-wasm.sh, GEMM in gemm.c).
 *
 * Conventions: float32, row-major, dense; the caller allocates every output and the kernel
 * overwrites it. Sequences: x [B, T, D], out [B, T, H], mask [B, T] (1 real, 0 padding,
 * or NULL = all real), states [B, H]. At a padded step the state is carried,
 * s_t = m s'_t + (1 − m) s_{t−1}, and the output is y_t = m h'_t. reverse runs t = T−1..0.
 * A forward fills `tape` (`*_tape_size` floats); the backward reads it (never writes it)
 * and uses `work` (`*_work_size` floats) as scratch. NULL dhT/dcT mean zero.
 */
#ifndef SEQLAB_KERNELS_H
#define SEQLAB_KERNELS_H

#include <stddef.h>

/*
 * The elementwise kernels (lstm.c, gru.c, rnn.c, softmax_ce.c, linear_softmax_ce.c) are
 * compiled once per vector unit in the native addon (simd_base.c, simd_avx2.c, simd_avx512.c); each copy's functions carry
 * the unit's suffix, SL_FN(sl_lstm_forward) = sl_lstm_forward_avx2, and simd_dispatch.c
 * defines the plain names. Compiled alone (WebAssembly) they keep the plain names.
 */
#ifdef SL_VARIANT
#define SL_FN(f) SL_FN_(f, SL_VARIANT)
#define SL_FN_(f, v) SL_FN__(f, v)
#define SL_FN__(f, v) f##_##v
#else
#define SL_FN(f) f
#endif

#ifdef __wasm__
#define SL_EXPORT __attribute__((visibility("default"), used))
#else
#define SL_EXPORT
#endif

/* ---- gemm.c: C = alpha op(A) op(B) + beta C; op(A) [M, K], op(B) [K, N], C [M, N]. ---- */
SL_EXPORT void sl_gemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, const float *B,
                       float beta, float *C);
/* The same with leading dimensions (row strides) of A, B and C as stored. */
SL_EXPORT void sl_gemm_ld(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
                int ldb, float beta, float *C, int ldc);
/* sl_gemm_ld with the caller's packing buffers, `sl_gemm_pack_size()` floats, 16-byte
 * aligned (one per thread when threads split a product; unused with CBLAS). */
SL_EXPORT void sl_gemm_ws(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                          const float *B, int ldb, float beta, float *C, int ldc, float *pack);
SL_EXPORT size_t sl_gemm_pack_size(void);

/* ---- lstm.c: W [H+D, 4H] columns (f, i, C̃, o), b [4H]. ---- */
SL_EXPORT size_t SL_FN(sl_lstm_tape_size)(int B, int T, int D, int H);
SL_EXPORT size_t SL_FN(sl_lstm_work_size)(int B, int T, int D, int H);
SL_EXPORT void SL_FN(sl_lstm_forward)(int B, int T, int D, int H, int reverse, const float *x, const float *mask,
                               const float *h0, const float *c0, const float *W, const float *b, float *out, float *hT,
                               float *cT, float *tape);
SL_EXPORT void SL_FN(sl_lstm_backward)(int B, int T, int D, int H, int reverse, const float *x, const float *mask,
                                const float *h0, const float *c0, const float *W, const float *tape,
                                const float *dOut, const float *dhT, const float *dcT, float *dx, float *dW,
                                float *db, float *dh0, float *dc0, float *work);

/* ---- gru.c: W [H+D, 3H] columns (r, u, h̃), b [3H]. ---- */
SL_EXPORT size_t SL_FN(sl_gru_tape_size)(int B, int T, int D, int H);
SL_EXPORT size_t SL_FN(sl_gru_work_size)(int B, int T, int D, int H);
SL_EXPORT void SL_FN(sl_gru_forward)(int B, int T, int D, int H, int reverse, const float *x, const float *mask,
                              const float *h0, const float *W, const float *b, float *out, float *hT, float *tape);
SL_EXPORT void SL_FN(sl_gru_backward)(int B, int T, int D, int H, int reverse, const float *x, const float *mask,
                               const float *h0, const float *W, const float *tape, const float *dOut,
                               const float *dhT, float *dx, float *dW, float *db, float *dh0, float *work);

/* ---- rnn.c: V [D, H], W [H, H], b [H]; relu != 0 for ReLU, else tanh. ---- */
SL_EXPORT size_t SL_FN(sl_rnn_tape_size)(int B, int T, int D, int H);
SL_EXPORT size_t SL_FN(sl_rnn_work_size)(int B, int T, int D, int H);
SL_EXPORT void SL_FN(sl_rnn_forward)(int B, int T, int D, int H, int reverse, int relu, const float *x, const float *mask,
                              const float *h0, const float *V, const float *W, const float *b, float *out, float *hT,
                              float *tape);
SL_EXPORT void SL_FN(sl_rnn_backward)(int B, int T, int D, int H, int reverse, int relu, const float *x, const float *mask,
                               const float *h0, const float *V, const float *W, const float *tape, const float *dOut,
                               const float *dhT, float *dx, float *dV, float *dW, float *db, float *dh0, float *work);

/* ---- softmax_ce.c: logits [N, K], targets [N], mask [N] or NULL. ---- */
/* Fills probs; writes sums[0] = Σ −m_n log p_n(y_n), sums[1] = Σ m_n. */
SL_EXPORT void SL_FN(sl_softmax_ce_forward)(int N, int K, const float *logits, const int *targets, const float *mask,
                                     float *probs, double *sums);
/* The same for the logits + bias [K] (bias NULL = none): probs = softmax(logits + bias). */
void SL_FN(sl_softmax_ce_forward_bias)(int N, int K, const float *logits, const float *bias, const int *targets,
                                const float *mask, float *probs, double *sums);
/* dlogits = scale m_n (probs − onehot(y_n)); dlogits may equal probs. */
SL_EXPORT void SL_FN(sl_softmax_ce_backward)(int N, int K, const float *probs, const int *targets, const float *mask,
                                      float scale, float *dlogits);

/* ---- linear_softmax_ce.c: h [N, H], W [H, K], b [K]; logits z = h W + b never stored apart. ---- */
/* Fills probs [N, K] = softmax(h W + b); sums as sl_softmax_ce_forward. */
SL_EXPORT void SL_FN(sl_linear_softmax_ce_forward)(int N, int H, int K, const float *h, const float *W, const float *b,
                                            const int *targets, const float *mask, float *probs, double *sums);
/* G = scale m_n (probs − onehot(y_n)) written over probs; dW = hᵀ G, dh = G Wᵀ, db = Σ_n G_n. */
SL_EXPORT void SL_FN(sl_linear_softmax_ce_backward)(int N, int H, int K, const float *h, const float *W, float *probs,
                                             const int *targets, const float *mask, float scale, float *dh,
                                             float *dW, float *db);

/* ---- crf.c: emissions [B, T, K], lengths [B] in [1, T] (right padding), start [K], end [K],
 *      transitions [K, K] (A[i, j]: tag i followed by tag j). ---- */
SL_EXPORT size_t sl_crf_tape_size(int B, int T, int K);
SL_EXPORT size_t sl_crf_work_size(int B, int T, int K);
/* logZ [B] by the forward algorithm; tape = the α of every step [B, T, K] (0 at padded steps). */
SL_EXPORT void sl_crf_forward(int B, int T, int K, const float *emissions, const int *lengths, const float *start,
                              const float *end, const float *transitions, float *logZ, float *tape);
/* The gradient of Σ_b dLogZ[b] log Z_b (forward–backward marginals): dEmissions [B, T, K] (0 at
 * padded steps), dStart [K], dEnd [K], dTransitions [K, K]; `work` has sl_crf_work_size floats. */
SL_EXPORT void sl_crf_backward(int B, int T, int K, const float *emissions, const int *lengths, const float *start,
                               const float *end, const float *transitions, const float *tape, const float *dLogZ,
                               float *dEmissions, float *dStart, float *dEnd, float *dTransitions, float *work);
/* Best paths [B, T] (−1 at padded steps) and their scores [B] (float64); `work` as the backward's, 8-byte aligned. */
SL_EXPORT void sl_crf_viterbi(int B, int T, int K, const float *emissions, const int *lengths, const float *start,
                              const float *end, const float *transitions, int *paths, double *scores, float *work);

/* ---- adam.c: one step of tf.train.adam in place. ---- */
SL_EXPORT void sl_adam(int n, float *p, const float *g, float *m, float *v, float lr, float beta1, float beta2,
                       float eps, float oneMinusBeta1Pow, float oneMinusBeta2Pow);

/* ---- sgd.c: θ ← θ − step · g in place; sum_of_squares.c: Σ g_i² in float64. ---- */
SL_EXPORT void sl_sgd(int n, float *p, const float *g, float step);
SL_EXPORT double sl_sum_of_squares(int n, const float *g);

/* ---- parallel.c: fn(part, lo, hi, ctx) for contiguous parts of [0, n), each of at least `grain` items (fewer
 *      parts if n is small), part 0 on the calling thread; returns how many parts ran (1 on WebAssembly, with
 *      OPENBLAS_NUM_THREADS=1, or when the pool is busy). The parts depend only on n, grain and the pool size. ---- */
#define SL_MAX_PARTS 8
typedef void (*sl_part_fn)(int part, size_t lo, size_t hi, void *ctx);
int sl_parallel_parts(size_t n, size_t grain);
int sl_parallel_for(size_t n, size_t grain, sl_part_fn fn, void *ctx);
/* Items per part below which a pass is not worth splitting (256 KiB of floats). */
#define SL_PARALLEL_GRAIN 65536

/* ---- simd_dispatch.c (native only): "base", "avx2" or "avx512", the elementwise kernels' copy in use. ---- */
const char *sl_simd_name(void);

/* ---- rnn_common (in rnn.c): helpers shared by the three recurrences. ---- */
/* Copies each step's previous state (h0 for the first step in run order) into prev [B, T, H]. */
void SL_FN(sl_prev_states)(int B, int T, int H, int reverse, const float *h0, const float *states, float *prev);
/* db[j] = Σ_r dA[r, j] over R rows of width K. */
void SL_FN(sl_col_sums)(int R, int K, const float *dA, float *db);

#endif
