/*
 * The elementwise kernels for the vector unit every CPU of the addon's build has: 4 lanes
 * (SSE2 on x86-64, NEON on arm64). Functions suffixed _base; simd_dispatch.c picks a copy.
 */
#define SL_VARIANT base
#define SL_LANES 4
#include "rnn.c"
#include "softmax_ce.c"
#include "lstm.c"
#include "gru.c"
#include "linear_softmax_ce.c"
