/*
 * One Adam step in place (Kingma & Ba 2015), exactly the formula of tf.train.adam
 * (tfjs-core optimizers/adam_optimizer.js), with t counted from 1:
 *
 *     m ← β1 m + (1 − β1) g          v ← β2 v + (1 − β2) g²
 *     p ← p − lr · (m / (1 − β1^t)) / (sqrt(v / (1 − β2^t)) + ε)
 */
#include "kernels.h"

struct adam_job {
  float *p, *m, *v;
  const float *g;
  float lr, beta1, beta2, eps, oneMinusBeta1Pow, oneMinusBeta2Pow;
};

static void adam_part(int part, size_t lo, size_t hi, void *ctx) {
  (void)part;
  const struct adam_job *j = ctx;
  float *p = j->p, *m = j->m, *v = j->v;
  const float *g = j->g;
  const float beta1 = j->beta1, beta2 = j->beta2, c1 = 1.0f - beta1, c2 = 1.0f - beta2;
  const float lr = j->lr, eps = j->eps, b1 = j->oneMinusBeta1Pow, b2 = j->oneMinusBeta2Pow;
  for (size_t i = lo; i < hi; i++) {
    float gi = g[i];
    float mi = m[i] * beta1 + gi * c1;
    float vi = v[i] * beta2 + (gi * gi) * c2;
    m[i] = mi;
    v[i] = vi;
    float mhat = mi / b1, vhat = vi / b2;
    p[i] = p[i] + (mhat / (__builtin_sqrtf(vhat) + eps)) * -lr;
  }
}

/* Elementwise, so split over the cores (parallel.c) with no effect on the result. */
void sl_adam(int n, float *p, const float *g, float *m, float *v, float lr, float beta1, float beta2, float eps,
             float oneMinusBeta1Pow, float oneMinusBeta2Pow) {
  struct adam_job j = {p, m, v, g, lr, beta1, beta2, eps, oneMinusBeta1Pow, oneMinusBeta2Pow};
  sl_parallel_for((size_t)(n > 0 ? n : 0), SL_PARALLEL_GRAIN, adam_part, &j);
}
