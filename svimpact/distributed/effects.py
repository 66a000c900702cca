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

Participants are few, so their propensity scores are collected (for the overlap summary); the
comparison group's scores are summarised (range, counts beyond the participants' range, Kish
effective size, largest weight share) and kept as a systematic sample of at most
:data:`SCORE_SAMPLE` for the overlap plot. On data that fit both ways the estimate and standard
error agree with the pandas path to 1e-8 (``tests/distributed/test_effects_dask.py``). Not here:
matching (a nearest-neighbour search needs the whole pool in one place; use ``ipw``, ``aipw`` or
``regression``), ``difference``/``ols`` and propensity trimming.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from svimpact.distributed.design import DaskDesign, arrays, build_dask_design
from svimpact.distributed.finish import assemble
from svimpact.distributed.mapreduce import Summary, partition_reduce
from svimpact.estimators.effects.fitters import _SE_TEXT, Fit
from svimpact.estimators.effects.numerics import check_se, solve
from svimpact.estimators.effects.options import check_options
from svimpact.estimators.effects.propensity import (
    Overlap,
    Score,
    _loglik,
    link_values,
    no_overlap_error,
)
from svimpact.estimators.effects.results import DEFAULT_N_DRAWS, EffectEstimate
from svimpact.exceptions import EstimationError, InputDataError, UnreliableStandardErrorWarning

__all__ = ["DASK_METHODS", "SCORE_SAMPLE", "estimate_effect_dask"]

DASK_METHODS = ("regression", "ipw", "aipw")
SCORE_SAMPLE = 200_000


