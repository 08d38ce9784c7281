#!/usr/bin/env bash
# edgeopt tune under MPI: `mpirun --oversubscribe -np 3 edgeopt tune ...` (rank
# 0 drives and owns the study log, ranks 1-2 train) must give the same study
# and result as one process with the same seed: TPE with the median pruner
# (epoch reports and verdicts cross ranks), Hyperband (promoted trials
# continue from checkpoints written by whichever rank trained them) and BOHB
# (its TPE sampler sees the same results in the same order).
# Skipped, with a message, when mpirun is missing or edgeopt has no MPI.
set -euo pipefail
E=${EDGEOPT:?}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
if ! command -v mpirun >/dev/null 2>&1; then
  echo "SKIP: mpirun not found (apt-get install openmpi-bin libopenmpi-dev, configure with -DEO_WITH_MPI=ON)"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }
MPI=(mpirun --oversubscribe -np 3)
[ "$(id -u)" = 0 ] && MPI+=(--allow-run-as-root)
# OpenMPI's shared-memory transport needs a writable /dev/shm-like place; keep
# its session files in the test directory.
export OMPI_MCA_orte_tmpdir_base="$tmp" TMPDIR="$tmp"

set +e
"${MPI[@]}" "$E" tune --function quadratic --space 'x=uniform(-1,1);y=uniform(-1,1)' --trials 2 --max-epochs 0 --study probe.jsonl \
  --quiet >probe.out 2>probe.err
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  if grep -q 'this build has no MPI' probe.err; then
    echo "SKIP: this edgeopt was built without MPI (configure with -DEO_WITH_MPI=ON)"
    exit 0
  fi
  cat probe.err
  fail "mpirun edgeopt tune failed"
fi

norm() {
  "$PY" - "$1" <<'PYEOF'
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
PYEOF
}
same_json() {
  "$PY" -c 'import json,sys; a,b=[json.load(open(f)) for f in sys.argv[1:]]; a.pop("seconds"); b.pop("seconds"); assert a==b, (a,b)' "$1" "$2"
}

compare() { # name args...
  local name=$1
  shift
  "$E" tune "$@" --study "$name.one.jsonl" --json --quiet >"$name.one.json"
  "${MPI[@]}" "$E" tune "$@" --study "$name.mpi.jsonl" --json --quiet >"$name.mpi.json" 2>"$name.mpi.err" \
    || { cat "$name.mpi.err"; fail "$name: mpirun run failed"; }
  [ "$(wc -l <"$name.mpi.json")" = 1 ] || { cat "$name.mpi.json"; fail "$name: only rank 0 may print"; }
  norm "$name.one.jsonl" >"$name.one.ends"
  norm "$name.mpi.jsonl" >"$name.mpi.ends"
  cmp "$name.one.ends" "$name.mpi.ends" || fail "$name: the MPI study differs from the single-process one"
  same_json "$name.one.json" "$name.mpi.json" || fail "$name: the MPI result differs"
  echo "$name: MPI (3 ranks) = single process ($(wc -l <"$name.one.ends") jobs)"
}

compare tpe --data synthetic:moons:n=400,noise=0.25 --model 'mlp:{h}' --optimizer 'adam:lr={lr}' \
  --space 'lr=log(1e-3,1e-1);h=int(4,24)' --strategy tpe --trials 14 --startup 5 --lag 1 --max-epochs 4 --prune \
  --prune-startup 3 --seed 7
compare hyperband --data synthetic:spirals:n=400,classes=3,noise=0.2 --model 'mlp:{h}' \
  --optimizer 'adam:lr={lr}' --space 'lr=log(3e-3,3e-2);h=int(8,32)' --strategy hyperband --max-epochs 9 --seed 3
compare bohb --data synthetic:spirals:n=400,classes=3,noise=0.2 --model 'mlp:{h}' \
  --optimizer 'adam:lr={lr}' --space 'lr=log(3e-3,3e-2);h=int(8,32)' --strategy bohb --max-epochs 9 --seed 3
echo "tune MPI: ok"
