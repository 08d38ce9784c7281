#!/usr/bin/env bash
# Compression commands end to end on a small synthetic problem: quantize, qat,
# prune (one-shot, global, gradual, structured), distill, cluster and
# compress-report; eval / predict / info on every output; JSON outputs parse
# and agree with an independent recomputation (Python over the predictions
# CSV and the data); errors are one line with a non-zero exit; outputs are
# deterministic. (A Fashion-MNIST check runs when the data set is installed.)
set -euo pipefail
. "${EO_SOURCE_DIR:?}/tests/lib.sh"

# Data: 4 gaussian blobs in 12 dimensions (CSV, label last), fixed seed.
"$PY" - <<'PYEOF'
import random
random.seed(7)
centers = [[random.uniform(-2, 2) for _ in range(12)] for _ in range(4)]
def blobs(n, path, seed):
    rnd = random.Random(seed)
    with open(path, "w") as f:
        for i in range(n):
            c = i % 4
            f.write(",".join("%.5f" % (m + rnd.gauss(0, 1.3)) for m in centers[c]) + ",%d\n" % c)
blobs(1600, "train.csv", 1)
blobs(800, "test.csv", 2)
PYEOF
D=csv:train.csv
T=csv:test.csv

"$E" train --data $D --model mlp:64,32 --optimizer 'adam:lr=0.01' --epochs 6 --seed 2 -o m.eom --checkpoint none >/dev/null
"$E" eval m.eom --data $T --json >m.json
ACC=$(jget m.json accuracy)

# --- quantize: size, eval, predict, info; deterministic
"$E" quantize m.eom --calib $D --samples 500 -o q.eom --json >q.json
"$PY" - q.json <<'PYEOF' || fail "quantize JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["per_channel"] is False and d["method"] == "minmax" and d["samples"] == 500, d
assert [o["kind"] for o in d["ops"]] == ["fc", "fc", "fc"], d
assert [o["act"] for o in d["ops"]] == ["relu", "relu", "none"], d
assert all(o["weight_sqnr_db"] > 25 for o in d["ops"]), d
assert d["size_ratio"] < 0.6, d  # small model: metadata and the scaler weigh in
PYEOF
"$E" quantize m.eom --calib $D --samples 500 -o q2.eom >/dev/null
cmp -s q.eom q2.eom || fail "quantize is not deterministic"
"$E" quantize m.eom --calib $D --samples 500 --per-channel --method mse -o qc.eom >/dev/null
"$E" quantize m.eom --calib $D --samples 500 --method percentile --percentile 99.9 -o qp.eom >/dev/null
"$E" eval q.eom --data $T --json >qe.json
"$PY" -c "import json; a=json.load(open('qe.json'))['accuracy']; assert abs(a-$ACC) < 0.03, (a, $ACC)" || fail "int8 accuracy"
"$E" predict q.eom --data $T -o qpred.csv >/dev/null
"$PY" - qpred.csv test.csv qe.json <<'PYEOF' || fail "int8 predictions vs eval"
import csv, json, sys
pred = [int(r["predicted"]) for r in csv.DictReader(open(sys.argv[1]))]
lab = [int(l.strip().split(",")[-1]) for l in open(sys.argv[2])]
acc = sum(p == y for p, y in zip(pred, lab)) / len(lab)
assert abs(acc - json.load(open(sys.argv[3]))["accuracy"]) < 1e-12, acc
PYEOF
"$E" info q.eom --json >qi.json
"$PY" - qi.json <<'PYEOF' || fail "info on int8"
import json, sys
d = json.load(open(sys.argv[1]))
assert "i8" in d["dtypes"] and "i32" in d["dtypes"], d["dtypes"]
assert d["float_params"] is False and d["metadata"]["model.quantized"] == 1, d["metadata"]
assert [l["kind"] for l in d["layers"]] == ["dense", "relu", "dense", "relu", "dense"]
PYEOF

