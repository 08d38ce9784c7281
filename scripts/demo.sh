#!/usr/bin/env bash
# The main job (`make demo`): edgeopt end to end on Fashion-MNIST.
#
#   baseline MLP 784-256-128-10 -> short tuning run -> int8 / pruned / distilled
#   models -> C export of the best compressed model -> host-compiled run on the
#   test set (and under QEMU when the Cortex-M harness is available) -> one
#   summary table (Markdown + JSON) and the plots in one output folder.
#
# Every stage runs through the `edgeopt` command itself; a stage whose command
# this build does not have yet is reported as missing, never imitated.
#
# Environment:
#   OUT=DIR          output folder (default out/demo-<date>-<time>)
#   BUILD=DIR        build directory (default build)
#   THREADS=N        threads for training (default: min(nproc, 2))
#   DEMO_QUICK=1     small sizes (a few thousand rows, 1 epoch): the CI check
#   DEMO_SKIP_BUILD=1  use BUILD as it is (no dependency check, no build)
#   CC               host compiler for the exported code (default cc)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
QUICK=${DEMO_QUICK:-0}
BUILD=${BUILD:-build}
CC=${CC:-cc}
T_START=$(date +%s.%N)

say() { printf '%s\n' "$*"; }
hr() { say "------------------------------------------------------------------------------"; }

# ------------------------------------------------------------ build
if [ "${DEMO_SKIP_BUILD:-0}" != 1 ]; then
  # Installs the Debian packages as root, else prints the apt-get line and stops.
  scripts/deps.sh demo || exit 1
  say "== building edgeopt (Release) in $BUILD/"
  # The demo needs no test framework: without cmocka the tests are left out.
  mkdir -p "$BUILD"
  opts=(-DCMAKE_BUILD_TYPE=Release)
  pkg-config --exists cmocka 2>/dev/null || opts+=(-DEO_BUILD_TESTS=OFF)
  cmake -S . -B "$BUILD" "${opts[@]}" >"$BUILD/demo-configure.log" 2>&1 ||
    { cat "$BUILD/demo-configure.log"; say "demo: cmake configure failed"; exit 1; }
  # only what the demo runs: the tool and the JSON reader (not the tests)
  cmake --build "$BUILD" -j "$(nproc 2>/dev/null || echo 2)" --target edgeopt example_jsonq \
    >"$BUILD/demo-build.log" 2>&1 ||
    { tail -30 "$BUILD/demo-build.log"; say "demo: the build failed (log: $BUILD/demo-build.log)"; exit 1; }
fi
EO="$ROOT/$BUILD/edgeopt"
[ "${BUILD#/}" != "$BUILD" ] && EO="$BUILD/edgeopt"
JQ="$(dirname "$EO")/examples/jsonq"
[ -x "$EO" ] || { say "demo: $EO not found (build first)"; exit 1; }
[ -x "$JQ" ] || { say "demo: $JQ not found (the examples/ programs are part of the build)"; exit 1; }

