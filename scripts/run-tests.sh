#!/usr/bin/env bash
# The whole test suite (the README's test command, also run by .ci/run):
#   1. gcc, Release, -Werror: build and run every test
#   2. clang, Release, -Werror: build and run every test
#   3. clang, ASan+UBSan: build and run every test
#   4. valgrind memcheck over a representative subset of the gcc build's tests
#      and CLI runs (scripts/valgrind-subset.sh; VALGRIND=0 skips it)
#   5. libFuzzer: each fuzz target for FUZZ_SECONDS (default 30) from its seed
#      corpus; executions and coverage per target in build-test/fuzz/stats.txt
# Stops at the first failing stage; prints "N passed, N failed" at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test mpi || exit 1

JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
passed=0
failed=0
failed_names=""

stage() { printf '\n=== %s ===\n' "$*"; }

run_ctest() { # build-dir name cmake-args...
  local dir=$1 name=$2
  shift 2
  stage "$name: configure and build"
  if ! cmake -S . -B "$dir" "$@" >"$dir.configure.log" 2>&1; then
    cat "$dir.configure.log"
    echo "$name: configure failed"
    failed=$((failed + 1)); failed_names="$failed_names $name/configure"
    return 1
  fi
  if ! cmake --build "$dir" -j "$JOBS" >"$dir.build.log" 2>&1; then
    grep -E 'error|warning' "$dir.build.log" | head -40
    echo "$name: build failed (full log: $dir.build.log)"
    failed=$((failed + 1)); failed_names="$failed_names $name/build"
    return 1
  fi
  stage "$name: ctest"
  (cd "$dir" && ctest --output-on-failure -j "$JOBS" 2>&1 | tee ctest.log)
  local p f
  p=$(grep -Eo '[0-9]+ tests failed out of [0-9]+' "$dir/ctest.log" | awk '{print $6 - $1}')
  f=$(grep -Eo '[0-9]+ tests failed out of [0-9]+' "$dir/ctest.log" | awk '{print $1}')
  if [ -z "$p" ]; then
    echo "$name: ctest did not report a summary"
    failed=$((failed + 1)); failed_names="$failed_names $name/ctest"
    return 1
  fi
  passed=$((passed + p)); failed=$((failed + f))
  [ "$f" = 0 ] || { failed_names="$failed_names $name/tests"; return 1; }
}

mkdir -p build-test
# Distributed tuning (tests/mpi) when OpenMPI is there; not in the sanitizer
# build, where OpenMPI's own start-up allocations would trip LeakSanitizer.
MPI=()
command -v mpicc >/dev/null 2>&1 && MPI=(-DEO_WITH_MPI=ON)
run_ctest build-test/gcc gcc -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Release "${MPI[@]}"
if [ "${VALGRIND:-1}" != 0 ] && [ -x build-test/gcc/edgeopt ]; then
  stage "valgrind memcheck (subset of the gcc build)"
  if scripts/valgrind-subset.sh build-test/gcc; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); failed_names="$failed_names valgrind"
  fi
fi
run_ctest build-test/clang clang -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Release "${MPI[@]}"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_ctest build-test/asan asan+ubsan -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEO_SANITIZE=ON -DEO_BUILD_BENCH=OFF

if [ -d fuzz ] && ls fuzz/fuzz_*.c >/dev/null 2>&1; then
  stage "fuzz: build"
  if cmake -S . -B build-test/fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
       -DEO_SANITIZE=ON -DEO_BUILD_FUZZ=ON -DEO_BUILD_TESTS=OFF -DEO_BUILD_BENCH=OFF >build-test/fuzz.configure.log 2>&1 &&
     cmake --build build-test/fuzz -j "$JOBS" >build-test/fuzz.build.log 2>&1; then
    printf '%-18s %12s %8s %8s %s\n' target executions cov ft exec/s >build-test/fuzz/stats.txt
    for src in fuzz/fuzz_*.c; do
      t=$(basename "$src" .c)
      corpus=fuzz/corpus/${t#fuzz_}
      work=build-test/fuzz/corpus-$t
      mkdir -p "$work"
      stage "fuzz: $t for ${FUZZ_SECONDS}s"
      if build-test/fuzz/fuzz/$t -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -print_final_stats=1 \
           -artifact_prefix=build-test/fuzz/ "$work" "$corpus" >build-test/fuzz/$t.log 2>&1; then
        grep -E 'stat::number_of_executed_units|cov:' build-test/fuzz/$t.log | tail -2
        awk -v t="${t#fuzz_}" '/stat::number_of_executed_units/ {n=$2} /cov: / {for (i = 1; i < NF; i++) {if ($i == "cov:") c=$(i+1); if ($i == "ft:") f=$(i+1); if ($i == "exec/s:") r=$(i+1)}}
          END {printf "%-18s %12s %8s %8s %s\n", t, n, c, f, r}' build-test/fuzz/$t.log >>build-test/fuzz/stats.txt
        passed=$((passed + 1))
      else
        tail -40 build-test/fuzz/$t.log
        failed=$((failed + 1)); failed_names="$failed_names fuzz/$t"
      fi
    done
  else
    tail -40 build-test/fuzz.build.log
    failed=$((failed + 1)); failed_names="$failed_names fuzz/build"
  fi
fi

[ -f build-test/fuzz/stats.txt ] && { stage "fuzz statistics (${FUZZ_SECONDS}s per target)"; cat build-test/fuzz/stats.txt; }
echo
[ -z "$failed_names" ] || echo "failed:$failed_names"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ -z "$failed_names" ]
