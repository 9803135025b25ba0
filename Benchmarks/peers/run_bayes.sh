#!/usr/bin/env bash
# Bayesian benchmark: `marginal sample` (NUTS with its default strategy, --marginalize auto: all random
# effects integrated out, or one class for a large crossed design) against NumPyro (NUTS, one
# grouping class integrated out, Lai, Domke & Sheldon 2024) on three LMMs:
#   sleepstudy  Reaction ~ Days + (1 + Days | Subject)       Examples/sleepstudy.csv
#   grouped     y ~ 1 + x1 + x2 + (1 | g)                     marginal simulate grouped (20,000 rows, 1,000 groups)
#   crossed     y ~ 1 + (1 | s) + (1 | d)                     marginal simulate insteval (73,421 rows)
# Measure: min bulk-ESS over the global parameters (b, sigma, SDs, correlations) per second.
#
# Usage: Benchmarks/peers/run_bayes.sh [--models "sleepstudy grouped crossed"] [--chains 4]
#          [--warmup 1000] [--draws 1000] [--seed 1] [--data-seed 1] [--chain-method parallel]
#          [--repeat] [--no-numpyro] [--no-marginal]
#   --models LIST    which models, in this order (default: all three; crossed: NumPyro 5-15 min)
#   --chain-method   NumPyro's: parallel (default; one XLA host device per chain), sequential,
#                    vectorized
#   --repeat         NumPyro also times a second run with its compiled programs cached (slow
#                    for crossed: the sampling is done twice)
# Environment:
#   MARGINAL             the marginal binary (default: .build/release/marginal, built if missing)
#   MARGINAL_SAMPLE_FLAGS extra flags appended to `marginal sample` (word-split; default
#                        --no-recover: NumPyro does not draw the random effects either)
#   MARGINAL_BENCH_CACHE where simulated CSVs are kept (default: $TMPDIR/marginal-bench)
#   PYTHON               python with numpyro 0.22, jax[cpu], arviz, pandas (default: python3)
#   NUMPYRO_CROSSED_MARGINALIZE  class NumPyro integrates out for crossed (default: d, which
#                        gave more ESS per second than s; see Benchmarks/README.md)
#
# Every process runs with OPENBLAS_NUM_THREADS=1; marginal's total is its whole process
# (reading the CSV included). Each tool's JSON is kept in
# $MARGINAL_BENCH_CACHE/bayes-results/ and a table with the ratios is printed at the end, with
# each process's CPU time (user + system, from /usr/bin/time when it exists) and the gradient
# evaluations (marginal: all of them; NumPyro: those of the sampling phase, all it reports).
# A tool that is missing (no `marginal sample` yet, no numpyro) is skipped, not fatal.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/common.sh"
models="sleepstudy grouped crossed"
chains=4; warmup=1000; draws=1000; seed=1; data_seed=1
chain_method=parallel; repeat=""; run_numpyro=1; run_marginal=1
while [ $# -gt 0 ]; do
  case "$1" in
    --models) models=$2; shift 2 ;;
    --chains) chains=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --draws) draws=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --data-seed) data_seed=$2; shift 2 ;;
    --chain-method) chain_method=$2; shift 2 ;;
    --repeat) repeat=--repeat; shift ;;
    --no-numpyro) run_numpyro=0; shift ;;
    --no-marginal) run_marginal=0; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

python=${PYTHON:-python3}
results="$cache/bayes-results"
mkdir -p "$cache" "$results"
export MARGINAL_BENCH_CACHE="$cache"

build_marginal_if_missing

# Data. Simulated files are rewritten on every run (it takes milliseconds), so they always match
# the simulator in the binary; a cached copy is used only when `marginal simulate` is missing.
grouped_csv="$cache/bayes-grouped-rows20000-groups1000-seed$data_seed.csv"
crossed_csv="$cache/bayes-insteval-rows73421-seed$data_seed.csv"
if has_marginal_command simulate; then
  "$marginal" simulate grouped --rows 20000 --groups 1000 --seed "$data_seed" --output "$grouped_csv" >&2
  "$marginal" simulate insteval --rows 73421 --seed "$data_seed" --output "$crossed_csv" >&2
