"""Readers for MHCLG's English Indices of Deprivation files, into one canonical frame.

The official IoD2019 files 1, 2, 5, 6 and 7 (CSV or xlsx, as MHCLG publishes them, with their
UTF-8 byte-order marks and quoted thousands separators) and the IoD2025 equivalents are read into
one canonical frame with the columns

``lsoa_code, lsoa_name, lad_code, lad_name, imd_score, imd_rank, imd_decile``, the domain
``<domain>_score / _rank / _decile`` columns present in the source, and ``population`` (plus the
other denominators) when the source has them.

The IoD edition (2019 or 2025) and the LSOA vintage (2011 or 2021) are recorded in
``df.attrs["svimpact"]``; read them back with :func:`iod_info`, and re-attach them with
:func:`tag_iod` when a pandas operation has lost them (both live in :mod:`svimpact.geo.editions`,
with the per-edition facts, and are re-exported here). Source: METHODS.md section 4.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from svimpact.exceptions import InputDataError
from svimpact.geo.editions import (
    DOMAINS,
    EDITIONS,
    LAD_YEAR_EDITION,
    SHORT_DOMAINS,
    IoDInfo,
    iod_info,
    tag_iod,
)
from svimpact.geo.vintage import check_lsoa_codes

__all__ = [
    "DOMAINS",
    "EDITIONS",
    "IoDInfo",
    "KEY_COLUMNS",
    "iod_info",
    "read_iod",
    "tag_iod",
]

KEY_COLUMNS = ("lsoa_code", "lsoa_name", "lad_code", "lad_name")
_POPULATION = {
    "total population": "population",
    "dependent children aged 0-15": "population_0_15",
    "population aged 16-59": "population_16_59",
    "older population aged 60 and over": "population_60_plus",
    "working age population": "population_working_age",
}
_MEASURE_RE = re.compile(r"^\s+(score|rank|decile)\b")
_MHCLG_KEY_RE = re.compile(
    r"^(lsoa|local authority district) (code|name) \((\d{4})\)$"
)
_SHORT_KEY_RE = re.compile(r"^(lsoa|lad|ltla)(\d{2})_?(cd|nm|code|name)$")
_SHORT_MEASURE_RE = re.compile(
    r"^(" + "|".join(sorted(SHORT_DOMAINS, key=len, reverse=True)) + r")(?:_(\d{4}))?_(score|rank|decile)$"
)


# ----------------------------------------------------------------------------- header mapping


def _norm(header: object) -> str:
    return " ".join(str(header).replace("\ufeff", "").split()).lower()


def _map_header(header: object) -> tuple[str | None, dict[str, int]]:
    """Canonical name for one source header, and any years it states (vintage, LAD, edition)."""
    h = _norm(header)
    m = _MHCLG_KEY_RE.match(h)
    if m:
        what = "lsoa" if m.group(1) == "lsoa" else "lad"
        years = {"lsoa_year" if what == "lsoa" else "lad_year": int(m.group(3))}
        return f"{what}_{m.group(2)}", years
    m = _SHORT_KEY_RE.match(h)
    if m:
        what = "lsoa" if m.group(1) == "lsoa" else "lad"
        kind = "code" if m.group(3) in ("cd", "code") else "name"
        key = "lsoa_year" if what == "lsoa" else "lad_year"
        return f"{what}_{kind}", {key: 2000 + int(m.group(2))}
    for prefix, canon in _POPULATION.items():
        if h.startswith(prefix):
            return canon, {}
    for prefix in sorted(DOMAINS, key=len, reverse=True):
        if h.startswith(prefix):
            m = _MEASURE_RE.match(h[len(prefix):])
            if m:
                return f"{DOMAINS[prefix]}_{m.group(1)}", {}
    m = _SHORT_MEASURE_RE.match(h)
    if m:
        years = {"edition": int(m.group(2))} if m.group(2) else {}
        return f"{SHORT_DOMAINS[m.group(1)]}_{m.group(3)}", years
    if h in KEY_COLUMNS or h in _POPULATION.values():
        return h, {}
    return None, {}


def _columns(headers: Sequence[object], file: str) -> tuple[dict[object, str], dict[str, set[int]]]:
    mapping: dict[object, str] = {}
    years: dict[str, set[int]] = {}
    unknown: list[str] = []
    for header in headers:
        canon, found = _map_header(header)
        for k, v in found.items():
            years.setdefault(k, set()).add(v)
        if canon is None:
            if "lsoa" in _norm(header) and "code" in _norm(header):
                raise InputDataError(
                    f"header {str(header)!r} looks like an LSOA code column but is not in "
                    "MHCLG's form",
                    file=file, column=str(header),
                    hint="expected 'LSOA code (2011)' (IoD2019) or 'LSOA code (2021)' (IoD2025)",
                )
            unknown.append(str(header))
            continue
        if canon in mapping.values():
            first = next(k for k, v in mapping.items() if v == canon)
            raise InputDataError(
                f"columns {str(first)!r} and {str(header)!r} both mean '{canon}'",
                file=file, column=str(header), hint="remove one of them",
            )
        mapping[header] = canon
    if "lsoa_code" not in mapping.values():
        raise InputDataError(
            "no LSOA code column found",
            file=file, column="LSOA code (2011)",
            hint="expected MHCLG's 'LSOA code (2011)' (IoD2019) or 'LSOA code (2021)' "
            f"(IoD2025); the file's first columns are {[str(h) for h in headers[:5]]}",
        )
    if unknown:
        warnings.warn(
            f"{file}: {len(unknown)} column(s) not part of the canonical IoD frame were left "
            f"out: {', '.join(repr(u) for u in unknown[:8])}{' ...' if len(unknown) > 8 else ''}",
            UserWarning, stacklevel=4,
        )
    return mapping, years


# ----------------------------------------------------------------------------- reading


def _read_table(path: Path) -> pd.DataFrame:
    """All cells as strings, BOM removed; for xlsx the first sheet with an LSOA code column."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".gz"):
        return pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        try:
            import openpyxl  # noqa: F401
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise InputDataError(
                "reading xlsx needs openpyxl", file=str(path),
                hint="install it with `pip install openpyxl`",
            ) from exc
        with pd.ExcelFile(path) as book:
            for sheet in book.sheet_names:
                head = pd.read_excel(book, sheet_name=sheet, nrows=0)
                if any(_map_header(h)[0] == "lsoa_code" for h in head.columns):
                    return pd.read_excel(book, sheet_name=sheet, dtype=str, keep_default_na=False)
        raise InputDataError(
            f"no sheet has an LSOA code column (sheets: {', '.join(book.sheet_names)})",
            file=str(path), column="LSOA code (2011)",
        )
    raise InputDataError(
        f"cannot read files of type '{suffix}'", file=str(path),
        hint="give MHCLG's CSV or xlsx file",
    )


