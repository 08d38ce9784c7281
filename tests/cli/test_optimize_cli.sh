#!/usr/bin/env bash
# edgeopt optimize / functions / compare / lasso: --json parses and agrees with
# the analytic minima, traces have one row per iteration (row 0 = the start),
# errors (unknown names, bad values) are one stderr line with a non-zero exit.
set -euo pipefail
E=${EDGEOPT:?}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

jcheck() { # file python-expression over d
  [ "$(wc -l <"$1")" = 1 ] || fail "--json must print exactly one line: $(cat "$1")"
  "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert eval(sys.argv[2]), (sys.argv[2], d)' "$1" "$2" ||
    fail "check '$2' on $(head -c 400 "$1")"
}

check_error() { # expected-substring args...
  local want=$1; shift
  set +e
  "$E" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  set -e
  [ "$rc" -ne 0 ] || fail "'$*' should fail"
  [ ! -s "$tmp/out" ] || fail "'$*' wrote to stdout"
  [ "$(wc -l <"$tmp/err")" = 1 ] || { cat "$tmp/err"; fail "'$*' should print one stderr line"; }
  grep -q -- "$want" "$tmp/err" || { cat "$tmp/err"; fail "'$*' message lacks '$want'"; }
}

# --- optimize: the brief's example, JSON keys, trace rows
"$E" optimize --function rosenbrock:dim=2 --optimizer 'adam:lr=0.01' --start -1.5,2 --steps 5000 \
  --trace "$tmp/t.csv" --json >"$tmp/o.json"
jcheck "$tmp/o.json" 'set(["x","f","grad_norm","iterations","evaluations","converged","reason","seconds"]) <= set(d)'
jcheck "$tmp/o.json" 'len(d["x"]) == 2 and d["f"] < 1e-6 and abs(d["x"][0]-1) < 1e-3 and abs(d["x"][1]-1) < 1e-3'
iters=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["iterations"])' "$tmp/o.json")
head -1 "$tmp/t.csv" | grep -qx 'iter,f,grad_norm,x0,x1' || fail "trace header: $(head -1 "$tmp/t.csv")"
rows=$(($(wc -l <"$tmp/t.csv") - 1))
[ "$rows" = $((iters + 1)) ] || fail "trace has $rows rows for $iters iterations"
sed -n 2p "$tmp/t.csv" | grep -q '^0,' || fail "trace row 0 is not iteration 0"
"$PY" - "$tmp/t.csv" <<'PYEOF' || fail "trace content"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
x0, x1 = float(rows[0]["x0"]), float(rows[0]["x1"])
assert (x0, x1) == (-1.5, 2.0), (x0, x1)
f0 = 100 * (x1 - x0 * x0) ** 2 + (1 - x0) ** 2   # Rosenbrock at the start
assert abs(float(rows[0]["f"]) - f0) < 1e-12 * f0
assert [int(r["iter"]) for r in rows] == list(range(len(rows)))
PYEOF

# L-BFGS, Newton, BFGS, CG, Nelder-Mead reach the minimum; the reason says which criterion fired
for opt in lbfgs:m=5 newton bfgs cg:variant=pr nelder-mead; do
  "$E" optimize --function rosenbrock --optimizer "$opt" --steps 20000 --json >"$tmp/o.json"
  jcheck "$tmp/o.json" 'd["converged"] and d["reason"] in ("gtol","xtol") and d["f"] < 1e-8'
done
"$E" optimize --function rosenbrock --optimizer lbfgs --steps 3 --json >"$tmp/o.json"
jcheck "$tmp/o.json" 'd["reason"] == "max_iter" and d["iterations"] == 3 and not d["converged"]'
"$E" optimize --function quadratic:dim=10,cond=100 --optimizer gd --max-evals 7 --json >"$tmp/o.json"
jcheck "$tmp/o.json" 'd["reason"] == "max_evals" and d["evaluations"] <= 7 and len(d["x"]) == 10'
"$E" optimize --function rosenbrock-ext:dim=1000 --optimizer lbfgs --json >"$tmp/o.json"
jcheck "$tmp/o.json" 'd["converged"] and len(d["x"]) == 1000 and d["f"] < 1e-10'
# a schedule with a first-order method; a global method on Rastrigin
"$E" optimize --function quadratic:dim=4 --optimizer sgd:lr=0.05 --schedule cosine:T=2000 --steps 2000 --json >"$tmp/o.json"
jcheck "$tmp/o.json" 'd["f"] < 1e-8'
"$E" optimize --function rastrigin --optimizer anneal:seed=1 --start 2.5,2.5 --steps 5000 --json >"$tmp/o.json"
jcheck "$tmp/o.json" 'd["f"] < 1e-10'
"$E" optimize --function himmelblau --optimizer newton >"$tmp/text"
grep -q '^reason *gtol (converged)' "$tmp/text" || fail "text output: $(cat "$tmp/text")"