else
  echo "no 'marginal simulate': using cached CSVs if present" >&2
fi

csv_of() {
  case "$1" in
    sleepstudy) echo "$root/Examples/sleepstudy.csv" ;;
    grouped) echo "$grouped_csv" ;;
    crossed) echo "$crossed_csv" ;;
  esac
}
formula_of() {
  case "$1" in
    sleepstudy) echo 'Reaction ~ Days + (1 + Days | Subject)' ;;
    grouped) echo 'y ~ 1 + x1 + x2 + (1 | g)' ;;
    crossed) echo 'y ~ 1 + (1 | s) + (1 | d)' ;;
  esac
}

have_numpyro=0
if [ "$run_numpyro" = 1 ]; then
  if "$python" -c 'import numpyro, jax, arviz, pandas' 2>/dev/null; then
    have_numpyro=1
  else
    echo "numpyro/jax/arviz/pandas not importable by $python: NumPyro rows left empty" >&2
    echo "  (pip install 'numpyro==0.22.*' 'jax[cpu]' arviz pandas)" >&2
  fi
fi
have_marginal=0
if [ "$run_marginal" = 1 ]; then
  if has_marginal_command sample; then
    have_marginal=1
  else
    echo "'marginal sample' is not available yet: its rows are left empty" >&2
  fi
fi

# `timed NAME COMMAND...` runs COMMAND and writes its user and system CPU seconds to
# $results/NAME.cpu (when /usr/bin/time exists).
timed() {
  local name=$1; shift
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%U %S' -o "$results/$name.cpu" "$@"
  else
    "$@"
  fi
}

echo "load before: $(uptime)" >&2
for model in $models; do
  csv=$(csv_of "$model")
  tag="$model-c$chains-w$warmup-d$draws-s$seed"
  if [ ! -s "$csv" ]; then
    echo "$model: no data file $csv, skipped" >&2
    continue
  fi
  if [ "$have_marginal" = 1 ]; then
    echo "marginal sample $model ($(uptime | sed 's/.*load/load/')) ..." >&2
    rm -f "$results/marginal-$tag.json"
    date +%s.%N >"$results/marginal-$tag.time"
    timed "marginal-$tag" "$marginal" sample "$csv" -f "$(formula_of "$model")" --chains "$chains" \
      --warmup "$warmup" --draws "$draws" --seed "$seed" --json ${MARGINAL_SAMPLE_FLAGS---no-recover} \
      >"$results/marginal-$tag.json.tmp" 2>"$results/marginal-$tag.err" \
      && date +%s.%N >>"$results/marginal-$tag.time" \
      && mv "$results/marginal-$tag.json.tmp" "$results/marginal-$tag.json" \
      || { echo "marginal sample failed on $model:" >&2; tail -5 "$results/marginal-$tag.err" >&2; }
  fi
  if [ "$have_numpyro" = 1 ]; then
    echo "numpyro $model ($chain_method; $(uptime | sed 's/.*load/load/')) ..." >&2
    rm -f "$results/numpyro-$tag.json"
    marginalize=()
    [ "$model" = crossed ] && marginalize=(--marginalize "${NUMPYRO_CROSSED_MARGINALIZE:-d}")
    timed "numpyro-$tag" "$python" "$here/numpyro_lmm.py" --model "$model" --csv "$csv" --chains "$chains" \
      --warmup "$warmup" --draws "$draws" --seed "$seed" --chain-method "$chain_method" \
      "${marginalize[@]}" $repeat \
      >"$results/numpyro-$tag.json.tmp" 2>"$results/numpyro-$tag.err" \
      && mv "$results/numpyro-$tag.json.tmp" "$results/numpyro-$tag.json" \
      || { echo "numpyro failed on $model:" >&2; tail -5 "$results/numpyro-$tag.err" >&2; }
  fi
done
echo "load after: $(uptime)" >&2

"$python" - "$results" "$chains" "$warmup" "$draws" "$seed" $models <<'PY'
import json, pathlib, sys
results, chains, warmup, draws, seed, models = (pathlib.Path(sys.argv[1]), *sys.argv[2:6],
                                                sys.argv[6:])

