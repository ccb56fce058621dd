/*
 * The elementwise kernels compiled for AVX512: vectors of 16 floats (target "avx512f"), for
 * x86-64 CPUs that have it, whatever the build machine's flags (no -march: the addon runs on
 * any x86-64). Functions suffixed _avx512; simd_dispatch.c calls them only where the CPU and
 * the OS support AVX512. Empty on other architectures.
 */
#if defined(__x86_64__)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)
#else
#pragma GCC target("avx512f")
#endif
#define SL_VARIANT avx512
#define SL_LANES 16
#include "rnn.c"
#include "softmax_ce.c"
#include "lstm.c"
#include "gru.c"
#include "linear_softmax_ce.c"
#if defined(__clang__)
#pragma clang attribute pop
#endif
#endif
