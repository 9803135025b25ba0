#!/usr/bin/env bash
# Compares Marginal's generalized linear mixed model fit (Laplace) with lme4's glmer and glmmTMB
# on the simulated designs of simulate_glmm.py (issue 12):
#   bernoulli: y ~ x1 + x2 + x3 + (1 | g1) + (1 | g2)   (--rows, --levels1, --levels2)
#   poisson:   y ~ x + (1 + x | g)                       (--rows, --levels1)
#   verbagg:   lme4's VerbAgg (Examples/VerbAgg.csv), r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)
#
# Usage: Benchmarks/peers/run_glmm.sh [--kind bernoulli|poisson|verbagg] [--rows N] [--levels1 N]
#                                     [--levels2 N] [--seed N] [--runs K] [--tools LIST]
#   defaults: bernoulli, 200,000 rows, 5,000 × 500 levels (the issue's design), 3 runs,
#   tools marginal,lme4,glmmTMB. Each process runs under `/usr/bin/time -v` with
#   OPENBLAS_NUM_THREADS=1; the table shows the median wall seconds, the largest peak memory and
#   each tool's −2 log-likelihood (the peers print theirs from glmm_peers.R).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/common.sh"
kind=bernoulli
rows=200000
levels1=5000
levels2=500
seed=1
runs=3
tools=marginal,lme4,glmmTMB
parse_options 2,15 kind rows levels1 levels2 seed runs tools -- "$@"

mkdir -p "$cache"
flags=()
if [ "$kind" = verbagg ]; then
  csv="$root/Examples/VerbAgg.csv"
  formula='r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)'; family=binomial; flags=(--factor id)
else
  csv="$cache/glmm-$kind-$rows-$levels1-$levels2-$seed.csv"
  [ -f "$csv" ] || python3 "$here/simulate_glmm.py" "$kind" "$csv" --rows "$rows" --levels1 "$levels1" --levels2 "$levels2" --seed "$seed"
  if [ "$kind" = bernoulli ]; then
    formula='y ~ x1 + x2 + x3 + (1 | g1) + (1 | g2)'; family=binomial
  else
    formula='y ~ x + (1 + x | g)'; family=poisson
  fi
fi
[ -x "$marginal" ] || (cd "$root" && swift build -c release --product marginal >/dev/null)

printf '%-9s %10s %10s %16s\n' tool "median s" "peak MiB" "-2 logLik"
for tool in ${tools//,/ }; do
  times=() peak=0 deviance=""
  for _ in $(seq "$runs"); do
    log=$(mktemp)
    if [ "$tool" = marginal ]; then
      /usr/bin/time -v "$marginal" fit "$csv" -f "$formula" --family "$family" "${flags[@]}" --json --quiet >"$log.out" 2>"$log"
      deviance=$(python3 -c "import json,sys; print('%.6f' % json.load(open(sys.argv[1]))['objective'])" "$log.out")
    else
      /usr/bin/time -v Rscript "$here/glmm_peers.R" "$csv" "$formula" "$family" "$tool" >"$log.out" 2>"$log"
      deviance=$(awk '{print $3}' "$log.out")
    fi
    times+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$log")")
    kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    [ "$kb" -gt "$peak" ] && peak=$kb
    rm -f "$log" "$log.out"
  done
  median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
  printf '%-9s %10s %10d %16s\n' "$tool" "$median" "$((peak / 1024))" "$deviance"
done
