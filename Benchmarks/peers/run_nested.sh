#!/usr/bin/env bash
# Compares Marginal with lme4 on a nested design (pupils in classes in schools in regions),
# REML, three formulas:
#   y ~ 1 + x + (1 | school/class)
#   y ~ 1 + x + (1 + x | school) + (1 | school:class)
#   y ~ 1 + x + (1 | region/school/class)
#
# Usage: Benchmarks/peers/run_nested.sh [--runs K] [--csv FILE] [--seed N] [--tools LIST]
#                                       [--schools N] [--classes N] [--pupils N] [--regions N]
#   --runs K     processes per tool and formula (default 3); the table shows medians and the
#                largest peak memory
#   --csv FILE   use this CSV (columns y, x, school, class, region) instead of simulating one
#   --seed N, --schools N, --classes N, --pupils N, --regions N
#                passed to simulate_nested.py (defaults 1, 10000, 5, 6, 100: 300,000 rows); the
#                CSV is cached by these values
#   --tools LIST comma-separated subset of marginal,lme4 (default both)
# Environment:
#   MARGINAL             the marginal binary (default: .build/release/marginal, built if missing
#                        and marginal is among --tools)
#   MARGINAL_FIT_FLAGS   flags after `marginal fit FILE -f FORMULA` (default below)
#   MARGINAL_BENCH_CACHE where simulated CSVs are kept (default: $TMPDIR/marginal-bench)
#
# Every process runs with OPENBLAS_NUM_THREADS=1 under `/usr/bin/time -v`, which gives the
# whole-process wall time and peak resident memory. Fit-only seconds come from each tool's JSON
# (`fit_seconds_median` from lme4_nested.R; for marginal the first of fit_seconds, seconds,
# elapsed_seconds found in its JSON). A tool that is missing is reported, not fatal.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/common.sh"
runs=3
seed=1
schools=10000
classes=5
pupils=6
regions=100
tools=marginal,lme4
csv=""
parse_options 2,30 runs seed schools classes pupils regions tools csv -- "$@"
wants() { [[ ",$tools," == *",$1,"* ]]; }

formulas=(
  'y ~ 1 + x + (1 | school/class)'
  'y ~ 1 + x + (1 + x | school) + (1 | school:class)'
  'y ~ 1 + x + (1 | region/school/class)'
)
# --ddf none: lme4's lmer computes no degrees of freedom either.
fit_flags=${MARGINAL_FIT_FLAGS:-"--factor school --factor class --factor region --ddf none --json"}
make_work_dir run_nested
if wants marginal; then
  build_marginal_if_missing
fi

if [ -z "$csv" ]; then
  mkdir -p "$cache"
  csv="$cache/nested-schools$schools-classes$classes-pupils$pupils-regions$regions-seed$seed.csv"
  if [ ! -s "$csv" ]; then
    python3 "$here/simulate_nested.py" --schools "$schools" --classes "$classes" --pupils "$pupils" \
      --regions "$regions" --seed "$seed" --out "$csv.tmp" && mv "$csv.tmp" "$csv"
  fi
fi
echo "data: $csv ($(($(wc -l <"$csv") - 1)) rows), $runs run(s) per tool and formula, OPENBLAS_NUM_THREADS=1" >&2

have_marginal=0
if wants marginal; then
  if has_marginal_command fit; then
    have_marginal=1
  else
    echo "marginal fit is not available: its rows are left empty" >&2
  fi
fi
have_lme4=0
if wants lme4; then
  if has_lme4; then
    have_lme4=1
  else
    echo "Rscript with lme4 is not installed: its rows are left empty" >&2
  fi
fi

for i in "${!formulas[@]}"; do
  formula=${formulas[$i]}
  if [ "$have_marginal" = 1 ]; then
    echo "marginal: $formula" >&2
    eval "set -- $fit_flags"
    run_timed "marginal.$i" "$marginal" fit "$csv" -f "$formula" "$@"
  fi
  if [ "$have_lme4" = 1 ]; then
    echo "lme4: $formula" >&2
    run_timed "lme4.$i" Rscript "$here/lme4_nested.R" "$csv" "$formula" 1
  fi
done

for i in "${!formulas[@]}"; do
  for tool in marginal lme4; do
    if wants "$tool"; then
      printf '%s.%s\t%s\t`%s`\n' "$tool" "$i" "$tool" "${formulas[$i]}"
    fi
  done
done | timing_table markdown tool formula
