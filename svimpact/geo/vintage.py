"""LSOA vintages (2011, 2021): checking codes and converting data through the ONS lookup.

An LSOA code belongs to a vintage and an IMD edition to a vintage (IoD2019: 2011 LSOAs;
IoD2025: 2021 LSOAs), so they are never mixed (METHODS.md section 4). The ONS *LSOA (2011) to
LSOA (2021) to Local Authority District (2022) Lookup for England and Wales* marks each pair
U (unchanged), S (split), M (merged) or X (complex). Here:

* counts are apportioned by population share of the target areas for splits (and the split
  side of complex changes) and summed for merges (:func:`convert_lsoa_counts`);
* flags are carried by "any" or "all" of the source areas (:func:`convert_lsoa_flags`);
* rates are recomputed from converted numerators and denominators (:func:`convert_lsoa_rates`);
* deciles and ranks are never averaged: converting them is refused.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from svimpact._common import describe_value
from svimpact.exceptions import InputDataError
from svimpact.geo.editions import LAST_2011_LSOA, LSOA_VINTAGES, iod_info

__all__ = [
    "LSOA_VINTAGES",
    "check_lsoa_codes",
    "check_same_vintage",
    "convert_lsoa_counts",
    "convert_lsoa_flags",
    "convert_lsoa_rates",
    "read_lsoa_lookup",
]

_CODE_RE = re.compile(r"^[EW]01\d{6}$")
_LOOKUP_COLUMNS = {
    "f_lsoa11cd": "lsoa11_code", "lsoa11cd": "lsoa11_code", "lsoa11nm": "lsoa11_name",
    "lsoa21cd": "lsoa21_code", "lsoa21nm": "lsoa21_name", "chgind": "change",
    "lad22cd": "lad22_code", "lad22nm": "lad22_name",
}
_CONVERT_HINT = "convert with svimpact.geo.convert_lsoa_counts(df, lookup, ...) first"


def _rows(mask: pd.Series | np.ndarray) -> list[int]:
    return list(np.flatnonzero(np.asarray(mask)) + 1)


def check_lsoa_codes(
    codes: Iterable[str] | pd.Series,
    vintage: Any,
    *,
    lookup: pd.DataFrame | None = None,
    known: Iterable[str] | None = None,
    known_as: str = "the IMD frame",
    file: str | None = None,
    column: str | None = "lsoa_code",
    england_only: bool = False,
) -> None:
    """Check that LSOA codes are well formed and belong to ``vintage``.

    Parameters
    ----------
    codes : iterable of str
        The codes, in row order (rows in errors count from 1).
    vintage : {2011, 2021, "synthetic"}
        ``"synthetic"`` skips the format checks (the synthetic data uses ``Z01...`` codes).
    lookup : DataFrame, optional
        The ONS lookup from :func:`read_lsoa_lookup`; when given, each code must be one of that
        vintage's codes.
    known : iterable of str, optional
        Codes the data must match, e.g. ``imd["lsoa_code"]``; ``known_as`` names them in errors.
    england_only : bool
        Reject Welsh (``W01``) codes, as the English IoD has none.

    Raises
    ------
    InputDataError
        Listing the rows with malformed codes, codes of the other vintage, or unknown codes.
    """
    if vintage not in LSOA_VINTAGES:
        raise InputDataError(f"unknown LSOA vintage {vintage!r}", file=file,
                             hint="use 2011, 2021 or 'synthetic'")
    if vintage == "synthetic":
        return
    s = pd.Series(list(codes) if not isinstance(codes, pd.Series) else codes, dtype="string")
    s = s.reset_index(drop=True)
    bad = ~s.fillna("").str.fullmatch(_CODE_RE.pattern)
    if bad.any():
        raise InputDataError(
            f"{int(bad.sum())} LSOA code(s) are malformed (first: {describe_value(s[bad].iloc[0])})",
            file=file, column=column, rows=_rows(bad),
            hint="an LSOA code is E01 or W01 followed by 6 digits, e.g. E01006512",
        )
    if england_only:
        welsh = s.str.startswith("W")
        if welsh.any():
            raise InputDataError("the English IoD has no Welsh (W01) LSOAs", file=file,
                                 column=column, rows=_rows(welsh))
    if vintage == 2011:
        num = s.str.slice(3).astype(int)
        limit = s.str.slice(0, 1).map(LAST_2011_LSOA).astype(int)
        newer = num > limit
        if newer.any():
            raise InputDataError(
                f"{int(newer.sum())} code(s) are not 2011 LSOAs (first: {s[newer].iloc[0]}): "
                "they are numbered after the last 2011 code (E01033768, W01001958), so they are "
                "2021 LSOAs or not LSOAs at all; IoD2019 uses 2011 LSOAs",
                file=file, column=column, rows=_rows(newer),
                hint="use IoD2025 with 2021 LSOAs, or " + _CONVERT_HINT,
            )
    if lookup is not None:
        known = set(lookup[f"lsoa{str(vintage)[2:]}_code"])
        unknown = ~s.isin(known)
        if unknown.any():
            other = 2021 if vintage == 2011 else 2011
            in_other = s[unknown].isin(set(lookup[f"lsoa{str(other)[2:]}_code"]))
            note = (f"; {int(in_other.sum())} of them are {other} codes" if in_other.any() else "")
            raise InputDataError(
                f"{int(unknown.sum())} code(s) are not {vintage} LSOAs in the ONS lookup "
                f"(first: {s[unknown].iloc[0]}){note}",
                file=file, column=column, rows=_rows(unknown),
                hint=_CONVERT_HINT if in_other.any() else "check the codes",
            )
    if known is not None:
        unknown = ~s.isin(set(known))
        if unknown.any():
            raise InputDataError(
                f"{int(unknown.sum())} code(s) are not in {known_as} (first: "
                f"{s[unknown].iloc[0]})", file=file, column=column, rows=_rows(unknown),
                hint=f"check the codes are {vintage} LSOAs in England; codes of the other "
                "vintage must be converted: " + _CONVERT_HINT,
            )


def check_same_vintage(*frames: pd.DataFrame, names: Sequence[str] = ()) -> tuple[Any, Any]:
    """Check that canonical frames share one IoD edition and LSOA vintage; return them.

    Raises
    ------
    InputDataError
        When editions or vintages differ, saying how to convert.
    """
    names = list(names) or [f"frame {i + 1}" for i in range(len(frames))]
    infos = [iod_info(f, what=n) for f, n in zip(frames, names)]
    pairs = {(i.edition, i.lsoa_vintage) for i in infos}
    if len(pairs) > 1:
        detail = ", ".join(f"{n}: IoD{i.edition} on {i.lsoa_vintage} LSOAs"
                           for n, i in zip(names, infos))
        raise InputDataError(
            f"cannot combine different IoD editions or LSOA vintages ({detail})",
            hint="bring the data to one vintage: " + _CONVERT_HINT,
        )
    return infos[0].edition, infos[0].lsoa_vintage


def read_lsoa_lookup(path: str | Path) -> pd.DataFrame:
    """Read the ONS LSOA (2011) to LSOA (2021) lookup (CSV as published, BOM and all).

    Returns
    -------
    DataFrame
        Columns ``lsoa11_code, lsoa11_name, lsoa21_code, lsoa21_name, change`` (U/S/M/X) and
        ``lad22_code, lad22_name`` when present; one row per (2011, 2021) pair.
    """
    file = str(path)
    if not Path(path).exists():
        raise InputDataError("lookup file not found", file=file,
                             hint="fetch it with svimpact.io.fetch.fetch(['lsoa11_lsoa21_lookup'])")
    raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    rename = {c: _LOOKUP_COLUMNS[c.strip().lower()] for c in raw.columns
              if c.strip().lower() in _LOOKUP_COLUMNS}
    df = raw.rename(columns=rename)[list(rename.values())]
    for need, header in (("lsoa11_code", "LSOA11CD"), ("lsoa21_code", "LSOA21CD"),
                         ("change", "CHGIND")):
        if need not in df.columns:
            raise InputDataError("missing column of the ONS lookup", file=file, column=header,
                                 hint=f"the file's columns are {list(raw.columns)}")
    bad = ~df["change"].isin(["U", "S", "M", "X"])
    if bad.any():
        raise InputDataError("change indicator must be U, S, M or X", file=file,
                             column="CHGIND", rows=_rows(bad))
    dup = df.duplicated(["lsoa11_code", "lsoa21_code"])
    if dup.any():
        raise InputDataError("repeated (2011, 2021) pairs", file=file, column="LSOA21CD",
                             rows=_rows(dup))
    return df.reset_index(drop=True)


def _shares(
    lookup: pd.DataFrame, src: str, tgt: str, weights: pd.Series | None
) -> pd.DataFrame:
    """Each (source, target) pair with the share of the source's value that goes to the target."""
    pairs = lookup[[src, tgt]].copy()
    if weights is None:
        w = pd.Series(1.0, index=pairs.index)
        if (pairs[src].duplicated(keep=False)).any():
            warnings.warn(
                "no population weights given: split areas are apportioned in equal shares; "
                "pass weights= (population of the target LSOAs) for population-share apportioning",
                UserWarning, stacklevel=4,
            )
    else:
        w = pairs[tgt].map(weights).astype(float)
        split = pairs[src].duplicated(keep=False)
        missing = w.isna() & split
        if missing.any():
            raise InputDataError(
                f"weights lack {int(missing.sum())} target LSOA(s) of split areas "
                f"(first: {pairs.loc[missing, tgt].iloc[0]})",
                column="weights", hint="give a population for every target LSOA",
            )
        w = w.fillna(1.0)
    total = w.groupby(pairs[src]).transform("sum")
    pairs["share"] = np.where(total > 0, w / total.where(total > 0, 1.0),
                              1.0 / pairs.groupby(src)[tgt].transform("size"))
    return pairs


