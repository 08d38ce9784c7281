#!/usr/bin/env bash
# The int8 reference (include/edgeopt/qref.h + src/kernels/qref.c) must stay
# the dependency-free C99 that the exporter copies into generated code:
#  1. it includes nothing but <stdint.h>/<stddef.h> and its own header;
#  2. it compiles as strict freestanding C99 with -DEO_QREF_NO_FLOAT and, on
#     x86, -mgeneral-regs-only (any float/double use in the integer kernels is
#     then a compile error) and references no external symbol at all;
#  3. with arm-none-eabi-gcc present, it builds for Cortex-M0+ (no FPU) and
#     needs only libgcc's integer helpers (__aeabi_*).
set -euo pipefail
src=${EO_SOURCE_DIR:?}
cc=${CC:-cc}
hdr=$src/include/edgeopt/qref.h
c=$src/src/kernels/qref.c
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bad=$(grep -h '^[[:space:]]*#[[:space:]]*include' "$hdr" "$c" | grep -v -E '<stdint.h>|<stddef.h>|"edgeopt/qref.h"' || true)
[ -z "$bad" ] || { echo "qref includes more than stdint/stddef: $bad"; exit 1; }

flags="-std=c99 -pedantic -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla -ffreestanding -O2 -I$src/include"
case "$(uname -m)" in x86_64|i?86) flags="$flags -mgeneral-regs-only" ;; esac
$cc $flags -DEO_QREF_NO_FLOAT -c "$c" -o "$tmp/qref.o"
und=$(nm -u "$tmp/qref.o" | awk '{print $2}' | grep -v -E '^(__stack_chk_fail|_GLOBAL_OFFSET_TABLE_)$' || true)
[ -z "$und" ] || { echo "integer-only qref.o needs external symbols: $und"; exit 1; }
echo "host integer-only build: ok"
# With the float converters it still needs nothing from libm.
$cc -std=c99 -pedantic -Wall -Wextra -Werror -O2 -I"$src/include" -c "$c" -o "$tmp/qref_f.o"
und=$(nm -u "$tmp/qref_f.o" | awk '{print $2}' | grep -v -E '^(__stack_chk_fail|_GLOBAL_OFFSET_TABLE_)$' || true)
[ -z "$und" ] || { echo "qref.o with float converters needs: $und"; exit 1; }
echo "host build with converters: ok"

if command -v arm-none-eabi-gcc >/dev/null; then
  arm-none-eabi-gcc -std=c99 -pedantic -Wall -Wextra -Werror -mcpu=cortex-m0plus -mthumb -Os \
    -DEO_QREF_NO_FLOAT -I"$src/include" -c "$c" -o "$tmp/qref_m0.o"
  und=$(arm-none-eabi-nm -u "$tmp/qref_m0.o" | awk '{print $2}' | grep -v -E '^__aeabi_' || true)
  [ -z "$und" ] || { echo "cortex-m0+ qref.o needs: $und"; exit 1; }
  echo "cortex-m0+ build: ok ($(arm-none-eabi-size "$tmp/qref_m0.o" | tail -1 | awk '{print $1}') bytes text)"
else
  echo "cortex-m0+ build: skipped (no arm-none-eabi-gcc)"
fi
