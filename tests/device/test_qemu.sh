#!/usr/bin/env bash
# Exported models on emulated Cortex-M cores (QEMU, semihosting): firmware
# built from device/ (startup, vector table, linker scripts, semihosting) and
# tests/device/fw_main.c with Debian's arm-none-eabi-gcc runs 20 Fashion-MNIST
# test images through the export and prints its outputs; tests/device/
# host_ref.c compares them with the library's on the host: int8 outputs
# identical, float outputs within 1e-5, the same class on every row.
#   Cortex-M4F  mps2-an386   float and int8 models (hard float)
#   Cortex-M3   mps2-an385   int8 models, integer-only (-DEO_QREF_NO_FLOAT)
#   Cortex-M0   microbit     int8 MLP, integer-only, code built for Cortex-M0+
#                            (ARMv6-M: the M0 runs the same instructions)
# Every QEMU run is bounded by a timeout. Skips (exit 0 with a message) when
# the cross compiler, QEMU or Fashion-MNIST is missing.
set -euo pipefail
E=${EDGEOPT:?}
SRC=${EO_SOURCE_DIR:?}
BLD=${EO_BINARY_DIR:?}
CC=${CC:-cc}
for t in arm-none-eabi-gcc qemu-system-arm timeout; do
  if ! command -v $t >/dev/null; then
    echo "SKIP: $t not installed (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)"
    exit 0
  fi
done
dir=${EO_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
if [ ! -e "$dir/t10k-images-idx3-ubyte.gz" ] && [ ! -e "$dir/t10k-images-idx3-ubyte" ]; then
  echo "SKIP: Fashion-MNIST not found in $dir (apt-get install dataset-fashion-mnist)"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*"; exit 1; }
N=20

# ------------------------------------------------------------ models
train() { "$E" train --data fashion-mnist --epochs 1 --checkpoint none --seed 5 "$@" >/dev/null 2>&1 || fail "train $*"; }
train --limit 6000 --model mlp:32 -o mlp.eom
cat >cnn.txt <<'EOF'
conv 8 3x3 stride=2 pad=1 -> batchnorm -> relu -> maxpool 2 -> dwconv 3x3 pad=1 -> relu6 ->
conv 16 1x1 -> relu -> conv 12 3x3 -> relu -> avgpool 2 -> gap -> dense 10 -> softmax
EOF
train --limit 4000 --model @cnn.txt -o cnn.eom
"$E" quantize mlp.eom --calib fashion-mnist --samples 500 -o mlp8.eom >/dev/null
"$E" quantize cnn.eom --calib fashion-mnist --samples 500 --per-channel -o cnn8.eom >/dev/null

san=()
[ "${EO_SANITIZE:-OFF}" = ON ] && san=(-fsanitize=address,undefined)
"$CC" -O2 -std=c11 "${san[@]}" -I"$SRC/include" "$SRC/tests/device/host_ref.c" "$BLD/libedgeopt.a" \
  $(pkg-config --libs libcjson zlib) -lm -lpthread -o host_ref || fail "cannot build host_ref"

# ------------------------------------------------------------ firmware
run() { # model board cpu-flags qemu-machine ld [extra]
  local model=$1 board=$2 cflags=$3 machine=$4 ld=$5 extra=${6:-} d
  d=${model%.eom}-$board
  mkdir -p "$d"
  "$E" export "$model" --target c --name net -o "$d" >/dev/null || fail "export $model"
  ./host_ref gen "$model" fashion-mnist:test $N "$d/images.h" || fail "host_ref gen $model"
  # shellcheck disable=SC2086
  arm-none-eabi-gcc $cflags -mthumb -O2 -std=c99 -ffunction-sections -fdata-sections -Wall -Wextra -Werror $extra \
    -I"$d" -I"$SRC/device" -nostartfiles --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections \
    -L"$SRC/device" -T"$ld" -Wl,-Map="$d/fw.map" \
    "$SRC/device/startup.c" "$SRC/device/semihost.c" "$SRC/tests/device/fw_main.c" "$d/net.c" -lm \
    -o "$d/fw.elf" || fail "$d: firmware does not build"
  local sz
  sz=$(arm-none-eabi-size -B "$d/fw.elf" | awk 'NR == 2 {printf "flash %d B, RAM %d B (stack area included)", $1 + $2, $2 + $3}')
  set +e
  # Semihosting output into a file through a chardev (QEMU's own messages stay
  # on stderr).
  timeout 120 qemu-system-arm -M "$machine" -nographic -monitor none -serial none \
    -chardev file,id=sh,path="$d/out.txt" -semihosting-config enable=on,target=native,chardev=sh \
    -kernel "$d/fw.elf" >"$d/qemu.out" 2>"$d/qemu.err"
  local rc=$?
  set -e
  [ $rc = 124 ] && fail "$d: QEMU timed out"
  [ $rc = 0 ] || { cat "$d/qemu.err" "$d/out.txt" | tail -5; fail "$d: QEMU exit status $rc"; }
  [ -s "$d/qemu.err" ] && { echo "QEMU says:"; cat "$d/qemu.err"; }
  printf "%-24s %s: " "$d" "$sz"
  ./host_ref check "$model" fashion-mnist:test $N "$d/out.txt" || fail "$d: device and host disagree"
}

m4="-mcpu=cortex-m4 -mfloat-abi=hard -mfpu=fpv4-sp-d16"
m3="-mcpu=cortex-m3 -mfloat-abi=soft"
m0="-mcpu=cortex-m0plus -mfloat-abi=soft"
run mlp.eom m4 "$m4" mps2-an386 mps2.ld
run cnn.eom m4 "$m4" mps2-an386 mps2.ld
run mlp8.eom m4 "$m4" mps2-an386 mps2.ld
run cnn8.eom m4 "$m4" mps2-an386 mps2.ld
run mlp8.eom m3 "$m3" mps2-an385 mps2.ld -DEO_QREF_NO_FLOAT
run cnn8.eom m3 "$m3" mps2-an385 mps2.ld -DEO_QREF_NO_FLOAT
run mlp8.eom m0 "$m0" microbit microbit.ld -DEO_QREF_NO_FLOAT
run cnn8.eom m0 "$m0" microbit microbit.ld -DEO_QREF_NO_FLOAT
# The integer-only firmware holds no floating point at all.
for f in mlp8-m3 cnn8-m0; do
  if arm-none-eabi-nm "$f/fw.elf" | grep -qE ' (__aeabi_f|__aeabi_d|expf|__aeabi_[iul]2[fd])'; then
    fail "$f: integer-only firmware links float routines"
  fi
done
echo "device checks: ok"
