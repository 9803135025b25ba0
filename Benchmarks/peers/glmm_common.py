"""Shared by the Bayesian GLMM peers (stan_glmm.py, numpyro_glmm.py): the models, the data as
Marginal sees them, Marginal's default GLMM priors, and the JSON summary.

Models (binomial, logit link, scalar random intercepts, any number of grouping classes):
  cbpp          cbind(incidence, size - incidence) ~ period + (1 | herd)      Examples/cbpp.csv
  verbagg       r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)    Examples/VerbAgg.csv
                (r2 "Y" = 1, "N" = 0, as glmer codes the second level as success)
  bernoulli200k y ~ x1 + x2 + x3 + (1 | g1) + (1 | g2)                        simulate_glmm.py
                (200,000 rows, 5,000 x 500 crossed levels, seed 1)

The fixed-effect design is R's model.matrix with treatment contrasts: an intercept column, a
numeric column as it is, a factor (a string column, or one named in `factors`) as one 0/1
column per level after the first, levels sorted as R's factor() sorts them, named
column + level (period2, GenderM, btypescold, situself): the names Marginal's JSON uses,
b[(Intercept)], b[period2], ..., and sd[herd][(Intercept)] for each SD.

Priors: exactly Marginal's defaults for a binomial/Poisson GLMM
(Sources/Marginal/Bayesian/GeneralizedPriors.swift):
  b[(Intercept)]        ~ student-t(3, 0, 2.5)           on b0 itself (NOT the centred intercept:
                                                          unlike its LMM priors, Marginal's GLMM
                                                          intercept prior is on the coefficient
                                                          of the column of ones)
  b[x]                  ~ normal(0, 2.5 / sd(x))          sd(x) the sample SD (n - 1) of that
                                                          column of the model matrix, over the
                                                          rows of the data (56 for cbpp, not the
                                                          842 animals); if sd(x) is 0, max|x|,
                                                          and 1 if that is 0 too
  sd[g][(Intercept)]    ~ half-student-t(3, 0, 2.5)       each SD
Both peers sample brms's parameterization: the fixed effects of the centred columns,
Xc = X[:, 1:] - colmeans, and the centred intercept a = b0 + colmeans . b (the linear predictor
is unchanged: X b = a + Xc b). b0 = a - colmeans . b is a linear map with unit Jacobian, so
putting the student-t prior on b0 computed from (a, b) is the same prior as Marginal's on b0:
the same posterior, only the coordinates NUTS moves in differ (as brms does). Random
intercepts are non-centred, u_g = sd_g * z_g with z_g ~ N(0, I), as brms.
"""
import json
import math
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CACHE = os.environ.get("MARGINAL_BENCH_CACHE") or os.path.join(
    os.environ.get("TMPDIR", "/tmp"), "marginal-bench")

MODELS = {
    "cbpp": dict(
        formula="cbind(incidence, size - incidence) ~ period + (1 | herd)",
        successes="incidence", trials="size", fixed=["period"], factors=["period"],
        classes=["herd"], csv=os.path.join(ROOT, "Examples", "cbpp.csv")),
    "verbagg": dict(
        formula="r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)",
        response="r2", success="Y", fixed=["Anger", "Gender", "btype", "situ"], factors=[],
        classes=["id", "item"], csv=os.path.join(ROOT, "Examples", "VerbAgg.csv")),
    "bernoulli200k": dict(
        formula="y ~ x1 + x2 + x3 + (1 | g1) + (1 | g2)",
        response="y", success=None, fixed=["x1", "x2", "x3"], factors=[],
        classes=["g1", "g2"], csv=os.path.join(CACHE, "glmm-bernoulli-200000-5000-500-1.csv")),
}


