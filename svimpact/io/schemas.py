"""What each input file must hold: one schema per file role, built from a service's params.

A schema lists columns with a kind (identifier, area code, 0/1 outcome, number, non-negative
number, date, category, postcode) and says which dates must come in order. The columns come from
the params (``id_column``, ``area_column``, ``outcome``, ``effect.covariates``, ``cost_column``);
date columns and their order come from :data:`SERVICE_DATES` for the known services, from the
params key ``date_order`` (pairs ``[earlier, later]``) and, for any service, from the naming
convention:

* a column named ``date`` or ending in ``_date``, ``_start`` or ``_end`` is a date (optional:
  blanks are allowed, e.g. a tenancy that has not ended);
* ``X_start`` must not come after ``X_end``;
* a column whose name contains ``postcode`` (or is ``pcd``/``pcds``) holds UK postcodes;
* a column named ``age`` or starting ``age_`` (``age_at_referral``) holds ages, checked against the
  plausible range (``plausibility`` in the params; 0-120 by default) when it holds numbers.

The cost column (``cost_column``) is checked against a ceiling per participant, and all-zero
costs are noted (see :class:`svimpact.io.validate.columns.Plausibility`).

Any other text column is free text, scanned for postcodes (which must not reach a report).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from svimpact.io.params import ServiceParams

__all__ = [
    "SERVICE_DATES",
    "SURVEY_ANSWERS",
    "ColumnSpec",
    "TableSchema",
    "areas_schema",
    "records_schema",
    "survey_schema",
]

Kind = Literal["id", "area", "binary", "number", "nonneg", "date", "category", "postcode", "any"]

SURVEY_ANSWERS = ("yes_fully", "partly", "no", "dont_know")
"""Codes for "would this have happened anyway?" (svimpact.estimators.survey)."""

SERVICE_DATES: dict[str, dict[str, list]] = {
    "housing_first": {
        "dates": ["referral_date", "tenancy_start", "tenancy_end"],
        "order": [("referral_date", "tenancy_start"), ("tenancy_start", "tenancy_end")],
    },
    "households_into_work": {"dates": ["start_date"], "order": []},
}
"""Date columns (and pairs that must be in order) of the services shipped with svimpact."""

_DATE_NAME = re.compile(r"^(date|.+_date|.+_start|.+_end)$", re.IGNORECASE)
_POSTCODE_NAME = re.compile(r"postcode|^pcds?$", re.IGNORECASE)
_AGE_NAME = re.compile(r"^age($|_)", re.IGNORECASE)


@dataclass(frozen=True)
class ColumnSpec:
    """One column: its kind, whether it must be present and complete, and allowed values."""

    name: str
    kind: Kind
    required: bool = True
    complete: bool = True
    values: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    label: str | None = None  # what the values are, for messages ("costs")
    plausible: Literal["age", "cost"] | None = None  # checked against the plausibility limits


@dataclass(frozen=True)
class TableSchema:
    """The columns of one input file and the date pairs that must be in order."""

    role: str
    columns: tuple[ColumnSpec, ...]
    date_order: tuple[tuple[str, str], ...] = field(default=())
    unique: str | None = None

    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def spec(self, name: str) -> ColumnSpec | None:
        return next((c for c in self.columns if c.name == name), None)


def is_date_name(name: str) -> bool:
    return bool(_DATE_NAME.match(name))


def is_postcode_name(name: str) -> bool:
    return bool(_POSTCODE_NAME.search(name))


def is_age_name(name: str) -> bool:
    return bool(_AGE_NAME.match(name))


def records_schema(params: ServiceParams, role: str, header: list[str]) -> TableSchema:
    """Schema for the ``participants`` or ``comparison`` file of a service.

    ``header`` is the file's own column list, used to find date and postcode columns by name.
    """
    p = params
    outcome_kind: Kind = "binary" if p.outcome.kind == "binary" else "number"
    cols = [ColumnSpec(p.id_column, "id"), ColumnSpec(p.area_column, "area")]
    if p.outcome.kind == "duration":  # start and end dates; blanks checked against the cut-off (validate.service)
        cols += [ColumnSpec(c, "date", complete=False) for c in p.outcome.columns]
    else:
        cols.append(ColumnSpec(str(p.outcome.column), outcome_kind))
    cols += [ColumnSpec(c, "any", plausible="age" if is_age_name(c) else None)
             for c in p.effect.covariates if c not in {s.name for s in cols}]
    if role == "participants" and p.cost_column:
        cols.append(ColumnSpec(p.cost_column, "nonneg", label="costs", plausible="cost"))
    taken = {c.name for c in cols}
    known = SERVICE_DATES.get(p.service, {"dates": [], "order": []})
    extra = [tuple(pair) for pair in getattr(p, "date_order", [])]
    known = {"dates": list(dict.fromkeys([*known["dates"], *(c for pair in extra for c in pair)])),
             "order": [*known["order"], *(pair for pair in extra if pair not in known["order"])]}
    dates = [d for d in known["dates"]] + [h for h in header if is_date_name(h) and h not in known["dates"]]
    cols += [ColumnSpec(d, "date", required=d in known["dates"], complete=False) for d in dates if d not in taken]
    cols += [ColumnSpec(h, "postcode", required=False, complete=False) for h in header
             if is_postcode_name(h) and h not in taken]
    order = list(known["order"])
    for h in header:
        if h.endswith("_start") and f"{h[:-6]}_end" in header and (h, f"{h[:-6]}_end") not in order:
            order.append((h, f"{h[:-6]}_end"))
    if p.outcome.kind == "duration" and (p.outcome.start, p.outcome.end) not in order:
        order.append((str(p.outcome.start), str(p.outcome.end)))
    return TableSchema(role, tuple(cols), tuple(order), unique=p.id_column)


def areas_schema(params: ServiceParams) -> TableSchema:
    """Schema for the area file: one row per LSOA with deprivation and population."""
    cols = (
        ColumnSpec("lsoa_code", "area"),
        ColumnSpec("lad_code", "category"),
        ColumnSpec("population", "nonneg", integer=True),
        ColumnSpec("imd_decile", "number", minimum=1, maximum=10, integer=True),
        ColumnSpec(params.targeting.need, "number"),
    )
    return TableSchema("areas", cols, unique="lsoa_code")


def survey_schema() -> TableSchema:
    """Schema for a beneficiary survey (one row per respondent)."""
    cols = (
        ColumnSpec("respondent_id", "id", required=False),
        ColumnSpec("would_have_happened_anyway", "category", values=SURVEY_ANSWERS),
    )
    return TableSchema("survey", cols, unique="respondent_id")