# --- refusal of layers without an int8 kernel: one line, exit 1, nothing on stdout
"$E" train --data $D --model 'mlp:16:act=tanh' --epochs 1 -o t.eom --checkpoint none >/dev/null
if "$E" quantize t.eom --calib $D -o tq.eom >out.txt 2>err.txt; then fail "tanh accepted"; fi
[ ! -s out.txt ] && [ "$(wc -l <err.txt)" = 1 ] || fail "refusal is not one line on stderr"
grep -q "layer 1 (tanh)" err.txt || fail "refusal names the layer: $(cat err.txt)"
[ ! -e tq.eom ] || fail "refused model written"

# --- QAT
"$E" qat m.eom --data $D --epochs 1 --per-channel -o qat.eom --json >qat.json 2>qat.err
grep -q "epoch 1/1" qat.err || fail "qat progress"
"$E" eval qat.eom --data $T --json >qate.json
"$PY" -c "import json; a=json.load(open('qate.json'))['accuracy']; assert a > $ACC - 0.05, a" || fail "qat accuracy"

# --- pruning: exact sparsity (info agrees), gradual, global, structured
"$E" prune m.eom --sparsity 0.8 --data $D --finetune-epochs 2 -o p.eom --json >p.json 2>/dev/null
"$PY" - p.json <<'PYEOF' || fail "prune JSON"
import json, sys
d = json.load(open(sys.argv[1]))
for l in d["layers"]:
    assert l["zeros"] == round(0.8 * l["weights"]), l
PYEOF
"$E" info p.eom --json >pi.json
"$PY" -c "import json; s=json.load(open('pi.json'))['weight_sparsity']; assert abs(s-0.8) < 1e-3, s" || fail "info sparsity"
"$E" prune m.eom --sparsity 0.8 --global --schedule gradual --steps 4 --data $D --finetune-epochs 2 -o pg.eom --json >pg.json 2>/dev/null
"$PY" -c "import json; s=json.load(open('pg.json'))['sparsity']; assert abs(s-0.8) < 1e-3, s" || fail "gradual sparsity"
"$E" prune m.eom --sparsity 0.5 --structured --data $D --finetune-epochs 1 -o ps.eom --json >ps.json 2>/dev/null
"$PY" - ps.json <<'PYEOF' || fail "structured JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert [l["units"] for l in d["layers"]] == [32, 16, 4], d["layers"]
assert d["params_after"] == 12*32+32 + 32*16+16 + 16*4+4, d
PYEOF
"$E" eval ps.eom --data $T --json >pse.json
"$PY" -c "import json; a=json.load(open('pse.json'))['accuracy']; assert a > $ACC - 0.05, a" || fail "structured accuracy"

# --- distillation
"$E" distill --teacher m.eom --model mlp:8 --temperature 4 --alpha 0.7 --data $D --epochs 3 -o s.eom --json >s.json 2>/dev/null
[ "$(jget s.json params)" = "$((12*8+8 + 8*4+4))" ] || fail "student size"
"$E" eval s.eom --data $T --json >se.json

# --- clustering: smaller file, eval works
"$E" cluster m.eom --clusters 16 -o c.eom --json >c.json
"$PY" - c.json <<'PYEOF' || fail "cluster JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["bits"] == 4 and len(d["layers"]) == 3 and d["size_ratio"] < 0.6, d
PYEOF
"$E" eval c.eom --data $T --json >ce.json
"$E" info c.eom | grep -q "data types: f32 u4" || fail "info shows 4-bit indices"