check_error "unknown function 'nosuch'" optimize --function nosuch
check_error "unknown optimizer 'frob'" optimize --optimizer frob
check_error "dim=2 only" optimize --function himmelblau:dim=3
check_error "unknown key 'mm'" optimize --optimizer lbfgs:mm=3
check_error "m: 0 is out of range" optimize --optimizer lbfgs:m=0
check_error "--steps" optimize --steps abc
check_error "--start" optimize --function himmelblau --start 1,2,3
check_error "--start" optimize --start 1,x
check_error "--schedule" optimize --optimizer lbfgs --schedule cosine:T=10
check_error "--schedule" optimize --optimizer adam --schedule nosuch:T=1
check_error "unknown option '--bogus'" optimize --bogus
check_error "diverged" optimize --function rosenbrock --optimizer sgd:lr=0.1 --start -1.5,2
check_error "must end in .png or .svg" optimize --plot "$tmp/p.gif"

# --- functions
"$E" functions --json >"$tmp/f.json"
jcheck "$tmp/f.json" 'len(d["functions"]) >= 9 and {"quadratic","rosenbrock","rastrigin","ackley","himmelblau","beale","booth","styblinski-tang","saddle"} <= {f["name"] for f in d["functions"]}'
jcheck "$tmp/f.json" 'sum(p["global"] for f in d["functions"] if f["name"]=="himmelblau" for p in f["points"]) == 4'
"$E" functions | grep -q '^himmelblau' || fail "functions text"

# --- compare
"$E" compare --function himmelblau --optimizers sgd,momentum,nesterov,adam,rmsprop,lbfgs --steps 3000 \
  --start 0,0 --trace-dir "$tmp/tr" --json >"$tmp/c.json"
jcheck "$tmp/c.json" 'len(d["results"]) == 6 and [r["optimizer"] for r in d["results"]] == ["sgd","momentum","nesterov","adam","rmsprop","lbfgs"]'
jcheck "$tmp/c.json" 'all(set(["x","f","iterations","evaluations","reason","converged"]) <= set(r) for r in d["results"])'
jcheck "$tmp/c.json" 'next(r for r in d["results"] if r["optimizer"]=="lbfgs")["f"] < 1e-10'
[ "$(ls "$tmp/tr" | wc -l)" = 6 ] || fail "compare wrote $(ls "$tmp/tr" | wc -l) traces"
"$PY" - "$tmp/c.json" <<'PYEOF' || fail "compare traces"
import csv, json, sys
d = json.load(open(sys.argv[1]))
for r in d["results"]:
    rows = list(csv.DictReader(open(r["trace"])))
    assert len(rows) == r["iterations"] + 1, (r["optimizer"], len(rows))
    assert float(rows[0]["x0"]) == 0.0 and float(rows[0]["x1"]) == 0.0
PYEOF
"$E" compare --optimizers 'sgd:lr=0.01,momentum=0.9,adam' --json >"$tmp/c.json"
jcheck "$tmp/c.json" '[r["optimizer"] for r in d["results"]] == ["sgd:lr=0.01,momentum=0.9","adam"]'
"$E" compare --steps 50 | grep -q '^lbfgs' || fail "compare text table"
check_error "unknown optimizer 'nope'" compare --optimizers adam,nope
check_error "must end in .png or .svg" compare --plot "$tmp/c.gif"

# --- lasso
"$E" lasso --data synthetic:sparse-regression:n=400,d=40,k=4,seed=3 --alpha 0.05 --json >"$tmp/l.json"
jcheck "$tmp/l.json" 'len(d["coef"]) == 40 and 1 <= d["nonzero"] <= 10 and d["converged"]'
"$E" lasso --data synthetic:sparse-regression:n=400,d=40,k=4,seed=3 --path 6 --json >"$tmp/l.json"
jcheck "$tmp/l.json" 'len(d["alphas"]) == 6 and d["nonzero"][0] == 0 and d["nonzero"][-1] >= 4 and all(a > b for a, b in zip(d["alphas"], d["alphas"][1:]))'
"$E" lasso --data synthetic:sparse-regression:n=400,d=40,k=4,seed=3 --alpha 0.05 --l1-ratio 0.5 >"$tmp/text"
grep -q 'nonzero' "$tmp/text" || fail "lasso text"
check_error "--data is required" lasso --alpha 1
check_error "--alpha" lasso --data synthetic:sparse-regression --alpha -1
check_error "--l1-ratio" lasso --data synthetic:sparse-regression --alpha 1 --l1-ratio 2
check_error "give --alpha" lasso --data synthetic:sparse-regression
check_error "unknown synthetic" lasso --data synthetic:nosuch --alpha 1
echo "optimize CLI: ok"
