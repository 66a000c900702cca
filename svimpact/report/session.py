"""Opening one service in a notebook: params, seed, disclosure rule, validated data and a publisher.

Every batch notebook starts with one call::

    svc = open_service(params_path, output_dir, seed)

In a batch run the params come from the run plan's snapshot in ``output_dir`` (resolved and
validated once, before any kernel started), so a notebook never re-reads the params YAML. Run
interactively (``output_dir=None``, or a folder no batch wrote), the params file is read here.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from svimpact.exceptions import ParamsError, SvimpactWarning
from svimpact.io.params import ServiceParams, load_service_params
from svimpact.io.service import ServiceDataset, load_service_data
from svimpact.report.plan import read_snapshot
from svimpact.report.publish import Publisher
from svimpact.report.rundata import data_key, read_dataset

__all__ = ["ServiceSession", "open_service"]


@dataclass(frozen=True)
class ServiceSession:
    """What a notebook works with: ``params``, ``seed``, ``rule``, ``data`` and ``publish``."""

    params: ServiceParams
    seed: int
    data: ServiceDataset
    publish: Publisher
    from_plan: bool

    @property
    def rule(self) -> str:
        return self.params.disclosure.rule


def _params_and_key(params_path: str | Path, output_dir: str | Path | None) -> tuple[ServiceParams, bool, str]:
    path = Path(params_path).expanduser().resolve()
    snap = read_snapshot(output_dir) if output_dir else None
    entry = (snap or {}).get("services", {}).get(str(path))
    if entry is None:
        return load_service_params(path), False, ""
    data = dict(entry["params"])
    try:
        params = ServiceParams.model_validate(data)
    except ValueError as exc:  # the snapshot is written by svimpact itself; a mismatch means versions differ
        raise ParamsError(f"the run plan in {output_dir} does not match this svimpact version ({exc}); "
                          "re-run the batch", file=str(path)) from None
    inputs = {role: f["sha256"] for role, f in entry.get("inputs", {}).items()}
    key = data_key(entry.get("params_sha256", ""), inputs)
    return params.model_copy(update={"source_file": path}), True, key


def open_service(params_path: str | Path, output_dir: str | Path | None = None,
                 seed: int | None = None) -> ServiceSession:
    """Open a service for a notebook: params, seed (the params' own when None), data and publisher.

    With an ``output_dir`` (the notebook is published), svimpact's warnings are not printed into the
    notebook: they name raw counts ("4 of 67 participants"). They travel with the results instead and
    reach the report through the published forms (:mod:`svimpact.report.disclosed`) and the limitations.
    """
    if output_dir:
        warnings.filterwarnings("ignore", category=SvimpactWarning)
    params, from_plan, key = _params_and_key(params_path, output_dir)
    seed = params.seed if seed is None else int(seed)
    data = (read_dataset(params.service, key) if key else None) or load_service_data(params)
    publish = Publisher(output_dir, params.service, params.disclosure.rule, labels=params.labels)
    return ServiceSession(params, seed, data, publish, from_plan)
