#!/usr/bin/env bash
# Determinism, as documented in docs/reliability.md:
#   - same seed, same thread count: bit-identical model files, predictions,
#     metrics, optimizer traces and synthetic data across runs;
#   - the thread count does not change any result: SGEMM splits blocks of C
#     across threads, never the k sum, so every dot product is accumulated in
#     the same order (1, 2 and 3 threads: identical model files and predictions);
#   - what does change: wall-clock fields ("seconds" in JSON, the history's
#     seconds column, the checkpoint's timing sums), compared with them removed;
#   - a different seed gives a different model (so the comparisons can fail).
set -euo pipefail
E=${EDGEOPT:?}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }
# JSON without its timing fields, keys sorted: equal text = equal results.
nojson() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); [d.pop(k,None) for k in ("seconds","wall_seconds","model","output","file")]; print(json.dumps(d,sort_keys=True))' "$1"; }

# Big enough that SGEMM really splits across threads (>= 2^20 multiply-adds
# per product), with dropout and batch norm so the RNG streams matter.
data=synthetic:blobs:n=3000,d=64,classes=5,seed=7
train=(train --data "$data" --model mlp:256,128:dropout=0.1,bn=1 --batch 128 --epochs 3 --val-split 0.2
       --optimizer adam:lr=0.003 --schedule cosine:T=3)
for run in a b; do
  "$E" "${train[@]}" --seed 4 --threads 1 -o "$run.eom" --history "$run.csv" --json >"$run.json" 2>/dev/null
done
cmp -s a.eom b.eom || fail "same seed, same threads: model files differ"
cut -d, -f1-6 a.csv >a.cut && cut -d, -f1-6 b.csv >b.cut # the 7th column is seconds
cmp -s a.cut b.cut || fail "same seed: histories differ (besides seconds)"
[ "$(nojson a.json)" = "$(nojson b.json)" ] || fail "same seed: train JSON differs"
# The checkpoint differs only in its timing fields: the model inside is the same.
"$E" "${train[@]}" --seed 4 --threads 1 -o c1.eom >/dev/null 2>&1
"$E" "${train[@]}" --seed 4 --threads 1 -o c2.eom >/dev/null 2>&1
"$E" info c1.eom.ckpt --json >c1.info && "$E" info c2.eom.ckpt --json >c2.info
"$PY" - c1.info c2.info <<'PYEOF' || fail "checkpoints differ beyond timing"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    d.pop("file", None); d.pop("bytes", None)
assert a == b, [k for k in a if a.get(k) != b.get(k)]
PYEOF
echo "same seed, same threads: identical model, history, metrics"

for th in 2 3; do
  "$E" "${train[@]}" --seed 4 --threads $th -o t$th.eom --json >t$th.json 2>/dev/null
  cmp -s a.eom t$th.eom || fail "threads 1 vs $th: model files differ"
  [ "$(nojson a.json)" = "$(nojson t$th.json)" ] || fail "threads 1 vs $th: metrics differ"
done
for th in 1 2 3; do "$E" predict a.eom --data "$data" --threads $th -o p$th.csv >/dev/null; done
cmp -s p1.csv p2.csv && cmp -s p1.csv p3.csv || fail "predictions depend on the thread count"
for th in 1 2; do "$E" eval a.eom --data "$data" --threads $th --json >e$th.json; done
[ "$(nojson e1.json)" = "$(nojson e2.json)" ] || fail "eval depends on the thread count"
echo "threads 1, 2, 3: identical model, metrics, predictions"

# A convolutional model (im2col + SGEMM) on Fashion-MNIST when installed.
if [ -e /usr/share/datasets/fashion-mnist ] || [ -n "${EO_FASHION_MNIST_DIR:-}" ]; then
  printf 'conv 8 3x3 pad=same -> relu -> maxpool 2 -> conv 16 3x3 -> relu -> gap -> dense 10\n' >cnn.txt
  for th in 1 2; do
    "$E" train --data fashion-mnist --limit 600 --model @cnn.txt --batch 64 --epochs 1 --seed 2 --threads $th \
      -o cnn$th.eom --checkpoint none >/dev/null 2>&1
  done
  cmp -s cnn1.eom cnn2.eom || fail "CNN: threads 1 vs 2 differ"
  echo "CNN on Fashion-MNIST: threads 1 vs 2 identical"
fi

# A different seed must change the model (the comparisons above can fail).
"$E" "${train[@]}" --seed 5 --threads 1 -o s5.eom >/dev/null 2>&1
! cmp -s a.eom s5.eom || fail "seed 5 gave the same model as seed 4"

# Optimizers on test functions (single-threaded): same run, same bits,
# including the stochastic global methods with a seed.
for opt in lbfgs adam:lr=0.01 'anneal:seed=3,steps=300' 'restarts:seed=3,n=4' nelder-mead; do
  for run in 1 2; do
    "$E" optimize --function rastrigin:dim=4 --optimizer "$opt" --steps 200 --trace o$run.csv --json >o$run.json
  done
  cmp -s o1.csv o2.csv || fail "optimize $opt: traces differ"
  [ "$(nojson o1.json)" = "$(nojson o2.json)" ] || fail "optimize $opt: results differ"
done
echo "optimize: identical traces and results (lbfgs, adam, anneal, restarts, nelder-mead)"

# Synthetic data from a seed.
for run in 1 2; do "$E" data info synthetic:moons:n=500,noise=0.2,seed=9 --json >d$run.json; done
[ "$(nojson d1.json)" = "$(nojson d2.json)" ] || fail "synthetic data with a seed differs between runs"
"$E" data info synthetic:moons:n=500,noise=0.2,seed=10 --json >d3.json
[ "$(nojson d1.json)" != "$(nojson d3.json)" ] || fail "a different data seed gave the same data"
echo "determinism: ok"
