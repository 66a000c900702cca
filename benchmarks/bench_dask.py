"""Benchmark: svimpact beyond one machine (issue 17). Not a timed test; run by hand.

Run: ``.venv/bin/python benchmarks/bench_dask.py [--rows 40_000_000] [--partitions 100]
[--memory-limit 768MiB] [--services 6] [--skip-batch] [--skip-pool]``.

**Pool.** A comparison pool of ``--rows`` rows (plus 1,000 participants spread over the partitions)
is generated lazily, partition by partition, with ``dask.dataframe.from_map``: it never exists on
disk or in one process, and each pass over the data regenerates it (a pool read from partitioned
Parquet behaves the same way). Columns: ``treated``, ``outcome`` and four float covariates plus an
int8 region code (42 bytes a row), so the default 40 million rows are 1.7 GB in memory - more than
the whole ``LocalCluster`` (2 single-threaded workers, ``--memory-limit`` each, 768 MiB by default: the
pool does not fit in the cluster, let alone one worker). IPW and AIPW are each run on a fresh
cluster; printed: rows, data size, wall-clock seconds, and each worker's peak resident memory
(``ru_maxrss`` of the worker process, read on the worker at the end).

**Batch.** ``--services`` copies of the Housing First service (same data, distinct service names)
x both notebooks, run once locally (``jobs: 2``) and once on a ``--scheduler local`` cluster of 2
workers; printed: both wall-clock times and their ratio (Dask / local). On one 2-core machine the
ratio measures Dask's overhead; the gain comes from a cluster with more cores than one machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
N_TREATED = 1000
COLUMNS = ["treated", "outcome", "x1", "x2", "x3", "x4", "region"]


def make_partition(i: int, rows: int, treated: int) -> pd.DataFrame:
    """Partition ``i``: ``treated`` participants then ``rows`` comparison units, seeded by ``i``."""
    rng = np.random.default_rng([17, i])
    n = rows + treated
    t = np.zeros(n, dtype=np.int8)
    t[:treated] = 1
    X = rng.standard_normal((n, 4))
    X[:treated] += 0.4  # participants differ: the score is not flat
    region = rng.integers(0, 5, n).astype(np.int8)
    y = 1.0 + X @ np.array([0.5, -0.3, 0.2, 0.1]) + 0.1 * region + 0.8 * t + rng.standard_normal(n)
    return pd.DataFrame({"treated": t, "outcome": y, "x1": X[:, 0], "x2": X[:, 1], "x3": X[:, 2], "x4": X[:, 3],
                         "region": region})


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def bench_pool(rows: int, partitions: int, memory_limit: str) -> None:
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    from svimpact.estimators.effects import estimate_effect

    per = rows // partitions
    treated = [N_TREATED // partitions + (1 if i < N_TREATED % partitions else 0) for i in range(partitions)]
    meta = make_partition(0, 0, 0).iloc[:0]
    nbytes = int(make_partition(0, 1000, 0).memory_usage(index=False).sum() / 1000 * (rows + N_TREATED))
    print(f"pool: {rows:,} comparison rows + {N_TREATED:,} participants in {partitions} partitions "
          f"({nbytes / 1e9:.2f} GB in memory), generated lazily; cluster: 2 workers x 1 thread, "
          f"memory limit {memory_limit} each")
    for method in ("ipw", "aipw"):
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit=memory_limit,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            ddf = dd.from_map(make_partition, list(range(partitions)), [per] * partitions, treated, meta=meta)
            start = time.perf_counter()
            est = estimate_effect(ddf, outcome="outcome", treatment="treated", covariates=["x1", "x2", "x3", "x4"],
                                  method=method, seed=1)
            seconds = time.perf_counter() - start
            peaks = client.run(_peak_rss_mb)
        print(f"  {method}: {seconds:,.0f} s; ATT {est.att.value:.4f} (SE {est.se:.4f}; true 0.8); "
              f"n = {est.n_treated:,} + {est.n_comparison:,}; peak RSS per worker: "
              + ", ".join(f"{v:,.0f} MB" for v in peaks.values()))


def _services(tmp: Path, n: int) -> Path:
    base = yaml.safe_load((ROOT / "params" / "housing_first.yaml").read_text())
    base["data"] = {k: str((ROOT / "params" / v).resolve()) for k, v in base["data"].items()}
    names = []
    for i in range(n):
        data = {**base, "service": f"housing_first_{i:02d}", "title": f"Housing First {i:02d}"}
        (tmp / f"s{i:02d}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
        names.append(f"s{i:02d}.yaml")
    batch = {"title": "Many services", "seed": 3, "output_dir": str(tmp / "out"),
             "notebook_dir": str(ROOT / "notebooks"), "notebooks": ["additionality", "targeting"],
             "services": names, "timeout_seconds": 900, "jobs": 2}
    path = tmp / "batch.yaml"
    path.write_text(yaml.safe_dump(batch, sort_keys=False))
    return path


def bench_batch(n_services: int) -> None:
    from svimpact.report.batch import run_batch

    with tempfile.TemporaryDirectory(prefix="svimpact-bench-dask-") as tmp:
        params = _services(Path(tmp), n_services)
        times = {}
        for label, scheduler in (("local", None), ("dask", "local")):
            start = time.perf_counter()
            result = run_batch(params, out=Path(tmp) / label, progress=None, scheduler=scheduler)
            times[label] = time.perf_counter() - start
            if not result.ok:
                sys.exit(f"the {label} run failed: {result.summary().text}")
        same = all((Path(tmp) / "local" / "tables" / p.name).read_bytes() == p.read_bytes()
                   for p in (Path(tmp) / "dask" / "tables").iterdir())
    print(f"batch: {n_services} services x 2 notebooks = {2 * n_services} notebooks; local (jobs 2) "
          f"{times['local']:.0f} s, Dask LocalCluster (2 workers) {times['dask']:.0f} s; ratio Dask / local "
          f"{times['dask'] / times['local']:.2f}; tables byte-identical: {same}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=lambda s: int(s.replace("_", "")), default=40_000_000)
    ap.add_argument("--partitions", type=int, default=100)
    ap.add_argument("--memory-limit", default="768MiB")
    ap.add_argument("--services", type=int, default=6)
    ap.add_argument("--skip-pool", action="store_true")
    ap.add_argument("--skip-batch", action="store_true")
    args = ap.parse_args()
    if not args.skip_pool:
        bench_pool(args.rows, args.partitions, args.memory_limit)
    if not args.skip_batch:
        bench_batch(args.services)


if __name__ == "__main__":
    main()
