#!/usr/bin/env bash
# `make docs`: regenerate the guide's figures and numbers and the CLI reference.
#
#   scripts/docs.sh BUILD [--out DOCS]     (make docs passes BUILD=build)
#
# THE GUIDE IS THE SCRIPT. Every ```sh block of docs/guide/0*.md is run, command
# by command, in a scratch folder per chapter (`edgeopt` is the binary of BUILD,
# $EDGEOPT_SRC the source tree), exactly as a reader would type it. Figures the
# commands write (*.png, *.svg) are copied to docs/guide/figures/; the JSON,
# CSV and text they write are turned into Markdown snippets in
# docs/guide/generated/ by the generators below, together with the outputs of
# the example programs (BUILD/examples/ch*). A chapter includes a snippet
# between two markers, which this script refills:
#     <!-- generated: ch2_race.md -->
#     ...replaced on every run...
#     <!-- end generated -->
# So no number in the guide is typed by hand, and a command that stops working
# breaks `make docs` and tests/docs/test_guide_commands.sh (which runs this
# script with DOCS_QUICK=1 into a copy of docs/).
#
# A command whose `edgeopt` subcommand (or external tool) this build lacks is
# skipped with a message, and so is every later command that reads one of its
# outputs; snippets that depend on it say "not generated".
#
# Environment: DOCS_QUICK=1 shrinks data and epochs (the test); DOCS_KEEP=1
# keeps the scratch folder; CC is the host compiler for chapter 6.
#
# Also: scripts/docs.sh --commands CHAPTER.md   prints a chapter's commands.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

