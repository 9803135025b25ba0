#!/usr/bin/env python3
"""The published ALADYN objective in PyTorch: the reference for Marginal's Swift loss (issue 14).

An independent transcription of the formulas of `AladynSurvivalFixedKernelsAvgLoss_clust_logitInit_psitest`
in surbut/aladynoulli2 (commit 9414ed1), file pyScripts_forPublish/clust_huge_amp_vectorized.py
(centred) and clust_huge_amp_vectorized_reparam.py (non-centred); line numbers below refer to
those files. Only the objective is transcribed (R = 0: the notebook's setting, so the "LRT"
penalty term is absent).

Usage:
  aladyn_torch.py fixture            loss and gradient on the small deterministic problem that
                                     Tests/MarginalTests/Aladyn/AladynLossTests.swift rebuilds (float64)
  aladyn_torch.py time [--N 1000] [--D 50] [--T 52] [--K 5] [--P 20] [--repeats 11]
                       [--threads 0] [--dtype float32]
                                     median time of one epoch (loss + backward over all individuals)
                                     on data from the parameter-recovery notebook's generative process
"""
import argparse
import math
import os
import time

import numpy as np
import torch


def kernels(T, dtype):
    """Squared-exponential kernels, length scales T/4 (lambda) and T/3 (phi), jitter 1e-6 (lines 34-58)."""
    t = torch.arange(T, dtype=dtype)
    diff = t[:, None] - t[None, :]
    eye = torch.eye(T, dtype=dtype)
    k_lambda = torch.exp(-0.5 * diff**2 / (T / 4) ** 2) + 1e-6 * eye
    k_phi = torch.exp(-0.5 * diff**2 / (T / 3) ** 2) + 1e-6 * eye
    return k_lambda, k_phi


def standardize(g_raw):
    """G centred and scaled by its (ddof = 0) SD per column (lines 84-86)."""
    centred = g_raw - g_raw.mean(axis=0, keepdims=True)
    return centred / centred.std(axis=0, keepdims=True)


def lambda_mean(gamma, G, sig_refs, healthy_ref, T):
    """r_k + G gamma_k for the K disease signatures, the healthy reference for the last (lines 305-314)."""
    N = G.shape[0]
    disease = sig_refs[None, :] + G @ gamma  # N x K
    healthy = torch.full((N, 1), healthy_ref, dtype=G.dtype)
    return torch.cat([disease, healthy], dim=1)[:, :, None].expand(N, gamma.shape[1] + 1, T)


def data_loss(lam, phi, kappa, Y, E):
    """Discrete-time survival NLL over N (lines 221-248): pi = clamp(kappa sum_k softmax(lambda) sigmoid(phi))."""
    theta = torch.softmax(lam, dim=1)  # line 222
    pi = torch.einsum('nkt,kdt->ndt', theta, torch.sigmoid(phi)) * kappa  # line 226
    pi = torch.clamp(pi, 1e-6, 1 - 1e-6)  # line 227
    pi = torch.clamp(pi, 1e-8, 1 - 1e-8)  # line 234 (no-op after line 227, kept for fidelity)
    N, D, T = Y.shape
    grid = torch.arange(T)[None, None, :]
    before = (grid < E[:, :, None]).to(pi.dtype)  # line 242
    at = (grid == E[:, :, None]).to(pi.dtype)  # line 243
    censored = -torch.sum(torch.log(1 - pi) * before)  # line 245
    event = -torch.sum(torch.log(pi) * at * Y)  # line 246
    no_event = -torch.sum(torch.log(1 - pi) * at * (1 - Y))  # line 247
    return (censored + event + no_event) / N  # line 248


def gp_quadratic(dev, L):
    """0.5 sum over rows of dev_r' K^-1 dev_r, by a Cholesky solve (lines 322-329, 340-347)."""
    T = dev.shape[-1]
    flat = dev.reshape(-1, T)
    v = torch.cholesky_solve(flat.T, L).T
    return 0.5 * torch.sum(flat * v)


def gp_loss(lambda_dev, phi_dev, L_lambda, L_phi, N, D):
    """lambda part / N + phi part / D (line 350; reparam file line 300)."""
    return gp_quadratic(lambda_dev, L_lambda) / N + gp_quadratic(phi_dev, L_phi) / D


def centred_loss(p, c):
    """Total loss, centred (line 281 with R = 0): data + W * gp, lambda and phi free."""
    N, D = c['N'], c['D']
    m_lam = lambda_mean(p['gamma'], c['G'], c['sig_refs'], c['healthy_ref'], c['T'])
    m_phi = c['logit_prev'][None, :, :] + p['psi'][:, :, None]  # line 335
    data = data_loss(p['lambda'], p['phi'], p['kappa'], c['Y'], c['E'])
    prior = gp_loss(p['lambda'] - m_lam, p['phi'] - m_phi, c['L_lambda'], c['L_phi'], N, D)
    return data + c['W'] * prior, data, prior


