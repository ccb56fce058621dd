/*
 * GEMM, C = α op(A) op(B) + β C, row-major, the engine's one matrix product.
 *
 * With -DSEQLAB_CBLAS it is `cblas_sgemm` (OpenBLAS in the native addon). Otherwise it is
 * a blocked GEMM in the style of BLIS (Van Zee & van de Geijn 2015, "BLIS: a framework for
 * rapidly instantiating BLAS functionality"; Goto & van de Geijn 2008):
 *
 *   1. for each NC-wide column block of C: for each KC-deep slice of K:
 *   2.   pack op(B)[KC, NC] into NR-wide micro-panels (k-major, NR floats per k);
 *   3.   for each MC-high row block: pack op(A)[MC, KC] into MR-high micro-panels;
 *   4.     for each MR×NR tile: the micro-kernel, KC rank-1 updates held in registers
 *          (4×8 floats = 8 128-bit vectors), then C = α·acc + β·C (β = 0 never reads C).
 *
 * Block sizes (CPU-time medians of 400×200·200×10000 on V8, x86-64, a busy 2-core
 * machine): 4×8 beat 6×8 by ~40% and 8×8, 4×12, 4×16 by 20-40% (V8 spills their
 * accumulators); loading a_k once and broadcasting lanes by shuffles matched or beat 4
 * scalar splats; unrolling k did not help. KC = 256 (a B micro-panel of 8 KB stays in L1),
 * MC = 96 (A block 96 KB in L2), NC = 2048 (B block 2 MB in L2/L3).
 *
 * The transposes only change how step 2 and 3 read memory, so every combination of
 * transA/transB runs the same micro-kernel at the same speed. Vectors are GCC/clang
 * vector extensions: SSE on x86-64, SIMD128 on WebAssembly (-msimd128).
 */
#include "kernels.h"

#ifdef SEQLAB_CBLAS
#include <cblas.h>

#ifdef SEQLAB_OPENBLAS
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
/* Products below this many multiply-adds run on one OpenBLAS thread: the recurrences'
 * per-step [B, H]·[H, 4H] products (3.2 M for B 20, H 200) finish faster alone than
 * with the threads' hand-off, which costs most when the machine is busy. */
#define SL_SMALL_GEMM 8e6
#endif

/*
 * The product when op(A) is one row (M = 1) or op(B) one column (N = 1), by cblas_sgemv: at
 * batch 1 (generation) every product is one, and sgemm would copy (pack) the whole matrix —
 * the 200 × 10,000 output layer, 8 MB — before reading it. β = 0 writes C without reading it
 * (never NaN · 0), as sl_gemm promises.
 */
static void gemv_as_gemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                         const float *B, int ldb, float beta, float *C, int ldc) {
  if (M == 1) { /* c [N] = α op(B)ᵀ a + β c: a = op(A)'s row (a column of A when transA), op(B) [K, N] */
    if (beta == 0.0f)
      for (int j = 0; j < N; j++) C[j] = 0.0f;
    int inca = transA ? lda : 1;
    if (transB) cblas_sgemv(CblasRowMajor, CblasNoTrans, N, K, alpha, B, ldb, A, inca, beta, C, 1); /* B [N, K] */
    else cblas_sgemv(CblasRowMajor, CblasTrans, K, N, alpha, B, ldb, A, inca, beta, C, 1);         /* B [K, N] */
  } else { /* N = 1: c [M] (stride ldc) = α op(A) b + β c, b = op(B)'s column */
    if (beta == 0.0f)
      for (int i = 0; i < M; i++) C[(size_t)i * ldc] = 0.0f;
    int incb = transB ? 1 : ldb;
    if (transA) cblas_sgemv(CblasRowMajor, CblasTrans, K, M, alpha, A, lda, B, incb, beta, C, ldc); /* A [K, M] */
    else cblas_sgemv(CblasRowMajor, CblasNoTrans, M, K, alpha, A, lda, B, incb, beta, C, ldc);    /* A [M, K] */
  }
}

void sl_gemm_ld(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
                int ldb, float beta, float *C, int ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.0f) { /* BLAS may skip C entirely; honour β = 0 ignoring NaN */
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) C[(size_t)i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[(size_t)i * ldc + j];
    return;
  }
#ifdef SEQLAB_OPENBLAS
  int threads = openblas_get_num_threads();
  int alone = threads > 1 && (double)M * N * K < SL_SMALL_GEMM;
  if (alone) openblas_set_num_threads(1);
