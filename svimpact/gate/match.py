"""Finding the inputs' own values in text: identifiers, postcodes, dates of birth, free text, secrets.

Text is first normalised (:func:`normalise`): Unicode compatibility forms (NFKC: non-breaking,
thin and other spaces become plain spaces, full-width digits plain digits), zero-width
characters and soft hyphens removed, dashes made ASCII, and lower case. Then:

* **identifiers** match as whole tokens, whatever their case; ``_`` and ``-`` inside an
  identifier are the same character, and an identifier inside a hyphenated word
  (``hf-000001-notes``) still matches. Identifiers shorter than :data:`MIN_ID_LENGTH` are not
  searched for (the report notes how many).
* **identifiers made only of digits** (``1001``, ``204518``) are treated differently, because a
  number of four to eight digits on its own is no evidence of anything: years, populations,
  costs, map coordinates, ranks and colours all take such values, and a service numbering its
  people 1001-1999 would otherwise fail on every page. Such a number counts as an identifier
  only where an identifier would stand: in a table column or a JSON/JavaScript/HTML key named
  like an identifier (``person_id``, ``respondent_id``, ``*_id``, ``identifier``, ``pseudonym``...,
  and the services' own id columns), or written straight after a word that introduces one
  (``ID 1234``, ``participant 1234``, ``person_id: 1234``, ``cases 1201, 1202 and 1304``). Numbers
  of nine digits or more (NHS numbers, UPRNs) match as bare tokens too, outside decimal
  fractions: the chance that an unrelated figure equals one of *n* identifiers is n / 10^9 per
  figure. What is not caught: a bare 4-8 digit identifier with no identifier word or key beside
  it; it is indistinguishable from any other number.
* **postcodes** match in any case and any spacing between the outward and inward codes (none,
  one, several, non-breaking).
* **dates of birth** match written in any common form: ``1984-03-07``, ``1984/03/07``,
  ``07/03/1984``, ``7.3.1984``, ``03/07/1984`` (month first), ``19840307``, ``7 March 1984``,
  ``7th Mar 1984``, ``March 7, 1984``. Two-digit years are not read (``07/03/84``): too many
  report dates would collide.
* **free text** matches as the same run of words (case, punctuation and spacing ignored).

Nothing found is ever repeated in a finding: it says what kind of value and how many.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass

from svimpact.gate.inputs import LookFor, canonical_words
from svimpact.geo.postcodes import normalise_postcode

__all__ = ["ID_COLUMN", "MIN_ID_LENGTH", "Hit", "Needles", "needles_for", "normalise"]

MIN_ID_LENGTH = 4
ID_COLUMN = re.compile(r"(^|[_\-\s])(id|ids|identifier|identifiers|uid|nhs[_\-\s]?(number|no)|ni[_\-\s]?number|uprn"
                       r"|pseudonym|pseudo[_\-\s]?id)$|^id[_\-]", re.IGNORECASE)
"""Names of columns and keys that hold identifiers."""
_STRIP = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None) | dict.fromkeys(
    map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d"), "-")
_TOKEN = re.compile(r"[0-9a-z]+(?:-[0-9a-z]+)*")
_POSTCODE = re.compile(r"(?<![a-z0-9])([a-z]{1,2}[0-9][a-z0-9]?)\s*([0-9][a-z]{2})(?![a-z0-9])")
_MONTHS = {m: i for i, ms in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                        "dec"), 1) for m in (ms,)}
_MON = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATES = re.compile(
    r"(?<![0-9])(?:(?P<iy>\d{4})[-/.](?P<im>\d{1,2})[-/.](?P<id>\d{1,2})"
    r"|(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<ay>\d{4})"
    r"|(?P<e>\d{8})"
    r"|(?P<wd>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MON.replace("(", "(?P<wm>", 1) + r",?\s+(?P<wy>\d{4})"
    r"|" + _MON.replace("(", "(?P<vm>", 1) + r"\s+(?P<vd>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<vy>\d{4})"
    r")(?![0-9])")
_LONG_NUMBER = re.compile(r"(?<![\d.])\d{9,}(?!\d|\.\d)")
_PAIR = re.compile(r"(?<![a-z0-9\-])([a-z][a-z0-9\-]*)[\"']?\s*[:=]\s*[\"']?(\d+)(?![0-9a-z]|[.\-/]\d)")
_ID_WORDS = ("identifiers?|ids?|ref|pseudonyms?|person|participant|household|respondent|client|case|record|patient"
             "|tenant|claimant|member|beneficiary")
_PLURAL_WORDS = ("persons|people|participants|households|respondents|clients|cases|records|patients|tenants|claimants"
                 "|members|beneficiaries")
_NUM = r"\d+(?![0-9a-z]|[.\-/]\d)"
_NUMBER_LIST = rf"({_NUM}(?:\s*(?:,|;|&|and|or)\s*{_NUM})*)"
_NUMBERS = rf"({_NUM}(?:\s*(?:,|;|&|and|or)\s*{_NUM})+)"


def normalise(text: str) -> str:
    """Text as the gate compares it: NFKC, no zero-width characters, ASCII dashes, lower case."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_STRIP)
    return text.lower()


