#!/usr/bin/env bash
# edgeopt landscape from the command line, on small synthetic data: random
# directions (JSON shape, CSV rows, the centre equals `edgeopt eval`'s loss,
# SVG series counts), the line between two models (end points equal each
# model's eval loss), PCA directions of a trajectory made by train --resume,
# and one-line errors with the right exit codes.
set -euo pipefail
. "${EO_SOURCE_DIR:?}/tests/lib.sh"
D="synthetic:moons:n=300"

"$E" train --data "$D" --model mlp:16 --optimizer 'adam:lr=0.01' --epochs 4 --batch 32 --seed 1 \
  -o a.eom --checkpoint none >/dev/null
"$E" train --data "$D" --model mlp:16 --optimizer 'adam:lr=0.01' --epochs 4 --batch 32 --seed 2 \
  -o b.eom --checkpoint none >/dev/null
"$E" eval a.eom --data "$D" --json >ea.json
"$E" eval b.eom --data "$D" --json >eb.json
# Plots need cairo: without it the command must say so (one line, exit 1).
have_plot=1
if ! "$E" landscape a.eom --data "$D" --grid 3 --line-only --plot probe.png >/dev/null 2>probe.err; then
    grep -q 'libcairo2-dev' probe.err || { cat probe.err; fail "no-cairo message"; }
    have_plot=0
    echo "plotting not built (no cairo): plot checks skipped"
else
    head -c 8 probe.png | od -An -tx1 | grep -q '89 50 4e 47 0d 0a 1a 0a' || fail "PNG signature"
fi

# --- random directions: line and plane
plot_args=()
[ $have_plot = 1 ] && plot_args=(--plot s.svg)
"$E" landscape a.eom --data "$D" --grid 9 --span 0.8 --seed 3 --csv s.csv --json "${plot_args[@]}" >s.json 2>s.err
[ "$(wc -l <s.json)" = 1 ] || fail "--json must print one line"
"$PY" - s.json ea.json <<'PYEOF' || fail "random-direction JSON"
import json, sys
d = json.load(open(sys.argv[1])); ev = json.load(open(sys.argv[2]))
assert d["mode"] == "random" and d["grid"] == 9 and d["rows"] == 300, d
a = d["line"]["alpha"]
assert len(a) == 9 and a[0] == -0.8 and a[4] == 0 and a[8] == 0.8, a
assert len(d["line"]["loss"]) == 9 and len(d["line"]["accuracy"]) == 9
p = d["plane"]
assert len(p["beta"]) == 9 and len(p["loss"]) == 9 and all(len(r) == 9 for r in p["loss"])
# the model itself: centre of the line and of the plane, and eval's loss
c = d["center_loss"]
assert abs(c - ev["loss"]) <= 1e-9 * abs(ev["loss"]), (c, ev["loss"])
assert d["line"]["loss"][4] == c and p["loss"][4][4] == c
assert abs(d["center_accuracy"] - ev["accuracy"]) < 1e-12
# moving away raises the loss at the far ends of this trained model
assert d["line"]["loss"][0] > c and d["line"]["loss"][8] > c
# the line is the plane's beta = 0 row
assert p["loss"][4] == d["line"]["loss"], "plane row beta=0 differs from the line"
PYEOF
[ "$(head -1 s.csv)" = "kind,alpha,beta,loss,accuracy" ] || fail "CSV header"
[ "$(grep -c '^line,' s.csv)" = 9 ] || fail "CSV line rows"
[ "$(grep -c '^plane,' s.csv)" = 81 ] || fail "CSV plane rows"
if [ $have_plot = 1 ]; then
    grep -q '<svg' s.svg || fail "not an SVG"
    n=$(grep -o 'class="eo-line"' s.svg | wc -l)
    [ "$n" = 2 ] || fail "expected 2 line series (loss, accuracy), found $n"
    n=$(grep -o 'class="eo-series eo-kind-contour' s.svg | wc -l)
    [ "$n" = 1 ] || fail "expected 1 contour map, found $n"
    grep -q '>model<' s.svg || fail "the model marker is missing from the legend"
fi

# --- line only
"$E" landscape a.eom --data "$D" --grid 5 --line-only --json >l.json
"$PY" -c 'import json,sys; d=json.load(open("l.json")); assert "plane" not in d and len(d["line"]["loss"]) == 5' \
  || fail "--line-only JSON"