#endif
  if (M == 1 || N == 1) /* a matrix–vector product: sgemv reads the matrix once, where sgemm first packs it */
    gemv_as_gemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  else
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, M, N, K, alpha,
                A, lda, B, ldb, beta, C, ldc);
#ifdef SEQLAB_OPENBLAS
  if (alone) openblas_set_num_threads(threads);
#endif
}

void sl_gemm_ws(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
                int ldb, float beta, float *C, int ldc, float *pack) {
  (void)pack;
  sl_gemm_ld(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

size_t sl_gemm_pack_size(void) { return 0; }

#else

typedef float v4f __attribute__((vector_size(16)));
typedef float v4fu __attribute__((vector_size(16), aligned(4)));

#ifndef MR
#define MR 4
#endif
#ifndef NR
#define NR 8
#endif
#ifndef KC
#define KC 256
#endif
#ifndef MC
#define MC 96
#endif
#ifndef NC
#define NC 2048
#endif

/* The packing buffers of the calling thread (sl_gemm_ld); other threads pass their own. */
static float packStatic[MC * KC + KC * NC] __attribute__((aligned(16)));

#ifdef __wasm__
/* Products of at least this many multiply-adds are offered to the second thread. */
#define SL_SPLIT_MIN 2e6
/* Imported from src/engine/wasm.ts: splits C in two halves, one on its worker thread
 * (an instance of this module on the same shared memory, calling sl_gemm_ws with its own
 * packing buffers) and one here (sl_gemm_ws with the buffers of this thread); returns 0,
 * having done nothing, when no worker runs. */
__attribute__((import_module("env"), import_name("sl_gemm_parallel"))) int sl_gemm_parallel(
    int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B, int ldb,
    float beta, float *C, int ldc);
#endif

size_t sl_gemm_pack_size(void) { return (size_t)MC * KC + (size_t)KC * NC; }

static inline v4f splat(float a) {
  v4f r = {a, a, a, a};
  return r;
}

/* op(A)[i0.., p0..] (mc × kc) → MR-row micro-panels, zero-padded to a multiple of MR. */
static void pack_a(int transA, const float *A, int lda, int i0, int p0, int mc, int kc, float *dst) {
  for (int ir = 0; ir < mc; ir += MR) {
    int mr = mc - ir < MR ? mc - ir : MR;
    if (!transA) {
      for (int r = 0; r < MR; r++) {
        const float *src = A + (size_t)(i0 + ir + r) * lda + p0;
        if (r < mr)
          for (int k = 0; k < kc; k++) dst[k * MR + r] = src[k];
        else
          for (int k = 0; k < kc; k++) dst[k * MR + r] = 0.0f;
      }
    } else { /* A is [K, M]: row p of A holds op(A)[·, p] */
      for (int k = 0; k < kc; k++) {
        const float *src = A + (size_t)(p0 + k) * lda + i0 + ir;
        for (int r = 0; r < MR; r++) dst[k * MR + r] = r < mr ? src[r] : 0.0f;
      }
    }
    dst += MR * kc;
  }
}

/* op(B)[p0.., j0..] (kc × nc) → NR-column micro-panels, zero-padded to a multiple of NR. */
static void pack_b(int transB, const float *B, int ldb, int p0, int j0, int kc, int nc, float *dst) {
  for (int jr = 0; jr < nc; jr += NR) {
    int nr = nc - jr < NR ? nc - jr : NR;
    if (!transB) {
      for (int k = 0; k < kc; k++) {
        const float *src = B + (size_t)(p0 + k) * ldb + j0 + jr;
        if (nr == NR) {
          for (int c = 0; c < NR; c += 4) *(v4f *)(dst + k * NR + c) = *(const v4fu *)(src + c);
        } else {
          for (int c = 0; c < NR; c++) dst[k * NR + c] = c < nr ? src[c] : 0.0f;
        }
      }
    } else { /* B is [N, K]: row j of B holds op(B)[·, j] */
      for (int c = 0; c < NR; c++) {
        const float *src = B + (size_t)(j0 + jr + c) * ldb + p0;
        if (c < nr)
          for (int k = 0; k < kc; k++) dst[k * NR + c] = src[k];
        else
          for (int k = 0; k < kc; k++) dst[k * NR + c] = 0.0f;
      }
    }
    dst += NR * kc;
  }
}

/* The MR×NR micro-kernel: C[mr, nr] = α Σ_k a_k b_kᵀ + β C (β = 0: C not read). The
 * constant-bound loops unroll fully, so acc stays in MR·NR/4 vector registers. */
static void micro_kernel(int kc, const float *a, const float *b, float *C, int ldc, int mr, int nr, float alpha,
                         float beta) {
  v4f acc[MR][NR / 4];
  for (int r = 0; r < MR; r++)
    for (int c = 0; c < NR / 4; c++) acc[r][c] = splat(0.0f);
  for (int k = 0; k < kc; k++) {
    v4f bv[NR / 4];
    for (int c = 0; c < NR / 4; c++) bv[c] = *(const v4f *)(b + 4 * c);
#if defined(__clang__) && MR == 4 /* one load of a_k, lanes broadcast by shuffles */
    v4f a4 = *(const v4f *)a;
    v4f a0 = __builtin_shufflevector(a4, a4, 0, 0, 0, 0), a1 = __builtin_shufflevector(a4, a4, 1, 1, 1, 1);
    v4f a2 = __builtin_shufflevector(a4, a4, 2, 2, 2, 2), a3 = __builtin_shufflevector(a4, a4, 3, 3, 3, 3);
    for (int c = 0; c < NR / 4; c++) {
#ifdef __wasm_relaxed_simd__
      acc[0][c] = __builtin_wasm_relaxed_madd_f32x4(a0, bv[c], acc[0][c]);
      acc[1][c] = __builtin_wasm_relaxed_madd_f32x4(a1, bv[c], acc[1][c]);
      acc[2][c] = __builtin_wasm_relaxed_madd_f32x4(a2, bv[c], acc[2][c]);
      acc[3][c] = __builtin_wasm_relaxed_madd_f32x4(a3, bv[c], acc[3][c]);
#else
      acc[0][c] += a0 * bv[c];
      acc[1][c] += a1 * bv[c];
      acc[2][c] += a2 * bv[c];
      acc[3][c] += a3 * bv[c];
#endif
    }
#else
    for (int r = 0; r < MR; r++) {
      v4f av = splat(a[r]);
      for (int c = 0; c < NR / 4; c++) acc[r][c] += av * bv[c];
    }
#endif
    a += MR;
    b += NR;
  }
  v4f va = splat(alpha), vb = splat(beta);
  if (mr == MR && nr == NR) {
    for (int r = 0; r < MR; r++)
      for (int c = 0; c < NR / 4; c++) {
        v4fu *dst = (v4fu *)(C + (size_t)r * ldc + 4 * c);
        *dst = beta == 0.0f ? va * acc[r][c] : va * acc[r][c] + vb * *dst;
      }
  } else {
    float tile[MR * NR] __attribute__((aligned(16)));
    for (int r = 0; r < MR; r++)
      for (int c = 0; c < NR / 4; c++) *(v4f *)(tile + r * NR + 4 * c) = va * acc[r][c];
    for (int r = 0; r < mr; r++)
      for (int c = 0; c < nr; c++) {
        float *dst = C + (size_t)r * ldc + c;
        *dst = beta == 0.0f ? tile[r * NR + c] : tile[r * NR + c] + beta * *dst;
      }
  }
}

/* c[j·incc] = α Σ_r v_r X[r, j] + β c[j·incc], j < n: the rows of X [R, n] (row stride ldx) scaled and
 * summed, 4 columns at a time in blocks of GEMV_COLS accumulators, so X is read once, row by row. */
#define GEMV_COLS 512
static void gemv_rows(int R, int n, const float *X, int ldx, const float *v, float alpha, float beta, float *c,
                      int incc) {
  float acc[GEMV_COLS] __attribute__((aligned(16)));
  for (int j0 = 0; j0 < n; j0 += GEMV_COLS) {
    int w = n - j0 < GEMV_COLS ? n - j0 : GEMV_COLS, w4 = w & ~3;
    for (int j = 0; j < w; j++) acc[j] = 0.0f;
    for (int r = 0; r < R; r++) {
      const float *x = X + (size_t)r * ldx + j0;
      v4f vr = splat(v[r]);
      int j = 0;
      for (; j < w4; j += 4) *(v4f *)(acc + j) += vr * *(const v4fu *)(x + j);
      for (; j < w; j++) acc[j] += v[r] * x[j];
    }
    for (int j = 0; j < w; j++) {
      float *dst = c + (size_t)(j0 + j) * incc;
      *dst = beta == 0.0f ? alpha * acc[j] : alpha * acc[j] + beta * *dst;
    }
  }
}

/* c[j·incc] = α X[j, :]·v + β c[j·incc], j < n: dot products of the rows of X [n, K] with v. */
static void gemv_dots(int n, int K, const float *X, int ldx, const float *v, float alpha, float beta, float *c,
                      int incc) {
  int K4 = K & ~3;
  for (int j = 0; j < n; j++) {
    const float *x = X + (size_t)j * ldx;
    v4f s = splat(0.0f);
    int k = 0;
    for (; k < K4; k += 4) s += *(const v4fu *)(x + k) * *(const v4fu *)(v + k);
    float d = (s[0] + s[1]) + (s[2] + s[3]);
    for (; k < K; k++) d += x[k] * v[k];
    float *dst = c + (size_t)j * incc;
    *dst = beta == 0.0f ? alpha * d : alpha * d + beta * *dst;
  }
}

/* A contiguous copy of n floats at stride inc (into buf), or the floats themselves when inc = 1. */
static const float *contiguous(const float *p, int n, int inc, float *buf) {
  if (inc == 1) return p;
  for (int k = 0; k < n; k++) buf[k] = p[(size_t)k * inc];
  return buf;
}

/*
 * The product when op(A) is one row (M = 1) or op(B) one column (N = 1): at batch 1
 * (generation) every product is one, and the blocked GEMM would pack the whole matrix (the
 * output layer's 200 × 10,000) before reading it once. Returns 0 (nothing done) when the
 * vector does not fit the packing buffer.
 */
static int gemv_as_gemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                        const float *B, int ldb, float beta, float *C, int ldc, float *pack) {
  if ((size_t)K > sl_gemm_pack_size()) return 0;
  if (M == 1) { /* c [N] = α a op(B) + β c, a = op(A)'s row (a column of A when transA) */
    const float *a = contiguous(A, K, transA ? lda : 1, pack);
    if (transB) gemv_dots(N, K, B, ldb, a, alpha, beta, C, 1); /* B [N, K] */
    else gemv_rows(K, N, B, ldb, a, alpha, beta, C, 1);        /* B [K, N] */
  } else { /* N = 1: c [M] (stride ldc) = α op(A) b + β c, b = op(B)'s column */
    const float *b = contiguous(B, K, transB ? 1 : ldb, pack);
    if (transA) gemv_rows(K, M, A, lda, b, alpha, beta, C, ldc); /* A [K, M] */
    else gemv_dots(M, K, A, lda, b, alpha, beta, C, ldc);        /* A [M, K] */
  }
  return 1;
}

void sl_gemm_ld(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
                int ldb, float beta, float *C, int ldc) {
#ifdef __wasm__
  if ((double)M * N * K >= SL_SPLIT_MIN && sl_gemm_parallel(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc))
    return;
#endif
  sl_gemm_ws(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, packStatic);
}

void sl_gemm_ws(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
                int ldb, float beta, float *C, int ldc, float *pack) {
  float *packA = pack, *packB = pack + MC * KC;
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) C[(size_t)i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[(size_t)i * ldc + j];
    return;
  }
  if ((M == 1 || N == 1) && gemv_as_gemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, pack)) return;
  for (int jc = 0; jc < N; jc += NC) {
    int nc = N - jc < NC ? N - jc : NC;
    for (int pc = 0; pc < K; pc += KC) {
      int kc = K - pc < KC ? K - pc : KC;
      float betaEff = pc == 0 ? beta : 1.0f;
      pack_b(transB, B, ldb, pc, jc, kc, nc, packB);
      for (int ic = 0; ic < M; ic += MC) {
        int mc = M - ic < MC ? M - ic : MC;
        pack_a(transA, A, lda, ic, pc, mc, kc, packA);
        for (int jr = 0; jr < nc; jr += NR) {
          int nr = nc - jr < NR ? nc - jr : NR;
          const float *bp = packB + (size_t)(jr / NR) * NR * kc;
          for (int ir = 0; ir < mc; ir += MR) {
            int mr = mc - ir < MR ? mc - ir : MR;
            micro_kernel(kc, packA + (size_t)(ir / MR) * MR * kc, bp, C + (size_t)(ic + ir) * ldc + jc + jr, ldc, mr,
                         nr, alpha, betaEff);
          }
        }
      }
    }
  }
}

#endif

void sl_gemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, const float *B, float beta,
             float *C) {
  sl_gemm_ld(transA, transB, M, N, K, alpha, A, transA ? M : K, B, transB ? K : N, beta, C, N);
}
