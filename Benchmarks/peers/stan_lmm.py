#!/usr/bin/env python3
"""Stan (PyStan 3) peer for Marginal's Bayesian LMM benchmark on the course-evaluation model
(issue 13): lme4's real InstEval data (instEval_export.R), 73,421 rows,
    y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept:service),
brms-style non-centred (every random effect sampled, u_g = sd_g * z_g, z_g ~ N(0, I)), NUTS with
Stan's defaults (diagonal metric, target acceptance 0.8, maximum depth 10); JSON with the timings
and the minimum bulk-ESS over the globals (b, sigma, the three SDs).

Usage: stan_lmm.py [--csv FILE] [--chains 4] [--warmup 1000] [--draws 1000] [--seed 1]
                   [--output FILE]
  default CSV: $MARGINAL_BENCH_CACHE/insteval-lme4.csv (Rscript Benchmarks/peers/instEval_export.R)

Priors: exactly Marginal's LMM defaults (Sources/Marginal/Densities/Priors/MixedModelPriors.swift),
with s_y = 2.5 * mad(y) (R's mad, 1.4826 x median absolute deviation; sd(y) if that is 0):
  b[(Intercept)]  student-t(3, median(y), s_y) on the intercept at the column means,
                  b0 + mean(service) * b[service]: that is brms's centred `Intercept`, which is
                  the coordinate Stan samples here (b0 = Intercept - mean(service) * b[service]
                  is reported as b[(Intercept)])
  b[service]      normal(0, 2.5 * sd(y) / sd(service))
  sigma, sd[...]  half-student-t(3, 0, s_y)
Marginal samples log sigma and log sd with their Jacobians; Stan's <lower=0> does the same.
The likelihood is Stan's `normal_id_glm` (one fused call, as brms generates) with the random
effects in the offset vector.

Timing as stan_glmm.py: `compileSeconds` is `stan.build`, `seconds` the wall time of
`posterior.sample` (warmup + sampling + PyStan reading the draws; chains in a process pool of
os.cpu_count() workers), gradientEvaluations the sum of n_leapfrog__ over warmup and sampling.
"""
import argparse
import contextlib
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import glmm_common  # noqa: E402

PROGRAM = """
data {
  int<lower=1> N;
  int<lower=0> K;
  matrix[N, K] Xc;                      // model-matrix columns but the intercept, centred
  vector[K] means;
  vector<lower=0>[K] slope_scale;       // 2.5 sd(y) / sd(x_j)
  real intercept_location;              // median(y)
  real<lower=0> scale;                  // 2.5 mad(y)
  vector[N] Y;
  int<lower=1> G;
  array[G] int<lower=1> J;
  array[G, N] int<lower=1> zindex;      // 1-based position of row n's effect of class g in z
}
transformed data {
  int Jtotal = sum(J);
}
parameters {
  real Intercept;
  vector[K] b;
  real<lower=0> sigma;
  vector<lower=0>[G] sd_g;
  vector[Jtotal] z;
}
model {
  vector[N] mu = rep_vector(Intercept, N);
  vector[Jtotal] scaled;
  {
    int start = 1;
    for (g in 1:G) {
      scaled[start:(start + J[g] - 1)] = sd_g[g] * z[start:(start + J[g] - 1)];
      start += J[g];
    }
  }
  for (g in 1:G) mu += scaled[zindex[g]];
  target += normal_id_glm_lupdf(Y | Xc, mu, b, sigma);
  target += student_t_lpdf(Intercept | 3, intercept_location, scale);
  target += normal_lpdf(b | 0, slope_scale);
  target += student_t_lpdf(sigma | 3, 0, scale);
  target += student_t_lpdf(sd_g | 3, 0, scale);
  target += std_normal_lpdf(z);
}
generated quantities {
  real b_Intercept = Intercept - dot_product(means, b);
}
"""

CLASSES = ["s", "d", "dept:service"]
FIXED = ["service"]
FORMULA = "y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept:service)"


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", default=os.path.join(glmm_common.CACHE, "insteval-lme4.csv"))
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", help="write the JSON here (default: standard output)")
    return parser.parse_args()


def r_mad(values):
    import numpy as np
    return 1.4826 * float(np.median(np.abs(values - np.median(values))))


