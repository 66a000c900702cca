"""Nearest-neighbour matching with replacement, as Stata's ``teffects psmatch`` does it.

Units with equal matching scores are *tied*, and tied units all share a match: a participant's
counterfactual is the mean outcome of every comparison unit at least as close as its k-th nearest
one, each with equal weight. So the result never depends on the order of the rows (the first row
of a tie does not win), and reproduces Stata's published ``teffects psmatch`` estimates.

Internally the units of one group are collapsed into *score groups* (units whose scores agree to
``1e-10``) carrying their count and sums; a participant is matched to whole score groups, which
also makes frequency weights (bootstrap resampling counts) exact. The match is on the propensity
score itself (Stata's default, ``match_on="score"``) or on its logit (``"logit"``, Rosenbaum and
Rubin 1985); a caliper is a distance on that scale (the pipeline converts pooled standard
deviations into it).

The bootstrap (an option; Abadie and Imbens 2008 show it is not valid for matching, badly so with
one neighbour) resamples participants and comparison units separately, re-fits the propensity
model on each replicate (Newton steps with the full-sample Hessian, which converge to the
replicate's exact maximum-likelihood fit) and re-matches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from svimpact.estimators.effects.propensity import link_values

__all__ = ["Groups", "MatchResult", "bootstrap_match", "make_groups", "match_att", "match_scale", "nearest"]

#: Scores closer than this (times the scale of the scores, at least 1) count as equal.
TIE_TOL = 1e-10


def match_scale(link: str, index: np.ndarray, match_on: str) -> np.ndarray:
    """The matching variable: the score ``F(index)`` or the index itself (``"logit"``)."""
    return index if match_on == "logit" else link_values(link, index)[0]


@dataclass(frozen=True, eq=False)
class Groups:
    """Units of one treatment group collapsed by equal score, in increasing score order.

    ``of_unit[j]`` is the group of unit ``j`` (in the order given); ``weight`` the units (or
    frequency weights) in each group, ``ysum`` their weighted outcome sum.
    """

    value: np.ndarray
    weight: np.ndarray
    ysum: np.ndarray
    of_unit: np.ndarray
    tol: float

    def sums(self, values: np.ndarray, unit_weights: np.ndarray | None = None) -> np.ndarray:
        """Per-group (weighted) sums of ``values`` (1-D or 2-D, one row per unit)."""
        w = np.ones(len(self.of_unit)) if unit_weights is None else unit_weights
        v = np.asarray(values, dtype=float)
        if v.ndim == 1:
            return np.bincount(self.of_unit, weights=w * v, minlength=len(self.value))
        out = np.zeros((len(self.value), v.shape[1]))
        np.add.at(out, self.of_unit, v * w[:, None])
        return out


def make_groups(score: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None) -> Groups:
    """Collapse units into score groups (units with a zero weight are kept out of every group)."""
    score = np.asarray(score, dtype=float)
    w = np.ones(len(score)) if weights is None else np.asarray(weights, dtype=float)
    tol = TIE_TOL * max(1.0, float(np.abs(score).max()) if len(score) else 1.0)
    order = np.argsort(score, kind="stable")
    s = score[order]
    new = np.r_[True, np.diff(s) > tol]
    gid_sorted = np.cumsum(new) - 1
    of_unit = np.empty(len(score), dtype=np.intp)
    of_unit[order] = gid_sorted
    n_groups = int(gid_sorted[-1]) + 1 if len(s) else 0
    weight = np.bincount(of_unit, weights=w, minlength=n_groups)
    ysum = np.bincount(of_unit, weights=w * y, minlength=n_groups)
    value = s[new]
    keep = weight > 0
    if not keep.all():  # drop empty groups (zero-weight units) and renumber
        remap = np.cumsum(keep) - 1
        of_unit = np.where(keep[of_unit], remap[of_unit], -1)
        value, weight, ysum = value[keep], weight[keep], ysum[keep]
    return Groups(value, weight, ysum, of_unit, tol)


def nearest(
    groups: Groups,
    query: np.ndarray,
    k: np.ndarray | int,
    *,
    exclude: np.ndarray | None = None,
    caliper: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The score groups nearest each query value holding at least ``k`` units, ties included.

    Returns candidate group indices (m, 2K) and a mask of those used: every group at most as far
    as the one that brings the count to ``k`` (within the tie tolerance) and within ``caliper``.
    ``exclude`` gives, per query, a group to leave out (the query's own group).
    """
    q = np.asarray(query, dtype=float)
    kk = np.broadcast_to(np.asarray(k, dtype=float), q.shape)
    K = int(max(kk.max(), 1)) if q.size else 1
    G = len(groups.value)
    if exclude is None:
        base = np.searchsorted(groups.value, q)
        offsets = np.arange(-K, K)
    else:
        base = np.asarray(exclude)
        offsets = np.r_[np.arange(-K, 0), np.arange(1, K + 1)]
    cand = base[:, None] + offsets[None, :]
    valid = (cand >= 0) & (cand < G)
    cand = np.clip(cand, 0, max(G - 1, 0))
    dist = np.where(valid, np.abs(groups.value[cand] - q[:, None]), np.inf)
    order = np.argsort(dist, axis=1, kind="stable")
    d_sorted = np.take_along_axis(dist, order, axis=1)
    w_sorted = np.where(np.isfinite(d_sorted), groups.weight[np.take_along_axis(cand, order, axis=1)], 0.0)
    reached = np.cumsum(w_sorted, axis=1) >= kk[:, None] - 1e-9
    first = np.where(reached.any(axis=1), reached.argmax(axis=1), (np.isfinite(d_sorted).sum(axis=1) - 1).clip(0))
    d_k = d_sorted[np.arange(len(q)), first]
    use = np.isfinite(dist) & (dist <= d_k[:, None] + groups.tol)
    if caliper is not None:
        use &= dist <= caliper
    return cand, use


