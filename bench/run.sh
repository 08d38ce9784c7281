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
# OpenBLAS runs without OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE so that it picks
# its own best kernels for the CPU (the environment may force older ones).
gemm() {
    show env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$BUILD/bench/gemm_bench" --reps 7 --time 0.1 --threads 1,2
}
SECTIONS+=(gemm)

# ------------------------------------------------ optimizer step (lane C)
# 10,000 Adam steps on 2-D Rosenbrock: edgeopt (median of 21 runs) against
# torch.optim.Adam (median of 3 runs; time inside opt.step() and a full
# zero_grad/backward/step loop). Target: >= 1000x faster per step.
optim_step() {
    local ours theirs
    echo "\$ $BUILD/bench/optim_step_bench 21 10000"
    ours=$("$BUILD/bench/optim_step_bench" 21 10000)
    echo "$ours"
    if ! have_torch; then
        echo "optim_step: torch not installed (apt-get install python3-torch): no peer"
        return 0
    fi
    echo "\$ env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $PY $SRC/bench/optim_step_torch.py 3 10000"
    theirs=$(peer "$SRC/bench/optim_step_torch.py" 3 10000)
    echo "$theirs"
    awk -v a="$ours" -v b="$theirs" 'BEGIN {
        match(a, /ns_per_step=[0-9.]+/); ns = substr(a, RSTART + 12, RLENGTH - 12)
        match(b, /step_us=[0-9.]+/); st = substr(b, RSTART + 8, RLENGTH - 8)
        match(b, /loop_us=[0-9.]+/); lp = substr(b, RSTART + 8, RLENGTH - 8)
        printf "optim_step ratio: torch step / edgeopt step = %.0fx, torch loop / edgeopt step = %.0fx (target >= 1000x)\n",
               1000 * st / ns, 1000 * lp / ns
    }'
}
SECTIONS+=(optim_step)

# ------------------------------------------- int8 and compression (lane F)
# MLP 784-128-10 at batch 1: int8 kernels against our float path (target
# >= 2x); CSR against dense eo_sgemm at sparsities 0..0.99, batch 1 and 128;
# k-means lookup layer. Medians of 9 repetitions of >= 0.05 s each.
int8() {
    show "$BUILD/bench/int8_bench" --reps 9 --time 0.05
}
SECTIONS+=(int8)

# ----------------------------------------------------- data loading (lane B)
# Fashion-MNIST train/test load (median of 7) beside gzip + NumPy, and CSV /
# libsvm parse throughput on generated text.
data_load() {
    show "$BUILD/bench/data_load_bench" 7
    echo "\$ env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $PY $SRC/bench/data_load_numpy.py 7"
    peer "$SRC/bench/data_load_numpy.py" 7 || echo "data_load: numpy peer failed (apt-get install python3-numpy)"
}
SECTIONS+=(data_load)

# -------------------------------------------------- L-BFGS and Lasso (lane D)
# L-BFGS (m = 10) on extended Rosenbrock, n = 1,000 and 10,000, from (-1.2, 1, ...):
# SciPy's L-BFGS-B with its defaults first (median of 5), then edgeopt and
# NLopt LD_LBFGS stopping at the first f <= SciPy's final f (medians of 21 / 7).
# Targets: evaluations <= SciPy's, >= 10x faster than SciPy, >= 2x than NLopt.
lbfgs() {
    local sp ours
    echo "\$ env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $PY $SRC/bench/lbfgs_scipy.py 5"
    sp=$(peer "$SRC/bench/lbfgs_scipy.py" 5)
    echo "$sp"
    local targets
    targets=$(echo "$sp" | sed -n 's/.* f=\([^ ]*\) .*/\1/p' | paste -sd, -)
    show "$BUILD/bench/lbfgs_bench" --reps 21 --target "$targets" | tee /tmp/eo_lbfgs_bench.$$
    ours=$(cat /tmp/eo_lbfgs_bench.$$)
    rm -f /tmp/eo_lbfgs_bench.$$
    printf '%s\n%s\n' "$sp" "$ours" | awk '
        { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
          key = v["n"] "/" v["solver"]; ev[key] = v["evals"]; ms[key] = v["ms"]; ns[v["n"]] = 1 }
        END { for (n in ns) {
            printf "lbfgs n=%s: evals edgeopt %s scipy %s nlopt %s; time scipy/edgeopt = %.1fx (target >= 10x)",
                   n, ev[n "/edgeopt"], ev[n "/scipy"], ev[n "/nlopt"], ms[n "/scipy"] / ms[n "/edgeopt"]
            if (ms[n "/nlopt"] != "") printf ", nlopt/edgeopt = %.1fx (target >= 2x)", ms[n "/nlopt"] / ms[n "/edgeopt"]
            printf "\n" } }'
}
SECTIONS+=(lbfgs)

