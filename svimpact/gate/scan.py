"""The scan of one report directory: every file read (:mod:`~svimpact.gate.extract`), searched for
the inputs' values (:mod:`~svimpact.gate.match`) and checked against the count rules
(:mod:`~svimpact.gate.rules`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from svimpact.disclosure import DisclosureRule, get_rule
from svimpact.exceptions import SvimpactError
from svimpact.gate.extract import Extracted, extract
from svimpact.gate.inputs import LookFor
from svimpact.gate.match import MIN_ID_LENGTH, Needles, needles_for
from svimpact.gate.report import Finding, GateReport
from svimpact.gate.rules import COUNT_COLUMN, count_findings, listing_findings, pair_findings, plain_listing, prose_findings

__all__ = ["scan_report"]


@dataclass
class _Scan:
    needles: Needles
    rule: DisclosureRule
    max_rows: int
    count_names: set[str]
    findings: list[Finding] = field(default_factory=list)

    def counts_in(self, frame: pd.DataFrame) -> list[str]:
        return [c for c in frame.columns if COUNT_COLUMN.match(str(c)) or str(c) in self.count_names]

    def sensitive(self, ex: Extracted, file: str) -> None:
        first: dict[str, tuple[str, int]] = {}
        total: dict[str, int] = {}
        for where, text in ex.sensitive:
            for hit in self.needles.find(text):
                total[hit.kind] = total.get(hit.kind, 0) + hit.n
                if hit.kind not in first:
                    first[hit.kind] = (where, text[: hit.position].count("\n") + 1)
        for where, frame in ex.tables:
            ids = [c for c in frame.columns if self.needles.is_id_column(c)]
            for col in ids:
                values = {str(v).strip().lower() for v in frame[col].tolist()} & self.needles.numeric
                if values:
                    kind = "participant identifier (a number, in an identifier column)"
                    total[kind] = total.get(kind, 0) + len(values)
                    first.setdefault(kind, (f"{where}column '{col}', ", 0))
        for kind, (where, line) in first.items():
            self.findings.append(Finding(file, f"{where}line {line}" if line else where.rstrip(", "),
                                         f"{kind} from the inputs ({total[kind]} found; never repeated here)"))

    def tables(self, ex: Extracted, file: str, sidecar: tuple[list[str] | None, DisclosureRule]) -> None:
        for where, frame in ex.tables:
            counts, rule = sidecar if not where or where.startswith("sheet '") else (None, self.rule)
            cols = counts if counts is not None else self.counts_in(frame)
            self.findings += count_findings(frame, cols, rule, file, where)
            self.findings += listing_findings(frame, file, where or "table", self.max_rows, self.needles.is_id_column)

    def file(self, path: Path, file: str) -> str:
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.findings.append(Finding(file, "file", f"could not be read ({type(exc).__name__}); cannot be checked"))
            return file
        ex = extract(data, file)
        if self.needles.find(ex.sensitive[0][1]):  # the file's own name: never repeated in a finding
            file = shown_name(file)
        self.sensitive(ex, file)
        for where, text in ex.prose:
            self.findings += prose_findings(text, file, where, self.rule)
        for where, text in ex.data:
            self.findings += pair_findings(text, file, where, self.rule, self.count_names)
        self.tables(ex, file, self.sidecar(path, file))
        for where, text in ex.listings:
            self.findings += plain_listing(text, file, where, self.max_rows, self.needles.is_id_column)
        self.findings += [Finding(file, where, what) for where, what in ex.problems]
        return file

    def sidecar(self, path: Path, file: str) -> tuple[list[str] | None, DisclosureRule]:
        meta = path.with_name(path.stem + ".meta.json")
        if path.suffix.lower() not in (".csv", ".tsv", ".xlsx", ".xlsm") or not meta.is_file():
            return None, self.rule
        try:
            info = json.loads(meta.read_text(encoding="utf-8"))
            return [str(c) for c in info.get("counts", [])], get_rule(info.get("rule", self.rule.name))
        except (ValueError, AttributeError, TypeError, SvimpactError):
            self.findings.append(Finding(file.rpartition(".")[0] + ".meta.json", "file",
                                         "unreadable table sidecar (expected {\"counts\": [...], \"rule\": ...})"))
            return None, self.rule


def shown_name(file: str) -> str:
    """How a file whose name holds a value from the inputs is named in the gate's report."""
    folder, _, name = file.rpartition("/")
    suffix = name.rpartition(".")[2] if "." in name else ""
    return f"{folder + '/' if folder else ''}[a file whose name holds a value from the inputs].{suffix}".rstrip(".")


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
    look_for: LookFor | None = None,
    identifiers: Iterable[object] = (),
    postcodes: Iterable[object] = (),
    dates_of_birth: Iterable[object] = (),
    free_text: Iterable[str] = (),
    rule: str | DisclosureRule = "nhs-hes",
    secrets: Iterable[str] = (),
    id_columns: Iterable[str] = (),
    max_listing_rows: int = 10,
    files: Iterable[str | Path] | None = None,
) -> GateReport:
    """Scan a report directory for anything that must not be published (see :mod:`svimpact.gate`).

    Parameters
    ----------
    report_dir : str or Path
        The batch's output directory.
    look_for : LookFor, optional
        What to look for, from the inputs (:func:`~svimpact.gate.input_identifiers`); the
        keywords below add to it.
    identifiers, postcodes, dates_of_birth, free_text : iterable
        Participant identifiers (raw and pseudonymised), postcodes, dates of birth
        (``datetime.date`` or ISO text) and free-text values from the inputs.
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
    dobs = {pd.Timestamp(str(d)).date() for d in dates_of_birth}
    look = (look_for or LookFor()) | LookFor(frozenset(str(i) for i in identifiers if i is not None),
                                             frozenset(str(p) for p in postcodes if p is not None), frozenset(dobs),
                                             frozenset(free_text), tuple(secrets), frozenset(id_columns))
    needles = needles_for(look)
    scan = _Scan(needles, r, max_listing_rows, _sidecar_counts(root))
    chosen = sorted(p for p in root.rglob("*") if p.is_file()) if files is None else sorted(Path(f) for f in files)
    scanned = []
    for path in chosen:
        scanned.append(scan.file(path, path.relative_to(root).as_posix()))
    notes = (f"{len(needles.short)} identifier(s) shorter than {MIN_ID_LENGTH} characters were not searched for",
             ) if needles.short else ()
    findings = tuple(dict.fromkeys(scan.findings))
    return GateReport(str(root), findings, tuple(scanned), r.name, notes)
