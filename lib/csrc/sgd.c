/*
 * Plain SGD in place, θ ← θ − step · g, where step = lr · scale already folds gradient clipping
 * in (optim/sgd.ts). One pass over each array; -O3 vectorises it.
 */
#include "kernels.h"

struct sgd_job {
  float *p;
  const float *g;
  float step;
};

static void sgd_part(int part, size_t lo, size_t hi, void *ctx) {
  (void)part;
  const struct sgd_job *j = ctx;
  float *p = j->p;
  const float *g = j->g, step = j->step;
  for (size_t i = lo; i < hi; i++) p[i] -= step * g[i];
}

/* Elementwise, so split over the cores (parallel.c) with no effect on the result. */
void sl_sgd(int n, float *p, const float *g, float step) {
  struct sgd_job j = {p, g, step};
  sl_parallel_for((size_t)(n > 0 ? n : 0), SL_PARALLEL_GRAIN, sgd_part, &j);
}
