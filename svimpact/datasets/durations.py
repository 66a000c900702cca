"""SYNTHETIC spells (tenancies, jobs) with rolling starts, a data cut-off and known true sustainment curves.

Spell lengths are Weibull with proportional hazards: ``S_a(t | x) = exp(-(t / scale)^shape * exp(index(x) + a log HR))``
where ``a`` is 1 for a participant (the service lowers the hazard by ``HR``) and 0 without the service.
So for every participant both curves are known: the truth an estimator should recover is the mean over
participants of ``S_1(h | x)`` (their sustainment) and of ``S_0(h | x)`` (their counterfactual).
Spells still going at the cut-off have a blank end date (censored). Lengths are whole days (the end
date is the start plus the floor of the length), so sustainment at ``h`` days means lasting at least
``floor(h) + 1`` days, which is how the truth is evaluated.

:func:`simulate_sustainment` is the small generic design used by the coverage tests; the service
generators (:mod:`svimpact.datasets.services`) call :func:`spells` and :func:`true_sustainment`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["SimulatedSustainment", "add_spell_dates", "simulate_sustainment", "spells", "true_sustainment"]

DAYS_PER_MONTH = 365.25 / 12


def _at(h_days: float) -> float:
    return float(np.floor(h_days) + 1)


def spells(rng: np.random.Generator, index: np.ndarray, treated: np.ndarray, *, scale: float, shape: float,
           hazard_ratio: float) -> np.ndarray:
    """Spell lengths in days (floats) for each unit's own arm."""
    lin = index + np.log(hazard_ratio) * treated
    return scale * (rng.exponential(size=index.size) / np.exp(lin)) ** (1 / shape)


def true_sustainment(index: np.ndarray, horizon_days: float, *, scale: float, shape: float, hazard_ratio: float
                     ) -> tuple[float, float]:
    """Mean of ``S_1(h | x)`` and ``S_0(h | x)`` over the units given (the participants)."""
    base = (_at(horizon_days) / scale) ** shape * np.exp(index)
    return float(np.mean(np.exp(-base * hazard_ratio))), float(np.mean(np.exp(-base)))


def add_spell_dates(start: pd.Series, length: np.ndarray, cutoff: pd.Timestamp) -> pd.Series:
    """End dates ``start + floor(length)`` as YYYY-MM-DD; blank where the spell runs past the cut-off."""
    end = start + pd.to_timedelta(np.floor(length), unit="D")
    return end.where(end <= cutoff).dt.strftime("%Y-%m-%d")


@dataclass(frozen=True, eq=False)
class SimulatedSustainment:
    """A simulated programme: ``data`` (start, end, treated, x1, x2) and the true curves at each horizon."""

    data: pd.DataFrame
    cutoff: pd.Timestamp
    truth: dict[float, tuple[float, float]]  # horizon (months) -> (participants, counterfactual)
    covariates: tuple[str, ...] = ("x1", "x2")


_B = (0.5, 0.6)          # effect of x1, x2 on the log hazard
_SCALE, _SHAPE = 600.0, 0.9


def simulate_sustainment(n_treated: int = 300, n_comparison: int = 600, *, hazard_ratio: float = 0.5,
                         confounding: float = 0.6, horizons: tuple[float, ...] = (6.0, 12.0),
                         enrol_days: int = 365, follow_after_days: int = 183, seed: int = 0) -> SimulatedSustainment:
    """Rolling enrolment over ``enrol_days``, cut-off ``follow_after_days`` after enrolment ends.

    Participants have higher ``x1`` (normal, shifted by ``confounding``) and more often ``x2 = 1``
    (60% against 40%), both of which shorten spells, so the raw comparison is biased; the propensity
    score is exactly logit-linear in ``x1`` and ``x2``. The truth is the population value (Gauss-Hermite
    quadrature over the participants' covariate distribution), not the sample's.
    """
    rng = np.random.default_rng(seed)
    n = n_treated + n_comparison
    t = np.r_[np.ones(n_treated), np.zeros(n_comparison)]
    x1 = rng.normal(size=n) + confounding * t
    x2 = (rng.random(n) < np.where(t == 1, 0.6, 0.4)).astype(int)
    index = _B[0] * x1 + _B[1] * x2
    length = spells(rng, index, t, scale=_SCALE, shape=_SHAPE, hazard_ratio=hazard_ratio)
    year = pd.Timestamp("2024-04-01")
    start = pd.Series(year + pd.to_timedelta(rng.integers(0, enrol_days, n), unit="D"))
    cutoff = year + pd.Timedelta(days=enrol_days + follow_after_days)
    data = pd.DataFrame({"start": start.dt.strftime("%Y-%m-%d"), "end": add_spell_dates(start, length, cutoff),
                         "treated": t.astype(int), "x1": x1, "x2": x2})
    nodes, wts = np.polynomial.hermite_e.hermegauss(60)
    wts = wts / wts.sum()
    truth = {}
    for h in horizons:
        s = np.zeros(2)
        for x2v, p in ((1, 0.6), (0, 0.4)):
            idx = _B[0] * (confounding + nodes) + _B[1] * x2v
            base = (_at(h * DAYS_PER_MONTH) / _SCALE) ** _SHAPE * np.exp(idx)
            s += p * np.array([wts @ np.exp(-base * hazard_ratio), wts @ np.exp(-base)])
        truth[float(h)] = (float(s[0]), float(s[1]))
    return SimulatedSustainment(data, cutoff, truth)