OUT=${OUT:-out/demo-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
mkdir -p "$OUT/logs" "$OUT/json" "$OUT/models" "$OUT/plots"

NPROC=$(nproc 2>/dev/null || echo 2)
THREADS=${THREADS:-$((NPROC < 2 ? NPROC : 2))}
if [ "$QUICK" = 1 ]; then
  TRAIN="fashion-mnist:limit=3000"; TEST="fashion-mnist:test,limit=500"; NTEST=500
  EPOCHS=1; TUNE_DATA="fashion-mnist:limit=1500"; TUNE_EPOCHS=2; TUNE_BUDGET=6
  FT_EPOCHS=1; KD_EPOCHS=1; CALIB=300
else
  TRAIN="fashion-mnist"; TEST="fashion-mnist:test"; NTEST=10000
  EPOCHS=5; TUNE_DATA="fashion-mnist:limit=12000"; TUNE_EPOCHS=3; TUNE_BUDGET=30
  FT_EPOCHS=2; KD_EPOCHS=5; CALIB=1000
fi

# ------------------------------------------------------------ helpers
# Plots need the cairo back end; a build without it still runs every stage.
PLOTS=1
"$EO" optimize --steps 1 --plot "$OUT/plots/.probe.svg" >/dev/null 2>&1 || PLOTS=0
rm -f "$OUT/plots/.probe.svg"
# plot FILE: P=(--plot FILE) when plotting works, P=() otherwise
P=()
plot() { P=(); [ "$PLOTS" = 1 ] && P=(--plot "$1"); return 0; }
have() { "$EO" help 2>/dev/null | grep -qE "^  $1( |$)"; }
MISSING=()     # stages whose command does not exist in this build
FAILED=()      # stages that ran and failed
STAGE_NAMES=() STAGE_SECS=()
n_stage=0

# run STAGE JSON_OUT CMD...: run one edgeopt command; stdout (its --json) goes
# to JSON_OUT, stderr (progress) to the terminal and to logs/STAGE.log.
run() {
  local stage=$1 json=$2; shift 2
  local t0 t1 rc
  t0=$(date +%s.%N)
  set +e
  { "$@" 2>&1 1>"$json" | tee -a "$OUT/logs/$stage.log" | sed 's/^/    /'; } 
  rc=${PIPESTATUS[0]}
  set -e
  t1=$(date +%s.%N)
  STAGE_NAMES+=("$stage"); STAGE_SECS+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b - a}')")
  if [ "$rc" != 0 ]; then
    say "    !! $stage failed (exit $rc); log: $OUT/logs/$stage.log"
    FAILED+=("$stage")
    return 1
  fi
  return 0
}
# begin STAGE "what": print a stage header; returns 1 (and records the stage as
# missing) when the command CMD is not in this build.
begin() {
  local stage=$1 cmd=$2 what=$3
  n_stage=$((n_stage + 1))
  if ! have "$cmd"; then
    say "[$n_stage] $stage: SKIPPED - 'edgeopt $cmd' is not in this build yet"
    MISSING+=("$stage (edgeopt $cmd)")
    return 1
  fi
  say "[$n_stage] $stage: $what"
  return 0
}
j() { "$JQ" "$@" 2>/dev/null || true; }   # value(s) from a JSON file, "" if absent
num() { [ -n "${1:-}" ] && printf '%s' "$1" || printf -- '-'; }
us() { [ -n "${1:-}" ] && awk -v a="$1" 'BEGIN { printf "%.1f", a }' || printf -- '-'; }
pct() { [ -n "$1" ] && awk -v a="$1" 'BEGIN { printf "%.2f%%", 100 * a }' || printf -- '-'; }

# Per-model results: name -> file, accuracy, bytes, flash, ram, latency.
MODELS=()
declare -A M_FILE M_ACC M_BYTES M_FLASH M_RAM M_LAT M_CLAT M_KIND M_NOTE

