#!/usr/bin/env bash
# train / eval / predict / info from the command line: a small synthetic problem
# (and 2000 Fashion-MNIST rows when the data set is installed). Checks the JSON
# outputs parse and agree with each other and with an independent computation
# (Python over the predictions CSV), that errors are one line with a non-zero
# exit and nothing on stdout, that Ctrl-C saves a checkpoint that --resume
# continues bit-identically, and that damaged model files are refused.
set -euo pipefail
. "${EO_SOURCE_DIR:?}/tests/lib.sh"

# Data: two noisy moons as CSV (label in the last column), written by Python
# with a fixed seed, so the checks below can recompute metrics independently.
"$PY" - <<'PYEOF'
import math, random
random.seed(4)
def moons(n, path):
    with open(path, "w") as f:
        f.write("x1,x2,label\n")
        for i in range(n):
            c = i % 2
            t = random.uniform(0, math.pi)
            x, y = (math.cos(t), math.sin(t)) if c == 0 else (1 - math.cos(t), 0.5 - math.sin(t))
            f.write("%.6f,%.6f,%d\n" % (x + random.gauss(0, 0.15), y + random.gauss(0, 0.15), c))
moons(800, "train.csv")
moons(400, "test.csv")
PYEOF

# --- train with validation split, history, JSON
"$E" train --data csv:train.csv --model mlp:32,32 --optimizer 'adam:lr=0.01' --batch 32 --epochs 8 \
  --val-split 0.2 --seed 3 -o m.eom --history h.csv --json >train.json 2>train.err
[ "$(wc -l <train.json)" = 1 ] || fail "train --json must print one line"
"$PY" - train.json <<'PYEOF' || fail "train JSON"
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("train_loss", "val_loss", "val_accuracy", "epochs", "best_epoch", "seconds", "params"):
    assert k in d, k
assert d["epochs"] == 8 and d["params"] == 2*32+32 + 32*32+32 + 32*2+2, d
assert d["val_accuracy"] > 0.9, d
assert d["train_rows"] == 640, d
PYEOF
grep -q "epoch 8/8" train.err || fail "progress lines go to stderr with --json"
[ -f m.eom ] && [ -f m.eom.ckpt ] || fail "model and checkpoint written"
[ "$(head -1 h.csv)" = "epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds" ] || fail "history header"
[ "$(wc -l <h.csv)" = 9 ] || fail "history rows"

# --- the same run again is bit-identical (seeded, one thread)
"$E" train --data csv:train.csv --model mlp:32,32 --optimizer 'adam:lr=0.01' --batch 32 --epochs 8 \
  --val-split 0.2 --seed 3 -o m2.eom --history h.json --checkpoint none >/dev/null 2>&1
cmp -s m.eom m2.eom || fail "same seed gave a different model file"
"$PY" -c 'import json,sys; d=json.load(open("h.json")); assert len(d["history"])==8' || fail "history JSON"

# --- eval, predict, info agree
"$E" eval m.eom --data csv:test.csv --json >eval.json
"$E" predict m.eom --data csv:test.csv -o pred.csv >/dev/null
"$E" info m.eom --json >info.json
"$PY" - eval.json pred.csv test.csv info.json <<'PYEOF' || fail "eval/predict/info consistency"
import csv, json, sys, math
ev = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
truth = [int(r["label"]) for r in csv.DictReader(open(sys.argv[3]))]
assert ev["n"] == len(rows) == len(truth) == 400
pred = [int(r["predicted"]) for r in rows]
acc = sum(p == t for p, t in zip(pred, truth)) / len(truth)
assert abs(acc - ev["accuracy"]) < 1e-12, (acc, ev["accuracy"])
assert ev["accuracy"] > 0.9
conf = ev["confusion"]
for a in range(2):
    for b in range(2):
        assert conf[a][b] == sum(1 for p, t in zip(pred, truth) if t == a and p == b)