@dataclass(frozen=True, eq=False)
class MatchResult:
    """ATT by matching: per-participant counterfactuals and the comparison units' weights.

    ``control_weights`` is ``K_j``: the sum over the participants matched to unit j of one over
    their number of matches; ``control_weights_sq`` is ``K'_j``, the sum of the squares.
    """

    att: float
    observed: float
    counterfactual: float
    matched: np.ndarray  # bool over participants
    control_weights: np.ndarray
    control_weights_sq: np.ndarray
    cf_treated: np.ndarray  # each participant's counterfactual (NaN when unmatched)
    max_matches: int = 0


def match_att(
    y: np.ndarray,
    t: np.ndarray,
    score: np.ndarray,
    *,
    n_neighbors: int,
    caliper: float | None,
) -> MatchResult:
    """Nearest-neighbour matching with replacement (ties share the match) on ``score``."""
    tr, co = np.flatnonzero(t == 1), np.flatnonzero(t == 0)
    groups = make_groups(score[co], y[co])
    cand, use = nearest(groups, score[tr], n_neighbors, caliper=caliper)
    n_match = np.where(use, groups.weight[cand], 0.0).sum(axis=1)
    matched = n_match > 0
    cf = np.where(use, groups.ysum[cand], 0.0).sum(axis=1) / np.where(matched, n_match, 1.0)
    inv = np.where(matched, 1.0 / np.where(matched, n_match, 1.0), 0.0)
    a = np.zeros(len(groups.value))
    b = np.zeros(len(groups.value))
    np.add.at(a, cand[use], np.broadcast_to(inv[:, None], use.shape)[use])
    np.add.at(b, cand[use], np.broadcast_to(inv[:, None] ** 2, use.shape)[use])
    observed = float(y[tr][matched].mean()) if matched.any() else float("nan")
    counterfactual = float(cf[matched].mean()) if matched.any() else float("nan")
    return MatchResult(observed - counterfactual, observed, counterfactual, matched,
                       a[groups.of_unit], b[groups.of_unit], np.where(matched, cf, np.nan),
                       int(n_match.max()) if len(n_match) else 0)


