"""Dominance rules for magnitude cells (totals over people), checked against SACRO's ``acro``.

Reference: ``acro`` 1.0.2 (PyPI; github.com/AI-SDC/ACRO), default risk appetite (safe_nk_n=2,
safe_nk_k=0.9, safe_pratio_p=0.1). The expected verdicts below are what ``acro.crosstab(g, x,
values=cost, aggfunc="sum")`` reported for these groups, run by hand in a separate environment
(acro pins pandas <= 2.3.3, so it cannot be a dependency): NKCheck failed cells B, C and F only;
PPercentCheck failed none (with n=2, k=0.9 and p=0.1, a p%-rule failure implies an nk failure);
a group with a negative contribution made both checks "review".
"""

from __future__ import annotations

import pytest

from svimpact.disclosure import DOMINANCE, dominance

GROUPS = {
    "A": [100] * 12,
    "B": [1000, 900] + [10] * 10,
    "C": [1000, 500] + [10] * 10,
    "E": [500, 400] + [100] * 10,
    "F": [450, 450] + [10] * 10,  # exactly 90%: acro's ">=" fails it
    "G": [449, 450] + [10] * 9 + [11],  # just under 90%
}
ACRO_NK_FAILS = {"B", "C", "F"}


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_dominance_agrees_with_acro(group):
    reason = dominance(GROUPS[group])
    assert (reason is not None) == (group in ACRO_NK_FAILS), reason
    if reason:
        assert "nk-dominance" in reason


def test_p_percent_rule_and_negative_contributions():
    # p% alone (with a looser nk threshold): what remains after the top two is 5% of the largest.
    assert "p% rule" in dominance([1000, 100, 25, 25], k=0.99)
    assert "negative" in dominance([100, -5, 100, 100])
    assert dominance([]) is None and dominance([0, 0]) is None
    assert DOMINANCE == {"n": 2, "k": 0.90, "p": 0.10}