def _to_number(raw: pd.Series, file: str, header: str, integer: bool) -> pd.Series:
    text = raw.astype(str).str.strip().str.replace(",", "", regex=False)
    blank = text.isin(["", "nan", "NaN", "None"])
    values = pd.to_numeric(text.where(~blank), errors="coerce")
    bad = values.isna() & ~blank
    if bad.any():
        rows = (np.flatnonzero(bad.to_numpy()) + 1).tolist()
        raise InputDataError(
            f"{int(bad.sum())} value(s) are not numbers (first: {raw[bad].iloc[0]!r})",
            file=file, column=header, rows=rows, hint="fix or blank these cells",
        )
    if integer:
        whole = values.dropna()
        if (whole != np.round(whole)).any():
            rows = (np.flatnonzero((values != np.round(values)).fillna(False).to_numpy()) + 1).tolist()
            raise InputDataError(
                "ranks, deciles and population counts must be whole numbers",
                file=file, column=header, rows=rows,
            )
        return values.astype("Int64")
    return values.astype("float64")


def _edition(years: dict[str, set[int]], edition: Any, file: str) -> tuple[Any, Any]:
    found: set[Any] = set(years.get("edition", set()))
    found |= {LAD_YEAR_EDITION[y] for y in years.get("lad_year", set()) if y in LAD_YEAR_EDITION}
    vintages = years.get("lsoa_year", set())
    found |= {e for e, (v, _) in EDITIONS.items() if v in vintages}
    if edition is not None:
        found.add(edition)
    if len(found) != 1:
        stated = sorted(str(e) for e in found) or ["nothing"]
        raise InputDataError(
            f"cannot tell the IoD edition: the headers point to {', '.join(stated)}",
            file=file,
            hint="pass edition=2019 or edition=2025 (2019 uses 2011 LSOAs, 2025 uses 2021 LSOAs)",
        )
    ed = found.pop()
    if ed not in EDITIONS:
        raise InputDataError(f"IoD edition {ed} is not supported", file=file,
                             hint="svimpact reads IoD2019 and IoD2025")
    if vintages and EDITIONS[ed][0] not in vintages:
        raise InputDataError(
            f"IoD{ed} uses {EDITIONS[ed][0]} LSOAs but the file's codes are "
            f"{sorted(vintages)} LSOAs",
            file=file, hint="check the edition, or convert with svimpact.geo.convert_lsoa_counts",
        )
    return ed, EDITIONS[ed][0]