@dataclass(frozen=True)
class Hit:
    """One kind of input value found in one text: what, how many distinct values, where first."""

    kind: str
    n: int
    position: int


def _canonical_id(value: object) -> str:
    v = str(value).strip()
    v = (v.lower() if v.isascii() else normalise(v)).replace("_", "-")
    return v[:-2] if v.endswith(".0") and v[:-2].isdigit() else v


def _date(y: str, m: str, d: str) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


class Needles:
    """The compiled look-up of everything a :class:`~svimpact.gate.inputs.LookFor` holds."""

    def __init__(self, look: LookFor) -> None:
        joined = "\n".join(str(i).strip() for i in look.identifiers)
        if joined.isascii():  # the usual case, fast: 50,000 identifiers in a few milliseconds
            ids = {v[:-2] if v.endswith(".0") and v[:-2].isdigit() else v
                   for v in joined.lower().replace("_", "-").split("\n") if v}
        else:
            ids = {_canonical_id(i) for i in look.identifiers if str(i).strip()}
        self.short = {i for i in ids if len(i) < MIN_ID_LENGTH}
        ids -= self.short
        self.numeric = {i for i in ids if i.isdigit()}
        self.long_numeric = {i for i in self.numeric if len(i) >= 9}
        words = ids - self.numeric
        self.tokens = {i for i in words if _TOKEN.fullmatch(i)}
        odd = sorted(words - self.tokens, key=len, reverse=True)
        self.odd = re.compile("|".join(rf"(?<![0-9a-z]){re.escape(i)}(?![0-9a-z])" for i in odd)) if odd else None
        self.first_parts = {i.split("-")[0] for i in self.tokens}
        self.max_parts = max((i.count("-") + 1 for i in self.tokens), default=1)
        self.postcodes = {p.replace(" ", "").lower() for p in (normalise_postcode(x) for x in look.postcodes) if p}
        self.dobs = set(look.dates_of_birth)
        self.free = {w for w in (canonical_words(v) for v in look.free_text) if w.count(" ") >= 2}
        self.free_first = {tuple(v.split(" ")[:3]) for v in self.free}
        self.secrets = [s for s in look.secrets if s]
        cols = sorted({_canonical_id(c) for c in look.id_columns if c}, key=len, reverse=True)
        self.id_columns = set(cols)
        names = "|".join([*(re.escape(c) for c in cols), _ID_WORDS])
        sep = r"(?![0-9a-z])[\s\"':=#(\[{,\-]*(?:no\.?\s*)?"
        self.context = re.compile(rf"(?<![0-9a-z])(?:(?:{names}){sep}{_NUMBER_LIST}|(?:{_PLURAL_WORDS}){sep}{_NUMBERS})"
                                  ) if self.numeric else None

    def is_id_column(self, name: object) -> bool:
        n = _canonical_id(str(name))
        return bool(ID_COLUMN.search(n)) or n in self.id_columns

    @property
    def empty(self) -> bool:
        return not (self.tokens or self.odd or self.numeric or self.postcodes or self.dobs or self.free or self.secrets)

    def _tokens(self, flat: str) -> tuple[set[str], int]:
        found = set()
        for tok in set(_TOKEN.findall(flat)):
            if tok in self.tokens:
                found.add(tok)
            elif "-" in tok:
                parts = tok.split("-")
                for i, p in enumerate(parts):
                    if p in self.first_parts:
                        for j in range(i + 2, min(len(parts), i + self.max_parts) + 1):
                            if (w := "-".join(parts[i:j])) in self.tokens:
                                found.add(w)
        if self.odd is not None:
            found |= {m.group(0) for m in self.odd.finditer(flat)}
        pos = min((flat.find(f) for f in found), default=-1)
        return found, pos

    def _numeric(self, text: str) -> tuple[set[str], int]:
        found, pos = set(), -1
        hits = [(m.start(), {n for n in re.findall(r"\d+", m.group(1) or m.group(2)) if n in self.numeric})
                for m in self.context.finditer(text)] if self.context else []
        hits += [(m.start(), {m.group(2)}) for m in _PAIR.finditer(text)
                 if m.group(2) in self.numeric and self.is_id_column(m.group(1))]
        if self.long_numeric:
            hits += [(m.start(), {m.group(0)}) for m in _LONG_NUMBER.finditer(text) if m.group(0) in self.long_numeric]
        for p, s in hits:
            if s:
                found |= s
                pos = p if pos < 0 else min(pos, p)
        return found, pos

    def _dates(self, text: str) -> tuple[int, int]:
        found, pos = set(), -1
        for m in _DATES.finditer(text):
            g = m.groupdict()
            if g["iy"]:
                cands = [_date(g["iy"], g["im"], g["id"])]
            elif g["ay"]:
                cands = [_date(g["ay"], g["b"], g["a"]), _date(g["ay"], g["a"], g["b"])]
            elif g["e"]:
                e = g["e"]
                cands = [_date(e[:4], e[4:6], e[6:]), _date(e[4:], e[2:4], e[:2])]
            elif g["wy"]:
                cands = [_date(g["wy"], str(_MONTHS[g["wm"][:3]]), g["wd"])]
            else:
                cands = [_date(g["vy"], str(_MONTHS[g["vm"][:3]]), g["vd"])]
            hit = {c for c in cands if c in self.dobs}
            if hit:
                found |= hit
                pos = m.start() if pos < 0 else pos
        return len(found), pos

    def _free(self, text: str) -> tuple[int, int]:
        words = canonical_words(text).split(" ")
        if len(words) < 3 or not self.free_first & set(zip(words, words[1:], words[2:])):
            return 0, -1
        flat = " " + " ".join(words) + " "
        found = [v for v in self.free if tuple(v.split(" ")[:3]) in self.free_first and f" {v} " in flat]
        first = found[0].split(" ")[0] if found else ""
        return len(found), (text.find(first) if found else -1)

    def find(self, text: str, raw: str | None = None) -> list[Hit]:
        """Every kind of input value in ``text`` (normalised; ``raw`` is the text before, for secrets)."""
        out = []
        flat = text.replace("_", "-")
        if self.tokens or self.odd is not None:
            found, pos = self._tokens(flat)
            if found:
                out.append(Hit("participant identifier", len(found), pos))
        if self.numeric:
            found, pos = self._numeric(flat)
            if found:
                out.append(Hit("participant identifier (a number, beside an identifier word or key)", len(found), pos))
        if self.postcodes:
            hits = [m for m in _POSTCODE.finditer(text) if m.group(1) + m.group(2) in self.postcodes]
            if hits:
                out.append(Hit("postcode", len({m.group(1) + m.group(2) for m in hits}), hits[0].start()))
        if self.dobs:
            n, pos = self._dates(text)
            if n:
                out.append(Hit("date of birth", n, pos))
        if self.free:
            n, pos = self._free(text)
            if n:
                out.append(Hit("free-text value", n, pos))
        for s in self.secrets:
            where = (raw or text).find(s)
            if where < 0:
                where = text.find(normalise(s))
            if where >= 0:
                out.append(Hit("the pseudonymisation key (or another secret)", 1, where))
        return out


@functools.lru_cache(maxsize=4)
def needles_for(look: LookFor) -> Needles:
    """The :class:`Needles` of ``look``, built once (a batch scans its outputs in several calls)."""
    return Needles(look)
