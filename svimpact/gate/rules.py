"""What counts as a leak of a count: small or unrounded counts in tables, in prose (digits or
words), as ``n=3``, under a count key in data, and record listings (see :mod:`svimpact.gate`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import pandas as pd

from svimpact.disclosure import SUPPRESSED, DisclosureRule
from svimpact.gate.report import Finding

__all__ = ["COUNT_COLUMN", "MAP_COUNT_KEYS", "count_findings", "listing_findings", "pair_findings", "plain_listing",
           "prose_findings"]

_PEOPLE = (r"users|participants|people|persons|individuals|households|respondents|clients|beneficiaries"
           r"|beneficiary|patients|tenants|claimants|learners|cases|records|referrals")
_PERSON = r"user|participant|person|individual|household|respondent|client|patient|tenant|claimant|learner"
COUNT_COLUMN = re.compile(
    rf"^(n|count|counts|number|frequency|{_PEOPLE})$|^n_.+|^(number|count)_of_.+|.+_(n|count|{_PEOPLE})$",
    re.IGNORECASE,
)
"""Column names treated as counts of people when a table has no ``.meta.json`` sidecar."""
_PEOPLE_KEY = re.compile(rf"^(n|count|{_PEOPLE})$|^(n|number|count)_(of_)?({_PEOPLE})$|.+_({_PEOPLE})$", re.IGNORECASE)
MAP_COUNT_KEYS = frozenset({"u"})
"""Short keys under which :mod:`svimpact.geo.webmap` writes counts of users in a map's data."""
_SMALL_WORDS = {w: i for i, w in enumerate(("zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                                            "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen",
                                            "sixteen", "seventeen", "eighteen", "nineteen"))}
_TENS = {w: 10 * i for i, w in enumerate(("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
                                          "ninety"), 2)}
_WORDS = "|".join([*_TENS, *_SMALL_WORDS])
_NOUN = rf"(?:{_PEOPLE}|{_PERSON})"
_NOUN_AT = re.compile(rf"\b{_NOUN}\b")
_DIGITS_BEFORE = re.compile(r"(?<![-\d.,/])\b(?!(?:19[5-9]|20\d)\d\b)(\d[\d,]*)\s+(?:[a-z]+\s+)?$")
_WORDS_BEFORE = re.compile(rf"\b((?:{'|'.join(_TENS)})[-\s](?:{'|'.join(list(_SMALL_WORDS)[1:10])})|{_WORDS})"
                           r"\s+(?:[a-z]+\s+)?$")
_N_EQUALS = re.compile(r"(?<![a-z0-9_])n\s*(?:=|:)\s*(\d+(?:,\d{3})*)(?![\d.]|,\d|\s*,\s*k\s*=)"
                       r"|\(\s*n\s+(\d+(?:,\d{3})*)\s*\)")
"""``n=3``, ``n = 3``, ``(n 3)``; not the n of a rule's parameters (nk-dominance: ``n=2, k=0.85``)."""
_NOT_A_COUNT = re.compile(r"(?:(?:fewer|less|more|greater|lower|higher|other|rather)\s+than|at\s+(?:least|most)|up\s+to"
                          r"|\b(?:to|under|over|below|above|per|every|each|any|no|only\s+if)|[<>\u2264\u2265]=?"
                          r"|\b(?:\d+|one|a)\s+in|\d\s*(?:-|to))\s*$")
_KEY_VALUE = re.compile(r"(?<![a-z0-9_\-])[\"']?([a-z][a-z0-9_\-]*)[\"']?\s*:\s*[\"']?(-?\d[\d,]*(?:\.\d+)?)[\"']?"
                        r"(?=\s*[,}\]\n])")


def _number(s: str) -> float | None:
    try:
        return float(s.replace(",", ""))
    except ValueError:
        return None


def bad_count(value: object, rule: DisclosureRule) -> bool:
    """True when ``value`` may not stand as a published count under ``rule`` (a blank or [c] may)."""
    s = "" if value is None or (isinstance(value, float) and value != value) else str(value).strip().replace(",", "")
    if s in ("", SUPPRESSED, "nan", "<NA>", "NaN", "None"):
        return False
    x = _number(s)
    if x is None:
        return True
    if x == 0 and rule.zero_stays:
        return False
    return x < 0 or x != int(x) or x <= rule.suppress_max or bool(rule.round_to > 1 and int(x) % rule.round_to)


