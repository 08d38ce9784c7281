#!/usr/bin/env bash
# edgeopt export, microcontroller side: the generated files cross-compile with
# Debian's arm-none-eabi-gcc (-O2 -mthumb; Cortex-M4 with its FPU, Cortex-M3
# and Cortex-M0+ without one), and the figures the export prints match the
# object:
#   RAM    .bss == arena_bytes (+ the float entry point's buffers for int8),
#          no .data at all (exact);
#   flash  text + data - weight_bytes (instructions and constant descriptors)
#          within 40% + 128 bytes of the code estimate (the estimate adds
#          per-kernel sizes measured by tests/deploy/calibrate_sizes.sh, and
#          gcc's inlining makes sizes not quite additive);
#   stack  the sum of all frames (-fstack-usage; an upper bound on any call
#          chain, generated code does not recurse) within 30% + 64 bytes of
#          the stack estimate.
# The int8 path built with -DEO_QREF_NO_FLOAT needs no FPU and no libm: its
# object references no float or double helper and no libm function. And the
# issue's targets: a 784-128-10 int8 MLP takes <= 110 KB of flash, <= 4 KB of
# inference code and <= 2 KB of RAM beyond its input buffer; a Fashion-MNIST
# CNN under 100k parameters exported int8 fits in 128 KB flash and 32 KB RAM.
# Skips (exit 0 with a message) without arm-none-eabi-gcc or Fashion-MNIST.
set -euo pipefail
E=${EDGEOPT:?}
if ! command -v arm-none-eabi-gcc >/dev/null || ! command -v arm-none-eabi-size >/dev/null; then
  echo "SKIP: arm-none-eabi-gcc not installed (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)"
  exit 0