def _standard(spec: DaskDesign, y: np.ndarray, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    assert spec.mean is not None and spec.sd is not None
    Zs = (Z - spec.mean) / np.where(spec.sd > 0, spec.sd, 1.0)
    one = np.ones((len(Z), 1))
    Xs = np.hstack([one, Zs[:, list(spec.x_idx)]])
    Ps = np.hstack([one, Zs[:, list(spec.p_idx)]])
    ys = y if spec.binary else (y - spec.y_mean) / (spec.y_sd if spec.y_sd > 0 else 1.0)
    return ys, Xs, Ps


def _binary_pass(df: pd.DataFrame, index: int, spec: DaskDesign, beta: np.ndarray, link: str,
                 which: str) -> Summary:
    """Log-likelihood, score and information at ``beta``: the propensity model (``which="p"``, all rows)
    or the comparison group's logit outcome model (``"o"``)."""
    y, t, Z = arrays(df, spec)
    ys, Xs, Ps = _standard(spec, y, Z)
    if which == "p":
        X, target, eta = Ps, t, Ps @ beta
    else:
        c = t == 0
        X, target = Xs[c], ys[c]
        eta = X @ beta
    p, lam = link_values(link, eta)
    out: Summary = {"ll": _loglik(link, eta, target), "grad": X.T @ ((target - p) * lam),
                    "info": (X * (lam * lam * p * (1 - p))[:, None]).T @ X,
                    "nonfinite": int((~np.isfinite(eta)).sum()),
                    "max_abs": np.array(np.abs(eta).max() if len(eta) else 0.0)}
    if which == "p":
        for g, m in (("t", t == 1), ("c", t == 0)):
            out[f"min_{g}"] = np.array(eta[m].min() if m.any() else np.inf)
            out[f"max_{g}"] = np.array(eta[m].max() if m.any() else -np.inf)
    return out


def _fit_binary(frame: Any, spec: DaskDesign, link: str, which: str, k: int, *,
                max_iter: int = 100) -> tuple[np.ndarray, Summary]:
    """:func:`~svimpact.estimators.effects.propensity.fit_binary`, one pass per evaluation."""
    beta = np.zeros(k)
    stats = partition_reduce(frame, _binary_pass, spec, beta, link, which)
    ll = stats["ll"]
    for _ in range(max_iter):
        try:
            step = np.linalg.solve(stats["info"], stats["grad"])
        except np.linalg.LinAlgError:
            return np.full(k, np.nan), stats
        for _half in range(30):
            new = partition_reduce(frame, _binary_pass, spec, beta + step, link, which)
            if new["ll"] >= ll - 1e-12 * abs(ll):
                break
            step = step / 2
        beta, ll, stats = beta + step, new["ll"], new
        if not np.isfinite(beta).all() or np.abs(step).max() < 1e-11:
            return beta, stats
    return beta, stats


def _propensity(frame: Any, spec: DaskDesign, link: str) -> np.ndarray:
    gamma, stats = _fit_binary(frame, spec, link, "p", len(spec.p_idx) + 1)
    separated = stats["min_t"] >= stats["max_c"] or stats["max_t"] <= stats["min_c"]
    if not np.isfinite(gamma).all() or stats["nonfinite"] or separated:
        r = spec.ranges or {}
        idx = list(spec.p_idx)
        raise no_overlap_error(r["min_t"][idx], r["max_t"][idx], r["min_c"][idx], r["max_c"][idx], spec.pnames)
    return gamma


def _ls_pass(df: pd.DataFrame, index: int, spec: DaskDesign) -> Summary:
    y, t, Z = arrays(df, spec)
    ys, Xs, _ = _standard(spec, y, Z)
    c = t == 0
    return {"xtx": Xs[c].T @ Xs[c], "xty": Xs[c].T @ ys[c]}


def _outcome_model(frame: Any, spec: DaskDesign) -> tuple[np.ndarray, bool]:
    """:func:`~svimpact.estimators.effects.covariance.fit_outcome_model` on the comparison rows."""
    k = len(spec.x_idx) + 1
    if spec.binary:
        beta, stats = _fit_binary(frame, spec, "logit", "o", k)
        if np.isfinite(beta).all() and float(stats["max_abs"]) < 30:
            return beta, True
    s = partition_reduce(frame, _ls_pass, spec)
    return solve(s["xtx"], s["xty"], what="outcome model"), False


def _pieces(df: pd.DataFrame, spec: DaskDesign, gamma: np.ndarray, beta0: np.ndarray | None, logit: bool,
            link: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, Score, np.ndarray, np.ndarray]:
    y, t, Z = arrays(df, spec)
    ys, Xs, Ps = _standard(spec, y, Z)
    eta = Ps @ gamma
    score = Score(link, gamma, eta, link_values(link, eta)[0])
    if beta0 is None:
        m0 = dm0 = np.zeros(len(y))
    else:
        lp = Xs @ beta0
        m0 = 0.5 * (1.0 + np.tanh(0.5 * lp)) if logit else lp
        dm0 = m0 * (1 - m0) if logit else np.ones_like(lp)
    return ys, t, Xs, Ps, Z, score, m0, dm0


def _point_pass(df: pd.DataFrame, index: int, spec: DaskDesign, gamma: np.ndarray, beta0: np.ndarray | None,
                logit: bool, link: str) -> Summary:
    ys, t, _, _, _, score, m0, _ = _pieces(df, spec, gamma, beta0, logit, link)
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
    ys, t, Xs, Ps, Z, score, m0, dm0 = _pieces(df, spec, gamma, beta0, logit, link)
    G, D = _moments(method, ys, t, Xs, Ps, score, m0, dm0, est)
    c = t == 0
    e, pc = score.odds()[0][c], score.p[c]
    return {"meat": G.T @ G, "D": D, "sum_e2": float((e**2).sum()), "max_e": np.array(e.max() if len(e) else 0.0),
            "n_pos": int((e > 0).sum()), "min_pc": np.array(pc.min() if len(pc) else np.inf),
            "max_pc": np.array(pc.max() if len(pc) else -np.inf), "below": int((pc < est["pt_min"]).sum()),
            "above": int((pc > est["pt_max"]).sum()), "ez": e @ Z[c], "cat_sample": pc[::stride]}


def _cluster_pass(df: pd.DataFrame, index: int, spec: DaskDesign, method: str, gamma: np.ndarray,
                  beta0: np.ndarray | None, logit: bool, link: str, est: dict[str, float],
                  a: np.ndarray) -> Summary:
    ys, t, Xs, Ps, _, score, m0, dm0 = _pieces(df, spec, gamma, beta0, logit, link)
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
    gamma = _propensity(frame, spec, link)
    beta0, logit = _outcome_model(frame, spec) if method in ("regression", "aipw") else (None, False)
    point = partition_reduce(frame, _point_pass, spec, gamma, beta0, logit, link)
    est = _point(method, point)
    stride = max(1, -(-(spec.n - spec.n_treated) // SCORE_SAMPLE))
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
        _few_clusters(g)
        se = float(np.sqrt(g / max(g - 1, 1) * float((sums.to_numpy() ** 2).sum())) / n)
    else:
        v = max(float(a @ s["meat"] @ a), 0.0) / n**2
        se = float(np.sqrt(v * (n / max(n - n_params, 1) if se_kind == "hc1" else 1.0)))
    se = check_se(se * scale, spec.y_sd, what=what)
    name = {"regression": f"{'logit' if logit else 'OLS'} outcome model",
            "ipw": f"{link} propensity model estimated", "aipw": f"{'logit' if logit else 'OLS'} outcome model"}[method]
    assert spec.treated is not None
    pt = point["cat_p_treated"]
    n_c = spec.n - spec.n_treated
    sum_e = point["sum_e"]
    overlap = Overlap(pt, s["cat_sample"], (float(pt.min()), float(pt.max())),
                      (float(s["min_pc"]), float(s["max_pc"])),
                      int(((pt > float(s["max_pc"])) | (pt < float(s["min_pc"]))).sum()),
                      float(s["max_e"]) / sum_e if sum_e > 0 else float("nan"), int(s["below"]), int(s["above"]),
                      float(sum_e**2 / s["sum_e2"]) if s["sum_e2"] > 0 else 0.0, n_comparison=n_c)
    fit = Fit(est["tau"] * scale, se, f"analytic ({_SE_TEXT[se_kind]} sandwich, {name})",
              float(spec.treated.mean[-1]), None, overlap, spec.n_treated)
    return fit, {**s, "sum_e": sum_e, "reweights": method != "regression"}


def _few_clusters(g: int) -> None:
    if g < 2:
        raise InputDataError("cluster-robust standard errors need at least 2 clusters; the data have "
                             f"{g}", hint="use se='hc1' or a coarser-grained cluster column")
    if g < 30:
        warnings.warn(
            f"Only {g} clusters: cluster-robust standard errors are too small with fewer than about 30 "
            "clusters, so the interval is too narrow. Read it with care.",
            UnreliableStandardErrorWarning, stacklevel=4)
