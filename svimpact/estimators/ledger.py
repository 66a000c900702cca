"""The additionality ledger: every adjustment of one service, its value and its evidence.

A service's params YAML holds one ``adjustments`` block. Its schema is
:class:`svimpact.io.adjustments.Adjustments` (part of the one params schema), checked once when the
params file is read; :meth:`Ledger.from_mapping` checks a mapping built in code with the same schema
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
from pydantic import ValidationError

from svimpact._results import ResultMixin, result_frame
from svimpact.estimators.additionality import ADJUSTMENT_KINDS
from svimpact.estimators.correlation import RankCorrelation, correlation_matrix
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
from svimpact.io.adjustments import Adjustments, AdjustmentSpec, EvidenceSpec, SourceSpec
from svimpact.io.schema_errors import params_error
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
DIST_NUMBERS = ("value", "low", "mode", "high", "successes", "failures", "prior")


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
        source = _benchmark_source(row["source"], file, _key(where, "source"))
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
    correlations: tuple[RankCorrelation, ...] = ()
    """Rank correlations between entries (Iman-Conover; :mod:`svimpact.estimators.correlation`)."""
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
        if isinstance(mapping, Adjustments):
            model = mapping
        else:
            try:
                model = Adjustments.model_validate(mapping)
            except ValidationError as exc:
                raise params_error(exc, Adjustments, file, (prefix,)) from None
        return cls.from_adjustments(model, file=file, prefix=prefix, benchmarks=benchmarks)

    @classmethod
    def from_adjustments(
        cls,
        model: Adjustments,
        *,
        file: str | None = None,
        prefix: str = "adjustments",
        benchmarks: BenchmarkTable | None = None,
    ) -> Ledger:
        """The ledger of an ``adjustments`` block already checked by its schema
        (:class:`svimpact.io.adjustments.Adjustments`): only what needs the estimators is checked
        here (a share's range, a benchmark level in its file)."""
        entries: dict[str, LedgerEntry] = {}
        for name in LEDGER_KINDS:
            spec = getattr(model, name)
            if spec is None:
                entries[name] = LedgerEntry(name, Fixed(LEDGER_DEFAULTS[name]), None, default=True)
            else:
                entries[name] = _entry(name, spec, file, _key(prefix, name), benchmarks)
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

    def with_correlations(self, pairs: Any, *, key: str = "correlations") -> Ledger:
        """A new ledger with rank correlations between its entries: ``[{between: [a, b], rank, source}]``
        or :class:`RankCorrelation` objects. Names must be ledger entries; the matrix is checked."""
        out = []
        for i, p in enumerate(pairs or ()):
            if isinstance(p, RankCorrelation):
                out.append(p)
                continue
            between = p.get("between") if isinstance(p, Mapping) else None
            if not isinstance(between, (list, tuple)) or len(between) != 2:
                raise ParamsError("between must name two ledger entries", file=self.file, key=f"{key}[{i}].between")
            rank = p.get("rank")
            if isinstance(rank, bool) or not isinstance(rank, (int, float)):
                raise ParamsError(f"rank must be a number in [-1, 1], got {rank!r}", file=self.file, key=f"{key}[{i}].rank")
            out.append(RankCorrelation(str(between[0]), str(between[1]), float(rank), str(p.get("source") or "")))
        correlation_matrix(out, list(LEDGER_KINDS), file=self.file, key=key)
        return replace(self, correlations=tuple(out))

    def correlation_table(self) -> pd.DataFrame:
        """One row per requested rank correlation (empty when the assumptions are independent)."""
        return pd.DataFrame([{"between": f"{c.a} and {c.b}", "rank correlation": c.rank, "source": c.source}
                             for c in self.correlations], columns=["between", "rank correlation", "source"])

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
        """The published table: one row per parameter with its distribution, point (the mode of a
        triangular or PERT, the median of estimator draws unless the estimator gave its own point),
        mean (the expected value the appraisal's central figures use), range, evidence method,
        source and strength."""
        rows = []
        for name, e in self.entries.items():
            d, ev = e.distribution, e.evidence
            lo, hi = d.bounds() if d is not None else (float("nan"), float("nan"))
            rows.append({
                "parameter": name,
                "distribution": ("default " if e.default else "") + (
                    d.describe() if d is not None else f"awaiting estimator {e.estimator}"),
                "point": d.point if d is not None else float("nan"),
                "mean": d.mean if d is not None else float("nan"),
                "low": lo, "high": hi,
                "method": ev.method if ev else "",
                "source": ev.source.cite() if ev and ev.source else "",
                "strength": ev.grade() if ev else "",
            })
        return pd.DataFrame(rows)

    def _notes(self) -> list[str]:
        return [f"From {self.file}." if self.file else "Built in code.",
                "Strength: Maryland Scientific Methods Scale (SMS 1-5) or a confidence grade."]


def _benchmark_source(raw: Any, file: str | None, where: str) -> Source:
    """A benchmark level's source: document, edition and section all required (the schema's SourceSpec)."""
    try:
        spec = SourceSpec.model_validate(raw)
    except ValidationError as exc:
        raise params_error(exc, SourceSpec, file, (where,)) from None
    for k in ("edition", "section"):
        if not (getattr(spec, k) or "").strip():
            raise ParamsError("required for a benchmark level", file=file, key=_key(where, k))
    return Source(**spec.model_dump())


def _evidence(spec: EvidenceSpec) -> Evidence:
    source = Source(**spec.source.model_dump()) if spec.source is not None else None
    return Evidence(spec.method, source, spec.sms_level, spec.confidence)


def _entry(name: str, spec: AdjustmentSpec, file: str | None, where: str,
           benchmarks: BenchmarkTable | None) -> LedgerEntry:
    if spec.benchmark is not None:
        if benchmarks is None:
            raise ParamsError("uses a benchmark level but no benchmark file was given; pass "
                              "benchmarks=load_benchmarks(path)", file=file, key=_key(where, "benchmark"))
        b = benchmarks.get(name, spec.benchmark)
        grade = spec.benchmark_grade
        level, conf = (grade.sms_level, grade.confidence) if grade else (None, None)
        return LedgerEntry(name, b.distribution, Evidence("benchmark", b.source, level,
                                                          conf if (level or conf) else "low"))
    assert spec.evidence is not None  # the schema requires evidence for every other entry
    evidence = _evidence(spec.evidence)
    if spec.dist == "estimator":
        return LedgerEntry(name, None, evidence, estimator=spec.estimator)
    numbers = spec.model_dump(exclude_none=True, include={"dist", *DIST_NUMBERS})
    dist = parse_distribution(numbers, key=where, file=file)
    check_kind(dist, LEDGER_KINDS[name], key=where, file=file)
    return LedgerEntry(name, dist, evidence)
