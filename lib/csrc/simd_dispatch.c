/*
 * Which copy of the elementwise kernels the addon runs (simd_base.c, simd_avx2.c,
 * simd_avx512.c): the widest vector unit that both the CPU and the OS support, chosen once
 * when the addon loads, unless SEQLAB_SIMD=base|avx2|avx512 asks for one (tests run every
 * copy this way; a unit the CPU lacks falls back to the widest it has). The copies compute
 * the same float32 operations lane by lane; only the order of the softmax's partial sums
 * differs with the width. Each plain name (kernels.h) forwards to the chosen copy.
 */
#include <stdlib.h>
#include <string.h>
#include "kernels.h"

/* 0 base, 1 AVX2, 2 AVX-512 (the widest this CPU and OS support). */
static int widest(void) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return 2; /* libgcc / compiler-rt also check the OS saves the registers */
  if (__builtin_cpu_supports("avx2")) return 1;
#endif
  return 0;
}

static int level = -1;

static int simd_level(void) {
  if (level < 0) {
    int best = widest(), want = best;
    const char *env = getenv("SEQLAB_SIMD");
    if (env != NULL && strcmp(env, "base") == 0) want = 0;
    else if (env != NULL && strcmp(env, "avx2") == 0) want = 1;
    else if (env != NULL && strcmp(env, "avx512") == 0) want = 2;
    level = want < best ? want : best;
  }
  return level;
}

const char *sl_simd_name(void) {
  static const char *const names[] = {"base", "avx2", "avx512"};
  return names[simd_level()];
}

#if defined(__x86_64__)
#define SL_PICK(name, args) \
  switch (simd_level()) { \
    case 2: return name##_avx512 args; \
    case 1: return name##_avx2 args; \
    default: return name##_base args; \
  }
#define SL_DECLARE(ret, name, params) ret name##_base params; ret name##_avx2 params; ret name##_avx512 params;
#else
#define SL_PICK(name, args) return name##_base args;
#define SL_DECLARE(ret, name, params) ret name##_base params;
#endif
/* A function returning a value, and one returning nothing (C forbids `return f()` there). */
#define SL_VALUE(ret, name, params, args) SL_DECLARE(ret, name, params) ret name params { SL_PICK(name, args) }
#define SL_VOID(name, params, args) \
  SL_DECLARE(void, name, params) void name params { \
    switch (simd_level()) { SL_VOID_CASES(name, args) } \
  }
#if defined(__x86_64__)
#define SL_VOID_CASES(name, args) \
  case 2: name##_avx512 args; break; \
  case 1: name##_avx2 args; break; \
  default: name##_base args;
#else
#define SL_VOID_CASES(name, args) default: name##_base args;
#endif

#define SIZES (int B, int T, int D, int H)
SL_VALUE(size_t, sl_lstm_tape_size, SIZES, (B, T, D, H))
SL_VALUE(size_t, sl_lstm_work_size, SIZES, (B, T, D, H))
SL_VALUE(size_t, sl_gru_tape_size, SIZES, (B, T, D, H))
SL_VALUE(size_t, sl_gru_work_size, SIZES, (B, T, D, H))
SL_VALUE(size_t, sl_rnn_tape_size, SIZES, (B, T, D, H))
SL_VALUE(size_t, sl_rnn_work_size, SIZES, (B, T, D, H))

SL_VOID(sl_lstm_forward,
        (int B, int T, int D, int H, int reverse, const float *x, const float *mask, const float *h0, const float *c0,
         const float *W, const float *b, float *out, float *hT, float *cT, float *tape),
        (B, T, D, H, reverse, x, mask, h0, c0, W, b, out, hT, cT, tape))
SL_VOID(sl_lstm_backward,
        (int B, int T, int D, int H, int reverse, const float *x, const float *mask, const float *h0, const float *c0,
         const float *W, const float *tape, const float *dOut, const float *dhT, const float *dcT, float *dx,
         float *dW, float *db, float *dh0, float *dc0, float *work),
        (B, T, D, H, reverse, x, mask, h0, c0, W, tape, dOut, dhT, dcT, dx, dW, db, dh0, dc0, work))
SL_VOID(sl_gru_forward,
        (int B, int T, int D, int H, int reverse, const float *x, const float *mask, const float *h0, const float *W,
         const float *b, float *out, float *hT, float *tape),
        (B, T, D, H, reverse, x, mask, h0, W, b, out, hT, tape))
SL_VOID(sl_gru_backward,
        (int B, int T, int D, int H, int reverse, const float *x, const float *mask, const float *h0, const float *W,
         const float *tape, const float *dOut, const float *dhT, float *dx, float *dW, float *db, float *dh0,
         float *work),
        (B, T, D, H, reverse, x, mask, h0, W, tape, dOut, dhT, dx, dW, db, dh0, work))
SL_VOID(sl_rnn_forward,
        (int B, int T, int D, int H, int reverse, int relu, const float *x, const float *mask, const float *h0,
         const float *V, const float *W, const float *b, float *out, float *hT, float *tape),
        (B, T, D, H, reverse, relu, x, mask, h0, V, W, b, out, hT, tape))
SL_VOID(sl_rnn_backward,
        (int B, int T, int D, int H, int reverse, int relu, const float *x, const float *mask, const float *h0,
         const float *V, const float *W, const float *tape, const float *dOut, const float *dhT, float *dx, float *dV,
         float *dW, float *db, float *dh0, float *work),
        (B, T, D, H, reverse, relu, x, mask, h0, V, W, tape, dOut, dhT, dx, dV, dW, db, dh0, work))
SL_VOID(sl_softmax_ce_forward,
        (int N, int K, const float *logits, const int *targets, const float *mask, float *probs, double *sums),
        (N, K, logits, targets, mask, probs, sums))
SL_VOID(sl_softmax_ce_forward_bias,
        (int N, int K, const float *logits, const float *bias, const int *targets, const float *mask, float *probs,
         double *sums),
        (N, K, logits, bias, targets, mask, probs, sums))
SL_VOID(sl_softmax_ce_backward,
        (int N, int K, const float *probs, const int *targets, const float *mask, float scale, float *dlogits),
        (N, K, probs, targets, mask, scale, dlogits))
SL_VOID(sl_linear_softmax_ce_forward,
        (int N, int H, int K, const float *h, const float *W, const float *b, const int *targets, const float *mask,
         float *probs, double *sums),
        (N, H, K, h, W, b, targets, mask, probs, sums))
SL_VOID(sl_linear_softmax_ce_backward,
        (int N, int H, int K, const float *h, const float *W, float *probs, const int *targets, const float *mask,
         float scale, float *dh, float *dW, float *db),
        (N, H, K, h, W, probs, targets, mask, scale, dh, dW, db))
