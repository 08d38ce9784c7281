#!/usr/bin/env bash
# Runs the guide's example programs (examples/*.c, built into
# $EO_BINARY_DIR/examples) and checks what each chapter claims against
# independent references: analytic minima and Hessian eigenvalues, the
# textbook convergence rates, the true coefficients of the synthetic data,
# and, for chapter 6, the exported C compiled by the host compiler against the
# library's own outputs (int8 bit-identical, float within 1e-5).
set -euo pipefail
B=${EO_BINARY_DIR:?}/examples
S=${EO_SOURCE_DIR:?}
CC=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# field LINE KEY: the value after KEY in a "key value key value" line
field() { awk -v k="$2" '{for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit }}' <<<"$1"; }
assert() { # name awk-expression (variables a, b, c given as -v)
  local what=$1 expr=$2; shift 2
  awk "$@" "BEGIN { exit !($expr) }" </dev/null || fail "$what: $expr ($*)"
}
need() { [ -x "$B/$1" ] || { echo "SKIP $1: not built (its feature has not landed)"; return 1; }; }

# ---------------------------------------------------------------- chapter 1
if need ch1_adam; then
  out=$("$B/ch1_adam")
  echo "$out"
  adam=$(grep '^run adam ' <<<"$out"); lb=$(grep '^run lbfgs ' <<<"$out")
  sgd=$(grep '^run sgd ' <<<"$out"); mom=$(grep '^run momentum ' <<<"$out")
  # Rosenbrock's minimum is (1, 1) with f = 0
  assert "adam reaches (1,1)" 'd < 1e-3 && f < 1e-6' -v d="$(field "$adam" dist)" -v f="$(field "$adam" f)"
  assert "lbfgs converges" 'd < 1e-6 && n < 200' -v d="$(field "$lb" dist)" -v n="$(field "$lb" steps)"
  [ "$(field "$lb" reason)" = gtol ] || fail "lbfgs stopped by $(field "$lb" reason)"
  assert "momentum beats plain sgd at the same lr" 'm < s' -v m="$(field "$mom" f)" -v s="$(field "$sgd" f)"
  nc=$(grep '^run noisy-constant ' <<<"$out"); ncos=$(grep '^run noisy-cosine ' <<<"$out")
  assert "a decaying step goes below the noise floor" 'c < k / 10' -v c="$(field "$ncos" f)" -v k="$(field "$nc" f)"
fi

# ---------------------------------------------------------------- chapter 2
if need ch2_landscape; then
  out=$("$B/ch2_landscape")
  echo "$out"
  # Rosenbrock at (1,1): H = [[802, -400], [-400, 200]]; eigenvalues (1002 -+ sqrt(602^2 + 4*400^2)) / 2
  r=$(grep '^point rosenbrock ' <<<"$out")
  [ "$(field "$r" kind)" = minimum ] || fail "rosenbrock (1,1) is a minimum"
  e0=$(awk '{for(i=1;i<NF;i++) if($i=="eig"){print $(i+1)}}' <<<"$r")
  e1=$(awk '{for(i=1;i<NF;i++) if($i=="eig"){print $(i+2)}}' <<<"$r")
  assert "rosenbrock Hessian eigenvalues" '(a - (1002 - sqrt(602^2 + 4 * 400^2)) / 2)^2 < 1e-8 && (b - (1002 + sqrt(602^2 + 4 * 400^2)) / 2)^2 < 1e-4' \
    -v a="$e0" -v b="$e1"
  s=$(grep '^point saddle ' <<<"$out")
  [ "$(field "$s" kind)" = saddle ] || fail "x^2 - y^2 has a saddle at 0"
  [ "$(grep -c '^point himmelblau .* kind minimum' <<<"$out")" = 4 ] || fail "himmelblau has 4 minima"
  [ "$(grep -c '^point himmelblau .* kind maximum' <<<"$out")" = 1 ] || fail "himmelblau has 1 maximum"
  [ "$(grep -c '^point himmelblau .* kind saddle' <<<"$out")" = 4 ] || fail "himmelblau has 4 saddles"
  g=$(grep '^rate gd ' <<<"$out"); h=$(grep '^rate heavy-ball ' <<<"$out")
  # kappa = 100: gd (k-1)/(k+1) = 0.980198..., heavy ball (sqrt k - 1)/(sqrt k + 1) = 0.818181...
  assert "gd rate (kappa-1)/(kappa+1)" 'm > 0.9792 && m < 0.9812' -v m="$(field "$g" measured)"
  assert "heavy-ball rate (sqrt(kappa)-1)/(sqrt(kappa)+1)" 'm > 0.80 && m < 0.84' -v m="$(field "$h" measured)"
  for f in rosenbrock quadratic; do
    gd=$(grep "^race $f gd " <<<"$out")
    for m in lbfgs newton; do
      l=$(grep "^race $f $m " <<<"$out")
      assert "$m needs fewer iterations than gd on $f" 'a < b / 10' -v a="$(field "$l" iterations)" -v b="$(field "$gd" iterations)"
      [ "$(field "$l" reason)" = gtol ] || fail "$m on $f did not converge"
    done
  done
  nq=$(grep "^race quadratic newton " <<<"$out")
  [ "$(field "$nq" iterations)" = 1 ] || fail "Newton solves a quadratic in one step"
