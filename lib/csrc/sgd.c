/*
 * Plain SGD in place, θ ← θ − step · g, where step = lr · scale already folds gradient clipping
 * in (optim/sgd.ts). One pass over each array; -O3 vectorises it.
 */
#include "kernels.h"

void sl_sgd(int n, float *p, const float *g, float step) {
  for (int i = 0; i < n; i++) p[i] -= step * g[i];
}
