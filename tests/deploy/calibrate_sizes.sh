#!/usr/bin/env bash
# Measure what each kernel of a generated file costs in flash and stack, per
# CPU: the source of the table in src/deploy/sizes.c. Not a test: run it by
# hand after changing the generated kernels or qref.c, then paste its output
# over the table.
#   tests/deploy/calibrate_sizes.sh BUILD_DIR
# Method: small models (weights from one short training run on Fashion-MNIST,
# int8 through edgeopt quantize) are exported and compiled with
# arm-none-eabi-gcc -O2 -mthumb -ffunction-sections for each CPU. A model's
# "code" is the object's text + data (arm-none-eabi-size) minus the exact bytes
# of its weight arrays: instructions plus the small constant descriptors (layer
# geometry, requantization parameters). For each kernel K:
#   first = code(model using K once) - code(the same model without K)
#   more  = code(model using K twice) - code(model using K once)
# (the second use often costs more than a call: gcc stops inlining K). A
# dense/fc layer's "first" includes the predict function itself. int8 kernels
# are measured in integer-only objects (-DEO_QREF_NO_FLOAT); the float entry
# point and its final softmax are measured apart. Stack: the
# sum of all frames of the object (-fstack-usage), an upper bound on any call
# chain since generated code does not recurse, differenced the same way
# (columns stack_first, stack_more).
set -euo pipefail
BLD=${1:-build}
E=$BLD/edgeopt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cpus=("cortex-m4 -mfloat-abi=hard -mfpu=fpv4-sp-d16" "cortex-m3 -mfloat-abi=soft" "cortex-m0plus -mfloat-abi=soft")

declare -A desc
d16="dense 16"
desc[D1]="softmax"
desc[D2]="$d16 -> dense 10"
for k in relu relu6 leaky_relu tanh sigmoid; do
  desc[${k}_1]="$d16 -> $k -> dense 10"
  desc[${k}_1b]="$d16 -> $k -> $d16 -> dense 10"
  desc[${k}_2]="$d16 -> $k -> $d16 -> $k -> dense 10"
done
desc[softmax_1]="dense 10 -> softmax"
desc[softmax_1b]="dense 10 -> softmax -> dense 10"
desc[softmax_2]="dense 10 -> softmax -> dense 10 -> softmax"
c4="conv 4 3x3"
desc[C1]="$c4 -> dense 10"
desc[C2]="$c4 -> $c4 -> dense 10"
# The other layers are measured on top of two convolutions (CNNs have several:
# the shared geometry helpers are then out of line already).
cc="$c4 -> $c4"
desc[dwconv_1]="$cc -> dwconv 3x3 -> dense 10"
desc[dwconv_2]="$cc -> dwconv 3x3 -> dwconv 3x3 -> dense 10"
desc[maxpool_1]="$cc -> maxpool 2 -> dense 10"
desc[maxpool_2]="$cc -> maxpool 2 -> maxpool 2 -> dense 10"
desc[avgpool_1]="$cc -> avgpool 2 -> dense 10"
desc[avgpool_2]="$cc -> avgpool 2 -> avgpool 2 -> dense 10"
desc[gap_1]="$cc -> gap -> dense 10"
desc[gap_2]="$cc -> gap -> gap -> dense 10"
desc[batchnorm_1]="$cc -> batchnorm -> dense 10"
desc[batchnorm_2]="$cc -> batchnorm -> batchnorm -> dense 10"
int8_models="D1 D2 softmax_1 C1 C2 dwconv_1 dwconv_2 maxpool_1 maxpool_2 avgpool_1 avgpool_2 gap_1 gap_2"

declare -A code stack
measure() { # key model.eom [extra cflags]
  local key=$1 m=$2 extra=${3:-} d=$tmp/$1
  mkdir -p "$d"
  "$E" export "$m" --target c --name m -o "$d" --json >"$d/e.json"
  local w
  w=$(grep -o '"weight_bytes":[0-9]*' "$d/e.json" | head -1 | cut -d: -f2)
  for i in "${!cpus[@]}"; do
    # shellcheck disable=SC2086
    arm-none-eabi-gcc -mcpu=${cpus[$i]} -mthumb -O2 -std=c99 -ffunction-sections -fdata-sections -fstack-usage \
      $extra -c "$d/m.c" -o "$d/m.o"
    code[$key.$i]=$(($(arm-none-eabi-size -B "$d/m.o" | awk 'NR == 2 {print $1 + $2}') - w))
    stack[$key.$i]=$(awk '{s += $(NF - 1)} END {print s + 0}' "$d/m.su")
  done
}
for key in "${!desc[@]}"; do
  "$E" train --data fashion-mnist --limit 64 --epochs 1 --checkpoint none --model "${desc[$key]}" \
    -o "$tmp/$key.eom" >/dev/null 2>&1 || { echo "train failed: ${desc[$key]}" >&2; exit 1; }
  measure "f.$key" "$tmp/$key.eom"