# measure NAME FILE KIND NOTE: test accuracy (eval), file bytes (info) and,
# when export exists, the export's flash/RAM figures.
measure() {
  local name=$1 file=$2 kind=$3 note=$4
  MODELS+=("$name"); M_FILE[$name]=$file; M_KIND[$name]=$kind; M_NOTE[$name]=$note
  if run "eval-$name" "$OUT/json/eval-$name.json" "$EO" eval "$file" --data "$TEST" --json; then
    M_ACC[$name]=$(j "$OUT/json/eval-$name.json" accuracy)
  fi
  if run "info-$name" "$OUT/json/info-$name.json" "$EO" info "$file" --json; then
    M_BYTES[$name]=$(j "$OUT/json/info-$name.json" bytes)
    local sp
    sp=$(j "$OUT/json/info-$name.json" weight_sparsity)
    if [ -n "$sp" ] && awk -v s="$sp" 'BEGIN { exit !(s >= 0.005) }'; then
      M_NOTE[$name]="${M_NOTE[$name]}, $(pct "$sp") of the weights are zero"
    fi
  fi
  if have export; then
    mkdir -p "$OUT/export-all/$name"
    if "$EO" export "$file" --target c --name "m_${name//-/_}" -o "$OUT/export-all/$name" --json \
        >"$OUT/json/export-$name.json" 2>"$OUT/logs/export-$name.log"; then
      M_FLASH[$name]=$(j "$OUT/json/export-$name.json" flash_bytes)
      M_RAM[$name]=$(j "$OUT/json/export-$name.json" ram_bytes)
    else
      M_NOTE[$name]="${M_NOTE[$name]}; export refused: $(head -1 "$OUT/logs/export-$name.log")"
    fi
  fi
  say "    -> $name: test accuracy $(pct "${M_ACC[$name]:-}"), ${M_BYTES[$name]:-?} bytes"
}

hr
say "edgeopt demo: Fashion-MNIST from a float MLP to C for a microcontroller"
say "output folder: $OUT"
[ "$QUICK" = 1 ] && say "(DEMO_QUICK=1: small sizes, the numbers are not meaningful)"
[ "$PLOTS" = 1 ] || say "(this build has no plotting: install libcairo2-dev and rebuild for the plots)"
"$EO" --version | head -1
hr

# ------------------------------------------------------------ 1. data
n_stage=$((n_stage + 1))
say "[$n_stage] data: Fashion-MNIST (60,000 training / 10,000 test images, 28x28, 10 classes)"
run data "$OUT/json/data.json" "$EO" data info "$TRAIN" --json ||
  { say "demo: cannot load Fashion-MNIST (apt-get install dataset-fashion-mnist)"; exit 1; }
say "    $(j "$OUT/json/data.json" rows) training rows, $(j "$OUT/json/data.json" features) features"

# ------------------------------------------------------------ 2. baseline
BASE="$OUT/models/baseline.eom"
if begin baseline train "train the float MLP 784-256-128-10 (Adam lr 1e-3, batch 128, $EPOCHS epochs, $THREADS threads)"; then
  plot "$OUT/plots/baseline-curves.png"
  if run train "$OUT/json/train.json" "$EO" train --data "$TRAIN" --model mlp:256,128 \
      --optimizer 'adam:lr=0.001' --batch 128 --epochs "$EPOCHS" --val-split 0.1 --seed 1 \
      --threads "$THREADS" --checkpoint none --history "$OUT/baseline-history.csv" \
      "${P[@]}" -o "$BASE" --json; then
    measure baseline "$BASE" float "float32 baseline"
  fi
fi
[ -f "$BASE" ] || { say "demo: no baseline model; nothing else can run"; exit 1; }

# ------------------------------------------------------------ 3. tuning
if begin tuning tune "a short tuning run: Hyperband over lr and width on a subset"; then
  plot "$OUT/plots/tune.png"
  run tune "$OUT/json/tune.json" "$EO" tune --data "$TUNE_DATA" --model 'mlp:{hidden}' \
    --optimizer 'adam:lr={lr}' --space 'lr=log(1e-4,1e-2);hidden=choice(32,64,128,256)' \
    --strategy hyperband --max-epochs "$TUNE_EPOCHS" --budget-epochs "$TUNE_BUDGET" --seed 1 \
    --study "$OUT/tune-study.jsonl" "${P[@]}" --json || true
  if [ -s "$OUT/json/tune.json" ]; then
    say "    -> best: $(j "$OUT/json/tune.json" best) validation $(j "$OUT/json/tune.json" best_score)" \
        "($(j "$OUT/json/tune.json" trials) trials, $(j "$OUT/json/tune.json" epochs_total) epochs)"
  fi
fi

