"""Reading tables at the boundary, with errors that name the file, column and rows.

This module reads only; validation is :mod:`svimpact.io.validate`, and
:func:`svimpact.io.service.load_service_data` reads, validates and pseudonymises a service.

Files may be CSV (UTF-8 with or without a byte-order mark, UTF-16 with a byte-order mark, or a
Windows-1252 export, which is said in the validation report) or Excel workbooks (``.xlsx``,
``.xlsm``: the sheet named in the params, or else the only visible sheet; hidden sheets are never
read silently, and rows hidden in Excel are read and listed).

A CSV whose records do not all have the header's number of fields, or whose quote marks are
unbalanced (a stray quote in a notes column would merge the records after it), is refused with the
physical line numbers concerned.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from svimpact._common import did_you_mean
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


def _read_bytes(path: Path, file: str) -> bytes:
    """The file's bytes; an unreadable file is an error naming it and saying what to do."""
    try:
        return path.read_bytes()
    except PermissionError:
        raise InputDataError("cannot be read: permission denied", file=file,
                             hint="ask for read access to the file (or copy it to a folder you can read) "
                                  "and run again") from None
    except IsADirectoryError:
        raise InputDataError("is a folder, not a file", file=file,
                             hint="point the params file at the data file inside the folder") from None
    except OSError as exc:
        raise InputDataError(f"cannot be read ({exc.strerror or type(exc).__name__})", file=file,
                             hint="check the drive is reachable and no other program has the file locked, "
                                  "then run again") from None


def _lines(numbers: Sequence[int], limit: int = 5) -> str:
    shown = ", ".join(str(n) for n in numbers[:limit])
    return shown + (f" and {len(numbers) - limit} more" if len(numbers) > limit else "")


def _record_shaped(value: str, width: int, named: int) -> int:
    """How many lines after the first of a multi-line field parse as whole records of the file."""
    if width < 3:
        return 0
    lines = value.splitlines()[1:]
    return sum(1 for line in lines if named <= len(next(csv.reader([line]), [])) <= width and "," in line)


