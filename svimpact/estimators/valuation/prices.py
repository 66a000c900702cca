"""Price years and GDP deflators: normalising a price year, converting between them, reading
HM Treasury's deflator file; plus the field checks the value and deflator files share."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from svimpact._common import did_you_mean
from svimpact.exceptions import ParamsError
from svimpact.io.yamlfile import read_yaml

__all__ = [
    "HMT_SOURCE",
    "DeflatorSeries",
    "load_deflator",
    "load_deflator_file",
    "normalise_year",
    "read_hmt_deflators",
]


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


# ----------------------------------------------------------------------------- field checks


def _require(m: Mapping[str, Any], keys: Sequence[str], *, file: str | None, where: str) -> None:
    for k in keys:
        if k not in m or m[k] is None:
            raise ParamsError("required field is missing", file=file,
                              key=f"{where}.{k}" if where else k)


def _no_extra(m: Mapping[str, Any], allowed: Sequence[str], file: str | None, where: str) -> None:
    for k in m:
        if k not in allowed:
            hint = "; " + did_you_mean(k, allowed, listing="allowed")
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
