"""The batch: every (service x notebook) executed with Papermill, in parallel, then one chapter.

``run_batch`` reads as a pipeline of named steps::

    load -> validate -> plan -> execute -> chapter -> gate -> manifest

The params are read once (:func:`~svimpact.report.plan.load_run`); the output folder is checked and
locked; every input is checked, and each service's records read once, before any kernel starts
(:func:`~svimpact.report.plan.prepare_run`); a failed notebook never stops the others; each notebook's
chapter section and gate scan are done as it ends (:mod:`svimpact.report.tail`); the chapter is built
from memory; and the manifest is written once, at the end, claiming success only when every notebook
succeeded and the disclosure gate passed.
"""

from __future__ import annotations

import concurrent.futures as cf
import html as html_lib
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from svimpact._results import ResultMixin, Summary, result_frame
from svimpact.io.params import BatchParams
from svimpact.io.service import ServiceDataset
from svimpact.io.validate import ValidationFailed
from svimpact.report.manifest import manifest_data, run_facts, write_manifest
from svimpact.report.outputs import lock_output, prepare_output, writable_folder
from svimpact.report.plan import NOTEBOOK_PARAMETERS, Job, JobResult, RunPlan, load_run, prepare_run
from svimpact.report.publish import atomic_write_bytes
from svimpact.report.rundata import data_key, run_data_folder
from svimpact.report.scheduling import (
    is_kernel_start_failure,
    kernel_env,
    kernel_manager,
    longest_first,
    previous_seconds,
)
from svimpact.report.tail import Tail, gate_inputs

__all__ = ["NOTEBOOK_PARAMETERS", "BatchResult", "Job", "JobResult", "run_batch"]


@dataclass(frozen=True)
class BatchResult(ResultMixin):
    """A whole batch: every notebook's :class:`JobResult`, the chapter, the manifest, the gate's findings.

    ``to_frame()`` keeps the results contract: one row per notebook (as :meth:`JobResult.to_frame`),
    then "gate findings" (a count; ``source`` = the manifest).
    """

    plan: RunPlan
    results: tuple[JobResult, ...]
    chapter: Path | None
    manifest: Path
    gate_findings: tuple[str, ...] = field(default=())

    @property
    def batch(self) -> BatchParams:
        return self.plan.batch

    @property
    def output_dir(self) -> Path:
        return self.plan.output_dir

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results) and not self.gate_findings

    def to_frame(self) -> pd.DataFrame:
        gate = result_frame([{"measure": "gate findings", "value": float(len(self.gate_findings)),
                              "method": "disclosure gate", "source": str(self.manifest)}])
        return pd.concat([*(r.to_frame() for r in self.results), gate], ignore_index=True)

    def summary(self) -> Summary:
        """The status and manifest, one line per notebook, then any gate findings."""
        lines = [f"Batch: {'complete' if self.ok else 'FAILED'}; {len(self.results)} notebook run(s); "
                 f"manifest: {self.manifest}", *(f"  {r.summary()}" for r in self.results),
                 *(f"  gate: {g}" for g in self.gate_findings)]
        items = "".join(f"<li>{html_lib.escape(x.strip())}</li>" for x in lines[1:])
        html = f"<p>{html_lib.escape(lines[0])}</p>" + (f"<ul>{items}</ul>" if items else "")
        markdown = "\n".join([f"**{lines[0]}**", "", *(f"- {x.strip()}" for x in lines[1:])]).rstrip()
        return Summary("\n".join(lines), html, markdown)


def _record_path(out: Path, job: Job) -> Path:
    return out / ".svimpact" / "jobs" / f"{job.name}.json"


def _write_record(out: Path, res: JobResult) -> None:
    record = {"key": res.job.key, "status": res.status, "seconds": round(res.seconds, 2), "error": res.error}
    atomic_write_bytes(_record_path(out, res.job), json.dumps(record, indent=1).encode())


def _unchanged(out: Path, job: Job) -> bool:
    path = _record_path(out, job)
    if not (path.is_file() and job.output_path.is_file()):
        return False
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return record.get("key") == job.key and record.get("status") == "ok"


