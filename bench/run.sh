#!/usr/bin/env bash
# Run the benchmarks beside their peers and print the figures recorded in
# bench/RESULTS.md.
#   Usage: bench/run.sh [BUILD_DIR [SECTION...]]   (default: build, all sections)
# BUILD_DIR (or EO_BUILD_DIR) is a CMake build with EO_BUILD_BENCH=ON; `make
# bench` passes its own. Each section is a shell function below, registered in
# SECTIONS; to add one, write the function and append its name. Peers in
# Python run with /usr/bin/python3 and without OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-${EO_BUILD_DIR:-$SRC/build}}
[ $# -gt 0 ] && shift
BUILD=$(cd "$BUILD" && pwd)
PY=/usr/bin/python3
peer() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" "$@"; }
have_torch() { peer -c 'import torch' 2>/dev/null; }

SECTIONS=()
# Print a command, then run it (so every figure comes with its command line).
show() { echo "\$ $*"; "$@"; }

# ------------------------------------------------------------ SGEMM (lane A)
# eo_sgemm vs OpenBLAS cblas_sgemm, 1 and 2 threads, square and MLP shapes;
# median of 7 repetitions. Figures in bench/RESULTS.md (GEMM section).
gemm() {
    show "$BUILD/bench/gemm_bench" --reps 7 --time 0.1 --threads 1,2
}
SECTIONS+=(gemm)

# -------------------------------------------------------------------- main
run=("$@")
[ ${#run[@]} -eq 0 ] && run=("${SECTIONS[@]}")
for s in "${run[@]}"; do
    echo "== $s"
    "$s"
done
