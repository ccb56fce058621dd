/*
 * The Node addon's glue (N-API, plain C): each export takes the C function's arguments
 * positionally, numbers as numbers and arrays as TypedArrays, which are passed to C
 * zero-copy (their own memory). NULL pointers are JS null. Sizes are checked in
 * src/engine/native.ts before the call; here only the kinds of the arguments are.
 *
 * Exports (JS name ← C function in kernels.h):
 *   gemm ← sl_gemm; lstmForward/lstmBackward, gruForward/gruBackward, rnnForward/rnnBackward
 *   (the backwards allocate their scratch `work` here); softmaxCeForward → [loss, count];
 *   softmaxCeBackward; linearSoftmaxCeForward → [loss, count]; linearSoftmaxCeBackward; adam;
 *   sgd; sumOfSquares → number;
 *   crfForward, crfBackward, crfViterbi (the last two allocate their `work` here);
 *   info() → { blas, core, threads, simd, parallel } (core: OpenBLAS's kernel set, e.g. "Haswell"; "" otherwise;
 *   simd: the copy of the elementwise kernels running, "base", "avx2" or "avx512", simd_dispatch.c;
 *   parallel: the threads of the elementwise passes, parallel.c).
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#define NAPI_VERSION 8
#include <node_api.h>
#include "kernels.h"

#ifdef SEQLAB_OPENBLAS
int openblas_get_num_threads(void);
char *openblas_get_config(void);
char *openblas_get_corename(void);
#endif

/* One parsed argument. */
typedef union {
  int i;
  double d;
  float *f;
  int *ip;
  double *dp;
} Arg;

#define MAX_ARGS 24

/*
 * Parses the call's arguments by `fmt`: 'i' int, 'd' number, 'f' Float32Array,
 * 'F' Float32Array or null, 'I' Int32Array, 'D' Float64Array, 'b' boolean. Throws a TypeError and
 * returns 0 on a mismatch.
 */