def _execute(job: Job, out: str, seed: int, timeout: int, env: dict[str, str]) -> JobResult:
    """Run one notebook (in a worker process). Never raises: failures become a JobResult."""
    os.environ.update(env)  # BLAS threads per kernel (scheduling.kernel_env), inherited by the kernel
    import papermill as pm

    start = time.perf_counter()
    params = {"params_path": str(job.params_path), "output_dir": out, "seed": seed}
    tmp = job.output_path.with_name(f".partial-{job.output_path.name}")
    status, error = "ok", None
    for attempt in range(3):  # a kernel whose port was taken at start-up is retried; nothing else is
        try:
            with kernel_manager("python3") as km:  # private IPC sockets: no TCP port to clash
                pm.execute_notebook(
                    str(job.input_path), str(tmp), parameters=params, kernel_name="python3",
                    cwd=str(job.input_path.parent), execution_timeout=timeout, progress_bar=False,
                    log_output=False, request_save_on_cell_execute=False, km=km,
                )
            status, error = "ok", None
            break
        except pm.PapermillExecutionError as exc:
            status = "failed"
            error = {"cell": exc.cell_index, "exec_count": exc.exec_count, "ename": exc.ename,
                     "evalue": str(exc.evalue)[:2000]}
            break
        except Exception as exc:  # noqa: BLE001 - any failure is reported, never raised
            name = type(exc).__name__
            if ("Timeout" in name or "timed out" in str(exc).lower()) and "kernel" not in str(exc).lower():
                status, error = "timeout", {"cell": None, "ename": name, "evalue": str(exc)[:2000]}
                break
            status, error = "failed", {"cell": None, "ename": name, "evalue": str(exc)[:2000]}
            if is_kernel_start_failure(exc) and attempt < 2:
                time.sleep(0.5 + attempt)
                continue
            break
    if tmp.exists():
        _stable_cell_ids(tmp)
        tmp.replace(job.output_path)
    return JobResult(job, status, time.perf_counter() - start, error)


def _stable_cell_ids(path: Path) -> None:
    """Papermill gives the cell it injects a random id; a fixed one keeps two runs' notebooks identical."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"
    nbformat.write(nb, path)


def _step_validate(plan: RunPlan, say: Callable[[str], None]) -> dict[str, tuple[str, ServiceDataset]]:
    """Every input checked before any kernel starts; a blocking problem stops the run here.

    Returns each service's dataset with its key, for the notebooks (see :mod:`svimpact.report.rundata`).
    """
    report, datasets = prepare_run(plan)
    if not report.ok:
        raise ValidationFailed(report)
    n_rows = sum(n for _, n in dict(report.rows_read).items())
    say(f"svimpact: inputs checked ({len(plan.services)} service(s), {n_rows} record(s)); "
        f"{report.n_excluded} excluded as the params allow" if report.n_excluded else
        f"svimpact: inputs checked ({len(plan.services)} service(s), {n_rows} record(s))")
    return {sp.service: (data_key(sp.params_sha256, {f.role: f.sha256 for f in sp.inputs}), datasets[sp.service])
            for sp in plan.services}


def _step_execute(plan: RunPlan, todo: list[Job], start: Callable[[], Any], say: Callable[[str], None],
                  on_done: Callable[[JobResult], None]) -> dict[Job, JobResult]:
    """Run the notebooks; ``on_done`` gets each result as soon as its notebook ends, while the others
    still run (the batch renders its chapter section and gates it then). ``start()`` is a context
    manager yielding ``submit(job, out, seed, timeout) -> Future``: a local process pool
    (:func:`_local_pool`) or a Dask cluster (:class:`svimpact.distributed.batch.DaskExecutor`)."""
    out_dir = plan.output_dir
    results: dict[Job, JobResult] = {}
    if not todo:
        return results
    with start() as submit:
        futures = {submit(j, str(out_dir), plan.seed, plan.batch.timeout_seconds): j for j in todo}
        for i, fut in enumerate(cf.as_completed(futures), 1):
            job = futures[fut]
            try:
                res = fut.result()
            except Exception as exc:  # noqa: BLE001 - a crashed worker is a failed notebook
                res = JobResult(job, "failed", 0.0, {"cell": None, "ename": type(exc).__name__, "evalue": str(exc)})
            results[job] = res
            _write_record(out_dir, res)
            say(f"[{i}/{len(todo)}] {res.summary()}")
            on_done(res)
    return results


@contextmanager
def _local_pool(n_workers: int, data_env: dict[str, str]) -> Iterator[Callable[..., cf.Future[JobResult]]]:
    """Worker processes on this machine (spawned; each ends when the batch process dies)."""
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx, initializer=_exit_with_parent,
                                initargs=(os.getpid(),)) as pool, _stopped_on_interrupt(pool):
        env = {**kernel_env(n_workers), **data_env}
        yield lambda job, out, seed, timeout: pool.submit(_execute, job, out, seed, timeout, env)


def _exit_with_parent(parent: int) -> None:
    """Worker initializer: end this worker as soon as the batch process is gone (killed, even with
    SIGKILL), so no notebook keeps writing into the output folder after its run has died. The
    worker's kernel notices its parent is gone and shuts itself down."""
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="svimpact-parent-watch", daemon=True).start()


@contextmanager
def _stopped_on_interrupt(pool: cf.ProcessPoolExecutor) -> Iterator[None]:
    """On Ctrl-C or SIGTERM, stop the workers now (not after their notebooks end) and re-raise."""
    try:
        yield
    except BaseException:
        for proc in list(getattr(pool, "_processes", {}).values()):  # no public API to stop busy workers
            proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise


def run_batch(
    batch_path: str | Path,
    *,
    out: str | Path | None = None,
    jobs: int | None = None,
    resume: bool = False,
    progress: Callable[[str], None] | None = print,
    scheduler: str | None = None,
) -> BatchResult:
    """Run the batch described by ``batch_path``; see the module docstring.

    With ``resume=True``, notebooks whose notebook file, service params, input files (records,
    areas, boundaries, unit-value and deflator files), seed and svimpact version are unchanged
    since they last succeeded in ``out`` are not run again. With ``scheduler`` (``"local"`` for a
    ``LocalCluster`` of ``jobs`` workers, or a Dask scheduler address such as ``tcp://host:8786``)
    the notebooks run as Dask tasks on the cluster's workers (:mod:`svimpact.distributed.batch`:
    workers need the same environment and the same paths); everything else stays here.
    """
    say = progress or (lambda _msg: None)
    start = time.perf_counter()
    say(f"svimpact: reading {batch_path} and its service params")
    plan = load_run(batch_path, out=out)                                    # 1. load
    say(f"svimpact: checking the input files of {len(plan.services)} service(s)")
    out_dir = writable_folder(plan.output_dir)
    with lock_output(out_dir):
        datasets = _step_validate(plan, say)                                # 2. validate
        planned, todo = _step_plan(plan, resume)                            # 3. plan
        n_workers = max(1, min(jobs or plan.batch.jobs, len(todo) or 1))
        skipped = {j: JobResult(j, "skipped", 0.0) for j in planned if j not in todo}
        where = f"{n_workers} worker(s)" if scheduler is None else f"Dask ({scheduler})"
        say(f"svimpact: running {len(todo)} of {len(planned)} notebook(s) ({len(plan.services)} service(s) x "
            f"{len(plan.notebooks)} notebook(s)) with {where} into {out_dir}")
        data: AbstractContextManager[dict[str, str]] = run_data_folder(datasets) if scheduler is None else nullcontext({})
        with cf.ThreadPoolExecutor(max_workers=1) as side, data as data_env:
            tail = Tail(plan, side.submit(gate_inputs, plan))  # gate inputs read while notebooks run
            for res in skipped.values():
                say(f"[-] {res.summary()}")
                tail(res)
            launch = _executor(scheduler, datasets, n_workers, data_env, say)
            executed = _step_execute(plan, todo, launch, say, tail)   # 4. execute
            ordered = _in_batch_order(plan, {**skipped, **executed})
            facts = run_facts(plan)
            say("svimpact: building the chapter and its Word copy; the disclosure gate scans every output")
            chapter, findings = tail.chapter_and_gate(ordered, facts)        # 5. chapter, 6. gate
        manifest = write_manifest(out_dir, manifest_data(                   # 7. manifest
            plan, ordered, elapsed=time.perf_counter() - start, gate=findings, facts=facts))
    result = BatchResult(plan, ordered, chapter, manifest, findings)
    _report(result, say)
    return result


def _executor(scheduler: str | None, datasets: dict[str, tuple[str, ServiceDataset]], n_workers: int,
              data_env: dict[str, str], say: Callable[[str], None]) -> Callable[[], Any]:
    """How the notebooks run: a local process pool, or a Dask cluster (``scheduler``)."""
    if scheduler is None:
        return lambda: _local_pool(n_workers, data_env)
    from svimpact.distributed.batch import DaskExecutor

    dask = DaskExecutor(scheduler, datasets, jobs=n_workers)

    @contextmanager
    def start() -> Iterator[Callable[..., cf.Future[JobResult]]]:
        with dask.start(_execute) as submit:
            say(f"svimpact: {dask.description}")
            yield submit

    return start


def _step_plan(plan: RunPlan, resume: bool) -> tuple[tuple[Job, ...], list[Job]]:
    """The jobs, longest first (by the last run's times, read before its records are cleared), the
    output folder prepared, and the jobs to run (all, or with ``resume`` those whose key changed)."""
    planned = tuple(longest_first(plan.jobs(), previous_seconds(plan.output_dir / ".svimpact" / "jobs")))
    prepare_output(plan, resume)
    return planned, [j for j in planned if not (resume and _unchanged(plan.output_dir, j))]


def _in_batch_order(plan: RunPlan, results: dict[Job, JobResult]) -> tuple[JobResult, ...]:
    """Results in the batch's order (services, then notebooks), whatever order they ran in."""
    by_name = {(j.service, j.notebook): r for j, r in results.items()}
    return tuple(by_name[(s.service, n.name)] for s in plan.services for n in plan.notebooks)


def _report(result: BatchResult, say: Callable[[str], None]) -> None:
    failed = [r for r in result.results if not r.ok]
    if failed:
        say(f"svimpact: {len(failed)} of {len(result.results)} notebooks FAILED; the chapter is marked incomplete:")
        for r in failed:
            say(f"  - {r.summary()}  (see {r.job.output_path})")
    if result.gate_findings:
        say(f"svimpact: the disclosure gate found {len(result.gate_findings)} problem(s); the run is NOT complete:")
        for f in result.gate_findings[:20]:
            say(f"  - {f}")
    if result.ok:
        say(f"svimpact: chapter written to {result.chapter}; disclosure gate passed")

