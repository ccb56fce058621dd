/*
 * The linear-chain CRF's log-partition, its gradient and Viterbi decoding, the fused
 * kernels behind ops/crf.ts (`crfLogPartition`, `crfLogLikelihood`, `viterbiDecode`).
 * Emissions e [B, T, K], lengths L_b ∈ [1, T] (right padding: steps t < L_b are real),
 * start [K], end [K], transitions A [K, K] with A[i, j] the score of tag i followed by j.
 *
 * 1. Forward algorithm (sl_crf_forward), in log space:
 *
 *     α_0[j] = start[j] + e_0[j]
 *     α_t[j] = logsumexp_i (α_{t−1}[i] + A[i, j]) + e_t[j]        t = 1 .. L−1
 *     log Z  = logsumexp_j (α_{L−1}[j] + end[j])
 *
 *    The α of every real step is the tape (padded steps hold 0).
 * 2. Backward algorithm and marginals (sl_crf_backward): with
 *
 *     β_{L−1}[i] = end[i],   β_{t−1}[i] = logsumexp_j (A[i, j] + e_t[j] + β_t[j]),
 *
 *    the gradient of Σ_b w_b log Z_b (w = dL/dlog Z) is the expected feature counts:
 *
 *     ∂/∂e_t[j]    = w p(y_t = j)       = w exp(α_t[j] + β_t[j] − log Z)
 *     ∂/∂start[j]  = w p(y_0 = j),      ∂/∂end[j] = w p(y_{L−1} = j)
 *     ∂/∂A[i, j]   = w Σ_{t=1}^{L−1} p(y_{t−1} = i, y_t = j)
 *                  = w Σ_t exp(α_{t−1}[i] + A[i, j] + e_t[j] + β_t[j] − log Z)
 *
 *    and 0 for padded emissions. Every logsumexp subtracts its maximum first, so each exp
 *    is of a number ≤ 0 (no overflow), and a marginal is exp of a log-probability ≤ 0.
 *    −∞ scores (forbidden transitions) are allowed: exp flushes to 0 below −87.3, a
 *    logsumexp of only −∞ is −∞ (no NaN from −∞ − (−∞)), and a sequence without any
 *    finite-score path (log Z = −∞) gets a zero gradient.
 * 3. Viterbi (sl_crf_viterbi), in float64 from the float32 inputs: the same recursion with
 *    max for logsumexp, back-pointers argmax_i (ties to the smallest i), the best last tag
 *    argmax_j (δ_{L−1}[j] + end[j]); the same arithmetic in the same order as the tfjs-op
 *    reference's plain JavaScript, so both give the same paths, ties included.
 *
 * Every inner loop runs over j (a row of A is contiguous) on 4-lane vectors; a tail of
 * K mod 4 goes through padded vectors whose extra lanes are never stored.
 * Reference: Rabiner (1989) §III.A for forward–backward; Lafferty et al. (2001); Sutton &
 * McCallum (2012), "An introduction to conditional random fields" §4.1.
 */
#include "kernels.h"
#include "mathfun.h"

/* Written for 4-lane vectors (K is small: 9 tags for CoNLL); compiled once, never per unit. */
_Static_assert(SL_LANES == 4, "crf.c works on 4-lane vectors");

#define NEG_INF (-__builtin_inff())

size_t sl_crf_tape_size(int B, int T, int K) { return (size_t)B * T * K; }

size_t sl_crf_work_size(int B, int T, int K) {
  (void)B;
  return (size_t)4 * K + (size_t)T * K; /* backward: 3K floats; Viterbi: 2K doubles + T·K ints */
}

/* Loads n ≤ 4 floats, the other lanes set to pad. */
static inline sl_vf load_n(const float *p, int n, float pad) {
  if (n == 4) return *(const sl_vfu *)p;
  sl_vf v = sl_splat(pad);
  for (int k = 0; k < n; k++) v[k] = p[k];
  return v;
}

/* Stores the first n ≤ 4 lanes. */
static inline void store_n(float *p, sl_vf v, int n) {
  if (n == 4) *(sl_vfu *)p = v;
  else sl_store_tail(p, v, n);
}

