"""Unit values kept as data: the shipped library, a service's own file, a user's HACT file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from svimpact.estimators.valuation.prices import (
    DeflatorSeries,
    _no_extra,
    _positive,
    _require,
    _to_float,
    normalise_year,
)
from svimpact.exceptions import ParamsError
from svimpact.io.yamlfile import read_yaml

__all__ = [
    "HACT_LICENCE",
    "VALUES_DIR",
    "VALUE_TYPES",
    "UnitValue",
    "UnitValueLibrary",
    "load_hact_values",
    "load_unit_values",
    "load_value_library",
    "parse_unit_values",
]

VALUES_DIR = Path(__file__).resolve().parents[3] / "params" / "values"
"""Where the shipped value files live (repository checkout)."""

VALUE_TYPES = ("fiscal", "economic", "social", "fiscal and economic", "health", "wellbeing")
"""Value types. 'fiscal and economic' is for published figures that do not split the two
(they count in neither the fiscal return nor the fiscal split). 'health' and 'wellbeing' are
effects on health or life satisfaction (QALYs, WELLBYs), the only streams discounted on the
Green Book's health schedule."""

SCHEDULE_OF_TYPE = {"health": "health", "wellbeing": "health"}
"""The discount schedule each value type takes (every other type, and every cost: ``standard``).
HM Treasury, The Green Book (2022), annex A6 (discounting): the health schedule (1.5% for years
0-30) excludes the wealth effect and applies to health and life effects valued in utility terms;
the wellbeing guidance (2021) applies the same rate to WELLBYs."""

_UV_REQUIRED = ("id", "name", "amount", "unit", "price_year", "value_type", "agency", "source",
                "licence")
_UV_OPTIONAL = ("second_hand", "note", "low", "high")


@dataclass(frozen=True)
class UnitValue:
    """One unit value: an amount per outcome (per year), with its provenance."""

    id: str
    name: str
    amount: float
    unit: str
    price_year: str
    value_type: str
    agency: str
    source: str
    licence: str
    second_hand: bool = False
    note: str = ""
    low: float | None = None
    high: float | None = None
    """A published range (e.g. the WELLBY's low and high values): the value is then uncertain,
    drawn from a triangular distribution low / amount / high (see :meth:`distribution`)."""

    @property
    def schedule(self) -> str:
        """The discount schedule this value's stream takes: ``health`` for health and wellbeing."""
        return SCHEDULE_OF_TYPE.get(self.value_type, "standard")

    def distribution(self) -> Any:
        """The value as a distribution: fixed, or triangular on its published range with the
        published central value as the mode (the guidance gives a range, not a shape: the shape is
        svimpact's assumption, stated in the ledger)."""
        from svimpact.estimators.distributions import Fixed, Triangular

        if self.low is None or self.high is None:
            return Fixed(self.amount)
        return Triangular(self.low, self.amount, self.high)

    def in_prices_of(self, year: Any, deflator: DeflatorSeries | None) -> UnitValue:
        """This value converted to ``year`` prices (no deflator needed if already there)."""
        target = normalise_year(year)
        if target == self.price_year:
            return self
        if deflator is None:
            raise ParamsError(
                f"unit value {self.id!r} is in {self.price_year} prices and the appraisal is in "
                f"{target} prices: pass a GDP deflator series (load_deflator) to convert it",
                key="deflator",
            )
        f = deflator.factor(self.price_year, target)
        return replace(self, amount=self.amount * f, price_year=target,
                       low=None if self.low is None else self.low * f,
                       high=None if self.high is None else self.high * f)


@dataclass(frozen=True)
class UnitValueLibrary:
    """A set of unit values read from one file."""

    values: tuple[UnitValue, ...]
    file: str | None = None
    notes: tuple[str, ...] = field(default=())

    def __getitem__(self, value_id: str) -> UnitValue:
        for v in self.values:
            if v.id == value_id:
                return v
        ids = ", ".join(v.id for v in self.values)
        raise ParamsError(f"no unit value {value_id!r} in {self.file or 'the library'}; "
                          f"available: {ids}", file=self.file, key=value_id)

    def __iter__(self) -> Any:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)

    def table(self) -> pd.DataFrame:
        """One row per unit value, every field (a data listing, not a result)."""
        columns = [*_UV_REQUIRED, *_UV_OPTIONAL]
        return pd.DataFrame([v.__dict__ for v in self.values], columns=columns)


