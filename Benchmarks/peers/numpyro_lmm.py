#!/usr/bin/env python3
"""NumPyro peer for Marginal's Bayesian linear-mixed-model benchmarks.

Samples the posterior of one of three LMMs with NumPyro's NUTS, with ONE grouping class
integrated out exactly as in Lai, Domke & Sheldon (NeurIPS 2024, arXiv 2410.24079) and the
random effects of every other class sampled non-centered, and prints JSON with the timings and
the minimum bulk-ESS over the global parameters (fixed effects, sigma, random-effect SDs and
correlations).

Models (--model):
  sleepstudy  Reaction ~ Days + (1 + Days | Subject)      Subject integrated out
  grouped     y ~ 1 + x1 + x2 + (1 | g)                    g integrated out
  crossed     y ~ 1 + (1 | s) + (1 | d)                    d integrated out, s sampled (--marginalize s:
                                                           the other way round, ~3x less ESS/s)

Priors (the same as Marginal's defaults, so both sample the same posterior), with
s_y = 2.5 * mad(y) and mad R's (1.4826 * median absolute deviation):
  b[(Intercept)] ~ Student-t(3, median(y), s_y)
  b[x]           ~ Normal(0, 2.5 * sd(y) / sd(x))            every other fixed effect
  sigma          ~ half-Student-t(3, 0, s_y)
  sd[g][term]    ~ half-Student-t(3, 0, s_y)                 every random-effect SD
  cor[g]         ~ LKJ(2)                                    correlation matrix of a vector term

The marginalized class i: each row belongs to one group j, so with residual r = y - X b -
(sampled random effects), V_j = sigma^2 I + Z_j L L' Z_j' (L = diag(sd) * chol(cor)), and with
A_j = I + L' Z_j'Z_j L / sigma^2 and c_j = L' Z_j' r_j (Woodbury, matrix determinant lemma):
  log N(r_j | 0, V_j) = -1/2 [ n_j log(2 pi sigma^2) + log det A_j
                               + r_j'r_j / sigma^2 - c_j' A_j^{-1} c_j / sigma^4 ].
Z_j'Z_j is computed once; each evaluation needs Z_j'r_j (one segment sum over the rows).

Timing. "total" is the wall time of one `MCMC.run` (trace, compile, warmup and sampling, until
the draws are ready). "excluding compile" subtracts the time JAX spent tracing, lowering and
compiling during that run: the union of the time spans JAX reports through jax.monitoring for
its jaxpr-trace, jaxpr-to-MLIR and backend-compile events. With --repeat the same run (same
key, same draws) is done a second time in the process and its wall time is reported too.
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CACHE = os.environ.get("MARGINAL_BENCH_CACHE") or os.path.join(
    os.environ.get("TMPDIR", "/tmp"), "marginal-bench")

# name -> (formula, response, fixed-effect columns, [(class, [slope columns])], class to
# integrate out, default CSV, columns read as factors)
MODELS = {
    "sleepstudy": dict(
        formula="Reaction ~ Days + (1 + Days | Subject)",
        response="Reaction", fixed=["Days"], classes=[("Subject", ["Days"])],
        marginalize="Subject", csv=os.path.join(ROOT, "Examples", "sleepstudy.csv")),
    "grouped": dict(
        formula="y ~ 1 + x1 + x2 + (1 | g)",
        response="y", fixed=["x1", "x2"], classes=[("g", [])],
        marginalize="g", csv=os.path.join(CACHE, "bayes-grouped-rows20000-groups1000-seed1.csv")),
    "crossed": dict(
        formula="y ~ 1 + (1 | s) + (1 | d)",
        response="y", fixed=[], classes=[("s", []), ("d", [])],
        marginalize="d", csv=os.path.join(CACHE, "bayes-insteval-rows73421-seed1.csv")),
}


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=sorted(MODELS), required=True)
    parser.add_argument("--csv", help="data file (default: the model's usual file)")
    parser.add_argument("--marginalize", help="grouping class to integrate out")
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chain-method", default="parallel",
                        choices=["parallel", "sequential", "vectorized"])
    parser.add_argument("--devices", type=int,
                        help="XLA host devices for --chain-method parallel (default: --chains; "
                             "NumPyro falls back to sequential when there are fewer devices "
                             "than chains)")
    parser.add_argument("--float32", action="store_true",
                        help="single precision (default: float64, as Marginal)")
    parser.add_argument("--target-accept", type=float, default=0.8)
    parser.add_argument("--repeat", action="store_true",
                        help="run the same chains a second time, with XLA's compiled programs "
                             "taken from a persistent compilation cache that the first run "
                             "filled, and report that wall time too")
    return parser.parse_args()


ARGS = parse_arguments()

import numpyro  # noqa: E402

if ARGS.chain_method == "parallel":
    numpyro.set_host_device_count(ARGS.devices or ARGS.chains)
if not ARGS.float32:
    numpyro.enable_x64()

import arviz  # noqa: E402
import jax  # noqa: E402
import jax.monitoring  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import numpyro.distributions as dist  # noqa: E402
import pandas as pd  # noqa: E402
from numpyro.infer import MCMC, NUTS  # noqa: E402

# ---------------------------------------------------------------------------------------------
# Compilation time: JAX reports the start and end of each trace / lowering / backend compile.

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

if ARGS.repeat:
    # NumPyro builds new jitted functions on every MCMC.run, so a second run traces and compiles
    # again; a persistent cache lets it skip XLA's compilation (tracing and lowering remain).
    import tempfile  # noqa: E402
    jax.config.update("jax_compilation_cache_dir", tempfile.mkdtemp(prefix="numpyro-lmm-xla-"))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


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


# ---------------------------------------------------------------------------------------------
# Data and priors


def r_mad(values):
    """R's mad(): 1.4826 * median(|x - median(x)|)."""
    return 1.4826 * float(np.median(np.abs(values - np.median(values))))


