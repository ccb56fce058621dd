/*
 * One Adam step in place (Kingma & Ba 2015), exactly the formula of tf.train.adam
 * (tfjs-core optimizers/adam_optimizer.js), with t counted from 1:
 *
 *     m ← β1 m + (1 − β1) g          v ← β2 v + (1 − β2) g²
 *     p ← p − lr · (m / (1 − β1^t)) / (sqrt(v / (1 − β2^t)) + ε)
 */
#include "kernels.h"

void sl_adam(int n, float *p, const float *g, float *m, float *v, float lr, float beta1, float beta2, float eps,
             float oneMinusBeta1Pow, float oneMinusBeta2Pow) {
  const float c1 = 1.0f - beta1, c2 = 1.0f - beta2;
  for (int i = 0; i < n; i++) {
    float gi = g[i];
    float mi = m[i] * beta1 + gi * c1;
    float vi = v[i] * beta2 + (gi * gi) * c2;
    m[i] = mi;
    v[i] = vi;
    float mhat = mi / oneMinusBeta1Pow, vhat = vi / oneMinusBeta2Pow;
    p[i] = p[i] + (mhat / (__builtin_sqrtf(vhat) + eps)) * -lr;
  }
}
