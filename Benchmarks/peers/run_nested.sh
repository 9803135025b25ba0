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
runs=3
seed=1
schools=10000
classes=5
pupils=6
regions=100
tools=marginal,lme4
csv=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --schools) schools=$2; shift 2 ;;
    --classes) classes=$2; shift 2 ;;
    --pupils) pupils=$2; shift 2 ;;
    --regions) regions=$2; shift 2 ;;
    --tools) tools=$2; shift 2 ;;
    --csv) csv=$2; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
wants() { [[ ",$tools," == *",$1,"* ]]; }

export OPENBLAS_NUM_THREADS=1
formulas=(
  'y ~ 1 + x + (1 | school/class)'
  'y ~ 1 + x + (1 + x | school) + (1 | school:class)'
  'y ~ 1 + x + (1 | region/school/class)'
)
marginal=${MARGINAL:-$root/.build/release/marginal}
fit_flags=${MARGINAL_FIT_FLAGS:-"--factor school --factor class --factor region --json"}
cache=${MARGINAL_BENCH_CACHE:-${TMPDIR:-/tmp}/marginal-bench}
work=$(mktemp -d "${TMPDIR:-/tmp}/run_nested.XXXXXX")
trap 'rm -rf "$work"' EXIT

if wants marginal && [ ! -x "$marginal" ] && [ -z "${MARGINAL:-}" ]; then
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
  csv="$cache/nested-schools$schools-classes$classes-pupils$pupils-regions$regions-seed$seed.csv"
  if [ ! -s "$csv" ]; then
    python3 "$here/simulate_nested.py" --schools "$schools" --classes "$classes" --pupils "$pupils" \
      --regions "$regions" --seed "$seed" --out "$csv.tmp" && mv "$csv.tmp" "$csv"
  fi
fi
echo "data: $csv ($(($(wc -l <"$csv") - 1)) rows), $runs run(s) per tool and formula, OPENBLAS_NUM_THREADS=1" >&2

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
  if command -v Rscript >/dev/null 2>&1 && Rscript -e 'quit(status = !requireNamespace("lme4", quietly = TRUE))' >/dev/null 2>&1; then
    have_lme4=1
  else
    echo "Rscript with lme4 is not installed: its rows are left empty" >&2
  fi
fi

for i in "${!formulas[@]}"; do
  formula=${formulas[$i]}
  printf '%s\n' "$formula" >"$work/formula.$i"
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

python3 - "$work" "$runs" "${#formulas[@]}" "$tools" <<'PY'
import json, statistics, sys, pathlib
work, runs, n_formulas = pathlib.Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
tools = sys.argv[4].split(",")

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
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, list) and value and isinstance(value[0], (int, float)):
            return float(statistics.median(value))
    return None

keys = {
    "marginal": (["fit_seconds", "seconds", "elapsed_seconds"], ["reml_criterion", "objective", "deviance"]),
    "lme4": (["fit_seconds_median"], ["reml_criterion"]),
}
rows = []
for i in range(n_formulas):
    formula = (work / f"formula.{i}").read_text().strip()
    for tool in ("marginal", "lme4"):
        if tool not in tools:
            continue
        fit_keys, objective_keys = keys[tool]
        walls, peaks, fits, objective, evaluations = [], [], [], None, None
        for k in range(1, runs + 1):
            time_file, json_file = work / f"{tool}.{i}.{k}.time", work / f"{tool}.{i}.{k}.json"
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
            "`" + formula.replace("|", "\\|") + "`",   # GitHub tables need \| even in code
            f"{statistics.median(fits):.3f}" if fits else "-",
            f"{statistics.median(walls):.2f}" if walls else "-",
            f"{max(peaks):.0f}" if peaks else "-",
            f"{objective:.6f}" if objective is not None else "-",
            f"{evaluations:.0f}" if evaluations is not None else "-",
        ))

header = ("tool", "formula", "fit s (median)", "process s (median)", "peak MiB", "REML criterion", "evaluations")
widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
for row in rows:
    print("| " + " | ".join(value.ljust(w) for value, w in zip(row, widths)) + " |")
PY