# ---------------------------------------------------------------- commands
# The commands of the ```sh blocks of a Markdown file, one per line
# (continuation lines joined; blank lines and # comments dropped).
list_commands() {
  awk '
    /^```/ { if (inblk) { inblk = 0; next } if ($0 ~ /^```sh[ \t]*$/) { inblk = 1 } next }
    !inblk { next }
    {
      line = $0
      if (cont != "") { sub(/^[ \t]+/, "", line); line = cont " " line; cont = "" }
      if (line ~ /\\[ \t]*$/) { sub(/[ \t]*\\[ \t]*$/, "", line); cont = line; next }
      if (line ~ /^[ \t]*(#|$)/) next
      print line
    }' "$1"
}

if [ "${1:-}" = --commands ]; then
  list_commands "$2"
  exit 0
fi

[ $# -ge 1 ] || { echo "usage: scripts/docs.sh BUILD [--out DOCS] | --commands FILE" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
DOCS=$ROOT/docs
if [ "${2:-}" = --out ]; then DOCS=$(cd "$3" && pwd); fi
GUIDE=$DOCS/guide
FIG=$GUIDE/figures
GEN=$GUIDE/generated
EO=$BUILD/edgeopt
EX=$BUILD/examples
JQ=$EX/jsonq
QUICK=${DOCS_QUICK:-0}
CC=${CC:-cc}
[ -x "$EO" ] || { echo "docs.sh: $EO not built" >&2; exit 1; }
# Fashion-MNIST and the build dependencies (prints the apt-get line when not root).
[ "$QUICK" = 1 ] || "$ROOT/scripts/deps.sh" docs || exit 1
[ -x "$JQ" ] || { echo "docs.sh: $JQ not built" >&2; exit 1; }
mkdir -p "$FIG" "$GEN"
WORK=$(mktemp -d)
if [ "${DOCS_KEEP:-0}" = 1 ]; then echo "docs.sh: scratch folder $WORK"; else trap 'rm -rf "$WORK"' EXIT; fi
export EDGEOPT_SRC=$ROOT
export EO_DOCS_BIN=$EO
export CC
FAILED=0
SKIPPED=()

have() { "$EO" help 2>/dev/null | grep -qE "^  $1( |$)"; }

# Smaller sizes for the test (DOCS_QUICK=1): data limits, epochs, budgets.
shrink() {
  sed -E \
    -e 's/fashion-mnist:test([^,:A-Za-z]|$)/fashion-mnist:test,limit=300\1/g' \
    -e 's/fashion-mnist:limit=[0-9]+/fashion-mnist:limit=1500/g' \
    -e 's/fashion-mnist([ '"'"'"]|$)/fashion-mnist:limit=1500\1/g' \
    -e 's/--epochs [0-9]+/--epochs 1/g' \
    -e 's/--finetune-epochs [0-9]+/--finetune-epochs 1/g' \
    -e 's/--max-epochs [0-9]+/--max-epochs 2/g' \
    -e 's/--budget-epochs [0-9]+/--budget-epochs 8/g' \
    -e 's/--trials [0-9]+/--trials 4/g' \
    -e 's/--samples [0-9]+/--samples 200/g' \
    -e 's/--grid [0-9]+/--grid 5/g' \
    -e 's/--limit [0-9]+/--limit 300/g' \
    -e 's/--latency-rows [0-9]+/--latency-rows 20/g' <<<"$1"
}

# Outputs a command writes (-o X, --output X, > X), for the skip chain.
outputs_of() {
  awk '{ for (i = 1; i < NF; i++) if ($i == "-o" || $i == "--output" || $i == ">") print $(i + 1) }' <<<"$1"
}

# run_chapter FILE DIR: run the chapter's commands in DIR.
run_chapter() {
  local md=$1 dir=$2 name cmd first sub out missing_out=() skip m
  name=$(basename "$md" .md)
  mkdir -p "$dir"
  echo "== $name"
  while IFS= read -r cmd; do
    skip=""
    read -r first sub _ <<<"$cmd"
    if [ "$first" = edgeopt ]; then
      have "$sub" || skip="'edgeopt $sub' is not in this build"
    elif [ "${first#./}" = "$first" ] && ! command -v "$first" >/dev/null 2>&1 &&
         ! { [ "$first" = '$CC' ] || [ "$first" = '"$CC"' ]; }; then
      skip="'$first' is not installed"
    fi
    if [ -z "$skip" ]; then
      for m in "${missing_out[@]+"${missing_out[@]}"}"; do
        case " $cmd " in *" $m "* | *" $m/"* | *"/$m "*) skip="it reads $m, which a skipped command writes";; esac
      done
    fi
    if [ -n "$skip" ]; then
      echo "   SKIP ($skip): $cmd"
      SKIPPED+=("$name: $cmd")
      while IFS= read -r out; do [ -n "$out" ] && missing_out+=("$out"); done < <(outputs_of "$cmd")
      continue
    fi
    [ "$QUICK" = 1 ] && cmd=$(shrink "$cmd")
    echo "   \$ $cmd"
    if ! (cd "$dir" && edgeopt() { "$EO_DOCS_BIN" "$@"; } && eval "$cmd") >"$dir/.out" 2>"$dir/.err"; then
      echo "   FAILED: $cmd" >&2
      sed 's/^/     | /' "$dir/.err" | tail -20 >&2
      FAILED=1
      while IFS= read -r out; do [ -n "$out" ] && missing_out+=("$out"); done < <(outputs_of "$cmd")
    fi
  done < <(list_commands "$md")
}

# ---------------------------------------------------------------- helpers
j() { "$JQ" "$@" 2>/dev/null || true; }
f3() { [ -n "${1:-}" ] && [ "$1" != null ] && awk -v a="$1" 'BEGIN { printf "%.3g", a }' || printf -- '-'; }
f4() { [ -n "${1:-}" ] && [ "$1" != null ] && awk -v a="$1" 'BEGIN { printf "%.4g", a }' || printf -- '-'; }
pct() { [ -n "${1:-}" ] && [ "$1" != null ] && awk -v a="$1" 'BEGIN { printf "%.2f%%", 100 * a }' || printf -- '-'; }
us() { [ -n "${1:-}" ] && [ "$1" != null ] && awk -v a="$1" 'BEGIN { printf "%.1f", a }' || printf -- '-'; }
ms() { [ -n "${1:-}" ] && [ "$1" != null ] && awk -v a="$1" 'BEGIN { printf "%.3f", 1000 * a }' || printf -- '-'; }
# field LINE KEY: the value after KEY in a "key value ..." line
field() { awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' <<<"$1"; }
not_generated() { echo "*Not generated: $1*"; }
# gen NAME: start writing generated/NAME (stdout of the block that follows)
gen() { exec 3>"$GEN/$1"; }
note_quick() { [ "$QUICK" = 1 ] && echo "*(DOCS_QUICK run: small sizes, numbers not meaningful)*" && echo; return 0; }

# compare_table JSON COLUMNS...: a table of the runs of `edgeopt compare --json`.
# Columns: opt f dist11 iters evals secs reason x gnorm
compare_table() {
  local js=$1; shift
  [ -s "$js" ] || { not_generated "the command did not run"; return; }
  local n i c hdr="" sep="" row
  for c in "$@"; do
    case $c in
      opt) hdr+="| optimizer ";; f) hdr+="| f(x) ";; dist11) hdr+="| distance to (1, 1) ";;
      iters) hdr+="| iterations ";; evals) hdr+="| evaluations ";; secs) hdr+="| time (ms) ";;
      reason) hdr+="| stopped by ";; x) hdr+="| final x ";; gnorm) hdr+="| gradient norm ";;
    esac
    sep+="|---"
  done
  echo "$hdr|"; echo "$sep|"
  n=$(j "$js" results.#)
  for ((i = 0; i < n; i++)); do
    row=""
    for c in "$@"; do
      case $c in
        opt) row+="| \`$(j "$js" "results.$i.optimizer")\` ";;
        f) row+="| $(f3 "$(j "$js" "results.$i.f")") ";;
        dist11) row+="| $(f3 "$(awk -v a="$(j "$js" "results.$i.x.0")" -v b="$(j "$js" "results.$i.x.1")" \
                  'BEGIN { print sqrt((a - 1)^2 + (b - 1)^2) }')") ";;
        iters) row+="| $(j "$js" "results.$i.iterations") ";;
        evals) row+="| $(j "$js" "results.$i.evaluations") ";;
        secs) row+="| $(ms "$(j "$js" "results.$i.seconds")") ";;
        reason) row+="| $(j "$js" "results.$i.reason") ";;
        x) row+="| ($(f4 "$(j "$js" "results.$i.x.0")"), $(f4 "$(j "$js" "results.$i.x.1")")) ";;
        gnorm) row+="| $(f3 "$(j "$js" "results.$i.grad_norm")") ";;
      esac
    done
    echo "$row|"
  done
}

