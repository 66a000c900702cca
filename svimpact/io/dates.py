"""UK dates at the boundary: ISO, day-first (01/02/2023 is 1 February 2023) and Excel serials.

Nothing is guessed silently. In ``"auto"`` mode a column may hold ISO dates (``2023-02-01``)
and UK day-first dates (``01/02/2023``, ``1.2.2023``, ``01-02-2023``); a value that only makes
sense month-first (``02/13/2023``), a two-digit year, or an impossible date (``31/02/2023``) is a
problem naming its rows. Excel serial day numbers (``44958``) are read as dates only when the
whole column holds them (an Excel export of a date column formatted as a number), or when the
params say ``date_format: excel``; how a column was read is returned as a note so that the
validation report can say it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["DATE_FORMATS", "DateParse", "parse_dates"]

DATE_FORMATS = ("auto", "iso", "dmy", "excel")
"""Named date formats; a strftime pattern such as ``"%d %b %Y"`` is also accepted."""

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$")
_DMY = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_DMY_SHORT = re.compile(r"^\d{1,2}([/.\-])\d{1,2}\1\d{2}$")
_SERIAL = re.compile(r"^\d{1,6}(?:\.\d+)?$")
_EXCEL_ORIGIN = pd.Timestamp("1899-12-30")  # Excel's 1900 date system, after its 1900 leap-year bug
# Serial day numbers accepted as dates: 1 Jan 1920 (7306) to 31 Dec 2099 (73415).
_SERIAL_RANGE = (7306, 73415)
_US_HINT = ("these only make sense month-first (US style), so the other dates in this column may be "
            "month-first too: export dates as DD/MM/YYYY or YYYY-MM-DD, or, if the whole column is "
            "month-first, set date_format: '%m/%d/%Y' in the params file")


@dataclass(frozen=True)
class DateParse:
    """The outcome of reading one date column.

    Attributes
    ----------
    values : Series
        ``datetime64[ns]``; missing where the input was blank or could not be read.
    problems : list of (message, mask, hint)
        Values that could not be read, grouped by reason (``mask`` marks the rows).
    note : str or None
        How the column was read, when that is worth saying (e.g. Excel serial numbers).
    """

    values: pd.Series
    problems: list[tuple[str, np.ndarray, str]] = field(default_factory=list)
    note: str | None = None


def _blank(s: pd.Series) -> np.ndarray:
    return (s.isna() | s.astype("string").str.strip().fillna("").eq("")).to_numpy(dtype=bool)


def _from_parts(y: pd.Series, m: pd.Series, d: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Build dates from numeric parts; returns (dates, impossible) where impossible marks 31/02 etc."""
    frame = pd.DataFrame({"year": pd.to_numeric(y), "month": pd.to_numeric(m), "day": pd.to_numeric(d)})
    out = pd.to_datetime(frame, errors="coerce")
    return out, out.isna().to_numpy(dtype=bool)


def _fast(text: pd.Series, todo: np.ndarray, fmt: str) -> tuple[pd.Series, np.ndarray]:
    """Vectorised parse of the common exact formats; what fails goes through the regex path."""
    parsed = pd.to_datetime(text.astype(object).where(todo, None), format=fmt, errors="coerce")
    return parsed.astype("datetime64[ns]"), parsed.notna().to_numpy(dtype=bool) & todo


def _parse_text(text: pd.Series, blank: np.ndarray, allow: set[str]) -> DateParse:
    values = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    done = blank.copy()
    for name, fmt in (("iso", "%Y-%m-%d"), ("dmy", "%d/%m/%Y")):
        if name in allow and (~done).any():
            parsed, hit = _fast(text, ~done, fmt)
            values[hit] = parsed[hit]
            done |= hit
    rest = ~done
    iso = text.where(rest, "").str.extract(_ISO) if "iso" in allow and rest.any() else None
    dmy = text.where(rest, "").str.extract(_DMY) if "dmy" in allow and rest.any() else None
    impossible = np.zeros(len(text), bool)
    us_style = np.zeros(len(text), bool)
    if iso is not None:
        hit = iso[0].notna().to_numpy(dtype=bool) & ~done
        if hit.any():
            dates, bad = _from_parts(iso.loc[hit, 0], iso.loc[hit, 1], iso.loc[hit, 2])
            values.loc[hit] = dates.to_numpy()
            impossible[np.flatnonzero(hit)[bad]] = True
            done |= hit
    if dmy is not None:
        hit = dmy[0].notna().to_numpy(dtype=bool) & ~done
        if hit.any():
            part = dmy.loc[hit]
            dates, bad = _from_parts(part[3], part[2], part[0])
            values.loc[hit] = dates.to_numpy()
            idx = np.flatnonzero(hit)
            month_first = (pd.to_numeric(part[2]) > 12) & (pd.to_numeric(part[0]) <= 12)
            us_style[idx[bad & month_first.to_numpy()]] = True
            impossible[idx[bad & ~month_first.to_numpy()]] = True
            done |= hit
    problems = []
    if us_style.any():
        problems.append(("dates with a month above 12", us_style, _US_HINT))
    if impossible.any():
        problems.append(("impossible calendar dates (e.g. 31/02)", impossible,
                         "correct the dates at source"))
    short = text.str.match(_DMY_SHORT).fillna(False).to_numpy(dtype=bool) & ~done
    if short.any():
        problems.append(("dates with a two-digit year (the century would be a guess)", short,
                         "export dates with four-digit years (DD/MM/YYYY)"))
    other = ~done & ~short
    if other.any():
        what = {"iso": "YYYY-MM-DD", "dmy": "DD/MM/YYYY"}
        expected = " or ".join(what[a] for a in ("iso", "dmy") if a in allow)
        problems.append((f"unreadable dates (expected {expected})", other,
                         "correct them, or set date_format in the params file if the whole column "
                         "uses another format"))
    values[~done | impossible | us_style] = pd.NaT
    return DateParse(values, problems)


