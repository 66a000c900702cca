"""The gate's verdict: each :class:`Finding` and the :class:`GateReport` of one report directory."""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass, field

import pandas as pd

from svimpact._results import ResultMixin, Summary, frame_to_markdown, result_frame

__all__ = ["Finding", "GateReport"]


@dataclass(frozen=True)
class Finding:
    """Something a report must not publish: where it is and what it is."""

    file: str
    location: str
    what: str

    def describe(self) -> str:
        return f"{self.file} ({self.location}): {self.what}"


@dataclass(frozen=True)
class GateReport(ResultMixin):
    """The gate's verdict on one report directory."""

    report_dir: str
    findings: tuple[Finding, ...]
    files_scanned: tuple[str, ...]
    rule: str
    notes: tuple[str, ...] = field(default=())
    _title: str = field(default="Disclosure gate", repr=False)

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_frame(self) -> pd.DataFrame:
        """The results contract (``RESULT_COLUMNS``): the counts, then one row per finding.

        "files scanned" and "findings" are counts (``source`` = the report directory); each finding
        is a row with ``measure`` = what it is, ``value`` = NaN (it names an item, not a number),
        ``method`` = where in the file ("gate: <location>") and ``source`` = the file. The
        findings as a plain file/location/what listing are :meth:`table`.
        """
        method = f"disclosure gate ({self.rule})"
        rows: list[dict[str, object]] = [
            {"measure": "files scanned", "value": float(len(self.files_scanned)), "method": method,
             "source": self.report_dir},
            {"measure": "findings", "value": float(len(self.findings)), "method": method, "source": self.report_dir},
        ]
        rows += [{"measure": f.what, "method": f"gate: {f.location}", "source": f.file} for f in self.findings]
        return result_frame(rows)

    def table(self) -> pd.DataFrame:
        """The findings, one row each: file, location, what."""
        return pd.DataFrame([f.__dict__ for f in self.findings], columns=["file", "location", "what"])

    def _head(self) -> str:
        return (f"Disclosure gate ({self.rule}) on {self.report_dir}: "
                f"{'PASSED' if self.ok else 'FAILED'}; {len(self.files_scanned)} file(s) scanned, "
                f"{len(self.findings)} finding(s)")

    def summary(self) -> Summary:
        """The verdict, one line per finding and note (text); the findings table (HTML, Markdown)."""
        head = self._head()
        text = "\n".join([head, *(f"  - {f.describe()}" for f in self.findings), *(f"  note: {n}" for n in self.notes)])
        notes = [f"note: {n}" for n in self.notes]
        frame = self.table()
        html = (f"<p>{html_lib.escape(head)}</p>" + (frame.to_html(index=False, border=0) if len(frame) else "")
                + "".join(f"<p>{html_lib.escape(n)}</p>" for n in notes))
        markdown = "\n\n".join([f"**{head}**", *([frame_to_markdown(frame)] if len(frame) else []), *notes])
        return Summary(text, html, markdown)


