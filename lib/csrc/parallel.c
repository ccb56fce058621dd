/*
 * The elementwise passes on every core: sl_parallel_for splits [0, n) into contiguous parts,
 * runs part 0 on the calling thread and the others on a small pool of worker threads, and
 * returns when all are done. For the passes that run between BLAS calls — the softmax over
 * a language model's [400, 10 000] logits and its gradient, the Adam and SGD updates over
 * millions of weights — which used one core while OpenBLAS's threads waited.
 *
 * Not fighting OpenBLAS's threads: the pool has OpenBLAS's thread count (1 with
 * OPENBLAS_NUM_THREADS=1: everything runs on the calling thread), its workers sleep on a
 * condition variable between parts (no spinning while a GEMM runs), and a part is handed out
 * only between BLAS calls. The parts depend only on n, the grain and the thread count, and
 * callers combine per-part sums in part order, so a run is repeatable; a different thread
 * count changes the order of those sums only.
 *
 * SEQLAB_PARALLEL=0 keeps every pass on the calling thread. Native builds with
 * -DSEQLAB_THREADS (binding.gyp); the WebAssembly build runs every part on
 * the calling thread (its GEMM has its own second thread, src/engine/wasm.ts). A call made
 * while the pool is busy (from a second JavaScript thread, or from inside a part) runs serially.
 */
#include "kernels.h"

#ifdef SEQLAB_THREADS
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#ifdef SEQLAB_OPENBLAS
int openblas_get_num_threads(void);
#endif

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;      /* guards the job and the counters */
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;        /* a new job for the workers */
static pthread_cond_t finished = PTHREAD_COND_INITIALIZER;    /* the last worker part is done */
static pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER;      /* held by the one caller using the pool */
static pthread_once_t made = PTHREAD_ONCE_INIT;
static int threads = 1;                                       /* the pool's threads, the caller's included */
static unsigned long generation = 0;                          /* counts jobs */
static int pending = 0;                                       /* worker parts not yet done */
static struct {
  sl_part_fn fn;
  void *ctx;
  size_t n;
  int parts;
} job;

/* The bounds of part `i` of `parts` over [0, n). */
static void part_bounds(size_t n, int parts, int i, size_t *lo, size_t *hi) {
  *lo = n * (size_t)i / (size_t)parts;
  *hi = n * (size_t)(i + 1) / (size_t)parts;
}

static void *worker(void *arg) {
  int id = (int)(intptr_t)arg;
  unsigned long seen = 0;
  pthread_mutex_lock(&lock);
  for (;;) {
    while (generation == seen) pthread_cond_wait(&wake, &lock);
    seen = generation;
    if (id >= job.parts) continue; /* not needed this time */
    sl_part_fn fn = job.fn;
    void *ctx = job.ctx;
    size_t lo, hi;
    part_bounds(job.n, job.parts, id, &lo, &hi);
    pthread_mutex_unlock(&lock);
    fn(id, lo, hi, ctx);
    pthread_mutex_lock(&lock);
    if (--pending == 0) pthread_cond_signal(&finished);
  }
  return NULL;
}

/* Makes the pool (once): OpenBLAS's thread count (else the online CPUs), at most SL_MAX_PARTS. */
static void make_pool(void) {
  {
#ifdef SEQLAB_OPENBLAS
    int want = openblas_get_num_threads();
#else
    int want = (int)sysconf(_SC_NPROCESSORS_ONLN);
#endif
    const char *off = getenv("SEQLAB_PARALLEL"); /* "0": every pass on the calling thread (for comparisons) */
    if (off != NULL && off[0] == '0' && off[1] == '\0') want = 1;
    if (want < 1) want = 1;
    if (want > SL_MAX_PARTS) want = SL_MAX_PARTS;
    int made = 1;
    for (int i = 1; i < want; i++) {
      pthread_t t;
      pthread_attr_t attr;
      pthread_attr_init(&attr);
      pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
      int failed = pthread_create(&t, &attr, worker, (void *)(intptr_t)i);
      pthread_attr_destroy(&attr);
      if (failed) break; /* fewer threads: the parts adapt */
      made++;
    }
    threads = made;
  }
}

static int pool_threads(void) {
  pthread_once(&made, make_pool);
  return threads;
}

int sl_parallel_parts(size_t n, size_t grain) {
  if (grain < 1) grain = 1;
  int parts = pool_threads();
  size_t most = n / grain; /* every part gets at least `grain` items */
  if ((size_t)parts > most) parts = most < 1 ? 1 : (int)most;
  return parts;
}

int sl_parallel_for(size_t n, size_t grain, sl_part_fn fn, void *ctx) {
  int parts = sl_parallel_parts(n, grain);
  if (parts <= 1 || pthread_mutex_trylock(&busy) != 0) {
    fn(0, 0, n, ctx);
    return 1;
  }
  pthread_mutex_lock(&lock);
  job.fn = fn;
  job.ctx = ctx;
  job.n = n;
  job.parts = parts;
  pending = parts - 1;
  generation++;
  pthread_cond_broadcast(&wake);
  pthread_mutex_unlock(&lock);
  size_t lo, hi;
  part_bounds(n, parts, 0, &lo, &hi);
  fn(0, lo, hi, ctx);
  pthread_mutex_lock(&lock);
  while (pending > 0) pthread_cond_wait(&finished, &lock);
  pthread_mutex_unlock(&lock);
  pthread_mutex_unlock(&busy);
  return parts;
}

#else /* one thread (WebAssembly) */

int sl_parallel_parts(size_t n, size_t grain) {
  (void)n;
  (void)grain;
  return 1;
}

int sl_parallel_for(size_t n, size_t grain, sl_part_fn fn, void *ctx) {
  (void)grain;
  fn(0, 0, n, ctx);
  return 1;
}

#endif
