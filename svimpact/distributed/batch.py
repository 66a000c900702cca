"""``svimpact run BATCH --scheduler ADDRESS``: the batch's notebooks as Dask tasks on a cluster's workers.

:func:`svimpact.report.batch.run_batch` plans, validates, renders the chapter, gates and writes the
manifest on the client exactly as in a local run; only the execute step changes. Instead of a local
process pool, each planned notebook is submitted to a Dask cluster (``"local"``: a ``LocalCluster``
of ``jobs`` single-threaded worker processes on this machine; otherwise the address of a running
scheduler, e.g. ``tcp://host:8786``) through ``Client.get_executor``, so the batch's own loop -
results as they end, job records, failure isolation, ``--resume`` - is the same code.

**Workers need the client's environment and paths.** Each worker runs the notebook with Papermill
in a kernel of its own, reading the notebooks, params and data files and writing into the output
folder at the *same absolute paths* as the client: on a cluster, the repository and the output
folder must be on a shared filesystem mounted at the same place, and every worker needs the same
Python environment (svimpact and the locked dependencies, a ``python3`` Jupyter kernel). Each
service's checked dataset (:mod:`svimpact.report.rundata`) is sent to the workers through Dask
(scattered once per service) and written into a private temporary folder on each worker (mode 0700,
removed when the run ends), so no worker reads or checks the records again. Kernels get
``cores // worker threads on the host`` BLAS threads, as in a local run.

Stopping: Ctrl-C on the client closes a ``LocalCluster`` (its workers and kernels stop); on a remote
cluster the queued notebooks are cancelled, while a notebook already running finishes its cell run
(Dask cannot interrupt a running task) and is overwritten by the next run.
"""

from __future__ import annotations

import concurrent.futures as cf
import pickle
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

from svimpact.exceptions import BatchError
from svimpact.report.rundata import ENV_VAR
from svimpact.report.scheduling import kernel_env

__all__ = ["DaskExecutor", "describe_cluster", "run_on_worker"]

Submit = Callable[[Any, str, int, int], "cf.Future[Any]"]


def _folder(run_id: str) -> Path:
    return Path(tempfile.gettempdir()) / f"svimpact-run-data-{run_id}"


def _host(address: str) -> str:
    return address.split("://")[-1].rsplit(":", 1)[0]


def run_on_worker(execute: Callable[..., Any], job: Any, out: str, seed: int, timeout: int, payload: bytes,
                  run_id: str, threads_by_host: Mapping[str, int]) -> Any:
    """One notebook on a Dask worker: the service's dataset written to this worker's private run-data
    folder (once), the kernel's environment set, then the batch's own ``execute``."""
    from distributed import get_worker

    folder = _folder(run_id)
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / f"{job.service}.pkl"
    if not path.exists():
        tmp = folder / f".{job.service}.{uuid.uuid4().hex}.tmp"
        tmp.write_bytes(payload)
        tmp.replace(path)
    threads = threads_by_host.get(_host(get_worker().address), 1)
    return execute(job, out, seed, timeout, {**kernel_env(threads), ENV_VAR: str(folder)})


def _cleanup(run_id: str) -> None:
    shutil.rmtree(_folder(run_id), ignore_errors=True)


def describe_cluster(client: Any) -> str:
    """'Dask scheduler ADDRESS: W worker(s), T thread(s)'."""
    info = client.scheduler_info()
    workers = info.get("workers", {})
    threads = sum(int(w.get("nthreads", 0)) for w in workers.values())
    return f"Dask scheduler {info.get('address', '?')}: {len(workers)} worker(s), {threads} thread(s)"


class DaskExecutor:
    """Runs the batch's jobs on a Dask cluster (see the module docstring).

    ``with DaskExecutor("local", datasets, jobs=2).start(execute) as submit:`` yields
    ``submit(job, out, seed, timeout) -> concurrent.futures.Future``.
    """

    def __init__(self, scheduler: str, datasets: Mapping[str, tuple[str, Any]], *, jobs: int = 2) -> None:
        self.scheduler = scheduler
        self.datasets = datasets
        self.jobs = max(1, int(jobs))
        self.description = ""

    def _client(self, stack: ExitStack) -> Any:
        from distributed import Client, LocalCluster

        if self.scheduler == "local":
            cluster = stack.enter_context(LocalCluster(n_workers=self.jobs, threads_per_worker=1, processes=True,
                                                       dashboard_address=None))
            return stack.enter_context(Client(cluster))
        try:
            return stack.enter_context(Client(self.scheduler, timeout="30s"))
        except (OSError, TimeoutError, ValueError) as exc:
            raise BatchError(f"cannot reach the Dask scheduler at {self.scheduler!r} ({type(exc).__name__}); start "
                             "it (dask scheduler; dask worker ADDRESS on each machine) or use --scheduler local") \
                from None

    @contextmanager
    def start(self, execute: Callable[..., Any]) -> Iterator[Submit]:
        with ExitStack() as stack:
            client = self._client(stack)
            if not client.scheduler_info().get("workers"):
                client.wait_for_workers(1, timeout=60)
            self.description = describe_cluster(client)
            threads: dict[str, int] = {}
            for addr, w in client.scheduler_info().get("workers", {}).items():
                threads[_host(addr)] = threads.get(_host(addr), 0) + int(w.get("nthreads", 1))
            run_id = uuid.uuid4().hex
            payloads = {service: client.scatter(pickle.dumps({"key": key, "dataset": ds},
                                                             protocol=pickle.HIGHEST_PROTOCOL), hash=False)
                        for service, (key, ds) in self.datasets.items()}
            pool = client.get_executor(pure=False)
            try:
                yield lambda job, out, seed, timeout: pool.submit(run_on_worker, execute, job, out, seed, timeout,
                                                                  payloads[job.service], run_id, threads)
            except BaseException:
                pool.shutdown(wait=False)  # cancels what has not run
                raise
            finally:
                with suppress(OSError, TimeoutError, RuntimeError):  # a worker gone: its folder went with it
                    client.run(_cleanup, run_id)