/* exp, flushed to 0 below −87.3 (sl_vexp clamps there instead), so exp(−∞) = 0. */
static inline sl_vf exp0(sl_vf x) { return sl_select(x < sl_splat(-87.3f), sl_splat(0.0f), sl_vexp(x)); }

/* A lane's maximum as the shift of a logsumexp: 0 where it is −∞ (all terms −∞). */
static inline sl_vf shift_of(sl_vf mx) { return sl_select(mx == sl_splat(NEG_INF), sl_splat(0.0f), mx); }

/* log Σ_j exp(x[j] + y[j]) over j < K. */
static float logsumexp2(int K, const float *x, const float *y) {
  float mx = NEG_INF;
  for (int j = 0; j < K; j++) mx = x[j] + y[j] > mx ? x[j] + y[j] : mx;
  float shift = mx == NEG_INF ? 0.0f : mx;
  sl_vf s = sl_splat(0.0f);
  for (int j = 0; j < K; j += 4) {
    int n = K - j < 4 ? K - j : 4;
    s += exp0(load_n(x + j, n, NEG_INF) + load_n(y + j, n, 0.0f) - shift); /* padded lanes: exp(−∞) = 0 */
  }
  float total = (s[0] + s[1]) + (s[2] + s[3]);
  return shift + sl_vlog(sl_splat(total))[0];
}

/* One forward step: cur[j] = logsumexp_i (prev[i] + A[i, j]) + e[j]. */
static void alpha_step(int K, const float *prev, const float *A, const float *e, float *cur) {
  for (int j = 0; j < K; j += 4) {
    int n = K - j < 4 ? K - j : 4;
    sl_vf mx = sl_splat(NEG_INF);
    for (int i = 0; i < K; i++) mx = sl_vmax(mx, prev[i] + load_n(A + (size_t)i * K + j, n, 0.0f));
    sl_vf shift = shift_of(mx), s = sl_splat(0.0f);
    for (int i = 0; i < K; i++) s += exp0(prev[i] + load_n(A + (size_t)i * K + j, n, 0.0f) - shift);
    store_n(cur + j, shift + sl_vlog(s) + load_n(e + j, n, 0.0f), n);
  }
}

void sl_crf_forward(int B, int T, int K, const float *emissions, const int *lengths, const float *start,
                    const float *end, const float *transitions, float *logZ, float *tape) {
  for (int b = 0; b < B; b++) {
    const int L = lengths[b];
    const float *e = emissions + (size_t)b * T * K;
    float *alpha = tape + (size_t)b * T * K; /* [T, K] */
    for (int j = 0; j < K; j++) alpha[j] = start[j] + e[j];
    for (int t = 1; t < L; t++) alpha_step(K, alpha + (size_t)(t - 1) * K, transitions, e + (size_t)t * K, alpha + (size_t)t * K);
    for (size_t r = (size_t)L * K; r < (size_t)T * K; r++) alpha[r] = 0.0f;
    logZ[b] = logsumexp2(K, alpha + (size_t)(L - 1) * K, end);
  }
}

/* out[j] = w exp(a[j] + c[j] − Z) over j < K: the unary marginals scaled by w. */
static void marginals(int K, const float *a, const float *c, float Z, float w, float *out) {
  for (int j = 0; j < K; j += 4) {
    int n = K - j < 4 ? K - j : 4;
    store_n(out + j, w * exp0(load_n(a + j, n, 0.0f) + load_n(c + j, n, 0.0f) - Z), n);
  }
}