def _direction(from_vintage: int, to_vintage: int) -> tuple[str, str]:
    if {from_vintage, to_vintage} != {2011, 2021}:
        raise InputDataError(f"cannot convert from {from_vintage} to {to_vintage} LSOAs",
                             hint="svimpact converts between 2011 and 2021 LSOAs")
    return f"lsoa{str(from_vintage)[2:]}_code", f"lsoa{str(to_vintage)[2:]}_code"


def _prepare(
    df: pd.DataFrame, columns: Sequence[str], code_col: str, lookup: pd.DataFrame, src: str,
    from_vintage: int,
) -> None:
    for c in [code_col, *columns]:
        if c not in df.columns:
            raise InputDataError("column not found", column=c,
                                 hint=f"the frame's columns are {list(df.columns)}")
    refused = [c for c in columns if c.endswith(("_decile", "_rank"))]
    if refused:
        raise InputDataError(
            f"deciles and ranks cannot be converted between vintages ({', '.join(refused)})",
            column=refused[0],
            hint="use the IoD edition built on the target vintage (IoD2025 for 2021 LSOAs)",
        )
    check_lsoa_codes(df[code_col], from_vintage, column=code_col)
    unknown = ~df[code_col].isin(set(lookup[src]))
    if unknown.any():
        raise InputDataError(
            f"{int(unknown.sum())} code(s) are not in the lookup's {from_vintage} LSOAs "
            f"(first: {df.loc[unknown, code_col].iloc[0]})",
            column=code_col, rows=_rows(unknown), hint="check the codes and the vintage",
        )
    dup = df[code_col].duplicated(keep=False)
    if dup.any():
        raise InputDataError("each LSOA must appear once", column=code_col, rows=_rows(dup),
                             hint="aggregate the rows first (e.g. df.groupby(code).sum())")


