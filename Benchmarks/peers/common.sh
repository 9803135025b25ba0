# Shared by the peer benchmarks (run_insteval.sh, run_nested.sh, run_bayes.sh); sourced, not run.
# Expects $root (the repository). Sourcing exports OPENBLAS_NUM_THREADS=1 and sets
#   marginal  the marginal binary: $MARGINAL, or .build/release/marginal
#   cache     where simulated CSVs are kept: $MARGINAL_BENCH_CACHE, or $TMPDIR/marginal-bench

export OPENBLAS_NUM_THREADS=1
marginal=${MARGINAL:-$root/.build/release/marginal}
cache=${MARGINAL_BENCH_CACHE:-${TMPDIR:-/tmp}/marginal-bench}

# parse_options LINES NAME... -- ARG...: each `--NAME VALUE` among the ARGs sets $NAME to VALUE;
# -h or --help prints lines LINES (as sed -n takes them, e.g. 2,20) of the script and exits;
# anything else is an error (exit status 2). (Its locals start with _ so no NAME is hidden.)
parse_options() {
  local _lines=$1 _names=() _name
  shift
  while [ "$1" != -- ]; do _names+=("$1"); shift; done
  shift
  while [ $# -gt 0 ]; do
    case "$1" in
      -h|--help) sed -n "${_lines}p" "$0"; exit 0 ;;
    esac
    _name=${1#--}
    if [ "$_name" = "$1" ] || [[ " ${_names[*]} " != *" $_name "* ]]; then
      echo "unknown argument: $1 (see --help)" >&2; exit 2
    fi
    printf -v "$_name" '%s' "$2"
    shift 2
  done
}

# Builds the release marginal when $marginal is missing and MARGINAL does not name one
# (a failed build is reported, not fatal).
build_marginal_if_missing() {
  if [ ! -x "$marginal" ] && [ -z "${MARGINAL:-}" ]; then
    echo "building marginal (release)..." >&2
    (cd "$root" && swift build -c release --product marginal >&2) || echo "could not build marginal" >&2
  fi
}

# Whether `marginal --help` lists subcommand $1 (`marginal X --help` succeeds for any X).
has_marginal_command() {
  local help
  [ -x "$marginal" ] && help=$("$marginal" --help 2>/dev/null) || return 1
  grep -Eq "^[[:space:]]+$1([[:space:]]|\$)" <<<"$help"
}

# Whether Rscript is installed with lme4.
has_lme4() {
  command -v Rscript >/dev/null 2>&1 && Rscript -e 'quit(status = !requireNamespace("lme4", quietly = TRUE))' >/dev/null 2>&1
}

# make_work_dir NAME: sets $work to a new temporary folder, removed when the script exits.
make_work_dir() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  trap 'rm -rf "$work"' EXIT
}

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

# timing_table plain|markdown LABEL...: prints the table of the runs that run_timed kept in $work,
# a row for each line of standard input: NAME (run_timed's) TAB the cells of the LABEL columns,
# tab-separated, the first of them the tool (marginal or lme4), which says where its JSON keeps
# the fit-only seconds and the criterion. Then come the median fit-only and process seconds of
# the runs, the largest peak memory, and the REML criterion and evaluations of the last run
# ("-" for what no run gave). plain: columns two spaces apart; markdown: a GitHub table (with
# `|` escaped in every cell).
timing_table() {
  python3 -c "$timing_table_py" "$work" "$runs" "$@"
}
IFS= read -r -d '' timing_table_py <<'PY' || true
import json, statistics, sys, pathlib
work, runs, style, labels = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:]

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
for entry in sys.stdin.read().splitlines():
    name, *cells = entry.split("\t")
    fit_keys, objective_keys = keys[cells[0]]
    walls, peaks, fits, objective, evaluations = [], [], [], None, None
    for k in range(1, runs + 1):
        time_file, json_file = work / f"{name}.{k}.time", work / f"{name}.{k}.json"
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
        *cells,
        f"{statistics.median(fits):.3f}" if fits else "-",
        f"{statistics.median(walls):.2f}" if walls else "-",
        f"{max(peaks):.0f}" if peaks else "-",
        f"{objective:.6f}" if objective is not None else "-",
        f"{evaluations:.0f}" if evaluations is not None else "-",
    ))

header = (*labels, "fit s (median)", "process s (median)", "peak MiB", "REML criterion", "evaluations")
if style == "markdown":
    rows = [tuple(value.replace("|", "\\|") for value in row) for row in rows]   # GitHub tables need \| even in code
widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
if style == "markdown":
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(value.ljust(w) for value, w in zip(row, widths)) + " |")
else:
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(value.ljust(w) for value, w in zip(row, widths)))
PY
