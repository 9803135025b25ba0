#!/usr/bin/env python3
"""NumPyro peer for Marginal's Bayesian GLMM benchmarks: the same brms-style non-centred
binomial-logit GLMM as stan_glmm.py (any number of scalar random intercepts, every random
effect sampled: a binomial likelihood has no closed-form marginal), NUTS with NumPyro's
defaults (diagonal metric, target acceptance 0.8, maximum depth 10), float64, and JSON with the
timings and the minimum bulk-ESS over the globals (fixed effects and SDs).

Usage: numpyro_glmm.py --model cbpp|verbagg|bernoulli200k [--csv FILE] [--chains 4]
                       [--warmup 1000] [--draws 1000] [--seed 1]
                       [--chain-method parallel|sequential|vectorized] [--output FILE]

Model, data and priors: glmm_common.py (Marginal's default GLMM priors, exactly). Sites, as
stan_glmm.py's parameters (brms's coordinates):
  Intercept   centred intercept a = b0 + colmeans . b; improper flat site, with the
              student-t(3, 0, 2.5) prior added as a factor on b0 = a - colmeans . b (unit
              Jacobian: Marginal's prior on b0)
  b           normal(0, 2.5 / sd(x_j)) per column
  sd_<g>      half-student-t(3, 0, 2.5) (FoldedDistribution of StudentT)
  z_<g>       N(0, I), the effects u = sd * z
Timing as numpyro_lmm.py: `seconds` is the wall time of MCMC.run until the draws are ready
(tracing, XLA compilation, warmup and sampling); `compileSeconds` is the union of JAX's
jaxpr-trace, MLIR-lowering and backend-compile time spans during it; `secondsExcludingCompile`
the difference. Chains: parallel over one XLA host device per chain (default).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import glmm_common  # noqa: E402


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=sorted(glmm_common.MODELS), required=True)
    parser.add_argument("--csv")
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chain-method", default="parallel",
                        choices=["parallel", "sequential", "vectorized"])
    parser.add_argument("--target-accept", type=float, default=0.8)
    parser.add_argument("--output", help="write the JSON here (default: standard output)")
    return parser.parse_args()


ARGS = parse_arguments()

import numpyro  # noqa: E402

if ARGS.chain_method == "parallel":
    numpyro.set_host_device_count(ARGS.chains)
numpyro.enable_x64()

import jax  # noqa: E402
import jax.monitoring  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import numpyro.distributions as dist  # noqa: E402
from numpyro.distributions import constraints  # noqa: E402
from numpyro.infer import MCMC, NUTS  # noqa: E402

COMPILE_EVENTS = {
    "/jax/core/compile/jaxpr_trace_duration",
    "/jax/core/compile/jaxpr_to_mlir_module_duration",
    "/jax/core/compile/backend_compile_duration",
}
compile_spans = []


def _record_span(event, start, end, **_):
    if event in COMPILE_EVENTS:
        compile_spans.append((start, end))


jax.monitoring.register_event_time_span_listener(_record_span)


def union_seconds(spans, lower, upper):
    """Length of the union of the spans clipped to [lower, upper] (nested traces count once)."""
    total, current_start, current_end = 0.0, None, None
    for start, end in sorted((max(s, lower), min(e, upper)) for s, e in spans):
        if end <= start:
            continue
        if current_end is None or start > current_end:
            if current_end is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        total += current_end - current_start
    return total


def make_model(data):
    y = jnp.asarray(data["y"], dtype=jnp.float64)
    trials = jnp.asarray(data["trials"], dtype=jnp.float64)
    bernoulli = bool(np.all(data["trials"] == 1))
    xc = jnp.asarray(data["x"][:, 1:] - data["means"])
    means = jnp.asarray(data["means"])
    scales = jnp.asarray(data["slope_scales"])
    groups = [(g["name"], jnp.asarray(g["index"], dtype=jnp.int32), g["levels"])
              for g in data["groups"]]

    def model():
        a = numpyro.sample("Intercept", dist.ImproperUniform(constraints.real, (), ()))
        b = numpyro.sample("b", dist.Normal(0.0, scales).to_event(1))
        numpyro.factor("intercept_prior", dist.StudentT(3.0, 0.0, 2.5).log_prob(a - means @ b))
        eta = a + xc @ b
        for name, index, levels in groups:
            sd = numpyro.sample(f"sd_{name}", dist.FoldedDistribution(dist.StudentT(3.0, 0.0, 2.5)))
            z = numpyro.sample(f"z_{name}", dist.Normal(0.0, 1.0).expand([levels]).to_event(1))
            eta = eta + sd * z[index]
        if bernoulli:
            numpyro.sample("y", dist.BernoulliLogits(eta).to_event(1), obs=y)
        else:
            numpyro.sample("y", dist.BinomialLogits(eta, total_count=trials).to_event(1), obs=y)

    return model


def gradient_seconds(mcmc):
    """Median wall seconds of one jitted gradient of the potential at NumPyro's initial point
    (after a warm-up call that compiles it), over 21 calls: the cost of one gradient alone."""
    from numpyro.infer.util import initialize_model
    init = initialize_model(jax.random.PRNGKey(0), mcmc.sampler.model)
    gradient = jax.jit(jax.grad(init.potential_fn))
    z = init.param_info.z
    jax.block_until_ready(gradient(z))
    times = []
    for _ in range(21):
        start = time.perf_counter()
        jax.block_until_ready(gradient(z))
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main():
    data = glmm_common.load(ARGS.model, ARGS.csv)
    kernel = NUTS(make_model(data), target_accept_prob=ARGS.target_accept)
    mcmc = MCMC(kernel, num_warmup=ARGS.warmup, num_samples=ARGS.draws, num_chains=ARGS.chains,
                chain_method=ARGS.chain_method, progress_bar=False)
    load_before = os.getloadavg()
    start_wall, start = time.time(), time.perf_counter()
    mcmc.run(jax.random.PRNGKey(ARGS.seed), extra_fields=("num_steps",))
    jax.block_until_ready(mcmc.get_samples(group_by_chain=True))
    seconds = time.perf_counter() - start
    compile_seconds = union_seconds(compile_spans, start_wall, time.time())
    load_after = os.getloadavg()

    samples = {k: np.asarray(v) for k, v in mcmc.get_samples(group_by_chain=True).items()}
    extra = mcmc.get_extra_fields(group_by_chain=True)
    b = samples["b"]
    globals_ = {"b[(Intercept)]": samples["Intercept"] - b @ np.asarray(data["means"])}
    for j, name in enumerate(data["names"][1:]):
        globals_[f"b[{name}]"] = b[..., j]
    for g in data["groups"]:
        globals_[f"sd[{g['name']}][(Intercept)]"] = samples[f"sd_{g['name']}"]
    parameters = glmm_common.summarize(globals_)
    steps = int(np.sum(extra["num_steps"]))
    excluding = seconds - compile_seconds
    weakest = min(p["essBulk"] for p in parameters)
    result = glmm_common.result_json(
        "numpyro", data, ARGS, parameters, seconds, compile_seconds,
        loadAverage=dict(before=load_before, after=load_after),
        numpyro=numpyro.__version__, jax=jax.__version__,
        parameterization="brms-style: centred Intercept, b, sd, z (non-centred); "
                         "student-t prior on b0 = Intercept - means.b",
        chainMethod=mcmc.chain_method, devices=jax.local_device_count(), float64=True,
        secondsExcludingCompile=excluding,
        essPerSecondExcludingCompile=weakest / excluding if excluding > 0 else None,
        gradientEvaluationsSampling=steps,
        secondsPerGradient=gradient_seconds(mcmc),
        divergences=int(np.sum(extra["diverging"])),
        meanTreeSizeSampling=steps / (ARGS.chains * ARGS.draws))
    glmm_common.dump(result, ARGS.output)


if __name__ == "__main__":
    main()
