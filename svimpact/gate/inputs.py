"""What the gate looks for, read from the services' inputs: a :class:`LookFor`.

* **identifiers**: the values of the id column of the records and comparison files and of
  ``respondent_id`` in the survey, raw and pseudonymised (the service's key);
* **postcodes**: the values of postcode columns (:func:`~svimpact.io.schemas.is_postcode_name`)
  and any postcode-shaped value typed anywhere else in the records (a postcode in the area
  column);
* **dates of birth**: the values of columns named like one (``dob``, ``date_of_birth``,
  ``birth_date``...), read as the validation reads dates;
* **free text**: values of free-text columns (named like one: ``notes``, ``comments``,
  ``description``...; or text columns whose values are mostly distinct and several words long)
  that are long enough to mean something (at least three words and fifteen characters) and
  not stock phrases (held by more records than the suppression limit);
* **secrets**: the pseudonymisation key.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from svimpact.exceptions import SvimpactError
from svimpact.geo.postcodes import normalise_postcode
from svimpact.io.dates import parse_dates
from svimpact.io.pseudonymise import get_pseudonym_key, pseudonymise
from svimpact.io.readers import read_table
from svimpact.io.schemas import is_date_name, is_postcode_name

__all__ = ["LookFor", "canonical_words", "input_identifiers", "is_dob_name", "is_free_text_name"]

_DOB_NAME = re.compile(r"^(dob|d_o_b|date_?of_?birth|birth_?date|birthdate|birthday)$|(^|_)dob($|_)", re.IGNORECASE)
_FREE_NAME = re.compile(r"(^|_)(notes?|comments?|remarks?|descriptions?|details?|narrative|text|free_?text|feedback"
                        r"|reasons?|story|stories|summary|quotes?|verbatim|observations?|other)($|_)", re.IGNORECASE)
_POSTCODE_IN_TEXT = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+")
MIN_FREE_WORDS, MIN_FREE_CHARS, STOCK_PHRASE_ROWS = 3, 15, 8


def is_dob_name(name: str) -> bool:
    """A column holding dates of birth, by name (``dob``, ``date_of_birth``, ``birth_date``...)."""
    return bool(_DOB_NAME.search(str(name)))


def is_free_text_name(name: str) -> bool:
    """A column holding free text, by name (``notes``, ``comments``, ``description``...)."""
    return bool(_FREE_NAME.search(str(name)))


def canonical_words(text: str) -> str:
    """Lower-case words (letters and digits) joined by single spaces: how free text is compared."""
    return " ".join(_WORD.findall(text.lower()))


@dataclass(frozen=True)
class LookFor:
    """What must not appear in a published file, from the inputs (see the module docstring)."""

    identifiers: frozenset[str] = frozenset()
    postcodes: frozenset[str] = frozenset()
    dates_of_birth: frozenset[dt.date] = frozenset()
    free_text: frozenset[str] = frozenset()
    secrets: tuple[str, ...] = ()
    id_columns: frozenset[str] = field(default_factory=lambda: frozenset({"respondent_id"}))

    def __or__(self, other: LookFor) -> LookFor:
        return LookFor(self.identifiers | other.identifiers, self.postcodes | other.postcodes,
                       self.dates_of_birth | other.dates_of_birth, self.free_text | other.free_text,
                       tuple(dict.fromkeys(self.secrets + other.secrets)), self.id_columns | other.id_columns)


def _text_columns(frame: pd.DataFrame, skip: set[str]) -> list[str]:
    return [c for c in frame.columns if c not in skip and frame[c].notna().any()
            and pd.to_numeric(frame[c], errors="coerce").isna().sum() > 0.5 * frame[c].notna().sum()]


def _free_text(frame: pd.DataFrame, columns: list[str]) -> set[str]:
    out: set[str] = set()
    for col in columns:
        values = frame[col].dropna().astype(str).map(canonical_words)
        values = values[values.ne("")]
        if values.empty:
            continue
        words = values.str.count(" ") + 1
        if not is_free_text_name(col) and not (values.nunique() >= 0.5 * len(values) and words.median() >= MIN_FREE_WORDS):
            continue
        counts = values.value_counts()
        out |= {v for v, n in counts.items() if n < STOCK_PHRASE_ROWS and len(v) >= MIN_FREE_CHARS
                and v.count(" ") + 1 >= MIN_FREE_WORDS}
    return out


def _dates_of_birth(frame: pd.DataFrame, date_format: str) -> set[dt.date]:
    out: set[dt.date] = set()
    for col in (c for c in frame.columns if is_dob_name(c)):
        values = parse_dates(frame[col], date_format=date_format).values.dropna()
        out |= {d.date() for d in values}
    return out


def _postcodes(frame: pd.DataFrame) -> set[str]:
    out: set[str] = set()
    for col in frame.columns:
        values = frame[col].dropna().astype(str)
        if is_postcode_name(col):
            out |= set(values)
        else:
            out |= set(_POSTCODE_IN_TEXT.findall("\n".join(values.unique())))
    return {p for p in (normalise_postcode(v) for v in out) if p}


def _one_service(sp) -> LookFor:
    ids: set[str] = set()
    secrets: tuple[str, ...] = ()
    try:
        key = get_pseudonym_key(synthetic=sp.synthetic, params_file=sp.source_file)
        secrets = (key.secret.decode("utf-8", errors="replace"),)
    except SvimpactError:
        key = None
    found = LookFor(secrets=secrets, id_columns=frozenset({sp.id_column, "respondent_id"}))
    for role, id_col in (("participants", sp.id_column), ("comparison", sp.id_column), ("survey", "respondent_id")):
        path = getattr(sp.data, role)
        if path is None:
            continue
        try:
            frame = read_table(path, dtype=str, sheet=(getattr(sp.data, "sheets", None) or {}).get(role))
        except SvimpactError:
            continue
        if id_col in frame:
            raw = frame[id_col].dropna().astype(str).str.strip()
            ids |= set(raw)
            if key is not None:
                ids |= set(pseudonymise(raw, key).dropna())
        skip = {id_col, getattr(sp, "area_column", ""), *(c for c in frame.columns
                                                           if is_date_name(c) or is_postcode_name(c) or is_dob_name(c))}
        found = found | LookFor(postcodes=frozenset(_postcodes(frame)),
                                dates_of_birth=frozenset(_dates_of_birth(frame, getattr(sp, "date_format", "auto"))),
                                free_text=frozenset(_free_text(frame, _text_columns(frame, skip))))
    return found | LookFor(identifiers=frozenset(ids))


def input_identifiers(params_list: Iterable) -> LookFor:
    """Everything the gate looks for (:class:`LookFor`), from the inputs of services' params.

    Parameters
    ----------
    params_list : iterable of ServiceParams

    Returns
    -------
    LookFor
    """
    found = LookFor()
    for sp in params_list:
        found = found | _one_service(sp)
    return found
