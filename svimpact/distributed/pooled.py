"""``difference`` and ``ols`` on a Dask DataFrame: pooled least squares from per-partition sums.

As :func:`svimpact.estimators.effects.fitters._fit_difference` and ``_fit_ols``: the pooled
regression of the outcome on an intercept, the centred treatment indicator and (``ols``) the
standardised covariates, ``W'W`` and ``W'y`` summed over partitions; then one pass for the residual
sums (``sum r^2``, ``sum W W' r^2``), from which the classical, HC0/HC1 standard errors of the
indicator's coefficient follow (``b = row of (W'W/n)^-1``, ``sum (h r)^2 = b' (sum W W' r^2) b``);
cluster-robust errors take one more pass summing ``h r`` by cluster (Stata ``regress`` conventions,
as the pandas path). ``difference`` with ``se="welch"`` needs only the groups' pooled moments.
``ols`` also fits the propensity model for the overlap summary, as the pandas path does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from svimpact.distributed.design import DaskDesign, arrays
from svimpact.distributed.mapreduce import Summary, partition_reduce
from svimpact.distributed.models import few_clusters, make_overlap, overlap_stats, propensity, sample_stride, standard
from svimpact.estimators.effects.fitters import _SE_TEXT, Fit
from svimpact.estimators.effects.numerics import check_se, solve
from svimpact.estimators.effects.propensity import Score, link_values

__all__ = ["fit_pooled"]


def _w(df: pd.DataFrame, spec: DaskDesign, covariates: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y, t, Z = arrays(df, spec)
    ys, Xs, _ = standard(spec, y, Z)
    tc = t - spec.n_treated / spec.n
    if covariates:
        return ys, t, np.column_stack([Xs[:, :1], tc, Xs[:, 1:]])
    return y, t, np.column_stack([np.ones(len(y)), tc])


def _gram_pass(df: pd.DataFrame, index: int, spec: DaskDesign, covariates: bool) -> Summary:
    y, _, W = _w(df, spec, covariates)
    return {"wtw": W.T @ W, "wty": W.T @ y}


def _resid_pass(df: pd.DataFrame, index: int, spec: DaskDesign, covariates: bool, coef: np.ndarray) -> Summary:
    y, _, W = _w(df, spec, covariates)
    r = y - W @ coef
    return {"rr": float(r @ r), "meat": (W * (r * r)[:, None]).T @ W}


def _cluster_pass(df: pd.DataFrame, index: int, spec: DaskDesign, covariates: bool, coef: np.ndarray,
                  b: np.ndarray) -> Summary:
    y, _, W = _w(df, spec, covariates)
    keys = df.loc[~df[list(spec.used)].isna().to_numpy().any(axis=1)] if spec.dropna else df
    assert spec.cluster is not None
    return {"ser_cluster": pd.Series((W @ b) * (y - W @ coef)).groupby(keys[spec.cluster].astype(str).to_numpy()).sum()}


def _overlap_pass(df: pd.DataFrame, index: int, spec: DaskDesign, gamma: np.ndarray, link: str,
                  est: dict[str, float] | None, stride: int) -> Summary:
    y, t, Z = arrays(df, spec)
    _, _, Ps = standard(spec, y, Z)
    eta = Ps @ gamma
    score = Score(link, gamma, eta, link_values(link, eta)[0])
    if est is None:
        return {"cat_p_treated": score.p[t == 1], "sum_e": float(score.odds()[0][t == 0].sum())}
    return overlap_stats(score, t, Z, est, stride)


def _ols_se(frame: Any, spec: DaskDesign, se_kind: str, covariates: bool, what: str, scale: float) -> tuple[float, float]:
    """The indicator's coefficient and its standard error (``fitters._ols_se``)."""
    g = partition_reduce(frame, _gram_pass, spec, covariates)
    n = spec.n
    k = g["wtw"].shape[0]
    bread = solve(g["wtw"] / n, np.eye(k), what=f"standard error of the {what}")
    coef = bread @ (g["wty"] / n)
    b = bread[1]
    r = partition_reduce(frame, _resid_pass, spec, covariates, coef)
    if se_kind == "classical":
        s2 = r["rr"] * scale**2 / max(n - k, 1)
        return float(coef[1]), check_se(float(np.sqrt(s2 * float(b @ g["wtw"] @ b))) / n, spec.y_sd, what=what)
    if se_kind == "cluster":
        sums = partition_reduce(frame, _cluster_pass, spec, covariates, coef, b)["ser_cluster"].to_numpy() * scale
        few_clusters(len(sums))
        se = float(np.sqrt(len(sums) / max(len(sums) - 1, 1) * float((sums**2).sum())) / n)
        se = check_se(se, spec.y_sd, what=what)
        return float(coef[1]), se * float(np.sqrt((n - 1) / max(n - k, 1)))
    v = max(float(b @ r["meat"] @ b), 0.0) * scale**2 / n**2
    if se_kind == "hc1":
        v *= n / max(n - k, 1)
    return float(coef[1]), check_se(float(np.sqrt(v)), spec.y_sd, what=what)


def fit_pooled(frame: Any, spec: DaskDesign, method: str, se_kind: str, link: str) -> tuple[Fit, Summary]:
    """The ``difference`` or ``ols`` fit, and what :func:`.finish.assemble` needs besides."""
    assert spec.treated is not None and spec.comparison is not None
    observed = float(spec.treated.mean[-1])
    extra: Summary = {"reweights": False}
    if method == "difference":
        att = float(spec.treated.mean[-1] - spec.comparison.mean[-1])
        what = "difference in means"
        if se_kind == "welch":
            yt, yc = spec.treated, spec.comparison
            se = float(np.sqrt(yt.C[-1, -1] / (yt.n - 1) / yt.n + yc.C[-1, -1] / (yc.n - 1) / yc.n))
            se = check_se(se, spec.y_sd, what=what)
        else:
            _, se = _ols_se(frame, spec, se_kind, False, what, 1.0)
        return Fit(att, se, f"analytic ({_SE_TEXT[se_kind]})", observed, None, None, spec.n_treated), extra
    scale = spec.y_sd if not spec.binary and spec.y_sd > 0 else 1.0
    coef, se = _ols_se(frame, spec, se_kind, True, "OLS effect", scale)
    overlap = None
    if len(spec.p_idx) > 0:
        gamma = propensity(frame, spec, link)
        first = partition_reduce(frame, _overlap_pass, spec, gamma, link, None, 1)
        pt = first["cat_p_treated"]
        est = {"pt_min": float(pt.min()), "pt_max": float(pt.max())}
        s = partition_reduce(frame, _overlap_pass, spec, gamma, link, est, sample_stride(spec))
        overlap = make_overlap(pt, s, first["sum_e"], spec.n - spec.n_treated)
    return Fit(coef * scale, se, f"analytic ({_SE_TEXT[se_kind]}, pooled OLS with a treatment indicator)", observed,
               None, overlap, spec.n_treated), extra
