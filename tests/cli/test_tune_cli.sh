#!/usr/bin/env bash
# edgeopt tune: errors (one line, non-zero exit, column of a bad space), JSON
# output, --jobs 1 vs --jobs 2 identical studies, resume of a finished study,
# settings mismatch on resume, device constraints checked before training
# (against `edgeopt quantize` + `edgeopt export` of the retrained best model),
# the Pareto front (against its definition), k-fold scores and plots.
set -euo pipefail
. "${EO_SOURCE_DIR:?}/tests/lib.sh"

check_error() { # expected-substring args...
  local want=$1; shift
  set +e
  "$E" "$@" >out 2>err
  local rc=$?
  set -e
  [ "$rc" -ne 0 ] || fail "'$*' should fail"
  [ ! -s out ] || { cat out; fail "'$*' wrote to stdout"; }
  [ "$(wc -l <err)" = 1 ] || { cat err; fail "'$*' should print one stderr line"; }
  grep -qF -- "$want" err || { cat err; fail "'$*' message lacks '$want'"; }
}

DATA=(--data synthetic:moons:n=400,noise=0.2)
SP='lr=log(1e-3,1e-1);h=int(4,24)'
base=("${DATA[@]}" --model 'mlp:{h}' --optimizer 'adam:lr={lr}' --space "$SP")

"$E" tune --help >help.txt
grep -q 'usage: edgeopt tune' help.txt || fail "--help"
check_error "--space is required" tune "${DATA[@]}" --model mlp:4 --study s.jsonl
check_error "--study is required" tune "${base[@]}"
check_error "--space:1:4: expected uniform, log, int, intlog or choice" tune "${DATA[@]}" --model 'mlp:{h}' \
  --space 'lr=lag(1,2)' --study s.jsonl
check_error "unknown placeholder {hh} in --model" tune "${DATA[@]}" --model 'mlp:{hh}' --space "$SP" --study s.jsonl
check_error "parameter 'lr' is not used by any spec" tune "${DATA[@]}" --model 'mlp:{h}' --space "$SP" --study s.jsonl
check_error "--strategy: expected grid" tune "${base[@]}" --strategy anneal --study s.jsonl
check_error "--constraint: column 6" tune "${base[@]}" --constraint 'flash>=1' --study s.jsonl
check_error "--trials: expected an integer" tune "${base[@]}" --trials 1e999 --study s.jsonl
check_error "--objectives must include accuracy or loss" tune "${base[@]}" --objectives flash,ram --study s.jsonl
[ ! -e s.jsonl ] || fail "a failed command left a study log"
printf 'lr = log(1e-3, 1e-1)\n# comment\nh = int(4, x)\n' >space.txt
check_error "space.txt:3:12: expected an integer" tune "${DATA[@]}" --model 'mlp:{h}' --optimizer 'adam:lr={lr}' \
  --space @space.txt --study s.jsonl

# JSON: one line; best inside the space; the log has one end record per job.
run() { "$E" tune "${base[@]}" --quiet --json "$@"; }
run --strategy tpe --trials 12 --startup 4 --max-epochs 3 --prune --prune-startup 3 --study a.jsonl >a.json
[ "$(wc -l <a.json)" = 1 ] || fail "--json must print one line"
norm() { # study log -> its end records without timings, sorted by job
  "$PY" - "$1" <<'EOF'
import json, sys
ends = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["type"] == "end":
        assert r["job"] not in ends, "job %d ended twice" % r["job"]
        r.pop("seconds", None)
        ends[r["job"]] = r
assert sorted(ends) == list(range(len(ends))), "jobs missing"
for k in sorted(ends):
    print(json.dumps(ends[k], sort_keys=True))
EOF
}
norm a.jsonl >a.ends
"$PY" - a.json a.ends <<'EOF' || fail "JSON result"
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("best", "best_score", "trials", "epochs_total", "seconds", "pruned", "rejected"):
    assert k in d, k
assert 1e-3 <= d["best"]["lr"] <= 1e-1 and 4 <= d["best"]["h"] <= 24
assert d["trials"] == 12 and d["jobs"] == 12
ends = [json.loads(l) for l in open(sys.argv[2])]
assert len(ends) == 12
ok = [e for e in ends if e["status"] == "ok"]
assert max(e["score"] for e in ok) == d["best_score"]
assert sum(e["epochs"] for e in ends) == d["epochs_total"]
EOF

