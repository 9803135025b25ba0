#!/usr/bin/env bash
# One epoch of the published ALADYN objective (loss + gradient over all individuals), PyTorch
# (aladyn_torch.py, float32 as published) and Marginal (../AladynEpoch, float64) in the same run,
# medians of --repeats evaluations, OPENBLAS_NUM_THREADS=1, the load average printed by each.
#
# Usage: run_aladyn.sh [--N 1000] [--D 50] [--T 52] [--K 5] [--P 20] [--repeats 11]
# Needs python3 with torch and numpy; builds AladynEpoch (release) in Benchmarks/ if needed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/Benchmarks/peers/common.sh"
N=1000 D=50 T=52 K=5 P=20 repeats=11
parse_options 2,7 N D T K P repeats -- "$@"
epoch="$root/Benchmarks/.build/release/AladynEpoch"
if [ ! -x "$epoch" ]; then
  (cd "$root/Benchmarks" && swift build -c release --product AladynEpoch >&2)
fi
sizes=(--N "$N" --D "$D" --T "$T" --K "$K" --P "$P" --repeats "$repeats")
uptime
python3 "$root/Benchmarks/peers/aladyn_torch.py" time "${sizes[@]}" --threads 1
python3 "$root/Benchmarks/peers/aladyn_torch.py" time "${sizes[@]}" --threads 2
"$epoch" "${sizes[@]}" --threads 1
"$epoch" "${sizes[@]}" --threads 2
