"""The svimpact error tree.

Every error a user can cause carries the data needed to fix it: the file, the column or key, and
the rows concerned. Messages say what is wrong, where, and how to fix it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "BalanceWarning",
    "BatchError",
    "DisclosureError",
    "EstimationError",
    "FewClustersWarning",
    "FetchError",
    "InputDataError",
    "NotComputedError",
    "OverlapWarning",
    "ParamsError",
    "PreTrendWarning",
    "SvimpactError",
    "StaggeredAdoptionWarning",
    "SvimpactWarning",
    "UnreliableStandardErrorWarning",
    "ValidationFailed",
    "format_rows",
]


class SvimpactError(Exception):
    """Base class for every error svimpact raises on purpose."""


def format_rows(rows: Sequence[int], limit: int = 10) -> str:
    """Describe row numbers as 'rows 2, 5, 9' (first ``limit``, then a count of the rest)."""
    rows = list(rows)
    if not rows:
        return "no rows"
    shown = ", ".join(str(r) for r in rows[:limit])
    word = "row" if len(rows) == 1 else "rows"
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return f"{word} {shown}{more} ({len(rows)} in all)" if len(rows) > 1 else f"{word} {shown}"


class InputDataError(SvimpactError):
    """A data file (or a DataFrame passed in) has a problem the user must fix.

    ``rows`` are 1-based data row numbers as a spreadsheet user counts them below the header
    (row 1 is the first record).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        column: str | None = None,
        rows: Sequence[int] = (),
        hint: str | None = None,
    ) -> None:
        self.file = file
        self.column = column
        self.rows = list(rows)
        self.hint = hint
        where = []
        if file:
            where.append(str(file))
        if column:
            where.append(f"column '{column}'")
        text = (": ".join([", ".join(where), message]) if where else message)
        if self.rows:
            text += f" ({format_rows(self.rows)})"
        if hint:
            text += f"; {hint}"
        super().__init__(text)


class ValidationFailed(InputDataError):
    """Inputs failed validation. ``report`` (a ``ValidationReport``) holds every problem; the message
    leads with the first and lists the others."""

    def __init__(self, report: Any) -> None:
        first = report.errors[0]
        super().__init__(first.message, file=first.file, column=first.column, rows=first.rows, hint=first.hint)
        self.report = report
        more = report.errors[1:]
        if more:
            extra = "\n".join(f"  - {p.describe()}" for p in more[:20])
            tail = f"\n  ... and {len(more) - 20} more" if len(more) > 20 else ""
            self.args = (f"{self.args[0]}\n{len(more)} more problem(s):\n{extra}{tail}",)


class ParamsError(SvimpactError):
    """A params YAML file is missing, malformed, or has a bad key or value."""

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None) -> None:
        self.message = message  # without the file and key, for reports that show those apart
        self.file = file
        self.key = key
        prefix = f"{file}: " if file else ""
        where = f"key '{key}': " if key else ""
        super().__init__(f"{prefix}{where}{message}")


class DisclosureError(SvimpactError):
    """A table or report would publish something the disclosure rules forbid."""


class BatchError(SvimpactError):
    """The batch could not run, or one of its notebooks failed."""


class NotComputedError(SvimpactError):
    """A result was asked for something it did not compute, and says why (e.g. value for money with no costs)."""


class EstimationError(SvimpactError):
    """The data cannot support the estimate or its interval (one cluster, a saturated model):
    the message says why and what to change, instead of a dependency's traceback."""


class FetchError(SvimpactError):
    """A file could not be fetched: unknown name, no URL, no pinned checksum, bad download."""


class SvimpactWarning(UserWarning):
    """Base class for every warning svimpact issues: a result to read with care, not an error."""


class OverlapWarning(SvimpactWarning):
    """Participants and comparison units are not comparable on their propensity scores."""


class BalanceWarning(SvimpactWarning):
    """A covariate remains imbalanced between participants and the comparison group."""


class PreTrendWarning(SvimpactWarning):
    """Participants and the comparison group were already diverging before the programme."""


class FewClustersWarning(SvimpactWarning):
    """Too few clusters for cluster-robust standard errors: the interval comes from a wild bootstrap."""


class StaggeredAdoptionWarning(SvimpactWarning):
    """Two-way fixed effects with one post indicator on staggered start dates with changing effects."""


class UnreliableStandardErrorWarning(SvimpactWarning):
    """A standard error (and so its interval) cannot be trusted: a nearly singular matrix, too few
    clusters, a bootstrap known to mislead, or an interval of (almost) zero width."""
