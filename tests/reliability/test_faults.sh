#!/usr/bin/env bash
# Faults while writing, for every command that writes a file: train -o, its
# checkpoint, --history, --plot; predict -o; optimize --trace and --plot;
# quantize -o, prune -o and export -o when those commands exist. Three faults:
#   - disk full: a 64 KiB tmpfs filled to the last block (root, when mounting
#     is allowed; skipped with a message otherwise);
#   - read-only output directory: that tmpfs remounted read-only (root), or a
#     directory without write permission (not root: root ignores permissions);
#   - a file-size limit (ulimit -f in a subshell; works for every user).
# Each must give exactly one clear line on stderr naming the cause, a non-zero
# exit, the previous file at that path byte-for-byte intact and no temporary
# file left behind. Then divergence: a NaN loss stops training with the epoch,
# the batch and a hint, writes no model, and keeps the last good checkpoint.
set -euo pipefail
E=${EDGEOPT:?}
# Sanitizer builds: the plot module's LSan suppression (fontconfig's cache)
# would otherwise add a "Suppressions used" report to stderr at exit.
export LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}print_suppressions=0
tmp=$(mktemp -d)
mounts=()
cleanup() {
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || true; done
  chmod -R u+w "$tmp" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }
root=0
[ "$(id -u)" = 0 ] && root=1
have_plot=0
"$E" optimize --function booth --steps 3 --plot probe.svg >/dev/null 2>&1 && have_plot=1
have_export=0
"$E" export --help >/dev/null 2>&1 && have_export=1
data=synthetic:blobs:n=400,d=8,classes=3
checked=0

# A small trained model, used as the input of predict/export.
"$E" train --data "$data" --model mlp:16 --epochs 2 --seed 1 -o good.eom --checkpoint none >/dev/null 2>&1
# A bigger one (~300 KB) for the file-size limit.
"$E" train --data "$data" --model mlp:256,256 --epochs 1 --seed 1 -o big.eom --checkpoint none >/dev/null 2>&1

# The writers: NAME FILE ARGS... (FILE is the path, relative to the output
# directory D, that the command writes; "@D" in ARGS becomes D).
writers=(
  "model m.eom train --data $data --model mlp:16 --epochs 1 --seed 1 -o @D/m.eom --checkpoint none"
  "checkpoint c.ckpt train --data $data --model mlp:16 --epochs 1 --seed 1 -o ok_ckpt.eom --checkpoint @D/c.ckpt"
  "history h.csv train --data $data --model mlp:16 --epochs 1 --seed 1 -o ok_hist.eom --checkpoint none --history @D/h.csv"
  "predictions p.csv predict good.eom --data $data -o @D/p.csv"
  "trace t.csv optimize --function rosenbrock --steps 50 --trace @D/t.csv"
)
if [ $have_plot = 1 ]; then
  writers+=("curves c.png train --data $data --model mlp:16 --epochs 2 --seed 1 -o ok_plot.eom --checkpoint none --plot @D/c.png")
  writers+=("optplot o.svg optimize --function booth --steps 20 --plot @D/o.svg")
fi
if "$E" quantize --help >/dev/null 2>&1; then
  writers+=("quantized q8.eom quantize good.eom --calib $data -o @D/q8.eom")
fi
if "$E" prune --help >/dev/null 2>&1; then
  writers+=("pruned pr.eom prune good.eom --sparsity 0.5 --data $data -o @D/pr.eom")
fi
if [ $have_export = 1 ]; then
  writers+=("export model.h export good.eom --target c --name model -o @D")
fi

