"""The OpenBLAS this Python process runs (PyTorch links it through libblas.so.3), for the bench.

blas_detail() -> "OpenBLAS core Cooperlake, 2 BLAS thread(s)" from openblas_get_corename() and
openblas_get_num_threads() of the libopenblas mapped into this process, or "BLAS: not OpenBLAS".
peak_matmul_gflops(n, blas_threads) -> the median GFLOP/s of torch.mm on [n, n] float32, with
OpenBLAS set to `blas_threads` for the measurement (0: as configured), so that the peak column
compares the library on the same cores as seqlab-native whatever thread setting the step uses.
Call them after `import torch` (which loads the library).
"""
import ctypes
import statistics
import time

import torch


def _openblas():
    with open("/proc/self/maps") as maps:
        paths = sorted({line.split()[-1] for line in maps if "libopenblas" in line})
    if not paths:
        return None
    lib = ctypes.CDLL(paths[0])  # already loaded: the same instance PyTorch uses
    lib.openblas_get_corename.restype = ctypes.c_char_p
    return lib


def blas_detail():
    lib = _openblas()
    if lib is None:
        return "BLAS: not OpenBLAS"
    return f"OpenBLAS core {lib.openblas_get_corename().decode()}, {lib.openblas_get_num_threads()} BLAS thread(s)"


def peak_matmul_gflops(n, blas_threads=0, reps=3):
    """Median GFLOP/s of an [n, n] x [n, n] float32 matmul (one warm-up)."""
    lib = _openblas()
    before = lib.openblas_get_num_threads() if lib is not None else 0
    if lib is not None and blas_threads > 0:
        lib.openblas_set_num_threads(blas_threads)
    try:
        a = torch.rand(n, n) * 2 - 1
        b = torch.rand(n, n) * 2 - 1
        times = []
        for r in range(reps + 1):
            t0 = time.perf_counter()
            torch.mm(a, b)
            dt = time.perf_counter() - t0
            if r > 0:
                times.append(dt)
        return 2 * n ** 3 / statistics.median(times) / 1e9
    finally:
        if lib is not None and blas_threads > 0:
            lib.openblas_set_num_threads(before)
