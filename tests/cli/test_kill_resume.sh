#!/usr/bin/env bash
# Fault tolerance of `edgeopt train`: SIGKILL at random moments (at least 20
# times), resuming with --resume each time until the run completes. With a
# fixed seed and one thread the final model must be byte-identical to an
# uninterrupted run (cmp), and after every kill each file in the output
# directory must load (no half-written model or checkpoint, ever). Hidden
# temporaries of a killed writer (.NAME.tmp.PID.K) may exist between runs and
# must be gone at the end.
set -euo pipefail
. "${EO_SOURCE_DIR:?}/tests/lib.sh"

args=(train --data synthetic:spirals:n=1500,classes=3,noise=0.2 --model mlp:48,48:dropout=0.1,bn=1
      --optimizer 'adamw:lr=0.005' --schedule step:step_size=5,gamma=0.7 --batch 16 --epochs 40
      --val-split 0.2 --early-stop 50 --seed 5 --threads 1 --checkpoint-every 9)

mkdir ref run
t0=$(date +%s%N)
"$E" "${args[@]}" -o ref/model.eom --checkpoint ref/model.ckpt >/dev/null 2>&1 || fail "reference run"
t1=$(date +%s%N)
# Kill delays: uniform in [2 ms, duration/20] (integer microseconds, computed
# in bash so no helper process adds to them), so a run needs many lives.
maxus=$(( (t1 - t0) / 20000 ))
[ "$maxus" -ge 5000 ] || maxus=5000

check_files() {
  for f in run/*; do
    [ -e "$f" ] || continue
    "$E" info "$f" >/dev/null 2>info.err || { cat info.err; fail "$f does not load after a kill"; }
  done
}

kills=0 attempts=0 done=0
RANDOM=12345
while [ "$done" = 0 ]; do
  attempts=$((attempts + 1))
  [ "$attempts" -le 400 ] || fail "no completion after 400 attempts"
  us=$(( 2000 + (maxus - 2000) * RANDOM / 32767 ))
  d=$(printf '%d.%06d' $((us / 1000000)) $((us % 1000000)))
  "$E" "${args[@]}" -o run/model.eom --checkpoint run/model.ckpt --resume >/dev/null 2>run.err &
  pid=$!
  if [ "$kills" -eq 20 ] && [ ! -e run/model.ckpt ]; then fail "no checkpoint survived 20 kills"; fi
  if [ "$kills" -lt 20 ]; then
    sleep "$d"
    if kill -KILL "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null || true
      kills=$((kills + 1))
      check_files
      continue
    fi
  fi
  if wait "$pid"; then
    done=1
    from=$(grep -o 'resuming at epoch [0-9]*, batch [0-9]*' run.err || echo "no resume")
  else
    cat run.err
    fail "a resumed run failed"
  fi
done
[ "$kills" -ge 20 ] || fail "only $kills kills (the run was too short)"
cmp ref/model.eom run/model.eom || fail "final model differs from the uninterrupted run after $kills kills"
left=$(ls -A run | grep -c '\.tmp\.' || true)
[ "$left" = 0 ] || { ls -A run; fail "temporary files left behind"; }
echo "kill/resume: ok ($kills kills, $attempts runs, last run $from, identical model)"
