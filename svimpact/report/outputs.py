"""The output folder of a run: checked writable, locked against a second run, cleared or resumed.

Every fault here is one clear line naming the folder and what to do (a :class:`BatchError`),
never a traceback: a read-only folder, a path that is too long, a file where a folder is needed,
another run writing into the same folder, or ``--resume`` into a folder another batch wrote.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from svimpact.exceptions import BatchError
from svimpact.report.plan import PLAN_SNAPSHOT, RunPlan, read_snapshot
from svimpact.report.publish import atomic_write_bytes, evaluator_folder

__all__ = ["OUTPUT_FOLDERS", "lock_output", "prepare_output", "writable_folder"]

OUTPUT_FOLDERS = ("notebooks", "tables", "figures", "maps", "headlines", "quarantine", ".svimpact")
LEGACY_FOLDERS = ("audit",)  # written inside the report by svimpact before 2026-12; removed on every run
STALE_FILES = ("index.html", "manifest.json", "year-one.docx")  # plus the run's own Word and PDF copies
LOCK_NAME = ".svimpact.lock"


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENAMETOOLONG:
        return "the path is too long for this file system; choose a shorter one"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "it is not writable (permission denied or a read-only file system); choose a folder you can write to"
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return "a file is in the way (an output folder is needed); remove it or choose another path"
    if exc.errno == errno.ENOSPC:
        return "the disk is full; free some space or choose another disk"
    return f"{exc.strerror or type(exc).__name__}; choose another output folder"


def writable_folder(path: Path) -> Path:
    """Create ``path`` if needed and prove it is a writable folder, or raise a one-line BatchError."""
    label = f"output folder {path}"
    try:
        if path.exists() and not path.is_dir():
            raise BatchError(f"{label}: this is a file, not a folder; remove it or choose another --out")
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".svimpact-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise BatchError(f"{label}: cannot write there: {_reason(exc)}") from None
    return path


@contextmanager
def lock_output(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the output folder for the whole run; a second run refuses at once.

    The lock (``fcntl.flock`` on ``.svimpact.lock``) is released by the operating system when the
    process ends, so a crashed run never leaves the folder locked.
    """
    lock_path = path / LOCK_NAME
    try:
        handle: IO[str] = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the run
    except OSError as exc:
        raise BatchError(f"output folder {path}: cannot create its lock file: {_reason(exc)}") from None
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise BatchError(f"output folder {path} is in use by another svimpact run ({holder}); wait for it to "
                         "finish or choose another --out") from None
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        yield
    finally:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        handle.close()


def prepare_output(plan: RunPlan, resume: bool) -> None:
    """Clear the last run's outputs (all of them, unless resuming) and write the plan snapshot.

    A run in progress has no index.html, Word copy or manifest.json, so a crash never leaves a
    chapter that looks whole. ``--resume`` into a folder another batch wrote is refused.
    """
    out = plan.output_dir
    if resume:
        previous = read_snapshot(out)
        if previous is not None and previous.get("batch") != str(plan.batch.source_file):
            raise BatchError(f"output folder {out} was written by another batch ({previous.get('batch')}); "
                             "--resume only continues the same batch: run without --resume or choose another --out")
    try:
        for stale in (*STALE_FILES, f"{out.name}.docx", f"{out.name}.pdf"):
            (out / stale).unlink(missing_ok=True)
        for sub in OUTPUT_FOLDERS:
            if not resume:
                shutil.rmtree(out / sub, ignore_errors=True)
            (out / sub).mkdir(parents=True, exist_ok=True)
        for legacy in LEGACY_FOLDERS:
            shutil.rmtree(out / legacy, ignore_errors=True)
        private = evaluator_folder(out) / "audit"
        if not resume:
            shutil.rmtree(private, ignore_errors=True)
        private.mkdir(parents=True, exist_ok=True, mode=0o700)
        for partial in (out / "notebooks").glob(".partial-*"):
            partial.unlink()
        atomic_write_bytes(out / PLAN_SNAPSHOT, json.dumps(plan.snapshot(), indent=1).encode("utf-8"))
    except OSError as exc:
        raise BatchError(f"output folder {out}: cannot prepare it: {_reason(exc)}") from None