def parse_unit_values(
    records: Sequence[Mapping[str, Any]], *, file: str | None = None, licence: str | None = None
) -> tuple[UnitValue, ...]:
    """Validate value records; ``licence`` (if given) overrides each record's licence."""
    out, seen = [], set()
    for i, rec in enumerate(records):
        where = f"values[{i}]"
        if not isinstance(rec, Mapping):
            raise ParamsError("each value must be a mapping of fields", file=file, key=where)
        rec = dict(rec)
        if licence is not None:
            rec["licence"] = licence
        _require(rec, _UV_REQUIRED, file=file, where=where)
        _no_extra(rec, _UV_REQUIRED + _UV_OPTIONAL, file, where)
        if rec["value_type"] not in VALUE_TYPES:
            raise ParamsError(f"value_type {rec['value_type']!r} is not one of "
                              f"{', '.join(VALUE_TYPES)}", file=file, key=f"{where}.value_type")
        for k in ("id", "name", "unit", "agency", "source", "licence"):
            if not str(rec[k]).strip():
                raise ParamsError("must not be empty", file=file, key=f"{where}.{k}")
        if rec["id"] in seen:
            raise ParamsError(f"duplicate id {rec['id']!r}", file=file, key=f"{where}.id")
        seen.add(rec["id"])
        out.append(UnitValue(
            id=str(rec["id"]), name=str(rec["name"]),
            amount=_positive(rec["amount"], f"{where}.amount", file, allow_zero=True),
            unit=str(rec["unit"]),
            price_year=normalise_year(rec["price_year"], key=f"{where}.price_year", file=file),
            value_type=str(rec["value_type"]), agency=str(rec["agency"]),
            source=str(rec["source"]), licence=str(rec["licence"]),
            second_hand=bool(rec.get("second_hand", False)), note=str(rec.get("note", "") or ""),
            **_range(rec, where, file),
        ))
    return tuple(out)


def _range(rec: Mapping[str, Any], where: str, file: str | None) -> dict[str, float | None]:
    """A value's published range (``low`` and ``high`` both or neither; low <= amount <= high)."""
    low, high = rec.get("low"), rec.get("high")
    if low is None and high is None:
        return {"low": None, "high": None}
    if low is None or high is None:
        raise ParamsError("give both low and high (the published range) or neither", file=file,
                          key=f"{where}.{'low' if low is None else 'high'}")
    lo = _positive(low, f"{where}.low", file, allow_zero=True)
    hi = _positive(high, f"{where}.high", file, allow_zero=True)
    amount = float(rec["amount"])
    if not lo <= amount <= hi:
        raise ParamsError(f"needs low <= amount <= high (got {lo:g}, {amount:g}, {hi:g})", file=file,
                          key=f"{where}.low")
    return {"low": lo, "high": hi}


def load_unit_values(path: str | Path | None = None) -> UnitValueLibrary:
    """Read a unit-value YAML file (default: the shipped ``params/values/unit_values.yaml``)."""
    path = VALUES_DIR / "unit_values.yaml" if path is None else Path(path)
    data = read_yaml(path)
    _no_extra(data, ("values", "notes"), str(path), "")
    _require(data, ("values",), file=str(path), where="")
    notes = tuple(str(n) for n in data.get("notes", []) or [])
    return UnitValueLibrary(parse_unit_values(data["values"], file=str(path)), str(path), notes)


HACT_LICENCE = (
    "HACT Social Value Bank, CC BY-NC-ND: user-supplied under the user's own licence; "
    "not redistributable, not shipped with svimpact"
)


def load_value_library(path: str | Path | None = None, *, hact: bool = False) -> UnitValueLibrary:
    """The unit values a service's params name: svimpact's library (``None``), a YAML file in the
    library's format, or (``hact=True``) a HACT Social Value Bank file the user holds a licence for."""
    if hact:
        if path is None:
            raise ParamsError("a HACT value file must be supplied by the user; svimpact never ships HACT values",
                              key="valuation.value_file")
        return load_hact_values(path)
    return load_unit_values(path)


def load_hact_values(path: str | Path) -> UnitValueLibrary:
    """Read a HACT Social Value Bank file the user supplies (CSV or YAML, unit-value fields).

    svimpact never ships HACT values (licensed CC BY-NC-ND). The file needs the unit-value
    fields except ``licence``, which is set to :data:`HACT_LICENCE`; ``value_type`` is usually
    ``social``.
    """
    p = Path(path)
    if not p.exists():
        raise ParamsError("HACT values file not found; supply your own licensed copy",
                          file=str(p))
    if p.suffix.lower() == ".csv":
        try:
            frame = pd.read_csv(p, dtype=object, keep_default_na=False)
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise ParamsError(f"cannot read CSV: {exc}", file=str(p)) from None
        records = [
            {k: v for k, v in r.items() if not (k in _UV_OPTIONAL and v == "")}
            for r in frame.to_dict(orient="records")
        ]
        for r in records:
            if "amount" in r:
                r["amount"] = _to_float(r["amount"], str(p))
            if "second_hand" in r:
                r["second_hand"] = str(r["second_hand"]).strip().lower() in ("true", "1", "yes")
    else:
        raw = read_yaml(p).get("values", [])
        records = [dict(r) if isinstance(r, Mapping) else r for r in raw] if isinstance(
            raw, list) else raw
    if not isinstance(records, list):
        raise ParamsError("expected a list of values", file=str(p), key="values")
    for r in records:
        if isinstance(r, dict):
            r.pop("licence", None)
    return UnitValueLibrary(parse_unit_values(records, file=str(p), licence=HACT_LICENCE),
                            str(p), ("HACT Social Value Bank values, user-supplied",))


# ----------------------------------------------------------------------------- helpers