def noncentred_loss(p, c):
    """Total loss, non-centred (reparam file lines 93-113, 240-300): lambda = m(gamma) + delta, phi = m(psi) + epsilon."""
    N, D = c['N'], c['D']
    lam = lambda_mean(p['gamma'], c['G'], c['sig_refs'], c['healthy_ref'], c['T']) + p['delta']
    phi = c['logit_prev'][None, :, :] + p['psi'][:, :, None] + p['epsilon']
    data = data_loss(lam, phi, p['kappa'], c['Y'], c['E'])
    prior = gp_loss(p['delta'], p['epsilon'], c['L_lambda'], c['L_phi'], N, D)
    return data + c['W'] * prior, data, prior


def fixture():
    """The small deterministic problem (every input a closed-form function of its indices)."""
    dtype = torch.float64
    N, D, T, K, P = 7, 4, 6, 2, 2
    Kt = K + 1
    W = 0.3
    i, k, t = np.meshgrid(np.arange(N), np.arange(Kt), np.arange(T), indexing='ij')
    lam = 0.8 * np.sin(1.0 + i + 2.0 * k + 0.3 * t) + np.where(k == K, -2.0, 0.0)
    k2, d2, t2 = np.meshgrid(np.arange(Kt), np.arange(D), np.arange(T), indexing='ij')
    phi = -2.0 + 0.7 * np.cos(0.5 + k2 + 1.3 * d2 + 0.2 * t2)
    kk, dd = np.meshgrid(np.arange(Kt), np.arange(D), indexing='ij')
    psi = 0.4 * np.sin(kk * D + dd + 0.5)
    pp, gk = np.meshgrid(np.arange(P), np.arange(K), indexing='ij')
    gamma = 0.3 * np.cos(pp + 1.7 * gk)
    ii, gp = np.meshgrid(np.arange(N), np.arange(P), indexing='ij')
    g_raw = np.sin(1.3 * ii + 2.1 * gp + 0.2)
    d3, t3 = np.meshgrid(np.arange(D), np.arange(T), indexing='ij')
    logit_prev = -4.0 + 0.1 * t3 + 0.2 * d3
    ie, de = np.meshgrid(np.arange(N), np.arange(D), indexing='ij')
    E = (3 * ie + 5 * de) % (T + 1)
    Y = np.zeros((N, D, T))
    for a in range(N):
        for b in range(D):
            if E[a, b] < T and (a + b) % 2 == 0:
                Y[a, b, E[a, b]] = 1.0
    k_lambda, k_phi = kernels(T, dtype)
    c = dict(N=N, D=D, T=T, W=W, G=torch.tensor(standardize(g_raw), dtype=dtype),
             sig_refs=torch.tensor([-0.5, 0.5], dtype=dtype), healthy_ref=-5.0,
             logit_prev=torch.tensor(logit_prev, dtype=dtype), Y=torch.tensor(Y, dtype=dtype),
             E=torch.tensor(E, dtype=torch.long),
             L_lambda=torch.linalg.cholesky(k_lambda), L_phi=torch.linalg.cholesky(k_phi))
    t = lambda a: torch.tensor(a, dtype=dtype, requires_grad=True)
    p = dict(**{'lambda': t(lam)}, phi=t(phi), psi=t(psi), gamma=t(gamma), kappa=t([0.9]))
    total, data, prior = centred_loss(p, c)
    total.backward()
    print(f"centred  total={total.item():.17g} data={data.item():.17g} prior={prior.item():.17g}")
    for name in ['lambda', 'phi', 'psi', 'gamma', 'kappa']:
        g = p[name].grad
        print(f"centred  grad {name}: norm={g.norm().item():.17g} sum={g.sum().item():.17g} first={g.flatten()[0].item():.17g} last={g.flatten()[-1].item():.17g}")
    with torch.no_grad():
        m_lam = lambda_mean(p['gamma'], c['G'], c['sig_refs'], c['healthy_ref'], T)
        m_phi = c['logit_prev'][None] + p['psi'][:, :, None]
        q = dict(delta=t((p['lambda'] - m_lam).numpy()), epsilon=t((p['phi'] - m_phi).numpy()),
                 psi=t(psi), gamma=t(gamma), kappa=t([0.9]))
    total, data, prior = noncentred_loss(q, c)
    total.backward()
    print(f"noncentred total={total.item():.17g} data={data.item():.17g} prior={prior.item():.17g}")
    for name in ['delta', 'epsilon', 'psi', 'gamma', 'kappa']:
        g = q[name].grad
        print(f"noncentred grad {name}: norm={g.norm().item():.17g} sum={g.sum().item():.17g} first={g.flatten()[0].item():.17g} last={g.flatten()[-1].item():.17g}")