fi
dir=${EO_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
if [ ! -e "$dir/train-images-idx3-ubyte.gz" ] && [ ! -e "$dir/train-images-idx3-ubyte" ]; then
  echo "SKIP: Fashion-MNIST not found in $dir (apt-get install dataset-fashion-mnist)"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*"; exit 1; }
json() { grep -o "\"$2\":[^,}]*" "$1" | head -1 | cut -d: -f2; }

# Weights only matter for their count: a short training run each.
train() { "$E" train --data fashion-mnist --limit 512 --epochs 1 --checkpoint none "$@" >/dev/null 2>&1 || fail "train $*"; }
train --model mlp:128 -o mlp128.eom
cat >cnn.txt <<'EOF'
conv 16 3x3 pad=1 -> batchnorm -> relu -> maxpool 2 -> conv 32 3x3 pad=1 -> relu -> maxpool 2 ->
dwconv 3x3 pad=1 -> relu6 -> dense 48 -> relu -> dense 10 -> softmax
EOF
train --model @cnn.txt -o cnn.eom
train --model @cnn.txt --scale standard -o cnns.eom
q() { "$E" quantize "$1" --calib fashion-mnist --samples 64 "${@:3}" -o "$2" >/dev/null || fail "quantize $1"; }
q mlp128.eom mlp128_8.eom --per-channel
q mlp128.eom mlp128_8t.eom
q cnn.eom cnn8.eom --per-channel
params=$("$E" info cnn.eom --json | grep -o '"params":[0-9]*' | head -1 | cut -d: -f2)
[ "$params" -lt 100000 ] || fail "the CNN has $params parameters (>= 100k)"

declare -A flags=(
  [cortex-m4]="-mcpu=cortex-m4 -mfloat-abi=hard -mfpu=fpv4-sp-d16"
  [cortex-m3]="-mcpu=cortex-m3 -mfloat-abi=soft"
  [cortex-m0plus]="-mcpu=cortex-m0plus -mfloat-abi=soft"
)
within() { # actual estimate pct slack
  local a=$1 e=$2 d
  d=$((a > e ? a - e : e - a))
  [ "$d" -le $((a * $3 / 100 + $4)) ]
}

check() { # model cpu [extra cflags]
  local m=$1 cpu=$2 extra=${3:-} d
  d=${m%.eom}-$cpu${extra:+-int}
  mkdir -p "$d"
  "$E" export "$m" --target c --name net --cpu "$cpu" -o "$d" --json >"$d/e.json"
  # shellcheck disable=SC2086
  arm-none-eabi-gcc ${flags[$cpu]} -mthumb -O2 -std=c99 -pedantic -Wall -Wextra -Werror -ffunction-sections \
    -fdata-sections -fstack-usage $extra -c "$d/net.c" -o "$d/net.o" || fail "$d: does not cross-compile"
  read -r text data bss _ < <(arm-none-eabi-size -B "$d/net.o" | awk 'NR == 2')
  local w k a s wr q8 code stack
  w=$(json "$d/e.json" weight_bytes); k=$(json "$d/e.json" code_bytes); a=$(json "$d/e.json" arena_bytes)
  s=$(json "$d/e.json" stack_bytes); wr=$(json "$d/e.json" wrapper_ram_bytes); q8=$(json "$d/e.json" quantized)
  # Integer-only: without the float entry point's code.
  [ -n "$extra" ] && k=$((k - $(json "$d/e.json" wrapper_code_bytes)))
  [ "$data" = 0 ] || fail "$d: .data is $data bytes (expected none)"
  local want_bss=$a
  [ "$q8" = true ] && [ -z "$extra" ] && want_bss=$((a + wr))
  [ "$bss" = "$want_bss" ] || fail "$d: .bss $bss, expected arena $a (+ wrapper) = $want_bss"
  code=$((text + data - w))
  stack=$(awk '{s += $(NF - 1)} END {print s + 0}' "$d/net.su")
  printf "%-28s text %7d bss %6d | weights %7d code %5d (estimate %5d) stack %4d (estimate %4d)\n" "$d" "$text" \
    "$bss" "$w" "$code" "$k" "$stack" "$s"
  within "$code" "$k" 40 128 || fail "$d: code $code bytes, estimate $k"
  within "$stack" "$s" 30 64 || fail "$d: stack frames $stack bytes, estimate $s"
  if [ -n "$extra" ]; then
    # Integer-only: no float/double helper, no libm.
    local bad
    bad=$(arm-none-eabi-nm -u "$d/net.o" | awk '{print $2}' |
      grep -E '^__aeabi_([fd]|[iul]+2[fd]|[fd]2)|^(exp|log|pow|sqrt|tanh|floor|ceil|round)f?$' || true)
    [ -z "$bad" ] || fail "$d: the integer-only build references $(echo $bad)"
  fi
  # Figures for the target checks below.
  eval "last_w=$w last_code=$code last_arena=$a last_stack=$stack last_wr=$wr last_in=$(json "$d/e.json" in_numel) last_out=$(json "$d/e.json" out_numel)"
}

for cpu in cortex-m4 cortex-m3 cortex-m0plus; do
  check mlp128.eom $cpu
  check mlp128_8.eom $cpu
  check mlp128_8.eom $cpu -DEO_QREF_NO_FLOAT
  check cnn.eom $cpu
  check cnns.eom $cpu
  check cnn8.eom $cpu
  check cnn8.eom $cpu -DEO_QREF_NO_FLOAT
done

# ------------------------------------------------------------ targets (M4)
for m in mlp128_8.eom mlp128_8t.eom; do
  check $m cortex-m4 -DEO_QREF_NO_FLOAT
  flash=$((last_w + last_code)); ram=$((last_arena + last_stack + last_out))
  echo "target $m: flash $flash B (<= 112640), inference code $last_code B (<= 4096), RAM beyond the input $ram B (<= 2048)"
  [ $flash -le 112640 ] && [ $last_code -le 4096 ] && [ $ram -le 2048 ] || fail "784-128-10 int8 MLP misses its targets"
done
check cnn8.eom cortex-m4
# RAM through the float entry point: arena, stack, its int8 buffers and the
# caller's float input and output.
flash=$((last_w + last_code)); ram=$((last_arena + last_stack + last_wr + 4 * (last_in + last_out)))
echo "target cnn8.eom ($params parameters): flash $flash B (<= 131072), RAM with float input and output $ram B (<= 32768)"
[ $flash -le 131072 ] && [ $ram -le 32768 ] || fail "the int8 CNN misses its targets"
echo "export size checks: ok"
