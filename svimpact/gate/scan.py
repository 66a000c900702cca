"""The scan of one report directory: every file read (:mod:`~svimpact.gate.extract`) and checked
against the rules (:mod:`~svimpact.gate.rules`)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from svimpact.disclosure import DisclosureRule, get_rule
from svimpact.exceptions import SvimpactError
from svimpact.gate.extract import OFFICE_SUFFIXES, TEXT_SUFFIXES, html_tables, office_text, outputs_text
from svimpact.gate.report import Finding, GateReport
from svimpact.gate.rules import (
    COUNT_COLUMN,
    DATA_URI,
    MIN_ID_LENGTH,
    count_findings,
    listing_findings,
    plain_listing,
    prose_findings,
    token_findings,
)
from svimpact.geo.postcodes import normalise_postcode

__all__ = ["scan_report"]


@dataclass
class _Scan:
    identifiers: set[str]
    postcodes: set[str]
    secrets: list[str]
    rule: DisclosureRule
    max_rows: int
    id_columns: set[str]
    count_names: set[str]
    findings: list[Finding] = field(default_factory=list)

    def counts_in(self, frame: pd.DataFrame) -> list[str]:
        return [c for c in frame.columns if COUNT_COLUMN.match(str(c)) or str(c) in self.count_names]

    def html(self, text: str, file: str, where: str = "") -> None:
        for k, frame in enumerate(html_tables(text), 1):
            loc = f"{where}table {k}, "
            self.findings += count_findings(frame, self.counts_in(frame), self.rule, file, loc)
            self.findings += listing_findings(frame, file, loc, self.max_rows, self.id_columns)

    def tokens(self, text: str, file: str, where: str = "") -> None:
        self.findings += token_findings(text, file, where, self.identifiers, self.postcodes, self.secrets)
        if not file.endswith(".csv"):
            self.findings += prose_findings(DATA_URI.sub(" ", text), file, where, self.rule)

    def notebook(self, text: str, file: str) -> None:
        try:
            nb = json.loads(text)
            cells = nb.get("cells", [])
        except (ValueError, AttributeError):
            self.findings.append(Finding(file, "file", "not a readable notebook (JSON); cannot be checked"))
            return
        for i, cell in enumerate(cells):
            where = f"cell {i}, "
            self.tokens("".join(cell.get("source", "")) if isinstance(cell.get("source"), list)
                        else str(cell.get("source", "")), file, where)
            for out in cell.get("outputs", []) or []:
                html, plain = outputs_text(out)
                self.tokens(html + "\n" + plain, file, where)
                self.html(html, file, where)
                if not html:
                    self.findings += plain_listing(plain, file, where.rstrip(", "), self.max_rows, self.id_columns)

    def office(self, path: Path, file: str) -> None:
        try:
            text, tables = office_text(path)
        except (zipfile.BadZipFile, OSError, KeyError):
            self.findings.append(Finding(file, "file", "not a readable Office document; cannot be checked"))
            return
        self.tokens(text, file)
        for k, frame in enumerate(tables, 1):
            loc = f"table {k}, "
            self.findings += count_findings(frame, self.counts_in(frame), self.rule, file, loc)
            self.findings += listing_findings(frame, file, loc, self.max_rows, self.id_columns)

    def csv(self, path: Path, file: str, text: str) -> None:
        meta = path.with_name(path.stem + ".meta.json")
        rule, counts = self.rule, None
        if meta.is_file():
            try:
                info = json.loads(meta.read_text(encoding="utf-8"))
                counts = [str(c) for c in info.get("counts", [])]
                rule = get_rule(info.get("rule", self.rule.name))
            except (ValueError, AttributeError, TypeError, SvimpactError):
                self.findings.append(Finding(file.removesuffix(".csv") + ".meta.json", "file",
                                             "unreadable table sidecar (expected {\"counts\": [...], \"rule\": ...})"))
        try:
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        except pd.errors.EmptyDataError:
            return
        except (pd.errors.ParserError, ValueError):
            self.findings.append(Finding(file, "file", "published table could not be read as CSV; cannot be checked"))
            return
        cols = counts if counts is not None else self.counts_in(frame)
        self.findings += count_findings(frame, cols, rule, file, "")
        self.findings += listing_findings(frame, file, "table", self.max_rows, self.id_columns)


def _sidecar_counts(root: Path) -> set[str]:
    names: set[str] = set()
    for meta in root.rglob("*.meta.json"):
        try:
            names |= {str(c) for c in json.loads(meta.read_text(encoding="utf-8")).get("counts", [])}
        except (ValueError, AttributeError, OSError):
            continue
    return names


def scan_report(
    report_dir: str | Path,
    *,
    identifiers: Iterable[object] = (),
    postcodes: Iterable[object] = (),
    rule: str | DisclosureRule = "nhs-hes",
    secrets: Iterable[str] = (),
    id_columns: Iterable[str] = (),
    max_listing_rows: int = 10,
    files: Iterable[str | Path] | None = None,
) -> GateReport:
    """Scan a report directory for anything that must not be published (module docstring).

    Parameters
    ----------
    report_dir : str or Path
        The batch's output directory.
    identifiers, postcodes : iterable
        Participant identifiers (raw and pseudonymised) and postcodes from the inputs.
    rule : str or DisclosureRule
        The disclosure rule for tables without a sidecar naming their rule.
    secrets : iterable of str
        Strings that must appear nowhere (the pseudonymisation key).
    id_columns : iterable of str
        Identifier column names from the params, in addition to the naming convention.
    max_listing_rows : int
        A table with an identifier column and more rows than this is a record listing.
    files : iterable of paths, optional
        Scan only these files of the report (the batch scans most of its outputs while the Word
        copy is still being written, then the Word copy); default: every file.

    Returns
    -------
    GateReport
    """
    root = Path(report_dir)
    r = get_rule(rule)
    if not root.is_dir():
        return GateReport(str(root), (Finding(str(root), "directory", "report directory not found"),), (), r.name)
    ids = {str(i).strip() for i in identifiers if i is not None and str(i).strip()}
    short = {i for i in ids if len(i) < MIN_ID_LENGTH}
    pcs = {p for p in (normalise_postcode(x) for x in postcodes) if p}
    scan = _Scan(ids - short, pcs, [s for s in secrets if s], r, max_listing_rows, set(id_columns), _sidecar_counts(root))
    scanned = []
    chosen = sorted(p for p in root.rglob("*") if p.is_file()) if files is None else sorted(Path(f) for f in files)
    for path in chosen:
        file = path.relative_to(root).as_posix()
        if path.suffix.lower() in OFFICE_SUFFIXES:
            scanned.append(file)
            scan.office(path, file)
            continue
        if path.suffix.lower() not in TEXT_SUFFIXES:
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        scanned.append(file)
        suffix = path.suffix.lower()
        if suffix == ".ipynb":
            scan.notebook(text, file)
            continue
        scan.tokens(text, file)
        if suffix in (".html", ".htm"):
            scan.html(text, file)
        elif suffix == ".csv":
            scan.csv(path, file, text)
    notes = (f"{len(short)} identifier(s) shorter than {MIN_ID_LENGTH} characters were not searched for",) if short else ()
    return GateReport(str(root), tuple(scan.findings), tuple(scanned), r.name, notes)
