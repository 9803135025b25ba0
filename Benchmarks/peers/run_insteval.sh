#!/usr/bin/env bash
# Compares Marginal with lme4 on the InstEval-shaped design:
#   y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept), REML.
#
# Usage: Benchmarks/peers/run_insteval.sh [--rows N] [--runs K] [--csv FILE] [--seed N]
#   --rows N   rows of the simulated design (default 73421; the CSV is cached by rows and seed)
#   --runs K   processes per tool (default 3); the table shows medians and the largest peak memory
#   --csv FILE use this CSV instead of simulating one
# Environment:
#   MARGINAL             the marginal binary (default: .build/release/marginal, built if missing)
#   MARGINAL_FIT_FLAGS   flags after `marginal fit FILE` (default below)
#   MARGINAL_BENCH_CACHE where simulated CSVs are kept (default: $TMPDIR/marginal-bench)
#
# Every process runs with OPENBLAS_NUM_THREADS=1 under `/usr/bin/time -v`, which gives the
# whole-process wall time and peak resident memory. Fit-only seconds come from each tool's JSON
# (`fit_seconds_median` from lme4_insteval.R; for marginal the first of fit_seconds, seconds,
# elapsed_seconds found in its JSON). A tool that is missing is reported, not fatal.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/common.sh"
rows=73421
runs=3
seed=1
csv=""
parse_options 2,20 rows runs seed csv -- "$@"

formula='y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept)'
# --ddf none: lme4's lmer computes no degrees of freedom either.
fit_flags=${MARGINAL_FIT_FLAGS:-"-f '$formula' --factor s --factor d --factor dept --factor service --ddf none --json"}
make_work_dir run_insteval
build_marginal_if_missing

if [ -z "$csv" ]; then
  mkdir -p "$cache"
  csv="$cache/insteval-rows$rows-seed$seed.csv"
  if [ ! -s "$csv" ]; then
    if has_marginal_command simulate; then
      "$marginal" simulate insteval --rows "$rows" --seed "$seed" --output "$csv" >&2
    else
      echo "no CSV and no 'marginal simulate' to make one: pass --csv FILE" >&2
      exit 1
    fi
  fi
fi
echo "data: $csv ($(($(wc -l <"$csv") - 1)) rows), $runs run(s) per tool, OPENBLAS_NUM_THREADS=1" >&2

if has_marginal_command fit; then
  eval "set -- $fit_flags"
  run_timed marginal "$marginal" fit "$csv" "$@"
else
  echo "marginal fit is not available yet: its row is left empty" >&2
fi

if has_lme4; then
  run_timed lme4 Rscript "$here/lme4_insteval.R" "$csv" 1
else
  echo "Rscript with lme4 is not installed: its row is left empty" >&2
fi

printf 'marginal\tmarginal\nlme4\tlme4\n' | timing_table plain tool
