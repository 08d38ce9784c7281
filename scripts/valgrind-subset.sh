#!/usr/bin/env bash
# Valgrind memcheck over a representative subset of the test executables and
# of the command-line tool (scripts/run-tests.sh runs it on the gcc build):
#   scripts/valgrind-subset.sh [BUILD_DIR]        (default build-test/gcc)
# Every module is represented (core, kernels incl. the int8 kernels, optim,
# model, data, io, train, compress, plot, tune/deploy when built), plus the
# regression tests and the CLI on its main paths and on error paths. Runs
# under --leak-check=full --errors-for-leak-kinds=definite: any invalid read or
# write, use of uninitialised memory or definite leak fails the run.
# parallel_test_pool is left out (a thread stress test: ~2 min under valgrind
# for nothing the other tests do not cover). Bounded in time: each run gets
# VALGRIND_TIMEOUT seconds (default 300) and the whole subset
# VALGRIND_BUDGET seconds (default 900); what the budget leaves out is listed
# as not run, not failed. Logs: BUILD_DIR/valgrind/.
set -uo pipefail
cd "$(dirname "$0")/.."
bld=${1:-build-test/gcc}
per=${VALGRIND_TIMEOUT:-300}
budget=${VALGRIND_BUDGET:-900}
if ! command -v valgrind >/dev/null; then
  echo "valgrind-subset: valgrind is not installed (apt-get install valgrind)" >&2
  exit 1
fi
[ -x "$bld/edgeopt" ] || { echo "valgrind-subset: no edgeopt in $bld (build it first)" >&2; exit 1; }
bld=$(cd "$bld" && pwd)
logs=$bld/valgrind
rm -rf "$logs"
mkdir -p "$logs"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Leaks inside fontconfig (cairo's toy-font cache keeps font patterns for the
# life of the process); nothing of ours is in these stacks.
cat >"$work/edgeopt.supp" <<'EOF'
{
   fontconfig_font_cache
   Memcheck:Leak
   match-leak-kinds: definite
   ...
   obj:*/libfontconfig.so*
   ...
}
EOF
# Exit status 99 marks a memcheck error, so the CLI's own failures (1, 2)
# on the error paths below stay distinguishable.
vg=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --suppressions="$work/edgeopt.supp" --track-origins=yes)

tests=(core_test_core
       kernels_test_gemm kernels_test_q8_ref kernels_test_q8_avx2 kernels_test_q8_overflow
       optim_test_first_order optim_test_minimize optim_test_schedule optim_test_lasso
       model_test_model model_test_spec model_test_loss
       data_test_data_text data_test_data_binary data_test_data_ops
       io_test_fileio io_test_modelfile io_test_modelsave io_test_qmodel_io
       train_test_trainer compress_test_qmodel plot_test_plot_logic
       tune_test_space deploy_test_plan
       regress_test_fuzz_finds regress_test_bad_values reliability_test_strnum reliability_test_q8_bounds)

start=$(date +%s)
passed=0
failed=0
notrun=""
over() { [ $(( $(date +%s) - start )) -ge "$budget" ]; }

# run NAME OKCODES CMD...: OKCODES is a regex of the exit codes that are fine.
run() {
  local name=$1 ok=$2
  shift 2
  if over; then notrun="$notrun $name"; return; fi
  local t0 rc
  t0=$(date +%s)
  (cd "$work" && timeout "$per" "${vg[@]}" "$@") >"$logs/$name.log" 2>&1
  rc=$?
  if [[ $rc =~ ^($ok)$ ]]; then
    printf 'ok    %-40s %4ds\n' "$name" $(( $(date +%s) - t0 ))
    passed=$((passed + 1))
  else
    if [ $rc = 124 ]; then why="timeout after ${per}s"; elif [ $rc = 99 ]; then why="memcheck errors"; else why="exit $rc"; fi
    printf 'FAIL  %-40s %s (log: %s)\n' "$name" "$why" "$logs/$name.log"
    grep -E '^==[0-9]+== (Invalid|Conditional|Use of|.*definitely lost|Mismatched|Source and destination)' \
      "$logs/$name.log" | head -5
    failed=$((failed + 1))
  fi
}

for t in "${tests[@]}"; do
  exe=$bld/tests/$t
  [ -x "$exe" ] || { echo "skip  $t (not built)"; continue; }
  run "$t" 0 "$exe"
done

# The CLI: a small end-to-end run (train with history and plot, eval, predict,
# info, data info, optimize with trace and plot, compare) and error paths
# (a bad CSV, a truncated model file, a bad number).
E=$bld/edgeopt
printf 'a,b,label\n' >"$work/d.csv"
for i in $(seq 0 59); do printf '%d.5,%d,%d\n' $((i % 7)) $((i % 5)) $((i % 2)) >>"$work/d.csv"; done
printf 'a,b,label\n1,2,0\n3,x,1\n' >"$work/bad.csv"
run cli_train "0" "$E" train --data csv:d.csv --model mlp:8 --epochs 2 -o m.eom --history h.csv --plot c.png
run cli_eval "0" "$E" eval m.eom --data csv:d.csv --json
run cli_predict "0" "$E" predict m.eom --data csv:d.csv -o p.csv
run cli_info "0" "$E" info m.eom --json
run cli_data_info "0" "$E" data info synthetic:moons:n=200 --json
run cli_optimize "0" "$E" optimize --function rosenbrock --optimizer lbfgs --trace t.csv --plot o.svg
run cli_compare "0" "$E" compare --function booth
run cli_train_resume "0" "$E" train --data csv:d.csv --model mlp:8 --epochs 3 -o m.eom --resume
head -c 500 "$work/m.eom" >"$work/trunc.eom"
run cli_bad_csv "1|2" "$E" train --data csv:bad.csv --model linear -o x.eom
run cli_truncated_model "1|2" "$E" eval trunc.eom --data csv:d.csv
run cli_bad_number "1|2" "$E" train --data csv:d.csv --model linear -o x.eom --epochs 1e999

echo "valgrind: $passed passed, $failed failed, $(( $(date +%s) - start ))s"
[ -z "$notrun" ] || echo "valgrind: not run (budget of ${budget}s used up):$notrun"
[ "$failed" = 0 ]
