"""The schema of a params file's ``adjustments`` block (the additionality ledger), in pydantic.

Part of the one params schema (:class:`svimpact.io.params.ServiceParams`): keys, types, the keys
each distribution needs, ordering (low <= mode <= high) and the evidence rules are checked when
the params file is read, with errors that name the file and the key path
(``adjustments.deadweight.low``). What needs the estimators (a share's draws inside [0, 1], a
benchmark level looked up in a benchmark file) is checked when the ledger is built from this
model (:meth:`svimpact.estimators.ledger.Ledger.from_mapping`). A leaf module: it imports nothing
from svimpact, so both the params models and the ledger can use it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

__all__ = ["ADJUSTMENT_NAMES", "DIST_KEYS", "AdjustmentSpec", "Adjustments", "EvidenceSpec", "GradeSpec",
           "SourceSpec"]


def _number(v: Any) -> Any:
    """A number as written: ints and floats only (no booleans, no numbers in quotes)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"expected a number, got {v!r}")
    return v


Number = Annotated[float, BeforeValidator(_number)]

ADJUSTMENT_NAMES = ("leakage", "deadweight", "displacement", "substitution", "attribution", "multiplier",
                    "persistence", "drop_off", "optimism_bias")
"""Every ledger entry a params file may give, in the order the ledger lists them."""

DIST_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "fixed": (("value",), ()),
    "uniform": (("low", "high"), ()),
    "triangular": (("low", "mode", "high"), ()),
    "pert": (("low", "mode", "high"), ()),
    "beta": (("successes", "failures"), ("prior",)),
    "estimator": (("estimator",), ()),
}
"""Distribution name -> (required keys, optional keys) as written in params YAML."""

_NUMBERS = ("value", "low", "mode", "high", "successes", "failures", "prior")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class SourceSpec(_Strict):
    document: str
    edition: str | None = None
    section: str | None = None
    note: str | None = None


class GradeSpec(_Strict):
    """The strength of a benchmark entry's evidence (its source comes from the benchmark file)."""

    sms_level: Literal[1, 2, 3, 4, 5] | None = None
    confidence: Literal["low", "medium", "high"] | None = None


class EvidenceSpec(_Strict):
    method: Literal["comparison_group", "survey", "geography", "benchmark", "assumption"]
    source: SourceSpec | None = None
    sms_level: Literal[1, 2, 3, 4, 5] | None = None
    confidence: Literal["low", "medium", "high"] | None = None

    @model_validator(mode="after")
    def _grounded(self) -> EvidenceSpec:
        if self.sms_level is None and self.confidence is None:
            raise ValueError("give the Maryland SMS level (sms_level: 1-5) or a confidence grade "
                             "(confidence: low | medium | high)")
        if self.method != "assumption" and self.source is None:
            raise ValueError(f"evidence by {self.method} needs a source (document, edition, section)")
        if self.method == "benchmark" and self.source is not None and not (self.source.edition and self.source.section):
            raise ValueError("a benchmark's source needs document, edition and section")
        return self


class AdjustmentSpec(_Strict):
    """One adjustment: a fixed value, a distribution, an estimator placeholder or a benchmark level."""

    dist: Literal["fixed", "uniform", "triangular", "pert", "beta", "estimator"] | None = None
    value: Number | None = None
    low: Number | None = None
    mode: Number | None = None
    high: Number | None = None
    successes: Number | None = None
    failures: Number | None = None
    prior: Number | None = None
    estimator: str | None = None
    benchmark: str | None = None
    benchmark_grade: GradeSpec | None = None  # a benchmark entry's ``evidence:`` (grade only)
    evidence: EvidenceSpec | None = None

    @model_validator(mode="before")
    @classmethod
    def _flat_form(cls, data: Any) -> Any:
        """``{value: 0.2, evidence: survey, source: "text", sms_level: 1}`` -> the nested form; a
        benchmark entry's ``evidence`` (a grade only) -> ``benchmark_grade``; a bare number refused."""
        if not isinstance(data, dict):
            raise ValueError("each adjustment needs a value (or dist) and its evidence, e.g. "
                             "{value: 0.2, evidence: {method: assumption, confidence: low}}")
        if data.get("benchmark") is not None and isinstance(data.get("evidence"), dict):
            data = dict(data)
            data["benchmark_grade"] = data.pop("evidence")
            return data
        if not isinstance(data.get("evidence"), str):
            return data
        data = dict(data)
        evidence: dict[str, Any] = {"method": str(data.pop("evidence")).strip().replace(" ", "_")}
        source = data.pop("source", None)
        if source is not None:
            evidence["source"] = {"document": source} if isinstance(source, str) else source
        for key in ("sms_level", "confidence"):
            if key in data:
                evidence[key] = data.pop(key)
        return {**data, "evidence": evidence}

    @model_validator(mode="after")
    def _keys_fit_the_distribution(self) -> AdjustmentSpec:
        given = {k for k in (*_NUMBERS, "estimator") if getattr(self, k) is not None}
        if self.benchmark is not None:
            if self.dist is not None or given or self.evidence is not None:
                raise ValueError("a benchmark entry takes its value and source from the benchmark file: give "
                                 "'benchmark' and, optionally, 'evidence' with sms_level or confidence")
            return self
        if self.evidence is None:
            raise ValueError("evidence is required (method, source, sms_level or confidence)")
        dist = self.dist or ("fixed" if self.value is not None else None)
        if dist is None:
            raise ValueError(f"give either 'value' (a fixed number) or 'dist' with its keys "
                             f"(valid dist names: {', '.join(DIST_KEYS)})")
        required, optional = DIST_KEYS[dist]
        missing = [k for k in required if k not in given]
        extra = sorted(given - set(required) - set(optional))
        if missing:
            raise ValueError(f"a {dist} distribution needs {', '.join(required)}; missing {', '.join(missing)}")
        if extra:
            raise ValueError(f"a {dist} distribution takes {', '.join(required + optional)}; "
                             f"remove {', '.join(extra)}")
        points = [getattr(self, k) for k in ("low", "mode", "high") if getattr(self, k) is not None]
        if points != sorted(points):
            raise ValueError(f"a {dist} distribution needs low <= mode <= high")
        return self


class Adjustments(_Strict):
    """The ``adjustments`` block: each entry a number or an :class:`AdjustmentSpec` (absent: neutral default)."""

    leakage: AdjustmentSpec | None = None
    deadweight: AdjustmentSpec | None = None
    displacement: AdjustmentSpec | None = None
    substitution: AdjustmentSpec | None = None
    attribution: AdjustmentSpec | None = None
    multiplier: AdjustmentSpec | None = None
    persistence: AdjustmentSpec | None = None
    drop_off: AdjustmentSpec | None = None
    optimism_bias: AdjustmentSpec | None = None
