#!/usr/bin/env bash
# Runs each fuzz target (built by Fuzz/build.sh) on its corpus, one after the other.
#   Fuzz/run.sh runs N      N executions each, fixed seed (the short run of `make test`)
#   Fuzz/run.sh seconds N   N seconds each (`make fuzz FUZZ_SECONDS=N`)
# FUZZ_TARGETS=FormulaFuzz runs one target only. FUZZ_SANITIZE=fuzzer,address runs the
# AddressSanitizer build. The corpus grows in
# .build/fuzz/corpus/TARGET (shared by the builds), started from Fuzz/TARGET/seeds (and, for the
# CSV target, Examples/*.csv). A crash, a failed round trip or an input slower than 10 s stops
# the run with a non-zero status and leaves the input in .build/fuzz*/artifacts/; add it to
# Tests/MarginalTests/FuzzRegressionTests.swift once fixed. Prints each target's execution count.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:?usage: Fuzz/run.sh runs N | seconds N}
amount=${2:?usage: Fuzz/run.sh runs N | seconds N}
case "$mode" in
  runs) limit=(-runs="$amount" -seed=1) ;;
  seconds) limit=(-max_total_time="$amount") ;;
  *) echo "usage: Fuzz/run.sh runs N | seconds N" >&2; exit 2 ;;
esac

SANITIZE=${FUZZ_SANITIZE:-fuzzer}
# Swift runtime allocations that live until exit (globals, metadata) are not leaks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
OUT=.build/fuzz$( [ "$SANITIZE" = fuzzer ] || echo "-${SANITIZE#fuzzer,}" | tr , -)
mkdir -p "$OUT/artifacts"
status=0
total=0
for target in ${FUZZ_TARGETS:-CSVFuzz FormulaFuzz}; do
  corpus=.build/fuzz/corpus/$target
  mkdir -p "$corpus"
  cp -n Fuzz/$target/seeds/* "$corpus"/ 2>/dev/null || true
  extra=()
  case "$target" in
    CSVFuzz) cp -n Examples/*.csv "$corpus"/; extra=(-dict=Fuzz/CSVFuzz/csv.dict -max_len=12288) ;;
    FormulaFuzz) extra=(-dict=Fuzz/FormulaFuzz/formula.dict -max_len=4096) ;;
  esac
  log=$OUT/$target-$mode.log
  echo "fuzz: $target ($mode $amount)"
  set +e
  "$OUT/$target" "${limit[@]}" "${extra[@]}" -timeout=10 -rss_limit_mb=4096 -detect_leaks=0 -print_final_stats=1 \
    -artifact_prefix="$OUT/artifacts/$target-" "$corpus" >"$log" 2>&1
  code=$?
  set -e
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus_size=$(ls "$corpus" | wc -l)
  if [ "$code" -ne 0 ]; then
    echo "fuzz: $target FAILED (status $code); the log is $log:" >&2
    grep -v -E '^#[0-9]+' "$log" | tail -40 >&2
    status=1
  fi
  echo "fuzz: $target: ${executions:-?} executions, ${speed:-?} exec/s, corpus $corpus_size inputs"
  total=$((total + ${executions:-0}))
done
echo "fuzz: $total executions in total"
exit $status
