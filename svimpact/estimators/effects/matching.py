"""Propensity-score matching (nearest neighbours, with replacement) and its bootstrap.

Matching is on the logit of the score (the linear predictor), as Rosenbaum and Rubin (1985)
recommend; a caliper is given in standard deviations of that logit (0.2 is Austin's 2011
suggestion). The bootstrap resamples participants and comparison units separately, re-fits the
propensity logit on each replicate (frequency weights, Newton steps with the full-sample
Hessian, which converge to the replicate's exact maximum-likelihood fit) and re-matches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MatchResult", "match_att", "bootstrap_match"]


@dataclass(frozen=True, eq=False)
class MatchResult:
    """ATT by matching: per-participant counterfactuals and the comparison units' weights."""

    att: float
    observed: float
    counterfactual: float
    matched: np.ndarray  # bool over participants
    control_weights: np.ndarray  # over comparison units: how often used (1/k per match)


def _neighbours(
    lp_t: np.ndarray, lp_c: np.ndarray, k: int, caliper: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Indices into ``lp_c`` of each participant's k nearest units, and a validity mask."""
    order = np.argsort(lp_c)
    s = lp_c[order]
    pos = np.searchsorted(s, lp_t)
    cand = pos[:, None] + np.arange(-k, k)[None, :]
    ok = (cand >= 0) & (cand < len(s))
    cand = np.clip(cand, 0, len(s) - 1)
    dist = np.where(ok, np.abs(s[cand] - lp_t[:, None]), np.inf)
    pick = np.argsort(dist, axis=1, kind="stable")[:, :k]
    idx = np.take_along_axis(cand, pick, axis=1)
    d = np.take_along_axis(dist, pick, axis=1)
    valid = np.isfinite(d) if caliper is None else d <= caliper
    return order[idx], valid


def match_att(
    y: np.ndarray,
    t: np.ndarray,
    lp: np.ndarray,
    *,
    n_neighbors: int,
    caliper: float | None,
) -> MatchResult:
    """Nearest-neighbour matching with replacement on the linear predictor ``lp``."""
    tr, co = np.flatnonzero(t == 1), np.flatnonzero(t == 0)
    idx, valid = _neighbours(lp[tr], lp[co], n_neighbors, caliper)
    n_used = valid.sum(axis=1)
    matched = n_used > 0
    yc = y[co][idx]
    cf_i = np.where(valid, yc, 0.0).sum(axis=1) / np.maximum(n_used, 1)
    w = np.zeros(len(co))
    share = np.where(valid, 1.0 / np.maximum(n_used, 1)[:, None], 0.0)
    np.add.at(w, idx[matched].ravel(), share[matched].ravel())
    observed = float(y[tr][matched].mean()) if matched.any() else float("nan")
    cf = float(cf_i[matched].mean()) if matched.any() else float("nan")
    return MatchResult(observed - cf, observed, cf, matched, w)


def _chord_logit(
    Xt: np.ndarray, Xc: np.ndarray, Wt: np.ndarray, Wc: np.ndarray, start: np.ndarray,
    H_inv: np.ndarray,
) -> np.ndarray:
    """Weighted logit fits for a batch of weight rows, Newton steps with a fixed Hessian.

    ``Wt``/``Wc`` are the (B, n1)/(B, n0) frequency weights of participants and comparison
    units. The fixed point is each replicate's exact maximum-likelihood fit.
    """
    beta = np.tile(start, (Wt.shape[0], 1))
    for _ in range(100):
        pt = 0.5 * (1.0 + np.tanh(0.5 * (Xt @ beta.T).T))
        pc = 0.5 * (1.0 + np.tanh(0.5 * (Xc @ beta.T).T))
        grad = (Wt * (1.0 - pt)) @ Xt - (Wc * pc) @ Xc
        step = grad @ H_inv.T
        beta += step
        if np.abs(step).max() < 1e-7:  # far below any standard error of a coefficient
            break
    return beta


def bootstrap_match(
    y: np.ndarray,
    t: np.ndarray,
    X: np.ndarray,
    gamma: np.ndarray,
    *,
    n_neighbors: int,
    caliper_sd: float | None,
    n_boot: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """ATT replicates from a stratified bootstrap that re-fits the score each time.

    Replicates are processed in vectorised batches (the score re-fit runs on (batch, n)
    matrices of resampling counts), sized to keep each near 16 MB. Comparison units are kept
    in the order of the full-sample score, so each replicate's sort works on nearly sorted data.
    With ``n_neighbors > 1`` a unit drawn several times fills one neighbour slot, not several.
    """
    tr, co = np.flatnonzero(t == 1), np.flatnonzero(t == 0)
    co = co[np.argsort(X[co] @ gamma, kind="stable")]
    Xt, Xc, yt, yc = X[tr], X[co], y[tr], y[co]
    p0 = 0.5 * (1.0 + np.tanh(0.5 * (X @ gamma)))
    H_inv = np.linalg.inv((X * (p0 * (1 - p0))[:, None]).T @ X)
    batch = max(1, min(n_boot, 2_000_000 // len(y)))
    out = np.empty(n_boot)
    n1, n0 = len(tr), len(co)
    for first in range(0, n_boot, batch):
        b = min(batch, n_boot - first)
        Wt = np.stack([np.bincount(rng.integers(0, n1, n1), minlength=n1) for _ in range(b)])
        Wc = np.stack([np.bincount(rng.integers(0, n0, n0), minlength=n0) for _ in range(b)])
        betas = _chord_logit(Xt, Xc, Wt.astype(float), Wc.astype(float), gamma, H_inv)
        for j in range(b):
            out[first + j] = _replicate(yt, yc, Xt, Xc, betas[j], Wt[j], Wc[j],
                                        n_neighbors, caliper_sd)
    return out


def _replicate(
    yt: np.ndarray, yc: np.ndarray, Xt: np.ndarray, Xc: np.ndarray, beta: np.ndarray,
    wt: np.ndarray, wc: np.ndarray, k: int, caliper_sd: float | None,
) -> float:
    """One replicate's ATT: participants drawn c times count c times."""
    keep_c = wc > 0
    lpt, lpc = Xt @ beta, (Xc @ beta)[keep_c]
    caliper = None
    if caliper_sd is not None:
        lp_all = np.concatenate([lpt, lpc])
        caliper = caliper_sd * _wsd(lp_all, np.concatenate([wt, wc[keep_c]]).astype(float))
    idx, valid = _neighbours(lpt, lpc, k, caliper)
    n_used = valid.sum(axis=1)
    cf_i = np.where(valid, yc[keep_c][idx], 0.0).sum(axis=1) / np.maximum(n_used, 1)
    w = wt * (n_used > 0)
    if w.sum() == 0:
        return float("nan")
    return float((w * (yt - cf_i)).sum() / w.sum())


def _wsd(x: np.ndarray, w: np.ndarray) -> float:
    m = (w * x).sum() / w.sum()
    return float(np.sqrt((w * (x - m) ** 2).sum() / w.sum()))
