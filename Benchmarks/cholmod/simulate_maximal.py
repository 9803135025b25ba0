#!/usr/bin/env python3
"""A maximal 8x8 + 8x8 crossed design for (1 + a*b*c | subj) + (1 + a*b*c | item) (numpy, seeded).

56 subjects x 32 items, every subject sees every item once (1,792 rows, complete crossing), in
one of 8 conditions of three two-level factors a, b, c coded -0.5 / +0.5 (condition =
(subject + item) mod 8, a Latin square, so every condition varies within subjects and items).
y = X beta + Z_subj u + Z_item w + e with 8 effects per subject and per item: SDs 1, 0.5, 0.4,
0.3, 0.3, 0.2, 0.2, 0.1 (subject) and 0.8, 0.4, 0.3, 0.3, 0.2, 0.2, 0.1, 0.1 (item),
correlations 0.3 (equicorrelated), sigma 1. Columns: y, a, b, c, subj, item.
Not the data of the README's 8x8 figures (no simulator for them is in the repository).
Usage: python3 simulate_maximal.py [--seed N] --out FILE
"""
import argparse
import numpy as np

p = argparse.ArgumentParser()
p.add_argument("--seed", type=int, default=1)
p.add_argument("--out", required=True)
args = p.parse_args()
rng = np.random.default_rng(args.seed)
S, I = 56, 32
subj = np.repeat(np.arange(S), I)
item = np.tile(np.arange(I), S)
cond = (subj + item) % 8
a = np.where(cond & 1, 0.5, -0.5); b = np.where(cond & 2, 0.5, -0.5); c = np.where(cond & 4, 0.5, -0.5)
X = np.column_stack([np.ones_like(a), a, b, c, a * b, a * c, b * c, a * b * c])
def cov(sd):
    R = np.full((8, 8), 0.3); np.fill_diagonal(R, 1.0)
    return np.outer(sd, sd) * R
U = rng.multivariate_normal(np.zeros(8), cov(np.array([1, .5, .4, .3, .3, .2, .2, .1])), S)
W = rng.multivariate_normal(np.zeros(8), cov(np.array([.8, .4, .3, .3, .2, .2, .1, .1])), I)
beta = np.array([2.0, 0.5, -0.3, 0.2, 0.1, 0.0, -0.1, 0.05])
y = X @ beta + np.einsum("ij,ij->i", X, U[subj]) + np.einsum("ij,ij->i", X, W[item]) + rng.normal(0, 1, S * I)
with open(args.out, "w") as f:
    f.write("y,a,b,c,subj,item\n")
    for k in range(S * I):
        f.write(f"{y[k]:.6f},{a[k]},{b[k]},{c[k]},s{subj[k] + 1},i{item[k] + 1}\n")