static int parse(napi_env env, napi_callback_info info, const char *fmt, Arg *out) {
  size_t want = strlen(fmt), argc = MAX_ARGS;
  napi_value argv[MAX_ARGS];
  char msg[160];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != want) {
    snprintf(msg, sizeof msg, "seqlab_native: expected %zu arguments, got %zu", want, argc);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  for (size_t k = 0; k < want; k++) {
    char c = fmt[k];
    napi_valuetype vt;
    napi_typeof(env, argv[k], &vt);
    if (c == 'i' || c == 'd') {
      double d;
      if (vt != napi_number || napi_get_value_double(env, argv[k], &d) != napi_ok) goto bad;
      if (c == 'i') out[k].i = (int)d; else out[k].d = d;
    } else if (c == 'b') {
      bool b;
      if (vt != napi_boolean || napi_get_value_bool(env, argv[k], &b) != napi_ok) goto bad;
      out[k].i = b ? 1 : 0;
    } else {
      if (c == 'F' && vt == napi_null) {
        out[k].f = NULL;
        continue;
      }
      bool is;
      napi_typedarray_type type;
      size_t length, offset;
      void *data;
      napi_value buffer;
      if (napi_is_typedarray(env, argv[k], &is) != napi_ok || !is) goto bad;
      napi_get_typedarray_info(env, argv[k], &type, &length, &data, &buffer, &offset);
      if (type != (c == 'I' ? napi_int32_array : c == 'D' ? napi_float64_array : napi_float32_array)) goto bad;
      if (c == 'I') out[k].ip = (int *)data;
      else if (c == 'D') out[k].dp = (double *)data;
      else out[k].f = (float *)data;
    }
    continue;
  bad:
    snprintf(msg, sizeof msg, "seqlab_native: expected argument %zu to be %s", k,
             c == 'i' || c == 'd' ? "a number" : c == 'b' ? "a boolean" : c == 'I' ? "an Int32Array" : c == 'D' ? "a Float64Array" :
             c == 'F' ? "a Float32Array or null" : "a Float32Array");
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

static napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

static float *scratch(napi_env env, size_t n) {
  float *w = (float *)malloc((n > 0 ? n : 1) * sizeof(float));
  if (w == NULL) napi_throw_error(env, NULL, "seqlab_native: out of memory for the backward's scratch");
  return w;
}

static napi_value Gemm(napi_env env, napi_callback_info info) {
  Arg a[10];
  if (!parse(env, info, "bbiiidffdf", a)) return NULL;
  sl_gemm(a[0].i, a[1].i, a[2].i, a[3].i, a[4].i, (float)a[5].d, a[6].f, a[7].f, (float)a[8].d, a[9].f);
  return undefined(env);
}

/* (B, T, D, H, reverse, x, mask, h0, c0, W, b, out, hT, cT, tape) */
static napi_value LstmForward(napi_env env, napi_callback_info info) {
  Arg a[15];
  if (!parse(env, info, "iiiibfFffffffff", a)) return NULL;
  sl_lstm_forward(a[0].i, a[1].i, a[2].i, a[3].i, a[4].i, a[5].f, a[6].f, a[7].f, a[8].f, a[9].f, a[10].f, a[11].f,
                  a[12].f, a[13].f, a[14].f);
  return undefined(env);
}

/* (B, T, D, H, reverse, x, mask, h0, c0, W, tape, dOut, dhT, dcT, dx, dW, db, dh0, dc0) */
static napi_value LstmBackward(napi_env env, napi_callback_info info) {
  Arg a[19];
  if (!parse(env, info, "iiiibfFfffffFFfffff", a)) return NULL;
  float *work = scratch(env, sl_lstm_work_size(a[0].i, a[1].i, a[2].i, a[3].i));
  if (work == NULL) return NULL;
  sl_lstm_backward(a[0].i, a[1].i, a[2].i, a[3].i, a[4].i, a[5].f, a[6].f, a[7].f, a[8].f, a[9].f, a[10].f, a[11].f,
                   a[12].f, a[13].f, a[14].f, a[15].f, a[16].f, a[17].f, a[18].f, work);
  free(work);
  return undefined(env);
}

/* (B, T, D, H, reverse, x, mask, h0, W, b, out, hT, tape) */
static napi_value GruForward(napi_env env, napi_callback_info info) {
  Arg a[13];
  if (!parse(env, info, "iiiibfFffffff", a)) return NULL;
  sl_gru_forward(a[0].i, a[1].i, a[2].i, a[3].i, a[4].i, a[5].f, a[6].f, a[7].f, a[8].f, a[9].f, a[10].f, a[11].f,
                 a[12].f);
  return undefined(env);
}

/* (B, T, D, H, reverse, x, mask, h0, W, tape, dOut, dhT, dx, dW, db, dh0) */
static napi_value GruBackward(napi_env env, napi_callback_info info) {
  Arg a[16];
  if (!parse(env, info, "iiiibfFffffFffff", a)) return NULL;
  float *work = scratch(env, sl_gru_work_size(a[0].i, a[1].i, a[2].i, a[3].i));
  if (work == NULL) return NULL;
  sl_gru_backward(a[0].i, a[1].i, a[2].i, a[3].i, a[4].i, a[5].f, a[6].f, a[7].f, a[8].f, a[9].f, a[10].f, a[11].f,
                  a[12].f, a[13].f, a[14].f, a[15].f, work);
  free(work);
  return undefined(env);
}

/* (B, T, D, H, reverse, relu, x, mask, h0, V, W, b, out, hT, tape) */
static napi_value RnnForward(napi_env env, napi_callback_info info) {
  Arg a[15];
  if (!parse(env, info, "iiiibbfFfffffff", a)) return NULL;
  sl_rnn_forward(a[0].i, a[1].i, a[2].i, a[3].i, a[4].i, a[5].i, a[6].f, a[7].f, a[8].f, a[9].f, a[10].f, a[11].f,
                 a[12].f, a[13].f, a[14].f);
  return undefined(env);
}

/* (B, T, D, H, reverse, relu, x, mask, h0, V, W, tape, dOut, dhT, dx, dV, dW, db, dh0) */
static napi_value RnnBackward(napi_env env, napi_callback_info info) {
  Arg a[19];
  if (!parse(env, info, "iiiibbfFfffffFfffff", a)) return NULL;
  float *work = scratch(env, sl_rnn_work_size(a[0].i, a[1].i, a[2].i, a[3].i));
  if (work == NULL) return NULL;
  sl_rnn_backward(a[0].i, a[1].i, a[2].i, a[3].i, a[4].i, a[5].i, a[6].f, a[7].f, a[8].f, a[9].f, a[10].f, a[11].f,
                  a[12].f, a[13].f, a[14].f, a[15].f, a[16].f, a[17].f, a[18].f, work);
  free(work);
  return undefined(env);
}

/* (N, K, logits, targets, mask, probs) → [Σ −m log p(y), Σ m] */
static napi_value SoftmaxCeForward(napi_env env, napi_callback_info info) {
  Arg a[6];
  double sums[2];
  if (!parse(env, info, "iifIFf", a)) return NULL;
  sl_softmax_ce_forward(a[0].i, a[1].i, a[2].f, a[3].ip, a[4].f, a[5].f, sums);
  napi_value arr, v;
  napi_create_array_with_length(env, 2, &arr);
  for (uint32_t k = 0; k < 2; k++) {
    napi_create_double(env, sums[k], &v);
    napi_set_element(env, arr, k, v);
  }
  return arr;
}

/* (N, K, probs, targets, mask, scale, dlogits) */
static napi_value SoftmaxCeBackward(napi_env env, napi_callback_info info) {
  Arg a[7];
  if (!parse(env, info, "iifIFdf", a)) return NULL;
  sl_softmax_ce_backward(a[0].i, a[1].i, a[2].f, a[3].ip, a[4].f, (float)a[5].d, a[6].f);
  return undefined(env);
}

/* (N, H, K, h, W, b, targets, mask, probs) → [Σ −m log p(y), Σ m] */
static napi_value LinearSoftmaxCeForward(napi_env env, napi_callback_info info) {
  Arg a[9];
  double sums[2];
  if (!parse(env, info, "iiifffIFf", a)) return NULL;
  sl_linear_softmax_ce_forward(a[0].i, a[1].i, a[2].i, a[3].f, a[4].f, a[5].f, a[6].ip, a[7].f, a[8].f, sums);
  napi_value arr, v;
  napi_create_array_with_length(env, 2, &arr);
  for (uint32_t k = 0; k < 2; k++) {
    napi_create_double(env, sums[k], &v);
    napi_set_element(env, arr, k, v);
  }
  return arr;
}

/* (N, H, K, h, W, probs (overwritten), targets, mask, scale, dh, dW, db) */
static napi_value LinearSoftmaxCeBackward(napi_env env, napi_callback_info info) {
  Arg a[12];
  if (!parse(env, info, "iiifffIFdfff", a)) return NULL;
  sl_linear_softmax_ce_backward(a[0].i, a[1].i, a[2].i, a[3].f, a[4].f, a[5].f, a[6].ip, a[7].f, (float)a[8].d,
                                a[9].f, a[10].f, a[11].f);
  return undefined(env);
}

/* (n, p, g, m, v, lr, beta1, beta2, eps, 1 − beta1^t, 1 − beta2^t) */
static napi_value Adam(napi_env env, napi_callback_info info) {
  Arg a[11];
  if (!parse(env, info, "iffffdddddd", a)) return NULL;
  sl_adam(a[0].i, a[1].f, a[2].f, a[3].f, a[4].f, (float)a[5].d, (float)a[6].d, (float)a[7].d, (float)a[8].d,
          (float)a[9].d, (float)a[10].d);
  return undefined(env);
}

/* (n, p, g, step) */
static napi_value Sgd(napi_env env, napi_callback_info info) {
  Arg a[4];
  if (!parse(env, info, "iffd", a)) return NULL;
  sl_sgd(a[0].i, a[1].f, a[2].f, (float)a[3].d);
  return undefined(env);
}

/* (n, g) → Σ g_i² */
static napi_value SumOfSquares(napi_env env, napi_callback_info info) {
  Arg a[2];
  if (!parse(env, info, "if", a)) return NULL;
  napi_value v;
  napi_create_double(env, sl_sum_of_squares(a[0].i, a[1].f), &v);
  return v;
}

/* (B, T, K, emissions, lengths, start, end, transitions, logZ, tape) */
static napi_value CrfForward(napi_env env, napi_callback_info info) {
  Arg a[10];
  if (!parse(env, info, "iiifIfffff", a)) return NULL;
  sl_crf_forward(a[0].i, a[1].i, a[2].i, a[3].f, a[4].ip, a[5].f, a[6].f, a[7].f, a[8].f, a[9].f);
  return undefined(env);
}

/* (B, T, K, emissions, lengths, start, end, transitions, tape, dLogZ, dEmissions, dStart, dEnd, dTransitions) */
static napi_value CrfBackward(napi_env env, napi_callback_info info) {
  Arg a[14];
  if (!parse(env, info, "iiifIfffffffff", a)) return NULL;
  float *work = scratch(env, sl_crf_work_size(a[0].i, a[1].i, a[2].i));
  if (work == NULL) return NULL;
  sl_crf_backward(a[0].i, a[1].i, a[2].i, a[3].f, a[4].ip, a[5].f, a[6].f, a[7].f, a[8].f, a[9].f, a[10].f, a[11].f,
                  a[12].f, a[13].f, work);
  free(work);
  return undefined(env);
}

/* (B, T, K, emissions, lengths, start, end, transitions, paths, scores) */
static napi_value CrfViterbi(napi_env env, napi_callback_info info) {
  Arg a[10];
  if (!parse(env, info, "iiifIfffID", a)) return NULL;
  float *work = scratch(env, sl_crf_work_size(a[0].i, a[1].i, a[2].i)); /* malloc: aligned for doubles */
  if (work == NULL) return NULL;
  sl_crf_viterbi(a[0].i, a[1].i, a[2].i, a[3].f, a[4].ip, a[5].f, a[6].f, a[7].f, a[8].ip, a[9].dp, work);
  free(work);
  return undefined(env);
}

/* () → { blas: "OpenBLAS 0.3.21 …" | "CBLAS" | "built-in", threads, simd, parallel (parallel.c's pool size) } */
static napi_value Info(napi_env env, napi_callback_info info) {
  (void)info;
  char blas[128] = "built-in", core[64] = "";
  int threads = 1;
#if defined(SEQLAB_OPENBLAS)
  snprintf(blas, sizeof blas, "%s", openblas_get_config());
  snprintf(core, sizeof core, "%s", openblas_get_corename());
  threads = openblas_get_num_threads();
#elif defined(SEQLAB_CBLAS)
  snprintf(blas, sizeof blas, "CBLAS");
#endif
  napi_value obj, v;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, blas, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "blas", v);
  napi_create_string_utf8(env, core, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "core", v);
  napi_create_int32(env, threads, &v);
  napi_set_named_property(env, obj, "threads", v);
  napi_create_string_utf8(env, sl_simd_name(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "simd", v);
  napi_create_int32(env, sl_parallel_parts((size_t)-1, 1), &v);
  napi_set_named_property(env, obj, "parallel", v);
  return obj;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"gemm", NULL, Gemm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lstmForward", NULL, LstmForward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lstmBackward", NULL, LstmBackward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gruForward", NULL, GruForward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gruBackward", NULL, GruBackward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rnnForward", NULL, RnnForward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rnnBackward", NULL, RnnBackward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"softmaxCeForward", NULL, SoftmaxCeForward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"softmaxCeBackward", NULL, SoftmaxCeBackward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"linearSoftmaxCeForward", NULL, LinearSoftmaxCeForward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"linearSoftmaxCeBackward", NULL, LinearSoftmaxCeBackward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"adam", NULL, Adam, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sgd", NULL, Sgd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sumOfSquares", NULL, SumOfSquares, NULL, NULL, NULL, napi_enumerable, NULL},
      {"crfForward", NULL, CrfForward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"crfBackward", NULL, CrfBackward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"crfViterbi", NULL, CrfViterbi, NULL, NULL, NULL, napi_enumerable, NULL},
      {"info", NULL, Info, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
