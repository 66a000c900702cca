"""The disclosure layer of targeting: one suppression pattern per population, and tables built from it.

Every targeting table and map about the same people withholds the same cells (issue 12):

* :func:`decile_pattern` / :func:`suppressed_deciles`: the deciles withheld in *every* table of these
  people (decile profile, reach by decile, value by decile): the rule's small counts and, because
  each of those tables carries a Total, one more decile (its quintile partner first, so Core20 and
  quintile sums stay publishable);
* :func:`area_pattern`: the areas a map or an area list does not show. Areas with 0 and with 1-7 users
  fall in one class ("fewer than 8, not shown"), so no single area is marked as holding 1-7 people;
  and where the areas not shown in a decile (or in the withheld deciles, or the whole frame) would
  hold 1-7 users between them - so that the published decile totals minus the shown areas would
  give that small count back - the smallest shown area of the group is withheld too;
* :class:`Sheet`: builds a :class:`~svimpact.disclosure.DisclosedTable` column by column from
  published counts, with every derived figure computed from them (``svimpact.disclosure.derived_rate``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from svimpact.disclosure import (
    AuditEntry,
    DisclosedTable,
    DisclosureRule,
    get_rule,
    protect_counts,
    suppression_pattern,
)
from svimpact.geo.targeting.counts import AreaCounts, Scale, UsersLike, _local_deciles, _prepare

__all__ = ["Sheet", "area_pattern", "decile_pattern", "group_pattern", "suppressed_deciles"]

SECONDARY = "secondary suppression (shared by every table of these people)"
WITH_COUNT = "computed from a withheld count"


def group_pattern(users_by_group: Sequence[float] | np.ndarray, rule: str | DisclosureRule, groups: int = 10
                  ) -> np.ndarray:
    """Boolean mask of the groups (deciles or quintiles, 1 first) withheld in every table of these people."""
    prefer = (np.arange(groups) // 2).tolist() if groups == 10 else None
    return suppression_pattern(np.asarray(users_by_group, dtype=float), rule, total=True, prefer=prefer)


def decile_pattern(counts_by_decile: Mapping[int, float] | pd.Series | Sequence[float],
                   rule: str | DisclosureRule = "nhs-hes") -> frozenset[int]:
    """The deciles (1 = most deprived) withheld in every published table of these people.

    ``counts_by_decile`` is a mapping or Series indexed by decile (missing deciles count 0) or ten
    counts in decile order. Any table by decile of the same people (e.g. value by decile) must
    withhold exactly these deciles, so that no table gives back a cell another one hides.

    >>> sorted(decile_pattern({1: 31, 2: 55, 3: 38, 4: 47, 5: 38, 6: 36, 7: 22, 8: 22, 9: 8, 10: 3}))
    [9, 10]
    """
    if isinstance(counts_by_decile, Mapping | pd.Series):
        s = pd.Series(dict(counts_by_decile)) if isinstance(counts_by_decile, Mapping) else counts_by_decile
        counts = s.reindex(range(1, 11), fill_value=0).to_numpy(float)
    else:
        counts = np.asarray(counts_by_decile, dtype=float)
    hidden = group_pattern(counts, rule, len(counts))
    return frozenset(int(g) + 1 for g in np.flatnonzero(hidden))


def suppressed_deciles(users: UsersLike | AreaCounts, areas: pd.DataFrame | None = None, *, lsoa: str = "lsoa_code",
                       scale: Scale = "national", rule: str | DisclosureRule = "nhs-hes",
                       unmatched: Literal["error", "drop"] = "error") -> frozenset[int]:
    """The deciles withheld for these users in every table by decile (see :func:`decile_pattern`)."""
    c = _prepare(users, areas, lsoa, unmatched)
    return decile_pattern(c.by_group(scale, 10)["users"].to_numpy(float), rule)


def area_pattern(counts: Sequence[float] | np.ndarray, frame: pd.DataFrame, rule: str | DisclosureRule = "nhs-hes"
                 ) -> np.ndarray:
    """Boolean mask of the areas not shown on a map or in an area list (see the module docstring).

    ``frame`` has one row per area in the order of ``counts``; its ``imd_decile`` column (and
    ``imd_score``, for local deciles, when there are at least 10 areas) gives the groups whose
    published totals an attacker could subtract the shown areas from.
    """
    r = get_rule(rule)
    c = np.asarray(counts, dtype=float)
    _, small = protect_counts(c, r)
    hidden = small | (c == 0)
    groupings: list[np.ndarray] = [np.zeros(len(c), dtype=np.int64)]
    columns: list[tuple[str, np.ndarray | None]] = [("imd_decile", None)]
    if "imd_score" in frame.columns and len(frame) >= 10:
        columns.append(("local_decile", _local_deciles(frame.reset_index(drop=True))))
    for name, given in columns:
        if given is None and name not in frame.columns:
            continue
        g = np.asarray(given if given is not None else pd.to_numeric(frame[name]).to_numpy(), dtype=np.int64)
        withheld = decile_pattern(np.bincount(g - 1, c, minlength=10)[:10], r)
        groupings += [g, np.isin(g, sorted(withheld))]
    # the smallest shown area goes first; ties by area code, so a map and an area list agree whatever their row order
    codes = frame["lsoa_code"].astype(str).to_numpy() if "lsoa_code" in frame.columns else np.arange(len(c))
    rank = np.empty(len(c), dtype=np.int64)
    rank[np.lexsort((codes, c))] = np.arange(len(c))
    changed = True
    while changed:
        changed = False
        for g in groupings:
            for v in np.unique(g):
                members = g == v
                s = float(c[members & hidden].sum())
                shown = np.flatnonzero(members & ~hidden)
                if s > 0 and protect_counts([s], r)[1][0] and shown.size:
                    hidden[shown[np.argmin(rank[shown])]] = True
                    changed = True
    return hidden


class Sheet:
    """A published table built column by column; ``build()`` gives the :class:`DisclosedTable`."""

    def __init__(self, label: str, labels: Sequence[str], rule: str | DisclosureRule) -> None:
        self.rule, self.label = get_rule(rule), label
        self.labels = [str(v) for v in labels]
        self.columns: dict[str, object] = {label: list(self.labels)}
        self.masks: dict[str, np.ndarray] = {label: np.zeros(len(self.labels), bool)}
        self.audit: list[AuditEntry] = []

    def plain(self, name: str, values) -> None:
        """A column with nothing to protect (public populations, labels, methods)."""
        self.columns[name] = values
        self.masks[name] = np.zeros(len(self.labels), bool)

    def count(self, name: str, raw, *, withhold=None, areas: bool = False) -> np.ndarray:
        """Counts protected by the rule, plus ``withhold`` (a shared pattern); returns the published
        counts (``NaN`` where withheld). ``areas``: 0 is withheld too (single areas: see :func:`area_pattern`)."""
        c = np.asarray(raw, dtype=float)
        pub, small = protect_counts(c, self.rule)
        primary = small | (c == 0) if areas else small
        extra = np.zeros(len(c), bool) if withhold is None else np.asarray(withhold, bool) & ~primary
        why = (f"fewer than {self.rule.suppress_max + 1} in one area (0 is not told apart)" if areas else
               f"count between 1 and {self.rule.suppress_max} ({self.rule.name})")
        self._note(name, primary, why)
        self._note(name, extra, SECONDARY)
        hidden = primary | extra
        self.columns[name] = pd.array(np.where(hidden, pd.NA, np.nan_to_num(pub)).tolist(), dtype="Int64")
        self.masks[name] = hidden
        return np.where(hidden, np.nan, pub)

    def derived(self, name: str, values, hidden, reason: str = WITH_COUNT) -> None:
        """A figure computed from published counts, withheld where ``hidden``."""
        h = np.asarray(hidden, bool)
        v = np.asarray(values)
        if v.dtype == bool:
            self.columns[name] = pd.array(np.where(h, pd.NA, v).tolist(), dtype="boolean")
        else:
            self.columns[name] = np.where(h, np.nan, v.astype(float))
        self.masks[name] = h
        self._note(name, h, reason)

    def _note(self, column: str, rows: np.ndarray, reason: str) -> None:
        self.audit += [AuditEntry(self.labels[i], column, reason) for i in np.flatnonzero(rows)]

    def build(self) -> DisclosedTable:
        table = pd.DataFrame(self.columns)
        mask = pd.DataFrame({c: self.masks[c] for c in table.columns})
        return DisclosedTable(table, mask, self.rule, tuple(self.audit))