# ---------------------------------------------------------------- run
echo "docs.sh: running the guide's commands with $EO$([ "$QUICK" = 1 ] && echo ' (DOCS_QUICK=1)')"
for md in "$GUIDE"/0*.md; do
  run_chapter "$md" "$WORK/$(basename "$md" .md)"
done

echo "== examples"
mkdir -p "$WORK/ex/ch6"
for ex in ch1_adam ch2_landscape ch3_regularization ch4_tuning ch5_quantize ch6_export; do
  if [ ! -x "$EX/$ex" ]; then
    echo "   SKIP $ex: not built"
    continue
  fi
  case $ex in
    ch3_regularization) args=("$FIG/ch3_lasso_path.png");;
    ch6_export) args=("$WORK/ex/ch6");;
    *) args=();;
  esac
  echo "   \$ examples/$ex ${args[*]+"${args[*]}"}"
  "$EX/$ex" "${args[@]+"${args[@]}"}" >"$WORK/ex/$ex.txt" 2>"$WORK/ex/$ex.err" ||
    { echo "   FAILED: $ex" >&2; cat "$WORK/ex/$ex.err" >&2; FAILED=1; }
done

# figures written by the commands
for d in "$WORK"/0*; do
  find "$d" -maxdepth 1 \( -name '*.png' -o -name '*.svg' \) -exec cp {} "$FIG/" \;
done