# ------------------------------------------------------------ 4. compression
if begin int8 quantize "int8 post-training quantization (per-channel weights, $CALIB calibration images)"; then
  run quantize "$OUT/json/quantize.json" "$EO" quantize "$BASE" --calib "$TRAIN" --samples "$CALIB" \
      --per-channel -o "$OUT/models/int8.eom" --json &&
    measure int8 "$OUT/models/int8.eom" int8 "int8 PTQ of the baseline"
fi
if begin pruned prune "90% magnitude pruning, gradual (4 steps) with $FT_EPOCHS fine-tuning epochs"; then
  if run prune "$OUT/json/prune.json" "$EO" prune "$BASE" --sparsity 0.9 --schedule gradual --steps 4 \
      --data "$TRAIN" --finetune-epochs "$FT_EPOCHS" --threads "$THREADS" -o "$OUT/models/pruned.eom" --json; then
    measure pruned "$OUT/models/pruned.eom" float "pruned, fine-tuned (float file: zeros stored)"
    if have quantize && run quantize-pruned "$OUT/json/quantize-pruned.json" "$EO" quantize \
        "$OUT/models/pruned.eom" --calib "$TRAIN" --samples "$CALIB" --per-channel \
        -o "$OUT/models/pruned-int8.eom" --json; then
      measure pruned-int8 "$OUT/models/pruned-int8.eom" int8 "pruned, then int8"
    fi
  fi
fi
if begin student distill "distill a 784-32-10 student from the baseline (T = 4, alpha = 0.7, $KD_EPOCHS epochs)"; then
  if run distill "$OUT/json/distill.json" "$EO" distill --teacher "$BASE" --model mlp:32 --temperature 4 \
      --alpha 0.7 --data "$TRAIN" --epochs "$KD_EPOCHS" --threads "$THREADS" \
      -o "$OUT/models/student.eom" --json; then
    measure student "$OUT/models/student.eom" float "distilled 784-32-10"
    if have quantize && run quantize-student "$OUT/json/quantize-student.json" "$EO" quantize \
        "$OUT/models/student.eom" --calib "$TRAIN" --samples "$CALIB" --per-channel \
        -o "$OUT/models/student-int8.eom" --json; then
      measure student-int8 "$OUT/models/student-int8.eom" int8 "distilled student, then int8"
    fi
  fi
fi
if begin report compress-report "compression report: accuracy with 95% CI, agreement, latency, plots"; then
  files=()
  for m in "${MODELS[@]}"; do files+=("${M_FILE[$m]}"); done
  plot "$OUT/plots/compress-report.png"
  if run compress-report "$OUT/json/report.json" "$EO" compress-report "${files[@]}" --data "$TEST" \
      "${P[@]}" --json; then
    # latency per sample of each model, in the order given
    for i in "${!MODELS[@]}"; do
      lat=$(j "$OUT/json/report.json" "models.$i.latency_us")
      [ -n "$lat" ] && M_LAT[${MODELS[$i]}]=$lat
    done
  fi
fi

# ------------------------------------------------------------ 5. choose + export
# The best compressed model: among the int8 models (the ones a microcontroller
# runs without an FPU) within 1.5 points of the baseline's accuracy, the one
# with the least flash; if none is that close, the most accurate int8 model;
# without int8 models, the most accurate compressed one.
BEST=""
pick() {
  local base_acc=${M_ACC[baseline]:-0} best="" best_key=""
  for m in "${MODELS[@]}"; do
    [ "$m" = baseline ] && continue
    [ -n "${M_ACC[$m]:-}" ] || continue
    [ "${M_KIND[$m]}" = int8 ] || continue
    if awk -v a="${M_ACC[$m]}" -v b="$base_acc" 'BEGIN { exit !(a >= b - 0.015) }'; then
      local f=${M_FLASH[$m]:-${M_BYTES[$m]:-0}}
      if [ -z "$best_key" ] || [ "$f" -lt "$best_key" ]; then best=$m; best_key=$f; fi
    fi
  done
  if [ -z "$best" ]; then
    for kind in int8 float; do
      for m in "${MODELS[@]}"; do
        [ "$m" = baseline ] || [ -z "${M_ACC[$m]:-}" ] || [ "${M_KIND[$m]}" != "$kind" ] && continue
        if [ -z "$best" ] || awk -v a="${M_ACC[$m]}" -v b="${M_ACC[$best]}" 'BEGIN { exit !(a > b) }'; then best=$m; fi
      done
      [ -n "$best" ] && break
    done
  fi
  BEST=$best
}
pick
EXPORT_DIR="$OUT/export"
CRUN=""
if [ -z "$BEST" ]; then
  n_stage=$((n_stage + 1))
  say "[$n_stage] export: no compressed model to export (the compression stages are missing)"
  MISSING+=("export of the best compressed model (needs a compressed model)")
  BEST=baseline   # the float baseline still shows the export path
  say "    exporting the float baseline instead, to show the path"