void sl_crf_backward(int B, int T, int K, const float *emissions, const int *lengths, const float *start,
                     const float *end, const float *transitions, const float *tape, const float *dLogZ,
                     float *dEmissions, float *dStart, float *dEnd, float *dTransitions, float *work) {
  (void)start;
  float *beta = work, *next = work + K, *u = work + 2 * K; /* β_t, β_{t−1}, e_t + β_t: [K] each */
  for (int j = 0; j < K; j++) dStart[j] = dEnd[j] = 0.0f;
  for (size_t r = 0; r < (size_t)K * K; r++) dTransitions[r] = 0.0f;
  for (int b = 0; b < B; b++) {
    const int L = lengths[b];
    const float w = dLogZ[b];
    const float *e = emissions + (size_t)b * T * K, *alpha = tape + (size_t)b * T * K;
    float *de = dEmissions + (size_t)b * T * K; /* [T, K] */
    for (size_t r = (size_t)L * K; r < (size_t)T * K; r++) de[r] = 0.0f;
    const float Z = logsumexp2(K, alpha + (size_t)(L - 1) * K, end);
    if (Z == NEG_INF) { /* no path has a finite score: no counts (not NaN from −∞ − (−∞)) */
      for (size_t r = 0; r < (size_t)L * K; r++) de[r] = 0.0f;
      continue;
    }
    for (int j = 0; j < K; j++) beta[j] = end[j];
    for (int t = L - 1;; t--) {
      float *det = de + (size_t)t * K;
      marginals(K, alpha + (size_t)t * K, beta, Z, w, det); /* ∂/∂e_t = w p(y_t = j) */
      if (t == L - 1)
        for (int j = 0; j < K; j++) dEnd[j] += det[j];
      if (t == 0) {
        for (int j = 0; j < K; j++) dStart[j] += det[j];
        break;
      }
      const float *et = e + (size_t)t * K, *prev = alpha + (size_t)(t - 1) * K;
      for (int j = 0; j < K; j++) u[j] = et[j] + beta[j];
      for (int i = 0; i < K; i++) {
        const float *Ai = transitions + (size_t)i * K;
        float *dAi = dTransitions + (size_t)i * K;
        const float c = prev[i] - Z; /* ∂/∂A[i, j] += w exp(α_{t−1}[i] + A[i, j] + u[j] − log Z) */
        for (int j = 0; j < K; j += 4) {
          int n = K - j < 4 ? K - j : 4;
          sl_vf pair = exp0(c + load_n(Ai + j, n, 0.0f) + load_n(u + j, n, 0.0f));
          store_n(dAi + j, load_n(dAi + j, n, 0.0f) + w * pair, n);
        }
        next[i] = logsumexp2(K, Ai, u); /* β_{t−1}[i] */
      }
      float *swap = beta;
      beta = next;
      next = swap;
    }
  }
}

void sl_crf_viterbi(int B, int T, int K, const float *emissions, const int *lengths, const float *start,
                    const float *end, const float *transitions, int *paths, double *scores, float *work) {
  double *delta = (double *)(void *)work, *next = delta + K; /* δ_{t−1}, δ_t: [K] each */
  int *back = (int *)(void *)(next + K);                      /* [T, K] back[t, j] = argmax_i */
  for (int b = 0; b < B; b++) {
    const int L = lengths[b];
    const float *e = emissions + (size_t)b * T * K;
    for (int j = 0; j < K; j++) delta[j] = (double)start[j] + (double)e[j];
    for (int t = 1; t < L; t++) {
      for (int j = 0; j < K; j++) {
        double best = -__builtin_inf();
        int arg = 0;
        for (int i = 0; i < K; i++) {
          double s = delta[i] + (double)transitions[(size_t)i * K + j];
          if (s > best) {
            best = s;
            arg = i;
          }
        }
        next[j] = best + (double)e[(size_t)t * K + j];
        back[(size_t)t * K + j] = arg;
      }
      double *swap = delta;
      delta = next;
      next = swap;
    }
    double best = -__builtin_inf();
    int last = 0;
    for (int j = 0; j < K; j++) {
      double s = delta[j] + (double)end[j];
      if (s > best) {
        best = s;
        last = j;
      }
    }
    int *path = paths + (size_t)b * T;
    for (int t = L; t < T; t++) path[t] = -1;
    path[L - 1] = last;
    for (int t = L - 1; t > 0; t--) path[t - 1] = back[(size_t)t * K + path[t]];
    scores[b] = best;
    delta = (double *)(void *)work; /* the swaps may have left them exchanged */
    next = delta + K;
  }
}
