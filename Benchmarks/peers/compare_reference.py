#!/usr/bin/env python3
"""Compares the posterior means of a Bayesian run (a `marginal sample --json` output, or a
stan_glmm.py / numpyro_glmm.py JSON) with a long Stan reference run
(Tests/MarginalTests/Fixtures/reference/bayes/MODEL_stan.json):
    z = (mean - mean_ref) / sqrt(mcse^2 + mcse_ref^2)   for each global parameter in both.

Usage: compare_reference.py RUN.json REFERENCE.json [--limit 4]
Prints one line per parameter and exits with status 1 if some |z| exceeds the limit.
"""
import json
import sys

args = [a for a in sys.argv[1:]]
limit = 4.0
if "--limit" in args:
    i = args.index("--limit")
    limit = float(args[i + 1])
    del args[i:i + 2]
run, reference = (json.load(open(path)) for path in args[:2])
ref = {p["name"]: p for p in reference["parameters"]}
worst = 0.0
for p in run["parameters"]:
    q = ref.get(p["name"])
    if q is None or p.get("mcse") is None:
        continue
    z = (p["mean"] - q["mean"]) / (p["mcse"] ** 2 + q["mcse"] ** 2) ** 0.5
    worst = max(worst, abs(z))
    print(f"{p['name']:32s} {p['mean']:12.5f} {q['mean']:12.5f}  z = {z:+.2f}")
print(f"max |z| = {worst:.2f} (limit {limit:g})")
sys.exit(1 if worst > limit else 0)
