"""Evidence behind a ledger entry: where a number came from (:class:`Source`) and how strong it is.

:class:`Evidence` holds the method (comparison group, survey, geography, benchmark or assumption) and
a Maryland SMS level (1-5) and/or a confidence grade; both parse from the params YAML with errors
naming the file and key path (see :mod:`svimpact.estimators.ledger`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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

    @classmethod
    def from_mapping(cls, m: Any, *, file: str | None, where: str, need_full: bool) -> Source:
        if not isinstance(m, Mapping):
            raise ParamsError("source must be a mapping with document, edition, section",
                              file=file, key=where)
        for k in m:
            if k not in ("document", "edition", "section", "note"):
                raise unknown_key(str(k), ["document", "edition", "section", "note"], file, where)
        required = ("document", "edition", "section") if need_full else ("document",)
        for k in required:
            if not str(m.get(k) or "").strip():
                raise ParamsError("required for this evidence method", file=file,
                                  key=key_path(where, k))
        return cls(*(None if m.get(k) is None else str(m[k])
                     for k in ("document", "edition", "section", "note")))  # type: ignore[arg-type]


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

    @classmethod
    def from_mapping(cls, m: Any, *, file: str | None, where: str) -> Evidence:
        allowed = ["method", "source", "sms_level", "confidence"]
        if not isinstance(m, Mapping):
            raise ParamsError("evidence must be a mapping (method, source, sms_level or "
                              "confidence)", file=file, key=where)
        for k in m:
            if k not in allowed:
                raise unknown_key(str(k), allowed, file, where)
        method = m.get("method")
        src = m.get("source")
        source = None if src is None else Source.from_mapping(
            src, file=file, where=key_path(where, "source"), need_full=method == "benchmark")
        try:
            return cls(str(method) if method is not None else "", source, m.get("sms_level"),
                       m.get("confidence"))
        except ParamsError as exc:
            key = exc.key if method is not None or exc.key != "method" else "method"
            msg = str(exc).split(": ", 1)[1] if ": " in str(exc) else str(exc)
            raise ParamsError(msg, file=file, key=key_path(where, key or "")) from None

    def grade(self) -> str:
        parts = []
        if self.sms_level is not None:
            parts.append(f"SMS {self.sms_level}")
        if self.confidence:
            parts.append(f"{self.confidence} confidence")
        return ", ".join(parts)