# mean cross-entropy from the probabilities matches eval's loss
ce = -sum(math.log(max(float(r["prob_%d" % t]), 1e-30)) for r, t in zip(rows, truth)) / len(truth)
assert abs(ce - ev["loss"]) < 1e-4 * max(1, ev["loss"]), (ce, ev["loss"])
for r in rows:
    assert abs(float(r["prob_0"]) + float(r["prob_1"]) - 1) < 1e-5
info = json.load(open(sys.argv[4]))
assert info["params"] == 1218 and len(info["layers"]) == 5 and info["dtypes"] == ["f32"]
assert info["scaler"] == "standard" and info["metadata"]["model.task"] == "classification"
assert info["metadata"]["train.epochs"] == 8
PYEOF
"$E" info m.eom | grep -q "parameters: 1218" || fail "info text"
"$E" eval m.eom --data csv:test.csv | grep -q "accuracy" || fail "eval text"

# --- regression with proximal L1: exact zeros show up as sparsity
"$E" train --data synthetic:sparse-regression:n=300,d=30,k=4 --model linear --optimizer 'sgd:lr=0.02' \
  --l1 0.1 --l1-prox --epochs 30 --batch 20 -o r.eom --json >r.json 2>/dev/null
"$E" eval r.eom --data synthetic:sparse-regression:n=300,d=30,k=4 --json >re.json
"$PY" -c 'import json; d=json.load(open("re.json")); assert d["r2"] > 0.9 and d["mse"] >= 0 and d["n"] == 300, d' \
  || fail "regression eval"
"$E" info r.eom --json >ri.json
"$PY" -c 'import json; d=json.load(open("ri.json")); assert d["weight_sparsity"] >= 0.5, d["weight_sparsity"]' \
  || fail "L1 prox should zero most of the 26 irrelevant weights"

# --- Ctrl-C: checkpoint saved, --resume finishes bit-identical to a straight run
args=(train --data synthetic:blobs:n=4000,d=20,classes=4 --model mlp:64,64:dropout=0.1 --batch 16 --epochs 12 --seed 2 --threads 1)
t0=$(date +%s.%N)
"$E" "${args[@]}" -o straight.eom --checkpoint none >/dev/null 2>&1
half=$("$PY" -c "import sys; print(max(0.05, (float(sys.argv[2]) - float(sys.argv[1])) / 2))" "$t0" "$(date +%s.%N)")
"$E" "${args[@]}" -o int.eom >/dev/null 2>int.err &
pid=$!
sleep "$half"
kill -INT "$pid" 2>/dev/null || true
set +e; wait "$pid"; rc=$?; set -e
if [ "$rc" -ne 0 ]; then
  [ "$rc" = 130 ] || fail "Ctrl-C exit status $rc"
  grep -q "interrupted: checkpoint saved to int.eom.ckpt" int.err || { cat int.err; fail "interrupt message"; }
  [ ! -e int.eom ] || fail "an interrupted run must not write the model"
  "$E" info int.eom.ckpt >/dev/null || fail "the checkpoint after Ctrl-C loads"
else
  echo "note: the run ended before the interrupt arrived" >&2
fi
"$E" "${args[@]}" -o int.eom --resume >/dev/null 2>&1 || fail "resume after Ctrl-C"
cmp -s straight.eom int.eom || fail "resumed run differs from the straight run"

