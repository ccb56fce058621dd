"""The OpenBLAS this Python process runs (PyTorch links it through libblas.so.3), for the bench's table.

blas_detail() -> "OpenBLAS core Cooperlake, 2 BLAS thread(s)" from openblas_get_corename() and
openblas_get_num_threads() of the libopenblas mapped into this process, or "BLAS: not OpenBLAS".
Call it after `import torch` (which loads the library).
"""
import ctypes


def blas_detail():
    with open("/proc/self/maps") as maps:
        paths = sorted({line.split()[-1] for line in maps if "libopenblas" in line})
    if not paths:
        return "BLAS: not OpenBLAS"
    lib = ctypes.CDLL(paths[0])  # already loaded: the same instance PyTorch uses
    lib.openblas_get_corename.restype = ctypes.c_char_p
    return f"OpenBLAS core {lib.openblas_get_corename().decode()}, {lib.openblas_get_num_threads()} BLAS thread(s)"