# ---------------------------------------------------------------- chapter 1
W=$WORK/01-gradient-descent
gen ch1_adam.md
{
  note_quick
  js=$W/ch1_adam.json
  if [ -s "$js" ]; then
    echo "| f(x) | x | iterations | stopped by | time (ms) |"
    echo "|---|---|---|---|---|"
    echo "| $(f3 "$(j "$js" f)") | ($(f4 "$(j "$js" x.0)"), $(f4 "$(j "$js" x.1)")) | $(j "$js" iterations) | $(j "$js" reason) | $(ms "$(j "$js" seconds)") |"
  else not_generated "edgeopt optimize did not run"; fi
} >&3
gen ch1_compare.md
{ note_quick; compare_table "$W/ch1_compare.json" opt f dist11 iters reason; } >&3
gen ch1_example.md
{
  out=$WORK/ex/ch1_adam.txt
  if [ -s "$out" ]; then
    echo "| run | steps | f | distance to (1, 1) |"
    echo "|---|---|---|---|"
    while read -r line; do
      echo "| $(field "$line" run) | $(field "$line" steps) | $(f3 "$(field "$line" f)") | $(f3 "$(field "$line" dist)") |"
    done < <(grep '^run ' "$out" | grep -v noisy)
    echo
    echo "Noisy gradients (10-D quadratic, condition number 10, gradient noise of standard deviation 1,"
    echo "SGD lr 0.05, 2000 steps): final f with a constant step"
    echo "**$(f3 "$(field "$(grep '^run noisy-constant' "$out")" f)")**, with cosine annealing to 0"
    echo "**$(f3 "$(field "$(grep '^run noisy-cosine' "$out")" f)")**."
  else not_generated "examples/ch1_adam did not run"; fi
} >&3

# ---------------------------------------------------------------- chapter 2
W=$WORK/02-landscapes
gen ch2_zigzag.md
{ note_quick; compare_table "$W/ch2_zigzag.json" opt iters f reason; } >&3
gen ch2_race.md
{ note_quick; compare_table "$W/ch2_race.json" opt iters evals secs f reason; } >&3
gen ch2_rastrigin.md
{ note_quick; compare_table "$W/ch2_rastrigin.json" opt x f evals reason; } >&3
gen ch2_saddle.md
{ note_quick; compare_table "$W/ch2_saddle.json" opt x f gnorm; } >&3
gen ch2_curvature.md
{
  out=$WORK/ex/ch2_landscape.txt
  if [ -s "$out" ]; then
    echo "| function | point | kind | Hessian eigenvalues | gradient norm |"
    echo "|---|---|---|---|---|"
    while read -r _ fn _ x0 x1 _ kind _ e0 e1 _ g; do
      echo "| $fn | ($(f4 "$x0"), $(f4 "$x1")) | $kind | $(f4 "$e0"), $(f4 "$e1") | $(f3 "$g") |"
    done < <(grep '^point ' "$out")
  else not_generated "examples/ch2_landscape did not run"; fi
} >&3
gen ch2_rates.md
{
  out=$WORK/ex/ch2_landscape.txt
  if [ -s "$out" ]; then
    echo "| method | condition number | measured rate | theory |"
    echo "|---|---|---|---|"
    while read -r line; do
      echo "| $(field "$line" rate) | $(field "$line" kappa) | $(field "$line" measured) | $(field "$line" theory) |"
    done < <(grep '^rate ' "$out")
    echo
    echo "| function | method | iterations | evaluations | time (ms) | stopped by |"
    echo "|---|---|---|---|---|---|"
    while read -r line; do
      read -r _ fn m _ <<<"$line"
      echo "| $fn | $m | $(field "$line" iterations) | $(field "$line" evaluations) | $(ms "$(field "$line" seconds)") | $(field "$line" reason) |"
    done < <(grep '^race ' "$out")
  else not_generated "examples/ch2_landscape did not run"; fi
} >&3
gen ch2_landscape.md
{
  note_quick
  js=$W/ch2_landscape.json
  if [ -s "$js" ]; then
    echo "Loss at the trained weights **$(f4 "$(j "$js" center_loss)")**; along the random direction the"
    echo "smallest loss is $(f4 "$(j "$js" line.min_loss)") at alpha = $(f3 "$(j "$js" line.min_alpha)");"
    echo "negative curvature seen along the line: $(j "$js" line.negative_curvature) (grid $(j "$js" grid) x $(j "$js" grid), $(j "$js" rows) rows)."
  else not_generated "edgeopt landscape did not run"; fi
} >&3