def load(spec, csv, marginalize):
    classes = [name for name, _ in spec["classes"]]
    if marginalize not in classes:
        sys.exit(f"--marginalize must be one of {classes}, got {marginalize!r}")
    frame = pd.read_csv(csv, dtype={name: str for name in classes})
    y = frame[spec["response"]].to_numpy(float)
    # Rows sorted by the integrated-out class, so its segment sums see sorted indices.
    codes = {name: pd.factorize(frame[name], sort=True)[0] for name in classes}
    order = np.argsort(codes[marginalize], kind="stable")
    frame, y = frame.iloc[order].reset_index(drop=True), y[order]
    codes = {name: c[order] for name, c in codes.items()}

    s_y = 2.5 * r_mad(y)
    fixed = spec["fixed"]
    x = frame[fixed].to_numpy(float) if fixed else np.zeros((len(y), 0))
    data = dict(
        y=y,
        x=x,
        intercept_location=float(np.median(y)),
        scale=s_y,
        slope_scales=np.array([2.5 * np.std(y, ddof=1) / np.std(frame[c].to_numpy(float), ddof=1)
                               for c in fixed]),
        fixed_names=["(Intercept)"] + fixed,
        classes=[],
    )
    for name, slopes in spec["classes"]:
        z = np.column_stack([np.ones(len(y))] + [frame[s].to_numpy(float) for s in slopes])
        levels = int(codes[name].max()) + 1
        entry = dict(name=name, terms=["(Intercept)"] + slopes, index=codes[name], z=z,
                     levels=levels, marginalized=(name == marginalize))
        if entry["marginalized"]:
            # Z_j'Z_j per group (levels x k x k), fixed for the whole run.
            entry["ztz"] = np.zeros((levels, z.shape[1], z.shape[1]))
            np.add.at(entry["ztz"], codes[name], z[:, :, None] * z[:, None, :])
        data["classes"].append(entry)
    return data


