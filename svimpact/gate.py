"""The disclosure gate: a last look at a report directory before a run is marked complete.

:func:`scan_report` reads every text file under the report directory (HTML, CSV, executed
notebooks, JSON, Markdown, SVG) and lists, as :class:`Finding`\\ s:

* **unsuppressed small counts** in published tables. A published count must be 0, ``[c]``, or
  above the rule's suppression limit and a multiple of its rounding base (``nhs-hes``: 0, ``[c]``
  or a multiple of 5 from 10 up). Which columns are counts: the sidecar
  ``tables/<table>.meta.json`` written by the publisher (``{"counts": [...], "rule": "..."}``)
  when present; otherwise the naming convention of :data:`COUNT_COLUMN` (``n``, ``count``,
  ``users``, ``participants``, ``beneficiaries``, ``households``, ``n_*``, ``*_users``,
  ``*_count``...: nouns for people counted). The same
  columns are checked in HTML tables (``index.html`` and notebook outputs). Population
  denominators from official statistics (``population``) are not counts of service users.
* **participant identifiers** and **postcodes** from the inputs, anywhere in any file (matched as
  whole tokens; data URIs such as embedded PNGs are skipped). The gate report never repeats an
  identifier: it shows its first characters only.
* **counts of people in text** (prose, map labels, headlines): a number followed by a noun for
  people (``3 users``, ``12 participants``) must obey the rule too; ranges such as ``1 to 7
  users`` or ``1-7 users`` (legends) are not counts.
* **record listings** in notebook outputs and HTML: a table (HTML or a DataFrame printed as text)
  with an identifier-like column (``id``, ``*_id``, ``nhs_number``...) and more than
  ``max_listing_rows`` rows.
* **secrets** (e.g. the pseudonymisation key) anywhere.

Word copies of the chapter (``.docx``) are read too: their text for identifiers, postcodes and
secrets, their tables for small counts and listings. Images (PNG) are not read.

:func:`gate_batch` collects the identifiers and postcodes from a batch's inputs (raw and
pseudonymised) and scans its report directory.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from svimpact._results import ResultMixin
from svimpact.disclosure import SUPPRESSED, DisclosureRule, get_rule

__all__ = ["COUNT_COLUMN", "Finding", "GateReport", "gate_batch", "gate_report", "input_identifiers", "scan_report"]

_PEOPLE = (r"users|participants|people|persons|individuals|households|respondents|clients|beneficiaries"
           r"|beneficiary|patients|tenants|claimants|learners|cases|records|referrals")
COUNT_COLUMN = re.compile(
    rf"^(n|count|counts|number|frequency|{_PEOPLE})$|^n_.+|^(number|count)_of_.+|.+_(n|count|{_PEOPLE})$",
    re.IGNORECASE,
)
"""Column names treated as counts of people when a table has no ``.meta.json`` sidecar."""
ID_COLUMN = re.compile(r"(^|_)(id|ids|identifier|uid|nhs_?number|ni_?number|uprn|pseudonym)$|^id_", re.IGNORECASE)
TEXT_SUFFIXES = {".html", ".htm", ".csv", ".tsv", ".ipynb", ".json", ".md", ".txt", ".svg", ".xml", ".yaml", ".yml"}
OFFICE_SUFFIXES = {".docx", ".xlsx", ".odt", ".pptx"}
_DATA_URI = re.compile(r"data:[a-z]+/[a-z0-9.+\-]+;base64,[A-Za-z0-9+/=\s]+", re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z0-9_\-]+")
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\b", re.IGNORECASE)
MIN_ID_LENGTH = 4
_PROSE_COUNT = re.compile(rf"(?<!to )(?<![-\u2013\d.,])\b(\d[\d,]*)\s+({_PEOPLE})\b", re.IGNORECASE)


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
        return pd.DataFrame([f.__dict__ for f in self.findings], columns=["file", "location", "what"])

    def to_text(self) -> str:
        head = (f"Disclosure gate ({self.rule}) on {self.report_dir}: "
                f"{'PASSED' if self.ok else 'FAILED'}; {len(self.files_scanned)} file(s) scanned, "
                f"{len(self.findings)} finding(s)")
        return "\n".join([head, *(f"  - {f.describe()}" for f in self.findings), *(f"  note: {n}" for n in self.notes)])

    __str__ = to_text


# --------------------------------------------------------------------------- HTML tables

class _Tables(HTMLParser):
    """Collects the tables of an HTML page as (header, body rows) of cell text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[list[str], list[list[str]]]] = []
        self._stack: list[dict] = []
        self._cell: list[str] | None = None
        self._row: list[tuple[bool, str]] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "table":
            self._stack.append({"header": [], "rows": []})
        elif tag == "tr" and self._stack:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = [tag]

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append((self._cell[0] == "th", "".join(self._cell[1:]).strip()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._stack:
            t = self._stack[-1]
            if not t["header"] and self._row and all(h for h, _ in self._row):
                t["header"] = [c for _, c in self._row]
            elif self._row:
                t["rows"].append([c for _, c in self._row])
            self._row = None
        elif tag == "table" and self._stack:
            t = self._stack.pop()
            self.tables.append((t["header"], t["rows"]))


def _html_tables(text: str) -> list[pd.DataFrame]:
    parser = _Tables()
    try:
        parser.feed(text)
    except Exception:  # noqa: BLE001 - malformed HTML: scanned as text only
        return []
    frames = []
    for header, rows in parser.tables:
        if not header or not rows:
            continue
        width = len(header)
        body = [r[-width:] if len(r) > width else r + [""] * (width - len(r)) for r in rows]
        frames.append(pd.DataFrame(body, columns=[h or f"col{i}" for i, h in enumerate(header)], dtype=object))
    return frames


# --------------------------------------------------------------------------- checks

_W_TEXT = re.compile(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>")


def _office_text(path: Path) -> tuple[str, list[pd.DataFrame]]:
    """Text and tables of a Word document (.docx); the text of other zipped XML (.xlsx, .odt, .pptx)."""
    import html as html_lib
    import zipfile

    texts, tables = [], []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if not name.endswith(".xml"):
                continue
            xml = z.read(name).decode("utf-8", errors="replace")
            texts.append(html_lib.unescape(re.sub(r"<[^>]+>", " ", xml)))
            for tbl in re.findall(r"<w:tbl>.*?</w:tbl>", xml, re.S):
                rows = [[html_lib.unescape("".join(_W_TEXT.findall(c))).strip()
                         for c in re.findall(r"<w:tc>.*?</w:tc>", tr, re.S)]
                        for tr in re.findall(r"<w:tr[ >].*?</w:tr>", tbl, re.S)]
                rows = [r for r in rows if r]
                if len(rows) > 1:
                    width = len(rows[0])
                    body = [r[:width] + [""] * (width - len(r)) for r in rows[1:]]
                    tables.append(pd.DataFrame(body, columns=[h or f"col{i}" for i, h in enumerate(rows[0])]))
    return "\n".join(texts), tables


def _bad_counts(values: Iterable[object], rule: DisclosureRule) -> list[tuple[int, str]]:
    """(1-based row, shown value) of every value a published count may not hold."""
    bad = []
    for i, v in enumerate(values, 1):
        s = "" if v is None or (isinstance(v, float) and v != v) else str(v).strip().replace(",", "")
        if s in ("", SUPPRESSED, "nan", "<NA>", "NaN", "None"):
            continue
        try:
            x = float(s)
        except ValueError:
            bad.append((i, s[:20]))
            continue
        if x == 0 and rule.zero_stays:
            continue
        if x < 0 or x != int(x) or x <= rule.suppress_max or (rule.round_to > 1 and int(x) % rule.round_to):
            bad.append((i, s[:20]))
    return bad


def _count_findings(frame: pd.DataFrame, counts: Iterable[str], rule: DisclosureRule, file: str,
                    where: str) -> list[Finding]:
    out = []
    for col in counts:
        if col not in frame.columns:
            continue
        bad = _bad_counts(frame[col].tolist(), rule)
        if bad:
            rows = ", ".join(str(r) for r, _ in bad[:10]) + (f" and {len(bad) - 10} more" if len(bad) > 10 else "")
            out.append(Finding(file, f"{where}column '{col}', row(s) {rows}",
                               f"unsuppressed count {bad[0][1]!r} (rule {rule.name}: counts must be 0, "
                               f"{SUPPRESSED}, or a multiple of {rule.round_to} above {rule.suppress_max})"))
    return out


def _listing_findings(frame: pd.DataFrame, file: str, where: str, max_rows: int,
                      id_columns: set[str]) -> list[Finding]:
    ids = [c for c in frame.columns if ID_COLUMN.search(str(c)) or str(c) in id_columns]
    if ids and len(frame) > max_rows:
        return [Finding(file, where.rstrip(", "), f"looks like a record listing: {len(frame)} rows with "
                        f"identifier column(s) {', '.join(map(str, ids))}")]
    return []


def _plain_listing(text: str, file: str, where: str, max_rows: int, id_columns: set[str]) -> list[Finding]:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) <= max_rows + 1:
        return []
    header = _TOKEN.findall(lines[0])
    ids = [t for t in header if ID_COLUMN.search(t) or t in id_columns]
    if ids:
        return [Finding(file, where, f"looks like a record listing printed as text: {len(lines) - 1} lines "
                        f"under identifier column(s) {', '.join(ids)}")]
    return []


def _prose_findings(text: str, file: str, where: str, rule: DisclosureRule) -> list[Finding]:
    """Counts of people written in prose or map labels ('3 users'), outside tables."""
    bad = [m for m in _PROSE_COUNT.finditer(text) if _bad_counts([m.group(1)], rule)]
    if not bad:
        return []
    line = text[: bad[0].start()].count("\n") + 1
    return [Finding(file, f"{where}line {line}", f"{len(bad)} unsuppressed count(s) of people in text "
                    f"(first: '{bad[0].group(0)}'; rule {rule.name})")]


def _mask(value: str) -> str:
    return value[:3] + "…" if len(value) > 3 else "…"


def _token_findings(text: str, file: str, where: str, identifiers: set[str], postcodes: set[str],
                    secrets: list[str]) -> list[Finding]:
    out = []
    clean = _DATA_URI.sub(" ", text)
    if identifiers:
        hits = [t for t in _TOKEN.findall(clean) if t in identifiers]
        if hits:
            line = clean[: clean.find(hits[0])].count("\n") + 1
            out.append(Finding(file, f"{where}line {line}", f"{len(set(hits))} participant identifier(s) from the "
                               f"inputs (first: '{_mask(hits[0])}')"))
    if postcodes:
        found = [f"{a} {b}".upper() for a, b in _POSTCODE.findall(clean)]
        hits = [p for p in found if p in postcodes]
        if hits:
            out.append(Finding(file, where.rstrip(", ") or "text", f"{len(set(hits))} postcode(s) from the inputs "
                               f"(first: '{_mask(hits[0])}')"))
    for s in secrets:
        if s and s in text:
            out.append(Finding(file, where.rstrip(", ") or "text", "the pseudonymisation key (or another secret)"))
    return out


def _outputs_text(output: dict) -> tuple[str, str]:
    data = output.get("data", {}) if isinstance(output, dict) else {}

    def join(v: object) -> str:
        return "".join(v) if isinstance(v, list) else str(v or "")

    html = join(data.get("text/html", ""))
    plain = join(data.get("text/plain", "")) + join(output.get("text", "")) if isinstance(output, dict) else ""
    return html, plain


# --------------------------------------------------------------------------- scan

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
        for k, frame in enumerate(_html_tables(text), 1):
            loc = f"{where}table {k}, "
            self.findings += _count_findings(frame, self.counts_in(frame), self.rule, file, loc)
            self.findings += _listing_findings(frame, file, loc, self.max_rows, self.id_columns)

    def tokens(self, text: str, file: str, where: str = "") -> None:
        self.findings += _token_findings(text, file, where, self.identifiers, self.postcodes, self.secrets)
        if not file.endswith(".csv"):
            self.findings += _prose_findings(_DATA_URI.sub(" ", text), file, where, self.rule)

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
                html, plain = _outputs_text(out)
                self.tokens(html + "\n" + plain, file, where)
                self.html(html, file, where)
                if not html:
                    self.findings += _plain_listing(plain, file, where.rstrip(", "), self.max_rows, self.id_columns)

    def office(self, path: Path, file: str) -> None:
        import zipfile

        try:
            text, tables = _office_text(path)
        except (zipfile.BadZipFile, OSError, KeyError):
            self.findings.append(Finding(file, "file", "not a readable Office document; cannot be checked"))
            return
        self.tokens(text, file)
        for k, frame in enumerate(tables, 1):
            loc = f"table {k}, "
            self.findings += _count_findings(frame, self.counts_in(frame), self.rule, file, loc)
            self.findings += _listing_findings(frame, file, loc, self.max_rows, self.id_columns)

    def csv(self, path: Path, file: str, text: str) -> None:
        import io

        from svimpact.exceptions import SvimpactError

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
        self.findings += _count_findings(frame, cols, rule, file, "")
        self.findings += _listing_findings(frame, file, "table", self.max_rows, self.id_columns)


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

    Returns
    -------
    GateReport
    """
    from svimpact.geo.postcodes import normalise_postcode

    root = Path(report_dir)
    r = get_rule(rule)
    if not root.is_dir():
        return GateReport(str(root), (Finding(str(root), "directory", "report directory not found"),), (), r.name)
    ids = {str(i).strip() for i in identifiers if i is not None and str(i).strip()}
    short = {i for i in ids if len(i) < MIN_ID_LENGTH}
    pcs = {p for p in (normalise_postcode(x) for x in postcodes) if p}
    scan = _Scan(ids - short, pcs, [s for s in secrets if s], r, max_listing_rows, set(id_columns), _sidecar_counts(root))
    scanned = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
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


def input_identifiers(params_list: Iterable) -> tuple[set[str], set[str], list[str]]:
    """Identifiers (raw and pseudonymised), postcodes and secrets from services' inputs.

    Parameters
    ----------
    params_list : iterable of ServiceParams

    Returns
    -------
    (identifiers, postcodes, secrets)
    """
    from svimpact.exceptions import SvimpactError
    from svimpact.io.pseudonymise import get_pseudonym_key, pseudonymise
    from svimpact.io.readers import read_table
    from svimpact.io.schemas import is_postcode_name

    ids: set[str] = set()
    pcs: set[str] = set()
    secrets: list[str] = []
    for sp in params_list:
        try:
            key = get_pseudonym_key(synthetic=sp.synthetic, params_file=sp.source_file)
            secrets.append(key.secret.decode("utf-8", errors="replace"))
        except SvimpactError:
            key = None
        for role, id_col in (("participants", sp.id_column), ("comparison", sp.id_column), ("survey", "respondent_id")):
            path = getattr(sp.data, role)
            if path is None:
                continue
            try:
                frame = read_table(path, dtype=str)
            except SvimpactError:
                continue
            if id_col in frame:
                raw = frame[id_col].dropna().astype(str).str.strip()
                ids |= set(raw)
                if key is not None:
                    ids |= set(pseudonymise(raw, key).dropna())
            for col in frame.columns:
                if is_postcode_name(col):
                    pcs |= set(frame[col].dropna().astype(str))
    return ids, pcs, secrets


def gate_batch(batch_path: str | Path, report_dir: str | Path) -> GateReport:
    """Scan ``report_dir`` with the identifiers, postcodes and rules of the batch's services."""
    from svimpact.io.params import load_batch_params, load_service_params

    batch = load_batch_params(batch_path)
    services = [load_service_params(s) for s in batch.services]
    ids, pcs, secrets = input_identifiers(services)
    rules = {s.disclosure.rule for s in services}
    strictest = max((get_rule(x) for x in rules), key=lambda x: (x.suppress_max, x.round_to), default=get_rule())
    return scan_report(report_dir, identifiers=ids, postcodes=pcs, rule=strictest, secrets=secrets,
                       id_columns={s.id_column for s in services} | {"respondent_id"})


def gate_report(report_dir: str | Path, batch_path: str | Path | None = None) -> GateReport:
    """The gate as ``svimpact gate REPORT_DIR`` runs it.

    The services (and so the identifiers, postcodes and rules to check) come from ``batch_path``
    when given, otherwise from the ``manifest.json`` the batch wrote into ``report_dir``. Without
    either, only the checks that need no inputs run (small counts, record listings) and the
    report says so.
    """
    from svimpact.exceptions import SvimpactError
    from svimpact.io.params import load_service_params

    if batch_path is not None:
        return gate_batch(batch_path, report_dir)
    manifest = Path(report_dir) / "manifest.json"
    services = []
    try:
        info = json.loads(manifest.read_text(encoding="utf-8"))
        services = [load_service_params(s["params"]) for s in info.get("services", [])]
    except (OSError, ValueError, KeyError, TypeError, AttributeError, SvimpactError):
        services = []
    if not services:
        report = scan_report(report_dir)
        note = ("no manifest.json naming the services' params: identifiers and postcodes from the inputs "
                "were not checked (pass the batch params to check them)")
        return GateReport(report.report_dir, report.findings, report.files_scanned, report.rule,
                          report.notes + (note,))
    ids, pcs, secrets = input_identifiers(services)
    strictest = max((get_rule(s.disclosure.rule) for s in services), key=lambda x: (x.suppress_max, x.round_to))
    return scan_report(report_dir, identifiers=ids, postcodes=pcs, rule=strictest, secrets=secrets,
                       id_columns={s.id_column for s in services} | {"respondent_id"})