def convert_lsoa_counts(
    df: pd.DataFrame,
    lookup: pd.DataFrame,
    columns: Sequence[str],
    *,
    code_col: str = "lsoa_code",
    from_vintage: int = 2011,
    to_vintage: int = 2021,
    weights: pd.Series | None = None,
) -> pd.DataFrame:
    """Convert counts between LSOA vintages through the ONS lookup.

    Unchanged areas keep their counts; merged areas sum them; a split area's count is shared
    among its targets by population share (``weights``); complex (X) changes combine both.
    Totals are preserved.

    Parameters
    ----------
    df : DataFrame
        One row per source LSOA, with ``code_col`` and the count ``columns``.
    lookup : DataFrame
        From :func:`read_lsoa_lookup`.
    columns : sequence of str
        Count columns to convert (ranks and deciles are refused).
    weights : Series, optional
        Population of the *target* LSOAs, indexed by code. Without it, splits are shared
        equally, with a warning.

    Returns
    -------
    DataFrame
        ``lsoa_code`` (target vintage) and the converted columns (float), sorted by code.
    """
    src, tgt = _direction(from_vintage, to_vintage)
    _prepare(df, columns, code_col, lookup, src, from_vintage)
    for c in columns:
        values = pd.to_numeric(df[c], errors="coerce")
        bad = values.isna() | (values < 0)
        if bad.any():
            raise InputDataError(
                "counts must be non-negative numbers with none missing", column=c,
                rows=_rows(bad), hint="fill or remove these rows explicitly before converting",
            )
    pairs = _shares(lookup[lookup[src].isin(set(df[code_col]))], src, tgt, weights)
    values = df.set_index(code_col)[list(columns)].astype(float)
    joined = pairs.join(values, on=src)
    for c in columns:
        joined[c] = joined[c] * joined["share"]
    out = joined.groupby(tgt, sort=True)[list(columns)].sum(min_count=1).reset_index()
    out = out.rename(columns={tgt: "lsoa_code"})
    out.attrs["svimpact"] = {"kind": "converted", "lsoa_vintage": to_vintage}
    return out