def half_student_t(scale):
    return dist.FoldedDistribution(dist.StudentT(3.0, 0.0, scale))


def marginal_log_likelihood(r, sigma, lam, group):
    """log N(r | 0, sigma^2 I + Z L L' Z') for one class, each row in one group (see top)."""
    index, z, ztz, levels = group["index"], group["z"], group["ztz"], group["levels"]
    n, k = z.shape
    s2 = sigma * sigma
    zr = jax.ops.segment_sum(z * r[:, None], index, num_segments=levels,
                             indices_are_sorted=True)                      # levels x k
    rr = jnp.dot(r, r)
    if k == 1:
        tau2 = lam[0, 0] ** 2
        a = 1.0 + tau2 * ztz[:, 0, 0] / s2
        logdet = jnp.sum(jnp.log(a))
        correction = tau2 * jnp.sum(zr[:, 0] ** 2 / a)
    else:
        a = jnp.eye(k) + jnp.einsum("ai,gab,bj->gij", lam, ztz, lam) / s2   # levels x k x k
        c = zr @ lam                                                        # levels x k
        if k == 2:
            det = a[:, 0, 0] * a[:, 1, 1] - a[:, 0, 1] ** 2
            logdet = jnp.sum(jnp.log(det))
            correction = jnp.sum((a[:, 1, 1] * c[:, 0] ** 2 - 2 * a[:, 0, 1] * c[:, 0] * c[:, 1]
                                  + a[:, 0, 0] * c[:, 1] ** 2) / det)
        else:
            chol = jnp.linalg.cholesky(a)
            logdet = 2 * jnp.sum(jnp.log(jnp.diagonal(chol, axis1=1, axis2=2)))
            w = jax.scipy.linalg.solve_triangular(chol, c[:, :, None], lower=True)
            correction = jnp.sum(w ** 2)
    return -0.5 * (n * jnp.log(2 * jnp.pi * s2) + logdet + rr / s2 - correction / (s2 * s2))


def make_model(data):
    y, x = jnp.asarray(data["y"]), jnp.asarray(data["x"])
    groups = [dict(g, index=jnp.asarray(g["index"], dtype=jnp.int32), z=jnp.asarray(g["z"]),
                   ztz=jnp.asarray(g["ztz"]) if g["marginalized"] else None)
              for g in data["classes"]]
    scale = data["scale"]

    def model():
        b0 = numpyro.sample("b0", dist.StudentT(3.0, data["intercept_location"], scale))
        mu = b0
        if x.shape[1]:
            b = numpyro.sample("b", dist.Normal(0.0, jnp.asarray(data["slope_scales"])).to_event(1))
            mu = mu + x @ b
        sigma = numpyro.sample("sigma", half_student_t(scale))
        marginalized = None
        for g in groups:
            k = g["z"].shape[1]
            sd = numpyro.sample(f"sd_{g['name']}", half_student_t(scale).expand([k]).to_event(1))
            if k > 1:
                corr_chol = numpyro.sample(f"corr_chol_{g['name']}", dist.LKJCholesky(k, 2.0))
                lam = sd[:, None] * corr_chol
            else:
                lam = sd[:, None]
            if g["marginalized"]:
                marginalized = (g, lam)
            else:
                v = numpyro.sample(f"z_{g['name']}",
                                   dist.Normal(0.0, 1.0).expand([g["levels"], k]).to_event(2))
                u = v @ lam.T                                         # levels x k
                mu = mu + jnp.sum(g["z"] * u[g["index"]], axis=1)
        g, lam = marginalized
        numpyro.factor("marginal_likelihood", marginal_log_likelihood(y - mu, sigma, lam, g))

    return model


