"""The distribution families: frozen specs with a central ``point`` and a vectorised ``sample``.

Also the seeded, per-parameter random streams every Monte Carlo draw comes from
(:func:`rng_for`, :func:`resolve_seed`, :func:`draw_all`). Parsing from params YAML is in
:mod:`svimpact.estimators.distributions.parse`.
"""

from __future__ import annotations

import math
import zlib
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np

from svimpact.exceptions import ParamsError

__all__ = [
    "BetaCounts",
    "Distribution",
    "Draws",
    "Fixed",
    "Kind",
    "Pert",
    "Triangular",
    "Uniform",
    "draw_all",
    "resolve_seed",
    "rng_for",
]

Kind = Literal["share", "deadweight", "nonnegative", "any"]
"""What range a parameter's draws must lie in: ``share`` [0, 1]; ``deadweight`` [0, 1] when stated,
any value when estimated from data (see :func:`~svimpact.estimators.distributions.check_kind`);
``nonnegative`` >= 0; ``any``."""


class Distribution(ABC):
    """Base class: a parameter's central value and how to draw from it."""

    name: ClassVar[str] = ""

    @property
    @abstractmethod
    def point(self) -> float:
        """The central value used for the point estimate."""

    @abstractmethod
    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` independent draws as a float array of shape ``(n,)``."""

    @abstractmethod
    def support(self) -> tuple[float, float]:
        """Smallest and largest value a draw can take."""

    @property
    def mean(self) -> float:
        """The expected value (the Green Book's central value for an uncertain input)."""
        return self.point

    def bounds(self, level: float = 0.95) -> tuple[float, float]:
        """Low and high values for sensitivity (tornado) analysis: the stated range."""
        return self.support()

    @property
    def is_fixed(self) -> bool:
        return False

    def describe(self) -> str:
        return f"{self.name}"


@dataclass(frozen=True)
class Fixed(Distribution):
    """A known value: every draw equals ``value``."""

    value: float
    name: ClassVar[str] = "fixed"

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _number(self.value, "value"))

    @property
    def point(self) -> float:
        return self.value

    @property
    def is_fixed(self) -> bool:
        return True

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return np.full(n, self.value)

    def support(self) -> tuple[float, float]:
        return (self.value, self.value)

    def describe(self) -> str:
        return f"fixed {self.value:g}"


@dataclass(frozen=True)
class Uniform(Distribution):
    """Every value in ``[low, high]`` equally likely; point = midpoint."""

    low: float
    high: float
    name: ClassVar[str] = "uniform"

    def __post_init__(self) -> None:
        _check_order(self, ("low", "high"))

    @property
    def point(self) -> float:
        return (self.low + self.high) / 2

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def describe(self) -> str:
        return f"uniform {self.low:g} to {self.high:g}"


@dataclass(frozen=True)
class Triangular(Distribution):
    """Triangular on ``[low, high]`` peaking at ``mode``; point = mode."""

    low: float
    mode: float
    high: float
    name: ClassVar[str] = "triangular"

    def __post_init__(self) -> None:
        _check_order(self, ("low", "mode", "high"))

    @property
    def point(self) -> float:
        return self.mode

    @property
    def mean(self) -> float:
        """``(low + mode + high) / 3`` (checked against ``scipy.stats.triang`` in the tests)."""
        return (self.low + self.mode + self.high) / 3

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        if self.low == self.high:
            return np.full(n, self.low)
        return rng.triangular(self.low, self.mode, self.high, n)

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def describe(self) -> str:
        return f"triangular {self.low:g} / {self.mode:g} / {self.high:g}"


@dataclass(frozen=True)
class Pert(Distribution):
    """Beta-PERT on ``[low, high]`` with most likely value ``mode`` (shape 4); point = mode.

    ``a = 1 + 4 (mode - low) / (high - low)``, ``b = 1 + 4 (high - mode) / (high - low)``; the
    mean is ``(low + 4 mode + high) / 6`` (Vose, *Risk Analysis*, 3rd ed. 2008, section 9.1.4).
    """

    low: float
    mode: float
    high: float
    name: ClassVar[str] = "pert"

    def __post_init__(self) -> None:
        _check_order(self, ("low", "mode", "high"))

    @property
    def point(self) -> float:
        return self.mode

    @property
    def mean(self) -> float:
        return (self.low + 4 * self.mode + self.high) / 6

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        width = self.high - self.low
        if width == 0:
            return np.full(n, self.low)
        a = 1 + 4 * (self.mode - self.low) / width
        b = 1 + 4 * (self.high - self.mode) / width
        return self.low + width * rng.beta(a, b, n)

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def describe(self) -> str:
        return f"PERT {self.low:g} / {self.mode:g} / {self.high:g}"


@dataclass(frozen=True)
class BetaCounts(Distribution):
    """A share estimated from counts: Beta(successes + prior, failures + prior).

    ``prior=0.5`` is the Jeffreys prior. Counts may be fractional (survey answers weighted for
    partial deadweight). ``point`` is the observed share ``successes / (successes + failures)``.
    """

    successes: float
    failures: float
    prior: float = 0.5
    label: str | None = None
    """How :meth:`describe` names the counts (e.g. published counts); default ``beta from counts s / f``."""
    name: ClassVar[str] = "beta"

    def __post_init__(self) -> None:
        for key in ("successes", "failures", "prior"):
            value = _number(getattr(self, key), key)
            if value < 0:
                raise ParamsError(f"{key} must be >= 0 (got {value:g})", key=key)
            object.__setattr__(self, key, value)
        if self.successes + self.failures <= 0:
            raise ParamsError("successes + failures must be > 0", key="successes")
        if self.prior == 0 and (self.successes == 0 or self.failures == 0):
            raise ParamsError("prior must be > 0 when a count is 0", key="prior")

    @property
    def point(self) -> float:
        return self.successes / (self.successes + self.failures)

    @property
    def mean(self) -> float:
        """The Beta mean ``(s + prior) / (s + f + 2 prior)``."""
        return (self.successes + self.prior) / (self.successes + self.failures + 2 * self.prior)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.beta(self.successes + self.prior, self.failures + self.prior, n)

    def support(self) -> tuple[float, float]:
        return (0.0, 1.0)

    def bounds(self, level: float = 0.95) -> tuple[float, float]:
        from scipy.stats import beta

        a, b = self.successes + self.prior, self.failures + self.prior
        lo, hi = beta.ppf([(1 - level) / 2, (1 + level) / 2], a, b)
        return (float(lo), float(hi))

    def describe(self) -> str:
        return self.label or f"beta from counts {self.successes:g} / {self.failures:g}"


@dataclass(frozen=True, eq=False)
class Draws(Distribution):
    """The draws of an estimator (bootstrap or posterior); ``sample`` resamples them.

    ``point`` defaults to the median of the draws; pass the estimator's own point estimate.
    ``source`` says which estimator made them (recorded in the ledger).
    """

    values: np.ndarray
    point_value: float | None = None
    source: str = "estimator draws"
    name: ClassVar[str] = "draws"
    _sorted: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        arr = np.asarray(self.values, dtype=float).ravel()
        if arr.size == 0:
            raise ParamsError("Draws needs at least one draw", key="values")
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            raise ParamsError(f"{bad.size} draws are not finite (NaN or inf)", key="values")
        arr.setflags(write=False)
        object.__setattr__(self, "values", arr)
        object.__setattr__(self, "_sorted", np.sort(arr))

    @property
    def point(self) -> float:
        return float(np.median(self.values)) if self.point_value is None else self.point_value

    @property
    def mean(self) -> float:
        """The mean of the draws (what resampling them gives on average)."""
        return float(np.mean(self.values))

    @classmethod
    def from_estimate(cls, estimate: Any, attribute: str = "deadweight") -> Draws:
        """The draws of a comparison-group estimate (``svimpact.estimators.effects``).

        Reads ``estimate.draws.<attribute>`` and the point value ``estimate.<attribute>.value``.
        """
        draws = getattr(getattr(estimate, "draws", None), attribute, None)
        if draws is None:
            raise ParamsError(f"{type(estimate).__name__} has no draws.{attribute}",
                              key=attribute)
        arr = np.asarray(draws, dtype=float)
        if arr.size and np.all(np.isnan(arr)):
            raise ParamsError(
                f"the estimate's {attribute} share is not defined (all draws are NaN, e.g. a "
                "negative or zero observed outcome); use a survey or benchmark instead",
                key=attribute)
        point = getattr(getattr(estimate, attribute, None), "value", None)
        method = getattr(estimate, "method", type(estimate).__name__)
        return cls(arr, None if point is None else float(point), f"{method} estimate")

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        if self.values.size == 1:
            return np.full(n, self.values[0])
        return self.values[rng.integers(0, self.values.size, n)]

    def support(self) -> tuple[float, float]:
        return (float(self._sorted[0]), float(self._sorted[-1]))

    def bounds(self, level: float = 0.95) -> tuple[float, float]:
        lo, hi = np.quantile(self._sorted, [(1 - level) / 2, (1 + level) / 2])
        return (float(lo), float(hi))

    def describe(self) -> str:
        # Where the stated point is the draws' median (no estimator point given), the ledger says so.
        return f"{self.values.size} draws ({self.source}" + ("; point: median)" if self.point_value is None else ")")


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParamsError(f"expected a number, got {value!r}", key=key)
    out = float(value)
    if not math.isfinite(out):
        raise ParamsError(f"expected a finite number, got {value!r}", key=key)
    return out


def _check_order(obj: Distribution, keys: tuple[str, ...]) -> None:
    values = [_number(getattr(obj, k), k) for k in keys]
    for k, v in zip(keys, values):
        object.__setattr__(obj, k, v)
    for i in range(len(values) - 1):
        if values[i] > values[i + 1]:
            shown = ", ".join(f"{k}={v:g}" for k, v in zip(keys, values))
            raise ParamsError(
                f"{obj.name} needs {' <= '.join(keys)} (got {shown})", key=keys[i + 1]
            )


def rng_for(seed_entropy: int, name: str) -> np.random.Generator:
    """The random stream of parameter ``name`` under seed ``seed_entropy``.

    Each parameter gets its own stream (spawned from the seed and a hash of the name), so adding
    or removing one parameter does not change the draws of the others.
    """
    seq = np.random.SeedSequence(seed_entropy, spawn_key=(zlib.crc32(name.encode("utf-8")),))
    return np.random.default_rng(seq)


def resolve_seed(seed: int | None) -> int:
    """``seed`` itself, or fresh entropy (recorded in results so the run can be repeated)."""
    if seed is None:
        return int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParamsError(f"seed must be a non-negative integer or None, got {seed!r}", key="seed")
    return int(seed)


def draw_all(
    dists: Mapping[str, Distribution], n: int, seed_entropy: int
) -> dict[str, np.ndarray]:
    """``n`` draws of every distribution, each from its own named stream (fixed: a constant)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ParamsError(f"n_draws must be a positive integer, got {n!r}", key="n_draws")
    return {
        name: (np.full(n, d.point) if d.is_fixed else d.sample(int(n), rng_for(seed_entropy, name)))
        for name, d in dists.items()
    }
