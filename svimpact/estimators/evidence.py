"""Evidence behind a ledger entry: where a number came from (:class:`Source`) and how strong it is.

:class:`Evidence` holds the method (comparison group, survey, geography, benchmark or assumption) and
a Maryland SMS level (1-5) and/or a confidence grade; both parse from the params YAML with errors
naming the file and key path (see :mod:`svimpact.estimators.ledger`).
"""

from __future__ import annotations

from dataclasses import dataclass

from svimpact._common import did_you_mean
from svimpact.exceptions import ParamsError

__all__ = ["CONFIDENCE", "EVIDENCE_METHODS", "Evidence", "Source", "key_path", "unknown_key"]

EVIDENCE_METHODS = ("comparison_group", "survey", "geography", "benchmark", "assumption")
CONFIDENCE = ("low", "medium", "high")


def key_path(*parts: str) -> str:
    return ".".join(p for p in parts if p)


def unknown_key(key: str, allowed: list[str], file: str | None, where: str) -> ParamsError:
    hint = did_you_mean(key, allowed, listing="expected one of")
    return ParamsError(f"unknown key; {hint}", file=file, key=key_path(where, key))


@dataclass(frozen=True)
class Source:
    """Where a number came from: document, edition, section (or table, page...)."""

    document: str
    edition: str | None = None
    section: str | None = None
    note: str | None = None

    def cite(self) -> str:
        return ", ".join(p for p in (self.document, self.edition, self.section) if p)


@dataclass(frozen=True)
class Evidence:
    """How a parameter was obtained and how strong that evidence is."""

    method: str
    source: Source | None = None
    sms_level: int | None = None
    confidence: str | None = None

    def __post_init__(self) -> None:
        if self.method not in EVIDENCE_METHODS:
            raise ParamsError(f"unknown evidence method {self.method!r}; valid: "
                              f"{', '.join(EVIDENCE_METHODS)}", key="method")
        if self.sms_level is not None and self.sms_level not in (1, 2, 3, 4, 5):
            raise ParamsError(f"sms_level must be 1-5 (Maryland Scientific Methods Scale), got "
                              f"{self.sms_level!r}", key="sms_level")
        if self.confidence is not None and self.confidence not in CONFIDENCE:
            raise ParamsError(f"confidence must be one of {', '.join(CONFIDENCE)}",
                              key="confidence")
        if self.sms_level is None and self.confidence is None:
            raise ParamsError("give the Maryland SMS level (sms_level: 1-5) or a confidence "
                              "grade (confidence: low | medium | high)", key="sms_level")
        if self.method != "assumption" and self.source is None:
            raise ParamsError(f"evidence by {self.method} needs a source (document, edition, "
                              "section)", key="source")

    def grade(self) -> str:
        parts = []
        if self.sms_level is not None:
            parts.append(f"SMS {self.sms_level}")
        if self.confidence:
            parts.append(f"{self.confidence} confidence")
        return ", ".join(parts)
