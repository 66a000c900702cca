"""Count rules, the published table and primary and secondary suppression (see :mod:`svimpact.disclosure`)."""


from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from svimpact.exceptions import DisclosureError, InputDataError, ParamsError

__all__ = ["RULES", "SUPPRESSED", "AuditEntry", "DisclosedTable", "DisclosureRule", "disclose", "get_rule",
           "protect_counts", "rounded_count", "safe_count"]

SUPPRESSED = "[c]"
"""How a suppressed cell is written in published tables (ONS convention: 'confidential')."""


@dataclass(frozen=True)
class DisclosureRule:
    """Suppress counts ``1..suppress_max`` (and 0 too unless ``zero_stays``), round the rest."""

    name: str
    suppress_max: int
    round_to: int
    zero_stays: bool
    always_secondary: bool
    source: str

    def describe(self) -> str:
        zero = "0 is shown as 0" if self.zero_stays else "0 is suppressed"
        rnd = f"other counts are rounded to the nearest {self.round_to}" if self.round_to > 1 else (
            "other counts are shown unrounded"
        )
        return (
            f"Disclosure rule '{self.name}': {zero}; counts from 1 to {self.suppress_max} are "
            f"suppressed (shown as {SUPPRESSED}); {rnd}. Rates, percentages and shares are computed "
            f"from the published (rounded) counts and suppressed with them. Source: {self.source}."
        )


RULES: Mapping[str, DisclosureRule] = {
    r.name: r
    for r in (
        DisclosureRule("nhs-hes", 7, 5, True, False,
                       "NHS Digital, Hospital Episode Statistics analysis guide (rule in force since 2018)"),
        DisclosureRule("opensafely", 7, 5, True, False,
                       "OpenSAFELY output checking: redact counts <= 7, round to the nearest 5"),
        DisclosureRule("ons-10-5", 9, 5, True, False,
                       "ONS 10-5 rule: suppress counts under 10, round the rest to the nearest 5"),
        DisclosureRule("legacy-lt5", 4, 1, True, True,
                       "Legacy local-government practice: suppress counts under 5, with secondary suppression"),
    )
}


def get_rule(rule: str | DisclosureRule = "nhs-hes") -> DisclosureRule:
    """Look up a rule by name; an unknown name raises an error listing the valid ones."""
    if isinstance(rule, DisclosureRule):
        return rule
    try:
        return RULES[rule]
    except KeyError:
        raise ParamsError(
            f"unknown disclosure rule '{rule}'; choose one of {', '.join(sorted(RULES))}",
            key="disclosure.rule",
        ) from None


@dataclass(frozen=True)
class AuditEntry:
    """One cell withheld from a published table, and why."""

    row: str
    column: str
    reason: str


@dataclass(frozen=True)
class DisclosedTable:
    """A table made safe to publish.

    ``table`` holds the published values: counts rounded (nullable ``Int64``) and ``<NA>`` where
    suppressed; rates ``NaN`` where suppressed. ``suppressed`` is a boolean mask with the same
    shape. ``audit`` lists every withheld cell with its reason.
    """

    table: pd.DataFrame
    suppressed: pd.DataFrame
    rule: DisclosureRule
    audit: tuple[AuditEntry, ...] = field(default=())

    def __repr__(self) -> str:
        # The plain-text form kept in executed notebooks: the published table only, never the audit
        # (which withheld cell is the small one) nor any value behind a withheld cell.
        return self.to_publish().to_string(index=False)

    def to_publish(self) -> pd.DataFrame:
        """The table as it is printed: suppressed cells shown as ``[c]``."""
        out = self.table.astype(object).copy()
        out = out.mask(self.suppressed, SUPPRESSED)
        return out

    def to_csv(self, path: str, **kwargs) -> None:
        self.to_publish().to_csv(path, index=False, lineterminator="\n", **kwargs)

    def audit_frame(self) -> pd.DataFrame:
        return pd.DataFrame([a.__dict__ for a in self.audit], columns=["row", "column", "reason"])

    def to_display(self, *, money: tuple[str, ...] = (), labels=None) -> pd.DataFrame:
        """The published table as officers read it (:func:`svimpact.present.frames.display`): counts
        with separators, £ for ``money`` columns, true minus signs, no scientific notation, the same
        rounding as the CSV, plain labels for column names and the row labels (first text column)."""
        from svimpact.present.frames import display

        first = next((c for c in self.table.columns if self.table[c].dtype == object
                      or pd.api.types.is_string_dtype(self.table[c])), None)
        return display(self.table, self.suppressed, suppressed_text=SUPPRESSED, money=money, labels=labels,
                       label_columns=(first,) if first is not None else ())

    def _repr_html_(self, *, money: tuple[str, ...] = (), labels=None) -> str:
        html = self.to_display(money=money, labels=labels).to_html(index=False, border=0, na_rep="")
        if self.suppressed.to_numpy().any():
            html += (f"<p class='svimpact-note'>{SUPPRESSED}: withheld under disclosure rule "
                     f"'{self.rule.name}' (small count, or a rate or value computed from one).</p>")
        return html


