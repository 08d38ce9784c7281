#!/usr/bin/env bash
# Fault tolerance of `edgeopt train`: SIGKILL at random moments (at least 20
# times), resuming with --resume each time until the run completes. With a
# fixed seed and one thread the final model must be byte-identical to an
# uninterrupted run (cmp), and after every kill each file in the output
# directory must load (no half-written model or checkpoint, ever). Hidden
# temporaries of a killed writer (.NAME.tmp.PID.K) may exist between runs and
# must be gone at the end.
set -euo pipefail
E=${EDGEOPT:?}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }

args=(train --data synthetic:spirals:n=1500,classes=3,noise=0.2 --model mlp:48,48:dropout=0.1,bn=1
      --optimizer 'adamw:lr=0.005' --schedule step:step_size=5,gamma=0.7 --batch 16 --epochs 25
      --val-split 0.2 --early-stop 50 --seed 5 --threads 1 --checkpoint-every 9)

mkdir ref run
t0=$(date +%s.%N)
"$E" "${args[@]}" -o ref/model.eom --checkpoint ref/model.ckpt >/dev/null 2>&1 || fail "reference run"
t1=$(date +%s.%N)
# Kill delays: uniform in [0.02, duration/20] seconds, so a run needs many lives.
maxd=$("$PY" -c "import sys; print(max(0.05, (float(sys.argv[2]) - float(sys.argv[1])) / 20))" "$t0" "$t1")

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
  "$E" "${args[@]}" -o run/model.eom --checkpoint run/model.ckpt --resume >/dev/null 2>run.err &
  pid=$!
  if [ "$kills" -lt 20 ]; then
    d=$("$PY" -c "import sys; print(0.02 + (float(sys.argv[1]) - 0.02) * int(sys.argv[2]) / 32767)" "$maxd" "$RANDOM")
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
  else
    cat run.err
    fail "a resumed run failed"
  fi
done
[ "$kills" -ge 20 ] || fail "only $kills kills (the run was too short)"
cmp ref/model.eom run/model.eom || fail "final model differs from the uninterrupted run after $kills kills"
cmp ref/model.ckpt run/model.ckpt >/dev/null || echo "note: checkpoints differ only in timings" >&2
left=$(ls -A run | grep -c '\.tmp\.' || true)
[ "$left" = 0 ] || { ls -A run; fail "temporary files left behind"; }
echo "kill/resume: ok ($kills kills, $attempts runs, identical model)"
