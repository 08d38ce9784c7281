#!/usr/bin/env bash
# edgeopt distill options of the distillation lane: --mixup (transfer set)
# and --schedule. A small synthetic problem: the run is deterministic, the
# JSON reports the settings, --mixup changes the student, --mixup with
# --alpha 0 is the plain run (no soft term to carry the mixtures),
# --schedule changes the student and bad values are one-line usage errors.
set -euo pipefail
E=${EDGEOPT:?}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }
jget() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d[sys.argv[2]])' "$1" "$2"; }

D=synthetic:blobs:n=600
"$E" train --data $D --model mlp:32 --optimizer 'adam:lr=0.01' --epochs 4 --seed 2 -o t.eom --checkpoint none >/dev/null
run() { # OUT extra options...
    local o=$1
    shift
    "$E" distill --teacher t.eom --model mlp:4 --data $D --epochs 3 --temperature 2 --seed 3 -o "$o.eom" --json "$@" \
        >"$o.json" 2>/dev/null
}
run a --alpha 0.7 --mixup 0.5
run b --alpha 0.7 --mixup 0.5
run c --alpha 0.7
run d --alpha 0 --mixup 0.5
run f --alpha 0
run g --alpha 0.7 --schedule cosine:T=3
[ "$(jget a.json mixup)" = 0.5 ] || fail "json mixup: $(jget a.json mixup)"
[ "$(jget c.json mixup)" = 0 ] || fail "json mixup default: $(jget c.json mixup)"
"$E" predict a.eom --data $D -o a.csv >/dev/null
"$E" predict b.eom --data $D -o b.csv >/dev/null
"$E" predict c.eom --data $D -o c.csv >/dev/null
"$E" predict d.eom --data $D -o d.csv >/dev/null
"$E" predict f.eom --data $D -o f.csv >/dev/null
"$E" predict g.eom --data $D -o g.csv >/dev/null
cmp -s a.csv b.csv || fail "--mixup is not deterministic for a seed"
cmp -s a.csv c.csv && fail "--mixup did not change the student"
cmp -s d.csv f.csv || fail "--mixup with --alpha 0 differs from the plain run"
cmp -s g.csv c.csv && fail "--schedule did not change the student"

check_usage() {
    local rc=0
    "$E" distill "$@" >out.txt 2>err.txt || rc=$?
    [ "$rc" = 2 ] || fail "distill $* exited $rc, expected 2"
    [ "$(wc -l <err.txt)" = 1 ] || fail "distill $*: expected one line on stderr, got: $(cat err.txt)"
}
check_usage --teacher t.eom --model mlp:4 --data $D --mixup -1 -o x.eom
check_usage --teacher t.eom --model mlp:4 --data $D --mixup nan -o x.eom
check_usage --teacher t.eom --model mlp:4 --data $D --schedule bogus:x=1 -o x.eom
check_usage --teacher t.eom --model mlp:4 --data $D --schedule-unit hour -o x.eom
echo "distill cli OK"