fi

# ---------------------------------------------------------------- chapter 3
if need ch3_regularization; then
  out=$("$B/ch3_regularization")
  echo "$out"
  l1=$(grep '^fit l1-prox ' <<<"$out"); l2=$(grep '^fit l2 ' <<<"$out"); cd=$(grep '^fit lasso-cd ' <<<"$out")
  assert "L1 gives exact zeros, L2 does not" 'z1 >= 10 && z2 == 0' -v z1="$(field "$l1" zeros)" -v z2="$(field "$l2" zeros)"
  # the data has 5 true non-zeros among 50 features
  for l in "$l1" "$cd"; do
    assert "L1 keeps the 5 true features" 'k == 5' -v k="$(field "$l" kept)"
  done
  assert "Lasso CD finds the support" 'z >= 40' -v z="$(field "$cd" zeros)"
  pa=$(grep '^path ' <<<"$out")
  assert "the 5 real features enter the Lasso path before any noise feature" 'a > b && b > 0' \
    -v a="$(field "$pa" all_true_in_at_alpha)" -v b="$(field "$pa" first_noise_alpha)"
fi

# ---------------------------------------------------------------- chapter 4
if need ch4_tuning; then
  out=$("$B/ch4_tuning")
  echo "$out"
  # the tuned heavy ball must beat the best plain gradient descent step (theory, kappa = 100)
  best=$(grep '^best ' <<<"$out" | head -1)
  [ -n "$best" ] || fail "ch4_tuning printed no best line"
  while read -r line; do
    assert "tuned momentum beats the optimal plain step ($line)" 'f < r' -v f="$(field "$line" f)" -v r="$(field "$line" gd_optimal_f)"
  done < <(grep '^best ' <<<"$out")
fi

# ---------------------------------------------------------------- chapter 5
if need ch5_quantize; then
  out=$("$B/ch5_quantize")
  echo "$out"
  fl=$(grep '^model float ' <<<"$out"); q8=$(grep '^model int8 ' <<<"$out"); ag=$(grep '^int8 ' <<<"$out")
  assert "int8 keeps the accuracy (drop <= 1 point)" 'q >= f - 0.01' -v q="$(field "$q8" accuracy)" -v f="$(field "$fl" accuracy)"
  assert "int8 constants <= 35% of float" 'q <= 0.35 * f' -v q="$(field "$q8" bytes)" -v f="$(field "$fl" bytes)"
  assert "int8 agrees with float" 'g >= 0.97 && s >= 20' -v g="$(field "$ag" agreement)" -v s="$(field "$ag" sqnr_db)"
  p0=$(grep '^model pruned80 ' <<<"$out"); p1=$(grep '^model pruned80-finetuned ' <<<"$out")
  assert "fine-tuning recovers accuracy after pruning" 'b > a + 0.05' -v a="$(field "$p0" accuracy)" -v b="$(field "$p1" accuracy)"
  assert "80% sparsity" 's > 0.79 && s < 0.81' -v s="$(field "$(grep '^pruned ' <<<"$out")" sparsity)"
