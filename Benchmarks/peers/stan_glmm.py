#!/usr/bin/env python3
"""Stan (PyStan 3) peer for Marginal's Bayesian GLMM benchmarks: a brms-style non-centred
binomial-logit GLMM with any number of scalar random intercepts, NUTS with Stan's defaults
(diagonal metric, windowed adaptation, target acceptance 0.8, maximum depth 10), and JSON with
the timings and the minimum bulk-ESS over the globals (fixed effects and SDs).

Usage: stan_glmm.py --model cbpp|verbagg|bernoulli200k [--csv FILE] [--chains 4] [--warmup 1000]
                    [--draws 1000] [--seed 1] [--output FILE]

The model, data and priors: glmm_common.py (Marginal's default GLMM priors, exactly). The Stan
program samples brms's coordinates:
  Intercept  the intercept of the centred columns, a = b0 + colmeans . b  (brms's `Intercept`)
  b          the coefficients of the other model-matrix columns           (brms's `b`)
  sd_g       each SD                                                     (brms's `sd_1`, `sd_2`)
  z_g        the standardized effects, u_g = sd_g * z_g, z_g ~ N(0, I)     (brms's `z_1`, `z_2`)
and reports b0 = Intercept - colmeans . b as b[(Intercept)]. The student-t prior is put on b0
(Marginal's prior; brms would put it on `Intercept`): the map (a, b) -> (b0, b) is linear with
unit Jacobian, so the density on Stan's coordinates is Marginal's posterior on (b0, b, sd).
Marginal samples log sd with the Jacobian, Stan's <lower=0> does the same.
The likelihood uses Stan's `binomial_logit_glm` / `bernoulli_logit_glm` (one fused call with
analytic gradients, as brms generates), with the random effects in the offset vector.

Timing: `compileSeconds` is `stan.build` (compiling the program, or taking it from httpstan's
cache: then `compileCached` is true); `seconds` is the wall time of `posterior.sample`
(warmup, sampling, and PyStan reading the draws back from httpstan's worker processes). PyStan
runs the chains in a process pool of os.cpu_count() workers (2 on the benchmark machine).
`gradientEvaluations` is the sum of n_leapfrog__ over warmup and sampling (warmup draws are
saved for that, and dropped from the summaries).
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
  int<lower=0> K;                       // model-matrix columns but the intercept
  matrix[N, K] Xc;                      // those columns, centred
  vector[K] means;                      // their means
  vector<lower=0>[K] slope_scale;       // 2.5 / sd(x_j)
  array[N] int<lower=0> Y;
  array[N] int<lower=1> trials;
  int<lower=0, upper=1> bernoulli;      // every trial count 1
  int<lower=1> G;                       // grouping classes, each (1 | g)
  array[G] int<lower=1> J;              // levels of each
  array[G, N] int<lower=1> zindex;      // 1-based position of row n's effect of class g in z
}
transformed data {
  int Jtotal = sum(J);
}
parameters {
  real Intercept;
  vector[K] b;
  vector<lower=0>[G] sd_g;
  vector[Jtotal] z;                     // all classes' standardized effects, one after another
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
  if (bernoulli) target += bernoulli_logit_glm_lupmf(Y | Xc, mu, b);
  else target += binomial_logit_glm_lupmf(Y | trials, Xc, mu, b);
  target += student_t_lpdf(Intercept - dot_product(means, b) | 3, 0, 2.5);
  target += normal_lpdf(b | 0, slope_scale);
  target += student_t_lpdf(sd_g | 3, 0, 2.5);   // half-t: sd_g > 0, constant dropped
  target += std_normal_lpdf(z);
}
generated quantities {
  real b_Intercept = Intercept - dot_product(means, b);
}
"""


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=sorted(glmm_common.MODELS), required=True)
    parser.add_argument("--csv")
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", help="write the JSON here (default: standard output)")
    return parser.parse_args()


def main():
    args = parse_arguments()
    import numpy as np
    import stan
    import httpstan

    data = glmm_common.load(args.model, args.csv)
    x, groups = data["x"], data["groups"]
    zindex, start = [], 1
    for g in groups:
        zindex.append((g["index"] + start).tolist())
        start += g["levels"]
    stan_data = dict(
        N=len(data["y"]), K=x.shape[1] - 1, Xc=(x[:, 1:] - data["means"]),
        means=data["means"], slope_scale=data["slope_scales"],
        Y=data["y"].tolist(), trials=data["trials"].tolist(),
        bernoulli=int(np.all(data["trials"] == 1)),
        G=len(groups), J=[g["levels"] for g in groups], zindex=zindex)

    load_before = os.getloadavg()
    start_time = time.perf_counter()
    import httpstan.cache
    import httpstan.models
    cached = httpstan.cache.model_directory(
        httpstan.models.calculate_model_name(PROGRAM)).is_dir()
    with contextlib.redirect_stdout(sys.stderr):        # PyStan prints "Building..."
        posterior = stan.build(PROGRAM, data=stan_data, random_seed=args.seed)
    compile_seconds = time.perf_counter() - start_time

    start_time = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):
        fit = posterior.sample(num_chains=args.chains, num_warmup=args.warmup,
                               num_samples=args.draws, save_warmup=True)
    seconds = time.perf_counter() - start_time
    load_after = os.getloadavg()

    def kept(values):
        return values[..., args.warmup:]

    def draws_of(name):
        """(k, chains, warmup + draws): PyStan keeps (row, draw, chain) in fit._draws."""
        index = list(fit._parameter_indexes(name))
        return fit._draws[index, :, :].transpose(0, 2, 1)

    leapfrog = draws_of("n_leapfrog__")[0]
    divergent = draws_of("divergent__")[0]
    stepsize = draws_of("stepsize__")[0]
    globals_ = {"b[(Intercept)]": kept(draws_of("b_Intercept")[0])}
    b = draws_of("b")
    for j, name in enumerate(data["names"][1:]):
        globals_[f"b[{name}]"] = kept(b[j])
    sds = draws_of("sd_g")
    for g, group in enumerate(groups):
        globals_[f"sd[{group['name']}][(Intercept)]"] = kept(sds[g])
    parameters = glmm_common.summarize(globals_)
    gradients = int(leapfrog.sum())
    result = glmm_common.result_json(
        "stan", data, args, parameters, seconds, compile_seconds,
        loadAverage=dict(before=load_before, after=load_after),
        pystan=stan.__version__ if hasattr(stan, "__version__") else None,
        httpstan=httpstan.__version__, compileCached=cached,
        parameterization="brms-style: centred Intercept, b, sd, z (non-centred); "
                         "student-t prior on b0 = Intercept - means.b",
        gradientEvaluations=gradients,
        gradientEvaluationsSampling=int(leapfrog[:, args.warmup:].sum()),
        secondsPerGradient=seconds / gradients if gradients else None,
        divergences=int(divergent[:, args.warmup:].sum()),
        stepSizes=[float(s) for s in stepsize[:, -1]],
        meanTreeSizeSampling=float(leapfrog[:, args.warmup:].mean()),
        processPoolWorkers=os.cpu_count())
    glmm_common.dump(result, args.output)


if __name__ == "__main__":
    main()
