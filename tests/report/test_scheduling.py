"""Tests for svimpact.report.scheduling (job order, kernel threads, kernel start-up)."""

from __future__ import annotations

import json
from collections import namedtuple

import pytest

from svimpact.report.scheduling import (
    BLAS_THREAD_VARIABLES,
    is_kernel_start_failure,
    kernel_env,
    kernel_manager,
    longest_first,
    previous_seconds,
)

J = namedtuple("J", "service notebook")
J.name = property(lambda self: f"{self.service}__{self.notebook}")

PLANNED = [J("hf", "additionality"), J("hf", "targeting"), J("hiw", "additionality"), J("hiw", "targeting")]


def names(jobs):
    return [j.name for j in jobs]


def test_without_records_heaviest_notebook_first_in_planned_order():
    assert names(longest_first(PLANNED, {})) == [
        "hf__additionality", "hiw__additionality", "hf__targeting", "hiw__targeting"]


def test_records_order_longest_first():
    secs = {"hf__additionality": 5.0, "hf__targeting": 6.0, "hiw__additionality": 10.0, "hiw__targeting": 4.0}
    assert names(longest_first(PLANNED, secs)) == [
        "hiw__additionality", "hf__targeting", "hf__additionality", "hiw__targeting"]


def test_unrecorded_job_takes_its_notebooks_longest_time_and_new_notebooks_go_first():
    secs = {"hf__additionality": 8.0, "hf__targeting": 3.0}
    jobs = [*PLANNED, J("hf", "new_notebook")]
    order = names(longest_first(jobs, secs))
    assert order[0] == "hf__new_notebook"
    assert order.index("hiw__additionality") < order.index("hf__targeting")


def test_previous_seconds_reads_ok_records_only(tmp_path):
    (tmp_path / "a__x.json").write_text(json.dumps({"status": "ok", "seconds": 3.5}))
    (tmp_path / "b__x.json").write_text(json.dumps({"status": "failed", "seconds": 1.0}))
    (tmp_path / "c__x.json").write_text("not json")
    assert previous_seconds(tmp_path) == {"a__x": 3.5}
    assert previous_seconds(tmp_path / "missing") == {}


def test_kernel_env_splits_cores_and_keeps_the_users_settings():
    env = kernel_env(2, environ={"MKL_NUM_THREADS": "3"}, cpus=2)
    assert env == {v: "1" for v in BLAS_THREAD_VARIABLES if v != "MKL_NUM_THREADS"}
    assert set(kernel_env(1, environ={}, cpus=8).values()) == {"8"}
    assert set(kernel_env(16, environ={}, cpus=2).values()) == {"1"}


@pytest.mark.parametrize("exc, expected", [
    (RuntimeError("Kernel died before replying to kernel_info"), True),
    (OSError("ZMQError: Address already in use (addr='tcp://127.0.0.1:51234')"), True),
    (ValueError("could not convert string to float"), False),
])
def test_kernel_start_failures(exc, expected):
    assert is_kernel_start_failure(exc) is expected


def test_kernel_manager_uses_private_ipc_sockets():
    import os

    if os.name != "posix":
        pytest.skip("IPC transport is POSIX only")
    with kernel_manager() as a, kernel_manager() as b:
        assert a.transport == b.transport == "ipc"
        assert os.path.isabs(a.ip) and os.path.dirname(a.ip) != os.path.dirname(b.ip)
        folder = os.path.dirname(a.ip)
    assert not os.path.exists(folder)