fi

# ---------------------------------------------------------------- chapter 6
if need ch6_export; then
  "$B/ch6_export" "$tmp" | tee "$tmp/ch6.txt"
  for f in tinyf.h tinyf.c tiny8.h tiny8.c vectors.txt; do [ -s "$tmp/$f" ] || fail "ch6 did not write $f"; done
  cat >"$tmp/check.c" <<'C'
/* Compare the exported model with the library's outputs in vectors.txt. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "tinyf.h"
#include "tiny8.h"
int main(void) {
    char kind[16]; int n, in, out, bad = 0; double worst = 0;
    while (scanf("%15s %d %d %d", kind, &n, &in, &out) == 4) {
        for (int i = 0; i < n; i++) {
            if (strcmp(kind, "float") == 0) {
                float x[TINYF_INPUT_SIZE], y[TINYF_OUTPUT_SIZE], r;
                for (int j = 0; j < in; j++) if (scanf("%f", &x[j]) != 1) return 2;
                tinyf_scale_input(x);
                tinyf_predict(x, y);
                for (int c = 0; c < out; c++) {
                    if (scanf("%f", &r) != 1) return 2;
                    double d = fabs((double)y[c] - r) / (1.0 + fabs(r));
                    if (d > worst) worst = d;
                }
            } else {
                int v; int8_t x[TINY8_INPUT_SIZE], y[TINY8_OUTPUT_SIZE];
                for (int j = 0; j < in; j++) { if (scanf("%d", &v) != 1) return 2; x[j] = (int8_t)v; }
                tiny8_predict_int8(x, y);
                for (int c = 0; c < out; c++) { if (scanf("%d", &v) != 1) return 2; bad += y[c] != v; }
            }
        }
    }
    printf("float_worst %.3g int8_mismatches %d\n", worst, bad);
    return !(worst <= 1e-5 && bad == 0);
}
C
  "$CC" -std=c99 -O2 -Wall -Wextra -Werror -I"$tmp" "$tmp/check.c" "$tmp/tinyf.c" "$tmp/tiny8.c" -lm -o "$tmp/check" ||
    fail "the exported C does not compile with $CC -std=c99 -Wall -Wextra -Werror"
  "$tmp/check" <"$tmp/vectors.txt" || fail "exported C disagrees with the library"
  e8=$(grep '^export tiny8 ' "$tmp/ch6.txt"); ef=$(grep '^export tinyf ' "$tmp/ch6.txt")
  # int8 weights are a quarter of float32 ones (plus int32 biases and scales)
  assert "int8 export has smaller weights" 'a < b / 2' -v a="$(field "$e8" weight_bytes)" -v b="$(field "$ef" weight_bytes)"
fi

# ---------------------------------------------------------------- jsonq
if need jsonq; then
  echo '{"a":1.5,"b":[{"c":"x"},{"c":2}],"d":null,"e":true}' >"$tmp/j.json"
  got=$("$B/jsonq" "$tmp/j.json" a b.1.c b.0.c b.# d e | tr '\n' ' ')
  [ "$got" = "1.5 2 x 2 null true " ] || fail "jsonq printed '$got'"
  set +e; "$B/jsonq" "$tmp/j.json" nope >/dev/null; rc=$?; set -e
  [ "$rc" = 1 ] || fail "jsonq: a missing path must give status 1"
fi
echo "examples OK"
