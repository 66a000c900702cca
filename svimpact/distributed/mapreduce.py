"""Map-reduce over the partitions of a Dask DataFrame: one small summary per partition, summed.

Every statistic the Dask estimators need is a sum over rows (sufficient statistics such as ``X'WX``,
counts, minima and maxima), so one pass is ``partition -> dict of small arrays`` followed by a tree
of pairwise combinations (fan-in 8): no partition ever leaves its worker, and the client receives a
few kilobytes. Keys combine by their prefix: ``min_``/``max_`` elementwise, ``cat_`` by
concatenation in partition order (for the participants, who are few), ``rows_`` by concatenating
lists, ``chan_`` (pooled moments) by their own ``+``, ``ser_``
(pandas Series keyed by group, e.g. cluster sums) by aligned addition, everything else by addition.
The partition's position is passed to the function, so row
numbers in error messages are counted over the whole frame.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["combine", "partition_reduce"]

Summary = dict[str, Any]
FAN_IN = 8


def combine(parts: Sequence[Summary]) -> Summary:
    """Combine partition summaries (see the module docstring); empty summaries are skipped."""
    out: Summary = {}
    for part in parts:
        for key, value in part.items():
            if key not in out:
                out[key] = value
            elif key.startswith("min_"):
                out[key] = np.fmin(out[key], value)
            elif key.startswith("max_"):
                out[key] = np.fmax(out[key], value)
            elif key.startswith("cat_"):
                out[key] = np.concatenate([out[key], value])
            elif key.startswith("chan_"):
                out[key] = out[key] + value  # Moments: Chan et al.'s pooled update
            elif key.startswith("ser_"):
                out[key] = out[key].add(value, fill_value=0)  # pandas Series keyed by group
            elif key.startswith("rows_"):
                out[key] = [*out[key], *value]
            else:
                out[key] = out[key] + value
    return out


def _apply(func: Callable[..., Summary], part: pd.DataFrame, index: int, args: tuple[Any, ...]) -> Summary:
    return func(part, index, *args)


def partition_reduce(frame: Any, func: Callable[..., Summary], *args: Any) -> Summary:
    """``combine(func(partition, i, *args) for each partition i)``, computed on the Dask scheduler in use
    (a ``distributed.Client`` when one is active), reduced as a tree so no step holds many summaries."""
    import dask

    parts = frame.to_delayed()
    apply = dask.delayed(_apply, pure=True)
    merge = dask.delayed(combine, pure=True)
    level = [apply(func, p, i, args) for i, p in enumerate(parts)]
    while len(level) > 1:
        level = [merge(level[i:i + FAN_IN]) for i in range(0, len(level), FAN_IN)]
    (result,) = dask.compute(level[0])
    return dict(result)