# --- the straight line between two models
plot_args=()
[ $have_plot = 1 ] && plot_args=(--plot i.svg)
"$E" landscape a.eom b.eom --data "$D" --grid 9 --json "${plot_args[@]}" >i.json
"$PY" - i.json ea.json eb.json <<'PYEOF' || fail "interpolation JSON"
import json, sys
d = json.load(open(sys.argv[1])); ea = json.load(open(sys.argv[2])); eb = json.load(open(sys.argv[3]))
assert d["mode"] == "interpolate" and "plane" not in d, d
a = d["line"]["alpha"]
assert a[0] == -0.5 and a[2] == 0 and a[6] == 1 and a[8] == 1.5, a
l = d["line"]
assert abs(l["loss_model"] - ea["loss"]) <= 1e-9 * ea["loss"], (l["loss_model"], ea["loss"])
assert abs(l["loss_model2"] - eb["loss"]) <= 1e-9 * eb["loss"], (l["loss_model2"], eb["loss"])
assert l["loss"][2] == l["loss_model"] and l["loss"][6] == l["loss_model2"]
assert l["barrier"] >= 0
PYEOF
if [ $have_plot = 1 ]; then
    n=$(grep -o 'class="eo-line"' i.svg | wc -l)
    [ "$n" = 2 ] || fail "interpolation plot: expected 2 line series, found $n"
    grep -q 'eo-kind-contour' i.svg && fail "interpolation plot: no contour map expected"
fi

# --- PCA directions of a trajectory (one snapshot per epoch through --resume)
mkdir traj
for ep in 1 2 3 4 5; do
    "$E" train --data "$D" --model mlp:16 --optimizer 'adam:lr=0.01' --epochs $ep --batch 32 --seed 1 \
      --checkpoint run.ckpt --resume -o e$ep.eom >/dev/null 2>&1
done
cp e1.eom e2.eom e3.eom e4.eom traj/
plot_args=()
[ $have_plot = 1 ] && plot_args=(--plot p.svg)
"$E" landscape e5.eom --data "$D" --dirs pca --trajectory traj --grid 7 --json "${plot_args[@]}" >p.json
"$PY" - p.json <<'PYEOF' || fail "PCA JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["mode"] == "pca", d
r = d["pca"]["explained"]
assert 0 < r[1] <= r[0] and r[0] + r[1] <= 1 + 1e-9, r
t = d["pca"]["trajectory"]
assert len(t) == 4 and all(len(p) == 2 for p in t)
assert t[0][0] <= 0, t            # the run heads towards +d1
ext = max(abs(v) for p in t for v in p)
assert abs(d["span"] - 1.25 * ext) <= 1e-9 * ext, (d["span"], ext)
assert len(d["plane"]["loss"]) == 7
PYEOF
if [ $have_plot = 1 ]; then
    grep -q '>trajectory<' p.svg || fail "PCA plot: trajectory series missing"
fi
# the same with a comma list
"$E" landscape e5.eom --data "$D" --dirs pca --trajectory e1.eom,e2.eom,e3.eom --grid 3 --line-only >/dev/null \
  || fail "comma-list trajectory"

# --- errors: one line on stderr, nothing on stdout, exit 2 for usage, 1 otherwise
expect() {
    local code=$1; shift
    set +e
    "$E" landscape "$@" >out.txt 2>err.txt
    local rc=$?
    set -e
    [ $rc = "$code" ] || fail "landscape $*: exit $rc, expected $code"
    [ "$(wc -l <err.txt)" = 1 ] || fail "landscape $*: expected one stderr line, got: $(cat err.txt)"
    [ ! -s out.txt ] || fail "landscape $*: stdout not empty"
}
expect 2 a.eom --data "$D" --dirs pca
expect 2 a.eom --data "$D" --grid 2
expect 2 a.eom --data "$D" --dirs sideways
expect 2 a.eom --data "$D" --span nan
expect 2 a.eom b.eom --data "$D" --dirs pca --trajectory traj
expect 2 a.eom
"$E" train --data "$D" --model mlp:8 --epochs 1 -o c.eom --checkpoint none >/dev/null
expect 1 a.eom c.eom --data "$D"
expect 1 e5.eom --data "$D" --dirs pca --trajectory e1.eom,e2.eom
expect 1 missing.eom --data "$D"
expect 1 a.eom --data synthetic:blobs:n=50:d=5
expect 1 a.eom --data "$D" --plot x.gif
echo "landscape CLI: ok"
