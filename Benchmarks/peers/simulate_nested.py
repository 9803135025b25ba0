#!/usr/bin/env python3
"""Writes a CSV for the nested-design benchmark (numpy only, seeded).

Pupils in classes in schools in regions:
    y = 1 + 0.5 x + b_school + c_school x + b_class + b_region + e
    b_school ~ N(0, 1), c_school ~ N(0, 0.3^2), b_class ~ N(0, 0.7^2), b_region ~ N(0, 0.5^2),
    e ~ N(0, 1), x ~ N(0, 1); b_school and c_school independent.
Defaults: 10,000 schools x 5 classes x 6 pupils = 300,000 rows, 100 regions. Schools are split
into contiguous, equal (to within one) blocks, one block per region, so schools are nested in
regions. Labels are unique across the whole file: region "r17", school "s123", class "s123c4"
(class numbered within its school). Columns: y, x, school, class, region; y and x are rounded to
6 decimals. The same arguments always give the same file (numpy's PCG64, default_rng(seed)).

Usage: python3 Benchmarks/peers/simulate_nested.py [--schools N] [--classes N] [--pupils N]
                                                   [--regions N] [--seed N] [--out FILE]
"""
import argparse
import sys

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", type=int, default=10_000, help="number of schools (default 10000)")
    parser.add_argument("--classes", type=int, default=5, help="classes per school (default 5)")
    parser.add_argument("--pupils", type=int, default=6, help="pupils per class (default 6)")
    parser.add_argument("--regions", type=int, default=100, help="number of regions (default 100)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", default="-", help="output CSV (default: standard output)")
    args = parser.parse_args()
    if min(args.schools, args.classes, args.pupils, args.regions) < 1:
        parser.error("sizes must be positive")
    if args.regions > args.schools:
        parser.error("--regions must not exceed --schools")

    rng = np.random.default_rng(args.seed)
    n_schools, n_classes, n_pupils, n_regions = args.schools, args.classes, args.pupils, args.regions
    n_class_total = n_schools * n_classes
    n = n_class_total * n_pupils

    # Random effects, drawn in a fixed order.
    b_region = rng.normal(0.0, 0.5, n_regions)
    b_school = rng.normal(0.0, 1.0, n_schools)
    c_school = rng.normal(0.0, 0.3, n_schools)
    b_class = rng.normal(0.0, 0.7, n_class_total)
    x = rng.normal(0.0, 1.0, n)
    e = rng.normal(0.0, 1.0, n)

    school_of_school = np.arange(n_schools)
    region_of_school = school_of_school * n_regions // n_schools   # contiguous blocks
    class_index = np.repeat(np.arange(n_class_total), n_pupils)   # row -> class (global index)
    school = class_index // n_classes                               # row -> school
    class_in_school = class_index % n_classes                       # row -> class within school
    region = region_of_school[school]                               # row -> region

    y = 1.0 + 0.5 * x + b_school[school] + c_school[school] * x + b_class[class_index] + b_region[region] + e
    x = np.round(x, 6)
    y = np.round(y, 6)

    school_labels = np.char.add("s", np.arange(1, n_schools + 1).astype(str))
    region_labels = np.char.add("r", np.arange(1, n_regions + 1).astype(str))
    class_labels = np.char.add(np.repeat(school_labels, n_classes),
                               np.char.add("c", np.tile(np.arange(1, n_classes + 1).astype(str), n_schools)))

    out = sys.stdout if args.out == "-" else open(args.out, "w", newline="")
    try:
        out.write("y,x,school,class,region\n")
        chunk = 100_000
        for start in range(0, n, chunk):
            stop = min(start + chunk, n)
            rows = zip((f"{v:.6f}" for v in y[start:stop]), (f"{v:.6f}" for v in x[start:stop]),
                       school_labels[school[start:stop]], class_labels[class_index[start:stop]],
                       region_labels[region[start:stop]])
            out.write("".join(f"{a},{b},{c},{d},{r}\n" for a, b, c, d, r in rows))
    finally:
        if out is not sys.stdout:
            out.close()
    if args.out != "-":
        print(f"wrote {args.out}: {n} rows, {n_schools} schools x {n_classes} classes x {n_pupils} pupils, "
              f"{n_regions} regions (seed {args.seed})", file=sys.stderr)


if __name__ == "__main__":
    main()
