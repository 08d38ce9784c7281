#!/usr/bin/env bash
# edgeopt data info: text and --json on fixtures and synthetic sets; bad files
# and specs give one stderr line, nothing on stdout, and a non-zero exit.
set -euo pipefail
E=${EDGEOPT:?}
S=${EO_SOURCE_DIR:?}
F=$S/tests/fixtures/data
PY=/usr/bin/python3
[ -x "$PY" ] || PY=
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

json_check() { # file python-assertion-expression (d = the parsed object)
  [ "$(wc -l <"$1")" = 1 ] || fail "--json must print exactly one line: $(cat "$1")"
  if [ -n "$PY" ]; then
    "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert eval(sys.argv[2]), sys.argv[2]' "$1" "$2" ||
      fail "json check '$2' on $(cat "$1")"
  else
    grep -q '^{.*}$' "$1" || fail "not a JSON object: $(cat "$1")"
  fi
}

# Text output on the CSV fixture.
"$E" data info "csv:$F/small.csv:label=species" >"$tmp/t"
grep -q '^rows      6$' "$tmp/t" || fail "rows: $(cat "$tmp/t")"
grep -q '^features  2 ' "$tmp/t" || fail "features"
grep -q '^classes   3$' "$tmp/t" || fail "classes"
grep -Eq '^  class 2 +2 ' "$tmp/t" || fail "class counts"

# JSON: all per-feature arrays, counts, summary; the means match a Python computation.
"$E" data info "csv:$F/small.csv:label=species" --json >"$tmp/j"
json_check "$tmp/j" 'd["rows"]==6 and d["features"]==2 and d["classes"]==3 and d["class_counts"]==[2,2,2]'
json_check "$tmp/j" 'abs(d["feature_mean"][0]-(5.1+4.9+6.4+6.9+6.3+5.8)/6)<1e-5 and d["feature_max"][1]==3.5'
json_check "$tmp/j" 'd["task"]=="classification" and len(d["feature_std"])==2 and d["dtype"]=="f32"'

# libsvm (-1/+1 labels are reported with their values), IDX, npy, synthetic, --limit.
"$E" data info "libsvm:$F/small.libsvm" --json >"$tmp/j"
json_check "$tmp/j" 'd["rows"]==3 and d["features"]==3 and d["class_values"]==[-1,1] and d["class_counts"]==[1,2]'
"$E" data info "idx:$F/tiny-images-idx3-ubyte.gz,$F/tiny-labels-idx1-ubyte" --json >"$tmp/j"
json_check "$tmp/j" 'd["rows"]==5 and d["shape"]==[1,2,3] and d["dtype"]=="u8" and d["class_counts"]==[1,1,1,2]'
"$E" data info "npy:$F/x_f4.npy,$F/y_f4.npy:regression" --json >"$tmp/j"
json_check "$tmp/j" 'd["task"]=="regression" and d["targets"]["max"]==3.0 and d["feature_min"]==[0.5,1.5,2.5]'
"$E" data info synthetic:moons:n=300,seed=2 --limit 100 --json >"$tmp/j"
json_check "$tmp/j" 'd["rows"]==100 and d["class_counts"]==[50,50]'
"$E" data info synthetic:sparse-regression:n=50,d=12,k=3 >"$tmp/t"
grep -q '^targets ' "$tmp/t" || fail "regression text output"
grep -q 'first 8 of 12 features' "$tmp/t" || fail "compact feature table"
"$E" data info --help | grep -q 'usage: edgeopt data info' || fail "--help"

# Errors: one stderr line, nothing on stdout, non-zero exit.
check_error() { # expected-substring args...
  local want=$1; shift
  set +e
  "$E" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  set -e
  [ "$rc" -ne 0 ] || fail "'$*' should fail"
  [ ! -s "$tmp/out" ] || fail "'$*' wrote to stdout"
  [ "$(wc -l <"$tmp/err")" = 1 ] || { cat "$tmp/err"; fail "'$*' should print one stderr line"; }
  grep -qF -- "$want" "$tmp/err" || { cat "$tmp/err"; fail "'$*' message lacks '$want'"; }
}
check_error "bad_cell.csv:2:5: field 2: expected a number, got 'oops'" data info "csv:$F/bad_cell.csv"
check_error "Fortran-order" data info "npy:$F/x_fortran.npy"
check_error "pickled" data info "npy:$F/x_object.npy"
check_error "cannot open" data info "csv:$tmp/missing.csv"
printf '' >"$tmp/empty.csv"
check_error "empty file" data info "csv:$tmp/empty.csv"
printf '1,2,0\n1,2\n' >"$tmp/ragged.csv"
check_error "ragged row" data info "csv:$tmp/ragged.csv"
printf '1,nan,0\n' >"$tmp/nan.csv"
check_error "NaN cell" data info "csv:$tmp/nan.csv"
head -c 30 "$F/tiny-images-idx3-ubyte.gz" >"$tmp/trunc.gz"
check_error "truncated gzip" data info "idx:$tmp/trunc.gz"
printf '\x00\x00\x08\x03\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x10' >"$tmp/huge-idx"
check_error "IDX dimensions overflow" data info "idx:$tmp/huge-idx"
printf '\x00\x00\x08\x02\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x10' >"$tmp/big-idx"
check_error "truncated IDX data: header promises 18446744065119617025 elements" data info "idx:$tmp/big-idx"
printf '\x01\x02\x08\x01\x00\x00\x00\x01\x05' >"$tmp/magic-idx"
check_error "bad IDX magic" data info "idx:$tmp/magic-idx"
check_error "unknown data source 'parquet'" data info parquet:x
check_error "unknown synthetic set" data info synthetic:circles
check_error "--limit: expected an integer" data info synthetic:moons --limit 1e999
check_error "--limit" data info synthetic:moons --limit 0
check_error "needs a SPEC" data info
check_error "unknown subcommand" data frobnicate
check_error "expected a subcommand" data
EO_FASHION_MNIST_DIR=$tmp/none check_error "apt-get install dataset-fashion-mnist" data info fashion-mnist
echo "ok"
