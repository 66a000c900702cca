"""UK postcodes: normalising, validating, and looking up to LSOA through an ONS directory.

The look-up uses an ONS postcode directory file in its published layout: the ONS Postcode
Directory (ONSPD) or the National Statistics Postcode Lookup (NSPL), CSV, with the columns
``pcd``/``pcd2``/``pcds`` (or ``PCD7``/``PCD8``/``PCDS``), ``doterm`` (month of termination,
blank while live) and ``lsoa11``/``lsoa21`` (or ``LSOA11CD``/``LSOA21CD``). The user supplies the
file (ONS Open Geography Portal; Open Government Licence), or fetches it with
:func:`svimpact.io.fetch.fetch`.

Every input row comes back with a status; nothing is dropped: ``matched``, ``terminated`` (in the
directory but no longer in use: its last LSOA is still given), ``not_found`` and ``invalid``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from svimpact._common import describe_value
from svimpact._results import ResultMixin, result_frame
from svimpact.exceptions import InputDataError

__all__ = [
    "PostcodeLookup",
    "lookup_postcodes",
    "normalise_postcode",
    "normalise_postcodes",
    "read_postcode_directory",
    "validate_postcodes",
]

# Outward code (area, district, optional sub-district letter) + inward code (sector digit and
# unit letters, which never use C I K M O V). Also the special Girobank postcode GIR 0AA.
_POSTCODE_RE = re.compile(
    r"^(?:GIR0AA|(?:[A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
    r"[0-9][ABD-HJLNP-UW-Z]{2})$"
)
_DIRECTORY_COLUMNS = {
    "postcode": ("pcds", "pcd", "pcd2", "pcd7", "pcd8"),
    "doterm": ("doterm",),
    "lsoa11": ("lsoa11", "lsoa11cd"),
    "lsoa21": ("lsoa21", "lsoa21cd"),
}
STATUSES = ("matched", "terminated", "not_found", "invalid")


def normalise_postcode(text: object) -> str | None:
    """Return a postcode in the ONS ``pcds`` form ('L1 8JQ'), or None if it does not parse.

    Case, spaces and surrounding punctuation are forgiven; nothing else is guessed.

    Examples
    --------
    >>> normalise_postcode(" l18jq ")
    'L1 8JQ'
    >>> normalise_postcode("L1 8J") is None
    True
    """
    if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
        return None
    compact = re.sub(r"[\s\-.,]", "", str(text)).upper()
    if not _POSTCODE_RE.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def normalise_postcodes(values: Iterable[object]) -> pd.Series:
    """Normalise many postcodes; those that do not parse become missing (``<NA>``)."""
    s = pd.Series(list(values) if not isinstance(values, pd.Series) else values, dtype=object)
    return pd.Series([normalise_postcode(v) for v in s], index=s.index, dtype="string")


def validate_postcodes(
    values: Iterable[object], *, file: str | None = None, column: str | None = "postcode"
) -> pd.Series:
    """Normalise postcodes, raising an error that lists the rows that do not parse.

    Raises
    ------
    InputDataError
        E.g. ``clients.csv: column 'postcode': 2 postcodes do not parse (first: 'L1 8J')
        (rows 4, 9 (2 in all)); ...``
    """
    raw = pd.Series(list(values) if not isinstance(values, pd.Series) else values, dtype=object)
    raw = raw.reset_index(drop=True)
    norm = normalise_postcodes(raw)
    bad = norm.isna()
    if bad.any():
        raise InputDataError(
            f"{int(bad.sum())} postcode(s) do not parse (first: {describe_value(raw[bad].iloc[0])})",
            file=file, column=column, rows=list(np.flatnonzero(bad.to_numpy()) + 1),
            hint="a UK postcode looks like 'L1 8JQ' or 'CH41 6AA'; fix or remove these rows "
            "(or use lookup_postcodes, which reports them as 'invalid')",
        )
    return norm


def read_postcode_directory(path: str | Path, *, vintage: int = 2021) -> pd.DataFrame:
    """Read the postcode, termination date and LSOA code from an ONSPD or NSPL CSV.

    Parameters
    ----------
    path : str or Path
        The directory's CSV (the full ``Data/ONSPD_*.csv`` or ``Data/NSPL_*.csv`` file, or a
        per-area file in the same layout).
    vintage : {2011, 2021}
        Which LSOA column to use (``lsoa11`` or ``lsoa21``).

    Returns
    -------
    DataFrame
        ``postcode`` (normalised), ``terminated`` (bool), ``doterm``, ``lsoa_code``; the frame's
        ``attrs["svimpact"]`` records the file and vintage.
    """
    file = str(path)
    if vintage not in (2011, 2021):
        raise InputDataError(f"unknown LSOA vintage {vintage!r}", file=file,
                             hint="use 2011 or 2021")
    if not Path(path).exists():
        raise InputDataError("postcode directory not found", file=file,
                             hint="download the ONSPD or NSPL from the ONS Open Geography Portal")
    header = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns
    lower = {c.strip().lower(): c for c in header}
    chosen: dict[str, str] = {}
    for canon, options in _DIRECTORY_COLUMNS.items():
        found = next((lower[o] for o in options if o in lower), None)
        if found is not None:
            chosen[canon] = found
    need = ["postcode", "doterm", f"lsoa{str(vintage)[2:]}"]
    for n in need:
        if n not in chosen:
            raise InputDataError(
                "not an ONS postcode directory in its published layout (ONSPD/NSPL): column "
                "missing", file=file, column=_DIRECTORY_COLUMNS[n][0],
                hint=f"expected one of {list(_DIRECTORY_COLUMNS[n])}",
            )
    raw = pd.read_csv(path, usecols=[chosen[n] for n in need], dtype=str,
                      encoding="utf-8-sig", keep_default_na=False)
    out = pd.DataFrame({
        "postcode": normalise_postcodes(raw[chosen["postcode"]]),
        "doterm": raw[chosen["doterm"]].str.strip(),
        "lsoa_code": raw[chosen[need[2]]].str.strip().replace("", pd.NA),
    })
    bad = out["postcode"].isna()
    if bad.any():
        raise InputDataError(f"{int(bad.sum())} postcode(s) in the directory do not parse",
                             file=file, column=chosen["postcode"],
                             rows=list(np.flatnonzero(bad.to_numpy()) + 1))
    out["terminated"] = out["doterm"].ne("")
    dup = out["postcode"].duplicated(keep=False)
    if dup.any():
        raise InputDataError("postcodes appear more than once", file=file,
                             column=chosen["postcode"], rows=list(np.flatnonzero(dup.to_numpy()) + 1))
    out.attrs["svimpact"] = {"kind": "postcode_directory", "source": file, "lsoa_vintage": vintage}
    return out


@dataclass(frozen=True)
class PostcodeLookup(ResultMixin):
    """Postcodes looked up to LSOA: every input row, with its status.

    Attributes
    ----------
    table : DataFrame
        ``row`` (1-based input row), ``input``, ``postcode`` (normalised), ``lsoa_code``,
        ``status`` (matched / terminated / not_found / invalid).
    lsoa_vintage : int
    directory : str
        The directory file used.
    """

    table: pd.DataFrame
    lsoa_vintage: int
    directory: str
    _title: str = field(default="Postcode look-up to LSOA", repr=False)

    def counts(self) -> pd.Series:
        """Number of rows of each status."""
        return self.table["status"].value_counts().reindex(STATUSES, fill_value=0)

    def to_frame(self) -> pd.DataFrame:
        """Rows and share of rows of each status, in the results contract (rows per input: ``table``)."""
        c, total = self.counts(), max(len(self.table), 1)
        rows = []
        for status, n in c.items():
            rows.append({"measure": f"rows {status}", "value": float(n), "method": "count",
                         "source": self.directory})
            rows.append({"measure": f"share of rows {status}", "value": n / total, "method": "share of input rows",
                         "source": self.directory})
        return result_frame(rows)

    def problems(self) -> pd.DataFrame:
        """The rows that are not plainly matched (for reporting back to the data owner)."""
        return self.table[self.table["status"] != "matched"]

    def _notes(self) -> list[str]:
        return [f"Directory: {self.directory} ({self.lsoa_vintage} LSOAs). Terminated postcodes "
                "keep the LSOA they had when last in use."]


def lookup_postcodes(
    postcodes: Iterable[object], directory: pd.DataFrame | str | Path, *, vintage: int = 2021
) -> PostcodeLookup:
    """Look postcodes up to LSOA codes; unmatched and terminated postcodes are reported.

    Parameters
    ----------
    postcodes : iterable
        Postcodes as the user holds them (any case or spacing).
    directory : DataFrame or path
        From :func:`read_postcode_directory`, or the path of an ONSPD/NSPL CSV.
    vintage : {2011, 2021}
        LSOA vintage wanted (used when ``directory`` is a path).

    Returns
    -------
    PostcodeLookup
        ``table`` has one row per input, in input order.
    """
    if not isinstance(directory, pd.DataFrame):
        directory = read_postcode_directory(directory, vintage=vintage)
    meta = directory.attrs.get("svimpact", {})
    raw = pd.Series(list(postcodes) if not isinstance(postcodes, pd.Series) else postcodes,
                    dtype=object).reset_index(drop=True)
    norm = normalise_postcodes(raw)
    ref = directory.set_index("postcode")
    found = norm.isin(ref.index)
    lsoa = norm.map(ref["lsoa_code"]).astype("string")
    terminated = norm.map(ref["terminated"]).fillna(False).astype(bool)
    status = np.select(
        [norm.isna(), ~found, terminated], ["invalid", "not_found", "terminated"], "matched")
    table = pd.DataFrame({"row": np.arange(1, len(raw) + 1), "input": raw.astype("string"),
                          "postcode": norm, "lsoa_code": lsoa, "status": status})
    return PostcodeLookup(table=table, lsoa_vintage=meta.get("lsoa_vintage", vintage),
                          directory=str(meta.get("source", "<DataFrame>")))
