"""Deadweight, displacement and leakage from beneficiary surveys and geography.

* :func:`survey_share` (and the wrappers :func:`survey_deadweight`, :func:`survey_displacement`):
  "would this have happened anyway?" answers (``yes_fully`` / ``partly`` / ``no`` /
  ``dont_know``), partial answers weighted (default 0.5), the weights reported. The share's
  interval is the equal-tailed Jeffreys Beta posterior interval on the weighted counts; its
  ``distribution`` (a :class:`~svimpact.estimators.distributions.BetaCounts`) goes straight into
  the ledger. Sooner / bigger / better follow-ups are coded as their own answers with their
  own weights (e.g. ``{"partly_sooner": 0.75, "partly_smaller": 0.25}``): any codes may be used.
* :func:`leakage_from_geography`: the share of participants whose area code is outside the target
  area, computed from the participants' areas, never typed in.

Missing or unrecognised answers and area codes are errors naming the rows; "don't know" answers
are excluded only as stated, and counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from svimpact._results import Interval, ResultMixin, result_frame
from svimpact.estimators.distributions import BetaCounts
from svimpact.exceptions import InputDataError, ParamsError

__all__ = [
    "DEFAULT_ANSWER_WEIGHTS",
    "LeakageResult",
    "SurveyShareResult",
    "leakage_from_geography",
    "survey_deadweight",
    "survey_displacement",
    "survey_share",
]

DEFAULT_ANSWER_WEIGHTS: Mapping[str, float] = {"yes_fully": 1.0, "partly": 0.5, "no": 0.0}
"""Weight of each answer towards the share ("would it have happened anyway?"). The 0.5 for
partial answers is a convention (METHODS.md section 2), not an estimate: report it."""

_PRIOR = 0.5  # Jeffreys


def _beta_interval(successes: float, failures: float, level: float) -> Interval:
    from scipy.stats import beta

    a, b = successes + _PRIOR, failures + _PRIOR
    lo, hi = beta.ppf([(1 - level) / 2, (1 + level) / 2], a, b)
    n = successes + failures
    return Interval(successes / n, float(lo), float(hi), level, "Jeffreys beta posterior")


@dataclass(frozen=True)
class SurveyShareResult(ResultMixin):
    """A share estimated from survey answers.

    Attributes
    ----------
    share
        The weighted share (value) with its Jeffreys interval.
    counts
        Answers, respondents, weight and weighted count, one row per answer (excluded included).
    weights
        The weight given to each answer (report these).
    n_used, n_excluded
        Respondents counted in the share, and those excluded (``dont_know`` and the like).
    distribution
        :class:`BetaCounts` on the weighted counts, for the ledger and Monte Carlo.
    question
        What the share measures (``deadweight`` ...).
    """

    share: Interval
    counts: pd.DataFrame
    weights: Mapping[str, float]
    n_used: int
    n_excluded: int
    distribution: BetaCounts
    question: str = "share"
    _title = "Survey-based estimate"

    def to_distribution(self) -> BetaCounts:
        return self.distribution

    def to_frame(self) -> pd.DataFrame:
        """The results contract (``RESULT_COLUMNS``): the share with its interval, respondents."""
        return result_frame([
            {"measure": f"{self.question} share", "interval": self.share},
            {"measure": "respondents counted", "value": self.n_used, "method": "count"},
            {"measure": "respondents excluded", "value": self.n_excluded, "method": "count"},
        ])

    def table(self) -> pd.DataFrame:
        """Answers, respondents, weight and weighted count, one row per answer (the ``counts``)."""
        return self.counts

    def _notes(self) -> list[str]:
        w = ", ".join(f"{k} = {v:g}" for k, v in self.weights.items())
        return [
            f"{self.question}: {self.share.format(pct=True)} from {self.n_used} respondents "
            f"({self.n_excluded} excluded).",
            f"Answer weights: {w}.",
            "Interval: equal-tailed Jeffreys Beta posterior on the weighted counts.",
            "Evidence strength: Maryland SMS 1 (no comparison group).",
        ]


def survey_share(
    data: pd.DataFrame,
    column: str = "answer",
    *,
    weights: Mapping[str, float] | None = None,
    exclude: Iterable[str] = ("dont_know",),
    question: str = "share",
    level: float = 0.95,
    file: str | None = None,
) -> SurveyShareResult:
    """The weighted share of respondents answering "yes" (fully or partly).

    Parameters
    ----------
    data, column
        One row per respondent; ``column`` holds the answer codes.
    weights
        Weight per answer code (default :data:`DEFAULT_ANSWER_WEIGHTS`); each in ``[0, 1]``.
    exclude
        Answer codes left out of the share but counted (default ``dont_know``).
    question, level, file
        Label, interval level, and the file name for error messages.

    Raises
    ------
    InputDataError
        Missing column, missing answers, or answer codes not in ``weights`` / ``exclude``
        (the rows are named).
    """
    weights = dict(DEFAULT_ANSWER_WEIGHTS if weights is None else weights)
    for k, w in weights.items():
        if not 0 <= float(w) <= 1:
            raise ParamsError(f"answer weight must lie in [0, 1], got {w!r}", key=f"weights.{k}")
    exclude = tuple(exclude)
    answers = _answers(data, column, file, set(weights) | set(exclude))
    counts = answers.value_counts()
    rows = []
    for code in [*weights, *exclude]:
        n = int(counts.get(code, 0))
        w = weights.get(code, np.nan)
        rows.append({"answer": code, "respondents": n, "weight": w,
                     "weighted": n * w if code in weights else np.nan,
                     "counted": code in weights})
    table = pd.DataFrame(rows)
    used = table[table["counted"]]
    n_used = int(used["respondents"].sum())
    if n_used == 0:
        raise InputDataError(f"no usable answers (all {len(answers)} are excluded)",
                             file=file, column=column)
    successes = float(used["weighted"].sum())
    dist = BetaCounts(successes, n_used - successes, prior=_PRIOR)
    return SurveyShareResult(
        _beta_interval(successes, n_used - successes, level), table, weights, n_used,
        int(len(answers) - n_used), dist, question,
    )


def _answers(data: pd.DataFrame, column: str, file: str | None, valid: set[str]) -> pd.Series:
    if not isinstance(data, pd.DataFrame):
        raise InputDataError("expected a DataFrame of survey answers", file=file)
    if column not in data.columns:
        raise InputDataError(f"column not found; columns are {', '.join(map(str, data.columns))}",
                             file=file, column=column)
    raw = data[column]
    missing = np.flatnonzero(raw.isna().to_numpy())
    if missing.size:
        raise InputDataError("has missing answers", file=file, column=column,
                             rows=(missing + 1).tolist(),
                             hint="code them as dont_know, or remove those respondents")
    text = raw.astype(str).str.strip().str.lower()
    bad = np.flatnonzero(~text.isin(sorted(valid)).to_numpy())
    if bad.size:
        seen = ", ".join(sorted(set(text.iloc[bad]))[:5])
        raise InputDataError(f"has unrecognised answers ({seen})", file=file, column=column,
                             rows=(bad + 1).tolist(),
                             hint=f"expected one of {', '.join(sorted(valid))}")
    return text


def survey_deadweight(
    data: pd.DataFrame, column: str = "answer", **kwargs: Any
) -> SurveyShareResult:
    """Deadweight share: "would you have got this outcome without the service?"."""
    return survey_share(data, column, question="deadweight", **kwargs)


def survey_displacement(
    data: pd.DataFrame, column: str = "answer", **kwargs: Any
) -> SurveyShareResult:
    """Displacement share: "did your gain come at the expense of others in the area?"."""
    return survey_share(data, column, question="displacement", **kwargs)


@dataclass(frozen=True)
class LeakageResult(ResultMixin):
    """Leakage: the share of participants living outside the target area."""

    share: Interval
    n_inside: int
    n_outside: int
    outside_codes: pd.DataFrame
    distribution: BetaCounts
    _title = "Leakage from geography"

    def to_distribution(self) -> BetaCounts:
        return self.distribution

    def to_frame(self) -> pd.DataFrame:
        """The results contract (``RESULT_COLUMNS``): the leakage share and the counts behind it."""
        return result_frame([
            {"measure": "leakage share", "interval": self.share},
            {"measure": "participants inside target area", "value": self.n_inside, "method": "count"},
            {"measure": "participants outside target area", "value": self.n_outside,
             "method": "count"},
        ])

    def table(self) -> pd.DataFrame:
        """Participants inside and outside the target area."""
        return pd.DataFrame([
            {"where": "inside target area", "participants": self.n_inside},
            {"where": "outside target area", "participants": self.n_outside},
        ])

    def _notes(self) -> list[str]:
        return [f"Leakage {self.share.format(pct=True)} (Jeffreys interval).",
                "Computed from participants' area codes against the target-area set."]


def leakage_from_geography(
    data: pd.DataFrame,
    area_column: str,
    target_areas: Iterable[str],
    *,
    level: float = 0.95,
    file: str | None = None,
) -> LeakageResult:
    """Share of participants whose area code (e.g. LSOA) is not in ``target_areas``.

    Raises
    ------
    InputDataError
        Missing column or missing area codes (rows named): a participant without an area is
        neither inside nor outside, so it must be fixed, not dropped.
    """
    targets = {str(t).strip() for t in target_areas}
    if not targets:
        raise ParamsError("target_areas is empty", key="target_areas")
    if area_column not in data.columns:
        raise InputDataError("column not found", file=file, column=area_column)
    codes = data[area_column]
    missing = np.flatnonzero(codes.isna().to_numpy() | (codes.astype(str).str.strip() == ""))
    if missing.size:
        raise InputDataError("has missing area codes", file=file, column=area_column,
                             rows=(missing + 1).tolist(),
                             hint="geocode those participants' postcodes first")
    text = codes.astype(str).str.strip()
    outside = ~text.isin(sorted(targets))
    n_out, n = int(outside.sum()), len(text)
    table = text[outside].value_counts().rename_axis("area_code").reset_index(name="participants")
    dist = BetaCounts(n_out, n - n_out, prior=_PRIOR)
    return LeakageResult(_beta_interval(n_out, n - n_out, level), n - n_out, n_out, table, dist)
