"""Green Book discounting (standard and health schedules), persistence and optimism bias."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from svimpact.exceptions import ParamsError

__all__ = [
    "GREEN_BOOK_EDITION",
    "HEALTH",
    "STANDARD",
    "DiscountSchedule",
    "apply_optimism_bias",
    "combined_optimism_bias",
    "discount_factors",
    "get_schedule",
    "persistence_profile",
]

GREEN_BOOK_EDITION = (
    "HM Treasury, The Green Book (2022 edition): declining discount rates, standard schedule 3.5% for "
    "years 0-30 falling to 1.0% from year 301, health schedule 1.5% falling to 0.43%; the February 2026 "
    "update's lower-rate sensitivity test is not built in"
)

# ----------------------------------------------------------------------------- discounting


@dataclass(frozen=True)
class DiscountSchedule:
    """A declining discount-rate schedule: ``bands`` of (first year, rate), first year 0.

    ``DF_0 = 1`` and ``DF_t = DF_{t-1} / (1 + r_t)`` with ``r_t`` the rate of the band year ``t``
    falls in (compounding band by band, not restarting).
    """

    name: str
    bands: tuple[tuple[int, float], ...]
    edition: str = GREEN_BOOK_EDITION

    def __post_init__(self) -> None:
        starts = [b[0] for b in self.bands]
        if not self.bands or starts[0] != 0 or starts != sorted(set(starts)):
            raise ParamsError(
                f"discount schedule {self.name!r}: bands must start at year 0 and increase"
            )

    @classmethod
    def constant(
        cls, rate: float, *, name: str | None = None, edition: str = ""
    ) -> DiscountSchedule:
        """One rate for every year (e.g. a sensitivity test)."""
        return cls(name or f"constant {rate:.2%}", ((0, float(rate)),), edition or "user-set")

    def rates(self, n_years: int) -> np.ndarray:
        """``r_t`` for ``t = 0 .. n_years - 1`` (``r_0`` is unused: DF_0 = 1)."""
        t = np.arange(n_years)
        starts = np.array([b[0] for b in self.bands])
        rates = np.array([b[1] for b in self.bands])
        return rates[np.searchsorted(starts, t, side="right") - 1]

    def factors(self, n_years: int) -> np.ndarray:
        """Discount factors ``DF_0 .. DF_{n_years-1}``."""
        if n_years < 1:
            raise ParamsError(f"years must be >= 1, got {n_years}", key="years")
        growth = 1 + self.rates(n_years)
        growth[0] = 1.0
        return 1 / np.cumprod(growth)


STANDARD = DiscountSchedule(
    "standard",
    ((0, 0.035), (31, 0.030), (76, 0.025), (126, 0.020), (201, 0.015), (301, 0.010)),
)
"""Green Book standard schedule: 3.5% years 0-30, 3.0% 31-75, 2.5% 76-125, 2.0% 126-200,
1.5% 201-300, 1.0% 301+."""

HEALTH = DiscountSchedule(
    "health",
    ((0, 0.015), (31, 0.0129), (76, 0.0107), (126, 0.0086), (201, 0.0064), (301, 0.0043)),
)
"""Green Book health schedule: 1.5%, 1.29%, 1.07%, 0.86%, 0.64%, 0.43% for the same bands."""

_SCHEDULES = {"standard": STANDARD, "health": HEALTH}


def discount_factors(n_years: int, schedule: str | DiscountSchedule = "standard") -> np.ndarray:
    """Green Book discount factors for years ``0 .. n_years - 1``.

    Examples
    --------
    >>> discount_factors(31)[[1, 5, 10, 30]].round(4).tolist()
    [0.9662, 0.842, 0.7089, 0.3563]
    """
    return get_schedule(schedule).factors(n_years)


def get_schedule(schedule: str | DiscountSchedule) -> DiscountSchedule:
    """A schedule by name ('standard', 'health') or as given."""
    if isinstance(schedule, DiscountSchedule):
        return schedule
    if schedule not in _SCHEDULES:
        raise ParamsError(
            f"unknown discount schedule {schedule!r}; valid names are "
            f"{', '.join(_SCHEDULES)} (or pass a DiscountSchedule)",
            key="schedule",
        )
    return _SCHEDULES[schedule]


# ------------------------------------------------------------------ persistence, optimism bias


def persistence_profile(n_years: int, persistence: Any, drop_off: Any) -> np.ndarray:
    """Share of a year-0 outcome's value still present ``k`` years later, ``k = 0..n_years-1``.

    The benefit lasts ``persistence`` years (a fractional last year counts pro rata) and falls
    by ``drop_off`` each year after the first: ``(1 - drop_off) ** k``. Vectorised: array
    inputs of shape ``(n,)`` give shape ``(n, n_years)``.
    """
    k = np.arange(n_years, dtype=float)
    p = np.asarray(persistence, dtype=float)[..., None]
    d = np.asarray(drop_off, dtype=float)[..., None]
    return (1 - d) ** k * np.clip(p - k, 0.0, 1.0)


def combined_optimism_bias(components: Iterable[tuple[float, float]]) -> float:
    """Optimism bias of a project made of parts: sum of (share of cost x part's OB).

    Examples
    --------
    Green Book supplementary guidance (Mott MacDonald 2002) worked example: 30% non-standard
    buildings (upper bound 51%) and 70% standard buildings (24%):

    >>> round(combined_optimism_bias([(0.30, 0.51), (0.70, 0.24)]), 4)
    0.321
    """
    parts = [(float(s), float(ob)) for s, ob in components]
    total = sum(s for s, _ in parts)
    if not parts or abs(total - 1) > 1e-9:
        raise ParamsError(
            f"optimism bias components' cost shares must sum to 1 (they sum to {total:g})",
            key="optimism_bias",
        )
    if any(s < 0 or ob < 0 for s, ob in parts):
        raise ParamsError("cost shares and optimism bias must be >= 0", key="optimism_bias")
    return sum(s * ob for s, ob in parts)


def apply_optimism_bias(cost: Any, optimism_bias: Any) -> Any:
    """``cost x (1 + optimism_bias)`` (Green Book: adjusted = base x (1 + OB))."""
    return np.asarray(cost, dtype=float) * (1 + np.asarray(optimism_bias, dtype=float))
