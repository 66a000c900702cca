"""Small helpers every layer shares: the one "did you mean", the one sha256, and how a message
describes a value from an input file without repeating it (:func:`describe_value`).

This module imports nothing from svimpact, so any module may import it without a cycle.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

__all__ = ["describe_value", "did_you_mean", "sha256"]

_AREA_CODE = re.compile(r"[A-Z]\d{8}")
_POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}", re.IGNORECASE)
_DATE = re.compile(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|(?:19|20)\d{6}|\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]{3,9}\.?,?\s+\d{2,4}"
                   r"|[A-Za-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{2,4}")
_NUMBER = re.compile(r"[-+]?£?(?:\d[\d,]*)?\.?\d+(?:[eE][-+]?\d+)?")


def did_you_mean(word: object, choices: Iterable[object], *, listing: str | None = "valid") -> str:
    """A hint for a mistyped ``word``: ``"did you mean 'x'?"``, or the valid choices when none is close.

    ``listing`` names the choices in the fallback (``"valid keys here: a, b"``); ``None`` gives ``""``
    when nothing is close.
    """
    options = [str(c) for c in choices]
    close = difflib.get_close_matches(str(word), options, n=1)
    if close:
        return f"did you mean '{close[0]}'?"
    if listing is None or not options:
        return ""
    if listing == "valid":
        return f"{listing} choices: {', '.join(sorted(options))}"
    return f"{listing}: {', '.join(options)}"


def sha256(source: str | Path | bytes) -> str:
    """The sha256 (hex) of ``bytes``, or of a file's bytes when given a path (read in 1 MiB chunks)."""
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    h = hashlib.sha256()
    with open(source, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def describe_value(value: object) -> str:
    """What a value read from an input file looks like, without repeating it.

    For messages and notes that may reach a published output (validation problems, quarantine
    lists, errors shown in notebooks): a value from an identifier, postcode, date-of-birth or
    free-text column, or typed into the wrong column, must never be echoed. Area codes (LSOA
    and local authority codes, public geography) are the one kind of value shown as it is.

    Examples
    --------
    >>> describe_value("L1  8JQ"), describe_value("07/03/1984"), describe_value("E01006512")
    ('a postcode-like value', 'a date-like value', "'E01006512'")
    """
    s = "" if value is None else str(value).strip()
    if not s or s.lower() in ("nan", "none", "<na>"):
        return "a blank value"
    if _AREA_CODE.fullmatch(s):
        return f"'{s}'"
    if _POSTCODE.fullmatch(s):
        return "a postcode-like value"
    if _DATE.fullmatch(s):
        return "a date-like value"
    if _NUMBER.fullmatch(s):
        return f"a number of {sum(c.isdigit() for c in s)} digit(s)"
    if _POSTCODE.search(s):
        return "text holding a postcode-like value"
    if _DATE.search(s):
        return "text holding a date-like value"
    words = len(s.split())
    if words == 1 and any(c.isdigit() for c in s) and any(c.isalpha() for c in s):
        return f"an identifier-like value of {len(s)} characters"
    if words > 1 and len(s) > 12:
        return f"free text of {words} words"
    return f"a text value of {len(s)} character(s)"