def convert_lsoa_flags(
    df: pd.DataFrame,
    lookup: pd.DataFrame,
    columns: Sequence[str],
    *,
    rule: str = "any",
    code_col: str = "lsoa_code",
    from_vintage: int = 2011,
    to_vintage: int = 2021,
) -> pd.DataFrame:
    """Convert true/false flags: a target area is flagged if ``any`` (or ``all``) of the source
    areas it draws on are flagged."""
    if rule not in ("any", "all"):
        raise InputDataError(f"unknown rule {rule!r}", column="rule", hint="use 'any' or 'all'")
    src, tgt = _direction(from_vintage, to_vintage)
    _prepare(df, columns, code_col, lookup, src, from_vintage)
    pairs = lookup.loc[lookup[src].isin(set(df[code_col])), [src, tgt]]
    joined = pairs.join(df.set_index(code_col)[list(columns)].astype(bool), on=src)
    grouped = joined.groupby(tgt, sort=True)[list(columns)]
    out = (grouped.any() if rule == "any" else grouped.all()).reset_index()
    return out.rename(columns={tgt: "lsoa_code"})


def convert_lsoa_rates(
    df: pd.DataFrame,
    lookup: pd.DataFrame,
    *,
    numerator: str,
    denominator: str,
    rate: str = "rate",
    per: float = 1.0,
    code_col: str = "lsoa_code",
    from_vintage: int = 2011,
    to_vintage: int = 2021,
    weights: pd.Series | None = None,
) -> pd.DataFrame:
    """Convert a rate by converting its numerator and denominator counts and dividing again.

    Rates are never averaged across areas. ``rate = per * numerator / denominator``.
    """
    out = convert_lsoa_counts(df, lookup, [numerator, denominator], code_col=code_col,
                              from_vintage=from_vintage, to_vintage=to_vintage, weights=weights)
    den = out[denominator]
    out[rate] = per * out[numerator] / den.where(den != 0)
    return out
