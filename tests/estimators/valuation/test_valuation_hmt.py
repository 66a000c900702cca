"""Reading HM Treasury's GDP deflator workbook (layout as published: a financial-year table of
years like 2024-25 beside index levels; forecast years given only as a percentage change)."""

from __future__ import annotations

import openpyxl
import pytest

from svimpact.estimators.valuation import HMT_SOURCE, load_deflator_file, read_hmt_deflators
from svimpact.exceptions import ParamsError


def _workbook(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["GDP deflators at market prices, and money GDP"])
    ws.append([None, "Financial year", "GDP deflator", "per cent change", None, None, None, "Calendar year", "Index"])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_reads_financial_year_levels_and_skips_forecast_changes(tmp_path):
    # Index values here are made up for the test (not HM Treasury's figures).
    path = _workbook(tmp_path / "hmt.xlsx", [
        [None, "2010-11", 60.0, 1.5, None, None, None, 2010, 59.0],
        [None, "2012-13", 64.0, 1.9, None, None, None, 2012, 63.0],
        [None, "2024-25", 100.0, 3.0, None, None, None, 2024, 99.0],
        [None, "2025-26 (1)", "-", 2.5, None, None, None, "2025 (1)", "-"],
    ])
    series = read_hmt_deflators(path, vintage="test release")
    assert series.index == {"2010-11": 60.0, "2012-13": 64.0, "2024-25": 100.0}
    assert series.base_year == "2024-25" and series.source == HMT_SOURCE and not series.example
    assert series.convert(600, "2010-11", "2024-25") == pytest.approx(1000.0)
    with pytest.raises(ParamsError, match=r"price year 2025-26 is not in the GDP deflator series"):
        series.value("2025-26")
    assert load_deflator_file(path).index == series.index
    assert load_deflator_file(None) is None


def test_workbook_without_the_table_is_a_clear_error(tmp_path):
    path = _workbook(tmp_path / "other.xlsx", [["nothing", "here"]])
    with pytest.raises(ParamsError, match=r"other.xlsx: found no financial-year deflator table"):
        read_hmt_deflators(path)
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(ParamsError, match=r"bad.xlsx: not a readable Excel workbook"):
        read_hmt_deflators(bad)