# --- compress-report: agreement and accuracy recomputed from the predictions
"$E" predict m.eom --data $T -o mpred.csv >/dev/null
"$E" compress-report m.eom q.eom p.eom ps.eom s.eom c.eom --data $T --latency-rows 50 --json >r.json
"$PY" - r.json mpred.csv qpred.csv test.csv <<'PYEOF' || fail "compress-report JSON"
import csv, json, math, sys
d = json.load(open(sys.argv[1]))
ms = d["models"]
assert [m["kind"] for m in ms] == ["float", "int8", "float", "float", "float", "clustered"], ms
m0, m1 = ms[0], ms[1]
assert m0["agreement"] == 1.0
p0 = [int(r["predicted"]) for r in csv.DictReader(open(sys.argv[2]))]
p1 = [int(r["predicted"]) for r in csv.DictReader(open(sys.argv[3]))]
lab = [int(l.strip().split(",")[-1]) for l in open(sys.argv[4])]
n = len(lab)
assert abs(m1["agreement"] - sum(a == b for a, b in zip(p0, p1)) / n) < 1e-12
k = sum(a == b for a, b in zip(p1, lab))
assert abs(m1["accuracy"] - k / n) < 1e-12
# Wilson interval, z = 1.96
z = 1.959963984540054; p = k / n
c = (p + z*z/(2*n)) / (1 + z*z/n); h = z*math.sqrt(p*(1-p)/n + z*z/(4*n*n)) / (1 + z*z/n)
assert abs(m1["ci_low"] - (c - h)) < 1e-9 and abs(m1["ci_high"] - (c + h)) < 1e-9
assert m1["bytes"] < 0.6 * m0["bytes"] and all(m["latency_us"] > 0 for m in ms)
assert abs(ms[2]["sparsity"] - 0.8) < 1e-3
assert all(l["sqnr_db"] > 25 for l in m1["layers"]), m1["layers"]
assert all(l["int8_sqnr_db_channel"] >= l["int8_sqnr_db_tensor"] for l in m0["layers"])
PYEOF
if "$E" compress-report m.eom q.eom --data $T --latency-rows 20 --plot r.png >/dev/null 2>perr.txt; then
  [ -s r.png ] || fail "plot written"
else
  grep -q "cairo" perr.txt || fail "plot failed: $(cat perr.txt)"
fi

# --- usage errors: exit 2, one line, nothing on stdout; --help everywhere
for c in quantize qat prune distill cluster compress-report; do
  "$E" $c --help | grep -q "usage: edgeopt $c" || fail "$c --help"
done
check_usage() {
  local rc=0
  "$E" "$@" >out.txt 2>err.txt || rc=$?
  [ $rc -ne 0 ] || fail "accepted: $*"
  [ ! -s out.txt ] && [ "$(wc -l <err.txt)" = 1 ] || fail "not a one-line error: $* -> $(cat err.txt)"
}
check_usage quantize m.eom -o x.eom
check_usage quantize m.eom --calib $D --method kl -o x.eom
check_usage prune m.eom --sparsity 1.5 --data $D -o x.eom
check_usage prune m.eom --structured --global --data $D -o x.eom
check_usage distill --teacher m.eom --model mlp:8 --data $D --alpha 2 -o x.eom
check_usage cluster m.eom --clusters 300 -o x.eom
check_usage compress-report m.eom
check_usage quantize q.eom --calib $D -o x.eom   # an int8 model is not a float model
check_usage quantize missing.eom --calib $D -o x.eom

# --- Fashion-MNIST (when installed): int8 of a small MLP keeps its accuracy
if [ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] || [ -n "${EO_FASHION_MNIST_DIR:-}" ]; then
  "$E" train --data fashion-mnist --limit 3000 --model mlp:64 --epochs 2 -o f.eom --checkpoint none >/dev/null
  "$E" quantize f.eom --calib fashion-mnist --samples 300 -o f8.eom >/dev/null
  a=$("$E" eval f.eom --data fashion-mnist:test --limit 2000 --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["accuracy"])')
  b=$("$E" eval f8.eom --data fashion-mnist:test --limit 2000 --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["accuracy"])')
  "$PY" -c "assert abs($a - $b) < 0.01, ($a, $b)" || fail "fashion-mnist int8 accuracy $a vs $b"
fi
echo "ok"
