#!/bin/sh
# Builds lib/wasm/seqlab_kernels.wasm and seqlab_kernels_relaxed.wasm from lib/csrc (the portable engine kernels, see
# src/engine/wasm.ts). The .wasm files are committed, so users need no compiler; rebuild it after
# changing lib/csrc with:
#
#     sh lib/scripts/build-wasm.sh          # needs Debian's clang-16 and lld-16 (wasm-ld-16)
#
# Freestanding: no libc (-ffreestanding, linked by wasm-ld alone, --no-entry), SIMD128, -O3.
# The memory is IMPORTED and shared (atomics + bulk memory): src/engine/wasm.ts creates it with WASM_INITIAL_PAGES
# (= --initial-memory below ÷ 64 KiB; keep the two equal) so that a worker thread can run
# a second instance on the same memory for two-thread GEMM; the module also imports
# env.sl_gemm_parallel (wasm.ts) which large products call to split themselves. The C code
# keeps only its static GEMM packing buffers; JS manages everything above __heap_base.
# Deterministic: fixed flags and file order, no timestamps or paths embedded (no -g).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
CC=${CC:-clang-16}
LD=${WASM_LD:-wasm-ld-16}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Two builds of the same sources: seqlab_kernels.wasm (SIMD128, what every runtime with wasm
# SIMD runs) and seqlab_kernels_relaxed.wasm (+ relaxed SIMD: the GEMM micro-kernel's
# multiply-adds become relaxed_madd, a fused multiply-add where the CPU has one; Node ≥ 22
# enables it, Node 20 only with --experimental-wasm-relaxed-simd; src/engine/wasm.ts picks).
build() { # $1 = output file name, $2 = extra clang flags
  out="$here/wasm/$1"
  objs=""
  for f in gemm lstm gru rnn softmax_ce linear_softmax_ce adam crf parallel; do
    # shellcheck disable=SC2086
    "$CC" --target=wasm32-unknown-unknown -O3 -msimd128 $2 -mbulk-memory -matomics -ffreestanding -fno-builtin-malloc \
      -fno-math-errno -fvisibility=hidden -Wall -Wextra -Wno-unused-parameter \
      -c "$here/csrc/$f.c" -o "$tmp/$f.o"
    objs="$objs $tmp/$f.o"
  done
  mkdir -p "$here/wasm"
  # shellcheck disable=SC2086
  "$LD" --no-entry --export-dynamic --strip-all -z stack-size=1048576 \
    --import-memory --shared-memory --initial-memory=8388608 --max-memory=4294967296 \
    --export=__heap_base --export=__stack_pointer -o "$out" $objs
  echo "wrote $out ($(wc -c <"$out") bytes)"
}
build seqlab_kernels.wasm ""
build seqlab_kernels_relaxed.wasm "-mrelaxed-simd"
