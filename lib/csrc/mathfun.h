/*
 * Fast float32 exp, sigmoid and tanh on 4-lane vectors (GCC/clang vector extensions:
 * SSE2 on x86-64, SIMD128 on WebAssembly), with no branches and no libm:
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
 * The array helpers below run 4 lanes at a time; a tail of n mod 4 goes through a
 * zero-padded vector.
 */
#ifndef SEQLAB_MATHFUN_H
#define SEQLAB_MATHFUN_H

#include <stdint.h>

typedef float sl_v4f __attribute__((vector_size(16)));
typedef int32_t sl_v4i __attribute__((vector_size(16)));
typedef float sl_v4fu __attribute__((vector_size(16), aligned(4))); /* unaligned load/store */

static inline sl_v4f sl_splat4(float a) {
  sl_v4f r = {a, a, a, a};
  return r;
}

/* m ? a : b lane-wise, m from a vector comparison (all ones or zero). */
static inline sl_v4f sl_select4(sl_v4i m, sl_v4f a, sl_v4f b) {
  return (sl_v4f)((m & (sl_v4i)a) | (~m & (sl_v4i)b));
}

static inline sl_v4f sl_max4(sl_v4f a, sl_v4f b) { return sl_select4(a > b, a, b); }

static inline sl_v4f sl_exp4(sl_v4f x) {
  x = sl_select4(x < sl_splat4(-87.3f), sl_splat4(-87.3f), x);
  x = sl_select4(x > sl_splat4(88.7f), sl_splat4(88.7f), x);
  const sl_v4f magic = sl_splat4(12582912.0f); /* 1.5 · 2^23 */
  sl_v4f n = (x * 1.44269504088896341f + magic) - magic; /* round(x / ln 2) */
  sl_v4f r = x - n * 0.693359375f;                           /* Cody–Waite: ln 2 = C1 + C2 */
  r = r - n * -2.12194440e-4f;
  sl_v4f p = sl_splat4(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  sl_v4i e = (__builtin_convertvector(n, sl_v4i) + 127) << 23; /* 2^n */
  return p * (sl_v4f)e;
}

static inline sl_v4f sl_sigmoid4(sl_v4f x) { return 1.0f / (1.0f + sl_exp4(-x)); }

static inline sl_v4f sl_tanh4(sl_v4f x) {
  const sl_v4i sign = {INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN};
  sl_v4f a = (sl_v4f)((sl_v4i)x & ~sign);
  sl_v4f z = x * x;
  sl_v4f p = sl_splat4(-5.70498872745e-3f);
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  sl_v4f small = x + x * z * p;
  sl_v4f big = 1.0f - 2.0f / (sl_exp4(a + a) + 1.0f);
  big = (sl_v4f)((sl_v4i)big | ((sl_v4i)x & sign));
  return sl_select4(a < sl_splat4(0.625f), small, big);
}

/* log(x) lane-wise for x > 0 normal (or +0: −∞); see the file comment. */
static inline sl_v4f sl_log4(sl_v4f x) {
  sl_v4i bits = (sl_v4i)x;
  sl_v4f e = __builtin_convertvector(((bits >> 23) & 0xff) - 126, sl_v4f); /* x = f · 2^e, f ∈ [½, 1) */
  sl_v4f f = (sl_v4f)((bits & 0x007fffff) | 0x3f000000);
  sl_v4i small = f < sl_splat4(0.707106781186547524f); /* f < √½: use 2f ∈ [√½, 1) and e − 1 */
  e = sl_select4(small, e - 1.0f, e);
  sl_v4f g = sl_select4(small, f + f, f) - 1.0f;
  sl_v4f z = g * g;
  sl_v4f p = sl_splat4(7.0376836292e-2f);
  p = p * g - 1.1514610310e-1f;
  p = p * g + 1.1676998740e-1f;
  p = p * g - 1.2420140846e-1f;
  p = p * g + 1.4249322787e-1f;
  p = p * g - 1.6668057665e-1f;
  p = p * g + 2.0000714765e-1f;
  p = p * g - 2.4999993993e-1f;
  p = p * g + 3.3333331174e-1f;
  sl_v4f y = p * g * z + e * -2.12194440e-4f - 0.5f * z; /* Cody–Waite: ln 2 = 0.693359375 − 2.12194440e-4 */
  y = g + y + e * 0.693359375f;
  return sl_select4(x == sl_splat4(0.0f), sl_splat4(-__builtin_inff()), y);
}

/* Loads n < 4 floats into a zero-padded vector / stores its first n lanes. */
static inline sl_v4f sl_load_tail(const float *src, int n) {
  sl_v4f v = sl_splat4(0.0f);
  for (int k = 0; k < n; k++) v[k] = src[k];
  return v;
}
static inline void sl_store_tail(float *dst, sl_v4f v, int n) {
  for (int k = 0; k < n; k++) dst[k] = v[k];
}

#define SL_MAP_ARRAY(n, src, dst, expr)                               \
  do {                                                                \
    int k_ = 0;                                                       \
    for (; k_ + 4 <= (n); k_ += 4) {                                  \
      sl_v4f v = *(const sl_v4fu *)((src) + k_);                      \
      *(sl_v4fu *)((dst) + k_) = (expr);                              \
    }                                                                 \
    if (k_ < (n)) {                                                   \
      sl_v4f v = sl_load_tail((src) + k_, (n) - k_);                  \
      sl_store_tail((dst) + k_, (expr), (n) - k_);                    \
    }                                                                 \
  } while (0)

/* dst[k] = exp(src[k] − shift), k < n (dst may be src). */
static inline void sl_exp_array(int n, const float *src, float shift, float *dst) {
  SL_MAP_ARRAY(n, src, dst, sl_exp4(v - shift));
}
/* dst[k] = σ(src[k]) (dst may be src). */
static inline void sl_sigmoid_array(int n, const float *src, float *dst) { SL_MAP_ARRAY(n, src, dst, sl_sigmoid4(v)); }
/* dst[k] = tanh(src[k]) (dst may be src). */
static inline void sl_tanh_array(int n, const float *src, float *dst) { SL_MAP_ARRAY(n, src, dst, sl_tanh4(v)); }

#endif
