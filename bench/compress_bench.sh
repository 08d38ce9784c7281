#!/usr/bin/env bash
# Model-level compression on Fashion-MNIST (lane I), side by side with
# PyTorch's dynamic quantization and torch.nn.utils.prune on the same trained
# MLP. Figures and targets: bench/RESULTS.md, section "Model-level compression".
#   Usage: bench/compress_bench.sh BUILD_DIR [WORK_DIR] [--latency RUNS]
# Every step prints its command. One run; seeds are fixed. Takes ~15 minutes
# on 2 cores (most of it training: the 784-256-128-10 teacher, the CNN, the
# fine-tuning runs, 3 seeds of the distillation study, and PyTorch's fine-tuning).
# --latency RUNS: only the batch-1 latency of the float and int8 MLP beside
# PyTorch float and dynamic int8 on the same weights, RUNS rounds, edgeopt and
# PyTorch alternating within each round; the MLP is trained (and quantized)
# first when WORK_DIR has none (~1 minute). Prints per-run values, medians and
# ratios.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:?usage: compress_bench.sh BUILD_DIR [WORK_DIR] [--latency RUNS]}" && pwd)
W=${2:-$(mktemp -d)}
LAT_RUNS=0
if [ "${3:-}" = "--latency" ]; then LAT_RUNS=${4:?--latency needs a number of runs}; fi
mkdir -p "$W"
cd "$W"
E=$BUILD/edgeopt
TOOL=$BUILD/bench/compress_tool
PY=/usr/bin/python3
peer() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" "$@"; }
show() { echo "\$ $*" >&2; "$@"; } # the command on stderr: stdout may be a JSON file
acc() { "$E" eval "$1" --data fashion-mnist:test --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["accuracy"])'; }
EPOCHS=${EO_BENCH_EPOCHS:-10}   # teacher and distillation epochs
FT=${EO_BENCH_FT:-4}            # fine-tuning epochs of the pruning runs (and PyTorch's)
echo "work dir: $W"

if [ "$LAT_RUNS" -gt 0 ]; then
    [ -f mlp.eom ] || show "$E" train --data fashion-mnist --model mlp:256,128 --epochs "$EPOCHS" --seed 1 -o mlp.eom \
        --checkpoint none
    [ -f mlp8.eom ] || show "$E" quantize mlp.eom --calib fashion-mnist --samples 1000 -o mlp8.eom
    [ -f mlp8c.eom ] || show "$E" quantize mlp.eom --calib fashion-mnist --samples 1000 --per-channel -o mlp8c.eom
    mkdir -p npy
    show "$TOOL" npy mlp.eom npy
    for r in $(seq 1 "$LAT_RUNS"); do
        show "$E" compress-report mlp.eom mlp8.eom mlp8c.eom --data fashion-mnist:test --latency-rows 2000 \
            --json >"lat$r.json"
        echo "\$ env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $PY $SRC/bench/compress_torch.py npy --epochs -1 --reps 2000" >&2
        peer "$SRC/bench/compress_torch.py" npy --epochs -1 --reps 2000 >"torch_lat$r.txt"
    done
    "$PY" - "$LAT_RUNS" <<'PYEOF'
import json, statistics, sys
n = int(sys.argv[1])
rows = {"float": [], "int8": [], "int8 pc": [], "torch float": [], "torch dyn int8": []}
for r in range(1, n + 1):
    m = {x["file"]: x for x in json.load(open("lat%d.json" % r))["models"]}
    rows["float"].append(m["mlp.eom"]["latency_us"])
    rows["int8"].append(m["mlp8.eom"]["latency_us"])
    rows["int8 pc"].append(m["mlp8c.eom"]["latency_us"])
    t = {}
    for l in open("torch_lat%d.txt" % r):
        kv = dict(x.split("=", 1) for x in l.split())
        t[kv["model"]] = float(kv["latency_us"])
    rows["torch float"].append(t["float"])
    rows["torch dyn int8"].append(t["dynamic_int8"])
med = {k: statistics.median(v) for k, v in rows.items()}
print("batch-1 latency per sample, us (median of %d runs; per run)" % n)
for k, v in rows.items():
    print("  %-15s %8.2f   (%s)" % (k, med[k], ", ".join("%.2f" % x for x in v)))
