"""How the batch runs its notebooks fast: job order, BLAS threads and kernel start-up.

Three small decisions that ``run_batch`` takes, kept here so they can be measured and tested on
their own (``benchmarks/bench_batch.py`` measures them together):

* ``longest_first``: with fewer workers than notebooks, the batch ends when its last notebook
  ends, so the longest ones start first (longest-processing-time-first scheduling). The order
  comes from the seconds each notebook took in the previous run in the same output directory
  (``.svimpact/jobs/*.json``), read before that run's records are cleared; without records,
  notebooks keep the order of ``NOTEBOOK_WEIGHT`` (additionality, the heaviest, first).
* ``kernel_env``: each kernel gets ``cores // workers`` BLAS/OpenMP threads (at least one).
  With two kernels on two cores, two threads each oversubscribe the machine and the BLAS
  threads spin against each other: a 20,000 x 11 QR took 90 ms instead of 4 ms. Variables the
  user set already are kept.
* ``kernel_manager`` and ``is_kernel_start_failure``: kernels talk over IPC sockets where the
  platform has them, so parallel kernels cannot pick the same TCP port (``ZMQError: Address
  already in use``); on other platforms a start-up failure is retried by the caller.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = [
    "BLAS_THREAD_VARIABLES",
    "NOTEBOOK_WEIGHT",
    "is_kernel_start_failure",
    "kernel_env",
    "kernel_manager",
    "longest_first",
    "previous_seconds",
]

BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                         "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")

#: Relative cost of the batch notebooks when no previous run says better (higher runs first).
NOTEBOOK_WEIGHT: Mapping[str, int] = {"additionality": 2, "targeting": 1}


def previous_seconds(records_dir: Path) -> dict[str, float]:
    """``{job name: seconds}`` from the job records of the previous run (empty if none)."""
    seconds: dict[str, float] = {}
    for path in Path(records_dir).glob("*.json"):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            if record.get("status") == "ok":
                seconds[path.stem] = float(record["seconds"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
    return seconds


def longest_first(jobs: Sequence[Any], seconds: Mapping[str, float]) -> list[Any]:
    """``jobs`` (anything with ``.name`` and ``.notebook``) ordered longest expected first.

    Jobs with a recorded time are ordered by it; jobs without one are placed as if they took
    as long as the longest recorded job of the same notebook, else by ``NOTEBOOK_WEIGHT``
    (ahead of every recorded job, so a new, unknown notebook is never left to the end). The
    sort is stable: ties keep the planned order.
    """
    by_notebook: dict[str, float] = {}
    for job in jobs:
        if job.name in seconds:
            by_notebook[job.notebook] = max(by_notebook.get(job.notebook, 0.0), seconds[job.name])
    top = max(seconds.values(), default=0.0)

    def expected(job: Any) -> tuple[float, int]:
        weight = NOTEBOOK_WEIGHT.get(job.notebook, max(NOTEBOOK_WEIGHT.values(), default=0) + 1)
        if job.name in seconds:
            return seconds[job.name], weight
        if job.notebook in by_notebook:
            return by_notebook[job.notebook], weight
        return top + 1.0, weight

    return sorted(jobs, key=expected, reverse=True)


def kernel_env(n_workers: int, environ: Mapping[str, str] | None = None,
               cpus: int | None = None) -> dict[str, str]:
    """The BLAS/OpenMP thread variables to add to a worker's environment (user's values win)."""
    environ = os.environ if environ is None else environ
    cpus = cpus or os.cpu_count() or 1
    threads = str(max(1, cpus // max(1, n_workers)))
    return {var: threads for var in BLAS_THREAD_VARIABLES if var not in environ}


@contextmanager
def kernel_manager(kernel_name: str = "python3") -> Iterator[Any]:
    """A kernel manager for one notebook: on POSIX its sockets are IPC files in a fresh private
    directory (no TCP ports to clash, nothing shared with another kernel); TCP elsewhere."""
    from jupyter_client.manager import AsyncKernelManager

    if os.name != "posix":
        km = AsyncKernelManager(kernel_name=kernel_name)
        try:
            yield km
        finally:
            _shutdown(km)
        return
    with tempfile.TemporaryDirectory(prefix="svimpact-kernel-") as tmp:
        km = AsyncKernelManager(kernel_name=kernel_name, transport="ipc", ip=os.path.join(tmp, "k"))
        try:
            yield km
        finally:
            _shutdown(km)


def _shutdown(km: Any) -> None:
    """Stop the kernel of a manager handed to nbclient: nbclient only stops kernels it created itself, so
    without this every kernel would live on until its worker process exits. The notebook has ended, so
    the kernel is asked to shut down without the interrupt ``shutdown_kernel`` sends first (which makes
    an idle kernel log "KeyboardInterrupt caught in kernel")."""
    from jupyter_core.utils import run_sync

    try:
        if km.has_kernel:
            run_sync(km.request_shutdown)()
            run_sync(km.finish_shutdown)()  # waits briefly, then kills a kernel that did not stop
            run_sync(km.cleanup_resources)()
    except (RuntimeError, OSError):  # already gone: nothing to stop
        pass


def is_kernel_start_failure(exc: BaseException) -> bool:
    """Whether ``exc`` means the kernel never started (worth a retry), not a notebook error."""
    text = f"{type(exc).__name__}: {exc}".lower()
    return any(s in text for s in ("address already in use", "kernel died", "deadkernel",
                                   "kernel didn't respond", "kernel_info", "zmqerror"))
