#!/usr/bin/env bash
# edgeopt export, host side: small models trained here (edgeopt train, a few
# hundred steps) and quantized (edgeopt quantize) are exported as C; the
# generated files must compile warning-free as strict C99 with gcc and clang,
# and, linked with tests/deploy/host_check.c, agree with the library's own
# inference on the whole Fashion-MNIST test set (10,000 rows):
#   float:  within 1e-5 of eo_model_forward on its run-time SGEMM path,
#           bit-identical on the portable path, same class on every row;
#   int8:   int8 outputs bit-identical to eo_qmodel_forward_q8, the float
#           wrapper within 1e-5 of eo_qmodel_forward, same class on every row.
# Also: the CLI's JSON figures, its one-line refusals and usage errors.
# Skips (exit 0 with a message) when Fashion-MNIST is not installed.
set -euo pipefail
E=${EDGEOPT:?}
SRC=${EO_SOURCE_DIR:?}
BLD=${EO_BINARY_DIR:?}
CC=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*"; exit 1; }

# ------------------------------------------------ CLI errors (no data needed)
"$E" export --help | grep -q -- "--target c" || fail "help"
set +e
out=$("$E" export 2>&1); rc=$?
[ $rc = 2 ] && [ "$(echo "$out" | wc -l)" = 1 ] || fail "no model: rc $rc: $out"
out=$("$E" export x.eom --target wasm -o . 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "unknown target 'wasm'" || fail "bad target: $out"
out=$("$E" export x.eom --target c -o . --name 9lives 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "C identifier\|start with a letter" || fail "bad name: $out"
out=$("$E" export missing.eom --target c -o . 2>&1); rc=$?
[ $rc = 1 ] && [ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q "missing.eom" || fail "missing file: $out"
set -e

dir=${EO_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
if [ ! -e "$dir/t10k-images-idx3-ubyte.gz" ] && [ ! -e "$dir/t10k-images-idx3-ubyte" ]; then
  echo "SKIP: Fashion-MNIST not found in $dir (apt-get install dataset-fashion-mnist): host equality not checked"
  exit 0
fi

# ------------------------------------------------------------ models
# An MLP, a CNN with every int8-capable layer (batch norm folded, relu6,
# depthwise, both pools, 1x1 conv, GAP, final softmax) and a float model with
# the layers int8 refuses (leaky_relu, tanh, sigmoid, padded avgpool, dropout)
# and a standard scaler.
cat >cnn.txt <<'EOF'
conv 8 3x3 stride=2 pad=1 -> batchnorm -> relu -> maxpool 2 -> dwconv 3x3 pad=1 -> relu6 ->
conv 16 1x1 -> relu -> conv 12 3x3 -> relu -> avgpool 2 -> gap -> dense 10 -> softmax
EOF
cat >odd.txt <<'EOF'
conv 4 3x3 stride=2 pad=1 -> batchnorm -> leaky_relu 0.1 -> avgpool 2 pad=1 -> tanh -> dropout 0.2 ->
flatten -> dense 16 -> sigmoid -> dense 10
EOF
train() { "$E" train --data fashion-mnist --checkpoint none --epochs 1 --seed 3 "$@" >/dev/null 2>train.log || { cat train.log; fail "train $*"; }; }
train --limit 6000 --model mlp:32 -o mlp.eom
train --limit 4000 --model @cnn.txt -o cnn.eom
train --limit 1000 --model @odd.txt --scale standard -o odd.eom
"$E" quantize mlp.eom --calib fashion-mnist --samples 500 -o mlp8.eom >/dev/null
"$E" quantize cnn.eom --calib fashion-mnist --samples 500 --per-channel -o cnn8.eom >/dev/null
# int8 refuses what it cannot run, naming the layer.
set +e
out=$("$E" quantize odd.eom --calib fashion-mnist --samples 10 -o odd8.eom 2>&1); rc=$?
set -e
[ $rc != 0 ] && echo "$out" | grep -q "layer [0-9]* (leaky_relu)" || fail "int8 refusal: $out"

# ------------------------------------------------------------ export + check
san=()
[ "${EO_SANITIZE:-OFF}" = ON ] && san=(-fsanitize=address,undefined -fno-sanitize-recover=all)
libs=$(pkg-config --libs libcjson zlib)
others=()
for c in gcc clang; do command -v $c >/dev/null && others+=($c); done

check() { # model kind(float|int8)
  local model=$1 kind=$2 name d define
  if [ "$kind" = float ]; then name=hf; define=-DHOST_FLOAT; else name=hq; define=-DHOST_INT8; fi
  d=${model%.eom}_c
  mkdir -p "$d"
  "$E" export "$model" --target c --name $name -o "$d" --json >"$d/export.json"
  # Strict C99, warning-free, with every compiler at hand (and -DEO_QREF_NO_FLOAT for int8).
  for c in "${others[@]}"; do
    $c -std=c99 -pedantic -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla -Wconversion -O2 \
      -c "$d/$name.c" -o "$d/$c.o" || fail "$c rejects $d/$name.c"
    if [ "$kind" = int8 ]; then
      $c -std=c99 -pedantic -Wall -Wextra -Werror -Wconversion -O2 -DEO_QREF_NO_FLOAT \
        -c "$d/$name.c" -o "$d/$c.int.o" || fail "$c rejects $d/$name.c -DEO_QREF_NO_FLOAT"
    fi
  done
  # Generated code has no allocation and no I/O.
  ! grep -nE "\bmalloc\b|\bfree\(|printf|FILE" "$d/$name.c" || fail "$d/$name.c allocates or prints"
  "$CC" -O2 -ffp-contract=off -std=c11 "${san[@]}" $define -I"$SRC/include" -I"$d" \
    "$SRC/tests/deploy/host_check.c" "$d/$name.c" "$BLD/libedgeopt.a" $libs -lm -lpthread -o "$d/check" ||
    fail "cannot build the host check for $model"
  "$d/check" "$model" fashion-mnist:test || fail "$model: the export disagrees with the library"
}
check mlp.eom float
check mlp8.eom int8
check cnn.eom float
check cnn8.eom int8
check odd.eom float

# ------------------------------------------------------------ JSON figures
json() { grep -o "\"$2\":[^,}]*" "$1" | head -1 | cut -d: -f2; }
for j in mlp_c/export.json mlp8_c/export.json cnn_c/export.json cnn8_c/export.json odd_c/export.json; do
  f=$(json $j flash_bytes); w=$(json $j weight_bytes); k=$(json $j code_bytes)
  r=$(json $j ram_bytes); a=$(json $j arena_bytes); s=$(json $j stack_bytes)
  p=$(json $j peak_live_bytes); n=$(json $j naive_arena_bytes)
  [ "$f" = $((w + k)) ] && [ "$r" = $((a + s)) ] && [ "$a" -ge "$p" ] && [ "$a" -le "$n" ] ||
    fail "$j: inconsistent figures (flash $f weights $w code $k ram $r arena $a stack $s peak $p naive $n)"
  # The arena the header announces is the one the source declares.
  h=$(ls "${j%/*}"/h?.h)
  grep -q "_ARENA_BYTES $a\$" "$h" || fail "$h does not announce arena $a"
done
# The float MLP's weights: (784*32 + 32 + 32*10 + 10) floats.
[ "$(json mlp_c/export.json weight_bytes)" = $(( (784 * 32 + 32 + 320 + 10) * 4 )) ] || fail "mlp weight bytes"
grep -q '"scale_input":true' odd_c/export.json || fail "odd.eom has a scaler: scale_input expected"
grep -q "hf_scale_input" odd_c/hf.h || fail "hf_scale_input not declared"
echo "export host checks: ok"