def _parse_serial(text: pd.Series, blank: np.ndarray) -> DateParse:
    num = pd.to_numeric(text.astype(object).where(~blank, np.nan), errors="coerce").astype("float64")
    lo, hi = _SERIAL_RANGE
    bad_num = num.isna().to_numpy(dtype=bool) & ~blank
    out_range = (~num.between(lo, hi)).to_numpy(dtype=bool) & ~blank & ~bad_num
    ok = ~blank & ~bad_num & ~out_range
    values = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    values[ok] = (_EXCEL_ORIGIN + pd.to_timedelta(np.floor(num[ok].to_numpy(dtype=float)), unit="D")).to_numpy()
    problems = []
    if bad_num.any():
        problems.append(("values that are not Excel serial day numbers", bad_num,
                         "the column was read as Excel serial dates: make every value a number"))
    if out_range.any():
        problems.append((f"Excel serial day numbers outside {lo}-{hi} (1920-2099)", out_range,
                         "check these values are dates at all"))
    note = "read as Excel serial day numbers (1900 date system: day 1 = 1900-01-01)"
    return DateParse(values, problems, note)


def parse_dates(values: pd.Series, *, date_format: str = "auto") -> DateParse:
    """Read a column of dates without guessing.

    Parameters
    ----------
    values : Series
        Text as read from the file, or datetimes (an Excel date cell).
    date_format : str
        ``"auto"`` (ISO and UK day-first; Excel serials only if every value is one), ``"iso"``
        (ISO only), ``"dmy"`` (UK day-first or ISO, never serials), ``"excel"`` (serials only), or
        a strftime pattern such as ``"%d %b %Y"`` (ISO dates are accepted beside it).

    Returns
    -------
    DateParse

    Examples
    --------
    >>> parse_dates(pd.Series(["01/02/2023", "2023-02-01"])).values.dt.month.tolist()
    [2, 2]
    """
    s = pd.Series(values).reset_index(drop=True)
    if pd.api.types.is_datetime64_any_dtype(s):
        return DateParse(s.astype("datetime64[ns]"))
    blank = _blank(s)
    text = s.astype("string").str.strip().fillna("")
    if date_format == "excel":
        return _parse_serial(text, blank)
    if date_format in ("iso", "dmy"):
        return _parse_text(text, blank, {"iso"} if date_format == "iso" else {"iso", "dmy"})
    if date_format != "auto":  # a strftime pattern; ISO dates (unambiguous) are also accepted
        parsed = pd.to_datetime(text.astype(object).where(~blank, None), format=date_format, errors="coerce")
        iso = _parse_text(text, blank | parsed.notna().to_numpy(dtype=bool), {"iso"})
        parsed = parsed.astype("datetime64[ns]").fillna(iso.values)
        bad = parsed.isna().to_numpy(dtype=bool) & ~blank
        problems = [(f"dates in neither the format {date_format!r} nor YYYY-MM-DD", bad,
                     "correct them at source")] if bad.any() else []
        return DateParse(parsed, problems)
    serial = text.str.fullmatch(_SERIAL).fillna(False).to_numpy(dtype=bool)
    if (~blank).any() and serial[~blank].all():
        return _parse_serial(text, blank)
    parsed = _parse_text(text, blank, {"iso", "dmy"})
    if serial.any():  # some serials among text dates: never guessed
        msg = "numbers among dates (Excel serials mixed with text dates)"
        hint = "format the whole column as dates in Excel before exporting"
        problems = [p for p in parsed.problems if not p[0].startswith("unreadable")]
        rest = next((p[1] & ~serial for p in parsed.problems if p[0].startswith("unreadable")), None)
        if rest is not None and rest.any():
            problems.append(("unreadable dates (expected YYYY-MM-DD or DD/MM/YYYY)", rest,
                             "correct them, or set date_format in the params file"))
        problems.append((msg, serial & ~blank, hint))
        return DateParse(parsed.values, problems)
    return parsed
