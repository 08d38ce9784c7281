# Shared preamble of the shell tests: source it after `set -euo pipefail`.
#   E      the edgeopt binary under test (ctest sets EDGEOPT)
#   PY     Debian's python3 (json checks), or the first python3 on PATH
#   tmp    a scratch directory, removed on exit; the test runs inside it
#   fail   print "FAIL: ..." on stderr and exit 1
#   jget   FILE KEY: one top-level field of a JSON file
E=${EDGEOPT:?}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }
jget() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d[sys.argv[2]])' "$1" "$2"; }
