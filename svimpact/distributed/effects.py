"""``estimate_effect`` on a Dask DataFrame: regression adjustment, IPW and AIPW by map-reduce.

The comparison pool never leaves its partitions. Every quantity is a sum over rows, so each step is
one pass of :func:`~svimpact.distributed.mapreduce.partition_reduce`:

1. checks and pooled moments (:mod:`.design`): standardisation, rank check, balance before weighting;
2. the propensity model (logit or probit) by Fisher scoring - each iteration one pass returning the
   log-likelihood, the score ``P'((t - p) lambda)`` and the information ``P' W P`` - with the same
   step-halving rule and stopping test as :func:`~svimpact.estimators.effects.propensity.fit_binary`,
   so the two paths walk the same iterates;
3. the comparison group's outcome model: least squares from ``X'X`` and ``X'y`` (or, for a 0/1
   outcome, a logit fitted like the propensity model, with the same fallback);
4. the point estimate from its sums, then one pass for the sandwich: the stacked moment conditions
   ``g_i`` of :mod:`svimpact.estimators.effects.covariance` summed into the meat ``G'G`` and their
   Jacobian ``D`` summed over partitions; the ATT's influence function is ``-e_0' D^{-1} g_i``, so its
   HC0 variance is ``a' (G'G) a / n^2`` with ``a = e_0' D^{-1}`` - the propensity- and outcome-model
   estimation corrections included, exactly as the pandas path; HC1 scales it by ``n / (n - k)``;
   cluster-robust errors take one more pass summing ``a' g_i`` by cluster.

``difference`` and ``ols`` (pooled least squares) are in :mod:`.pooled`. Participants are few, so
their propensity scores are collected (for the overlap summary); the comparison group's scores are
summarised (range, counts beyond the participants' range, Kish effective size, largest weight share)
and kept as a systematic sample of at most :data:`SCORE_SAMPLE` for the overlap plot. On data that
fit both ways the estimate and standard error agree with the pandas path to 1e-8
(``tests/distributed/test_effects_dask.py``). Not here: matching (a nearest-neighbour search needs
the whole pool in one place; use ``ipw``, ``aipw`` or ``regression``) and propensity trimming (the
Crump rule sorts every unit's score).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from svimpact.distributed.design import DaskDesign, build_dask_design
from svimpact.distributed.finish import assemble
from svimpact.distributed.mapreduce import Summary, partition_reduce
from svimpact.distributed.models import (
    SCORE_SAMPLE,
    few_clusters,
    make_overlap,
    outcome_model,
    overlap_stats,
    pieces,
    propensity,
    sample_stride,
)
from svimpact.distributed.pooled import fit_pooled
from svimpact.estimators.effects.fitters import _SE_TEXT, Fit
from svimpact.estimators.effects.numerics import check_se, solve
from svimpact.estimators.effects.options import check_options
from svimpact.estimators.effects.propensity import (
    Score,
)
from svimpact.estimators.effects.results import DEFAULT_N_DRAWS, EffectEstimate
from svimpact.exceptions import EstimationError, UnreliableStandardErrorWarning

__all__ = ["DASK_METHODS", "SCORE_SAMPLE", "estimate_effect_dask"]

DASK_METHODS = ("difference", "ols", "regression", "ipw", "aipw")


def _point_pass(df: pd.DataFrame, index: int, spec: DaskDesign, gamma: np.ndarray, beta0: np.ndarray | None,
                logit: bool, link: str) -> Summary:
    ys, t, _, _, _, score, m0, _ = pieces(df, spec, gamma, beta0, logit, link)
    e = score.odds()[0]
    c = t == 0
    return {"n1": float(t.sum()), "sum_y1": float(ys[t == 1].sum()), "sum_m0_1": float(m0[t == 1].sum()),
            "sum_e": float(e[c].sum()), "sum_ey": float((e[c] * ys[c]).sum()),
            "sum_er": float((e[c] * (ys[c] - m0[c])).sum()), "cat_p_treated": score.p[t == 1]}


def _moments(method: str, ys: np.ndarray, t: np.ndarray, X: np.ndarray, P: np.ndarray, score: Score,
             m0: np.ndarray, dm0: np.ndarray, est: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """One partition's moment contributions ``G`` and the *sum* of its Jacobian rows (covariance.py)."""
    e, de = score.odds()
    k, kp = X.shape[1], P.shape[1]
    tau = est["tau"]
    n1 = float(t.sum())
    if method == "regression":
        mu0 = est["mu0"]
        G = np.column_stack([t * (ys - tau - mu0), t * (m0 - mu0), X * ((1 - t) * (ys - m0))[:, None]])
        D = np.zeros((k + 2, k + 2))
        D[0, :2] = -n1
        D[1, 1] = -n1
        D[1, 2:] = (t * dm0) @ X
        D[2:, 2:] = -(X * ((1 - t) * dm0)[:, None]).T @ X
        return G, D
    if method == "ipw":
        mu0 = est["mu0"]
        w = t + (1 - t) * e
        G = np.column_stack([t * (ys - tau - mu0), w * (ys - t * tau - mu0), P * score.moment_weight(t)[:, None]])
        D = np.zeros((kp + 2, kp + 2))
        D[0, :2] = -n1
        D[1, 0] = -n1
        D[1, 1] = -w.sum()
        D[1, 2:] = ((1 - t) * de * (ys - mu0)) @ P
        D[2:, 2:] = (P * score.moment_slope(t)[:, None]).T @ P
        return G, D
    a, b = est["a"], est["b"]
    ec, r = (1 - t) * e, ys - m0
    G = np.column_stack([t * (ys - tau - a - b), t * (m0 - a), ec * (r - b), X * ((1 - t) * r)[:, None],
                         P * score.moment_weight(t)[:, None]])
    K = 3 + k + kp
    D = np.zeros((K, K))
    sb, sg = slice(3, 3 + k), slice(3 + k, K)
    D[0, :3] = -n1
    D[1, 1] = -n1
    D[1, sb] = (t * dm0) @ X
    D[2, 2] = -ec.sum()
    D[2, sb] = -(ec * dm0) @ X
    D[2, sg] = ((1 - t) * de * (r - b)) @ P
    D[sb, sb] = -(X * ((1 - t) * dm0)[:, None]).T @ X
    D[sg, sg] = (P * score.moment_slope(t)[:, None]).T @ P
    return G, D


