/*
 * Σ g_i², the squared norm behind clipping by global norm (optim/clip.ts): each product in
 * float32 as the gradient holds it, summed in float64 over four independent partial sums (the
 * order the TypeScript kernel of engine/js.ts uses, so both give the same double to rounding of
 * the last additions).
 */
#include "kernels.h"

double sl_sum_of_squares(int n, const float *g) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += (double)g[i] * g[i];
    s1 += (double)g[i + 1] * g[i + 1];
    s2 += (double)g[i + 2] * g[i + 2];
    s3 += (double)g[i + 3] * g[i + 3];
  }
  for (; i < n; i++) s0 += (double)g[i] * g[i];
  return s0 + s1 + s2 + s3;
}
