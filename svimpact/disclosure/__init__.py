"""Statistical disclosure control: the one place small counts are suppressed or rounded.

Every published table and map goes through :func:`disclose`. Rules follow UK practice
(``../shared/METHODS.md`` section 6):

* ``nhs-hes`` (default): 0 stays 0, 1-7 suppressed, the rest rounded to the nearest 5
  (NHS Digital, Hospital Episode Statistics analysis guide, since 2018).
* ``opensafely``: counts of 7 or fewer redacted, the rest rounded to the nearest 5
  (OpenSAFELY output checking guidance).
* ``ons-10-5``: counts under 10 suppressed, the rest rounded to the nearest 5 (ONS 10-5 rule).
* ``legacy-lt5``: counts 1-4 suppressed, no rounding, secondary suppression always on.

Rates and percentages are computed from the *published* (rounded) counts and suppressed whenever
their numerator or denominator is: computed from unrounded counts, a rate times its published
denominator would give the unrounded count back (``../shared/METHODS.md`` section 6). When a
table carries a total, secondary suppression hides one more cell so that a suppressed cell cannot
be recovered by subtraction.

The package: :mod:`~svimpact.disclosure.counts` (rules, :func:`disclose`, the published table),
:mod:`~svimpact.disclosure.derived` (rates, percentages and shares from published counts, one
suppression pattern shared by every table of a population) and :mod:`~svimpact.disclosure.magnitude`
(dominance rules for sums over people). The additionality results' published forms are in
:mod:`svimpact.report.disclosed`.
"""

from svimpact.disclosure.counts import (
    RULES,
    SUPPRESSED,
    AuditEntry,
    DisclosedTable,
    DisclosureRule,
    disclose,
    get_rule,
    protect_counts,
    rounded_count,
    safe_count,
)
from svimpact.disclosure.derived import (
    DERIVED_KINDS,
    PublishedProportion,
    derived_rate,
    publish_proportion,
    round_significant,
    suppression_pattern,
    withhold,
)
from svimpact.disclosure.magnitude import DOMINANCE, dominance

__all__ = [
    "DERIVED_KINDS",
    "DOMINANCE",
    "RULES",
    "SUPPRESSED",
    "AuditEntry",
    "DisclosedTable",
    "DisclosureRule",
    "PublishedProportion",
    "derived_rate",
    "disclose",
    "dominance",
    "get_rule",
    "protect_counts",
    "publish_proportion",
    "round_significant",
    "rounded_count",
    "safe_count",
    "suppression_pattern",
    "withhold",
]
