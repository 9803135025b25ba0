"""Writes Examples/nested.csv: 144 pupils in 4 regions x 3 schools x 3 classes, a rater crossed
with everything, prior weights w and an offset off (numpy, seeded). Run from the repository root."""
import numpy as np

rng = np.random.default_rng(7)
rows = []
for r in range(4):
    ur = rng.normal(0, 0.8)
    for s in range(3):
        us = rng.normal(0, 1.0); vs = rng.normal(0, 0.4)
        for c in range(3):
            uc = rng.normal(0, 0.7)
            for p in range(4):
                i = len(rows)
                x = rng.normal()
                rater = rng.integers(5)
                w = [0.5, 1.0, 1.5, 2.5][(i * 7) % 4]
                off = round(0.3 * np.sin(i / 5.0), 6)
                y = 2 + 0.5 * x + ur + us + vs * x + uc + 0.6 * (rater - 2) / 2 + off + rng.normal(0, 1 / np.sqrt(w))
                rows.append((round(y, 6), round(x, 6), f"r{r+1}", f"r{r+1}s{s+1}", f"r{r+1}s{s+1}c{c+1}", f"k{rater+1}", w, off))
with open("Examples/nested.csv", "w") as f:
    f.write("y,x,region,school,class,rater,w,off\n")
    for row in rows:
        f.write(",".join(str(v) for v in row) + "\n")