def _sandwich_pass(df: pd.DataFrame, index: int, spec: DaskDesign, method: str, gamma: np.ndarray,
                   beta0: np.ndarray | None, logit: bool, link: str, est: dict[str, float],
                   stride: int) -> Summary:
    ys, t, Xs, Ps, Z, score, m0, dm0 = pieces(df, spec, gamma, beta0, logit, link)
    G, D = _moments(method, ys, t, Xs, Ps, score, m0, dm0, est)
    return {"meat": G.T @ G, "D": D, **overlap_stats(score, t, Z, est, stride)}


def _cluster_pass(df: pd.DataFrame, index: int, spec: DaskDesign, method: str, gamma: np.ndarray,
                  beta0: np.ndarray | None, logit: bool, link: str, est: dict[str, float],
                  a: np.ndarray) -> Summary:
    ys, t, Xs, Ps, _, score, m0, dm0 = pieces(df, spec, gamma, beta0, logit, link)
    G, _ = _moments(method, ys, t, Xs, Ps, score, m0, dm0, est)
    keys = df.loc[~df[list(spec.used)].isna().to_numpy().any(axis=1)] if spec.dropna else df
    assert spec.cluster is not None
    psi = pd.Series(G @ a).groupby(keys[spec.cluster].astype(str).to_numpy()).sum()
    return {"ser_cluster": psi}


def _point(method: str, s: Summary) -> dict[str, float]:
    """The estimate from its sums (:mod:`svimpact.estimators.effects.covariance`, in standardised units)."""
    n1 = s["n1"]
    ybar = s["sum_y1"] / n1
    pt = s["cat_p_treated"]
    est = {"pt_min": float(pt.min()), "pt_max": float(pt.max())}
    if method == "regression":
        mu0 = s["sum_m0_1"] / n1
        return {**est, "mu0": mu0, "tau": ybar - mu0}
    if method == "ipw":
        mu0 = s["sum_ey"] / s["sum_e"]
        return {**est, "mu0": mu0, "tau": ybar - mu0}
    a, b = s["sum_m0_1"] / n1, s["sum_er"] / s["sum_e"]
    return {**est, "a": a, "b": b, "tau": ybar - a - b}


def _refuse(method: str, se: str | None, trim: Any, cluster: str | None) -> None:
    if method == "psm":
        raise EstimationError(
            "matching (method='psm') is not available on a Dask DataFrame: a nearest-neighbour search needs the "
            "whole comparison pool in one process. Use method='ipw', 'aipw' (doubly robust) or 'regression', "
            "which run partition by partition, or compute matching on a pandas DataFrame that fits in memory")
    if method not in DASK_METHODS:
        raise EstimationError(f"method={method!r} is not available on a Dask DataFrame; use one of "
                              f"{', '.join(map(repr, DASK_METHODS))} (or a pandas DataFrame)")
    if trim is not None:
        raise EstimationError("propensity trimming (trim=) is not available on a Dask DataFrame; filter the "
                              "comparison pool first, or estimate on a pandas DataFrame")


