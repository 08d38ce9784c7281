#!/usr/bin/env bash
# `make demo` in its small-size mode (DEMO_QUICK=1) on the already built tree:
# the demo must finish, write its table (Markdown + JSON), run every stage whose
# command exists, list exactly the others as missing (no faked stage), and the
# exported C must predict the same classes as the library on every test image.
set -euo pipefail
B=${EO_BINARY_DIR:?}
S=${EO_SOURCE_DIR:?}
E=${EDGEOPT:?}
JQ=$B/examples/jsonq
[ -x "$JQ" ] || { echo "SKIP: $JQ not built"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
have() { "$E" help 2>/dev/null | grep -qE "^  $1( |$)"; }

start=$(date +%s)
DEMO_QUICK=1 DEMO_SKIP_BUILD=1 BUILD="$B" OUT="$tmp/out" bash "$S/scripts/demo.sh" >"$tmp/log" 2>&1 ||
  { cat "$tmp/log"; fail "the quick demo failed"; }
secs=$(($(date +%s) - start))
cat "$tmp/log"
sum=$tmp/out/summary.json
[ -s "$sum" ] && [ -s "$tmp/out/summary.md" ] || fail "no summary.md / summary.json"
grep -q "output: $tmp/out" "$tmp/log" || fail "the demo must print its output folder"

# the baseline row: trained, evaluated, measured
[ "$("$JQ" "$sum" models.0.model)" = baseline ] || fail "first row is not the baseline"
acc=$("$JQ" "$sum" models.0.accuracy)
awk -v a="$acc" 'BEGIN { exit !(a > 0.5 && a <= 1) }' || fail "baseline accuracy $acc (3000 rows, 1 epoch give ~0.7)"
[ "$("$JQ" "$sum" models.0.bytes)" -gt 900000 ] || fail "the 784-256-128-10 float model has > 900 kB of weights"
grep -q '^| baseline ' "$tmp/out/summary.md" || fail "summary.md has no baseline row"
[ -s "$tmp/out/plots/baseline-curves.png" ] || grep -q "has no plotting" "$tmp/log" || fail "no learning-curve plot"

# no faked stage: each optional stage ran iff its command exists
missing=$("$JQ" "$sum" missing)
for pair in tune:tuning quantize:int8 prune:pruned distill:student compress-report:report export:export; do
  cmd=${pair%%:*} stage=${pair#*:}
  if have "$cmd"; then
    grep -q "\"$stage (edgeopt $cmd)\"" <<<"$missing" && fail "$stage listed missing although 'edgeopt $cmd' exists"
  else
    grep -q "\"$stage (edgeopt $cmd)\"" <<<"$missing" || fail "$stage must be listed missing ('edgeopt $cmd' does not exist)"
  fi
done
if have quantize; then
  [ "$("$JQ" "$sum" models.1.type)" = int8 ] || fail "with quantize the demo has an int8 row"
fi

# the export ran on the host and agrees with the library on every image
if have export; then
  [ "$("$JQ" "$sum" host_run.n)" = 500 ] || fail "the exported C did not run on the 500 quick test images"
  agree=$("$JQ" "$sum" agreement)
  awk -v a="$agree" 'BEGIN { exit !(a == 1) }' || fail "exported C and library disagree (agreement $agree)"
  best=$("$JQ" "$sum" exported)
  [ -s "$tmp/out/export/fmnist.c" ] && [ -s "$tmp/out/export/fmnist.h" ] || fail "no exported files"
  # the C accuracy is the library's accuracy of the same model
  for i in 0 1 2 3 4 5 6; do
    [ "$("$JQ" "$sum" "models.$i.model")" = "$best" ] || continue
    la=$("$JQ" "$sum" "models.$i.accuracy"); ca=$("$JQ" "$sum" host_run.accuracy)
    awk -v a="$la" -v b="$ca" 'BEGIN { d = a - b; exit !(d < 1e-9 && d > -1e-9) }' ||
      fail "exported C accuracy $ca differs from the library's $la"
  done
fi
# the emulated Cortex-M, when this machine has QEMU and the cross compiler
q=$("$JQ" "$sum" qemu)
if [ "$q" != null ]; then
  grep -q '^20/20 images classified as on the host' <<<"$q" || fail "QEMU run: $q"
fi
echo "quick demo OK in ${secs}s"
