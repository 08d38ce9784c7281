#!/usr/bin/env bash
# The CLI's common contract: --version, help, unknown commands and options, --help of
# every listed command, --json printing exactly one JSON object.
set -euo pipefail
E=${EDGEOPT:?}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$E" --version | grep -qE '^edgeopt [0-9]+\.[0-9]+\.[0-9]+' || fail "--version"
"$E" --version --json >"$tmp/v.json"
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["version"]' "$tmp/v.json" || fail "--version --json"
[ "$(wc -l <"$tmp/v.json")" = 1 ] || fail "--json must print one line"
"$E" help | grep -q 'usage: edgeopt' || fail "help"

# Unknown command / option: exactly one line on stderr, non-zero exit, nothing on stdout.
check_error() { # expected-substring args...
  local want=$1; shift
  set +e
  "$E" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  set -e
  [ "$rc" -ne 0 ] || fail "'$*' should fail"
  [ ! -s "$tmp/out" ] || fail "'$*' wrote to stdout"
  [ "$(wc -l <"$tmp/err")" = 1 ] || { cat "$tmp/err"; fail "'$*' should print one stderr line"; }
  grep -q -- "$want" "$tmp/err" || { cat "$tmp/err"; fail "'$*' message lacks '$want'"; }
}
check_error "unknown command 'frobnicate'" frobnicate
check_error "unknown option '--bogus'" version --bogus
check_error "unknown command 'nope'" help nope

# Every listed command answers --help with a usage text and exit 0.
cmds=$("$E" help | awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{on=0}')
[ -n "$cmds" ] || fail "no commands listed"
for c in $cmds; do
  "$E" "$c" --help >"$tmp/h" 2>&1 || fail "$c --help exited non-zero"
  grep -qi 'usage' "$tmp/h" || fail "$c --help has no usage line"
  "$E" help "$c" >/dev/null 2>&1 || fail "help $c"
done
echo "cli basics: ok ($(echo $cmds | wc -w) commands)"
