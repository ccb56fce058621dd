/*
 * Fast float32 exp, sigmoid and tanh on vectors of SL_LANES floats (GCC/clang vector
 * extensions), with no branches and no libm. SL_LANES is 4 (SSE2 on x86-64, SIMD128 on
 * WebAssembly, NEON) unless the file that includes this one is compiled for a wider unit
 * (simd_avx2.c: 8, simd_avx512.c: 16):
 *
 *     exp(x)  = 2^n · e^r,  n = round(x / ln 2),  r = x − n ln 2 ∈ [−ln2/2, ln2/2],
 *               e^r by the degree-7 minimax polynomial of Cephes `expf` (≈1 ulp);
 *               x is clamped to [−87.3, 88.7] so 2^n stays a normal float;
 *     σ(x)    = 1 / (1 + exp(−x));
 *     tanh(x) = x + x z P(z), z = x², for |x| < 0.625 (Cephes `tanhf`, keeps relative
 *               accuracy near 0), else sign(x) (1 − 2 / (exp(2|x|) + 1));
 *     log(x)  = log f + e ln 2, x = f · 2^e with f ∈ [√½, √2), log f = g − g²/2 + g³ P(g),
 *               g = f − 1 (Cephes `logf`, ≈1 ulp) for normal x > 0; log(0) = −∞.
 *
 * Reference: S. L. Moshier, Cephes Mathematical Library (expf.c, tanhf.c, logf.c).
 * round() uses the 1.5·2^23 trick (round to nearest in the default rounding mode), so
 * never compile with -ffast-math (it would fold the trick away).
 * The array helpers below run SL_LANES lanes at a time; a tail of n mod SL_LANES goes
 * through a zero-padded vector.
 */
#ifndef SEQLAB_MATHFUN_H
#define SEQLAB_MATHFUN_H

#include <stdint.h>

#ifndef SL_LANES
#define SL_LANES 4
#endif

typedef float sl_vf __attribute__((vector_size(4 * SL_LANES)));
typedef int32_t sl_vi __attribute__((vector_size(4 * SL_LANES)));
typedef float sl_vfu __attribute__((vector_size(4 * SL_LANES), aligned(4))); /* unaligned load/store */

/* Every lane a. (The first four lanes by an initialiser keeps the 4-lane code, and so the
 * committed .wasm, exactly as before the width became a parameter.) */
static inline sl_vf sl_splat(float a) {
  sl_vf r = {a, a, a, a};
  for (int l = 4; l < SL_LANES; l++) r[l] = a;
  return r;
}

/* m ? a : b lane-wise, m from a vector comparison (all ones or zero). */
static inline sl_vf sl_select(sl_vi m, sl_vf a, sl_vf b) {
  return (sl_vf)((m & (sl_vi)a) | (~m & (sl_vi)b));
}

static inline sl_vf sl_vmax(sl_vf a, sl_vf b) { return sl_select(a > b, a, b); }

static inline sl_vf sl_vexp(sl_vf x) {
  x = sl_select(x < sl_splat(-87.3f), sl_splat(-87.3f), x);
  x = sl_select(x > sl_splat(88.7f), sl_splat(88.7f), x);
  const sl_vf magic = sl_splat(12582912.0f); /* 1.5 · 2^23 */
  sl_vf n = (x * 1.44269504088896341f + magic) - magic; /* round(x / ln 2) */
  sl_vf r = x - n * 0.693359375f;                           /* Cody–Waite: ln 2 = C1 + C2 */
  r = r - n * -2.12194440e-4f;
  sl_vf p = sl_splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  sl_vi e = (__builtin_convertvector(n, sl_vi) + 127) << 23; /* 2^n */
  return p * (sl_vf)e;
}

static inline sl_vf sl_vsigmoid(sl_vf x) { return 1.0f / (1.0f + sl_vexp(-x)); }