def ratio(a, b):
    per = [x / y for x, y in zip(rows[a], rows[b])]
    return "%.2fx (per run %s)" % (med[a] / med[b], ", ".join("%.2f" % x for x in per))
print("ratios of medians:")
print("  our float / int8         %s  (target >= 2x)" % ratio("float", "int8"))
print("  torch float / int8       %s  (target >= 10x)" % ratio("torch float", "int8"))
print("  torch float / int8 pc    %s" % ratio("torch float", "int8 pc"))
print("  torch dyn int8 / int8    %s  (target >= 10x)" % ratio("torch dyn int8", "int8"))
PYEOF
    exit 0
fi

# --- the float models
show "$E" train --data fashion-mnist --model mlp:256,128 --epochs "$EPOCHS" --seed 1 -o mlp.eom --checkpoint none
printf 'conv 16 3x3 -> relu -> maxpool 2 -> conv 32 3x3 -> relu -> maxpool 2 -> dense 10\n' >cnn.txt
show "$E" train --data fashion-mnist --model @cnn.txt --epochs 5 --seed 1 -o cnn.eom --checkpoint none

# --- post-training int8
show "$E" quantize mlp.eom --calib fashion-mnist --samples 1000 -o mlp8.eom
show "$E" quantize mlp.eom --calib fashion-mnist --samples 1000 --per-channel -o mlp8c.eom
show "$E" quantize mlp.eom --calib fashion-mnist --samples 1000 --per-channel --method mse -o mlp8m.eom
show "$E" quantize cnn.eom --calib fashion-mnist --samples 1000 --per-channel -o cnn8.eom

# --- pruning: gradual and one-shot 90% unstructured, structured halving
show "$E" prune mlp.eom --sparsity 0.9 --schedule gradual --steps 10 --data fashion-mnist --finetune-epochs "$FT" -o pg90.eom
show "$E" prune mlp.eom --sparsity 0.9 --data fashion-mnist --finetune-epochs "$FT" -o p90.eom
show "$E" prune mlp.eom --sparsity 0.9 --global --data fashion-mnist --finetune-epochs "$FT" -o pgl90.eom
show "$E" prune mlp.eom --sparsity 0.5 --structured --data fashion-mnist --finetune-epochs "$FT" -o ps50.eom

# --- clustering
show "$E" cluster mlp.eom --clusters 16 -o c16.eom
show "$E" cluster mlp.eom --clusters 256 -o c256.eom

# --- quantization-aware training where PTQ loses: one outlier channel
show "$TOOL" outlier mlp.eom mlpo.eom 100
show "$E" quantize mlpo.eom --calib fashion-mnist --samples 1000 -o o8.eom
show "$E" quantize mlpo.eom --calib fashion-mnist --samples 1000 --per-channel -o o8c.eom
show "$E" qat mlpo.eom --data fashion-mnist --epochs 2 -o oq8.eom

# --- distillation: 784-32-10 alone vs taught by the 784-256-128-10 teacher, 3 seeds
for s in 1 2 3; do
    show "$E" train --data fashion-mnist --model mlp:32 --epochs "$EPOCHS" --seed $s -o st$s.eom --checkpoint none
    show "$E" distill --teacher mlp.eom --model mlp:32 --temperature 4 --alpha 0.7 --data fashion-mnist \
        --epochs "$EPOCHS" --seed $s -o sd$s.eom
done
for s in 1 2 3; do echo "distill seed=$s alone=$(acc st$s.eom) distilled=$(acc sd$s.eom)"; done | tee distill.txt

# --- the report (accuracy, CI, agreement, batch-1 latency, SQNR, plots)
show "$E" compress-report mlp.eom mlp8.eom mlp8c.eom mlp8m.eom pg90.eom p90.eom pgl90.eom ps50.eom c16.eom c256.eom \
    o8.eom o8c.eom oq8.eom sd1.eom st1.eom --data fashion-mnist:test --latency-rows 2000 --plot report.png --json >report.json
show "$E" compress-report mlp.eom mlp8.eom mlp8c.eom pg90.eom ps50.eom c16.eom mlpo.eom o8.eom oq8.eom sd1.eom \
    --data fashion-mnist:test --latency-rows 2000 --plot report.png
