#!/usr/bin/env bash
# Fault tolerance of `edgeopt tune`: SIGKILL at random moments, then --resume,
# again and again until the study completes; at least 24 kills over two
# studies (Hyperband, whose promoted trials continue from trainer checkpoints,
# and TPE with the median pruner alternating --jobs 1 and 2). After every kill
# the log must hold only complete records (plus at most one partial last
# line); at the end every job has exactly one end record, and the end records
# (timings aside) and the --json result equal those of an uninterrupted run.
set -euo pipefail
E=${EDGEOPT:?}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }

norm() { # study log -> end records without timings, sorted by job (fails on a repeated or missing job)
  "$PY" - "$1" <<'EOF'
import json, sys
ends = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["type"] == "end":
        assert r["job"] not in ends, "job %d ended twice" % r["job"]
        r.pop("seconds", None)
        ends[r["job"]] = r
assert sorted(ends) == list(range(len(ends))), "a job is missing"
for k in sorted(ends):
    print(json.dumps(ends[k], sort_keys=True))
EOF
}

check_log() { # complete records only, except possibly a partial last line
  "$PY" - "$1" <<'EOF'
import json, sys
data = open(sys.argv[1], "rb").read()
lines = data.split(b"\n")
for l in lines[:-1]:
    json.loads(l)
EOF
}

same_json() {
  "$PY" -c 'import json,sys; a,b=[json.load(open(f)) for f in sys.argv[1:]]; [x.pop(k,None) for x in (a,b) for k in ("seconds","replayed")]; assert a==b, (a,b)' "$1" "$2"
}

total_kills=0
study() { # name min-kills jobs-mode args...
  local name=$1 need=$2 jobsmode=$3
  shift 3
  mkdir "$name.ref" "$name.run"
  local t0 t1
  t0=$(date +%s%N)
  "$E" tune "$@" --study "$name.ref/s.jsonl" >"$name.ref/out.json" 2>/dev/null || fail "$name: reference run"
  t1=$(date +%s%N)
  local maxus=$(( (t1 - t0) / 8000 ))
  [ "$maxus" -ge 20000 ] || maxus=20000
  local kills=0 attempts=0 done=0 jobs us d pid
  while [ "$done" = 0 ]; do
    attempts=$((attempts + 1))
    [ "$attempts" -le 400 ] || fail "$name: no completion after 400 attempts"
    jobs=1
    [ "$jobsmode" = alt ] && jobs=$(( 1 + attempts % 2 ))
    us=$(( 3000 + (maxus - 3000) * RANDOM / 32767 ))
    d=$(printf '%d.%06d' $((us / 1000000)) $((us % 1000000)))
    # Keep killing until the quota is met and the log holds a finished job, so
    # the last (uninterrupted) run really resumes something.
    local want_kill=0
    [ "$kills" -lt "$need" ] && want_kill=1
    grep -q '"type":"end"' "$name.run/s.jsonl" 2>/dev/null || want_kill=1
    "$E" tune "$@" --study "$name.run/s.jsonl" --resume --jobs "$jobs" >"$name.run/out.json" 2>"$name.run/err" &
    pid=$!
    if [ "$want_kill" = 1 ]; then
      sleep "$d"
      if kill -KILL "$pid" 2>/dev/null; then
        wait "$pid" 2>/dev/null || true
        kills=$((kills + 1))
        [ ! -e "$name.run/s.jsonl" ] || check_log "$name.run/s.jsonl" || fail "$name: unreadable log after kill $kills"
        continue
      fi
      # The run finished before the kill (a loaded machine is slow to wake the
      # sleeper): start the study over so every kill still lands mid-study.
      wait "$pid" 2>/dev/null || { cat "$name.run/err"; fail "$name: a resumed run failed"; }
      rm -f "$name.run/s.jsonl" "$name.run/out.json" "$name.run/err"
      continue
    fi
    if wait "$pid"; then
      done=1
    else
      cat "$name.run/err"
      fail "$name: a resumed run failed"
    fi
  done
  norm "$name.ref/s.jsonl" >"$name.ref.ends" || fail "$name: reference log"
  norm "$name.run/s.jsonl" >"$name.run.ends" || fail "$name: a job was lost or repeated after $kills kills"
  cmp "$name.ref.ends" "$name.run.ends" || fail "$name: the study differs from the uninterrupted run after $kills kills"
  same_json "$name.ref/out.json" "$name.run/out.json" || fail "$name: the result differs after $kills kills"
  local left
  left=$(ls -A "$name.run" | grep -cv '^\(s.jsonl\|out.json\|err\)$' || true)
  [ "$left" = 0 ] || { ls -A "$name.run"; fail "$name: files left behind"; }
  local rep
  rep=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["replayed"])' "$name.run/out.json")
  [ "$rep" -gt 0 ] || fail "$name: the kills left nothing to resume"
  echo "$name: ok ($kills kills, $attempts runs, $(wc -l <"$name.run.ends") jobs, the last run resumed after $rep, identical study)"
  total_kills=$((total_kills + kills))
}

RANDOM=4242
study hyperband 12 one --data synthetic:spirals:n=600,classes=3,noise=0.2 --model 'mlp:{h},{h}' \
  --optimizer 'adam:lr={lr}' --batch '{b}' --space 'lr=log(3e-3,3e-2);h=int(8,32);b=choice(16,32)' \
  --strategy hyperband --max-epochs 9 --seed 3 --quiet --json
study tpe 12 alt --data synthetic:moons:n=500,noise=0.25 --model 'mlp:{h}' --optimizer 'adam:lr={lr}' \
  --space 'lr=log(1e-3,1e-1);h=int(4,32)' --strategy tpe --trials 24 --startup 6 --max-epochs 4 --prune \
  --prune-startup 3 --seed 5 --quiet --json
[ "$total_kills" -ge 24 ] || fail "only $total_kills kills"
echo "tune kill/resume: ok ($total_kills kills)"
