"""Reading tables at the boundary, with errors that name the file, column and rows.

This module reads only; validation is :mod:`svimpact.io.validate`, and
:func:`svimpact.io.service.load_service_data` reads, validates and pseudonymises a service.

Files may be CSV (UTF-8 with or without a byte-order mark, UTF-16 with a byte-order mark, or a
Windows-1252 export, which is said in the validation report) or Excel workbooks (``.xlsx``,
``.xlsm``: the first sheet, and the report says so when there are several).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from svimpact.exceptions import InputDataError

__all__ = ["read_table"]

_EXCEL = {".xlsx", ".xlsm"}
_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def _decode(raw: bytes, file: str) -> tuple[str, str | None]:
    """Decode CSV bytes; returns (text, note). Windows-1252 is used only when UTF-8 fails."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "read as UTF-16 (byte-order mark found)"
        except UnicodeDecodeError:
            raise InputDataError("has a UTF-16 byte-order mark but is not valid UTF-16", file=file,
                                 hint="save the file as CSV UTF-8") from None
    if b"\x00" in raw[:4096]:
        raise InputDataError("looks like a binary file, not a CSV text file", file=file,
                             hint="export the data as CSV (UTF-8) or as an .xlsx workbook")
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        bad = {b for b in raw if b >= 0x80} & _CP1252_UNDEFINED
        if bad:
            raise InputDataError(
                f"not readable as UTF-8 (byte {exc.start}) nor as Windows-1252", file=file,
                hint="save the file as CSV UTF-8 (in Excel: Save As > CSV UTF-8)") from None
        line = raw[: exc.start].count(b"\n") + 1
        return raw.decode("cp1252"), (
            f"not UTF-8 (first non-UTF-8 byte on line {line}): read as Windows-1252; "
            "to be sure of accents, save the file as CSV UTF-8")


def _check_header(names: list[str], file: str) -> None:
    seen: dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    dups = [n for n, k in seen.items() if k > 1 and n]
    if dups:
        raise InputDataError(f"column name(s) used more than once: {', '.join(repr(d) for d in dups)}",
                             file=file, hint="give every column a distinct name")


def _read_csv(path: Path, dtype: dict | type | None, nrows: int | None) -> tuple[pd.DataFrame, list[str]]:
    file = str(path)
    raw = path.read_bytes()
    if not raw.strip():
        raise InputDataError("is empty", file=file, hint="check the export: the file has no header and no rows")
    text, note = _decode(raw, file)
    try:
        header = next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error as exc:
        raise InputDataError(f"could not be read as a table: {exc}", file=file,
                             hint="export the data as CSV UTF-8 with one header row") from None
    _check_header([h.strip() for h in header], file)
    try:
        # Blank lines are kept (as empty rows) so that row numbers match the file; only blank
        # lines at the very end are dropped, and that is said in a note.
        frame = pd.read_csv(io.StringIO(text), dtype=dtype, nrows=nrows, skip_blank_lines=False)
    except pd.errors.ParserError as exc:
        msg = str(exc).strip().splitlines()[-1]
        raise InputDataError(f"could not be read as a table: {msg}", file=file,
                             hint="a row has more fields than the header: check for unquoted commas") from None
    except (pd.errors.EmptyDataError, ValueError, TypeError) as exc:
        raise InputDataError(f"could not be read as a table: {exc}", file=file,
                             hint="export the data as CSV UTF-8 with one header row") from None
    notes = [note] if note else []
    blank = frame.isna().all(axis=1).to_numpy()
    if len(frame) and blank[-1]:
        last = len(frame) - int(np.argmin(blank[::-1])) if not blank.all() else 0
        notes.append(f"ignored {len(frame) - last} blank line(s) at the end of the file")
        frame = frame.iloc[:last]
    return frame, notes


def _read_excel(path: Path, dtype: dict | type | None, nrows: int | None) -> tuple[pd.DataFrame, list[str]]:
    file = str(path)
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            sheets = book.sheet_names
            frame = pd.read_excel(book, sheet_name=sheets[0], dtype=dtype, nrows=nrows)
    except ImportError:
        raise InputDataError("reading .xlsx needs openpyxl", file=file, hint="pip install openpyxl") from None
    except Exception as exc:  # noqa: BLE001 - zip/XML errors from a damaged or mislabelled workbook
        raise InputDataError(f"could not be read as an Excel workbook ({type(exc).__name__})", file=file,
                             hint="open it in Excel and save it again as .xlsx, or export it as CSV UTF-8") from None
    notes = [f"read the first sheet ('{sheets[0]}') of {len(sheets)}"] if len(sheets) > 1 else []
    return frame, notes


def read_table(
    path: str | Path,
    *,
    required: Sequence[str] = (),
    dtype: dict | type | None = None,
    nrows: int | None = None,
) -> pd.DataFrame:
    """Read a CSV or an Excel sheet, checking required columns.

    Parameters
    ----------
    path : str or Path
        ``.csv`` (or any text file) or ``.xlsx``/``.xlsm`` (first sheet).
    required : sequence of str
        Columns that must be present.
    dtype : dict or type, optional
        Passed to pandas (``str`` reads every cell as text, as validation does).
    nrows : int, optional
        Read only the first ``nrows`` records (0 reads just the header).

    Returns
    -------
    DataFrame
        Column names stripped of surrounding spaces. ``attrs["svimpact"]["notes"]`` says how the
        file was read when that is worth knowing (encoding, sheet, empty unnamed columns dropped).

    Raises
    ------
    InputDataError
        Missing file, unreadable content, duplicated column names, missing required columns.
    """
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise InputDataError("file not found", file=file, hint="check the path in the params file")
    if path.suffix.lower() == ".xls":
        raise InputDataError("old Excel .xls workbooks are not read", file=file,
                             hint="save it as .xlsx, or export it as CSV UTF-8")
    reader = _read_excel if path.suffix.lower() in _EXCEL else _read_csv
    frame, notes = reader(path, dtype, nrows)
    frame.columns = [str(c).strip() for c in frame.columns]
    _check_header(list(frame.columns), file)
    unnamed = [c for c in frame.columns if c.startswith("Unnamed:") and frame[c].isna().all()]
    if unnamed:
        frame = frame.drop(columns=unnamed)
        notes.append(f"dropped {len(unnamed)} empty column(s) without a name (trailing separators)")
    named_blank = [c for c in frame.columns if c.startswith("Unnamed:")]
    if named_blank:
        raise InputDataError(f"{len(named_blank)} column(s) have data but no name", file=file,
                             hint="give every column a header")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputDataError(
            f"missing column(s) {', '.join(repr(c) for c in missing)}; found {', '.join(frame.columns)}",
            file=file, hint="rename the columns or change the column names in the params file",
        )
    frame.attrs["svimpact"] = {"file": file, "notes": notes}
    return frame
