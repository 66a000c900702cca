"""Facts about the English Indices of Deprivation editions and the LSOA vintages they use.

One place for what each IoD edition is: its LSOA vintage (IoD2019 on 2011 LSOAs, IoD2025 on 2021
LSOAs), how many LSOAs England has in it, the LAD year its files name, the domain names MHCLG and
the ONS-style layouts use, and the record (``df.attrs["svimpact"]``) that carries the edition on a
canonical frame (:func:`tag_iod`, :func:`iod_info`). Deciles follow MHCLG: 1 = the most deprived
10% of LSOAs in England (:data:`MOST_DEPRIVED_DECILE`). Source: METHODS.md section 4.

This module imports nothing from the rest of :mod:`svimpact.geo`, so the readers
(:mod:`~svimpact.geo.imd`), the vintage checks (:mod:`~svimpact.geo.vintage`) and the summaries
all depend on it and not on one another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from svimpact.exceptions import InputDataError

__all__ = [
    "ATTRS_KEY",
    "DOMAINS",
    "EDITIONS",
    "LAD_YEAR_EDITION",
    "LAST_2011_LSOA",
    "LSOA_VINTAGES",
    "MOST_DEPRIVED_DECILE",
    "SHORT_DOMAINS",
    "IoDInfo",
    "iod_info",
    "tag_iod",
]

ATTRS_KEY = "svimpact"
"""Key in ``df.attrs`` under which the edition, LSOA vintage and sources are recorded."""

#: edition -> (LSOA vintage, number of LSOAs in England). MHCLG IoD2019 and IoD2025 releases.
EDITIONS: dict[Any, tuple[Any, int | None]] = {
    2019: (2011, 32_844),
    2025: (2021, 33_755),
    "synthetic": ("synthetic", None),
}
#: year of the LAD codes an IoD file names -> the IoD edition (IoD2019: LAD 2019; IoD2025: LAD 2024).
LAD_YEAR_EDITION = {2019: 2019, 2024: 2025}

LSOA_VINTAGES = (2011, 2021, "synthetic")
# Highest 2011 LSOA code in each country; every higher E01/W01 code was created in 2021.
# Source: ONS LSOA (2011) to LSOA (2021) to LAD (2022) lookup for England and Wales
# (2011 codes run to E01033768 and W01001958; the new 2021 codes start at E01033769, W01001959).
LAST_2011_LSOA = {"E": 33_768, "W": 1_958}

MOST_DEPRIVED_DECILE = 1
"""IMD deciles (national and local) count from 1 = the most deprived tenth to 10 = the least."""

#: canonical domain name <- MHCLG header prefix (lower case). Longest prefixes are tried first.
DOMAINS: dict[str, str] = {
    "index of multiple deprivation (imd)": "imd",
    "income deprivation affecting children index (idaci)": "idaci",
    "income deprivation affecting older people (idaopi)": "idaopi",
    "income deprivation affecting older people index (idaopi)": "idaopi",
    "income": "income",
    "employment": "employment",
    "education, skills and training": "education",
    "health deprivation and disability": "health",
    "crime": "crime",
    "barriers to housing and services": "barriers",
    "living environment": "living_environment",
    "children and young people sub-domain": "cyp",
    "adult skills sub-domain": "adult_skills",
    "geographical barriers sub-domain": "geographical_barriers",
    "wider barriers sub-domain": "wider_barriers",
    "indoors sub-domain": "indoors",
    "outdoors sub-domain": "outdoors",
}
#: short names used by the ONS-style and R-package layouts (e.g. ``IMD_score``, ``Income_rank``)
SHORT_DOMAINS = {
    "imd": "imd", "income": "income", "employment": "employment", "education": "education",
    "health": "health", "crime": "crime", "barriers": "barriers",
    "housing_and_services": "barriers", "environment": "living_environment",
    "living_environment": "living_environment", "idaci": "idaci", "idaopi": "idaopi",
    "cyp": "cyp", "adult_skills": "adult_skills", "geographical_barriers": "geographical_barriers",
    "wider_barriers": "wider_barriers", "indoors": "indoors", "outdoors": "outdoors",
}


@dataclass(frozen=True)
class IoDInfo:
    """Edition and LSOA vintage of a canonical IoD frame, and the files it came from."""

    edition: Any
    lsoa_vintage: Any
    sources: tuple[str, ...] = ()
    n_national: int | None = None


def tag_iod(
    df: pd.DataFrame,
    *,
    edition: Any,
    lsoa_vintage: Any = None,
    source: str | Sequence[str] = (),
    n_national: int | None = None,
) -> pd.DataFrame:
    """Return a copy of ``df`` carrying its IoD edition and LSOA vintage in ``df.attrs``.

    Parameters
    ----------
    df : DataFrame
        A frame with the canonical columns (``lsoa_code`` ...).
    edition : {2019, 2025, "synthetic"}
        The IoD edition.
    lsoa_vintage : {2011, 2021, "synthetic"}, optional
        Defaults to the edition's vintage (2019 -> 2011, 2025 -> 2021).
    source : str or sequence of str
        File(s) the frame came from.
    n_national : int, optional
        Number of LSOAs ranked nationally (defaults to the edition's: 32,844 or 33,755).
        Needed for ``average_rank`` when the edition is "synthetic".
    """
    if edition not in EDITIONS:
        raise InputDataError(
            f"unknown IoD edition {edition!r}",
            hint=f"use one of {', '.join(repr(e) for e in EDITIONS)}",
        )
    expected_vintage, expected_n = EDITIONS[edition]
    vintage = expected_vintage if lsoa_vintage is None else lsoa_vintage
    if vintage != expected_vintage:
        raise InputDataError(
            f"IoD{edition} uses {expected_vintage} LSOAs, not {vintage}",
            hint="an IMD edition belongs to one LSOA vintage (METHODS.md section 4); convert "
            "the other data with svimpact.geo.convert_lsoa_counts(...) instead",
        )
    sources = (source,) if isinstance(source, str) else tuple(str(s) for s in source)
    out = df.copy()
    out.attrs[ATTRS_KEY] = {
        "kind": "iod",
        "edition": edition,
        "lsoa_vintage": vintage,
        "sources": list(sources),
        "n_national": n_national if n_national is not None else expected_n,
    }
    return out


def iod_info(df: pd.DataFrame, *, what: str = "the IMD frame") -> IoDInfo:
    """Read the edition and LSOA vintage recorded on a canonical frame.

    Raises
    ------
    InputDataError
        When the frame carries no record (some pandas operations drop ``attrs``); the message
        says how to re-attach it with :func:`tag_iod`.
    """
    meta = df.attrs.get(ATTRS_KEY) if hasattr(df, "attrs") else None
    if not meta or "edition" not in meta:
        raise InputDataError(
            f"{what} does not say which IoD edition and LSOA vintage it holds (the record in "
            "df.attrs is missing: read it with svimpact.geo.read_iod, or a pandas operation "
            "such as merge/concat dropped it)",
            hint="re-attach it with svimpact.geo.tag_iod(df, edition=2019 or 2025)",
        )
    return IoDInfo(
        edition=meta["edition"],
        lsoa_vintage=meta["lsoa_vintage"],
        sources=tuple(meta.get("sources", ())),
        n_national=meta.get("n_national"),
    )