def _rule_text(rule: DisclosureRule) -> str:
    return f"rule {rule.name}: counts must be 0, {SUPPRESSED}, or a multiple of {rule.round_to} above {rule.suppress_max}"


def count_findings(frame: pd.DataFrame, counts: Iterable[str], rule: DisclosureRule, file: str,
                   where: str) -> list[Finding]:
    out = []
    for col in counts:
        if col not in frame.columns:
            continue
        bad = [(i, str(v).strip()[:20]) for i, v in enumerate(frame[col].tolist(), 1) if bad_count(v, rule)]
        if bad:
            rows = ", ".join(str(r) for r, _ in bad[:10]) + (f" and {len(bad) - 10} more" if len(bad) > 10 else "")
            out.append(Finding(file, f"{where}column '{col}', row(s) {rows}",
                               f"unsuppressed count {bad[0][1]!r} ({_rule_text(rule)})"))
    return out


def listing_findings(frame: pd.DataFrame, file: str, where: str, max_rows: int,
                     is_id: Callable[[object], bool]) -> list[Finding]:
    ids = [c for c in frame.columns if is_id(c)]
    if ids and len(frame) > max_rows:
        return [Finding(file, where.rstrip(", "), f"looks like a record listing: {len(frame)} rows with "
                        f"identifier column(s) {', '.join(map(str, ids))}")]
    return []


def plain_listing(text: str, file: str, where: str, max_rows: int, is_id: Callable[[object], bool]) -> list[Finding]:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) <= max_rows + 1:
        return []
    header = re.findall(r"[A-Za-z0-9_\-]+", lines[0])
    ids = [t for t in header if is_id(t)]
    if ids:
        return [Finding(file, where, f"looks like a record listing printed as text: {len(lines) - 1} lines "
                        f"under identifier column(s) {', '.join(ids)}")]
    return []


def _word_value(words: str) -> int:
    parts = re.split(r"[-\s]", words)
    return sum(_TENS.get(p, _SMALL_WORDS.get(p, 0)) for p in parts)


def prose_findings(text: str, file: str, where: str, rule: DisclosureRule) -> list[Finding]:
    """Counts of people in prose, labels and data strings: ``3 users``, ``Three participants``,
    ``n=3``, ``(n 3)``; ranges and bounds (``1 to 7 users``, ``fewer than 8 people``) are not counts.
    ``text`` is normalised (lower case)."""
    bad: list[tuple[int, str]] = []
    for noun in _NOUN_AT.finditer(text):
        start = max(0, noun.start() - 40)
        for pattern, value in ((_DIGITS_BEFORE, str), (_WORDS_BEFORE, _word_value)):
            m = pattern.search(text, start, noun.start())
            if m and bad_count(value(m.group(1)), rule) and not _NOT_A_COUNT.search(text, max(0, m.start() - 20),
                                                                                     m.start()):
                bad.append((m.start(), text[m.start():noun.end()]))
    for m in _N_EQUALS.finditer(text):
        if bad_count(m.group(1) or m.group(2), rule):
            bad.append((m.start(), m.group(0)))
    if not bad:
        return []
    bad.sort()
    line = text[: bad[0][0]].count("\n") + 1
    first = re.sub(r"\s+", " ", bad[0][1])
    return [Finding(file, f"{where}line {line}", f"{len(bad)} unsuppressed count(s) of people in text "
                    f"(first: '{first}'; rule {rule.name})")]


def pair_findings(text: str, file: str, where: str, rule: DisclosureRule, count_names: set[str]) -> list[Finding]:
    """Counts under a key naming people counted in JSON or JavaScript data (``"users": 3``,
    ``"n_participants": 12``, the map's ``"u":"3"``, a sidecar's count columns); other counts
    (``"n_draws"``, ``"execution_count"``) are not counts of people."""
    keys = {k.lower() for k in count_names} | MAP_COUNT_KEYS
    bad = [m for m in _KEY_VALUE.finditer(text)
           if (m.group(1) in keys or _PEOPLE_KEY.match(m.group(1))) and bad_count(m.group(2), rule)]
    if not bad:
        return []
    line = text[: bad[0].start()].count("\n") + 1
    return [Finding(file, f"{where}line {line}", f"{len(bad)} unsuppressed count(s) under a count key in data "
                    f"(first: key '{bad[0].group(1)}' = {bad[0].group(2)}; {_rule_text(rule)})")]