def r_sd(values):
    """Sample SD with n - 1, as Marginal's MixedModelPriors.standardDeviation."""
    values = np.asarray(values, float)
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def load(name, csv=None):
    """The model's data: y, trials, X (with names), group indices, priors. Rows kept in file order."""
    import pandas as pd
    spec = MODELS[name]
    csv = csv or spec["csv"]
    if not os.path.exists(csv):
        raise SystemExit(f"{csv} does not exist (bernoulli200k: python3 Benchmarks/peers/"
                         f"simulate_glmm.py bernoulli {csv})")
    frame = pd.read_csv(csv, dtype={c: str for c in spec["classes"] + spec["factors"]})
    if "successes" in spec:
        y = frame[spec["successes"]].to_numpy(int)
        trials = frame[spec["trials"]].to_numpy(int)
    else:
        column = frame[spec["response"]]
        y = ((column.astype(str) == spec["success"]) if spec["success"] else column).to_numpy(int)
        trials = np.ones(len(y), int)
    columns, names = [np.ones(len(y))], ["(Intercept)"]
    for c in spec["fixed"]:
        values = frame[c]
        if c in spec["factors"] or values.dtype == object or str(values.dtype) == "str" \
                or str(values.dtype).startswith("string"):
            levels = sorted(values.astype(str).unique())
            for level in levels[1:]:
                columns.append((values.astype(str) == level).to_numpy(float))
                names.append(f"{c}{level}")
        else:
            columns.append(values.to_numpy(float))
            names.append(c)
    x = np.column_stack(columns)
    scales = []
    for j in range(1, x.shape[1]):
        sd = r_sd(x[:, j])
        if not sd > 0:
            sd = float(np.max(np.abs(x[:, j]))) if len(x) else 1.0
        if not sd > 0:
            sd = 1.0
        scales.append(2.5 / sd)
    groups = []
    for g in spec["classes"]:
        codes, levels = pd.factorize(frame[g], sort=True)
        groups.append(dict(name=g, index=codes.astype(int), levels=len(levels)))
    return dict(model=name, formula=spec["formula"], csv=csv, y=y, trials=trials, x=x,
                names=names, means=x[:, 1:].mean(axis=0), slope_scales=np.array(scales),
                groups=groups)


def global_names(data):
    return [f"b[{n}]" for n in data["names"]] + \
        [f"sd[{g['name']}][(Intercept)]" for g in data["groups"]]


def summarize(draws):
    """name -> (chains x draws) array: mean, sd, bulk/tail ESS, R-hat and MCSE of the mean."""
    import arviz
    parameters = []
    for name, values in draws.items():
        values = np.asarray(values, float)
        parameters.append(dict(
            name=name, mean=float(values.mean()), sd=float(values.std(ddof=1)),
            mcse=float(arviz.mcse(values, method="mean")),
            essBulk=float(arviz.ess(values, method="bulk")),
            essTail=float(arviz.ess(values, method="tail")),
            rhat=float(arviz.rhat(values))))
    return parameters


def result_json(tool, data, args, parameters, seconds, compile_seconds, **extra):
    """The common JSON of one peer run."""
    weakest = min(parameters, key=lambda p: p["essBulk"])
    out = dict(
        tool=tool, model=data["model"], formula=data["formula"], csv=data["csv"],
        rows=int(len(data["y"])), fixedEffects=data["names"],
        levels={g["name"]: g["levels"] for g in data["groups"]},
        priors=dict(
            intercept="student_t(3, 0, 2.5) on b[(Intercept)] itself",
            slopes={f"b[{n}]": f"normal(0, {s:.6g})" for n, s in
                    zip(data["names"][1:], data["slope_scales"])},
            sds="half-student_t(3, 0, 2.5)"),
        chains=args.chains, warmup=args.warmup, draws=args.draws, seed=args.seed,
        seconds=seconds, compileSeconds=compile_seconds,
        minEssBulk=weakest["essBulk"], minEssParameter=weakest["name"],
        essPerSecond=weakest["essBulk"] / seconds if seconds > 0 else None,
        maxRhat=max(p["rhat"] for p in parameters),
        loadAverage=extra.pop("loadAverage", None),
        **extra,
        parameters=parameters)
    return out


def dump(result, path=None):
    text = json.dumps(result, indent=1, default=lambda v: v.tolist() if hasattr(v, "tolist") else
                      (None if isinstance(v, float) and math.isnan(v) else str(v)))
    if path:
        with open(path, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