# run_fault DIR WANT [PREFIX...]: run every writer into DIR, where each target
# file already holds "OLD <name>", and expect the failure WANT.
run_fault() {
  local d=$1 want=$2
  shift 2
  local w name file cmd
  for w in "${writers[@]}"; do
    read -r name file cmd <<<"$w"
    cmd=${cmd//@D/$d}
    set +e
    # shellcheck disable=SC2086
    "$@" "$E" $cmd >out 2>err
    local rc=$?
    set -e
    [ $rc -ne 0 ] || fail "$name into $d: exit 0 under '$want'"
    grep -v -E '^(prune: )?epoch ' err >err1 || true # progress lines are not errors
    [ "$(wc -l <err1)" = 1 ] || { cat err; fail "$name into $d: expected one error line"; }
    grep -qi -- "$want" err1 || { cat err1; fail "$name into $d: message lacks '$want'"; }
    [ "$(cat "$d/$file")" = "OLD $name" ] || fail "$name into $d: the previous file was changed"
    if ls -A "$d" | grep -q 'tmp'; then ls -A "$d"; fail "$name into $d: temporary file left"; fi
    echo "  $name: $(cat err1)"
    checked=$((checked + 1))
  done
}
seed_old() { # DIR
  local w name file cmd
  for w in "${writers[@]}"; do
    read -r name file cmd <<<"$w"
    printf 'OLD %s' "$name" >"$1/$file"
  done
}

# --- file-size limit (any user): the outputs must be larger than the limit,
# so predict/trace/model use big inputs here.
mkdir lim
writers_small=("${writers[@]}")
writers=(
  "model m.eom train --data $data --model mlp:256,256 --epochs 1 --seed 1 -o @D/m.eom --checkpoint none"
  "predictions p.csv predict big.eom --data synthetic:blobs:n=8000,d=8,classes=3 -o @D/p.csv"
  "trace t.csv optimize --function rosenbrock:dim=20 --optimizer sgd:lr=1e-5 --steps 3000 --tol 0 --trace @D/t.csv"
)
seed_old lim
echo "file-size limit (ulimit -f 64):"
run_fault lim "file-size limit" bash -c 'ulimit -f 64; exec "$@"' limit
writers=("${writers_small[@]}")

# --- disk full
mkdir full
if [ $root = 1 ] && mount -t tmpfs -o size=64k eo_full "$tmp/full" 2>/dev/null; then
  mounts+=("$tmp/full")
  seed_old full
  dd if=/dev/zero of=full/fill bs=4096 >/dev/null 2>&1 || true
  dd if=/dev/zero of=full/fill2 bs=64 >/dev/null 2>&1 || true
  echo "disk full (64 KiB tmpfs):"
  run_fault full "disk full"
  umount "$tmp/full"
  mounts=()
else
  echo "disk full: skipped (needs root and permission to mount a tmpfs)"
fi

# --- read-only output directory
mkdir ro
if [ $root = 1 ]; then
  if mount -t tmpfs -o size=1m eo_ro "$tmp/ro" 2>/dev/null; then
    mounts+=("$tmp/ro")
    seed_old ro
    mount -o remount,ro "$tmp/ro"
    echo "read-only directory (tmpfs remounted read-only):"
    run_fault ro "read-only"
    umount "$tmp/ro"
    mounts=()
  else
    echo "read-only directory: skipped (root ignores permissions and mounting is not allowed)"
  fi
else
  seed_old ro
  chmod 555 ro
  echo "read-only directory (chmod 555):"
  run_fault ro "permission denied"
  chmod 755 ro
fi

# --- divergence: a learning rate that overflows the loss. The message names
# the epoch and batch and gives a hint; no model is written; the checkpoint
# on disk is the last good one and loads.
set +e
"$E" train --data "$data" --model mlp:16 --epochs 6 --optimizer sgd:lr=0.01 --schedule exp:gamma=1e5 \
  -o dv.eom --json >out 2>err
rc=$?
set -e
[ $rc -ne 0 ] || fail "divergence: exit 0"
[ ! -s out ] || fail "divergence: --json printed a result"
last=$(tail -1 err)
[[ $last =~ ^edgeopt\ train:\ epoch\ [0-9]+,\ batch\ [0-9]+:\ the\ loss\ is\ (NaN|infinite).*Hint: ]] ||
  fail "divergence message: $last"
[ ! -e dv.eom ] || fail "divergence: a model was written"
"$E" info dv.eom.ckpt >/dev/null || fail "divergence: the kept checkpoint does not load"
echo "divergence: $last"
set +e
"$E" train --data "$data" --model mlp:16 --epochs 2 --optimizer sgd:lr=1e30 -o dv2.eom --checkpoint none >out 2>err
rc=$?
set -e
last=$(tail -1 err)
[ $rc -ne 0 ] && [[ $last =~ epoch\ 1,\ batch\ [0-9]+:.*Hint:\ lower\ the\ learning\ rate ]] || fail "divergence at once: $last"
[ ! -e dv2.eom ] || fail "divergence: a model was written"

echo "faults: ok ($checked fault cases)"
