#!/usr/bin/env bash
# Bayesian course-evaluation benchmark (issue 13): `marginal sample` against Stan's brms-style
# non-centred model (stan_lmm.py) on lme4's real InstEval data (73,421 rows),
#   y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept:service),
# both NUTS with 4 chains x (1,000 warmup + 1,000 draws) and Marginal's default LMM priors.
# Measure: min bulk-ESS over the globals (b, sigma, the three SDs) per second.
#
# Usage: Benchmarks/peers/run_stan_insteval.sh [--chains 4] [--warmup 1000] [--draws 1000]
#          [--seed 1] [--tools "marginal stan"] [--timeout 5400]
#   --timeout S   Stan is stopped after S seconds (its row is then empty: rerun with fewer
#                 draws or chains, e.g. --chains 1)
# Environment: MARGINAL (binary; default .build/release/marginal, built if missing),
#   MARGINAL_SAMPLE_FLAGS (extra flags for `marginal sample`; default none, so marginal also
#   draws every random effect, as Stan does), MARGINAL_BENCH_CACHE (CSV and results; default
#   $TMPDIR/marginal-bench), PYTHON (with pystan 3, arviz, pandas).
# The CSV is written by instEval_export.R (R with lme4) when missing. Tools run one after the
# other with OPENBLAS_NUM_THREADS=1; the load average is printed before and after each.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/common.sh"
chains=4; warmup=1000; draws=1000; seed=1; tools="marginal stan"; timeout=5400
parse_options 2,17 chains warmup draws seed tools timeout -- "$@"

python=${PYTHON:-python3}
results="$cache/bayes-glmm-results"
mkdir -p "$cache" "$results"
export MARGINAL_BENCH_CACHE="$cache"
build_marginal_if_missing
csv="$cache/insteval-lme4.csv"
[ -s "$csv" ] || Rscript "$here/instEval_export.R" "$csv"
formula='y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept:service)'

load() { cut -d' ' -f1-3 /proc/loadavg; }
run() {
  local name=$1; shift
  rm -f "$results/$name.json" "$results/$name.cpu" "$results/$name.time"
  echo "$name (load $(load)) ..." >&2
  local start end
  start=$(date +%s.%N)
  if timeout "$timeout" /usr/bin/time -f '%U %S' -o "$results/$name.cpu" "$@" \
      >"$results/$name.json.tmp" 2>"$results/$name.err"; then
    end=$(date +%s.%N)
    echo "$start $end" >"$results/$name.time"
    mv "$results/$name.json.tmp" "$results/$name.json"
  else
    echo "  $name failed or timed out:" >&2
    grep -v -i warn "$results/$name.err" | tail -3 >&2 || true
    rm -f "$results/$name.json.tmp"
  fi
  echo "  load after: $(load)" >&2
}

tag="insteval-c$chains-w$warmup-d$draws-s$seed"
echo "load before: $(uptime)" >&2
for tool in $tools; do
  case "$tool" in
    marginal)
      run "marginal-$tag" "$marginal" sample "$csv" -f "$formula" --chains "$chains" \
        --warmup "$warmup" --draws "$draws" --seed "$seed" --json ${MARGINAL_SAMPLE_FLAGS-} ;;
    stan)
      run "stan-$tag" "$python" "$here/stan_lmm.py" --csv "$csv" --chains "$chains" \
        --warmup "$warmup" --draws "$draws" --seed "$seed" ;;
  esac
done
echo "load after: $(uptime)" >&2
"$python" "$here/bayes_table.py" "$results" "$chains" "$warmup" "$draws" "$seed" insteval