# Lasso CD, X 5,000 x 1,000 Gaussian, 50 true non-zeros, alpha 0.1, tol 1e-4:
# scikit-learn's Lasso on C- and Fortran-ordered X (median of 5) against
# eo_enet_fit on row- and column-major X (median of 7), same coefficients.
lasso() {
    local dir sk ours
    dir=$(mktemp -d)
    echo "\$ env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $PY $SRC/bench/lasso_sklearn.py DIR 5"
    sk=$(peer "$SRC/bench/lasso_sklearn.py" "$dir" 5)
    echo "$sk"
    echo "\$ $BUILD/bench/lasso_bench DIR 7"
    ours=$("$BUILD/bench/lasso_bench" "$dir" 7)
    echo "$ours"
    rm -rf "$dir"
    printf '%s\n%s\n' "$sk" "$ours" | awk '
        { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
          ms[v["solver"] "/" v["order"]] = v["ms"]; if (v["solver"] == "edgeopt") d[v["order"]] = v["max_abs_diff"] }
        END { printf "lasso: sklearn(C)/edgeopt(C) = %.1fx, sklearn(F)/edgeopt(F) = %.1fx, sklearn(F)/edgeopt(C) = %.1fx; max |w - w_sklearn| = %s (target 1e-4)\n",
                     ms["sklearn/C"] / ms["edgeopt/C"], ms["sklearn/F"] / ms["edgeopt/F"], ms["sklearn/F"] / ms["edgeopt/C"], d["C"] }'
}
SECTIONS+=(lasso)

# ------------------------------------------------------- training (lane L)
# Fashion-MNIST: softmax regression against scikit-learn's LogisticRegression,
# the 784-256-128-10 MLP (Adam, batch 128, 5 epochs, 3 seeds, 1 and 2 threads)
# and a 20k-parameter CNN against PyTorch. bench/train_bench.sh prints every
# command and the summary ratios; figures in bench/RESULTS.md ("Training").
train() {
    bash "$SRC/bench/train_bench.sh" "$BUILD"
}
SECTIONS+=(train)

# ------------------------------------------ model-level compression (lane I)
# Fashion-MNIST: int8 PTQ/QAT, pruning (gradual, structured), distillation
# (3 seeds), clustering, compress-report, and PyTorch's dynamic quantization
# and torch.nn.utils.prune on the same MLP (~15 min; bench/compress_bench.sh).
compress() {
    show bash "$SRC/bench/compress_bench.sh" "$BUILD"
}
SECTIONS+=(compress)

# ------------------------------------------------- layer stacks (lane E)
# Forward + softmax-CE + backward per batch of 128 (best of 5 x 10 batches) for
# the 784-256-128-10 MLP, the guide's CNN and a CNN with batch norm, against
# PyTorch with the same thread count. ms_cpu is process CPU time (robust on a
# busy machine for 1 thread); ms_wall is wall time.
layers() {
    local t n
    for t in 1 2; do
        for n in mlp cnn cnn_bn; do
            show "$BUILD/bench/model_layers_bench" $n $t 10
            if have_torch; then
                echo "\$ env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $PY $SRC/bench/model_layers_torch.py $n $t 10"
                peer "$SRC/bench/model_layers_torch.py" $n $t 10
            fi
        done
    done
}
SECTIONS+=(layers)

# ------------------------------------------------ hyperparameter tuning (lane K)
# Tuning overhead per trial (trivial objective); on Fashion-MNIST (10,000
# rows, MLP space, equal epoch budgets, 3 seeds) random, TPE and Hyperband
# against Optuna's TPE driving PyTorch; the full grid against Hyperband with a
# third of its epochs (~1 h on 2 cores; bench/tune_bench.sh prints every command).
tune() {
    bash "$SRC/bench/tune_bench.sh" "$BUILD"
}
SECTIONS+=(tune)

# ------------------------------------------------------ C export (lane J)
# Host latency of exported C (float vs int8, plain portable loops, cc -O2)
# beside the library at batch 1, for the 784-128-10 MLP and a < 100k-parameter
# CNN; their flash/RAM figures and arm-none-eabi-size of the objects.
export_c() {
    bash "$SRC/bench/export_bench.sh" "$BUILD" 2000 7
}
SECTIONS+=(export_c)

# -------------------------------------------------------------------- main
run=("$@")
[ ${#run[@]} -eq 0 ] && run=("${SECTIONS[@]}")
for s in "${run[@]}"; do
    echo "== $s"
    "$s"
done
