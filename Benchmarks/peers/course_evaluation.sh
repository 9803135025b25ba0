#!/usr/bin/env bash
# The course-evaluation experiment of Lai, Domke & Sheldon (NeurIPS 2024, arXiv 2410.24079) on an
# InstEval-shaped design (73,421 rows; 2,972 students, 1,128 lecturers, 28 departments):
#   y = α + β·service + u_s + u_d + u_dept + ε,  random-effect SDs fixed at 1,
#   α ~ N(0, 5), β ~ N(0, 1), σ ~ half-normal(1),
# every random effect integrated out by the known-covariance (eigen) route, one NUTS chain of
# 10,000 warmup + 100,000 draws, and a draw of every random effect for every posterior draw.
# The paper reports 631 s on an NVIDIA A40 GPU.
#
# Usage: Benchmarks/peers/course_evaluation.sh [CourseEvaluation options]
#   e.g. --precision single, --rows 20000 --warmup 1000 --draws 10000, --json FILE
# Environment:
#   COURSE_EVALUATION  the executable (default: built in release from Benchmarks/)
#   SCRATCH            the build folder for that build (default: Benchmarks/.build)
#
# Prints the program's report (set-up, sampling and recovery wall and CPU seconds; ESS of α, β, σ),
# then /usr/bin/time's whole-process wall time, CPU time and peak memory, and the load average
# (the machine is shared: compare CPU seconds when the load is high).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
benchmarks=$(cd "$here/.." && pwd)
scratch=${SCRATCH:-$benchmarks/.build}
program=${COURSE_EVALUATION:-$scratch/release/CourseEvaluation}

if [ -z "${COURSE_EVALUATION:-}" ]; then
  echo "building CourseEvaluation (release)..." >&2
  (cd "$benchmarks" && swift build -c release --product CourseEvaluation --scratch-path "$scratch" >&2)
fi

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
timing=$(mktemp "${TMPDIR:-/tmp}/course_evaluation.XXXXXX")
trap 'rm -f "$timing"' EXIT
/usr/bin/time -v -o "$timing" "$program" "$@"
echo
echo "whole process (/usr/bin/time):"
grep -E "Elapsed \(wall clock\)|User time|System time|Maximum resident" "$timing" | sed 's/^[[:space:]]*/  /'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