def protect_counts(counts: Sequence[float] | np.ndarray | pd.Series, rule: str | DisclosureRule = "nhs-hes"
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Apply primary suppression and rounding to a vector of counts.

    Returns ``(published, suppressed)``: published counts as floats (``NaN`` where suppressed)
    and the boolean suppression mask.
    """
    r = get_rule(rule)
    c = np.asarray(counts, dtype=float)
    if np.any(c[~np.isnan(c)] < 0):
        raise InputDataError("counts must not be negative for disclosure control")
    small = (c >= 1 if r.zero_stays else c >= 0) & (c <= r.suppress_max)
    small |= np.isnan(c)
    # Round half up, so 2.5 -> 5 and 7.5 -> 10 (no banker's rounding surprises).
    rounded = np.floor(c / r.round_to + 0.5) * r.round_to if r.round_to > 1 else c.copy()
    published = np.where(small, np.nan, rounded)
    return published, small


def disclose(
    table: pd.DataFrame,
    *,
    counts: Sequence[str],
    rates: Mapping[str, tuple[str, str | None, float]] | None = None,
    label: str | None = None,
    total_label: str | None = None,
    rule: str | DisclosureRule = "nhs-hes",
) -> DisclosedTable:
    """Make ``table`` safe to publish.

    Parameters
    ----------
    table
        Unrounded table, one row per category (and optionally one total row).
    counts
        Columns holding counts of people or households.
    rates
        ``{rate_column: (numerator, denominator or None, multiplier)}``. Each rate is computed
        here from the unrounded counts (overwriting any existing column of that name) and
        suppressed when its numerator or denominator count is. A ``None`` denominator means the
        column total of the numerator (a percentage profile).
    label
        Column naming each row (used in the audit log and to find the total row).
    total_label
        Value of ``label`` on the total row; when given, secondary suppression makes sure no
        column has exactly one suppressed cell that could be recovered from the total.
    rule
        A rule name from :data:`RULES` or a :class:`DisclosureRule`.

    Examples
    --------
    >>> t = pd.DataFrame({"decile": [1, 2, 3], "users": [42, 3, 0]})
    >>> disclose(t, counts=["users"], label="decile").to_publish()["users"].tolist()
    [40, '[c]', 0]
    """
    r = get_rule(rule)
    missing = [c for c in [*counts, *(rates or {}), *([label] if label else [])] if c not in table.columns
               and c not in (rates or {})]
    if missing:
        raise InputDataError(f"table has no column(s) {missing}; columns are {list(table.columns)}")
    raw = table.reset_index(drop=True)
    out = raw.copy()
    mask = pd.DataFrame(False, index=raw.index, columns=raw.columns)
    labels = raw[label].astype(str) if label else pd.Series([str(i + 1) for i in raw.index])
    audit: list[AuditEntry] = []

    for col in counts:
        values = pd.to_numeric(raw[col], errors="coerce")
        bad = values.isna() & raw[col].notna()
        if bad.any():
            rows = (np.flatnonzero(bad.to_numpy()) + 1).tolist()
            raise InputDataError("count column is not numeric", column=col, rows=rows)
        pub, small = protect_counts(values.to_numpy(), r)
        for i in np.flatnonzero(small & values.notna().to_numpy()):
            audit.append(AuditEntry(labels[i], col, f"count between 1 and {r.suppress_max} ({r.name})"))
        mask[col] = small
        out[col] = pd.array(np.where(np.isnan(pub), 0, pub).astype("int64"), dtype="Int64")
        out.loc[small, col] = pd.NA

    is_total = (labels == str(total_label)).to_numpy() if total_label is not None else np.zeros(len(raw), bool)
    if total_label is not None or r.always_secondary:
        for col in counts:
            body = ~is_total
            hidden = mask[col].to_numpy() & body
            if hidden.sum() == 1 and (total_label is not None or r.always_secondary):
                vals = pd.to_numeric(raw[col]).to_numpy(dtype=float)
                candidates = np.flatnonzero(body & ~mask[col].to_numpy() & (vals > 0))
                if candidates.size:
                    j = candidates[np.argmin(vals[candidates])]
                    mask.loc[j, col] = True
                    out.loc[j, col] = pd.NA
                    audit.append(AuditEntry(labels[j], col,
                                            "secondary suppression (protects a suppressed cell from subtraction)"))

    for rate_col, (num, den, mult) in (rates or {}).items():
        # From the *published* counts: a rate from unrounded counts, times its published denominator,
        # gives the unrounded count back (METHODS.md section 6).
        numv = _published(raw[num], r)
        if den is None:
            body = ~is_total
            denv = np.full(len(raw), protect_counts([pd.to_numeric(raw[num])[body].sum()], r)[0][0])
            den_mask = np.zeros(len(raw), bool)
        else:
            denv = _published(raw[den], r) if den in counts else pd.to_numeric(raw[den]).to_numpy(dtype=float)
            den_mask = mask[den].to_numpy() if den in mask else np.zeros(len(raw), bool)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(denv > 0, numv / denv * mult, np.nan)
        hide = mask[num].to_numpy() | den_mask | np.isnan(numv)
        out[rate_col] = np.where(hide, np.nan, rate)
        if rate_col not in mask:
            mask[rate_col] = False
        mask[rate_col] = hide
        for i in np.flatnonzero(hide):
            source = num if mask[num].iat[i] else den
            audit.append(AuditEntry(labels[i], rate_col, f"computed from a suppressed count ({source})"))
    mask = mask.reindex(columns=out.columns, fill_value=False)
    return DisclosedTable(out, mask, r, tuple(audit))


def _published(values: pd.Series, rule: DisclosureRule) -> np.ndarray:
    """Counts as the rule publishes them (NaN where suppressed)."""
    return protect_counts(pd.to_numeric(values).to_numpy(dtype=float), rule)[0]


def safe_count(count: float, rule: str | DisclosureRule = "nhs-hes") -> str:
    """A count as it may appear in prose: suppressed (``[c]``) or rounded by ``rule``.

    >>> safe_count(3), safe_count(302), safe_count(0)
    ('[c]', '300', '0')
    """
    published, hidden = protect_counts([count], rule)
    return SUPPRESSED if hidden[0] else f"{int(published[0]):,}"


def rounded_count(count: float, rule: str | DisclosureRule = "nhs-hes") -> int:
    """The count as ``rule`` publishes it, for computing figures that are published from it.

    A count the rule suppresses cannot be published at all: that is an error, not a silent zero.
    """
    published, hidden = protect_counts([count], rule)
    if hidden[0]:
        raise DisclosureError(
            f"a count of {int(count) if count == count else count} is suppressed under rule "
            f"'{get_rule(rule).name}': figures derived from it cannot be published"
        )
    return int(published[0])
