"""Quantiles within groups, exactly as PHEindicatormethods ``phe_quantile`` (1 = most deprived)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from svimpact.exceptions import InputDataError, ParamsError
from svimpact.geo.inequality.intervals import ArrayLike, _arr, _rows

__all__ = ["phe_quantile"]


def phe_quantile(values: ArrayLike, *, q: int = 10, invert: bool | ArrayLike = True,
                 groups: ArrayLike | pd.DataFrame | None = None) -> pd.Series:
    """Assign quantiles 1..q within groups, exactly as PHEindicatormethods ``phe_quantile``.

    Ties share the lowest rank; with ``invert=True`` the highest value gets rank 1 and so
    quantile 1 (use ``invert=True`` on an IMD *score* to make 1 the most deprived). ``invert``
    may be given per row but must be constant within a group. Groups with fewer non-missing
    values than ``q`` get ``<NA>`` (with a warning); missing values get ``<NA>``.

    Returns a nullable ``Int64`` Series aligned with ``values``.
    """
    if int(q) != q or q < 1:
        raise ParamsError(f"q must be a positive whole number; got {q}", key="q")
    v = pd.Series(_arr(values, "values"))
    inv = pd.Series(np.broadcast_to(np.asarray(invert, dtype=bool), v.shape))
    if groups is None:
        keys: list[pd.Series] = [pd.Series(np.zeros(len(v), dtype=np.int8))]
    elif isinstance(groups, pd.DataFrame):
        keys = [groups[c].reset_index(drop=True) for c in groups.columns]
    else:
        keys = [pd.Series(np.asarray(groups, dtype=object)).reset_index(drop=True)]
    mixed = inv.groupby(keys, dropna=False).transform("nunique") > 1
    if mixed.any():
        raise InputDataError("invert (polarity) differs within a group; it must be the same for every row "
                             "of a group", column="invert", rows=_rows(mixed.to_numpy()))
    signed = v.where(~inv, -v)  # descending rank on value == ascending rank on -value
    rank = signed.groupby(keys, dropna=False).rank(method="min").to_numpy()
    count = v.groupby(keys, dropna=False).transform("count").to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        quant = np.floor((q + 1) - np.ceil((count + 1 - rank) / (count / q)))
    quant = np.where(quant == 0, 1, quant)
    small = count < q
    if np.any(small & ~np.isnan(v.to_numpy())):
        warnings.warn(f"some groups have fewer than {q} values; their quantiles are <NA>", stacklevel=2)
    quant = np.where(small | np.isnan(rank), np.nan, quant)
    out = pd.array(np.nan_to_num(quant).astype("int64"), dtype="Int64")
    out[np.isnan(quant)] = pd.NA
    return pd.Series(out, index=values.index if isinstance(values, pd.Series) else None, name="quantile")
