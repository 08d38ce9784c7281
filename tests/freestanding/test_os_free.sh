#!/usr/bin/env bash
# The OS-free layers (core, kernels, optim, model, compress) may use only libc's
# memory/string/formatting functions and libm: no files, printing, threads, time,
# environment or process control. Two checks:
#  1. every undefined symbol of their object files in this build is on an allow-list;
#  2. if arm-none-eabi-gcc is installed, they cross-compile for a Cortex-M4 (EO_CORE_ONLY).
set -euo pipefail
bld=${EO_BINARY_DIR:?}
src=${EO_SOURCE_DIR:?}
allow='^(eo_|eo__|mem(cpy|set|move|cmp|chr)$|bcmp$|str(len|nlen|cmp|ncmp|chr|rchr|str|tod|tol|toul|toll|toull|tof|spn|cspn|ncpy|cpy|cat|ncat)$|__ctype_(b|tolower|toupper)_loc$|(is(digit|space|alpha|alnum|upper|lower|xdigit|print|punct)|to(lower|upper))$|sincosf?$|v?snprintf$|__vsnprintf_chk$|__snprintf_chk$|__memcpy_chk$|__memset_chk$|__memmove_chk$|(m|c|re)alloc$|free$|qsort$|abs$|labs$|__stack_chk_fail$|__(a|ub)san|__sanitizer|__cpu_model$|__cpu_indicator_init$|__isoc99_|_GLOBAL_OFFSET_TABLE_$|__errno_location$|(exp|log|log2|log10|log1p|expm1|sqrt|pow|fabs|floor|ceil|round|lround|llround|rint|lrint|nearbyint|trunc|fmod|frexp|ldexp|tanh|sinh|cosh|tan|sin|cos|atan|atan2|asin|acos|erf|erfc|lgamma|tgamma|hypot|cbrt|fmax|fmin|copysign|nan|isnan|isinf|modf|scalbn)f?$|__(exp|log|pow|sqrt)f?_finite$|__isnanf?$|__isinff?$|__finitef?$|__fpclassifyf?$|__assert_fail$)'
objs=$(find "$bld/CMakeFiles" -path '*eo_core.dir*' -name '*.o' -o -path '*eo_kernels.dir*' -name '*.o' \
  -o -path '*eo_optim.dir*' -name '*.o' -o -path '*eo_model.dir*' -name '*.o' -o -path '*eo_compress.dir*' -name '*.o')
[ -n "$objs" ] || { echo "no object files found under $bld"; exit 1; }
bad=0
for o in $objs; do
  for s in $(nm -u "$o" | awk '{print $2}' | sed 's/@.*//'); do
    if ! [[ $s =~ $allow ]]; then
      echo "OS-free layer uses '$s' in ${o#$bld/}"
      bad=1
    fi
  done
done
[ $bad = 0 ] || exit 1
echo "symbols: ok ($(echo "$objs" | wc -l) objects)"

if command -v arm-none-eabi-gcc >/dev/null; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  cmake -S "$src" -B "$tmp/m4" -DCMAKE_TOOLCHAIN_FILE="$src/cmake/toolchain-cortex-m4.cmake" \
    -DEO_CORE_ONLY=ON -DCMAKE_BUILD_TYPE=Release >"$tmp/cfg.log" 2>&1 || { cat "$tmp/cfg.log"; exit 1; }
  cmake --build "$tmp/m4" --target edgeopt_static >"$tmp/build.log" 2>&1 || { grep -E 'error' "$tmp/build.log" | head -20; exit 1; }
  echo "cortex-m4 cross build: ok ($(arm-none-eabi-size -t "$tmp/m4/libedgeopt.a" | tail -1 | awk '{print $1+$2}') bytes text+data)"
else
  echo "cortex-m4 cross build: skipped (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)"
fi
