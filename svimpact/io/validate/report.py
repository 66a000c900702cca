"""The validation report: each :class:`Problem`, the report of a whole check, and the quarantine.

A :class:`Problem` names the file, the column, the rows (first ten and a count) and a hint.
Row-level problems block the run unless the params say ``exclude_invalid_rows: true``; then
:func:`quarantine` excludes those rows and lists them (file, row, column, problem: never the values).
"""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from svimpact._results import ResultMixin, Summary, frame_to_markdown, result_frame
from svimpact.exceptions import InputDataError, ValidationFailed, format_rows

__all__ = ["Problem", "Severity", "ValidationFailed", "ValidationReport", "from_error", "problem", "quarantine"]

Severity = Literal["error", "warning", "note", "excluded"]


@dataclass(frozen=True)
class Problem:
    """One problem in one input file."""

    file: str
    column: str | None
    message: str
    rows: tuple[int, ...] = ()
    hint: str | None = None
    severity: Severity = "error"
    excludable: bool = False

    def describe(self) -> str:
        what = "key" if self.file.endswith((".yaml", ".yml")) else "column"
        where = ", ".join([self.file] + ([f"{what} '{self.column}'"] if self.column else []))
        text = f"{where}: {self.message}"
        if self.rows:
            text += f" ({format_rows(self.rows)})"
        return text + (f"; {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class ValidationReport(ResultMixin):
    """Every problem found, the rows read per file, and the rows excluded (only when allowed).

    ``rows_read`` pairs each table file with its number of records, so that for every file
    records kept + records excluded = records read.
    """

    problems: tuple[Problem, ...] = ()
    quarantine: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["file", "row", "column", "problem"]))
    files: tuple[str, ...] = ()
    rows_read: tuple[tuple[str, int], ...] = ()
    _title: str = field(default="Input validation", repr=False)

    @property
    def ok(self) -> bool:
        """True when nothing blocks the run (warnings, notes and excluded rows do not)."""
        return not self.errors

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def n_excluded(self) -> int:
        """Distinct (file, row) pairs excluded."""
        return int(self.quarantine[["file", "row"]].drop_duplicates().shape[0]) if len(self.quarantine) else 0

    def excluded_by_file(self) -> dict[str, int]:
        q = self.quarantine.drop_duplicates(["file", "row"])
        return {str(k): int(v) for k, v in q.groupby("file").size().items()}

    def merge(self, other: ValidationReport) -> ValidationReport:
        frames = [q for q in (self.quarantine, other.quarantine) if len(q)]
        quarantine = pd.concat(frames, ignore_index=True) if frames else self.quarantine
        return ValidationReport(self.problems + other.problems, quarantine,
                                self.files + tuple(f for f in other.files if f not in self.files),
                                self.rows_read + other.rows_read)

    def to_frame(self) -> pd.DataFrame:
        """The results contract (``RESULT_COLUMNS``): one row per problem, then the records per file.

        A problem row has ``measure`` = "column: problem" (the problem alone when it names no
        column or key), ``value`` = the number of rows it affects (NaN for a file- or key-level
        problem), ``method`` = its severity (error, warning, note, excluded) and ``source`` = the
        file. Then, per table file, "records read" and "records excluded" (``method`` "count").
        The wide problem listing (severity, file, column, problem, rows, hint) is :meth:`table`.
        """
        rows: list[dict[str, object]] = [
            {"measure": f"{p.column}: {p.message}" if p.column else p.message,
             "value": float(len(p.rows)) if p.rows else np.nan, "method": p.severity, "source": p.file}
            for p in self.problems]
        excluded = self.excluded_by_file()
        for f, n in dict(self.rows_read).items():
            rows.append({"measure": "records read", "value": float(n), "method": "count", "source": f})
            rows.append({"measure": "records excluded", "value": float(excluded.get(f, 0)), "method": "count",
                         "source": f})
        return result_frame(rows)

    def table(self) -> pd.DataFrame:
        """Every problem, one row each: severity, file, column, problem, n_rows, rows, hint."""
        return pd.DataFrame(
            [{"severity": p.severity, "file": p.file, "column": p.column or "", "problem": p.message,
              "n_rows": len(p.rows), "rows": format_rows(p.rows) if p.rows else "", "hint": p.hint or ""}
             for p in self.problems],
            columns=["severity", "file", "column", "problem", "n_rows", "rows", "hint"])

    def summary(self) -> Summary:
        """The verdict, one line per problem and per file read (text); the problem table (HTML, Markdown)."""
        excluded = self.excluded_by_file()
        head = (f"Validation: {'OK' if self.ok else 'FAILED'} ({len(self.files)} file(s) checked, "
                f"{len(self.errors)} error(s), {self.n_excluded} row(s) excluded)")
        lines = [head, *(f"  [{p.severity}] {p.describe()}" for p in self.problems)]
        if self.n_excluded:
            lines.append("  Rows excluded, by file: " + "; ".join(f"{f}: {n}" for f, n in excluded.items()))
        read = dict(self.rows_read)
        for f, n in read.items():  # a file shared by services is listed once
            lines.append(f"  {f}: {n:,} record(s) read, {excluded.get(f, 0):,} excluded")
        for f in self.files:  # params, boundaries, unit-value and deflator files: checked, no records
            if f not in read:
                lines.append(f"  {f}: checked")
        table = self.table()
        html = f"<p>{html_lib.escape(head)}</p>" + table.to_html(index=False, border=0)
        markdown = f"**{head}**" + (f"\n\n{frame_to_markdown(table)}" if len(table) else "")
        return Summary("\n".join(lines), html, markdown)

    def write_quarantine(self, path: str | Path) -> Path:
        """Write the quarantine list (file, row, column, problem; no values) as CSV."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.quarantine.to_csv(path, index=False, lineterminator="\n")
        return path



def _rows(mask: np.ndarray | pd.Series) -> tuple[int, ...]:
    return tuple(int(i) + 1 for i in np.flatnonzero(np.asarray(mask, dtype=bool)))


def problem(file: str, column: str | None, message: str, mask=None, hint: str | None = None,
             excludable: bool = True, severity: Severity = "error") -> Problem:
    return Problem(file, column, message, _rows(mask) if mask is not None else (), hint, severity, excludable)



def from_error(exc: InputDataError, file: str) -> Problem:
    """A Problem from an InputDataError, without repeating the file, column, rows or hint."""
    text = str(exc)
    if exc.hint:
        text = text.removesuffix(f"; {exc.hint}")
    if exc.rows:
        text = text.removesuffix(f" ({format_rows(exc.rows)})")
    where = ", ".join([exc.file or file] + ([f"column '{exc.column}'"] if exc.column else []))
    return Problem(exc.file or file, exc.column, text.removeprefix(f"{where}: "), tuple(exc.rows), exc.hint,
                   "error", False)



def quarantine(frame: pd.DataFrame, problems: list[Problem], exclude: bool, file: str
                ) -> tuple[pd.DataFrame, list[Problem], pd.DataFrame]:
    rows = []
    kept_probs = []
    for p in problems:
        if exclude and p.severity == "error" and p.excludable and p.file == file:
            rows += [{"file": file, "row": r, "column": p.column or "", "problem": p.message} for r in p.rows]
            kept_probs.append(replace(p, severity="excluded"))
        else:
            kept_probs.append(p)
    q = pd.DataFrame(rows, columns=["file", "row", "column", "problem"])
    if len(q):
        drop = np.zeros(len(frame), bool)
        drop[q["row"].to_numpy(dtype=int) - 1] = True
        frame = frame.loc[~drop].reset_index(drop=True)
    return frame, kept_probs, q

