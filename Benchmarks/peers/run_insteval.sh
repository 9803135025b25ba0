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
rows=73421
runs=3
seed=1
csv=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --csv) csv=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

export OPENBLAS_NUM_THREADS=1
formula='y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept)'
marginal=${MARGINAL:-$root/.build/release/marginal}
fit_flags=${MARGINAL_FIT_FLAGS:-"-f '$formula' --factor s --factor d --factor dept --factor service --json"}
cache=${MARGINAL_BENCH_CACHE:-${TMPDIR:-/tmp}/marginal-bench}
work=$(mktemp -d "${TMPDIR:-/tmp}/run_insteval.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ ! -x "$marginal" ] && [ -z "${MARGINAL:-}" ]; then
  echo "building marginal (release)..." >&2
  (cd "$root" && swift build -c release --product marginal >&2) || echo "could not build marginal" >&2
fi
# Whether `marginal --help` lists subcommand $1 (`marginal X --help` succeeds for any X).
has_marginal_command() {
  local help
  [ -x "$marginal" ] && help=$("$marginal" --help 2>/dev/null) || return 1
  grep -Eq "^[[:space:]]+$1([[:space:]]|\$)" <<<"$help"
}

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

# run_timed NAME COMMAND...: runs COMMAND $runs times under /usr/bin/time -v, keeping
# $work/NAME.K.json (stdout) and $work/NAME.K.time (time's report).
run_timed() {
  local name=$1; shift
  for k in $(seq 1 "$runs"); do
    if ! /usr/bin/time -v -o "$work/$name.$k.time" "$@" >"$work/$name.$k.json" 2>"$work/$name.$k.err"; then
      echo "$name failed (run $k):" >&2
      tail -5 "$work/$name.$k.err" >&2
      rm -f "$work/$name.$k.json"
      return 0
    fi
  done
}

if has_marginal_command fit; then
  eval "set -- $fit_flags"
  run_timed marginal "$marginal" fit "$csv" "$@"
else
  echo "marginal fit is not available yet: its row is left empty" >&2
fi

if command -v Rscript >/dev/null 2>&1 && Rscript -e 'quit(status = !requireNamespace("lme4", quietly = TRUE))' >/dev/null 2>&1; then
  run_timed lme4 Rscript "$here/lme4_insteval.R" "$csv" 1
else
  echo "Rscript with lme4 is not installed: its row is left empty" >&2
fi

python3 - "$work" "$runs" <<'PY'
import json, statistics, sys, pathlib
work, runs = pathlib.Path(sys.argv[1]), int(sys.argv[2])

def wall_seconds(text):
    # "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:25.59"
    value = text.rsplit(": ", 1)[1].strip().split(":")
    seconds = 0.0
    for part in value:
        seconds = seconds * 60 + float(part)
    return seconds

def first_number(obj, keys):
    for key in keys:
        value = obj.get(key)
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, list) and value and isinstance(value[0], (int, float)):
            return float(statistics.median(value))
    return None

rows = []
for tool, fit_keys, objective_keys in [
    ("marginal", ["fit_seconds", "seconds", "elapsed_seconds"], ["reml_criterion", "objective", "deviance"]),
    ("lme4", ["fit_seconds_median"], ["reml_criterion"]),
]:
    walls, peaks, fits, objective, evaluations = [], [], [], None, None
    for k in range(1, runs + 1):
        time_file, json_file = work / f"{tool}.{k}.time", work / f"{tool}.{k}.json"
        if not json_file.exists() or not time_file.exists():
            continue
        for line in time_file.read_text().splitlines():
            if "Elapsed (wall clock)" in line:
                walls.append(wall_seconds(line))
            elif "Maximum resident set size" in line:
                peaks.append(int(line.rsplit(":", 1)[1]) / 1024)
        try:
            result = json.loads(json_file.read_text())
        except ValueError:
            continue
        fit = first_number(result, fit_keys)
        if fit is not None:
            fits.append(fit)
        objective = first_number(result, objective_keys)
        evaluations = first_number(result, ["evaluations", "function_evaluations"])
    rows.append((
        tool,
        f"{statistics.median(fits):.3f}" if fits else "-",
        f"{statistics.median(walls):.2f}" if walls else "-",
        f"{max(peaks):.0f}" if peaks else "-",
        f"{objective:.6f}" if objective is not None else "-",
        f"{evaluations:.0f}" if evaluations is not None else "-",
    ))

header = ("tool", "fit s (median)", "process s (median)", "peak MiB", "REML criterion", "evaluations")
widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
print("  ".join("-" * w for w in widths))
for row in rows:
    print("  ".join(value.ljust(w) for value, w in zip(row, widths)))
PY
