"""Each service's checked data, handed from the batch to its notebooks once per run.

The batch reads, checks and pseudonymises every service's records once, before any kernel starts
(:func:`svimpact.report.plan.prepare_run`). So that the notebooks do not read and check the same
files again, each dataset is pickled into a private temporary folder (mode 0700, outside the report
folder, removed when the run ends) named to the kernels by the ``SVIMPACT_RUN_DATA`` environment
variable. A notebook uses a dataset only when its key (the params file's and every input file's
sha256) matches the plan it was given; otherwise it reads the files itself, as it does when run
interactively. Pickle is safe here: the folder is created by this process and readable only by
its user.
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from svimpact._common import sha256
from svimpact.io.service import ServiceDataset

__all__ = ["ENV_VAR", "data_key", "read_dataset", "run_data_folder"]

ENV_VAR = "SVIMPACT_RUN_DATA"


def data_key(params_sha256: str, inputs: Mapping[str, str]) -> str:
    """The key of a service's dataset: its params file and every input file, by sha256."""
    text = params_sha256 + "".join(f"\0{role}={inputs[role]}" for role in sorted(inputs))
    return sha256(text.encode())


@contextmanager
def run_data_folder(datasets: Mapping[str, tuple[str, ServiceDataset]]) -> Iterator[dict[str, str]]:
    """Write ``{service: (key, dataset)}`` to a private folder; yields the environment to hand the kernels."""
    folder = Path(tempfile.mkdtemp(prefix="svimpact-run-data-"))  # mode 0700
    try:
        for service, (key, dataset) in datasets.items():
            with open(folder / f"{service}.pkl", "wb") as fh:
                pickle.dump({"key": key, "dataset": dataset}, fh, protocol=pickle.HIGHEST_PROTOCOL)
        yield {ENV_VAR: str(folder)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def read_dataset(service: str, key: str) -> ServiceDataset | None:
    """The dataset the batch prepared for ``service`` if it matches ``key``, else None."""
    folder = os.environ.get(ENV_VAR)
    if not folder:
        return None
    path = Path(folder) / f"{service}.pkl"
    try:
        with open(path, "rb") as fh:
            record = pickle.load(fh)  # noqa: S301 - written by this run into its private folder
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    if not isinstance(record, dict) or record.get("key") != key:
        return None
    dataset = record.get("dataset")
    return dataset if isinstance(dataset, ServiceDataset) else None
