"""Rank correlation between named assumptions by the Iman-Conover method (issue 15, item 3).

Iman, R. L. and Conover, W. J. (1982), "A distribution-free approach to inducing rank correlation
among input variables", *Communications in Statistics - Simulation and Computation* 11(3), 311-334.

Each uncertain assumption is drawn on its own (its marginal distribution is never changed); the
draws are then **re-ordered** so that their ranks follow a set of scores with the requested
correlation:

1. scores: the van der Waerden scores ``Phi^-1(i / (n + 1))``, ``i = 1..n``, independently permuted
   for each variable (a matrix ``R``, n x k);
2. ``E`` = the sample correlation of ``R``, ``E = Q Q'`` and the target ``C = P P'`` (Cholesky);
3. ``T = R (Q^-1)' P'`` has sample correlation exactly ``C`` (Iman and Conover's correction for the
   scores' own sample correlation, their section 3);
4. each variable's draws are sorted and placed in the rank order of its column of ``T``.

Step 3 gives the *scores* Pearson correlation ``C``; their rank (Spearman) correlation is then
``(6 / pi) asin(C / 2)`` (normal scores; Pearson 1907, e.g. Kruskal 1958, JASA 53, 814-861), 0.483 for a
requested 0.5. So the scores are given the Pearson matrix ``2 sin(pi C / 6)``, which makes the rank
correlation of the draws the ``C`` asked for. R's ``mc2d::cornode`` implements steps 1, 2 and 4 without
step 3's correction and without this conversion (``T = R P'`` with ``P`` from ``C`` itself); the tests
compare the two.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from svimpact.exceptions import ParamsError

__all__ = ["RankCorrelation", "correlation_matrix", "iman_conover", "score_matrix"]


@dataclass(frozen=True)
class RankCorrelation:
    """A requested rank correlation between two named assumptions, with where it comes from."""

    a: str
    b: str
    rank: float
    source: str = ""

    def describe(self) -> str:
        from svimpact.present import number

        return (f"{self.a} and {self.b}: rank correlation {number(self.rank, digits=2, plus=True)}"
                + (f" ({self.source})" if self.source else ""))


def correlation_matrix(pairs: Sequence[RankCorrelation], names: Sequence[str], *, file: str | None = None,
                       key: str = "correlations") -> tuple[list[str], np.ndarray]:
    """The variables named in ``pairs`` and their target matrix, checked.

    Every name must be one of ``names`` (the ledger's uncertain entries), a pair may appear once,
    ranks lie in [-1, 1], and the matrix must be positive definite (else a clear error naming the
    pairs)."""
    order: list[str] = []
    seen: set[frozenset[str]] = set()
    for i, p in enumerate(pairs):
        where = f"{key}[{i}]"
        for n in (p.a, p.b):
            if n not in names:
                from svimpact._common import did_you_mean

                raise ParamsError(f"{n!r} is not an uncertain entry of the ledger; "
                                  + did_you_mean(n, list(names), listing="uncertain entries"),
                                  file=file, key=f"{where}.between")
        if p.a == p.b:
            raise ParamsError("a correlation needs two different assumptions", file=file, key=f"{where}.between")
        if not -1 <= p.rank <= 1 or not np.isfinite(p.rank):
            raise ParamsError(f"rank must lie in [-1, 1], got {p.rank!r}", file=file, key=f"{where}.rank")
        pair = frozenset((p.a, p.b))
        if pair in seen:
            raise ParamsError(f"{p.a} and {p.b} are given twice", file=file, key=f"{where}.between")
        seen.add(pair)
        order += [n for n in (p.a, p.b) if n not in order]
    c = np.eye(len(order))
    for p in pairs:
        i, j = order.index(p.a), order.index(p.b)
        c[i, j] = c[j, i] = p.rank
    if order and min(np.linalg.eigvalsh(c).min(), np.linalg.eigvalsh(score_matrix(c)).min()) <= 1e-10:
        raise ParamsError("these rank correlations cannot hold together (the correlation matrix is not positive "
                          "definite): " + "; ".join(p.describe() for p in pairs) + ". Weaken one of them.",
                          file=file, key=key)
    return order, c


def score_matrix(rank_corr: np.ndarray) -> np.ndarray:
    """The Pearson correlation the normal scores need for rank correlation ``rank_corr``: ``2 sin(pi r / 6)``."""
    out = 2 * np.sin(np.pi * np.asarray(rank_corr, dtype=float) / 6)
    np.fill_diagonal(out, 1.0)
    return out


def iman_conover(draws: Mapping[str, np.ndarray], names: Sequence[str], target: np.ndarray,
                 rng: np.random.Generator) -> dict[str, np.ndarray]:
    """``draws`` with the columns ``names`` re-ordered to rank correlation ``target`` (others unchanged)."""
    from scipy.stats import norm, rankdata

    out = dict(draws)
    if not names:
        return out
    n = len(next(iter(draws.values())))
    scores = norm.ppf(np.arange(1, n + 1) / (n + 1))
    r = np.column_stack([rng.permutation(scores) for _ in names])
    e = np.corrcoef(r, rowvar=False)
    q = np.linalg.cholesky(e)
    p = np.linalg.cholesky(score_matrix(target))
    t = r @ np.linalg.inv(q).T @ p.T
    for k, name in enumerate(names):
        ranks = rankdata(t[:, k], method="ordinal").astype(int) - 1
        out[name] = np.sort(np.asarray(draws[name], dtype=float))[ranks]
    return out
