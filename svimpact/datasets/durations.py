"""SYNTHETIC spells (tenancies, jobs) with rolling starts, a data cut-off and known true sustainment curves.

Spell lengths are Weibull with proportional hazards: ``S_a(t | x) = exp(-(t / scale)^shape * exp(index(x) + a log HR))``
where ``a`` is 1 for a participant (the service lowers the hazard by ``HR``) and 0 without the service.
So for every participant both curves are known: the truth an estimator should recover is the mean over
participants of ``S_1(h | x)`` (their sustainment) and of ``S_0(h | x)`` (their counterfactual).
Spells still going at the cut-off have a blank end date (censored). Lengths are whole days (the end
date is the start plus the floor of the length), so sustainment at ``h`` days means lasting at least
``floor(h) + 1`` days, which is how the truth is evaluated.

:func:`simulate_sustainment` is the small generic design used by the coverage tests; the service
generators (:mod:`svimpact.datasets.services`) call :func:`housing_first_tenancies` and
:func:`households_into_work_jobs`, which draw from their own random streams, so every other column of
the demo data is as it was. The demo's 0/1 columns (``sustained_6m``, ``sustained_12m``,
``sustained_26w``) belong to the binary design and its truth (manifest keys ``true_att``...), drawn
separately from the dates: evaluate one outcome or the other, not both against each other.
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


# --------------------------------------------------------------------------- the two demo services
HOUSING_FIRST_CUTOFF = pd.Timestamp("2025-09-30")
HOUSEHOLDS_INTO_WORK_CUTOFF = pd.Timestamp("2026-03-31")
_HF = {"scale": 1700.0, "shape": 0.8, "hazard_ratio": 0.35}   # tenancies: the service roughly thirds the hazard
_HW = {"scale": 720.0, "shape": 0.9, "hazard_ratio": 0.7}    # jobs: in-work support lowers the hazard by 30%


def housing_first_tenancies(seed: int, referral: pd.Series, base: np.ndarray, placed: np.ndarray
                            ) -> tuple[dict[str, pd.Series | np.ndarray], dict]:
    """Everyone (participants and comparison) gets a tenancy: start 2-13 weeks after referral, Weibull length.

    Returns the columns (tenancy_start, tenancy_end) and the truth: participants' and counterfactual
    sustainment at 6 and 12 months (mean over participants).
    """
    rng = np.random.default_rng([seed, 14, 2])
    start = pd.Series(referral + pd.to_timedelta(rng.integers(14, 90, referral.size), unit="D"))
    index = -0.8 * base
    length = spells(rng, index, placed, **_HF)
    cols = {"tenancy_start": start.dt.strftime("%Y-%m-%d"),
            "tenancy_end": add_spell_dates(start, length, HOUSING_FIRST_CUTOFF)}
    return cols, _truth(index[placed == 1], (("6 months", 6 * DAYS_PER_MONTH), ("12 months", 12 * DAYS_PER_MONTH)),
                        _HF, HOUSING_FIRST_CUTOFF, "tenancy_start", "tenancy_end", placed, start, length)


def households_into_work_jobs(seed: int, start_date: pd.Series, base: np.ndarray, treated: np.ndarray,
                              job: np.ndarray) -> tuple[dict[str, pd.Series | np.ndarray], dict]:
    """Households who entered work get a job start 1-43 weeks after joining and a Weibull job length."""
    rng = np.random.default_rng([seed, 14, 3])
    n = start_date.size
    job_start = pd.Series(start_date + pd.to_timedelta(rng.integers(7, 300, n), unit="D"))
    index = -0.5 * base
    length = spells(rng, index, treated, **_HW)
    has = job == 1
    end = add_spell_dates(job_start, length, HOUSEHOLDS_INTO_WORK_CUTOFF)
    cols = {"job_start": job_start.dt.strftime("%Y-%m-%d").where(has), "job_end": end.where(has)}
    keep = has & (treated == 1)
    return cols, _truth(index[keep], (("13 weeks", 13 * 7.0), ("26 weeks", 26 * 7.0)), _HW,
                        HOUSEHOLDS_INTO_WORK_CUTOFF, "job_start", "job_end", treated[has], job_start[has], length[has])


def _truth(index_participants: np.ndarray, horizons: tuple[tuple[str, float], ...], design: dict,
           cutoff: pd.Timestamp, start_col: str, end_col: str, treated: np.ndarray, start: pd.Series,
           length: np.ndarray) -> dict:
    curves = {}
    for label, days in horizons:
        s1, s0 = true_sustainment(index_participants, days, **design)
        curves[label] = {"participants": round(s1, 6), "counterfactual": round(s0, 6),
                         "att": round(s1 - s0, 6), "deadweight": round(s0 / s1, 6)}
    tr = treated == 1
    followed = (cutoff - start).dt.days.to_numpy(dtype=float)[tr]
    going = np.floor(length[tr]) > followed
    return {
        "outcome": f"{start_col} to {end_col}, censored at the cut-off",
        "cutoff": str(cutoff.date()),
        "design": "Weibull proportional hazards, S_a(t|x) = exp(-(t/scale)^shape exp(index(x) + a log HR))",
        **{k: float(v) for k, v in design.items()},
        "true_sustainment": curves,
        "participants_still_going_at_cutoff": int(going.sum()),
        "participants_followed_less_than_headline_and_still_going": int(
            (going & (followed < horizons[-1][1])).sum()),
    }
