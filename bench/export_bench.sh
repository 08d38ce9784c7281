#!/usr/bin/env bash
# edgeopt export: host latency of the generated C, float vs int8, and the
# flash/RAM figures of the issue's two target models (bench/RESULTS.md,
# "C export" section).
#   bench/export_bench.sh [BUILD_DIR [ROWS [REPS]]]   (default build, 2000, 7)
# Trains the 784-128-10 MLP (3 epochs) and a < 100k-parameter CNN (1 epoch) on
# Fashion-MNIST, quantizes them (per-channel, 1000 calibration rows), exports
# both as float and int8 C, builds bench/export_bench_harness.c with the
# generated files (cc -O2) and prints the median time per inference over ROWS
# test images, REPS repetitions. Then the export figures (M4 estimates) and the
# objects' sizes from arm-none-eabi-size when the cross compiler is installed.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BLD=$(cd "${1:-$SRC/build}" && pwd)
ROWS=${2:-2000}
REPS=${3:-7}
E=$BLD/edgeopt
CC=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
show() { echo "\$ $*"; "$@"; }

cat >cnn.txt <<'EOF'
conv 16 3x3 pad=1 -> batchnorm -> relu -> maxpool 2 -> conv 32 3x3 pad=1 -> relu -> maxpool 2 ->
dwconv 3x3 pad=1 -> relu6 -> dense 48 -> relu -> dense 10 -> softmax
EOF
show "$E" train --data fashion-mnist --model mlp:128 --epochs 3 --seed 1 --checkpoint none -o mlp.eom 2>/dev/null | tail -1
show "$E" train --data fashion-mnist --model @cnn.txt --epochs 1 --limit 20000 --seed 1 --checkpoint none -o cnn.eom \
  2>/dev/null | tail -1
for m in mlp cnn; do
  show "$E" quantize $m.eom --calib fashion-mnist --samples 1000 --per-channel -o ${m}8.eom | tail -1
  mkdir -p $m
  "$E" export $m.eom --target c --name bf -o $m >/dev/null
  "$E" export ${m}8.eom --target c --name bq -o $m >/dev/null
  "$CC" -O2 -std=c11 -I"$SRC/include" -I$m "$SRC/bench/export_bench_harness.c" $m/bf.c $m/bq.c \
    "$BLD/libedgeopt.a" $(pkg-config --libs libcjson zlib) -lm -lpthread -o $m/bench
  echo "\$ $CC -O2 [bf.c bq.c export_bench_harness.c] && bench $m.eom ${m}8.eom fashion-mnist:test $ROWS $REPS"
  $m/bench $m.eom ${m}8.eom fashion-mnist:test "$ROWS" "$REPS"
done

echo
echo "export figures (estimates for cortex-m4; arena exact):"
for m in mlp mlp8 cnn cnn8; do
  mkdir -p fig-$m
  echo "\$ edgeopt export $m.eom --target c --name net -o fig-$m"
  "$E" export $m.eom --target c --name net -o fig-$m | sed -n '2,4p'
done
"$E" info cnn.eom --json | grep -o '"params":[0-9]*' | head -1 | sed 's/^/cnn /'
if command -v arm-none-eabi-gcc >/dev/null; then
  echo
  echo "arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -O2 -ffunction-sections -fdata-sections (text/data/bss in bytes):"
  for m in mlp mlp8 cnn8; do
    for def in "" -DEO_QREF_NO_FLOAT; do
      [ -z "$def" ] || [ "${m%8}" != "$m" ] || continue
      arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -O2 -std=c99 -ffunction-sections \
        -fdata-sections $def -c fig-$m/net.c -o fig-$m/net.o
      printf "  %-6s %-20s %s\n" "$m" "${def:-(with float entry)}" "$(arm-none-eabi-size -B fig-$m/net.o | awk 'NR == 2 {print "text " $1 " data " $2 " bss " $3}')"
    done
  done
fi
