"""Magnitude cells (sums over people, such as total cost): SACRO's dominance rules."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["DOMINANCE", "dominance"]


DOMINANCE = {"n": 2, "k": 0.90, "p": 0.10}
"""SACRO ``acro`` 1.0.2 defaults (``acro/default.yaml``: ``safe_nk_n``, ``safe_nk_k``, ``safe_pratio_p``)."""


def dominance(values: Sequence[float] | np.ndarray | pd.Series, *, n: int = 2, k: float = 0.90,
              p: float = 0.10) -> str | None:
    """Why a magnitude cell (a sum over people, such as total cost) may not be published, or None.

    The two dominance rules UK trusted research environments apply to magnitude tables, as SACRO's
    ``acro`` implements them (``acro/sdcchecks.py``, version 1.0.2, default risk appetite):

    * **nk-dominance**: the largest ``n`` contributions make up ``k`` or more of the total
      (``top_n_sum / sum >= k``): the total says roughly what one or two people contributed;
    * **p%-rule**: what is left after the two largest is less than ``p`` of the largest
      (``(sum - top1 - top2) / top1 < p``): the second largest contributor could estimate the largest.

    Negative contributions make dominance undefined: reported as a reason too (acro: "review").
    ``acro`` itself is not a dependency: it pins pandas <= 2.3.3 and wraps its own session around
    microdata; the checks are these two lines, verified against acro in ``tests/test_dominance.py``.
    """
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return None
    if (v < 0).any():
        return "dominance is not defined with negative contributions: check by hand"
    total = float(v.sum())
    if total == 0:
        return None
    top = np.sort(v)[::-1]
    if top[:n].sum() / total >= k:
        return f"the {n} largest contributions make up {k:.0%} or more of the total (the nk-dominance rule)"
    if top[0] > 0 and (total - top[:2].sum()) / top[0] < p:
        return f"what remains after the two largest contributions is under {p:.0%} of the largest (the p% rule)"
    return None