show "$E" compress-report cnn.eom cnn8.eom --data fashion-mnist:test --latency-rows 1000 --json >report_cnn.json

# --- PyTorch on the same MLP
mkdir -p npy
show "$TOOL" npy mlp.eom npy
echo "\$ env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $PY $SRC/bench/compress_torch.py npy --epochs $FT --reps 2000" >&2
peer "$SRC/bench/compress_torch.py" npy --epochs "$FT" --reps 2000 | tee torch.txt

# --- summary against the targets
"$PY" - report.json report_cnn.json distill.txt torch.txt <<'PYEOF'
import json, re, sys
r = {m["file"]: m for m in json.load(open(sys.argv[1]))["models"]}
c = {m["file"]: m for m in json.load(open(sys.argv[2]))["models"]}
f = r["mlp.eom"]
def line(name, m, ref=f):
    print("%-10s acc %.4f [%.4f, %.4f]  drop %+5.2f pts  bytes %8d (%5.1f%%)  sparsity %5.1f%%  agree %.4f  latency %7.2f us"
          % (name, m["accuracy"], m["ci_low"], m["ci_high"], 100 * (ref["accuracy"] - m["accuracy"]), m["bytes"],
             100.0 * m["bytes"] / ref["bytes"], 100 * (m["sparsity"] or 0), m["agreement"], m["latency_us"]))
for k, n in [("mlp.eom", "float"), ("mlp8.eom", "int8 pt"), ("mlp8c.eom", "int8 pc"), ("mlp8m.eom", "int8 mse"),
             ("pg90.eom", "grad 90%"), ("p90.eom", "1shot 90%"), ("pgl90.eom", "glob 90%"), ("ps50.eom", "struct 50"),
             ("c16.eom", "k=16"), ("c256.eom", "k=256"), ("o8.eom", "outl pt"), ("o8c.eom", "outl pc"),
             ("oq8.eom", "outl QAT"), ("st1.eom", "student"), ("sd1.eom", "distill")]:
    line(n, r[k])
line("cnn", c["cnn.eom"], c["cnn.eom"])
line("cnn int8", c["cnn8.eom"], c["cnn.eom"])
d = [tuple(map(float, re.findall(r"=([0-9.]+)", l)[1:])) for l in open(sys.argv[3])]
gain = 100 * sum(b - a for a, b in d) / len(d)
t = {}
for l in open(sys.argv[4]):
    kv = dict(x.split("=", 1) for x in l.split())
    t[kv["model"]] = kv
tf, tq = float(t["float"]["latency_us"]), float(t["dynamic_int8"]["latency_us"])
q = r["mlp8.eom"]
print("targets:")
print("  int8 PTQ MLP drop %.2f pts (<= 0.5), size %.1f%% of float (<= 26%%)" % (100 * (f["accuracy"] - q["accuracy"]), 100.0 * q["bytes"] / f["bytes"]))
print("  int8 CNN drop %.2f pts (<= 1)" % (100 * (c["cnn.eom"]["accuracy"] - c["cnn8.eom"]["accuracy"])))
print("  gradual 90%% drop %.2f pts (<= 1)" % (100 * (f["accuracy"] - r["pg90.eom"]["accuracy"])))
s = r["ps50.eom"]
print("  structured 50%% drop %.2f pts (<= 1.5), %.2fx smaller, %.2fx faster (>= 2x)" %
      (100 * (f["accuracy"] - s["accuracy"]), f["bytes"] / s["bytes"], f["latency_us"] / s["latency_us"]))
print("  distillation gain %.2f pts mean of %d seeds (>= 0.5)" % (gain, len(d)))
print("  int8 vs our float %.1fx (>= 2x); vs torch float %.1fx, vs torch dynamic int8 %.1fx (>= 10x)" %
      (f["latency_us"] / q["latency_us"], tf / q["latency_us"], tq / q["latency_us"]))
print("  QAT on the outlier model: PTQ per-tensor %.4f, per-channel %.4f, QAT per-tensor %.4f (float %.4f)" %
      (r["o8.eom"]["accuracy"], r["o8c.eom"]["accuracy"], r["oq8.eom"]["accuracy"], f["accuracy"]))
PYEOF
