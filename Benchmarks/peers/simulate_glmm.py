#!/usr/bin/env python3
"""Simulates the generalized linear mixed model benchmark designs (issue 12) as CSV.

bernoulli: y ~ 1 + x1 + x2 + x3 + (1 | g1) + (1 | g2), logit link, crossed random intercepts
           (SDs 0.8 and 0.5) on --levels1 and --levels2 levels, --rows rows.
poisson:   y ~ 1 + x + (1 + x | g), log link, a random intercept and slope (SDs 0.5, 0.2,
           correlation 0.3) on --levels1 groups.

Usage: simulate_glmm.py bernoulli|poisson OUT.csv [--rows N] [--levels1 N] [--levels2 N] [--seed N]
"""
import argparse
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("kind", choices=["bernoulli", "poisson"])
parser.add_argument("out")
parser.add_argument("--rows", type=int, default=200_000)
parser.add_argument("--levels1", type=int, default=5_000)
parser.add_argument("--levels2", type=int, default=500)
parser.add_argument("--seed", type=int, default=1)
args = parser.parse_args()
rng = np.random.default_rng(args.seed)
n = args.rows
g1 = rng.integers(0, args.levels1, n)
if args.kind == "bernoulli":
    g2 = rng.integers(0, args.levels2, n)
    x = rng.normal(size=(n, 3))
    eta = -0.5 + x @ np.array([0.4, -0.3, 0.2]) + rng.normal(0, 0.8, args.levels1)[g1] + rng.normal(0, 0.5, args.levels2)[g2]
    y = rng.random(n) < 1 / (1 + np.exp(-eta))
    columns = {"y": y.astype(int), "x1": x[:, 0], "x2": x[:, 1], "x3": x[:, 2], "g1": [f"a{v}" for v in g1], "g2": [f"b{v}" for v in g2]}
else:
    x = rng.normal(size=n)
    cov = np.array([[0.25, 0.3 * 0.5 * 0.2], [0.3 * 0.5 * 0.2, 0.04]])
    b = rng.multivariate_normal([0, 0], cov, args.levels1)
    eta = 0.5 + 0.3 * x + b[g1, 0] + b[g1, 1] * x
    y = rng.poisson(np.exp(eta))
    columns = {"y": y, "x": x, "g": [f"g{v}" for v in g1]}
with open(args.out, "w") as f:
    names = list(columns)
    f.write(",".join(names) + "\n")
    for i in range(n):
        f.write(",".join(str(columns[c][i]) if not isinstance(columns[c][i], float) else f"{columns[c][i]:.10g}" for c in names) + "\n")