def estimate_effect_dask(
    data: Any, *, outcome: str, treatment: str, covariates: Sequence[str] = (), method: str = "aipw",
    n_neighbors: int = 4, caliper: float | None = None, n_boot: int = 200, level: float = 0.95,
    n_draws: int = DEFAULT_N_DRAWS, dropna: bool = False, seed: int | None = 0,
    propensity_covariates: Sequence[str] | None = None, se: str | None = None, cluster: str | None = None,
    trim: tuple[float, float] | str | None = None, match_on: str = "logit", propensity_model: str = "logit",
) -> EffectEstimate:
    """:func:`svimpact.estimators.effects.estimate_effect` on a Dask DataFrame (see the module docstring)."""
    options = check_options(method, covariates, n_neighbors=n_neighbors, caliper=caliper, n_boot=n_boot,
                            level=level, n_draws=n_draws, se=se, cluster=cluster, trim=trim, match_on=match_on,
                            propensity_model=propensity_model, propensity_covariates=propensity_covariates)
    _refuse(method, se, trim, cluster)
    spec = build_dask_design(data, outcome=outcome, treatment=treatment, covariates=covariates, dropna=dropna,
                             propensity_covariates=propensity_covariates, cluster=cluster)
    _, draw_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit, extra = _fit(data, spec, method, options.se, propensity_model)
    for w in caught:
        warnings.warn(w.message, w.category, stacklevel=3)  # the caller of estimate_effect
    se_messages = tuple(str(w.message) for w in caught if issubclass(w.category, UnreliableStandardErrorWarning))
    params = {"seed": seed, **options.record(),
              "propensity_covariates": None if propensity_covariates is None else tuple(propensity_covariates),
              "backend": "dask"}
    return assemble(spec, fit, extra, method=method, outcome=outcome, treatment=treatment,
                     covariates=tuple(covariates), level=level, n_draws=n_draws, rng=draw_rng, params=params,
                     extra_warnings=se_messages)


def _fit(frame: Any, spec: DaskDesign, method: str, se_kind: str, link: str) -> tuple[Fit, Summary]:
    if method in ("difference", "ols"):
        return fit_pooled(frame, spec, method, se_kind, link)
    gamma = propensity(frame, spec, link)
    beta0, logit = outcome_model(frame, spec) if method in ("regression", "aipw") else (None, False)
    point = partition_reduce(frame, _point_pass, spec, gamma, beta0, logit, link)
    est = _point(method, point)
    stride = sample_stride(spec)
    s = partition_reduce(frame, _sandwich_pass, spec, method, gamma, beta0, logit, link, est, stride)
    n = spec.n
    what = {"regression": "regression-adjusted ATT", "ipw": "IPW ATT", "aipw": "AIPW ATT"}[method]
    K = s["D"].shape[0]
    a = solve(s["D"] / n, np.eye(K), what=f"standard error of the {what}")[0]
    scale = spec.y_sd if not spec.binary and spec.y_sd > 0 else 1.0
    n_params = {"regression": len(spec.x_idx) + 3, "ipw": len(spec.p_idx) + 3,
                "aipw": len(spec.x_idx) + len(spec.p_idx) + 5}[method]
    if se_kind == "cluster":
        sums = partition_reduce(frame, _cluster_pass, spec, method, gamma, beta0, logit, link, est, a)["ser_cluster"]
        g = len(sums)
        few_clusters(g)
        se = float(np.sqrt(g / max(g - 1, 1) * float((sums.to_numpy() ** 2).sum())) / n)
    else:
        v = max(float(a @ s["meat"] @ a), 0.0) / n**2
        se = float(np.sqrt(v * (n / max(n - n_params, 1) if se_kind == "hc1" else 1.0)))
    se = check_se(se * scale, spec.y_sd, what=what)
    name = {"regression": f"{'logit' if logit else 'OLS'} outcome model",
            "ipw": f"{link} propensity model estimated", "aipw": f"{'logit' if logit else 'OLS'} outcome model"}[method]
    assert spec.treated is not None
    sum_e = point["sum_e"]
    overlap = make_overlap(point["cat_p_treated"], s, sum_e, spec.n - spec.n_treated)
    fit = Fit(est["tau"] * scale, se, f"analytic ({_SE_TEXT[se_kind]} sandwich, {name})",
              float(spec.treated.mean[-1]), None, overlap, spec.n_treated)
    return fit, {**s, "sum_e": sum_e, "reweights": method != "regression"}
