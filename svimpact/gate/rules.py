"""What counts as a leak: small counts in tables and prose, record listings, identifiers,
postcodes and secrets (see :mod:`svimpact.gate` for the rules in words)."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from svimpact.disclosure import SUPPRESSED, DisclosureRule
from svimpact.gate.report import Finding

__all__ = ["COUNT_COLUMN", "DATA_URI", "ID_COLUMN", "MIN_ID_LENGTH", "count_findings", "listing_findings", "plain_listing",
           "prose_findings", "token_findings"]

_PEOPLE = (r"users|participants|people|persons|individuals|households|respondents|clients|beneficiaries"
           r"|beneficiary|patients|tenants|claimants|learners|cases|records|referrals")
COUNT_COLUMN = re.compile(
    rf"^(n|count|counts|number|frequency|{_PEOPLE})$|^n_.+|^(number|count)_of_.+|.+_(n|count|{_PEOPLE})$",
    re.IGNORECASE,
)
"""Column names treated as counts of people when a table has no ``.meta.json`` sidecar."""
ID_COLUMN = re.compile(r"(^|_)(id|ids|identifier|uid|nhs_?number|ni_?number|uprn|pseudonym)$|^id_", re.IGNORECASE)
DATA_URI = re.compile(r"data:[a-z]+/[a-z0-9.+\-]+;base64,[A-Za-z0-9+/=\s]+", re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z0-9_\-]+")
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\b", re.IGNORECASE)
MIN_ID_LENGTH = 4
_PROSE_COUNT = re.compile(rf"(?<!to )(?<![-\u2013\d.,])\b(\d[\d,]*)\s+({_PEOPLE})\b", re.IGNORECASE)


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


def count_findings(frame: pd.DataFrame, counts: Iterable[str], rule: DisclosureRule, file: str,
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


def listing_findings(frame: pd.DataFrame, file: str, where: str, max_rows: int,
                      id_columns: set[str]) -> list[Finding]:
    ids = [c for c in frame.columns if ID_COLUMN.search(str(c)) or str(c) in id_columns]
    if ids and len(frame) > max_rows:
        return [Finding(file, where.rstrip(", "), f"looks like a record listing: {len(frame)} rows with "
                        f"identifier column(s) {', '.join(map(str, ids))}")]
    return []


def plain_listing(text: str, file: str, where: str, max_rows: int, id_columns: set[str]) -> list[Finding]:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) <= max_rows + 1:
        return []
    header = _TOKEN.findall(lines[0])
    ids = [t for t in header if ID_COLUMN.search(t) or t in id_columns]
    if ids:
        return [Finding(file, where, f"looks like a record listing printed as text: {len(lines) - 1} lines "
                        f"under identifier column(s) {', '.join(ids)}")]
    return []


def prose_findings(text: str, file: str, where: str, rule: DisclosureRule) -> list[Finding]:
    """Counts of people written in prose or map labels ('3 users'), outside tables."""
    bad = [m for m in _PROSE_COUNT.finditer(text) if _bad_counts([m.group(1)], rule)]
    if not bad:
        return []
    line = text[: bad[0].start()].count("\n") + 1
    return [Finding(file, f"{where}line {line}", f"{len(bad)} unsuppressed count(s) of people in text "
                    f"(first: '{bad[0].group(0)}'; rule {rule.name})")]


def _mask(value: str) -> str:
    return value[:3] + "…" if len(value) > 3 else "…"


def token_findings(text: str, file: str, where: str, identifiers: set[str], postcodes: set[str],
                    secrets: list[str]) -> list[Finding]:
    out = []
    clean = DATA_URI.sub(" ", text)
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