# Two workers give the same study (TPE with lag 1, pruning, halving).
run --strategy tpe --trials 12 --startup 4 --max-epochs 3 --prune --prune-startup 3 --study b.jsonl --jobs 2 >b.json
norm b.jsonl >b.ends
cmp a.ends b.ends || fail "--jobs 2 changed the study"
"$PY" -c 'import json,sys; a,b=[json.load(open(f)) for f in sys.argv[1:]]; [x.pop("seconds") for x in (a,b)]; assert a==b' a.json b.json \
  || fail "--jobs 2 changed the result"
run --strategy halving --trials 9 --max-epochs 9 --study h1.jsonl >h1.json
run --strategy halving --trials 9 --max-epochs 9 --study h2.jsonl --jobs 2 >h2.json
norm h1.jsonl >h1.ends
norm h2.jsonl >h2.ends
cmp h1.ends h2.ends || fail "--jobs 2 changed the halving study"
[ ! -e h1.jsonl.ckpt ] || fail "halving checkpoints left behind"

# Resume: a finished study replays without training; a new run refuses the
# log; changed settings are named.
run --strategy tpe --trials 12 --startup 4 --max-epochs 3 --prune --prune-startup 3 --study a.jsonl --resume >r.json
"$PY" -c 'import json,sys; a,b=[json.load(open(f)) for f in sys.argv[1:]]; assert b["replayed"]==12; [x.pop(k) for x in (a,b) for k in ("seconds","replayed")]; assert a==b' a.json r.json \
  || fail "resuming a finished study changed the result"
check_error "add --resume" tune "${base[@]}" --strategy tpe --trials 12 --study a.jsonl
check_error "seed = 1 but this run has 2" tune "${base[@]}" --strategy tpe --trials 12 --startup 4 --max-epochs 3 \
  --prune --prune-startup 3 --study a.jsonl --resume --seed 2
check_error "model = 'mlp:{h}' but this run has 'mlp:{h},{h}'" tune "${DATA[@]}" --model 'mlp:{h},{h}' \
  --optimizer 'adam:lr={lr}' --space "$SP" --strategy tpe --trials 12 --startup 4 --max-epochs 3 --prune \
  --prune-startup 3 --study a.jsonl --resume

# Device constraints: rejected before training (no start record, no epochs);
# the figures are those of quantize + export of the retrained best model. The
# bound is the median flash of the space's configurations (code-size
# estimates are the export's and may differ between builds).
CSP='lr=log(1e-2,1e-1);h=int(4,64)'
"$E" tune "${DATA[@]}" --model 'mlp:{h}' --optimizer 'adam:lr={lr}' --space "$CSP" --trials 16 --max-epochs 1 \
  --objectives accuracy,flash --study probe.jsonl --quiet >/dev/null
bound=$("$PY" -c 'import json,sys; f=sorted(json.loads(l)["q"]["flash"] for l in open(sys.argv[1]) if json.loads(l)["type"]=="end"); print(int(f[len(f)//2]))' probe.jsonl)
"$E" tune "${DATA[@]}" --model 'mlp:{h}' --optimizer 'adam:lr={lr}' --space "$CSP" \
  --trials 16 --max-epochs 3 --constraint "flash<=$bound" --objectives accuracy,flash --study c.jsonl --json \
  -o best.eom 2>c.err >c.json
grep -q 'rejected: flash' c.err || fail "no rejected trial reported"
"$E" quantize best.eom --calib synthetic:moons:n=400,noise=0.2 -o best8.eom >/dev/null
mkdir ex
"$E" export best8.eom --target c -o ex --json >ex.json
"$PY" - c.json c.jsonl ex.json "$bound" <<'EOF' || fail "constraints / Pareto"
import json, sys
d = json.load(open(sys.argv[1]))
recs = [json.loads(l) for l in open(sys.argv[2])]
ex = json.load(open(sys.argv[3]))
bound = float(sys.argv[4])
assert d["best_flash"] == ex["flash_bytes"], (d["best_flash"], ex["flash_bytes"])
assert d["best_ram"] == ex["ram_bytes"], (d["best_ram"], ex["ram_bytes"])
started = {r["job"] for r in recs if r["type"] == "start"}
ends = [r for r in recs if r["type"] == "end"]
rej = [r for r in ends if r["status"] == "rejected"]
assert rej and d["rejected"] == len(rej)
for r in ends:
    if r["status"] == "rejected":
        assert r["job"] not in started and r["epochs"] == 0 and r["q"]["flash"] > bound
    else:
        assert r["q"]["flash"] <= bound