def _check_records(text: str, file: str) -> list[str]:
    """Check every record's field count and quoting; errors name physical line numbers.

    A quoted field may hold line breaks (a notes column exported from Excel) unless it swallows
    lines shaped like whole records: then a quote mark is unbalanced and records would be merged.
    Returns notes (records read across several lines).
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    fix_quotes = ('remove the stray quote mark (") or close it at source (a quote inside a quoted value is '
                  'written twice: ""); better still, remove line breaks and quote marks from free-text columns')
    first = 1
    try:
        header = next(reader, [])
        width = len(header)
        named = width  # trailing separators on the header line: records may stop before them
        while named and not header[named - 1].strip():
            named -= 1
        first = reader.line_num + 1
        wrong: list[tuple[int, int]] = []
        multi: list[int] = []
        for rec in reader:
            start, first = first, reader.line_num + 1
            if not rec or (len(rec) == 1 and not rec[0].strip()):
                continue  # a blank line: kept as an empty row and reported by validation
            if reader.line_num > start:
                swallowed = sum(_record_shaped(v, width, named) for v in rec if "\n" in v or "\r" in v)
                if swallowed:
                    raise InputDataError(
                        f"could not be read as a table: the quoted value that opens on line {start} runs to line "
                        f"{reader.line_num} and swallows {swallowed} line(s) that look like records "
                        "(an unbalanced quote mark merges records)", file=file,
                        hint=f"line {start}: " + fix_quotes)
                multi.append(start)
            if not named <= len(rec) <= width:
                wrong.append((start, len(rec)))
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise InputDataError(
                f"could not be read as a table: the quoted value that opens on line {first} is never closed "
                "(an unbalanced quote mark would merge every record after it)", file=file,
                hint=f"line {first}: " + fix_quotes) from None
        line = reader.line_num
        if line > first:
            raise InputDataError(
                f"could not be read as a table: a quoted value opens on line {first} and closes on line {line} "
                "with text after the closing quote mark (an unbalanced quote mark merges the records between)",
                file=file, hint=f"line {first}: " + fix_quotes) from None
        raise InputDataError(f"could not be read as a table: line {line} has text after a closing quote mark",
                             file=file, hint=f'line {line}: a quote mark inside a quoted value is written twice ("")'
                             ) from None
    if wrong:
        detail = ", ".join(f"line {line} has {n}" for line, n in wrong[:5]) + (
            f" and {len(wrong) - 5} more" if len(wrong) > 5 else "")
        raise InputDataError(
            f"could not be read as a table: {len(wrong)} record(s) do not have the header's {width} fields ({detail})",
            file=file, hint='a comma inside a value must be in quotes ("Smith, J"); an empty value still needs '
                            "its comma; check for unquoted commas and missing or extra separators")
    if multi:
        return [f"{len(multi)} record(s) hold line breaks inside a quoted value (on line(s) {_lines(multi)}); "
                "each was read as one record"]
    return []


def _read_csv(path: Path, dtype: dict | type | None, nrows: int | None) -> tuple[pd.DataFrame, list[str]]:
    file = str(path)
    raw = _read_bytes(path, file)
    if not raw.strip():
        raise InputDataError("is empty", file=file, hint="check the export: the file has no header and no rows")
    text, note = _decode(raw, file)
    try:
        header = next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error as exc:
        raise InputDataError(f"could not be read as a table: {exc}", file=file,
                             hint="export the data as CSV UTF-8 with one header row") from None
    _check_header([h.strip() for h in header], file)
    notes = [note] if note else []
    notes += _check_records(text, file)
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
    blank = frame.isna().all(axis=1).to_numpy()
    if len(frame) and blank[-1]:
        last = len(frame) - int(np.argmin(blank[::-1])) if not blank.all() else 0
        notes.append(f"ignored {len(frame) - last} blank line(s) at the end of the file")
        frame = frame.iloc[:last]
    return frame, notes


def _choose_sheet(states: dict[str, str], sheet: str | None, data_key: str | None, file: str
                  ) -> tuple[str, list[str]]:
    """The sheet to read and notes: a named sheet, else the only visible one; never a hidden one silently."""
    visible = [n for n, state in states.items() if state == "visible"]
    hidden = [n for n in states if n not in visible]
    key = data_key or "<data key>"
    if sheet is not None:
        if sheet not in states:
            raise InputDataError(f"has no sheet '{sheet}' (sheets: {', '.join(repr(n) for n in states)})", file=file,
                                 hint=f"{did_you_mean(sheet, states)} (data.sheets.{key} in the params file)")
        return sheet, ([f"read sheet '{sheet}' as the params name it, although it is hidden in Excel"]
                       if sheet in hidden else [])
    if len(visible) > 1:
        raise InputDataError(
            f"has {len(visible)} visible sheets ({', '.join(repr(n) for n in visible)}) and the params do not "
            "say which to read", file=file,
            hint=f"name it in the params file, under data: sheets: {{{key}: '{visible[0]}'}}")
    if not visible:
        raise InputDataError(f"has only hidden sheets ({', '.join(repr(n) for n in hidden)})", file=file,
                             hint=f"unhide the sheet to analyse, or name it under data: sheets: {{{key}: ...}}")
    notes = [f"read the only visible sheet ('{visible[0]}'); hidden sheet(s) not read: "
             f"{', '.join(repr(n) for n in hidden)}"] if hidden else []
    return visible[0], notes


def _read_excel(path: Path, dtype: dict | type | None, nrows: int | None, sheet: str | None = None,
                data_key: str | None = None) -> tuple[pd.DataFrame, list[str], list[int]]:
    """One sheet of a workbook, notes, and the data rows (1 = first record) hidden in Excel."""
    file = str(path)
    raw = _read_bytes(path, file)
    try:
        import openpyxl
    except ImportError:
        raise InputDataError("reading .xlsx needs openpyxl", file=file, hint="pip install openpyxl") from None
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), data_only=True)
        states = {ws.title: ws.sheet_state for ws in book.worksheets}
    except Exception as exc:  # noqa: BLE001 - zip/XML errors from a damaged or mislabelled workbook
        raise InputDataError(f"could not be read as an Excel workbook ({type(exc).__name__})", file=file,
                             hint="open it in Excel and save it again as .xlsx, or export it as CSV UTF-8") from None
    chosen, notes = _choose_sheet(states, sheet, data_key, file)
    # rows hidden by hand, by a filter or in a collapsed group; row 1 is the header
    hidden_rows = sorted(r - 1 for r, dim in book[chosen].row_dimensions.items() if dim.hidden and r > 1)
    try:
        frame = pd.read_excel(io.BytesIO(raw), sheet_name=chosen, dtype=dtype, nrows=nrows, engine="openpyxl")
    except Exception as exc:  # noqa: BLE001 - as above
        raise InputDataError(f"could not be read as an Excel workbook ({type(exc).__name__})", file=file,
                             hint="open it in Excel and save it again as .xlsx, or export it as CSV UTF-8") from None
    if len(states) > 1 and sheet is not None and not notes:
        notes.append(f"read sheet '{chosen}' (named in the params) of {len(states)}")
    return frame, notes, [r for r in hidden_rows if r <= len(frame)]


def read_table(
    path: str | Path,
    *,
    required: Sequence[str] = (),
    dtype: dict | type | None = None,
    nrows: int | None = None,
    sheet: str | None = None,
    data_key: str | None = None,
) -> pd.DataFrame:
    """Read a CSV or an Excel sheet, checking required columns.

    Parameters
    ----------
    path : str or Path
        ``.csv`` (or any text file) or ``.xlsx``/``.xlsm``.
    required : sequence of str
        Columns that must be present.
    dtype : dict or type, optional
        Passed to pandas (``str`` reads every cell as text, as validation does).
    nrows : int, optional
        Read only the first ``nrows`` records (0 reads just the header).
    sheet : str, optional
        The workbook sheet to read. Without it, the only visible sheet is read; a workbook with
        several visible sheets is an error (hidden sheets are never read unless named).
    data_key : str, optional
        The params key of this file (``participants``...), for messages that say how to name a sheet.

    Returns
    -------
    DataFrame
        Column names stripped of surrounding spaces. ``attrs["svimpact"]["notes"]`` says how the
        file was read when that is worth knowing (encoding, sheet, empty unnamed columns dropped);
        ``attrs["svimpact"]["hidden_rows"]`` lists records (1 = first) hidden in Excel, which are read.

    Raises
    ------
    InputDataError
        Missing file, unreadable content, duplicated column names, missing required columns.
    """
    path = Path(path)
    file = str(path)
    if path.is_dir():
        raise InputDataError("is a folder, not a file", file=file,
                             hint="point the params file at the data file inside the folder")
    if not path.is_file():
        raise InputDataError("file not found", file=file, hint="check the path in the params file")
    if path.suffix.lower() == ".xls":
        raise InputDataError("old Excel .xls workbooks are not read", file=file,
                             hint="save it as .xlsx, or export it as CSV UTF-8")
    hidden_rows: list[int] = []
    if path.suffix.lower() in _EXCEL:
        frame, notes, hidden_rows = _read_excel(path, dtype, nrows, sheet, data_key)
    else:
        frame, notes = _read_csv(path, dtype, nrows)
        if sheet is not None:
            notes.append(f"the params name sheet '{sheet}' but this is a CSV file: the sheet name was ignored")
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
    frame.attrs["svimpact"] = {"file": file, "notes": notes, "hidden_rows": hidden_rows}
    return frame
