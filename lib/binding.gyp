# The native kernels addon (lib/csrc, see src/engine/native.ts). Built by
# scripts/build-native.cjs, which probes for a BLAS and passes what it found in the
# environment: SEQLAB_BLAS_DEFINES (SEQLAB_CBLAS [SEQLAB_OPENBLAS]), SEQLAB_BLAS_CFLAGS,
# SEQLAB_BLAS_LIBS. Without them GEMM is the built-in blocked SSE GEMM of csrc/gemm.c.
# No -march: the binary must run on any x86-64 (OpenBLAS picks its kernels at run time;
# the elementwise kernels are compiled once per vector unit and picked at load time,
# csrc/simd_dispatch.c).
{
  "targets": [
    {
      "target_name": "seqlab_native",
      "sources": [
        "csrc/napi.c",
        "csrc/gemm.c",
        "csrc/simd_base.c",
        "csrc/simd_avx2.c",
        "csrc/simd_avx512.c",
        "csrc/simd_dispatch.c",
        "csrc/adam.c",
        "csrc/sgd.c",
        "csrc/sum_of_squares.c",
        "csrc/parallel.c",
        "csrc/crf.c"
      ],
      "defines": ["SEQLAB_THREADS", "<!@(node -p \"process.env.SEQLAB_BLAS_DEFINES || ''\")"],
      "cflags": ["-O3", "-fno-math-errno", "-std=c11", "<!@(node -p \"process.env.SEQLAB_BLAS_CFLAGS || ''\")"],
      "cflags!": ["-O2"],
      "libraries": ["<!@(node -p \"process.env.SEQLAB_BLAS_LIBS || ''\")"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O3", "-fno-math-errno", "<!@(node -p \"process.env.SEQLAB_BLAS_CFLAGS || ''\")"]
      }
    }
  ]
}
