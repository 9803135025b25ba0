"""Reference values for Tests/MarginalTests/Sampling/DiagnosticsTests.swift.

Builds a few fixed draw matrices (chains x draws) with numpy and computes their convergence
diagnostics with ArviZ, whose rank-normalized R-hat, bulk/tail ESS and MCSE of the mean follow
Vehtari et al. (2021) like the R package `posterior`. Writes diagnostics_reference.json next
to this script (floats at full precision, so the draws round-trip exactly).

    python3 -m venv /tmp/arviz-venv && /tmp/arviz-venv/bin/pip install arviz==0.23.4
    /tmp/arviz-venv/bin/python make_diagnostics_reference.py

Made with arviz 0.23.4, numpy 2.4.6, scipy 1.17.1.
"""

import json
import os

import arviz as az
import numpy as np
from scipy.special import ndtri


def ar1(rng, chains, draws, phi, offsets=None):
    x = np.zeros((chains, draws))
    for c in range(chains):
        value = rng.normal() / np.sqrt(1 - phi * phi)
        for t in range(draws):
            value = phi * value + rng.normal()
            x[c, t] = value
        if offsets is not None:
            x[c] += offsets[c]
    return x


def reference(name, draws):
    draws = np.asarray(draws, dtype=float)
    return {
        "name": name,
        "draws": draws.tolist(),
        "rhat": float(az.rhat(draws, method="rank")),
        "rhat_bulk": float(az.rhat(draws, method="z_scale")),
        "rhat_basic": float(az.rhat(draws, method="split")),
        "ess_bulk": float(az.ess(draws, method="bulk")),
        "ess_tail": float(az.ess(draws, method="tail")),
        "ess_mean": float(az.ess(draws, method="mean")),
        "ess_q05": float(az.ess(draws, method="quantile", prob=0.05)),
        "ess_q95": float(az.ess(draws, method="quantile", prob=0.95)),
        "mcse_mean": float(az.mcse(draws, method="mean")),
        "mean": float(np.mean(draws)),
        "sd": float(np.std(draws, ddof=1)),
        "q5": float(np.quantile(draws, 0.05)),
        "q50": float(np.quantile(draws, 0.5)),
        "q95": float(np.quantile(draws, 0.95)),
        "bfmi": [float(v) for v in az.bfmi(draws)],
    }


def main():
    rng = np.random.default_rng(20240601)
    cases = [
        # A persistent AR(1) series: ESS well below the number of draws.
        reference("ar1", ar1(rng, 4, 200, 0.7)),
        # Skewed: exp of an AR(1), so rank normalization matters.
        reference("skewed", np.exp(ar1(rng, 4, 200, 0.5))),
        # Antithetic AR(1): ESS above the number of draws, near the N log10 N cap.
        reference("antithetic", ar1(rng, 4, 200, -0.6)),
        # Chains centred at different places: R-hat well above 1.
        reference("shifted", ar1(rng, 4, 200, 0.3, offsets=[0.0, 0.0, 0.5, 1.5])),
        # Values rounded to one decimal: many ties in the ranks.
        reference("ties", np.round(ar1(rng, 2, 60, 0.4), 1)),
    ]
    probabilities = [1e-300, 1e-20, 1e-12, 1e-5, 0.01, 0.05, 0.075, 0.2, 0.5, 0.7, 0.925,
                     0.95, 0.999, 1 - 1e-12]
    out = {
        "cases": cases,
        "normal_quantile": {"p": probabilities, "z": [float(ndtri(p)) for p in probabilities]},
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "diagnostics_reference.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
