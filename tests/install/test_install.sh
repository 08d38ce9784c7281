#!/usr/bin/env bash
# Install edgeopt into a temporary prefix, then build a tiny consumer against the
# installed copy twice: with pkg-config and with CMake's find_package(edgeopt).
set -euo pipefail
src=${EO_SOURCE_DIR:?}
bld=${EO_BINARY_DIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$bld" --prefix "$tmp/prefix" >"$tmp/install.log"
test -f "$tmp/prefix/include/edgeopt/edgeopt.h"
libdir=$(ls -d "$tmp"/prefix/lib* | head -1)
test -f "$libdir/libedgeopt.a"
ls "$libdir"/libedgeopt.so.0* >/dev/null
test -f "$libdir/pkgconfig/edgeopt.pc"
test -f "$libdir/cmake/edgeopt/edgeoptConfig.cmake"

san=""
[ "${EO_SANITIZE:-OFF}" = ON ] && san="-fsanitize=address,undefined"

# 1. pkg-config, shared library
export PKG_CONFIG_PATH="$libdir/pkgconfig"
# shellcheck disable=SC2046
${CC:-cc} $san -std=c11 -Wall -Wextra -Werror "$src/tests/fixtures/consumer/consumer.c" -o "$tmp/c-pc" \
  $(pkg-config --cflags --libs edgeopt) -Wl,-rpath,"$libdir"
"$tmp/c-pc"
# 2. pkg-config --static, static library
# shellcheck disable=SC2046
${CC:-cc} $san -std=c11 "$src/tests/fixtures/consumer/consumer.c" -o "$tmp/c-static" \
  $(pkg-config --cflags edgeopt) "$libdir/libedgeopt.a" $(pkg-config --static --libs-only-l edgeopt | sed 's/-ledgeopt//')
"$tmp/c-static"
# 3. CMake find_package
cmake -S "$src/tests/fixtures/consumer" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
  -DCMAKE_C_COMPILER="${CC:-cc}" -DCMAKE_C_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san" >"$tmp/cm.log"
cmake --build "$tmp/cm" >"$tmp/cmb.log"
LD_LIBRARY_PATH="$libdir" "$tmp/cm/consumer"
echo "install test: ok"