def _chord_fit(
    P: np.ndarray, t: np.ndarray, W: np.ndarray, start: np.ndarray, H_inv: np.ndarray, link: str
) -> np.ndarray:
    """Weighted propensity fits for a batch of weight rows (B, n), Newton steps with a fixed
    Hessian; the fixed point is each replicate's exact maximum-likelihood fit."""
    beta = np.tile(start, (W.shape[0], 1))
    for _ in range(100):
        eta = beta @ P.T
        p, lam = link_values(link, eta)
        step = (W * (t - p) * lam) @ P @ H_inv.T
        beta += step
        if np.abs(step).max() < 1e-7:  # far below any standard error of a coefficient
            break
    return beta


def bootstrap_match(
    y: np.ndarray,
    t: np.ndarray,
    P: np.ndarray,
    gamma: np.ndarray,
    *,
    link: str,
    match_on: str,
    n_neighbors: int,
    caliper_sd: float | None,
    n_boot: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """ATT replicates from a stratified bootstrap that re-fits the score each time.

    Replicates are processed in vectorised batches (the score re-fit runs on (batch, n)
    matrices of resampling counts). A unit drawn c times counts c times, in the score fit and
    in the match (it is c tied units).
    """
    tr, co = np.flatnonzero(t == 1), np.flatnonzero(t == 0)
    eta0 = P @ gamma
    p0, lam0 = link_values(link, eta0)
    info = lam0 * p0 * (1 - p0) * lam0
    H_inv = np.linalg.inv((P * info[:, None]).T @ P)
    batch = max(1, min(n_boot, 2_000_000 // len(y)))
    out = np.empty(n_boot)
    n1, n0 = len(tr), len(co)
    for first in range(0, n_boot, batch):
        b = min(batch, n_boot - first)
        W = np.zeros((b, len(y)))
        for j in range(b):
            W[j, tr] = np.bincount(rng.integers(0, n1, n1), minlength=n1)
            W[j, co] = np.bincount(rng.integers(0, n0, n0), minlength=n0)
        betas = _chord_fit(P, t, W, gamma, H_inv, link)
        for j in range(b):
            out[first + j] = _replicate(y, t, match_scale(link, P @ betas[j], match_on), W[j],
                                        n_neighbors, caliper_sd)
    return out


def _replicate(y: np.ndarray, t: np.ndarray, s: np.ndarray, w: np.ndarray, k: int,
               caliper_sd: float | None) -> float:
    """One replicate's ATT: participants drawn c times count c times."""
    tr, co = (t == 1) & (w > 0), (t == 0) & (w > 0)
    groups = make_groups(s[co], y[co], w[co])
    caliper = None if caliper_sd is None else caliper_sd * pooled_sd(s, t, w)
    cand, use = nearest(groups, s[tr], k, caliper=caliper)
    n_match = np.where(use, groups.weight[cand], 0.0).sum(axis=1)
    ok = n_match > 0
    if not ok.any():
        return float("nan")
    cf = np.where(use, groups.ysum[cand], 0.0).sum(axis=1)[ok] / n_match[ok]
    wt = w[tr][ok]
    return float((wt * (y[tr][ok] - cf)).sum() / wt.sum())


def pooled_sd(s: np.ndarray, t: np.ndarray, w: np.ndarray | None = None) -> float:
    """``sqrt((var_treated + var_comparison) / 2)`` of the matching variable (Austin 2011)."""
    w = np.ones(len(s)) if w is None else w
    out = 0.0
    for g in (1, 0):
        m = (t == g) & (w > 0)
        mean = np.average(s[m], weights=w[m])
        out += np.average((s[m] - mean) ** 2, weights=w[m]) / 2
    return float(np.sqrt(out))
