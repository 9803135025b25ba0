#!/usr/bin/env python3
"""The table of run_bayes_glmm.sh and run_stan_insteval.sh: for each model, marginal's and each
peer's minimum bulk-ESS over the globals, seconds, CPU seconds, gradients and ESS per second,
and marginal's ratio to each peer: on the run's wall time, excluding compilation (marginal: its
JSON `seconds`, sampling and warmup; Stan: the same as the run, stan.build being outside it;
NumPyro: minus JAX's compile time), and per CPU second of the whole process (user + system,
/usr/bin/time; the fairest of the three on a shared, loaded machine).

Usage: bayes_table.py RESULTS CHAINS WARMUP DRAWS SEED MODEL... [--markdown]
Reads RESULTS/{marginal,stan,numpyro}-MODEL-cCHAINS-wWARMUP-dDRAWS-sSEED.json (+ .cpu, .time).
"""
import json
import pathlib
import sys

args = [a for a in sys.argv[1:] if a != "--markdown"]
markdown = "--markdown" in sys.argv
results, chains, warmup, draws, seed, models = pathlib.Path(args[0]), *args[1:5], args[5:]


def read(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def cpu(name):
    try:
        user, system = (results / f"{name}.cpu").read_text().split()[-2:]
        return float(user) + float(system)
    except (OSError, ValueError):
        return None


def wall(name):
    try:
        start, end = (results / f"{name}.time").read_text().split()[:2]
        return float(end) - float(start)
    except (OSError, ValueError):
        return None


def fmt(value, digits=1):
    if value is None:
        return "-"
    if digits == "g":
        return f"{value:.3g}"
    return f"{value:,.{digits}f}"


def rate(value):
    """An ESS per second: one decimal from 10 up, three significant digits below."""
    return "-" if value is None else (f"{value:,.1f}" if value >= 10 else f"{value:.3g}")


def marginal_row(name, result):
    """(ESS, weakest, run s, compile s, CPU s, gradients, ESS/s, ESS/s excl. compile, load)."""
    globals_ = [p for p in result["parameters"]
                if p["name"] == "sigma" or p["name"].startswith(("b[", "sd[", "cor["))]
    weakest = min(globals_, key=lambda p: p.get("essBulk") or 0.0)
    ess = weakest.get("essBulk") or 0.0
    process = wall(name)
    seconds = float(result["seconds"])
    return dict(ess=ess, weakest=weakest["name"], run=process, compile=0.0, cpu=cpu(name),
                gradients=result.get("gradientEvaluations"),
                rate=ess / process if process else None, rate_excl=ess / seconds,
                note=f"sampling {seconds:.2f} s" + (f" + recovery {result['recoverySeconds']:.2f} s"
                                                   if result.get("recoverySeconds") else ""),
                load=None, means={p["name"]: (p["mean"], p.get("mcse")) for p in globals_})


def peer_row(name, result):
    seconds, compile_ = result["seconds"], result.get("compileSeconds") or 0.0
    ess = result["minEssBulk"]
    if result["tool"] == "stan":
        excl = seconds                      # stan.build is outside `seconds`
        gradients = result.get("gradientEvaluations")
        note = f"stan.build {compile_:.1f} s{' (cached)' if result.get('compileCached') else ''}"
    else:
        excl = result.get("secondsExcludingCompile") or seconds
        gradients = result.get("gradientEvaluationsSampling")
        note = (f"JAX compile {compile_:.1f} s; gradients: sampling only; one gradient "
                f"{result['secondsPerGradient'] * 1e3:.3g} ms" if result.get("secondsPerGradient")
                else f"JAX compile {compile_:.1f} s")
    load = result.get("loadAverage") or {}
    return dict(ess=ess, weakest=result["minEssParameter"], run=seconds,
                compile=compile_, cpu=cpu(name), gradients=gradients,
                rate=ess / seconds, rate_excl=ess / excl, note=note,
                load=(load.get("before") or [None])[0], divergences=result.get("divergences"),
                means={p["name"]: (p["mean"], p["mcse"]) for p in result["parameters"]})


header = ("model", "tool", "min bulk-ESS (weakest)", "run s", "compile s", "CPU s", "gradients",
          "CPU ms/gradient", "ESS/s (run)", "ESS/s excl. compile", "ESS per CPU s",
          "marginal ratio (run / excl. / CPU)", "notes")
rows = []
for model in models:
    tag = f"{model}-c{chains}-w{warmup}-d{draws}-s{seed}"
    entries = {}
    for tool in ("marginal", "stan", "numpyro"):
        result = read(results / f"{tool}-{tag}.json")
        if result:
            entries[tool] = (marginal_row if tool == "marginal" else peer_row)(f"{tool}-{tag}", result)
    m = entries.get("marginal")
    for tool in ("marginal", "stan", "numpyro"):
        e = entries.get(tool)
        if not e and not (results / f"{tool}-{tag}.err").exists():
            continue                        # not run
        if not e:
            rows.append((model, tool, "-", "-", "-", "-", "-", "-", "-", "-", "-", "-",
                         "no result (refused, failed or not run)"))
            continue
        ratio = ""
        per_cpu = e["ess"] / e["cpu"] if e["cpu"] else None
        if tool != "marginal" and m and m["rate"]:
            ratio = f"{m['rate'] / e['rate']:.1f}x / {m['rate_excl'] / e['rate_excl']:.1f}x"
            if per_cpu and m["cpu"]:
                ratio += f" / {m['ess'] / m['cpu'] / per_cpu:.1f}x"
        per_gradient = (e["cpu"] / e["gradients"] * 1e3
                        if e["cpu"] and e["gradients"] and tool != "numpyro" else None)
        rows.append((model, tool, f"{fmt(e['ess'], 0)} ({e['weakest']})", fmt(e["run"], 2),
                     fmt(e["compile"], 1), fmt(e["cpu"], 1), fmt(e["gradients"], 0),
                     fmt(per_gradient, "g"), rate(e["rate"]), rate(e["rate_excl"]), rate(per_cpu),
                     ratio,
                     e["note"] + (f"; divergences {e['divergences']}" if e.get("divergences") else "")))

print(f"{chains} chains x ({warmup} warmup + {draws} draws), seed {seed}, OPENBLAS_NUM_THREADS=1")
widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
if markdown:
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(" --- " for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(v.replace("|", "\\|") for v in row) + " |")
else:
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)))