# Pareto front: exactly the non-dominated (accuracy up, flash down) ok trials
ok = [r for r in ends if r["status"] == "ok"]
def dom(a, b):
    return a["score"] >= b["score"] and a["q"]["flash"] <= b["q"]["flash"] and \
        (a["score"] > b["score"] or a["q"]["flash"] < b["q"]["flash"])
front = sorted(r["trial"] for r in ok if not any(dom(o, r) for o in ok))
assert sorted(p["trial"] for p in d["pareto"]) == front, (front, d["pareto"])
EOF

# k-fold: fold scores reported, the score is their mean.
"$E" tune "${base[@]}" --trials 3 --max-epochs 2 --folds 3 --study k.jsonl --json --quiet >k.json
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); f=d["best_fold_scores"]; assert len(f)==3; assert abs(sum(f)/3-d["best_score"])<1e-12; assert d["epochs_total"]==3*2*3' k.json \
  || fail "k-fold scores"

# Plots (when this build can draw), and a Hyperband run with its rungs.
if "$E" tune "${base[@]}" --trials 2 --max-epochs 1 --study p0.jsonl --plot p0.png --quiet >/dev/null 2>p0.err; then
  "$E" tune "${base[@]}" --strategy hyperband --max-epochs 9 --study p.jsonl --plot p.png --quiet >/dev/null
  [ -s p.png ] || fail "no plot"
  head -c 8 p.png | od -An -c | grep -q 'P   N   G' || fail "plot is not a PNG"
else
  grep -q 'cairo' p0.err || { cat p0.err; fail "plot failed"; }
  echo "tune: plots skipped (no cairo in this build)"
fi

# --function: strategies in milliseconds; the grid enumerates its points.
"$E" tune --function quadratic --space 'x=uniform(-1,1,grid=5);y=int(-2,2)' --strategy grid --grid-points 5 --max-epochs 0 \
  --study g.jsonl --json --quiet >g.json
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["trials"]==25 and d["best"]=={"x":0,"y":0}, d' g.json \
  || fail "grid over a test function"
# Faults: a diverging trial fails alone; a file-size limit stops the study with
# one clear line, the records before stay intact and --resume completes it to
# the uninterrupted result.
"$E" tune "${DATA[@]}" --model 'mlp:8' --optimizer 'sgd:lr={lr}' --space 'lr=log(1e4,1e8)' --trials 2 \
  --max-epochs 2 --study d.jsonl --json 2>d.err >d.json
grep -q 'failed: epoch 1, batch [0-9]*: the loss is' d.err || { cat d.err; fail "divergence message"; }
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["failed"]==2 and d["best"] is None' d.json \
  || fail "diverging trials"
fsz=(--function rosenbrock --space 'x=uniform(-2,2);y=uniform(-1,3)' --strategy tpe --trials 40 --max-epochs 3 --quiet --json)
"$E" tune "${fsz[@]}" --study full.jsonl >full.json
set +e
(trap '' XFSZ; ulimit -f 8; exec "$E" tune "${fsz[@]}" --study lim.jsonl) >lim.out 2>lim.err
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a file-size limit should stop the study"
[ "$(wc -l <lim.err)" = 1 ] && grep -q 'cannot write the study log: .*(file-size limit)' lim.err \
  || { cat lim.err; fail "file-size limit message"; }
[ "$(wc -c <lim.jsonl)" -le 8192 ] || fail "the log outgrew the limit"
"$E" tune "${fsz[@]}" --study lim.jsonl --resume >lim.json
norm full.jsonl >full.ends
norm lim.jsonl >lim.ends
cmp full.ends lim.ends || fail "resuming after the file-size limit changed the study"
echo "tune CLI: ok"