def main():
    args = parse_arguments()
    import numpy as np
    import pandas as pd
    import stan
    import httpstan
    import httpstan.cache
    import httpstan.models

    if not os.path.exists(args.csv):
        sys.exit(f"{args.csv} does not exist: Rscript Benchmarks/peers/instEval_export.R")
    frame = pd.read_csv(args.csv, dtype={"s": str, "d": str, "dept": str})
    frame["dept:service"] = frame["dept"] + ":" + frame["service"].astype(str)
    y = frame["y"].to_numpy(float)
    x = frame[FIXED].to_numpy(float)
    sd_y = glmm_common.r_sd(y)
    mad = r_mad(y)
    if not mad > 0:
        mad = sd_y
    scale = 2.5 * mad
    slope_scales = []
    for j in range(x.shape[1]):
        sd_x = glmm_common.r_sd(x[:, j])
        if not sd_x > 0:
            sd_x = float(np.max(np.abs(x[:, j])))
        slope_scales.append(2.5 * sd_y / sd_x)
    means = x.mean(axis=0)
    groups, zindex, start = [], [], 1
    for g in CLASSES:
        codes, levels = pd.factorize(frame[g], sort=True)
        groups.append(dict(name=g, levels=len(levels)))
        zindex.append((codes + start).tolist())
        start += len(levels)
    stan_data = dict(
        N=len(y), K=x.shape[1], Xc=x - means, means=means, slope_scale=slope_scales,
        intercept_location=float(np.median(y)), scale=scale, Y=y,
        G=len(groups), J=[g["levels"] for g in groups], zindex=zindex)

    load_before = os.getloadavg()
    cached = httpstan.cache.model_directory(httpstan.models.calculate_model_name(PROGRAM)).is_dir()
    start_time = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):        # PyStan prints "Building..."
        posterior = stan.build(PROGRAM, data=stan_data, random_seed=args.seed)
    compile_seconds = time.perf_counter() - start_time
    start_time = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):
        fit = posterior.sample(num_chains=args.chains, num_warmup=args.warmup,
                               num_samples=args.draws, save_warmup=True)
    seconds = time.perf_counter() - start_time
    load_after = os.getloadavg()

    def draws_of(name):
        """(k, chains, warmup + draws): PyStan keeps (row, draw, chain) in fit._draws."""
        index = list(fit._parameter_indexes(name))
        return fit._draws[index, :, :].transpose(0, 2, 1)

    def kept(values):
        return values[..., args.warmup:]

    leapfrog = draws_of("n_leapfrog__")[0]
    divergent = draws_of("divergent__")[0]
    stepsize = draws_of("stepsize__")[0]
    globals_ = {"b[(Intercept)]": kept(draws_of("b_Intercept")[0])}
    b = draws_of("b")
    for j, name in enumerate(FIXED):
        globals_[f"b[{name}]"] = kept(b[j])
    globals_["sigma"] = kept(draws_of("sigma")[0])
    sds = draws_of("sd_g")
    for g, group in enumerate(groups):
        globals_[f"sd[{group['name']}][(Intercept)]"] = kept(sds[g])
    parameters = glmm_common.summarize(globals_)
    weakest = min(parameters, key=lambda p: p["essBulk"])
    gradients = int(leapfrog.sum())
    result = dict(
        tool="stan", model="insteval", formula=FORMULA, csv=args.csv, rows=len(y),
        levels={g["name"]: g["levels"] for g in groups},
        priors={"b[(Intercept)]": f"student_t(3, {np.median(y):g}, {scale:.6g}) on the centred "
                                  f"intercept b0 + {means[0]:.6g} b[service]",
                "b[service]": f"normal(0, {slope_scales[0]:.6g})",
                "sigma and sd": f"half-student_t(3, 0, {scale:.6g})"},
        chains=args.chains, warmup=args.warmup, draws=args.draws, seed=args.seed,
        seconds=seconds, compileSeconds=compile_seconds, compileCached=cached,
        minEssBulk=weakest["essBulk"], minEssParameter=weakest["name"],
        essPerSecond=weakest["essBulk"] / seconds,
        maxRhat=max(p["rhat"] for p in parameters),
        loadAverage=dict(before=load_before, after=load_after),
        pystan=getattr(stan, "__version__", None), httpstan=httpstan.__version__,
        parameterization="brms-style: centred Intercept, b, sigma, sd, z (non-centred)",
        gradientEvaluations=gradients,
        gradientEvaluationsSampling=int(leapfrog[:, args.warmup:].sum()),
        divergences=int(divergent[:, args.warmup:].sum()),
        stepSizes=[float(s) for s in stepsize[:, -1]],
        meanTreeSizeSampling=float(leapfrog[:, args.warmup:].mean()),
        processPoolWorkers=os.cpu_count(),
        parameters=parameters)
    glmm_common.dump(result, args.output)


if __name__ == "__main__":
    main()
