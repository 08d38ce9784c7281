#!/usr/bin/env bash
# Hyperparameter tuning benchmark (bench/RESULTS.md, "Tuning" section).
#   bench/tune_bench.sh [BUILD_DIR [SECTION...]]   sections: overhead search grid (default all)
# Environment: SEEDS (default "1 2 3"), TRIALS (20), EPOCHS (9), LIMIT (10000),
# THREADS (1: edgeopt trials run one at a time, single-threaded; torch gets
# the same number of threads).
#
# overhead  tuning cost per trial with a trivial objective (--function, zero
#           epochs): random, TPE and GP; study log without and with fdatasync.
#           Median of 5 runs of 200 trials (GP: 60).
# search    Fashion-MNIST MLP space, first LIMIT training rows, stratified 80/20
#           hold-out, an equal budget of TRIALS x EPOCHS training epochs:
#           edgeopt random, TPE, Hyperband and BOHB (--budget-epochs) and Optuna's TPE
#           driving PyTorch (bench/tune_optuna.py), per seed; best validation
#           accuracy, wall time, epochs.
# grid      the full grid of the same space (lr 4 points, batch 4, hidden 3,
#           dropout 2 = 96 configurations x EPOCHS) against Hyperband and BOHB
#           with a third of the grid's epochs, per seed.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-${EO_BUILD_DIR:-$SRC/build}}
[ $# -gt 0 ] && shift
BUILD=$(cd "$BUILD" && pwd)
E=$BUILD/edgeopt
PY=/usr/bin/python3
SEEDS=${SEEDS:-"1 2 3"}
TRIALS=${TRIALS:-20}
EPOCHS=${EPOCHS:-9}
LIMIT=${LIMIT:-10000}
THREADS=${THREADS:-1}
SECTIONS=("$@")
[ ${#SECTIONS[@]} -gt 0 ] || SECTIONS=(overhead search grid)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
peer() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" "$@"; }
jget() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, d))' "$@"; }

SPACE='lr=log(1e-4,1e-1);batch=choice(32,64,128,256);hidden=int(32,512);dropout=uniform(0,0.5)'
FM=(--data fashion-mnist --limit "$LIMIT" --val-split 0.2 --model 'mlp:{hidden}:dropout={dropout}'
    --optimizer 'adam:lr={lr}' --batch '{batch}' --jobs "$THREADS" --quiet --json)

overhead() {
  echo "== overhead per trial: trivial objective (quadratic of the parameters, 0 epochs), median of 5 runs"
  local sp='x=uniform(-1,1);y=log(1e-3,1);k=int(1,100);c=choice(a,b,c)'
  for strat in random tpe gp; do
    local n=200
    [ "$strat" = gp ] && n=60
    for fs in none trial; do
      local v=()
      for r in 1 2 3 4 5; do
        rm -f "$work/o.jsonl"
        "$E" tune --function quadratic --space "$sp" --strategy "$strat" --trials "$n" --max-epochs 0 \
          --seed "$r" --fsync "$fs" --study "$work/o.jsonl" --quiet --json >"$work/o.json"
        v+=("$(jget "$work/o.json" '"%.4f" % (1000 * seconds / trials)')")
      done
      local med
      med=$(printf '%s\n' "${v[@]}" | sort -g | sed -n 3p)
      echo "overhead $strat trials=$n fsync=$fs: median ${med} ms/trial (runs: ${v[*]})"
    done
  done
  echo "\$ $E tune --function quadratic --space '$sp' --strategy STRAT --trials N --max-epochs 0 --fsync MODE --study o.jsonl --json"
}

search() {
  local budget=$((TRIALS * EPOCHS))
  echo "== search: Fashion-MNIST first $LIMIT rows, hold-out 0.2, budget $budget epochs ($TRIALS x $EPOCHS), $THREADS thread(s)"
  echo "\$ $E tune ${FM[*]} --space '$SPACE' --strategy random|tpe --trials $TRIALS --max-epochs $EPOCHS --seed S --study s.jsonl"
  echo "\$ $E tune ${FM[*]} --space '$SPACE' --strategy hyperband|bohb --max-epochs $EPOCHS --budget-epochs $budget --seed S --study s.jsonl"
  echo "\$ env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $PY $SRC/bench/tune_optuna.py S $TRIALS $EPOCHS $LIMIT 0.2 $THREADS"
  for seed in $SEEDS; do
    for strat in random tpe hyperband bohb; do
      local extra=(--trials "$TRIALS")
      [ "$strat" = tpe ] && extra+=(--lag 0)
      [ "$strat" = hyperband ] || [ "$strat" = bohb ] && extra=(--budget-epochs "$budget")
      rm -rf "$work/s.jsonl" "$work/s.jsonl.ckpt"
      "$E" tune "${FM[@]}" --space "$SPACE" --strategy "$strat" --max-epochs "$EPOCHS" "${extra[@]}" --seed "$seed" \
        --study "$work/s.jsonl" >"$work/s.json"
      echo "search seed=$seed edgeopt-$strat: $(jget "$work/s.json" '"best_val_acc=%.4f seconds=%.1f trials=%d epochs=%d" % (best_score, seconds, trials, epochs_total)')"
    done
    echo "search seed=$seed optuna-tpe: $(peer "$SRC/bench/tune_optuna.py" "$seed" "$TRIALS" "$EPOCHS" "$LIMIT" 0.2 "$THREADS")"
  done
}

grid() {
  local gsp='lr=log(1e-4,1e-1,grid=4);batch=choice(32,64,128,256);hidden=int(32,512,grid=3);dropout=uniform(0,0.5,grid=2)'
  local gepochs=$((96 * EPOCHS)) hbudget=$((96 * EPOCHS / 3))
  echo "== grid ($gepochs epochs) vs Hyperband and BOHB (budget $hbudget epochs = 1/3)"
  echo "\$ $E tune ${FM[*]} --space '$gsp' --strategy grid --max-epochs $EPOCHS --study g.jsonl"
  echo "\$ $E tune ${FM[*]} --space '$SPACE' --strategy hyperband|bohb --max-epochs $EPOCHS --budget-epochs $hbudget --seed S --study h.jsonl"
  rm -f "$work/g.jsonl"
  "$E" tune "${FM[@]}" --space "$gsp" --strategy grid --max-epochs "$EPOCHS" --study "$work/g.jsonl" >"$work/g.json"
  echo "grid: $(jget "$work/g.json" '"best_val_acc=%.4f seconds=%.1f trials=%d epochs=%d best=%s" % (best_score, seconds, trials, epochs_total, best)')"
  for seed in $SEEDS; do
    for strat in hyperband bohb; do
      rm -rf "$work/h.jsonl" "$work/h.jsonl.ckpt"
      "$E" tune "${FM[@]}" --space "$SPACE" --strategy "$strat" --max-epochs "$EPOCHS" --budget-epochs "$hbudget" \
        --seed "$seed" --study "$work/h.jsonl" >"$work/h.json"
      echo "grid-vs-$strat seed=$seed: $(jget "$work/h.json" '"best_val_acc=%.4f seconds=%.1f trials=%d epochs=%d" % (best_score, seconds, trials, epochs_total)')"
    done
  done
}

for s in "${SECTIONS[@]}"; do "$s"; done