def _read_one(path: Path, edition: Any) -> tuple[pd.DataFrame, Any]:
    file = str(path)
    if not path.exists():
        raise InputDataError("file not found", file=file,
                             hint="fetch it with svimpact.io.fetch.fetch() or check the path")
    raw = _read_table(path)
    mapping, years = _columns(list(raw.columns), file)
    ed, _ = _edition(years, edition, file)
    out = pd.DataFrame(index=raw.index)
    for header, canon in mapping.items():
        if canon in KEY_COLUMNS:
            out[canon] = raw[header].astype(str).str.strip()
        else:
            integer = canon.endswith(("_rank", "_decile")) or canon.startswith("population")
            out[canon] = _to_number(raw[header], file, str(header), integer)
    _check_pairs(out, mapping, file)
    _check_values(out, ed, file)
    return out.reset_index(drop=True), ed


def _check_pairs(df: pd.DataFrame, mapping: dict[object, str], file: str) -> None:
    """MHCLG always publishes a rank with its decile: one without the other is a broken file."""
    official = {c for h, c in mapping.items() if not _SHORT_MEASURE_RE.match(_norm(h))}
    for col in [c for c in df.columns if c in official]:
        for have, need, label in (("_rank", "_decile", "Decile"), ("_decile", "_rank", "Rank")):
            if col.endswith(have):
                other = col[: -len(have)] + need
                if other not in df.columns:
                    header = next(str(h) for h, c in mapping.items() if c == col)
                    raise InputDataError(
                        f"has '{header}' but no matching {label} column ('{other}')",
                        file=file, column=other, hint="the file looks truncated or edited",
                    )


def _check_values(df: pd.DataFrame, edition: Any, file: str) -> None:
    check_lsoa_codes(df["lsoa_code"], EDITIONS[edition][0], file=file, column="lsoa_code",
                     england_only=True)
    dup = df["lsoa_code"].duplicated(keep=False)
    if dup.any():
        raise InputDataError("LSOA codes appear more than once", file=file, column="lsoa_code",
                             rows=list(np.flatnonzero(dup.to_numpy()) + 1))
    n = EDITIONS[edition][1]
    for col in df.columns:
        if col.endswith("_decile"):
            bad = (~df[col].between(1, 10)).fillna(False).astype(bool)
            if bad.any():
                raise InputDataError("deciles must lie between 1 and 10", file=file, column=col,
                                     rows=list(np.flatnonzero(bad.to_numpy()) + 1))
        if col.endswith("_rank") and n is not None:
            bad = (~df[col].between(1, n)).fillna(False).astype(bool)
            if bad.any():
                raise InputDataError(f"ranks must lie between 1 and {n:,}", file=file,
                                     column=col, rows=list(np.flatnonzero(bad.to_numpy()) + 1))


