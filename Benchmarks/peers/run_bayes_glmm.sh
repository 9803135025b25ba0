#!/usr/bin/env bash
# Bayesian GLMM benchmark (issue 13): `marginal sample --family binomial` against Stan (PyStan 3)
# and NumPyro, all NUTS with 4 chains x (1,000 warmup + 1,000 draws), on
#   cbpp           cbind(incidence, size - incidence) ~ period + (1 | herd)     Examples/cbpp.csv
#   verbagg        r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)   Examples/VerbAgg.csv
#   bernoulli200k  y ~ x1 + x2 + x3 + (1 | g1) + (1 | g2)   simulate_glmm.py (200,000 rows; optional)
# Measure: min bulk-ESS over the globals (fixed effects and SDs) per second. The peers sample the
# brms-style non-centred model with Marginal's default GLMM priors (glmm_common.py,
# stan_glmm.py, numpyro_glmm.py).
#
# Usage: Benchmarks/peers/run_bayes_glmm.sh [--models "cbpp verbagg"] [--chains 4] [--warmup 1000]
#          [--draws 1000] [--seed 1] [--tools "marginal stan numpyro"] [--timeout 3600]
#   --models LIST   in this order (default: cbpp verbagg; add bernoulli200k for the large design)
#   --tools LIST    which tools (default: all three), run one after another, never together
#   --timeout S     a peer still running after S seconds is stopped and its row left empty
#                   (default 3600: the issue asks for the peers on the 200k design "where they
#                   finish in an hour")
# Environment:
#   MARGINAL              the marginal binary (default: .build/release/marginal, built if missing)
#   MARGINAL_SAMPLE_FLAGS extra flags for `marginal sample` (word-split; default none: marginal
#                         also draws every random effect, as the peers do)
#   MARGINAL_BENCH_CACHE  where results and simulated CSVs are kept (default $TMPDIR/marginal-bench)
#   PYTHON                python with pystan 3, numpyro 0.22, jax[cpu], arviz, pandas
#
# Every process runs with OPENBLAS_NUM_THREADS=1, one at a time; the load average is printed
# before and after each. JSONs go to $MARGINAL_BENCH_CACHE/bayes-glmm-results/. Columns: "run s"
# is marginal's whole process, Stan's `posterior.sample` (compile excluded: `stan.build` is the
# "compile s" column), NumPyro's MCMC.run (its JIT compile included; "compile s" is that part);
# "CPU s" user + system of the whole process (/usr/bin/time). A tool that fails or refuses a
# model gets an empty row.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/common.sh"
models="cbpp verbagg"
chains=4; warmup=1000; draws=1000; seed=1; tools="marginal stan numpyro"; timeout=3600
parse_options 2,30 models chains warmup draws seed tools timeout -- "$@"

python=${PYTHON:-python3}
results="$cache/bayes-glmm-results"
mkdir -p "$cache" "$results"
export MARGINAL_BENCH_CACHE="$cache"
build_marginal_if_missing

big_csv="$cache/glmm-bernoulli-200000-5000-500-1.csv"
csv_of() {
  case "$1" in
    cbpp) echo "$root/Examples/cbpp.csv" ;;
    verbagg) echo "$root/Examples/VerbAgg.csv" ;;
    bernoulli200k) echo "$big_csv" ;;
  esac
}
formula_of() {
  case "$1" in
    cbpp) echo 'cbind(incidence, size - incidence) ~ period + (1 | herd)' ;;
    verbagg) echo 'r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)' ;;
    bernoulli200k) echo 'y ~ x1 + x2 + x3 + (1 | g1) + (1 | g2)' ;;
  esac
}
# The columns R would read as factors but the CSV stores as numbers.
factors_of() {
  case "$1" in
    cbpp) echo '--factor period' ;;
    verbagg) echo '--factor id' ;;
    *) echo '' ;;
  esac
}
if [[ " $models " == *" bernoulli200k "* ]] && [ ! -s "$big_csv" ]; then
  "$python" "$here/simulate_glmm.py" bernoulli "$big_csv" --rows 200000 --levels1 5000 --levels2 500 --seed 1
fi

load() { cut -d' ' -f1-3 /proc/loadavg; }
# run NAME COMMAND...: runs COMMAND under /usr/bin/time (CPU seconds to NAME.cpu) and timeout,
# wall seconds to NAME.time, standard output to NAME.json (removed if it fails).
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

echo "load before: $(uptime)" >&2
for model in $models; do
  csv=$(csv_of "$model")
  tag="$model-c$chains-w$warmup-d$draws-s$seed"
  for tool in $tools; do
    case "$tool" in
      marginal)
        # shellcheck disable=SC2046
        run "marginal-$tag" "$marginal" sample "$csv" -f "$(formula_of "$model")" --family binomial \
          $(factors_of "$model") --chains "$chains" --warmup "$warmup" --draws "$draws" --seed "$seed" \
          --json ${MARGINAL_SAMPLE_FLAGS-} ;;
      stan)
        run "stan-$tag" "$python" "$here/stan_glmm.py" --model "$model" --csv "$csv" --chains "$chains" \
          --warmup "$warmup" --draws "$draws" --seed "$seed" ;;
      numpyro)
        run "numpyro-$tag" "$python" "$here/numpyro_glmm.py" --model "$model" --csv "$csv" \
          --chains "$chains" --warmup "$warmup" --draws "$draws" --seed "$seed" ;;
    esac
  done
done
echo "load after: $(uptime)" >&2

"$python" "$here/bayes_table.py" "$results" "$chains" "$warmup" "$draws" "$seed" $models
