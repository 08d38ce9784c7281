#!/usr/bin/env bash
# Every command shown in the guide runs: scripts/docs.sh (what `make docs` runs)
# executes each ```sh block of docs/guide/0*.md with small sizes (DOCS_QUICK=1)
# into a copy of docs/, builds the generated tables and the CLI reference. A
# command whose subcommand this build lacks is skipped with a message (and
# listed); every other command must succeed. Then the copy must have every
# generated block filled, every figure the chapters embed, and a CLI
# reference section for every command.
set -euo pipefail
B=${EO_BINARY_DIR:?}
S=${EO_SOURCE_DIR:?}
E=${EDGEOPT:?}
[ -x "$B/examples/jsonq" ] || { echo "SKIP: examples not built"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cp -r "$S/docs" "$tmp/docs"
rm -rf "$tmp/docs/guide/figures" "$tmp/docs/guide/generated"
start=$(date +%s)
DOCS_QUICK=1 bash "$S/scripts/docs.sh" "$B" --out "$tmp/docs" >"$tmp/log" 2>&1 || { cat "$tmp/log"; fail "docs.sh failed"; }
cat "$tmp/log"
echo "guide commands ran in $(($(date +%s) - start)) s"

# every chapter has commands, and they all ran or were skipped for a missing command
n=0
for md in "$S"/docs/guide/0*.md; do
  c=$(bash "$S/scripts/docs.sh" --commands "$md" | wc -l)
  [ "$c" -gt 0 ] || fail "$(basename "$md") shows no command"
  n=$((n + c))
done
ran=$(grep -c '^   \$ ' "$tmp/log" || true)
skipped=$(grep -c '^   SKIP (' "$tmp/log" || true)
examples=$(grep -c '^   \$ examples/' "$tmp/log" || true)
[ $((ran - examples + skipped)) = "$n" ] || fail "$n commands in the guide, $((ran - examples)) ran, $skipped skipped"
if grep -q '^   SKIP (' "$tmp/log"; then
  echo "NOTE: skipped because this build lacks them:"
  grep '^   SKIP (' "$tmp/log"
  grep -q "is not in this build\|is not installed\|a skipped command writes" <(grep '^   SKIP (' "$tmp/log") ||
    fail "a command was skipped for another reason"
fi

# every generated block was filled, and only "not generated" where a command was skipped
for md in "$tmp"/docs/guide/*.md; do
  awk '/^<!-- generated: / { name = $0; getline; if ($0 ~ /^<!-- end generated -->/) { print FILENAME ": empty " name; bad = 1 } }
       END { exit bad }' "$md" || fail "empty generated block"
done
if grep -l 'Not generated' "$tmp"/docs/guide/0*.md >/dev/null 2>&1; then
  [ "$skipped" -gt 0 ] || grep -q 'is not installed' "$tmp/log" || fail "a block says 'Not generated' although no command was skipped: $(grep -l 'Not generated' "$tmp"/docs/guide/0*.md)"
fi

# the figures the chapters embed exist (unless their command was skipped or the build cannot plot)
if "$E" optimize --steps 1 --plot "$tmp/probe.svg" >/dev/null 2>&1; then
  for md in "$tmp"/docs/guide/0*.md; do
    for fig in $(grep -o '](figures/[^)]*)' "$md" | sed 's/](figures\///; s/)$//'); do
      [ -s "$tmp/docs/guide/figures/$fig" ] || grep -q "SKIP.*$fig" "$tmp/log" || fail "$(basename "$md") embeds figures/$fig, which was not produced"
    done
  done
fi

# the CLI reference has a section per command
for c in $("$E" help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }'); do
  grep -q "^## edgeopt $c\$" "$tmp/docs/cli.md" || fail "docs/cli.md lacks edgeopt $c"
done
echo "guide commands OK"