# --- Fashion-MNIST, 2000 rows (skipped when the data set is not installed)
if "$E" data --help >/dev/null 2>&1 && [ -e /usr/share/datasets/fashion-mnist ] || [ -n "${EO_FASHION_MNIST_DIR:-}" ]; then
  "$E" train --data fashion-mnist --limit 2000 --model mlp:64 --batch 64 --epochs 2 -o f.eom --json >f.json 2>/dev/null
  "$E" eval f.eom --data fashion-mnist:test --limit 1000 --json >fe.json
  "$PY" -c 'import json; d=json.load(open("fe.json")); assert d["accuracy"] > 0.6 and len(d["confusion"]) == 10, d' \
    || fail "fashion-mnist eval"
  # a small CNN from a model-description file
  printf 'conv 4 3x3 pad=same -> relu -> maxpool 2  # block 1\nconv 8 3x3 -> relu -> maxpool 2\ndense 10\n' >cnn.txt
  "$E" train --data fashion-mnist --limit 600 --model @cnn.txt --batch 32 --epochs 1 -o cnn.eom --checkpoint none \
    >/dev/null 2>&1 || fail "train a CNN from @cnn.txt"
  "$E" info cnn.eom --json >ci.json
  "$PY" -c 'import json; d=json.load(open("ci.json")); k=[l["kind"] for l in d["layers"]]; assert k[0]=="conv2d" and k[2]=="maxpool" and d["layers"][0]["input"]==[1,28,28], k' \
    || fail "CNN info"
  printf 'conv 4 3x3 -> frobnicate\n' >bad.txt
  set +e; "$E" train --data fashion-mnist --limit 100 --model @bad.txt -o x.eom >out 2>err; rc=$?; set -e
  [ "$rc" -ne 0 ] && grep -q "bad.txt:1:" err || fail "a bad description names file:line"
fi

# --- plots when cairo is there; a clear message when not
if "$E" train --data csv:train.csv --model softmax --epochs 2 -o p.eom --plot curves.png >/dev/null 2>plot.err; then
  [ "$(head -c 4 curves.png | od -An -c | tr -d ' ')" = "211PNG" ] || fail "curves.png is a PNG"
else
  grep -q "cairo" plot.err || fail "no-cairo message"
fi

# --- errors: one line on stderr, non-zero exit, nothing on stdout
check_error() { # expected-substring args...
  local want=$1; shift
  set +e; "$E" "$@" >out 2>err; local rc=$?; set -e
  [ "$rc" -ne 0 ] || fail "'$*' should fail"
  [ ! -s out ] || fail "'$*' wrote to stdout"
  [ "$(wc -l <err)" = 1 ] || { cat err; fail "'$*' should print one stderr line"; }
  grep -q -- "$want" err || { cat err; fail "'$*' message lacks '$want'"; }
}
check_error "the model takes 2 features but the data has 5" eval m.eom --data synthetic:blobs:d=5
check_error "the model takes 2 features but the data has 5" predict m.eom --data synthetic:blobs:d=5 -o x.csv
[ ! -e x.csv ] || fail "nothing written on error"
check_error "expected a finite number" train --data csv:train.csv --model mlp:4 -o x.eom --l2 nan
check_error "expected a finite number" train --data csv:train.csv --model mlp:4 -o x.eom --l2 1e999
check_error "expected an integer" train --data csv:train.csv --model mlp:4 -o x.eom --epochs 2.5
check_error "--data is required" train --model mlp:4 -o x.eom
check_error "unknown option '--bogus'" eval m.eom --data csv:test.csv --bogus
check_error "--optimizer" train --data csv:train.csv --model mlp:4 -o x.eom --optimizer 'adam:lr=-1'
check_error "no such file" eval nope.eom --data csv:test.csv
check_error "bad magic" info train.csv
head -c 300 m.eom >trunc.eom
check_error "truncated" info trunc.eom
"$PY" - m.eom <<'PYEOF'
import struct, sys, zlib
b = bytearray(open(sys.argv[1], "rb").read())
v = bytearray(b); v[8:12] = struct.pack("<I", 99); v[-4:] = struct.pack("<I", zlib.crc32(bytes(v[:-4])))
open("newer.eom", "wb").write(v)
c = bytearray(b); c[len(c) // 2] ^= 1
open("badcrc.eom", "wb").write(c)
PYEOF
check_error "newer" info newer.eom
check_error "checksum" eval badcrc.eom --data csv:test.csv
check_error "cannot resume" train --data csv:train.csv --model mlp:32,32 --optimizer 'adam:lr=0.01' --batch 16 \
  --epochs 8 --val-split 0.2 --seed 3 -o m.eom --resume
[ ! -e x.eom ] || fail "no model written by failed runs"
echo "train cli: ok"
