#!/usr/bin/env bash
# `optimize --plot` and `compare --plot`: the files are real PNG/SVG with one
# trajectory line per optimizer in each of the three panels (map, f - f*, grad norm).
set -euo pipefail
E=${EDGEOPT:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

if ! "$E" optimize --function booth --optimizer gd --steps 50 --plot "$tmp/probe.png" >/dev/null 2>"$tmp/err"; then
  grep -q 'libcairo2-dev' "$tmp/err" || { cat "$tmp/err"; fail "no-cairo message"; }
  echo "plotting not built (no cairo): message checked, rest skipped"
  exit 0
fi
head -c 8 "$tmp/probe.png" | od -An -tx1 | grep -q '89 50 4e 47 0d 0a 1a 0a' || fail "PNG signature"

"$E" compare --function himmelblau --optimizers sgd,momentum,adam:lr=0.05,lbfgs --steps 200 \
  --plot "$tmp/cmp.svg" >/dev/null
grep -q '<svg' "$tmp/cmp.svg" || fail "not an SVG"
n=$(grep -o 'class="eo-line"' "$tmp/cmp.svg" | wc -l)
[ "$n" = 12 ] || fail "expected 12 series lines (4 optimizers x 3 panels), got $n"
grep -q '>iteration<' "$tmp/cmp.svg" || fail "axis label 'iteration' missing"
grep -q 'lbfgs' "$tmp/cmp.svg" || fail "legend entry missing"

# n > 2: no map, two convergence panels.
"$E" optimize --function rosenbrock:dim=6 --optimizer lbfgs --plot "$tmp/r.svg" >/dev/null
n=$(grep -o 'class="eo-line"' "$tmp/r.svg" | wc -l)
[ "$n" = 2 ] || fail "expected 2 lines for a 6-D run, got $n"
grep -q 'eo-contour' "$tmp/r.svg" && fail "no contour map expected for n > 2"

# A bad extension is refused before any work, with one line.
if "$E" optimize --function booth --plot "$tmp/x.gif" >/dev/null 2>"$tmp/err"; then fail "gif accepted"; fi
[ "$(wc -l <"$tmp/err")" = 1 ] || fail "one-line error expected"
[ ! -e "$tmp/x.gif" ] || fail "file written on error"
echo "optimize/compare plots: ok"
