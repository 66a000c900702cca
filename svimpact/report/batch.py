"""The batch: every (service x notebook) executed with Papermill, in parallel, then one chapter.

``run_batch`` reads as a pipeline: load and validate params -> plan the jobs -> execute them
(a failure never stops the others) -> build the chapter -> write the manifest. The manifest
claims success only when every notebook succeeded.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from svimpact.io.params import BatchParams, load_batch_params, load_service_params

__all__ = ["BatchResult", "Job", "JobResult", "plan_jobs", "run_batch"]


@dataclass(frozen=True)
class Job:
    service: str
    title: str
    params_path: Path
    notebook: str
    input_path: Path
    output_path: Path


@dataclass(frozen=True)
class JobResult:
    job: Job
    status: str  # "ok" | "failed" | "timeout"
    seconds: float
    error: dict | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def describe(self) -> str:
        name = f"{self.job.service} x {self.job.notebook}"
        if self.ok:
            return f"{name}: ok in {self.seconds:.1f} s"
        e = self.error or {}
        cell = f" in cell {e['cell']}" if e.get("cell") is not None else ""
        return f"{name}: {self.status.upper()}{cell}: {e.get('ename', '')}: {e.get('evalue', '')}".rstrip(": ")


@dataclass(frozen=True)
class BatchResult:
    batch: BatchParams
    output_dir: Path
    results: tuple[JobResult, ...]
    chapter: Path | None
    manifest: Path
    gate_findings: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results) and not self.gate_findings


def plan_jobs(batch: BatchParams, out: Path) -> list[Job]:
    jobs = []
    for service_path in batch.services:
        sp = load_service_params(service_path)
        for nb in batch.notebooks:
            jobs.append(Job(sp.service, sp.title, Path(service_path), nb, batch.notebook_dir / f"{nb}.ipynb",
                            out / "notebooks" / f"{sp.service}__{nb}.ipynb"))
    return jobs


def _execute(job: Job, out: str, seed: int, timeout: int) -> JobResult:
    """Run one notebook (in a worker process). Never raises: failures become a JobResult."""
    import papermill as pm

    start = time.perf_counter()
    params = {"params_path": str(job.params_path), "output_dir": out, "seed": seed}
    tmp = job.output_path.with_name(f".{job.output_path.name}.partial")
    status, error = "ok", None
    for attempt in range(3):  # kernel start-up can race under parallel runs: retry that only
        try:
            pm.execute_notebook(
                str(job.input_path), str(tmp), parameters=params, kernel_name="python3",
                cwd=str(job.input_path.parent), execution_timeout=timeout, progress_bar=False,
                log_output=False, request_save_on_cell_execute=False,
            )
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
            if "kernel" in str(exc).lower() and attempt < 2:
                time.sleep(1 + attempt)
                continue
            status, error = "failed", {"cell": None, "ename": name, "evalue": str(exc)[:2000]}
            break
    if tmp.exists():
        tmp.replace(job.output_path)
    return JobResult(job, status, time.perf_counter() - start, error)


def run_batch(
    batch_path: str | Path,
    *,
    out: str | Path | None = None,
    jobs: int | None = None,
    progress: Callable[[str], None] | None = print,
) -> BatchResult:
    """Run the batch described by ``batch_path``; see the module docstring."""
    from svimpact.report.chapter import build_chapter
    from svimpact.report.manifest import write_manifest

    say = progress or (lambda _msg: None)
    batch = load_batch_params(batch_path)
    out_dir = Path(out).resolve() if out else batch.output_dir
    for sub in ("notebooks", "tables", "figures"):
        shutil.rmtree(out_dir / sub, ignore_errors=True)
        (out_dir / sub).mkdir(parents=True, exist_ok=True)
    for stale in ("index.html", "manifest.json"):
        (out_dir / stale).unlink(missing_ok=True)
    planned = plan_jobs(batch, out_dir)
    n_workers = max(1, min(jobs or batch.jobs, len(planned)))
    say(f"svimpact: running {len(planned)} notebooks ({len(batch.services)} services x "
        f"{len(batch.notebooks)} notebooks) with {n_workers} worker(s) into {out_dir}")
    start = time.perf_counter()
    results: dict[Job, JobResult] = {}
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx) as pool:
        futures = {pool.submit(_execute, j, str(out_dir), batch.seed, batch.timeout_seconds): j for j in planned}
        for i, fut in enumerate(cf.as_completed(futures), 1):
            job = futures[fut]
            try:
                res = fut.result()
            except Exception as exc:  # noqa: BLE001 - a crashed worker is a failed notebook
                res = JobResult(job, "failed", 0.0, {"cell": None, "ename": type(exc).__name__, "evalue": str(exc)})
            results[job] = res
            say(f"[{i}/{len(planned)}] {res.describe()}")
    ordered = tuple(results[j] for j in planned)
    chapter = build_chapter(batch, out_dir, ordered)
    manifest = write_manifest(batch, out_dir, ordered, elapsed=time.perf_counter() - start)
    result = BatchResult(batch, out_dir, ordered, chapter, manifest)
    failed = [r for r in ordered if not r.ok]
    if failed:
        say(f"svimpact: {len(failed)} of {len(ordered)} notebooks FAILED; the chapter is marked incomplete:")
        for r in failed:
            say(f"  - {r.describe()}  (see {r.job.output_path})")
    else:
        say(f"svimpact: chapter written to {chapter}")
    return result