def simulate(N, D, T, K, P, seed):
    """The parameter-recovery notebook's data-generating process (claudefile/parameter_recovery_simulation.ipynb, cell 3)."""
    rng = np.random.default_rng(seed)
    tp = np.arange(T, dtype=float)
    diff = tp[:, None] - tp[None, :]
    L_lam = np.linalg.cholesky(np.exp(-0.5 * diff**2 / (T / 4) ** 2) + 1e-6 * np.eye(T))
    L_phi = np.linalg.cholesky(np.exp(-0.5 * diff**2 / (T / 3) ** 2) + 1e-6 * np.eye(T))
    G = standardize(rng.standard_normal((N, P)))
    gamma = rng.standard_normal((P, K)) * 0.3
    sig_refs = np.linspace(-1.0, 1.0, K)
    logit_prev = rng.uniform(-12, -6, D)[:, None] + rng.uniform(0.05, 0.3, D)[:, None] * tp[None, :]
    clusters = np.arange(D) * K // D
    psi = np.where(np.arange(K + 1)[:, None] == clusters[None, :], 1.0, -3.0)
    psi[K] = -5.0
    lam = np.concatenate([sig_refs[None, :] + G @ gamma, np.full((N, 1), -5.0)], axis=1)[:, :, None] \
        + rng.standard_normal((N, K + 1, T)) @ L_lam.T
    phi = logit_prev[None] + psi[:, :, None] + rng.standard_normal((K + 1, D, T)) @ L_phi.T
    theta = np.exp(lam - lam.max(axis=1, keepdims=True))
    theta /= theta.sum(axis=1, keepdims=True)
    pi = np.einsum('nkt,kdt->ndt', theta, 1 / (1 + np.exp(-phi)))
    Y = np.zeros((N, D, T))
    E = np.full((N, D), T)
    for t in range(T):
        events = (rng.random((N, D)) < pi[:, :, t]) & (E == T)
        Y[:, :, t] = events
        E[events] = t
    return dict(G=G, gamma=gamma, sig_refs=sig_refs, logit_prev=logit_prev, psi=psi, lam=lam, phi=phi, Y=Y, E=E)


def time_epoch(args):
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    dtype = getattr(torch, args.dtype)
    s = simulate(args.N, args.D, args.T, args.K, args.P, seed=1)
    k_lambda, k_phi = kernels(args.T, dtype)
    c = dict(N=args.N, D=args.D, T=args.T, W=1e-4, G=torch.tensor(s['G'], dtype=dtype),
             sig_refs=torch.tensor(s['sig_refs'], dtype=dtype), healthy_ref=-5.0,
             logit_prev=torch.tensor(s['logit_prev'], dtype=dtype), Y=torch.tensor(s['Y'], dtype=dtype),
             E=torch.tensor(s['E'], dtype=torch.long),
             L_lambda=torch.linalg.cholesky(k_lambda), L_phi=torch.linalg.cholesky(k_phi))
    t = lambda a: torch.tensor(a, dtype=dtype, requires_grad=True)
    p = dict(**{'lambda': t(s['lam'])}, phi=t(s['phi']), psi=t(s['psi']),
             gamma=t(s['gamma']), kappa=t([1.0]))
    times = []
    for _ in range(args.repeats + 1):
        for v in p.values():
            v.grad = None
        start = time.perf_counter()
        total, _, _ = centred_loss(p, c)
        total.backward()
        times.append(time.perf_counter() - start)
    times = sorted(times[1:])
    print(f"pytorch {torch.__version__} dtype={args.dtype} threads={torch.get_num_threads()} "
          f"N={args.N} D={args.D} T={args.T} K={args.K}+1 P={args.P} loss={total.item():.6f} "
          f"epoch_median_ms={1000 * times[len(times) // 2]:.2f} min_ms={1000 * times[0]:.2f} "
          f"loadavg={os.getloadavg()[0]:.2f}")


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('mode', choices=['fixture', 'time'])
    for name, default in [('N', 1000), ('D', 50), ('T', 52), ('K', 5), ('P', 20), ('repeats', 11), ('threads', 0)]:
        parser.add_argument(f'--{name}', type=int, default=default)
    parser.add_argument('--dtype', default='float32', choices=['float32', 'float64'])
    args = parser.parse_args()
    fixture() if args.mode == 'fixture' else time_epoch(args)
