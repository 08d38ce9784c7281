#!/usr/bin/env bash
# Fault tolerance of `edgeopt tune`: SIGKILL at random moments, then --resume,
# again and again until the study completes; at least 30 kills over three
# studies (Hyperband, whose promoted trials continue from trainer checkpoints,
# TPE with the median pruner alternating --jobs 1 and 2, and BOHB, whose
# samples depend on the replayed results, alternating too). After every kill
# the log must hold only complete records (plus at most one partial last
# line); at the end every job has exactly one end record, and the end records
# (timings aside) and the --json result equal those of an uninterrupted run.
# Then SIGINT and SIGTERM: a complete log holding every finished job.
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
study bohb 6 alt --data synthetic:spirals:n=600,classes=3,noise=0.2 --model 'mlp:{h},{h}' \
  --optimizer 'adam:lr={lr}' --batch '{b}' --space 'lr=log(3e-3,3e-2);h=int(8,32);b=choice(16,32)' \
  --strategy bohb --max-epochs 9 --budget-epochs 120 --seed 3 --quiet --json
[ "$total_kills" -ge 30 ] || fail "only $total_kills kills"

# SIGINT / SIGTERM with the default --fsync trial (background flushes): the
# study stops, flushes, and leaves a log of complete records only (it ends with
# a newline, every line parses, no job ends twice) holding every job it
# reported finished; --resume completes it to the uninterrupted result.
complete_log() { # FILE -> number of end records; fails on a partial or bad line
  "$PY" - "$1" <<'EOF'
import json, sys
data = open(sys.argv[1], "rb").read()
assert data.endswith(b"\n"), "partial last line"
ends = set()
for l in data.split(b"\n")[:-1]:
    r = json.loads(l)
    if r["type"] == "end":
        assert r["job"] not in ends, "job %d ended twice" % r["job"]
        ends.add(r["job"])
print(len(ends))
EOF
}
SIGARGS=(--data synthetic:moons:n=4000,noise=0.25 --model 'mlp:{h},{h}' --optimizer 'adam:lr={lr}' --batch 16
  --space 'lr=log(1e-3,1e-1);h=int(16,64)' --strategy random --trials 60 --max-epochs 10 --quiet --json)
mkdir sig.ref
"$E" tune "${SIGARGS[@]}" --study sig.ref/s.jsonl >sig.ref/out.json
norm sig.ref/s.jsonl >sig.ref.ends
for sig in INT TERM; do
  d=sig.$sig
  tries=0
  while :; do
    tries=$((tries + 1))
    [ "$tries" -le 30 ] || fail "SIG$sig: never caught the study mid-run"
    rm -rf "$d"
    mkdir "$d"
    "$E" tune "${SIGARGS[@]}" --study "$d/s.jsonl" >"$d/out.json" 2>"$d/err" &
    pid=$!
    us=$((300000 + (tries % 10) * 200000)) # 0.3 .. 2.1 s: slow (sanitizer) builds start later
    sleep "$(printf '%d.%06d' $((us / 1000000)) $((us % 1000000)))"
    kill -"$sig" "$pid" 2>/dev/null || true
    set +e
    wait "$pid"
    rc=$?
    set -e
    # Before the handler is installed the default action ends the process (no
    # study yet), after the study finished there is nothing to test, and with
    # no finished job little: again.
    grep -q 'interrupted after [1-9]' "$d/err" && break
  done
  [ "$rc" -ne 0 ] || fail "SIG$sig: exit status 0 after an interrupt"
  n=$(complete_log "$d/s.jsonl") || fail "SIG$sig: the log is not complete after the interrupt"
  said=$(sed -n 's/.*interrupted after \([0-9]*\) finished jobs.*/\1/p' "$d/err")
  [ "$n" = "$said" ] || fail "SIG$sig: the log holds $n finished jobs, the study reported $said"
  "$E" tune "${SIGARGS[@]}" --study "$d/s.jsonl" --resume >"$d/out.json" || fail "SIG$sig: resume"
  norm "$d/s.jsonl" >"$d.ends" || fail "SIG$sig: a job was lost or repeated"
  cmp sig.ref.ends "$d.ends" || fail "SIG$sig: the resumed study differs from the uninterrupted run"
  same_json sig.ref/out.json "$d/out.json" || fail "SIG$sig: the result differs"
  echo "SIG$sig: ok (stopped after $n jobs, complete log, resumed to the same study)"
done
echo "tune kill/resume: ok ($total_kills kills)"
