"""SYNTHETIC service records with known true effects, for demos and for testing estimators.

Each service has participants, a comparison group of eligible people not served, and a short
beneficiary survey. Outcomes are drawn from potential outcomes ``Y(0)`` and ``Y(1)`` whose
probabilities depend on the covariates, so the truth an estimator should recover is known:

* ``true_att``: mean over participants of ``p1(X) - p0(X)`` (the conditional ATT);
* ``true_counterfactual``: mean over participants of ``p0(X)``;
* ``true_deadweight``: ``true_counterfactual / mean p1(X)`` over participants.

Selection into the service depends on the same covariates (so a naive difference is biased) and
on deprivation (so targeting measures show a gradient). Nothing here describes real people.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from svimpact.datasets.durations import households_into_work_jobs, housing_first_tenancies

__all__ = ["ServiceData", "make_households_into_work", "make_housing_first"]

YEAR_START = pd.Timestamp("2024-04-01")  # Year One: financial year 2024/25
YEAR_DAYS = 365


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class ServiceData:
    """Synthetic records for one service plus the truth they were generated from."""

    participants: pd.DataFrame
    comparison: pd.DataFrame
    survey: pd.DataFrame
    truth: dict = field(default_factory=dict)


def _pick_areas(rng: np.random.Generator, areas: pd.DataFrame, n: int, need: str, strength: float) -> np.ndarray:
    """Sample home areas: weight = population x exp(strength x standardised need)."""
    z = (areas[need] - areas[need].mean()) / areas[need].std()
    w = areas["population"].to_numpy(float) * np.exp(strength * z.to_numpy(float))
    return rng.choice(areas["lsoa_code"].to_numpy(), size=n, p=w / w.sum())


def _truth(p0: np.ndarray, p1: np.ndarray, treated: np.ndarray, outcome: str) -> dict:
    p0t, p1t = p0[treated], p1[treated]
    return {
        "outcome": outcome,
        "true_att": round(float(np.mean(p1t - p0t)), 6),
        "true_counterfactual": round(float(np.mean(p0t)), 6),
        "true_treated_mean": round(float(np.mean(p1t)), 6),
        "true_deadweight": round(float(np.mean(p0t) / np.mean(p1t)), 6),
    }


def _survey(rng: np.random.Generator, n: int, deadweight: float, prefix: str) -> pd.DataFrame:
    """'Would this have happened anyway?' answers consistent with the true deadweight.

    With partial answers weighted 0.5, the expected weighted share equals ``deadweight`` (up to
    the 'don't know' answers, which are excluded).
    """
    partly = 0.30
    fully = max(deadweight - 0.5 * partly, 0.02)
    probs = np.array([fully, partly, 0.0, 0.06])
    probs[2] = max(1 - probs.sum(), 0.0)
    probs /= probs.sum()
    answers = rng.choice(["yes_fully", "partly", "no", "dont_know"], size=n, p=probs)
    sooner = np.where(
        np.isin(answers, ["yes_fully", "partly"]),
        rng.choice(["as_soon", "later"], size=n, p=[0.45, 0.55]),
        "not_asked",
    )
    return pd.DataFrame(
        {
            "respondent_id": [f"{prefix}-S{i + 1:05d}" for i in range(n)],
            "would_have_happened_anyway": answers,
            "as_soon_without_service": sooner,
        }
    )


def make_housing_first(areas: pd.DataFrame, seed: int = 20261121, n_participants: int = 300,
                       n_comparison: int = 600, n_survey: int = 140) -> ServiceData:
    """Housing First: tenancy sustainment for people with a history of rough sleeping."""
    rng = np.random.default_rng([seed, 2])
    n = n_participants + n_comparison
    lsoa = _pick_areas(rng, areas, n, "barriers_score", 0.6)
    age = np.round(rng.normal(41, 10, n)).clip(18, 75).astype(int)
    years_rs = np.round(rng.gamma(2.0, 2.2, n), 1).clip(0.1, 30)
    evictions = rng.poisson(1.4, n)
    mental = (rng.uniform(size=n) < 0.62).astype(int)
    substance = (rng.uniform(size=n) < 0.55).astype(int)
    female = (rng.uniform(size=n) < 0.24).astype(int)
    # Selection: longer rough sleeping and mental ill health raise the chance of a placement.
    score = -0.9 + 0.09 * years_rs + 0.5 * mental + 0.25 * evictions - 0.01 * (age - 41)
    placed_p = _expit(score)
    # Exactly n_participants placed, chosen with probability proportional to placed_p.
    placed_idx = rng.choice(n, size=n_participants, replace=False, p=placed_p / placed_p.sum())
    placed = np.zeros(n, dtype=int)
    placed[placed_idx] = 1
    base = 0.2 - 0.09 * years_rs - 0.45 * substance - 0.3 * mental - 0.18 * evictions + 0.01 * (age - 41)
    p0_12 = _expit(base)
    p1_12 = _expit(base + 2.1)
    y0 = rng.uniform(size=n) < p0_12
    y1 = rng.uniform(size=n) < p1_12
    sustained_12 = np.where(placed == 1, y1, y0).astype(int)
    # 6-month sustainment is implied by 12-month sustainment, plus some who drop out later.
    sustained_6 = np.maximum(sustained_12, (rng.uniform(size=n) < 0.45).astype(int))
    referral = YEAR_START + pd.to_timedelta(rng.integers(0, YEAR_DAYS, n), unit="D")
    start_delay = rng.integers(14, 90, n)
    # Issue 14: tenancies from dates (rolling starts, a cut-off, censoring; svimpact.datasets.durations).
    spell_cols, spell_truth = housing_first_tenancies(seed, pd.Series(referral), base, placed)
    has_tenancy = (placed == 1) | (sustained_6 == 1)
    tenancy_start = pd.Series(referral + pd.to_timedelta(start_delay, unit="D")).where(has_tenancy)
    length = np.where(sustained_12 == 1, -1, np.where(sustained_6 == 1, rng.integers(183, 364, n),
                                                      rng.integers(10, 182, n)))
    tenancy_end = (tenancy_start + pd.to_timedelta(np.where(length > 0, length, 0), unit="D")).where(
        has_tenancy & (length > 0)
    )
    cost = np.where(placed == 1, np.round(rng.normal(9500, 1800, n).clip(4000, 18000), -1), 0.0)
    frame = pd.DataFrame(
        {
            "person_id": [f"HF-{i + 1:06d}" for i in range(n)],
            "referral_date": pd.Series(referral).dt.strftime("%Y-%m-%d"),
            "lsoa_code": lsoa,
            "age": age,
            "female": female,
            "years_rough_sleeping": years_rs,
            "prior_evictions": evictions,
            "mental_health_need": mental,
            "substance_use_need": substance,
            "placed": placed,
            "tenancy_start": tenancy_start.dt.strftime("%Y-%m-%d"),
            "tenancy_end": tenancy_end.dt.strftime("%Y-%m-%d"),
            "sustained_6m": sustained_6,
            "sustained_12m": sustained_12,
            "support_cost": cost,
        }
    )
    frame = frame.assign(**spell_cols)
    participants = frame[frame.placed == 1].drop(columns="placed").reset_index(drop=True)
    comparison = frame[frame.placed == 0].drop(columns=["placed", "support_cost"]).reset_index(drop=True)
    truth = _truth(p0_12, p1_12, placed == 1, "sustained_12m")
    truth["selection_note"] = "placement more likely with longer rough sleeping, mental health need, more evictions"
    truth["sustainment"] = spell_truth
    survey = _survey(rng, n_survey, truth["true_deadweight"], "HF")
    return ServiceData(participants, comparison, survey, truth)


def make_households_into_work(areas: pd.DataFrame, seed: int = 20261121, n_participants: int = 3000,
                              n_comparison: int = 20000, n_survey: int = 400) -> ServiceData:
    """Households into Work: job entry within 12 months and work sustained 26 weeks."""
    rng = np.random.default_rng([seed, 3])
    n = n_participants + n_comparison
    lsoa = _pick_areas(rng, areas, n, "employment_score", 0.5)
    emp = areas.set_index("lsoa_code")["employment_score"]
    emp_z = ((emp - emp.mean()) / emp.std()).reindex(lsoa).to_numpy()
    age = np.round(rng.normal(39, 11, n)).clip(18, 66).astype(int)
    size = (1 + rng.poisson(1.3, n)).clip(1, 8)
    months_out = np.round(rng.gamma(1.6, 14, n)).clip(1, 240).astype(int)
    benefit = rng.choice(["universal_credit", "esa", "jsa", "income_support"], size=n, p=[0.7, 0.15, 0.1, 0.05])
    health = (rng.uniform(size=n) < np.where(benefit == "esa", 0.85, 0.3)).astype(int)
    digital = (rng.uniform(size=n) < 0.22).astype(int)
    score = (-2.3 + 0.35 * emp_z + 0.2 * health + 0.012 * months_out - 0.015 * (age - 39) + 0.25 * digital
             + 0.3 * (benefit == "universal_credit"))
    p_select = _expit(score)
    idx = rng.choice(n, size=n_participants, replace=False, p=p_select / p_select.sum())
    treated = np.zeros(n, dtype=int)
    treated[idx] = 1
    base = (-0.35 - 0.02 * months_out - 0.7 * health - 0.4 * digital - 0.02 * (age - 39) - 0.2 * emp_z
            - 0.5 * (benefit == "esa") + 0.05 * (size - 2))
    p0 = _expit(base)
    p1 = _expit(base + 0.75)
    y0 = rng.uniform(size=n) < p0
    y1 = rng.uniform(size=n) < p1
    job = np.where(treated == 1, y1, y0).astype(int)
    sustained = (job == 1) & (rng.uniform(size=n) < np.where(treated == 1, 0.72, 0.62))
    earnings = np.where(job == 1, np.round(np.exp(rng.normal(9.65, 0.35, n)), -1), 0.0)
    earnings = np.where(sustained, earnings, np.round(earnings * 0.4, -1))
    start = YEAR_START + pd.to_timedelta(rng.integers(0, YEAR_DAYS, n), unit="D")
    cost = np.where(treated == 1, np.round(rng.normal(1450, 350, n).clip(400, 4000), -1), 0.0)
    frame = pd.DataFrame(
        {
            "household_id": [f"HW-{i + 1:06d}" for i in range(n)],
            "start_date": pd.Series(start).dt.strftime("%Y-%m-%d"),
            "lsoa_code": lsoa,
            "age": age,
            "household_size": size,
            "months_out_of_work": months_out,
            "benefit_type": benefit,
            "health_condition": health,
            "digital_exclusion": digital,
            "treated": treated,
            "job_entry_12m": job,
            "sustained_26w": sustained.astype(int),
            "annual_earnings": earnings,
            "support_cost": cost,
        }
    )
    spell_cols, spell_truth = households_into_work_jobs(seed, pd.Series(start), base, treated, job)  # issue 14
    frame = frame.assign(**spell_cols)
    participants = frame[frame.treated == 1].drop(columns="treated").reset_index(drop=True)
    comparison = frame[frame.treated == 0].drop(columns=["treated", "support_cost"]).reset_index(drop=True)
    truth = _truth(p0, p1, treated == 1, "job_entry_12m")
    truth["selection_note"] = "participation more likely in employment-deprived areas, with longer time out of work"
    truth["sustainment"] = spell_truth
    survey = _survey(rng, n_survey, truth["true_deadweight"], "HW")
    return ServiceData(participants, comparison, survey, truth)

