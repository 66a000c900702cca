"""Shared by the Dask tests: a small ``LocalCluster`` (2 worker processes, 1 thread each: tasks and their
arguments really are pickled and shipped, as on a cluster) and helpers to split frames unevenly."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest

_SHARED: dict[str, Any] = {"users": 0}


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    """One cluster for every Dask test module (each module imports this fixture, so pytest sees one per
    module: the first makes the cluster, the last to finish closes it)."""
    from distributed import Client, LocalCluster

    if not _SHARED["users"]:
        _SHARED["cluster"] = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                          memory_limit="1GiB")
        _SHARED["client"] = Client(_SHARED["cluster"])
    _SHARED["users"] += 1
    yield _SHARED["client"]
    _SHARED["users"] -= 1
    if not _SHARED["users"]:
        _SHARED.pop("client").close()
        _SHARED.pop("cluster").close()


def _slice(frame: pd.DataFrame, bounds: tuple[int, int]) -> pd.DataFrame:
    return frame.iloc[bounds[0]:bounds[1]]


def uneven(frame: pd.DataFrame, cuts: Sequence[int], seed: int = 0) -> Any:
    """``frame`` with its rows shuffled, as a Dask DataFrame split at ``cuts`` (uneven partitions, some
    possibly empty or without participants)."""
    import dask.dataframe as dd

    shuffled = frame.iloc[np.random.default_rng(seed).permutation(len(frame))].reset_index(drop=True)
    edges = [0, *cuts, len(frame)]
    return dd.from_map(_slice, [shuffled] * (len(edges) - 1), list(zip(edges[:-1], edges[1:], strict=True)),
                       meta=shuffled.iloc[:0], enforce_metadata=False), shuffled