def global_draws(samples, data):
    """name -> (chains x draws) array of every global parameter, named as Marginal names them."""
    out = {"b[(Intercept)]": samples["b0"]}
    for j, name in enumerate(data["fixed_names"][1:]):
        out[f"b[{name}]"] = samples["b"][..., j]
    out["sigma"] = samples["sigma"]
    for g in data["classes"]:
        terms = g["terms"]
        for j, term in enumerate(terms):
            out[f"sd[{g['name']}][{term}]"] = samples[f"sd_{g['name']}"][..., j]
        if len(terms) > 1:
            chol = samples[f"corr_chol_{g['name']}"]
            corr = np.einsum("...ik,...jk->...ij", chol, chol)
            for i in range(len(terms)):
                for j in range(i):
                    out[f"cor[{g['name']}][{terms[j]},{terms[i]}]"] = corr[..., i, j]
    return {name: np.asarray(v) for name, v in out.items()}


def main():
    spec = MODELS[ARGS.model]
    csv = ARGS.csv or spec["csv"]
    if not os.path.exists(csv):
        sys.exit(f"{csv} does not exist: make it with Benchmarks/peers/run_bayes.sh "
                 f"(marginal simulate) or pass --csv")
    marginalize = ARGS.marginalize or spec["marginalize"]
    data = load(spec, csv, marginalize)
    model = make_model(data)

    kernel = NUTS(model, target_accept_prob=ARGS.target_accept)
    mcmc = MCMC(kernel, num_warmup=ARGS.warmup, num_samples=ARGS.draws, num_chains=ARGS.chains,
                chain_method=ARGS.chain_method, progress_bar=False)
    key = jax.random.PRNGKey(ARGS.seed)
    load_before = os.getloadavg()

    def timed_run():
        start_wall, start = time.time(), time.perf_counter()
        mcmc.run(key, extra_fields=("num_steps",))
        jax.block_until_ready(mcmc.get_samples(group_by_chain=True))
        seconds = time.perf_counter() - start
        return seconds, union_seconds(compile_spans, start_wall, time.time())

    seconds, compile_seconds = timed_run()
    samples = {k: np.asarray(v) for k, v in mcmc.get_samples(group_by_chain=True).items()}
    extra = mcmc.get_extra_fields(group_by_chain=True)
    divergences = int(np.sum(extra["diverging"]))
    gradient_evaluations = int(np.sum(extra["num_steps"]))
    second = timed_run() if ARGS.repeat else None
    load_after = os.getloadavg()

    parameters = []
    for name, draws in global_draws(samples, data).items():
        parameters.append(dict(
            name=name, mean=float(draws.mean()), sd=float(draws.std(ddof=1)),
            essBulk=float(arviz.ess(draws, method="bulk")),
            essTail=float(arviz.ess(draws, method="tail")),
            rhat=float(arviz.rhat(draws))))
    weakest = min(parameters, key=lambda p: p["essBulk"])
    excluding = seconds - compile_seconds
    result = dict(
        tool="numpyro", numpyro=numpyro.__version__, jax=jax.__version__,
        arviz=arviz.__version__,
        model=ARGS.model, formula=spec["formula"], csv=csv, rows=len(data["y"]),
        marginalized=marginalize,
        sampledNonCentered=[g["name"] for g in data["classes"] if not g["marginalized"]],
        chains=ARGS.chains, warmup=ARGS.warmup, draws=ARGS.draws, seed=ARGS.seed,
        chainMethod=mcmc.chain_method, devices=jax.local_device_count(),
        float64=not ARGS.float32, targetAccept=ARGS.target_accept,
        seconds=seconds, compileSeconds=compile_seconds, secondsExcludingCompile=excluding,
        secondRunSeconds=second[0] if second else None,
        secondRunCompileSeconds=second[1] if second else None,
        minEssBulk=weakest["essBulk"], minEssParameter=weakest["name"],
        essPerSecond=weakest["essBulk"] / seconds,
        essPerSecondExcludingCompile=weakest["essBulk"] / excluding,
        essPerSecondSecondRun=weakest["essBulk"] / second[0] if second else None,
        divergences=divergences, gradientEvaluationsSampling=gradient_evaluations,
        loadAverage=dict(before=load_before, after=load_after),
        parameters=parameters,
    )
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
