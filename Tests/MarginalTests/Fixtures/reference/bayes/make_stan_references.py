#!/usr/bin/env python3
"""Long Stan reference runs for Marginal's Bayesian GLMM posterior means (issue 13).

For each model, runs Benchmarks/peers/stan_glmm.py (PyStan 3, the brms-style non-centred model
with Marginal's default GLMM priors: see Benchmarks/peers/glmm_common.py) with 4 chains x
(1,000 warmup + 10,000 draws), seed 20261205, and writes MODEL_stan.json here: for each global
parameter (b[...] and sd[g][(Intercept)], Marginal's names) the posterior mean, its Monte Carlo
standard error (arviz.mcse, method "mean"), the posterior SD, bulk/tail ESS and R-hat, with the
command, versions, divergences and timings. A test compares Marginal's posterior means with
these: z = (mean_marginal - mean_stan) / sqrt(mcse_marginal^2 + mcse_stan^2), |z| <= 4.

Usage (from the repository root, with pystan 3, arviz, pandas):
  python3 Tests/MarginalTests/Fixtures/reference/bayes/make_stan_references.py [MODEL...]
      [--from FULL.json]   (reuse a stan_glmm.py output instead of running it; one MODEL)
MODEL: cbpp, verbagg (default: both).
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", "..", ".."))
PEER = os.path.join("Benchmarks", "peers", "stan_glmm.py")
SETTINGS = ["--chains", "4", "--warmup", "1000", "--draws", "10000", "--seed", "20261205"]

args = sys.argv[1:]
source = None
if "--from" in args:
    i = args.index("--from")
    source = args[i + 1]
    del args[i:i + 2]
models = args or ["cbpp", "verbagg"]
for model in models:
    command = ["python3", PEER, "--model", model, *SETTINGS]
    if source:
        full = json.load(open(source))
    else:
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            subprocess.run(command + ["--output", out.name], cwd=ROOT, check=True)
            full = json.load(open(out.name))
    assert full["model"] == model and full["draws"] == 10000 and full["chains"] == 4
    reference = dict(
        model=model, formula=full["formula"],
        data=os.path.relpath(full["csv"], ROOT) if full["csv"].startswith(ROOT) else full["csv"],
        tool=f"Stan 2.35 via PyStan {full.get('pystan')} / httpstan {full.get('httpstan')}",
        parameterization=full["parameterization"], priors=full["priors"],
        command=" ".join(command + ["--output", "FULL.json"]),
        script="Tests/MarginalTests/Fixtures/reference/bayes/make_stan_references.py",
        chains=full["chains"], warmup=full["warmup"], draws=full["draws"], seed=full["seed"],
        divergences=full["divergences"], maxRhat=full["maxRhat"], minEssBulk=full["minEssBulk"],
        seconds=round(full["seconds"], 1),
        comparison="|mean_marginal - mean| / sqrt(mcse_marginal^2 + mcse^2) <= 4",
        parameters=[{k: p[k] for k in ("name", "mean", "mcse", "sd", "essBulk", "essTail", "rhat")}
                    for p in full["parameters"]])
    path = os.path.join(HERE, f"{model}_stan.json")
    with open(path, "w") as f:
        json.dump(reference, f, indent=1)
        f.write("\n")
    print(f"wrote {path}")