def read(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None

def fmt(value, digits=1):
    return "-" if value is None else f"{value:,.{digits}f}"

def cpu(name):
    """User + system CPU seconds of a timed process, or None."""
    try:
        user, system = (results / f"{name}.cpu").read_text().split()[-2:]
        return float(user) + float(system)
    except (OSError, ValueError):
        return None

header = ("model", "tool", "min bulk-ESS", "weakest", "total s", "excl. compile s", "CPU s",
          "gradients", "ESS/s total", "ESS/s excl. compile", "2nd run s",
          "marginal/numpyro (total, excl.)")
rows = []
for model in models:
    tag = f"{model}-c{chains}-w{warmup}-d{draws}-s{seed}"
    numpyro, marginal = read(results / f"numpyro-{tag}.json"), read(results / f"marginal-{tag}.json")
    np_total = np_excl = None
    if numpyro:
        np_total = numpyro["essPerSecond"]
        np_excl = numpyro["essPerSecondExcludingCompile"]
        rows.append((model, f"numpyro ({numpyro['chainMethod']}, {numpyro['marginalized']} out)",
                     fmt(numpyro["minEssBulk"], 0), numpyro["minEssParameter"],
                     fmt(numpyro["seconds"], 2), fmt(numpyro["secondsExcludingCompile"], 2),
                     fmt(cpu(f"numpyro-{tag}"), 1),
                     fmt(numpyro.get("gradientEvaluationsSampling"), 0) + " (sampling)",
                     fmt(np_total), fmt(np_excl), fmt(numpyro.get("secondRunSeconds"), 2), ""))
    else:
        rows.append((model, "numpyro", "-", "-", "-", "-", "-", "-", "-", "-", "-", ""))
    if marginal:
        # `marginal sample --json`: parameters [{name, essBulk, ...}], seconds (sampling time).
        # The global parameters; an ESS the draws cannot support is null, counted as 0.
        globals_ = [p for p in marginal["parameters"]
                    if p["name"] == "sigma" or p["name"].startswith(("b[", "sd[", "cor["))]
        weakest = min(globals_, key=lambda p: p.get("essBulk") or 0.0)
        weakest = dict(weakest, essBulk=weakest.get("essBulk") or 0.0)
        seconds = float(marginal["seconds"])
        process = None
        try:
            start, end = (results / f"marginal-{tag}.time").read_text().split()[:2]
            process = float(end) - float(start)
        except (OSError, ValueError, IndexError):
            pass
        total = weakest["essBulk"] / process if process else None
        excl = weakest["essBulk"] / seconds
        ratio = "-"
        if np_total and np_excl:
            ratio = (f"{total / np_total:.1f}x, " if total else "-, ") + f"{excl / np_excl:.1f}x"
        strategy = marginal.get("strategy", "")
        label = ("marginal (all out)" if strategy.startswith("all") else
                 "marginal (" + strategy.split("'")[1] + " out, " + strategy.split("(")[-1]
                 if strategy.startswith("random effects of '") else f"marginal ({strategy})")
        rows.append((model, label, fmt(weakest["essBulk"], 0), weakest["name"],
                     fmt(process, 2), fmt(seconds, 2), fmt(cpu(f"marginal-{tag}"), 1),
                     fmt(marginal.get("gradientEvaluations"), 0), fmt(total), fmt(excl), "-", ratio))
    else:
        rows.append((model, "marginal", "-", "-", "-", "-", "-", "-", "-", "-", "-", ""))

print(f"{chains} chains x ({warmup} warmup + {draws} draws), seed {seed}, OPENBLAS_NUM_THREADS=1")
print("marginal: total = whole process, excl. compile = its JSON `seconds`;"
      " numpyro: total = MCMC.run, excl. compile = minus JAX trace/lower/compile time,"
      " 2nd run = the same MCMC.run again with XLA programs from a persistent cache (--repeat)")
widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
print("  ".join("-" * w for w in widths))
for row in rows:
    print("  ".join(value.ljust(w) for value, w in zip(row, widths)))
PY