static inline sl_vf sl_vtanh(sl_vf x) {
  const sl_vi sign = (sl_vi){0} + INT32_MIN;
  sl_vf a = (sl_vf)((sl_vi)x & ~sign);
  sl_vf z = x * x;
  sl_vf p = sl_splat(-5.70498872745e-3f);
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  sl_vf small = x + x * z * p;
  sl_vf big = 1.0f - 2.0f / (sl_vexp(a + a) + 1.0f);
  big = (sl_vf)((sl_vi)big | ((sl_vi)x & sign));
  return sl_select(a < sl_splat(0.625f), small, big);
}

/* log(x) lane-wise for x > 0 normal (or +0: −∞); see the file comment. */
static inline sl_vf sl_vlog(sl_vf x) {
  sl_vi bits = (sl_vi)x;
  sl_vf e = __builtin_convertvector(((bits >> 23) & 0xff) - 126, sl_vf); /* x = f · 2^e, f ∈ [½, 1) */
  sl_vf f = (sl_vf)((bits & 0x007fffff) | 0x3f000000);
  sl_vi small = f < sl_splat(0.707106781186547524f); /* f < √½: use 2f ∈ [√½, 1) and e − 1 */
  e = sl_select(small, e - 1.0f, e);
  sl_vf g = sl_select(small, f + f, f) - 1.0f;
  sl_vf z = g * g;
  sl_vf p = sl_splat(7.0376836292e-2f);
  p = p * g - 1.1514610310e-1f;
  p = p * g + 1.1676998740e-1f;
  p = p * g - 1.2420140846e-1f;
  p = p * g + 1.4249322787e-1f;
  p = p * g - 1.6668057665e-1f;
  p = p * g + 2.0000714765e-1f;
  p = p * g - 2.4999993993e-1f;
  p = p * g + 3.3333331174e-1f;
  sl_vf y = p * g * z + e * -2.12194440e-4f - 0.5f * z; /* Cody–Waite: ln 2 = 0.693359375 − 2.12194440e-4 */
  y = g + y + e * 0.693359375f;
  return sl_select(x == sl_splat(0.0f), sl_splat(-__builtin_inff()), y);
}

/* Loads n < SL_LANES floats into a zero-padded vector / stores its first n lanes. */
static inline sl_vf sl_load_tail(const float *src, int n) {
  sl_vf v = sl_splat(0.0f);
  for (int k = 0; k < n; k++) v[k] = src[k];
  return v;
}
static inline void sl_store_tail(float *dst, sl_vf v, int n) {
  for (int k = 0; k < n; k++) dst[k] = v[k];
}

#define SL_MAP_ARRAY(n, src, dst, expr)              \
  do {                                               \
    int k_ = 0;                                      \
    for (; k_ + SL_LANES <= (n); k_ += SL_LANES) {   \
      sl_vf v = *(const sl_vfu *)((src) + k_);       \
      *(sl_vfu *)((dst) + k_) = (expr);              \
    }                                                \
    if (k_ < (n)) {                                  \
      sl_vf v = sl_load_tail((src) + k_, (n) - k_);  \
      sl_store_tail((dst) + k_, (expr), (n) - k_);   \
    }                                                \
  } while (0)

/* dst[k] = exp(src[k] − shift), k < n (dst may be src). */
static inline void sl_exp_array(int n, const float *src, float shift, float *dst) {
  SL_MAP_ARRAY(n, src, dst, sl_vexp(v - shift));
}
/* dst[k] = σ(src[k]) (dst may be src). */
static inline void sl_sigmoid_array(int n, const float *src, float *dst) { SL_MAP_ARRAY(n, src, dst, sl_vsigmoid(v)); }
/* dst[k] = tanh(src[k]) (dst may be src). */
static inline void sl_tanh_array(int n, const float *src, float *dst) { SL_MAP_ARRAY(n, src, dst, sl_vtanh(v)); }

#endif
