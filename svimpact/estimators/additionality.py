"""Gross to net additional impact (HCA *Additionality Guide*, 4th ed. 2014; METHODS.md section 1).

Two forms are supported:

* the **deadweight-share shortcut**: ``AI = GI (1-L) (1-DW) (1-Dp) (1-S) (1-A) M``;
* the **full reference case**: ``AI = GI (1-L)(1-Dp)(1-S)(1-A) M - GI* (1-L*)(1-Dp*)(1-S*)(1-A) M*``
  (pass ``reference=ReferenceCase(gross=GI*, ...)``; starred factors default to the
  intervention's own, drawn jointly with it).

``A`` is attribution (SROI practice), applied to both cases alike. Every adjustment may be a number
or a :mod:`~svimpact.estimators.distributions` spec; with plain numbers every line is exact.

The intermediate lines, in order: gross, after leakage, after deadweight, after displacement,
after substitution, after attribution, after multiplier (= net additional). In the full form each
line after leakage is (intervention so far) - (reference case so far).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from svimpact._results import Interval, ResultMixin, result_frame
from svimpact.estimators.charts import waterfall_chart
from svimpact.estimators.distributions import (
    Distribution,
    Kind,
    as_distribution,
    check_kind,
    draw_all,
    resolve_seed,
)
from svimpact.estimators.montecarlo import interval_around
from svimpact.exceptions import ParamsError

__all__ = [
    "ADJUSTMENT_KINDS",
    "LINES",
    "NetAdditionalResult",
    "ReferenceCase",
    "chain_lines",
    "net_additional",
]

ADJUSTMENT_KINDS: dict[str, Kind] = {
    "leakage": "share",
    "deadweight": "deadweight",
    "displacement": "share",
    "substitution": "share",
    "attribution": "share",
    "multiplier": "nonnegative",
}
"""The chain's adjustments, in the order they are applied, and the range each must lie in
(``deadweight``: a share when stated, any value when drawn from a comparison-group estimate, so a
null or negative effect flows through as a negative net; see ``check_kind``)."""

LINES: tuple[str, ...] = (
    "gross",
    "after leakage",
    "after deadweight",
    "after displacement",
    "after substitution",
    "after attribution",
    "after multiplier",
)
_REF_FACTORS = ("leakage", "displacement", "substitution", "multiplier")


@dataclass(frozen=True)
class ReferenceCase:
    """The reference case (what would have happened anyway) for the full form.

    ``gross`` is GI*, the gross outcome without the intervention. A factor left as ``None`` takes
    the intervention's value (and its draws), which makes the full form equal to the shortcut
    with ``DW = GI* / GI``.
    """

    gross: Any = None
    leakage: Any = None
    displacement: Any = None
    substitution: Any = None
    multiplier: Any = None
    share: Any = None
    """GI* as a share of gross (e.g. a comparison group's counterfactual / observed rate): then
    ``GI* = share x GI`` draw by draw, tied to gross instead of drawn independently of it."""

    def distributions(self) -> dict[str, Distribution]:
        """The reference case's own parameters as ``reference.<name>`` distributions."""
        if (self.gross is None) == (self.share is None):
            raise ParamsError("give the reference case's gross or share of gross (one of them)", key="reference")
        out = ({"reference.gross": _checked(self.gross, "reference.gross", "nonnegative")} if self.share is None
               else {"reference.share": _checked(self.share, "reference.share", "share")})
        for name in _REF_FACTORS:
            value = getattr(self, name)
            if value is not None:
                key = f"reference.{name}"
                out[key] = _checked(value, key, ADJUSTMENT_KINDS[name])
        return out


def _checked(value: Any, key: str, kind: Kind) -> Distribution:
    return check_kind(as_distribution(value, key=key), kind, key=key)


def chain_lines(p: Mapping[str, Any], full_form: bool = False) -> dict[str, Any]:
    """Apply the chain to arrays (or floats) of parameters; return every line.

    ``p`` holds ``gross`` and the adjustments named in :data:`ADJUSTMENT_KINDS`; for the full form
    also ``reference.gross`` and optionally ``reference.<factor>``. Vectorised over draws.
    """
    g = p["gross"]
    one = lambda name: 1 - p[name]  # noqa: E731
    lines: dict[str, Any] = {"gross": g}
    if not full_form:
        x = g * one("leakage")
        lines["after leakage"] = x
        x = x * one("deadweight")
        lines["after deadweight"] = x
        x = x * one("displacement")
        lines["after displacement"] = x
        x = x * one("substitution")
        lines["after substitution"] = x
        x = x * one("attribution")
        lines["after attribution"] = x
        lines["after multiplier"] = x * p["multiplier"]
        return lines
    ref = lambda name: p.get(f"reference.{name}", p[name])  # noqa: E731
    i = g * one("leakage")
    ref_gross = p["reference.gross"] if "reference.gross" in p else p["reference.share"] * g
    r = ref_gross * (1 - ref("leakage"))
    lines["after leakage"] = i
    lines["after deadweight"] = i - r
    i, r = i * one("displacement"), r * (1 - ref("displacement"))
    lines["after displacement"] = i - r
    i, r = i * one("substitution"), r * (1 - ref("substitution"))
    lines["after substitution"] = i - r
    i, r = i * one("attribution"), r * one("attribution")
    lines["after attribution"] = i - r
    lines["after multiplier"] = i * p["multiplier"] - r * ref("multiplier")
    return lines


def chain_distributions(
    gross: Any, adjustments: Mapping[str, Any], reference: ReferenceCase | None
) -> dict[str, Distribution]:
    """Check and convert the chain's inputs to named distributions."""
    unknown = set(adjustments) - set(ADJUSTMENT_KINDS)
    if unknown:
        raise ParamsError(
            f"unknown adjustment(s) {sorted(unknown)}; valid: {', '.join(ADJUSTMENT_KINDS)}"
        )
    dists = {"gross": _checked(gross, "gross", "nonnegative")}
    for name, kind in ADJUSTMENT_KINDS.items():
        default = 1.0 if name == "multiplier" else 0.0
        dists[name] = _checked(adjustments.get(name, default), name, kind)
    if reference is not None:
        dw = dists["deadweight"]
        if not (dw.is_fixed and dw.point == 0):
            raise ParamsError(
                "give either a deadweight share or a reference case, not both: in the full "
                "form the reference case is the deadweight",
                key="deadweight",
            )
        dists.update(reference.distributions())
    return dists


@dataclass(frozen=True)
class NetAdditionalResult(ResultMixin):
    """Gross to net additional impact, line by line; ``net`` is the headline.

    Attributes
    ----------
    lines
        Each line of :data:`LINES` as an :class:`~svimpact.Interval`.
    form
        ``"shortcut"`` (deadweight share) or ``"reference case"`` (full form).
    parameters
        Each parameter's description (``"triangular 0.1 / 0.2 / 0.3"``...).
    n_draws, seed
        The Monte Carlo settings (``n_draws`` is 0 when every input is a plain number).
    draws
        The Monte Carlo draws of every line (empty when exact); read-only arrays.
    """

    lines: Mapping[str, Interval]
    form: str
    parameters: Mapping[str, str]
    n_draws: int
    seed: int | None
    draws: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False)
    _title = "Net additional impact"

    @property
    def net(self) -> Interval:
        """Net additional impact (the last line)."""
        return self.lines["after multiplier"]

    @property
    def gross(self) -> Interval:
        return self.lines["gross"]

    def __getitem__(self, line: str) -> Interval:
        return self.lines[line]

    def to_frame(self) -> pd.DataFrame:
        """The results contract (``RESULT_COLUMNS``): one row per line of the chain."""
        return result_frame([{"measure": name, "interval": iv} for name, iv in self.lines.items()])

    def table(self) -> pd.DataFrame:
        """The published table: line, value, lower, upper and the change from the line before."""
        rows, previous = [], None
        for name, iv in self.lines.items():
            change = np.nan if previous is None else iv.value - previous
            rows.append(
                {"line": name, "value": iv.value, "lower": iv.lower, "upper": iv.upper,
                 "change": change}
            )
            previous = iv.value
        return pd.DataFrame(rows)

    def _notes(self) -> list[str]:
        params = "; ".join(f"{k}: {v}" for k, v in self.parameters.items())
        mc = (
            f"Monte Carlo, {self.n_draws:,} draws, seed {self.seed}; "
            f"{self.net.level:.0%} percentile intervals"
            if self.n_draws
            else "all inputs fixed: exact values"
        )
        return [
            f"Form: {self.form} (HCA Additionality Guide, 4th ed. 2014).",
            f"Net additional impact: {self.net.format()}.",
            f"Parameters: {params}.",
            mc,
        ]

    def chart(self, *, title: str | None = None, unit: str = "outcomes") -> Any:
        """Waterfall chart from gross to net (a matplotlib Figure)."""
        return waterfall_chart(self.table(), title=title or self._title, unit=unit)

    waterfall = chart


