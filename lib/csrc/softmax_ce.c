/*
 * Fused softmax cross-entropy over N rows of K logits (ops/softmax_cross_entropy.ts):
 *
 *     p_n = softmax(z_n) = exp(z_n − max z_n) / Σ_k exp(z_nk − max z_n)
 *     loss sum  = Σ_n m_n · (−log p_n(y_n)) = Σ_n m_n (log Σ_k e^{z_nk − max} − (z_{n,y_n} − max))
 *     dL/dz_n = scale · m_n · (p_n − onehot(y_n))
 *
 * The row max and sum run on vectors of SL_LANES floats (2·SL_LANES float partial sums;
 * simd_dispatch.c); log and the totals are float64. probs may be the same array as logits (softmax
 * in place). The rows are split over the cores (parallel.c).
 */
#include "kernels.h"
#include "mathfun.h"

/* log(x) for x > 0 finite, float64: x = f · 2^e, f ∈ [√½, √2), log f = 2 atanh(s), s = (f−1)/(f+1). */
static double sl_logd(double x) {
  union { double d; unsigned long long u; } v;
  v.d = x;
  int e = (int)((v.u >> 52) & 0x7ff) - 1023;
  v.u = (v.u & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL; /* f ∈ [1, 2) */
  double f = v.d;
  if (f > 1.4142135623730951) {
    f *= 0.5;
    e += 1;
  }
  double s = (f - 1.0) / (f + 1.0), s2 = s * s, term = s, sum = 0.0;
  for (int k = 1; k <= 25; k += 2) { /* |s| ≤ 0.172: s^27 < 1e-20 */
    sum += term / k;
    term *= s2;
  }
  return 2.0 * sum + e * 0.69314718055994530942;
}

/* hmax of the lanes. */
static inline float sl_hmax(sl_vf v) {
  float m = v[0];
  for (int l = 1; l < SL_LANES; l++) m = v[l] > m ? v[l] : m;
  return m;
}

/*
 * One row: p = softmax(z + bias) (bias NULL = none; p may be z). Returns −log p_y, or 0
 * when y < 0 (a row that does not count; its target is not read).
 */
static double softmax_row(int K, const float *z, const float *bias, float *p, int y) {
  /* 1. the row's max, SL_LANES lanes at a time (with a bias: z + bias is written to p first) */
  float zmax;
  int k = 0;
  if (bias) {
    sl_vf vmax = sl_splat(z[0] + bias[0]);
    for (; k + SL_LANES <= K; k += SL_LANES) {
      sl_vf v = *(const sl_vfu *)(z + k) + *(const sl_vfu *)(bias + k);
      *(sl_vfu *)(p + k) = v;
      vmax = sl_vmax(vmax, v);
    }
    zmax = sl_hmax(vmax);
    for (; k < K; k++) {
      p[k] = z[k] + bias[k];
      zmax = p[k] > zmax ? p[k] : zmax;
    }
    z = p;
  } else {
    sl_vf vmax = sl_splat(z[0]);
    for (; k + SL_LANES <= K; k += SL_LANES) vmax = sl_vmax(vmax, *(const sl_vfu *)(z + k));
    zmax = sl_hmax(vmax);
    for (; k < K; k++) zmax = z[k] > zmax ? z[k] : zmax;
  }
  /* 2. p = exp(z − max) and its sum (two vectors of float partial sums); z_y is read first,
   *    since p may be z */
  float zy = y >= 0 ? z[y] : 0.0f;
  sl_exp_array(K, z, zmax, p);
  sl_vf acc0 = sl_splat(0.0f), acc1 = sl_splat(0.0f);
  for (k = 0; k + 2 * SL_LANES <= K; k += 2 * SL_LANES) {
    acc0 += *(const sl_vfu *)(p + k);
    acc1 += *(const sl_vfu *)(p + k + SL_LANES);
  }
  double total = 0.0;
  for (int l = 0; l < SL_LANES; l++) total += (double)acc0[l] + (double)acc1[l];
  for (; k < K; k++) total += p[k];
  /* 3. normalise */
  float inv = (float)(1.0 / total);
  for (k = 0; k < K; k++) p[k] *= inv;
  return y >= 0 ? sl_logd(total) - ((double)zy - zmax) : 0.0;
}

/* The forward's arguments, and each part's (loss, count) sums. */
struct softmax_forward_job {
  int K;
  const float *logits, *bias, *mask;
  const int *targets;
  float *probs;
  double sums[SL_MAX_PARTS][2];
};

static void softmax_forward_part(int part, size_t lo, size_t hi, void *ctx) {
  struct softmax_forward_job *j = ctx;
  double loss = 0.0, count = 0.0;
  for (size_t n = lo; n < hi; n++) {
    float m = j->mask ? j->mask[n] : 1.0f;
    double nll = softmax_row(j->K, j->logits + n * j->K, j->bias, j->probs + n * j->K, m != 0.0f ? j->targets[n] : -1);
    if (m != 0.0f) {
      loss += (double)m * nll;
      count += m;
    }
  }
  j->sums[part][0] = loss;
  j->sums[part][1] = count;
}

/* Rows on every core (parallel.c), the parts' sums added in part order. */
void SL_FN(sl_softmax_ce_forward_bias)(int N, int K, const float *logits, const float *bias, const int *targets,
                                const float *mask, float *probs, double *sums) {
  struct softmax_forward_job j = {K, logits, bias, mask, targets, probs, {{0}}};
  int parts = sl_parallel_for((size_t)N, K > 0 ? SL_PARALLEL_GRAIN / K + 1 : 1, softmax_forward_part, &j);
  sums[0] = sums[1] = 0.0;
  for (int i = 0; i < parts; i++) {
    sums[0] += j.sums[i][0];
    sums[1] += j.sums[i][1];
  }
}

void SL_FN(sl_softmax_ce_forward)(int N, int K, const float *logits, const int *targets, const float *mask, float *probs,
                           double *sums) {
  SL_FN(sl_softmax_ce_forward_bias)(N, K, logits, NULL, targets, mask, probs, sums);
}

struct softmax_backward_job {
  int K;
  const float *probs, *mask;
  const int *targets;
  float scale;
  float *dlogits;
};

static void softmax_backward_part(int part, size_t lo, size_t hi, void *ctx) {
  (void)part;
  struct softmax_backward_job *j = ctx;
  const int K = j->K;
  for (size_t n = lo; n < hi; n++) {
    const float *p = j->probs + n * K;
    float *d = j->dlogits + n * K;
    float s = j->scale * (j->mask ? j->mask[n] : 1.0f);
    if (s == 0.0f) {
      for (int k = 0; k < K; k++) d[k] = 0.0f;
      continue;
    }
    for (int k = 0; k < K; k++) d[k] = s * p[k];
    d[j->targets[n]] -= s;
  }
}

/* Rows on every core (parallel.c). */
void SL_FN(sl_softmax_ce_backward)(int N, int K, const float *probs, const int *targets, const float *mask, float scale,
                            float *dlogits) {
  struct softmax_backward_job j = {K, probs, mask, targets, scale, dlogits};
  sl_parallel_for((size_t)N, K > 0 ? SL_PARALLEL_GRAIN / K + 1 : 1, softmax_backward_part, &j);
}