def _combine(frames: list[pd.DataFrame], files: list[str]) -> pd.DataFrame:
    """Join the files' frames on ``lsoa_code``; shared columns must agree; no row is dropped."""
    out = frames[0]
    for df, file in zip(frames[1:], files[1:]):
        left, right = set(out["lsoa_code"]), set(df["lsoa_code"])
        if left != right:
            only = sorted(right - left)[:5] or sorted(left - right)[:5]
            raise InputDataError(
                f"covers different LSOAs from {files[0]} ({len(right - left)} codes only here, "
                f"{len(left - right)} only there; e.g. {', '.join(only)})",
                file=file, column="lsoa_code",
                hint="give files of the same IoD edition covering all of England",
            )
        merged = out.merge(df, on="lsoa_code", how="left", suffixes=("", "__new"))
        for col in [c for c in df.columns if c != "lsoa_code" and c in out.columns]:
            a, b = merged[col], merged[f"{col}__new"]
            differ = ((a != b) & a.notna() & b.notna()).fillna(False).astype(bool)
            if differ.any():
                raise InputDataError(
                    f"disagrees with {files[0]} on '{col}'", file=file, column=col,
                    rows=list(np.flatnonzero(differ.to_numpy()) + 1),
                    hint="the files come from different releases",
                )
            merged[col] = a.where(a.notna(), b)  # a blank in one file is filled from the other
            merged = merged.drop(columns=f"{col}__new")
        out = merged
    return out


def _order(df: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in KEY_COLUMNS if c in df.columns]
    measures = [c for c in df.columns if c.endswith(("_score", "_rank", "_decile"))]
    domain_order = ["imd", *[d for d in dict.fromkeys(DOMAINS.values()) if d != "imd"]]
    measures.sort(key=lambda c: (domain_order.index(c.rsplit("_", 1)[0])
                                 if c.rsplit("_", 1)[0] in domain_order else 99,
                                 ["score", "rank", "decile"].index(c.rsplit("_", 1)[1])))
    pops = [c for c in df.columns if c.startswith("population")]
    pops.sort(key=lambda c: (c != "population", c))
    return df[keys + measures + pops]


def read_iod(
    *paths: str | Path,
    edition: Any = None,
    require: Sequence[str] = (),
) -> pd.DataFrame:
    """Read one or more official IoD files into the canonical frame.

    Parameters
    ----------
    *paths : str or Path
        MHCLG files of one edition (e.g. IoD2019 File 7, or Files 1, 2, 5 and 6 together), CSV
        or xlsx. Several files are joined on the LSOA code; where they share a column they must
        agree. Also read: the ONS-style (``LSOA11CD``, ``IMD_2019_score``) and R-package
        (``lsoa21_code``, ``IMD_score``) layouts, and frames already in the canonical layout.
    edition : {2019, 2025}, optional
        Needed only when the headers do not say (the LSOA and LAD code headers normally do).
    require : sequence of str
        Canonical columns that must be present (e.g. ``["imd_score", "population"]``).

    Returns
    -------
    DataFrame
        The canonical frame, one row per LSOA, with ``attrs["svimpact"]`` recording
        ``edition``, ``lsoa_vintage`` and ``sources`` (see :func:`iod_info`).

    Raises
    ------
    InputDataError
        Naming the file and column: a missing or malformed column, numbers that do not parse,
        LSOA codes of the wrong vintage, files of different editions.

    Examples
    --------
    >>> imd = read_iod("File_7_-_All_IoD2019_Scores__Ranks__Deciles_and_Population_Denominators_3.csv")
    >>> iod_info(imd).edition
    2019
    """
    if not paths:
        raise InputDataError("read_iod needs at least one file")
    files = [str(p) for p in paths]
    frames, editions = [], []
    for p in paths:
        df, ed = _read_one(Path(p), edition)
        frames.append(df)
        editions.append(ed)
    if len(set(editions)) > 1:
        detail = ", ".join(f"{f} is IoD{e}" for f, e in zip(files, editions))
        raise InputDataError(
            f"the files are from different IoD editions ({detail})",
            hint="never mix editions: IoD2019 uses 2011 LSOAs and IoD2025 2021 LSOAs; convert "
            "with svimpact.geo.convert_lsoa_counts(...) and use one edition",
        )
    df = _order(_combine(frames, files))
    missing = [c for c in require if c not in df.columns]
    if missing:
        raise InputDataError(
            f"required column(s) {', '.join(repr(m) for m in missing)} not found in any file",
            file=", ".join(files), column=missing[0],
            hint="File 7 has every score, rank, decile and the population denominators",
        )
    return tag_iod(df, edition=editions[0], source=files)