def net_additional(
    gross: Any,
    *,
    deadweight: Any = 0,
    leakage: Any = 0,
    displacement: Any = 0,
    substitution: Any = 0,
    attribution: Any = 0,
    multiplier: Any = 1,
    reference: ReferenceCase | None = None,
    n_draws: int = 10_000,
    seed: int | None = None,
    level: float = 0.95,
) -> NetAdditionalResult:
    """Net additional impact from gross, by the shortcut or the full reference-case form.

    Parameters
    ----------
    gross
        Gross impact GI (a number or a distribution), in outcomes or money.
    deadweight, leakage, displacement, substitution, attribution
        Shares in ``[0, 1]``: numbers or distributions (``Triangular(0.1, 0.2, 0.3)``...).
    multiplier
        Composite multiplier M (``>= 0``; 1 = none).
    reference
        A :class:`ReferenceCase` for the full form; then ``deadweight`` must stay 0.
    n_draws, seed, level
        Monte Carlo draws (used only when some input is uncertain), seed, interval level.

    Returns
    -------
    NetAdditionalResult
        ``.net`` is an Interval (exact when every input is a number); ``.lines`` every line.

    Examples
    --------
    >>> net_additional(100, leakage=0.10, deadweight=0.20, displacement=0.25,
    ...                multiplier=1.2).net.value  # METHODS.md section 1 worked check
    64.8
    """
    adjustments = {
        "deadweight": deadweight, "leakage": leakage, "displacement": displacement,
        "substitution": substitution, "attribution": attribution, "multiplier": multiplier,
    }
    dists = chain_distributions(gross, adjustments, reference)
    full = reference is not None
    point = chain_lines({k: d.point for k, d in dists.items()}, full)
    uncertain = any(not d.is_fixed for d in dists.values())
    if not uncertain:
        lines = {k: Interval.exact(_clean(v)) for k, v in point.items()}
        return NetAdditionalResult(lines, _form(full), _describe(dists), 0, None)
    entropy = resolve_seed(seed)
    drawn = chain_lines(draw_all(dists, n_draws, entropy), full)
    # The central value of each line is its expected value (the mean of its draws), not the chain at
    # the modes: with skewed assumptions the two differ, and only the mean lies inside the interval
    # by construction (see montecarlo.interval_around).
    lines = {k: interval_around(np.asarray(drawn[k], dtype=float) * np.ones(n_draws),
                                _clean(float(np.mean(drawn[k]))), level) for k in LINES}
    for arr in drawn.values():
        arr.setflags(write=False)
    return NetAdditionalResult(lines, _form(full), _describe(dists), n_draws, entropy, drawn)


def _clean(x: float) -> float:
    """Round away binary noise (100 x 0.9 x 0.8 x 0.75 x 1.2 = 64.80000000000001)."""
    return float(round(float(x), 10))


def _form(full: bool) -> str:
    return "reference case" if full else "shortcut"


def _describe(dists: Mapping[str, Distribution]) -> dict[str, str]:
    return {k: d.describe() for k, d in dists.items()}

