"""The additionality ledger: every adjustment of one service, its value and its evidence.

A service's params YAML holds one ``adjustments`` block; :meth:`Ledger.from_mapping` validates it
and raises :class:`~svimpact.ParamsError` naming the file and key path
(``adjustments.deadweight.low``)::

    adjustments:
      deadweight:
        dist: triangular          # or value: 0.2; uniform / pert / beta; or estimator (below)
        low: 0.1
        mode: 0.2
        high: 0.35
        evidence:
          method: survey          # comparison_group | survey | geography | benchmark | assumption
          source: {document: "Beneficiary survey 2025", edition: "v2", section: "Q7"}
          sms_level: 1            # Maryland SMS 1-5, and/or confidence: low | medium | high

A parameter filled later by a comparison-group estimator is written
``deadweight: {dist: estimator, estimator: psm, evidence: {...}}`` and filled in code with
``ledger.with_estimate("deadweight", estimate, source)`` (or ``with_draws``).

Entries: deadweight, leakage, displacement, substitution, attribution (shares), multiplier (>= 0),
persistence (years), drop_off (share), optimism_bias (>= 0). Missing entries take the neutral
default (0; multiplier 1; persistence 1 year) and are listed as defaults in the ledger table.

The flat form ``{value: 0.2, evidence: survey, source: "text", sms_level: 1}`` (evidence as a
method name, source as text) is accepted too.

A published benchmark level is referenced with ``benchmark: <level>`` when a
:class:`BenchmarkTable` (``params/values/benchmarks.TEMPLATE.yaml`` format, every level with its
source) is passed; its value and source fill the entry.

:class:`Source` and :class:`Evidence` live in :mod:`svimpact.estimators.evidence` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from svimpact._results import ResultMixin, result_frame
from svimpact.estimators.additionality import ADJUSTMENT_KINDS
from svimpact.estimators.distributions import (
    Distribution,
    Draws,
    Fixed,
    Kind,
    as_distribution,
    check_kind,
    parse_distribution,
)
from svimpact.estimators.evidence import CONFIDENCE, EVIDENCE_METHODS, Evidence, Source
from svimpact.estimators.evidence import key_path as _key
from svimpact.estimators.evidence import unknown_key as _unknown
from svimpact.exceptions import ParamsError
from svimpact.io.yamlfile import read_yaml

__all__ = [
    "CONFIDENCE",
    "EVIDENCE_METHODS",
    "LEDGER_DEFAULTS",
    "LEDGER_KINDS",
    "Benchmark",
    "BenchmarkTable",
    "Evidence",
    "Ledger",
    "LedgerEntry",
    "Source",
    "load_benchmarks",
]

LEDGER_KINDS: dict[str, Kind] = {
    **ADJUSTMENT_KINDS,
    "persistence": "nonnegative",
    "drop_off": "share",
    "optimism_bias": "nonnegative",
}
LEDGER_DEFAULTS = {name: 0.0 for name in LEDGER_KINDS} | {"multiplier": 1.0, "persistence": 1.0}
_ENTRY_KEYS = ("evidence", "estimator", "benchmark")


@dataclass(frozen=True)
class LedgerEntry:
    """One adjustment: its distribution (``None`` while it awaits estimator draws) and evidence."""

    name: str
    distribution: Distribution | None
    evidence: Evidence | None
    estimator: str | None = None
    default: bool = False


@dataclass(frozen=True)
class Benchmark:
    """A published benchmark level for one factor, with its source (never unsourced)."""

    factor: str
    level: str
    distribution: Distribution
    source: Source
    context: str = ""


@dataclass(frozen=True)
class BenchmarkTable:
    """Benchmark levels users copied from the documents themselves (see the template file)."""

    benchmarks: tuple[Benchmark, ...]
    file: str | None = None

    def get(self, factor: str, level: str) -> Benchmark:
        for b in self.benchmarks:
            if b.factor == factor and b.level == level:
                return b
        have = sorted({b.level for b in self.benchmarks if b.factor == factor})
        raise ParamsError(f"no benchmark level {level!r} for {factor}; the file has "
                          f"{', '.join(have) or 'none'} - add it, with its source",
                          file=self.file, key=f"{factor}.{level}")


def load_benchmarks(path: str | Path) -> BenchmarkTable:
    """Read a benchmark file: ``benchmarks: [{factor, level, value | dist..., source, context}]``.

    Every level needs ``source.document``, ``source.edition`` and ``source.section``.
    """
    data = read_yaml(path)
    file = str(path)
    rows = data.get("benchmarks")
    if not isinstance(rows, list):
        raise ParamsError("expected a list under 'benchmarks'", file=file, key="benchmarks")
    out = []
    for i, row in enumerate(rows):
        where = f"benchmarks[{i}]"
        if not isinstance(row, Mapping):
            raise ParamsError("each benchmark must be a mapping", file=file, key=where)
        for k in ("factor", "level", "source"):
            if k not in row:
                raise ParamsError("required field is missing", file=file, key=_key(where, k))
        factor = str(row["factor"])
        if factor not in LEDGER_KINDS:
            raise _unknown(factor, list(LEDGER_KINDS), file, _key(where, "factor"))
        source = Source.from_mapping(row["source"], file=file, where=_key(where, "source"),
                                     need_full=True)
        dist = parse_distribution(row, key=where, file=file,
                                  extra_keys=("factor", "level", "source", "context"))
        check_kind(dist, LEDGER_KINDS[factor], key=where, file=file)
        out.append(Benchmark(factor, str(row["level"]), dist, source, str(row.get("context", ""))))
    return BenchmarkTable(tuple(out), file)


@dataclass(frozen=True)
class Ledger(ResultMixin):
    """All adjustments of one service, each with its distribution and evidence.

    Build with :meth:`from_mapping`; fill an estimator placeholder with :meth:`with_draws`;
    :meth:`distributions` gives every parameter (defaults included) for the chain.
    """

    entries: Mapping[str, LedgerEntry]
    file: str | None = None
    _title = "Additionality ledger"

    @classmethod
    def from_mapping(
        cls,
        mapping: Mapping[str, Any],
        *,
        file: str | None = None,
        prefix: str = "adjustments",
        benchmarks: BenchmarkTable | None = None,
    ) -> Ledger:
        """Validate an ``adjustments`` mapping (or a whole params mapping holding one).

        Raises
        ------
        ParamsError
            With ``file`` and the key path, e.g. ``adjustments.deadweight.low``.
        """
        if isinstance(mapping, Mapping) and isinstance(mapping.get("adjustments"), Mapping):
            mapping = mapping["adjustments"]
        if not isinstance(mapping, Mapping):
            raise ParamsError("expected a mapping of adjustments", file=file, key=prefix)
        entries: dict[str, LedgerEntry] = {}
        for name, spec in mapping.items():
            if name not in LEDGER_KINDS:
                raise _unknown(str(name), list(LEDGER_KINDS), file, prefix)
            entries[name] = _parse_entry(str(name), spec, file, _key(prefix, str(name)), benchmarks)
        for name, value in LEDGER_DEFAULTS.items():
            entries.setdefault(name, LedgerEntry(name, Fixed(value), None, default=True))
        return cls({k: entries[k] for k in LEDGER_KINDS}, file)

    def with_draws(
        self, name: str, distribution: Any, evidence: Evidence | None = None
    ) -> Ledger:
        """A new ledger with ``name`` set to ``distribution`` (e.g. an estimator's draws)."""
        if name not in self.entries:
            raise _unknown(name, list(LEDGER_KINDS), self.file, "adjustments")
        dist = check_kind(as_distribution(distribution, key=name), LEDGER_KINDS[name],
                          key=f"adjustments.{name}", file=self.file)
        old = self.entries[name]
        ev = evidence or old.evidence
        if ev is None:
            raise ParamsError("give the evidence for these draws (Evidence(method=..., "
                              "sms_level=...))", file=self.file, key=f"adjustments.{name}")
        new = replace(old, distribution=dist, evidence=ev, default=False)
        return replace(self, entries={**self.entries, name: new})

    def with_estimate(self, name: str, estimate: Any, source: Source) -> Ledger:
        """A new ledger with ``name`` from a comparison-group estimate's draws.

        The evidence is ``comparison_group`` at the estimate's ``sms_level``.
        """
        level = getattr(estimate, "sms_level", None)
        evidence = Evidence("comparison_group", source, level, None if level else "low")
        return self.with_draws(name, Draws.from_estimate(estimate, name), evidence)

    def distributions(self) -> dict[str, Distribution]:
        """Every parameter's distribution; an unfilled estimator placeholder is an error."""
        out = {}
        for name, e in self.entries.items():
            if e.distribution is None:
                raise ParamsError(
                    f"{name} awaits draws from estimator {e.estimator!r}; call "
                    f"ledger.with_draws({name!r}, estimate.to_distribution()) first",
                    file=self.file, key=f"adjustments.{name}")
            out[name] = e.distribution
        return out

    def __getitem__(self, name: str) -> LedgerEntry:
        return self.entries[name]

    def to_frame(self) -> pd.DataFrame:
        """The results contract (``RESULT_COLUMNS``): each parameter's point value and range, the
        evidence method and its source (the distribution and strength are in :meth:`table`)."""
        rows = []
        for name, e in self.entries.items():
            d, ev = e.distribution, e.evidence
            lo, hi = d.bounds() if d is not None else (float("nan"), float("nan"))
            rows.append({
                "measure": name, "value": d.point if d is not None else float("nan"),
                "lower": lo, "upper": hi,
                "method": ev.method if ev else f"awaiting estimator {e.estimator}",
                "source": ev.source.cite() if ev and ev.source else "",
            })
        return result_frame(rows)

    def table(self) -> pd.DataFrame:
        """The published table: one row per parameter with its distribution, point, range,
        evidence method, source and strength."""
        rows = []
        for name, e in self.entries.items():
            d, ev = e.distribution, e.evidence
            lo, hi = d.bounds() if d is not None else (float("nan"), float("nan"))
            rows.append({
                "parameter": name,
                "distribution": ("default " if e.default else "") + (
                    d.describe() if d is not None else f"awaiting estimator {e.estimator}"),
                "point": d.point if d is not None else float("nan"),
                "low": lo, "high": hi,
                "method": ev.method if ev else "",
                "source": ev.source.cite() if ev and ev.source else "",
                "strength": ev.grade() if ev else "",
            })
        return pd.DataFrame(rows)

    def _notes(self) -> list[str]:
        return [f"From {self.file}." if self.file else "Built in code.",
                "Strength: Maryland Scientific Methods Scale (SMS 1-5) or a confidence grade."]


def _parse_entry(
    name: str, spec: Any, file: str | None, where: str, benchmarks: BenchmarkTable | None
) -> LedgerEntry:
    if not isinstance(spec, Mapping):
        raise ParamsError("each adjustment needs a value (or dist) and its evidence, e.g. "
                          "{value: 0.2, evidence: {method: assumption, confidence: low}}",
                          file=file, key=where)
    if "benchmark" in spec:
        return _benchmark_entry(name, spec, file, where, benchmarks)
    if "evidence" not in spec:
        raise ParamsError("evidence is required (method, source, sms_level or confidence)",
                          file=file, key=_key(where, "evidence"))
    flat = isinstance(spec["evidence"], str)
    if flat:
        spec = _nest_flat_evidence(spec)
    evidence = Evidence.from_mapping(spec["evidence"], file=file,
                                     where=where if flat else _key(where, "evidence"))
    if spec.get("dist") == "estimator":
        extra = set(spec) - {"dist", "estimator", "evidence"}
        if extra:
            raise _unknown(sorted(extra)[0], ["dist", "estimator", "evidence"], file, where)
        if not str(spec.get("estimator") or "").strip():
            raise ParamsError("name the estimator whose draws fill this parameter",
                              file=file, key=_key(where, "estimator"))
        return LedgerEntry(name, None, evidence, estimator=str(spec["estimator"]))
    dist = parse_distribution(spec, key=where, file=file, extra_keys=_ENTRY_KEYS)
    check_kind(dist, LEDGER_KINDS[name], key=where, file=file)
    return LedgerEntry(name, dist, evidence)


def _nest_flat_evidence(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Accept the flat form ``{value, evidence: survey, source: "text", sms_level: 1}``."""
    body = dict(spec)
    ev: dict[str, Any] = {"method": str(body.pop("evidence")).strip().replace(" ", "_")}
    if "source" in body:
        src = body.pop("source")
        ev["source"] = src if isinstance(src, Mapping) else {"document": src}
    for k in ("sms_level", "confidence"):
        if k in body:
            ev[k] = body.pop(k)
    body["evidence"] = ev
    return body


def _benchmark_entry(
    name: str, spec: Mapping[str, Any], file: str | None, where: str,
    benchmarks: BenchmarkTable | None,
) -> LedgerEntry:
    if benchmarks is None:
        raise ParamsError("uses a benchmark level but no benchmark file was given; pass "
                          "benchmarks=load_benchmarks(path)", file=file,
                          key=_key(where, "benchmark"))
    extra = set(spec) - {"benchmark", "evidence"}
    if extra:
        raise _unknown(sorted(extra)[0], ["benchmark", "evidence"], file, where)
    b = benchmarks.get(name, str(spec["benchmark"]))
    ev_map = spec.get("evidence") or {}
    grade = {k: ev_map[k] for k in ("sms_level", "confidence") if k in ev_map} or {
        "confidence": "low"}
    evidence = Evidence("benchmark", b.source, grade.get("sms_level"), grade.get("confidence"))
    return LedgerEntry(name, b.distribution, evidence)


