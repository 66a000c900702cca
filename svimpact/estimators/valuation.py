"""Valuing outcomes the Green Book way (METHODS.md section 3).

* a unit-value library kept as data (``params/values/unit_values.yaml``), each value with its
  amount, unit, price year, value type, paying agency, source and licence;
  :func:`load_hact_values` reads a user-supplied HACT Social Value Bank file (never shipped);
* price-year conversion with a GDP deflator series kept as data with its source and vintage;
* Green Book discounting, standard and health schedules, compounding band by band;
* persistence and drop-off profiles; optimism bias.

The appraisal itself (PV, NPSV, BCR... with Monte Carlo intervals) is
:func:`svimpact.estimators.uncertainty.appraise`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from svimpact.io.yamlfile import read_yaml
from svimpact.exceptions import ParamsError

__all__ = [
    "GREEN_BOOK_EDITION",
    "HEALTH",
    "STANDARD",
    "VALUE_TYPES",
    "DeflatorSeries",
    "DiscountSchedule",
    "UnitValue",
    "UnitValueLibrary",
    "apply_optimism_bias",
    "combined_optimism_bias",
    "discount_factors",
    "HMT_SOURCE",
    "load_deflator",
    "load_deflator_file",
    "load_value_library",
    "read_hmt_deflators",
    "load_hact_values",
    "load_unit_values",
    "normalise_year",
    "persistence_profile",
]

VALUES_DIR = Path(__file__).resolve().parents[2] / "params" / "values"
"""Where the shipped value files live (repository checkout)."""

VALUE_TYPES = ("fiscal", "economic", "social", "fiscal and economic")
"""Value types. 'fiscal and economic' is for published figures that do not split the two
(they count in neither the fiscal return nor the fiscal split)."""

GREEN_BOOK_EDITION = (
    "HM Treasury, The Green Book (2022 edition): declining discount rates, standard schedule 3.5% for "
    "years 0-30 falling to 1.0% from year 301, health schedule 1.5% falling to 0.43%; the February 2026 "
    "update's lower-rate sensitivity test is not built in"
)

# ----------------------------------------------------------------------------- discounting


@dataclass(frozen=True)
class DiscountSchedule:
    """A declining discount-rate schedule: ``bands`` of (first year, rate), first year 0.

    ``DF_0 = 1`` and ``DF_t = DF_{t-1} / (1 + r_t)`` with ``r_t`` the rate of the band year ``t``
    falls in (compounding band by band, not restarting).
    """

    name: str
    bands: tuple[tuple[int, float], ...]
    edition: str = GREEN_BOOK_EDITION

    def __post_init__(self) -> None:
        starts = [b[0] for b in self.bands]
        if not self.bands or starts[0] != 0 or starts != sorted(set(starts)):
            raise ParamsError(
                f"discount schedule {self.name!r}: bands must start at year 0 and increase"
            )

    @classmethod
    def constant(
        cls, rate: float, *, name: str | None = None, edition: str = ""
    ) -> DiscountSchedule:
        """One rate for every year (e.g. a sensitivity test)."""
        return cls(name or f"constant {rate:.2%}", ((0, float(rate)),), edition or "user-set")

    def rates(self, n_years: int) -> np.ndarray:
        """``r_t`` for ``t = 0 .. n_years - 1`` (``r_0`` is unused: DF_0 = 1)."""
        t = np.arange(n_years)
        starts = np.array([b[0] for b in self.bands])
        rates = np.array([b[1] for b in self.bands])
        return rates[np.searchsorted(starts, t, side="right") - 1]

    def factors(self, n_years: int) -> np.ndarray:
        """Discount factors ``DF_0 .. DF_{n_years-1}``."""
        if n_years < 1:
            raise ParamsError(f"years must be >= 1, got {n_years}", key="years")
        growth = 1 + self.rates(n_years)
        growth[0] = 1.0
        return 1 / np.cumprod(growth)


STANDARD = DiscountSchedule(
    "standard",
    ((0, 0.035), (31, 0.030), (76, 0.025), (126, 0.020), (201, 0.015), (301, 0.010)),
)
"""Green Book standard schedule: 3.5% years 0-30, 3.0% 31-75, 2.5% 76-125, 2.0% 126-200,
1.5% 201-300, 1.0% 301+."""

HEALTH = DiscountSchedule(
    "health",
    ((0, 0.015), (31, 0.0129), (76, 0.0107), (126, 0.0086), (201, 0.0064), (301, 0.0043)),
)
"""Green Book health schedule: 1.5%, 1.29%, 1.07%, 0.86%, 0.64%, 0.43% for the same bands."""

_SCHEDULES = {"standard": STANDARD, "health": HEALTH}


def discount_factors(n_years: int, schedule: str | DiscountSchedule = "standard") -> np.ndarray:
    """Green Book discount factors for years ``0 .. n_years - 1``.

    Examples
    --------
    >>> discount_factors(31)[[1, 5, 10, 30]].round(4).tolist()
    [0.9662, 0.842, 0.7089, 0.3563]
    """
    return get_schedule(schedule).factors(n_years)


def get_schedule(schedule: str | DiscountSchedule) -> DiscountSchedule:
    """A schedule by name ('standard', 'health') or as given."""
    if isinstance(schedule, DiscountSchedule):
        return schedule
    if schedule not in _SCHEDULES:
        raise ParamsError(
            f"unknown discount schedule {schedule!r}; valid names are "
            f"{', '.join(_SCHEDULES)} (or pass a DiscountSchedule)",
            key="schedule",
        )
    return _SCHEDULES[schedule]


# ------------------------------------------------------------------ persistence, optimism bias


def persistence_profile(n_years: int, persistence: Any, drop_off: Any) -> np.ndarray:
    """Share of a year-0 outcome's value still present ``k`` years later, ``k = 0..n_years-1``.

    The benefit lasts ``persistence`` years (a fractional last year counts pro rata) and falls
    by ``drop_off`` each year after the first: ``(1 - drop_off) ** k``. Vectorised: array
    inputs of shape ``(n,)`` give shape ``(n, n_years)``.
    """
    k = np.arange(n_years, dtype=float)
    p = np.asarray(persistence, dtype=float)[..., None]
    d = np.asarray(drop_off, dtype=float)[..., None]
    return (1 - d) ** k * np.clip(p - k, 0.0, 1.0)


def combined_optimism_bias(components: Iterable[tuple[float, float]]) -> float:
    """Optimism bias of a project made of parts: sum of (share of cost x part's OB).

    Examples
    --------
    Green Book supplementary guidance (Mott MacDonald 2002) worked example: 30% non-standard
    buildings (upper bound 51%) and 70% standard buildings (24%):

    >>> round(combined_optimism_bias([(0.30, 0.51), (0.70, 0.24)]), 4)
    0.321
    """
    parts = [(float(s), float(ob)) for s, ob in components]
    total = sum(s for s, _ in parts)
    if not parts or abs(total - 1) > 1e-9:
        raise ParamsError(
            f"optimism bias components' cost shares must sum to 1 (they sum to {total:g})",
            key="optimism_bias",
        )
    if any(s < 0 or ob < 0 for s, ob in parts):
        raise ParamsError("cost shares and optimism bias must be >= 0", key="optimism_bias")
    return sum(s * ob for s, ob in parts)


def apply_optimism_bias(cost: Any, optimism_bias: Any) -> Any:
    """``cost x (1 + optimism_bias)`` (Green Book: adjusted = base x (1 + OB))."""
    return np.asarray(cost, dtype=float) * (1 + np.asarray(optimism_bias, dtype=float))


# ----------------------------------------------------------------------------- price years

_FY = re.compile(r"^(\d{4})\s*[-/]\s*(\d{2}|\d{4})$")


def normalise_year(year: Any, *, key: str = "price_year", file: str | None = None) -> str:
    """A price year as text: ``2019`` (calendar) or ``'2010-11'`` (financial, from 2010/11)."""
    if isinstance(year, (int, np.integer)) and not isinstance(year, bool):
        return str(int(year))
    text = str(year).strip()
    if re.fullmatch(r"\d{4}", text):
        return text
    m = _FY.match(text)
    if m:
        first, second = int(m.group(1)), m.group(2)
        if int(second[-2:]) == (first + 1) % 100:
            return f"{first}-{second[-2:]}"
    raise ParamsError(
        f"cannot read price year {year!r}; write a calendar year (2019) or a financial year "
        "(2019-20 or 2019/20)",
        file=file,
        key=key,
    )


@dataclass(frozen=True)
class DeflatorSeries:
    """A GDP deflator index by year, with where it came from.

    ``example=True`` marks a made-up series (tests, demos): results record it.
    """

    index: Mapping[str, float]
    source: str
    vintage: str
    url: str
    base_year: str | None = None
    file: str | None = None
    example: bool = False

    def value(self, year: Any) -> float:
        y = normalise_year(year)
        if y not in self.index:
            years = sorted(self.index)
            span = f"{years[0]} to {years[-1]}" if years else "no years"
            raise ParamsError(
                f"price year {y} is not in the GDP deflator series ({span}, {self.vintage}); "
                "add it to the deflator file or convert the value to a year the series covers",
                file=self.file,
                key=f"series.{y}",
            )
        return self.index[y]

    def factor(self, from_year: Any, to_year: Any) -> float:
        """Multiply a ``from_year`` amount by this to express it in ``to_year`` prices."""
        return self.value(to_year) / self.value(from_year)

    def convert(self, amount: float, from_year: Any, to_year: Any) -> float:
        return float(amount) * self.factor(from_year, to_year)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any], *, file: str | None = None) -> DeflatorSeries:
        """From ``{source, vintage, url, base_year?, example?, series: {year: index}}``."""
        _require(mapping, ("source", "vintage", "url", "series"), file=file, where="")
        _no_extra(mapping, ("source", "vintage", "url", "series", "base_year", "example"), file, "")
        series = mapping["series"]
        if not isinstance(series, Mapping) or not series:
            raise ParamsError("series must map years to index values", file=file, key="series")
        index: dict[str, float] = {}
        for year, val in series.items():
            y = normalise_year(year, key=f"series.{year}", file=file)
            index[y] = _positive(val, f"series.{year}", file)
        base = mapping.get("base_year")
        return cls(
            index, str(mapping["source"]), str(mapping["vintage"]), str(mapping["url"]),
            None if base is None else normalise_year(base, key="base_year", file=file),
            file, bool(mapping.get("example", False)),
        )


HMT_SOURCE = "HM Treasury, GDP deflators at market prices, and money GDP"
_HMT_FY = re.compile(r"^\s*(\d{4})\s*-\s*(\d{2})\b")


def read_hmt_deflators(path: str | Path, *, vintage: str | None = None, url: str = "") -> DeflatorSeries:
    """Read the financial-year GDP deflator index from HM Treasury's own workbook.

    The workbook (``svimpact data fetch hmt_gdp_deflators``, or any release downloaded from the
    GOV.UK collection page) holds a financial-year table: the year (``2024-25``) in one column
    and the index level in the next. Rows whose index is not a number (forecast years given only
    as a percentage change) are left out, never extrapolated: a price year missing from the
    series is then a clear error.
    """
    import openpyxl

    path = Path(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the user's file problem
        raise ParamsError(f"not a readable Excel workbook ({type(exc).__name__}: {exc})", file=str(path)) from None
    index: dict[str, float] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            cells = list(row)
            for i, cell in enumerate(cells[:-1]):
                m = _HMT_FY.match(str(cell)) if isinstance(cell, str) else None
                level = cells[i + 1]
                if m and isinstance(level, (int, float)) and level > 0:
                    index.setdefault(normalise_year(f"{m.group(1)}-{m.group(2)}"), float(level))
                    break
    wb.close()
    if len(index) < 2:
        raise ParamsError("found no financial-year deflator table (a column of years like 2024-25 beside "
                          "their index levels)", file=str(path))
    base = next((y for y, v in index.items() if abs(v - 100.0) < 1e-9), None)
    return DeflatorSeries(index, HMT_SOURCE, vintage or path.stem, url, base, str(path), False)


def load_deflator_file(path: str | Path | None) -> DeflatorSeries | None:
    """A deflator series from HM Treasury's workbook (.xlsx) or svimpact's YAML format; None for None."""
    if path is None:
        return None
    return read_hmt_deflators(path) if Path(path).suffix.lower() in {".xlsx", ".xlsm"} else load_deflator(path)


def load_deflator(path: str | Path) -> DeflatorSeries:
    """Read a GDP deflator YAML file (format: ``params/values/gdp_deflator.TEMPLATE.yaml``)."""
    return DeflatorSeries.from_mapping(read_yaml(path), file=str(path))


# ----------------------------------------------------------------------------- unit values

_UV_REQUIRED = ("id", "name", "amount", "unit", "price_year", "value_type", "agency", "source",
                "licence")
_UV_OPTIONAL = ("second_hand", "note")


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
        amount = deflator.convert(self.amount, self.price_year, target)
        return replace(self, amount=amount, price_year=target)


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

    def to_frame(self) -> pd.DataFrame:
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
        ))
    return tuple(out)


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


def _require(m: Mapping[str, Any], keys: Sequence[str], *, file: str | None, where: str) -> None:
    for k in keys:
        if k not in m or m[k] is None:
            raise ParamsError("required field is missing", file=file,
                              key=f"{where}.{k}" if where else k)


def _no_extra(m: Mapping[str, Any], allowed: Sequence[str], file: str | None, where: str) -> None:
    import difflib

    for k in m:
        if k not in allowed:
            close = difflib.get_close_matches(str(k), list(allowed), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; allowed: {', '.join(allowed)}"
            raise ParamsError(f"unknown field{hint}", file=file,
                              key=f"{where}.{k}" if where else str(k))


def _to_float(value: Any, file: str) -> Any:
    try:
        return float(str(value).replace(",", "").replace("£", ""))
    except ValueError:
        return value


def _positive(value: Any, key: str, file: str | None, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParamsError(f"expected a number, got {value!r}", file=file, key=key)
    v = float(value)
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise ParamsError(f"expected a positive number, got {value!r}", file=file, key=key)
    return v