done
for key in $int8_models; do
  "$E" quantize "$tmp/$key.eom" --calib fashion-mnist --samples 32 -o "$tmp/$key.8.eom" >/dev/null
  measure "q.$key" "$tmp/$key.8.eom" -DEO_QREF_NO_FLOAT
done
# The float entry point (quantize, dequantize, final softmax): the full object.
measure w.D1 "$tmp/D1.8.eom"
measure w.softmax_1 "$tmp/softmax_1.8.eom"
for i in 0 1 2; do
  code[w.D1q.$i]=${code[q.D1.$i]}; stack[w.D1q.$i]=${stack[q.D1.$i]}
done

# row ENUM PREFIX first=(a - b) more=(c - d); a missing key counts as 0.
row() {
  local name=$1 p=$2 a=$3 b=$4 c=$5 dd=$6 i out="    [$1] = {{"
  for i in 0 1 2; do
    local va=${code[$p.$a.$i]:-0} vb=${code[$p.$b.$i]:-0} v
    v=$((va - vb)); [ $v -lt 0 ] && v=0 # inlining noise
    out+="$v"; [ $i -lt 2 ] && out+=", "
  done
  out+="}, {"
  for i in 0 1 2; do
    local vc=${code[$p.$c.$i]:-0} vd=${code[$p.$dd.$i]:-0} v
    v=$((vc - vd)); [ $v -lt 0 ] && v=0
    out+="$v"; [ $i -lt 2 ] && out+=", "
  done
  out+="}, {"
  for i in 0 1 2; do
    local sa=${stack[$p.$a.$i]:-0} sb=${stack[$p.$b.$i]:-0} v
    v=$((sa - sb)); [ $v -lt 0 ] && v=0
    out+="$v"; [ $i -lt 2 ] && out+=", "
  done
  out+="}, {"
  for i in 0 1 2; do
    local sc=${stack[$p.$c.$i]:-0} sd=${stack[$p.$dd.$i]:-0} v
    v=$((sc - sd)); [ $v -lt 0 ] && v=0
    out+="$v"; [ $i -lt 2 ] && out+=", "
  done
  echo "$out}},"
}
echo "    /* generated by tests/deploy/calibrate_sizes.sh ($(arm-none-eabi-gcc -dumpversion)) */"
row EO__K_DENSE f D1 none D2 D1
for k in relu relu6 leaky_relu tanh sigmoid; do
  K=$(echo "$k" | tr a-z A-Z); [ "$K" = LEAKY_RELU ] && K=LEAKY
  row "EO__K_$K" f "${k}_1" D2 "${k}_2" "${k}_1b"
done
row EO__K_SOFTMAX f softmax_1 D1 softmax_2 softmax_1b
row EO__K_CONV2D f C1 D1 C2 C1
row EO__K_DWCONV2D f dwconv_1 C2 dwconv_2 dwconv_1
row EO__K_MAXPOOL f maxpool_1 C2 maxpool_2 maxpool_1
row EO__K_AVGPOOL f avgpool_1 C2 avgpool_2 avgpool_1
row EO__K_GAP f gap_1 C2 gap_2 gap_1
row EO__K_AFFINE f batchnorm_1 C2 batchnorm_2 batchnorm_1
row EO__K_Q_FC q D1 none D2 D1
row EO__K_Q_CONV2D q C1 D1 C2 C1
row EO__K_Q_DWCONV2D q dwconv_1 C2 dwconv_2 dwconv_1
row EO__K_Q_MAXPOOL q maxpool_1 C2 maxpool_2 maxpool_1
row EO__K_Q_AVGPOOL q avgpool_1 C2 avgpool_2 avgpool_1
row EO__K_Q_GAP q gap_1 C2 gap_2 gap_1
row EO__K_Q_WRAPPER w D1 D1q none none
row EO__K_Q_SOFTMAX w softmax_1 D1 none none
echo "    [EO__K_COPY] = {{20, 20, 20}, {20, 20, 20}, {0, 0, 0}, {0, 0, 0}}, /* a model without compute layers: not measured */"
