#!/bin/sh
# Builds lib/wasm/seqlab_kernels.wasm from lib/csrc (the portable engine kernels, see
# src/engine/wasm.ts). The .wasm is committed, so users need no compiler; rebuild it after
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
out="$here/wasm/seqlab_kernels.wasm"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in gemm lstm gru rnn softmax_ce linear_softmax_ce adam crf; do
  "$CC" --target=wasm32-unknown-unknown -O3 -msimd128 -mbulk-memory -matomics -ffreestanding -fno-builtin-malloc \
    -fno-math-errno -fvisibility=hidden -Wall -Wextra -Wno-unused-parameter \
    -c "$here/csrc/$f.c" -o "$tmp/$f.o"
done
mkdir -p "$here/wasm"
"$LD" --no-entry --export-dynamic --strip-all -z stack-size=1048576 \
  --import-memory --shared-memory --initial-memory=8388608 --max-memory=4294967296 \
  --export=__heap_base --export=__stack_pointer -o "$out" \
  "$tmp/gemm.o" "$tmp/lstm.o" "$tmp/gru.o" "$tmp/rnn.o" "$tmp/softmax_ce.o" "$tmp/linear_softmax_ce.o" \
  "$tmp/adam.o" "$tmp/crf.o"
echo "wrote $out ($(wc -c <"$out") bytes)"
