#!/usr/bin/env bash
# Make sure the Debian packages a job needs are installed.
#   scripts/deps.sh PROFILE...     profiles: build test demo bench docs mpi device
# As root, missing packages are installed with apt-get. Otherwise the exact
# apt-get line is printed and the script exits 1, so the caller stops.
set -euo pipefail

pkgs_build="cmake make gcc pkg-config zlib1g-dev libcjson-dev libcairo2-dev"
pkgs_test="$pkgs_build clang libclang-rt-14-dev libcmocka-dev dataset-fashion-mnist python3 valgrind gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm"
pkgs_demo="$pkgs_build dataset-fashion-mnist"
pkgs_bench="$pkgs_build dataset-fashion-mnist libopenblas-dev libnlopt-dev python3-torch python3-scipy python3-sklearn python3-optuna python3-numpy"
pkgs_docs="$pkgs_build dataset-fashion-mnist"
pkgs_mpi="openmpi-bin libopenmpi-dev"
pkgs_device="gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm"

want=""
for p in "$@"; do
  var="pkgs_$p"
  if [ -z "${!var+x}" ]; then
    echo "deps.sh: unknown profile '$p' (build test demo bench docs mpi device)" >&2
    exit 2
  fi
  want="$want ${!var}"
done

missing=""
for p in $(echo "$want" | tr ' ' '\n' | sort -u); do
  [ -n "$p" ] || continue
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
  echo "deps.sh: installing:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >&2
else
  echo "edgeopt needs these Debian packages; run:" >&2
  echo "  sudo apt-get install -y$missing" >&2
  exit 1
fi
