#!/usr/bin/env bash
# Structured covariance terms against glmmTMB 1.1.5, in one run: each reference model of
# Tests/MarginalTests/Fixtures/reference/structured (the ones Marginal matches to 1e-6) and two
# 50,000-row AR(1) designs (Gaussian, and Bernoulli by the Laplace approximation), 5,000
# subjects x 10 times, simulated by glmmtmb_structured.R.
#
# Usage: Benchmarks/peers/run_structured.sh [--repeats N]   (default 5)
# Marginal: the median over N `marginal fit` processes of the fit's own time (the JSON's
# `seconds`) and of the whole process's wall time (start-up, reading the CSV, building the design,
# fitting, printing). glmmTMB: the median of N fits inside one R process, fit only (loading the
# package and reading the CSV not timed), at its default controls. The ratio is fit against fit. Both single
# threaded (OPENBLAS_NUM_THREADS=1). Prints a table with the ratio and the deviances, and the
# load average before and after (the machine is shared).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/common.sh"
repeats=5
parse_options 2,12 repeats -- "$@"
build_marginal_if_missing
fixtures=$root/Tests/MarginalTests/Fixtures/reference/structured
mkdir -p "$cache"
Rscript "$here/glmmtmb_structured.R" simulate "$cache"

# case; file; formula; options
cases=(
  "orthodont-ar1-ml;$fixtures/orthodont.csv;distance ~ age + Sex + ar1(age + 0 | Subject);--ml"
  "orthodont-ar1-reml;$fixtures/orthodont.csv;distance ~ age + Sex + ar1(age + 0 | Subject);"
  "repeated-ar1-ml;$fixtures/repeated.csv;y ~ time + x + ar1(time + 0 | id);--ml"
  "repeated-toep-reml;$fixtures/repeated.csv;y ~ time + x + toep(time + 0 | id);"
  "ou-ml;$fixtures/ou.csv;y ~ time + ou(time + 0 | id);--ml"
  "exp-ml;$fixtures/ou.csv;y ~ time + exp(time + 0 | id);--ml"
  "gau-ml;$fixtures/ou.csv;y ~ time + gau(time + 0 | id);--ml"
  "mat-ml;$fixtures/matern.csv;y ~ 1 + mat(pos + 0 | site);--ml"
  "spatial-exp-ml;$fixtures/spatial.csv;z ~ 1 + exp(numFactor(x, y) + 0 | group);--ml"
  "machines-cs-ml;$fixtures/machines.csv;score ~ Machine + cs(Machine + 0 | Worker);--ml"
  "sleepstudy-diag-ml;$root/Examples/sleepstudy.csv;Reaction ~ Days + diag(1 + Days | Subject);--ml"
  "bernoulli-ar1;$fixtures/binary_ar1.csv;y ~ x + ar1(time + 0 | id);--family bernoulli"
  "poisson-gau;$fixtures/poisson_gau.csv;count ~ 1 + gau(pos + 0 | site);--family poisson"
  "gaussian-ar1-50k;$cache/ar1-50k.csv;y ~ time + x + ar1(time + 0 | id);--ml"
  "bernoulli-ar1-50k;$cache/bernoulli-ar1-50k.csv;y ~ x + ar1(time + 0 | id);--family bernoulli"
)

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
declare -A marginal_seconds marginal_fit marginal_deviance
for entry in "${cases[@]}"; do
  IFS=';' read -r case file formula options <<< "$entry"
  times=() fits=()
  for ((r = 0; r < repeats; r++)); do
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    json=$("$marginal" fit "$file" -f "$formula" $options --json --quiet)
    times+=("$(echo "$(date +%s.%N) - $start" | bc -l)")
    fits+=("$(echo "$json" | python3 -c 'import json, sys; print(json.load(sys.stdin)["seconds"])')")
  done
  marginal_seconds[$case]=$(printf '%s\n' "${times[@]}" | median)
  marginal_fit[$case]=$(printf '%s\n' "${fits[@]}" | median)
  marginal_deviance[$case]=$(echo "$json" | python3 -c 'import json, sys; print("%.6f" % json.load(sys.stdin)["objective"])' 2>/dev/null || echo NA)
  echo "  marginal $case: ${marginal_seconds[$case]} s, fit ${marginal_fit[$case]} s" >&2
done

# The ratio is fit against fit; "process" is Marginal's whole process (start-up, CSV, design, fit).
printf '%-20s %9s %9s %9s %8s %16s %16s\n' case process fit glmmTMB ratio "marginal dev" "glmmTMB dev"
Rscript "$here/glmmtmb_structured.R" time "$cache" "$fixtures" "$repeats" | while read -r line; do
  case=$(echo "$line" | python3 -c 'import json, sys; print(json.load(sys.stdin)["case"])')
  tmb=$(echo "$line" | python3 -c 'import json, sys; print(json.load(sys.stdin)["seconds"])')
  tmb_dev=$(echo "$line" | python3 -c 'import json, sys; print("%.6f" % json.load(sys.stdin)["deviance"])')
  m=${marginal_fit[$case]}
  printf '%-20s %9.4f %9.4f %9.4f %8.1f %16s %16s\n' "$case" "${marginal_seconds[$case]}" "$m" "$tmb" "$(echo "$tmb / $m" | bc -l)" "${marginal_deviance[$case]}" "$tmb_dev"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