# ---------------------------------------------------------------- chapter 3
W=$WORK/03-regularization
gen ch3_overfit.md
{
  note_quick
  echo "| regularization | epochs run | best epoch | lowest validation loss | final validation loss | final validation accuracy |"
  echo "|---|---|---|---|---|---|"
  for r in none l2 dropout early; do
    js=$W/ch3_$r.json h=$W/ch3_$r.csv
    [ -s "$js" ] || continue
    minv=$(tail -n +2 "$h" | awk -F, 'NR == 1 || $4 < m { m = $4 } END { print m }')
    label=$r
    case $r in none) label="none";; l2) label="L2 (--l2 1e-2)";; dropout) label="dropout 0.5";; early) label="early stopping (patience 5)";; esac
    echo "| $label | $(j "$js" epochs) | $(j "$js" best_epoch) | $(f4 "$minv") | $(f4 "$(j "$js" val_loss)") | $(pct "$(j "$js" val_accuracy)") |"
  done
} >&3
gen ch3_sparsity.md
{
  note_quick
  echo "| model | weight sparsity (exact zeros) | final validation loss | final validation accuracy |"
  echo "|---|---|---|---|"
  for r in l2 l1; do
    [ -s "$W/ch3_${r}_info.json" ] && [ -s "$W/ch3_$r.json" ] || continue
    echo "| $([ $r = l1 ] && echo 'L1 0.1, proximal' || echo 'L2 1e-2') | $(pct "$(j "$W/ch3_${r}_info.json" weight_sparsity)") |" \
         "$(f4 "$(j "$W/ch3_$r.json" val_loss)") | $(pct "$(j "$W/ch3_$r.json" val_accuracy)") |"
  done
} >&3
gen ch3_lasso.md
{
  js=$W/ch3_lasso.json
  if [ -s "$js" ]; then
    echo "Lasso at alpha = $(f3 "$(j "$js" alpha)"): **$(j "$js" nonzero)** non-zero coefficients out of $(j "$js" coef.#)" \
         "after $(j "$js" epochs) epochs of coordinate descent (duality gap $(f3 "$(j "$js" gap)"))."
  else not_generated "edgeopt lasso did not run"; fi
  js=$W/ch3_path.json
  if [ -s "$js" ]; then
    n=$(j "$js" alphas.#)
    echo "Along the path of $n alphas the number of non-zeros grows as:"
    echo
    echo "| alpha | non-zeros | epochs |"
    echo "|---|---|---|"
    for ((i = 0; i < n; i += 5)); do
      echo "| $(f3 "$(j "$js" "alphas.$i")") | $(j "$js" "nonzero.$i") | $(j "$js" "epochs.$i") |"
    done
  fi
} >&3
gen ch3_example.md
{
  out=$WORK/ex/ch3_regularization.txt
  if [ -s "$out" ]; then
    echo "| fit | exact zeros (of 50) | true features kept (of 5) | error ‖w - w_true‖ |"
    echo "|---|---|---|---|"
    while read -r line; do
      echo "| $(field "$line" fit) | $(field "$line" zeros) | $(field "$line" kept) | $(field "$line" error) |"
    done < <(grep '^fit ' "$out")
    p=$(grep '^path ' "$out")
    echo
    echo "On the Lasso path the first coefficient leaves zero at alpha = $(field "$p" first_nonzero_alpha);"
    echo "all 5 true features are in at alpha = $(field "$p" all_true_in_at_alpha), and the first noise"
    echo "feature only enters at alpha = $(field "$p" first_noise_alpha)."
  else not_generated "examples/ch3_regularization did not run"; fi
} >&3

# ---------------------------------------------------------------- chapter 4
W=$WORK/04-tuning
gen ch4_strategies.md
{
  note_quick
  echo "| strategy | best validation accuracy | best parameters | configurations | epochs trained | time (s) |"
  echo "|---|---|---|---|---|---|"
  for s in grid random hyperband tpe; do
    js=$W/ch4_$s.json
    [ -s "$js" ] || continue
    echo "| $s | $(pct "$(j "$js" best_score)") | \`$(j "$js" best)\` | $(j "$js" trials) | $(j "$js" epochs_total) | $(f3 "$(j "$js" seconds)") |"
  done
} >&3
gen ch4_cv.md
{
  note_quick
  js=$W/ch4_cv.json
  if [ -s "$js" ]; then
    echo "Best configuration \`$(j "$js" best)\`: mean validation accuracy $(pct "$(j "$js" best_score)"), folds:" \
         "$(n=$(j "$js" best_fold_scores.#); for ((i = 0; i < n; i++)); do printf '%s' "$([ $i = 0 ] || echo ', ')$(pct "$(j "$js" "best_fold_scores.$i")")"; done)" \
         "($(j "$js" trials) configurations, $(j "$js" epochs_total) epochs in total)."
  else not_generated "edgeopt tune did not run"; fi
} >&3
gen ch4_pareto.md
{
  note_quick
  js=$W/ch4_pareto.json
  if [ -s "$js" ]; then
    n=$(j "$js" pareto.#)
    echo "$n configurations on the Pareto front (accuracy against flash bytes of the int8 export), best first:"
    echo
    echo "| parameters | validation accuracy | flash (bytes) |"
    echo "|---|---|---|"
    for ((i = 0; i < n; i++)); do
      echo "| \`$(j "$js" "pareto.$i.params")\` | $(pct "$(j "$js" "pareto.$i.accuracy")") | $(j "$js" "pareto.$i.flash") |"
    done
    echo
    echo "Rejected before training by the constraint: $(j "$js" rejected) configurations."
  else not_generated "edgeopt tune did not run"; fi
} >&3
gen ch4_example.md
{
  out=$WORK/ex/ch4_tuning.txt
  if [ -s "$out" ]; then
    th=$(grep '^theory ' "$out")
    echo "Theory, 100 steps: plain gradient descent with its best step reaches f = $(field "$th" gd_optimal_f);"
    echo "the heavy ball with its optimal lr and momentum reaches f = $(field "$th" heavy_ball_optimal_f)."
    echo
    echo "| strategy | configurations | evaluations | lr | momentum | best f |"
    echo "|---|---|---|---|---|---|"
    while read -r line; do
      echo "| $(field "$line" best) | $(field "$line" trials) | $(field "$line" evaluations) | $(field "$line" lr) | $(field "$line" momentum) | $(field "$line" f) |"
    done < <(grep '^best ' "$out")
  else not_generated "examples/ch4_tuning did not run"; fi
} >&3

# ---------------------------------------------------------------- chapter 5
W=$WORK/05-compression
gen ch5_report.md
{
  note_quick
  js=$W/ch5_report.json
  if [ -s "$js" ]; then
    n=$(j "$js" models.#)
    echo "Test set: $(j "$js" n) images. Latency: median of single-image forward passes on this machine."
    echo
    echo "| model | kind | file (bytes) | weight sparsity | accuracy [95% CI] | agreement with the baseline | latency (µs) |"
    echo "|---|---|---|---|---|---|---|"
    for ((i = 0; i < n; i++)); do
      echo "| $(basename "$(j "$js" "models.$i.file")" .eom) | $(j "$js" "models.$i.kind") | $(j "$js" "models.$i.bytes") |" \
           "$(pct "$(j "$js" "models.$i.sparsity")") | $(pct "$(j "$js" "models.$i.accuracy")") [$(pct "$(j "$js" "models.$i.ci_low")"), $(pct "$(j "$js" "models.$i.ci_high")")] |" \
           "$(pct "$(j "$js" "models.$i.agreement")") | $(us "$(j "$js" "models.$i.latency_us")") |"
    done
  else not_generated "edgeopt compress-report did not run"; fi
} >&3
gen ch5_int8.md
{
  note_quick
  js=$W/ch5_int8.json
  if [ -s "$js" ]; then
    echo "int8 file: $(j "$js" bytes) bytes against $(j "$js" float_bytes) for float32" \
         "(ratio $(f3 "$(j "$js" size_ratio)")); weight SQNR per op:"
    echo
    echo "| op | kind | layers | fused activation | weight SQNR (dB) | output scale | output zero point |"
    echo "|---|---|---|---|---|---|---|"
    n=$(j "$js" ops.#)
    for ((i = 0; i < n; i++)); do
      echo "| $(j "$js" "ops.$i.index") | $(j "$js" "ops.$i.kind") | $(j "$js" "ops.$i.layers") | $(j "$js" "ops.$i.act") |" \
           "$(f3 "$(j "$js" "ops.$i.weight_sqnr_db")") | $(f3 "$(j "$js" "ops.$i.out_scale")") | $(j "$js" "ops.$i.out_zero_point") |"
    done
  else not_generated "edgeopt quantize did not run"; fi
} >&3
gen ch5_example.md
{
  out=$WORK/ex/ch5_quantize.txt
  if [ -s "$out" ]; then
    echo "| model | accuracy | bytes of weights |"
    echo "|---|---|---|"
    while read -r line; do
      echo "| $(field "$line" model) | $(pct "$(field "$line" accuracy)") | $(field "$line" bytes) |"
    done < <(grep '^model ' "$out")
    a=$(grep '^int8 ' "$out")
    echo
    echo "int8 and float agree on $(pct "$(field "$a" agreement)") of the held-out rows; the logits' SQNR is $(field "$a" sqnr_db) dB."
  else not_generated "examples/ch5_quantize did not run"; fi
} >&3

# ---------------------------------------------------------------- chapter 6
W=$WORK/06-microcontroller
gen ch6_export.md
{
  note_quick
  js=$W/ch6_export.json
  if [ -s "$js" ]; then
    echo "| flash (bytes) | = weights | + code (estimate) | RAM (bytes) | = arena | + stack (estimate) | peak of live buffers | arena without reuse |"
    echo "|---|---|---|---|---|---|---|---|"
    echo "| $(j "$js" flash_bytes) | $(j "$js" weight_bytes) | $(j "$js" code_bytes) | $(j "$js" ram_bytes) | $(j "$js" arena_bytes) | $(j "$js" stack_bytes) | $(j "$js" peak_live_bytes) | $(j "$js" naive_arena_bytes) |"
    echo
    echo "| op | weights (bytes) | output (bytes) | arena offset |"
    echo "|---|---|---|---|"
    n=$(j "$js" ops.#)
    for ((i = 0; i < n; i++)); do
      off=$(j "$js" "ops.$i.arena_offset"); [ "$off" = -1 ] && off="in place / caller"
      echo "| $(j "$js" "ops.$i.label") | $(j "$js" "ops.$i.weight_bytes") | $(j "$js" "ops.$i.out_bytes") | $off |"
    done
  else not_generated "edgeopt export did not run"; fi
} >&3
gen ch6_host.md
{
  note_quick
  js=$W/ch6_host.json
  if [ -s "$js" ]; then
    agree=""
    if [ -s "$W/lib_pred.csv" ] && [ -s "$W/c_pred.txt" ]; then
      # rows both predicted (the library may have been given fewer in a quick run)
      agree=$(paste -d, <(tail -n +2 "$W/lib_pred.csv" | cut -d, -f2) "$W/c_pred.txt" |
        awk -F, '$1 != "" && $2 != "" { n++; a += ($1 == $2) } END { if (n) printf "%.6f %d", a / n, n }')
    fi
    echo "The exported code, compiled by the host's \`cc -std=c99 -O2\`: accuracy **$(pct "$(j "$js" accuracy)")** on" \
         "$(j "$js" n) test images, $(us "$(j "$js" us_per_sample)") µs per image on this machine;" \
         "it predicts the same class as \`edgeopt predict\` on **$(pct "${agree% *}")** of the ${agree#* } images both ran."
  else not_generated "the host run did not happen"; fi
} >&3
gen ch6_size.md
{
  if [ -s "$W/ch6_size.txt" ] && [ -s "$W/ch6_export.json" ]; then
    echo "\`arm-none-eabi-size\` of the object compiled for Cortex-M4 (-O2), beside the export's figures:"
    echo
    echo '```text'
    cat "$W/ch6_size.txt"
    echo '```'
    echo
    echo "The export estimated $(j "$W/ch6_export.json" code_bytes) bytes of code and computed" \
         "$(j "$W/ch6_export.json" weight_bytes) bytes of weights and a $(j "$W/ch6_export.json" arena_bytes)-byte arena."
  else not_generated "arm-none-eabi-gcc is not installed (scripts/deps.sh device)"; fi
} >&3
gen ch6_qemu.md
{
  if [ -s "$W/device_out.txt" ] && [ -s "$W/c_pred.txt" ]; then
    n=$(grep -c '^row ' "$W/device_out.txt")
    same=$(paste -d' ' <(awk '/^row / { print $4 }' "$W/device_out.txt") <(head -n "$n" "$W/c_pred.txt") |
      awk '$1 == $2 { a++ } END { print a + 0 }')
    echo "The emulated Cortex-M4F classified **$same of its $n images** exactly as the host build did;" \
         "the firmware (model, kernels, startup code and C library) takes $(arm-none-eabi-size -B "$W/fw.elf" | awk 'NR == 2 { print $1 + $2 }')" \
         "bytes of flash, and its deepest stack use was $(awk '/^stack / { print $2 }' "$W/device_out.txt") bytes."
  else not_generated "qemu-system-arm or gcc-arm-none-eabi is not installed (scripts/deps.sh device)"; fi
} >&3
gen ch6_api.md
{
  h=$W/fmnist/fmnist.h
  if [ -s "$h" ]; then
    echo '```c'
    grep -E '^#define FMNIST_[A-Z0-9_]+ |^int fmnist_|^void fmnist_' "$h"
    echo '```'
  else not_generated "edgeopt export did not run"; fi
} >&3
gen ch6_example.md
{
  out=$WORK/ex/ch6_export.txt
  if [ -s "$out" ]; then
    echo "| export | int8 | flash (bytes) | RAM (bytes) | weights (bytes) | arena (bytes) |"
    echo "|---|---|---|---|---|---|"
    while read -r line; do
      echo "| $(field "$line" export) | $(field "$line" quantized) | $(field "$line" flash_bytes) | $(field "$line" ram_bytes) | $(field "$line" weight_bytes) | $(field "$line" arena_bytes) |"
    done < <(grep '^export ' "$out")
  else not_generated "examples/ch6_export did not run"; fi
} >&3
exec 3>&-

# ---------------------------------------------------------------- splice
# Replace the text between "<!-- generated: NAME -->" and "<!-- end generated -->".
splice() {
  local md=$1 tmp
  tmp=$(mktemp)
  awk -v gen="$GEN" '
    function flush(name,   line, f) {
      f = gen "/" name
      while ((getline line < f) > 0) print line
      close(f)
    }
    inside && /^<!-- end generated -->/ { inside = 0; print; next }
    inside { next }
    /^<!-- generated: [A-Za-z0-9_.-]+ -->/ {
      print
      name = $0; sub(/^<!-- generated: /, "", name); sub(/ -->.*$/, "", name)
      if ((getline probe < (gen "/" name)) >= 0) { close(gen "/" name); flush(name) }
      else print "*Not generated: " name " is missing*"
      inside = 1
      next
    }
    { print }' "$md" >"$tmp"
  cat "$tmp" >"$md"
  rm -f "$tmp"
}
for md in "$GUIDE"/*.md; do splice "$md"; done

# ---------------------------------------------------------------- CLI reference
{
  echo "# edgeopt command-line reference"
  echo
  echo "Generated by \`make docs\` (scripts/docs.sh) from the commands' own \`--help\`; do not edit."
  echo
  echo '```text'
  "$EO" help
  echo '```'
  for c in $("$EO" help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }'); do
    echo
    echo "## edgeopt $c"
    echo
    echo '```text'
    "$EO" "$c" --help 2>&1
    echo '```'
  done
} >"$DOCS/cli.md"

echo "docs.sh: figures in $FIG, snippets in $GEN, CLI reference in $DOCS/cli.md"
if [ ${#SKIPPED[@]} -gt 0 ]; then
  echo "docs.sh: skipped (feature not in this build):"
  for s in "${SKIPPED[@]}"; do echo "  - $s"; done
fi
[ "$FAILED" = 0 ] || { echo "docs.sh: some commands FAILED (above)" >&2; exit 1; }
