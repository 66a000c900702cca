"""The Dask path's models and shared pieces: standardised rows, the propensity and outcome models, overlap.

Used by :mod:`.effects` (regression, IPW, AIPW) and :mod:`.pooled` (difference, pooled OLS). Each
model is fitted as :mod:`svimpact.estimators.effects.propensity` and
:mod:`svimpact.estimators.effects.covariance` fit it on pandas, one pass over the partitions per
evaluation (see :mod:`.effects` for the whole scheme).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from svimpact.distributed.design import DaskDesign, arrays
from svimpact.distributed.mapreduce import Summary, partition_reduce
from svimpact.estimators.effects.fitters import few_clusters
from svimpact.estimators.effects.numerics import solve
from svimpact.estimators.effects.propensity import Overlap, Score, _loglik, link_values, no_overlap_error

__all__ = ["SCORE_SAMPLE", "few_clusters", "make_overlap", "outcome_model", "overlap_stats", "pieces", "propensity",
           "sample_stride", "standard"]

SCORE_SAMPLE = 200_000
"""Comparison-group scores kept (a systematic sample) for the overlap plot; the summaries use every row."""


def standard(spec: DaskDesign, y: np.ndarray, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
    ys, Xs, Ps = standard(spec, y, Z)
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
    """:func:`~svimpact.estimators.effects.propensity.fit_binary`, one pass per evaluation.

    The same Fisher scoring, step halving and stopping rule, started (as GLM software does) from the
    intercept-only fit ``F^-1(share of ones)`` instead of zero: with a few participants in a pool of
    millions the intercept is far from zero, and every iteration saved is a pass over the pool. The
    maximum is the same; the two paths stop within ``1e-11`` of it.
    """
    beta = np.zeros(k)
    assert spec.treated is not None and spec.comparison is not None
    share = spec.n_treated / spec.n if which == "p" else float(spec.comparison.mean[-1])
    if 0 < share < 1:
        beta[0] = float(ndtri(share)) if link == "probit" else float(np.log(share / (1 - share)))
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


def propensity(frame: Any, spec: DaskDesign, link: str) -> np.ndarray:
    """The propensity model's coefficients; perfect separation is the pandas path's error."""
    gamma, stats = _fit_binary(frame, spec, link, "p", len(spec.p_idx) + 1)
    separated = stats["min_t"] >= stats["max_c"] or stats["max_t"] <= stats["min_c"]
    if not np.isfinite(gamma).all() or stats["nonfinite"] or separated:
        r = spec.ranges or {}
        idx = list(spec.p_idx)
        raise no_overlap_error(r["min_t"][idx], r["max_t"][idx], r["min_c"][idx], r["max_c"][idx], spec.pnames)
    return gamma


def _ls_pass(df: pd.DataFrame, index: int, spec: DaskDesign) -> Summary:
    y, t, Z = arrays(df, spec)
    ys, Xs, _ = standard(spec, y, Z)
    c = t == 0
    return {"xtx": Xs[c].T @ Xs[c], "xty": Xs[c].T @ ys[c]}


def outcome_model(frame: Any, spec: DaskDesign) -> tuple[np.ndarray, bool]:
    """:func:`~svimpact.estimators.effects.covariance.fit_outcome_model` on the comparison rows."""
    k = len(spec.x_idx) + 1
    if spec.binary:
        beta, stats = _fit_binary(frame, spec, "logit", "o", k)
        if np.isfinite(beta).all() and float(stats["max_abs"]) < 30:
            return beta, True
    s = partition_reduce(frame, _ls_pass, spec)
    return solve(s["xtx"], s["xty"], what="outcome model"), False


def pieces(df: pd.DataFrame, spec: DaskDesign, gamma: np.ndarray, beta0: np.ndarray | None, logit: bool,
            link: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, Score, np.ndarray, np.ndarray]:
    y, t, Z = arrays(df, spec)
    ys, Xs, Ps = standard(spec, y, Z)
    eta = Ps @ gamma
    score = Score(link, gamma, eta, link_values(link, eta)[0])
    if beta0 is None:
        m0 = dm0 = np.zeros(len(y))
    else:
        lp = Xs @ beta0
        m0 = 0.5 * (1.0 + np.tanh(0.5 * lp)) if logit else lp
        dm0 = m0 * (1 - m0) if logit else np.ones_like(lp)
    return ys, t, Xs, Ps, Z, score, m0, dm0


def sample_stride(spec: DaskDesign) -> int:
    return max(1, -(-(spec.n - spec.n_treated) // SCORE_SAMPLE))


def overlap_stats(score: Score, t: np.ndarray, Z: np.ndarray, est: dict[str, float], stride: int) -> Summary:
    """One partition's share of the overlap summary: the comparison group's ATT weights and scores."""
    c = t == 0
    e, pc = score.odds()[0][c], score.p[c]
    return {"sum_e2": float((e**2).sum()), "max_e": np.array(e.max() if len(e) else 0.0),
            "n_pos": int((e > 0).sum()), "min_pc": np.array(pc.min() if len(pc) else np.inf),
            "max_pc": np.array(pc.max() if len(pc) else -np.inf), "below": int((pc < est["pt_min"]).sum()),
            "above": int((pc > est["pt_max"]).sum()), "ez": e @ Z[c], "cat_sample": pc[::stride]}


def make_overlap(pt: np.ndarray, s: Summary, sum_e: float, n_comparison: int) -> Overlap:
    """:func:`~svimpact.estimators.effects.propensity.overlap_summary` from the pooled overlap stats."""
    return Overlap(pt, s["cat_sample"], (float(pt.min()), float(pt.max())), (float(s["min_pc"]), float(s["max_pc"])),
                   int(((pt > float(s["max_pc"])) | (pt < float(s["min_pc"]))).sum()),
                   float(s["max_e"]) / sum_e if sum_e > 0 else float("nan"), int(s["below"]), int(s["above"]),
                   float(sum_e**2 / s["sum_e2"]) if s["sum_e2"] > 0 else 0.0, n_comparison=n_comparison)


