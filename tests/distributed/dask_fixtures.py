"""Shared by the Dask tests: a small ``LocalCluster`` (2 worker processes, 1 thread each: tasks and their
arguments really are pickled and shipped, as on a cluster) and helpers to split frames unevenly."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      memory_limit="1GiB") as cluster, Client(cluster) as client:
        yield client


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