fi
if begin export export "export '$BEST' as C (fmnist.h / fmnist.c, planned arena)"; then
  mkdir -p "$EXPORT_DIR"
  if run export "$OUT/json/export.json" "$EO" export "${M_FILE[$BEST]}" --target c --name fmnist \
      -o "$EXPORT_DIR" --json; then
    M_FLASH[$BEST]=$(j "$OUT/json/export.json" flash_bytes)
    M_RAM[$BEST]=$(j "$OUT/json/export.json" ram_bytes)
    say "    -> flash $(j "$OUT/json/export.json" flash_bytes) bytes" \
        "(weights $(j "$OUT/json/export.json" weight_bytes)), RAM $(j "$OUT/json/export.json" ram_bytes) bytes" \
        "(arena $(j "$OUT/json/export.json" arena_bytes))"

    # ------------------------------------------------ 6. host compile + run
    n_stage=$((n_stage + 1))
    say "[$n_stage] host: compile the exported C with $CC -std=c99 -O2 and run it on $NTEST test images"
    t0=$(date +%s.%N)
    ok=1
    scale=""
    [ "$(j "$OUT/json/export.json" scale_input)" = true ] && scale=-DHAS_SCALE
    FM=${EO_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
    for f in t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
      if [ -f "$FM/$f.gz" ]; then gzip -dc "$FM/$f.gz" >"$OUT/$f"; else cp "$FM/$f" "$OUT/$f"; fi
    done
    # shellcheck disable=SC2086
    "$CC" -std=c99 -O2 -Wall -Wextra -I"$EXPORT_DIR" -DMODEL=fmnist -DMODEL_UPPER=FMNIST $scale \
      examples/export_runner/run_model.c "$EXPORT_DIR/fmnist.c" -lm -o "$OUT/run_fmnist" \
      2>"$OUT/logs/host-compile.log" || ok=0
    if [ $ok = 1 ] && "$OUT/run_fmnist" "$OUT/t10k-images-idx3-ubyte" "$OUT/t10k-labels-idx1-ubyte" "$NTEST" \
        "$OUT/c-predictions.txt" >"$OUT/json/host-run.json" 2>"$OUT/logs/host-run.log"; then
      CRUN=$OUT/json/host-run.json
      M_CLAT[$BEST]=$(j "$CRUN" us_per_sample)
      # the library's own predictions of the same model, for agreement
      AGREE=""
      if have predict && "$EO" predict "${M_FILE[$BEST]}" --data "$TEST" -o "$OUT/lib-predictions.csv" \
          >/dev/null 2>"$OUT/logs/predict.log"; then
        AGREE=$(paste -d, <(tail -n +2 "$OUT/lib-predictions.csv" | cut -d, -f2) "$OUT/c-predictions.txt" |
          awk -F, '$1 == $2 { a++ } END { if (NR) printf "%.6f", a / NR }')
      fi
      say "    -> exported C: accuracy $(pct "$(j "$CRUN" accuracy)"), $(us "$(j "$CRUN" us_per_sample)") us/sample on this host," \
          "same class as the library on $(pct "$AGREE") of the images"
    else
      say "    !! the exported code did not build or run (logs: $OUT/logs/host-*.log)"
      FAILED+=("host run of the exported C")
      ok=0
    fi
    rm -f "$OUT/t10k-images-idx3-ubyte" "$OUT/t10k-labels-idx1-ubyte"
    STAGE_NAMES+=(host-run); STAGE_SECS+=("$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')")
  fi
fi

# ------------------------------------------------------------ 7. QEMU
# The exported model as firmware for an emulated Cortex-M4F (QEMU's MPS2
# AN386 board), with the board support of device/: its classes for the first
# test images must be the host run's.
n_stage=$((n_stage + 1))
QEMU=""
NQ=20
need_dev=(device/startup.c device/semihost.c device/semihost.h device/mps2.ld device/sections.ld)
dev_ok=1
for f in "${need_dev[@]}"; do [ -f "$f" ] || dev_ok=0; done
if [ $dev_ok = 1 ] && command -v qemu-system-arm >/dev/null && command -v arm-none-eabi-gcc >/dev/null &&
   command -v timeout >/dev/null && [ -f "$EXPORT_DIR/fmnist.c" ] && [ -n "$CRUN" ]; then
  say "[$n_stage] qemu: the exported '$BEST' as Cortex-M4F firmware under qemu-system-arm (mps2-an386), $NQ test images"
  t0=$(date +%s.%N)
  Q=$OUT/qemu
  mkdir -p "$Q"
  FM=${EO_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
  img=$FM/t10k-images-idx3-ubyte
  # the first NQ test images as C initializers (no pipe from gzip: head
  # closing it early would fail the pipeline)
  if [ -f "$img.gz" ]; then gzip -dc "$img.gz" >"$Q/t10k.idx"; else cp "$img" "$Q/t10k.idx"; fi
  head -c $((16 + NQ * 784)) "$Q/t10k.idx" | tail -c $((NQ * 784)) |
    od -An -tu1 -v -w784 | sed 's/^ */{/; s/  */,/g; s/$/},/' >"$Q/images.inc"
  rm -f "$Q/t10k.idx"
  scale=""
  [ "$(j "$OUT/json/export.json" scale_input)" = true ] && scale=-DHAS_SCALE
  qok=0
  # shellcheck disable=SC2086
  if arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -O2 -std=c99 \
      -ffunction-sections -fdata-sections -I"$Q" -I"$EXPORT_DIR" -Idevice -DMODEL=fmnist -DMODEL_UPPER=FMNIST \
      -DN_IMAGES=$NQ $scale \
      -nostartfiles --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections -Ldevice -Tdevice/mps2.ld \
      device/startup.c device/semihost.c examples/export_runner/fw_model.c "$EXPORT_DIR/fmnist.c" -lm \
      -o "$Q/fw.elf" 2>"$OUT/logs/qemu-build.log"; then
    set +e
    timeout 120 qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none \
      -chardev file,id=sh,path="$Q/out.txt" -semihosting-config enable=on,target=native,chardev=sh \
      -kernel "$Q/fw.elf" >"$OUT/logs/qemu.log" 2>&1
    qrc=$?
    set -e
    if [ $qrc = 0 ] && grep -q '^done' "$Q/out.txt"; then
      same=$(paste -d' ' <(awk '/^row / { print $4 }' "$Q/out.txt") <(head -n "$NQ" "$OUT/c-predictions.txt") |
        awk '$1 == $2 { a++ } END { print a + 0 }')
      fw_flash=$(arm-none-eabi-size -B "$Q/fw.elf" | awk 'NR == 2 { print $1 + $2 }')
      fw_ram=$(arm-none-eabi-size -B "$Q/fw.elf" | awk 'NR == 2 { print $2 + $3 }')
      stack=$(awk '/^stack / { print $2 }' "$Q/out.txt")
      QEMU="$same/$NQ images classified as on the host; firmware flash $fw_flash B, RAM $fw_ram B (incl. a 16 KB stack area), stack used $stack B"
      say "    -> $QEMU"
      [ "$same" = "$NQ" ] && qok=1 || say "    !! the emulated device disagrees with the host on $((NQ - same)) images"
    else
      say "    !! QEMU run failed (exit $qrc; log $OUT/logs/qemu.log)"
    fi
  else
    say "    !! the firmware did not build (log $OUT/logs/qemu-build.log)"
  fi
  [ $qok = 1 ] || FAILED+=("qemu run of the exported model")
  STAGE_NAMES+=(qemu); STAGE_SECS+=("$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')")
else
  if [ $dev_ok = 0 ]; then why="needs the Cortex-M board support in device/"
  elif [ -z "$CRUN" ]; then why="needs the host run of the exported model"
  else why="needs qemu-system-arm and gcc-arm-none-eabi (scripts/deps.sh device)"; fi
  say "[$n_stage] qemu: SKIPPED - $why"
  MISSING+=("qemu run ($why)")
fi

# ------------------------------------------------------------ summary
T_END=$(date +%s.%N)
TOTAL=$(awk -v a="$T_START" -v b="$T_END" 'BEGIN { printf "%.0f", b - a }')

{
  echo "# edgeopt demo summary"
  echo
  echo "Fashion-MNIST test set ($NTEST images)$([ "$QUICK" = 1 ] && echo ', QUICK mode (small sizes)')." \
       "Generated by \`make demo\` ($(date -u +%Y-%m-%dT%H:%MZ), edgeopt $("$EO" --version | head -1 | awk '{print $2}'))."
  echo
  echo "| model | type | test accuracy | model file (bytes) | export flash (bytes) | export RAM (bytes) | library latency (us/sample) | exported C latency (us/sample) | notes |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for m in "${MODELS[@]}"; do
    mark=""; [ "$m" = "$BEST" ] && mark=" **(exported)**"
    echo "| $m$mark | ${M_KIND[$m]} | $(pct "${M_ACC[$m]:-}") | $(num "${M_BYTES[$m]:-}") | $(num "${M_FLASH[$m]:-}") | $(num "${M_RAM[$m]:-}") | $(us "${M_LAT[$m]:-}") | $(us "${M_CLAT[$m]:-}") | ${M_NOTE[$m]} |"
  done
  echo
  if [ -n "$CRUN" ]; then
    echo "Exported model: \`$BEST\` compiled with \`$CC -std=c99 -O2\` on this host: accuracy $(pct "$(j "$CRUN" accuracy)")," \
         "$(us "$(j "$CRUN" us_per_sample)") us/sample; same predicted class as the library on $(pct "${AGREE:-}") of the images."
    echo
  fi
  if [ -n "$QEMU" ]; then
    echo "Emulated Cortex-M4F (qemu-system-arm, mps2-an386): $QEMU."
    echo
  fi
  if [ -s "$OUT/json/tune.json" ]; then
    echo "Tuning (Hyperband, $(j "$OUT/json/tune.json" trials) trials, $(j "$OUT/json/tune.json" epochs_total) epochs):" \
         "best $(j "$OUT/json/tune.json" best), validation score $(j "$OUT/json/tune.json" best_score)."
    echo
  fi
  echo "Stage times (s): $(for i in "${!STAGE_NAMES[@]}"; do printf '%s %s; ' "${STAGE_NAMES[$i]}" "${STAGE_SECS[$i]}"; done)total $TOTAL."
  echo
  if [ ${#MISSING[@]} -gt 0 ]; then
    printf 'Stages not available in this build: '
    printf '%s; ' "${MISSING[@]}" | sed 's/; $/./'
    echo
  else
    echo "Every stage ran."
  fi
  [ ${#FAILED[@]} -eq 0 ] || echo "FAILED stages: ${FAILED[*]}."
} >"$OUT/summary.md"

# JSON: the same table (numbers as numbers, null when unknown).
jn() { [ -n "${1:-}" ] && printf '%s' "$1" || printf null; }
{
  printf '{"quick":%s,"test_images":%s,"seconds":%s,"exported":"%s",' "$([ "$QUICK" = 1 ] && echo true || echo false)" "$NTEST" "$TOTAL" "$BEST"
  printf '"models":['
  sep=""
  for m in "${MODELS[@]}"; do
    printf '%s{"model":"%s","type":"%s","accuracy":%s,"bytes":%s,"flash_bytes":%s,"ram_bytes":%s,"latency_us":%s,"c_latency_us":%s}' \
      "$sep" "$m" "${M_KIND[$m]}" "$(jn "${M_ACC[$m]:-}")" "$(jn "${M_BYTES[$m]:-}")" "$(jn "${M_FLASH[$m]:-}")" \
      "$(jn "${M_RAM[$m]:-}")" "$(jn "${M_LAT[$m]:-}")" "$(jn "${M_CLAT[$m]:-}")"
    sep=,
  done
  printf '],"host_run":%s,' "$([ -n "$CRUN" ] && cat "$CRUN" || echo null)"
  printf '"agreement":%s,' "$(jn "${AGREE:-}")"
  printf '"qemu":%s,' "$([ -n "$QEMU" ] && printf '"%s"' "$QEMU" || echo null)"
  printf '"stages":['
  sep=""
  for i in "${!STAGE_NAMES[@]}"; do printf '%s{"stage":"%s","seconds":%s}' "$sep" "${STAGE_NAMES[$i]}" "${STAGE_SECS[$i]}"; sep=,; done
  printf '],"missing":['
  sep=""
  for s in "${MISSING[@]}"; do printf '%s"%s"' "$sep" "$s"; sep=,; done
  printf '],"failed":['
  sep=""
  for s in "${FAILED[@]}"; do printf '%s"%s"' "$sep" "$s"; sep=,; done
  printf ']}\n'
} >"$OUT/summary.json"
"$JQ" "$OUT/summary.json" quick >/dev/null || { say "demo: internal error: summary.json is not valid JSON"; exit 1; }

hr
say "SUMMARY (also in $OUT/summary.md and summary.json)"
hr
# the table, aligned for the terminal
printf '%-22s %-5s %9s %10s %9s %7s %9s %9s\n' model type accuracy "file B" "flash B" "RAM B" "lib us" "C us"
for m in "${MODELS[@]}"; do
  name=$m; [ "$m" = "$BEST" ] && name="$m *"
  printf '%-22s %-5s %9s %10s %9s %7s %9s %9s\n' "$name" "${M_KIND[$m]}" "$(pct "${M_ACC[$m]:-}")" \
    "$(num "${M_BYTES[$m]:-}")" "$(num "${M_FLASH[$m]:-}")" "$(num "${M_RAM[$m]:-}")" "$(us "${M_LAT[$m]:-}")" \
    "$(us "${M_CLAT[$m]:-}")"
done
say "(* = exported; latency = mean per sample: lib = the library's inference, C = the exported code on this host)"
grep -v '^|' "$OUT/summary.md" | grep -v '^#' | sed '/^$/d'
hr
say "plots:  $(cd "$OUT" && ls plots/ 2>/dev/null | tr '\n' ' ')"
say "output: $OUT"
if [ ${#MISSING[@]} -gt 0 ]; then
  say "missing stages (not yet in this build):"
  for s in "${MISSING[@]}"; do say "  - $s"; done
fi
[ ${#FAILED[@]} -eq 0 ] || { say "demo: FAILED stages: ${FAILED[*]}"; exit 1; }
exit 0
