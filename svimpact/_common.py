"""Small helpers every layer shares: the one "did you mean" and the one sha256.

This module imports nothing from svimpact, so any module may import it without a cycle.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable
from pathlib import Path

__all__ = ["did_you_mean", "sha256"]


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
