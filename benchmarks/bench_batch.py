"""Benchmark: the Year One batch against "the floor", the same batch whose notebooks only import.

Run: ``.venv/bin/python benchmarks/bench_batch.py [--rounds 3] [--batch params/year_one.yaml]``.
Target (issue 11): median(real) / median(floor) <= 1.3 on the 2-core build machine.

The floor is the same batch (same services, same ``jobs``, same seed, same runner: ``run_batch``
with its chapter, Word copy, disclosure gate and manifest) with notebooks of the same names whose
only code cells are the ``parameters`` cell and one cell importing the stack the real notebooks
import (svimpact and its estimators/report/geo modules, pandas, numpy, matplotlib, geopandas,
statsmodels) and loading the service's params. What remains is the cost of starting kernels,
importing, Papermill and the post-notebook steps, so the ratio measures the notebooks' own work.

The two sides alternate (real, floor, real, floor, ...) in fresh temporary output directories so
that machine load drifts affect both alike; each side reports min and median wall-clock seconds,
and the last real run's per-notebook seconds are printed. A run that is not ``ok`` (failed
notebook or gate finding) aborts the benchmark: a fast broken batch proves nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]

# Everything the real notebooks import, so the floor pays the same import bill.
FLOOR_IMPORTS = """\
from IPython.display import Markdown, display

import geopandas as gpd
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import statsmodels.api as sm

import svimpact
from svimpact.disclosure import SUPPRESSED, rounded_count, safe_count
from svimpact.estimators import diagnostics
from svimpact.estimators.ledger import Source
from svimpact.estimators.survey import leakage_from_geography, survey_deadweight
from svimpact.estimators.uncertainty import appraise
from svimpact.estimators.valuation import load_deflator_file, load_value_library
from svimpact.geo import maps, targeting
from svimpact.io import load_service_data, load_service_params
from svimpact.report import Publisher, limitations, survey_table, value_by_decile

params = load_service_params(params_path)
seed = params.seed if seed is None else int(seed)
"""


def _floor_notebook(real: Path, dest: Path) -> None:
    """A copy of ``real`` keeping its metadata and ``parameters`` cell, then only the imports."""
    nb = nbformat.read(real, as_version=4)
    params = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    nb.cells = [*params, nbformat.v4.new_code_cell(FLOOR_IMPORTS)]
    nbformat.write(nb, dest)


def make_floor(batch_path: Path, workdir: Path) -> Path:
    """Write the floor's notebooks and batch yaml under ``workdir``; return the yaml's path."""
    from svimpact.io.params import load_batch_params
    from svimpact.io.yamlfile import read_yaml

    batch = load_batch_params(batch_path)
    nb_dir = workdir / "notebooks"
    nb_dir.mkdir(parents=True, exist_ok=True)
    for name in batch.notebooks:
        _floor_notebook(batch.notebook_dir / f"{name}.ipynb", nb_dir / f"{name}.ipynb")
    raw = read_yaml(batch_path)
    raw["notebook_dir"] = str(nb_dir)
    raw["services"] = [str(Path(s).resolve()) for s in batch.services]
    raw["output_dir"] = str(workdir / "out")
    raw["title"] = f"{raw.get('title', 'batch')} (floor: imports only)"
    import yaml

    dest = workdir / "floor.yaml"
    dest.write_text(yaml.safe_dump(raw, sort_keys=False))
    return dest


def run_once(batch_path: Path, out: Path) -> tuple[float, object]:
    from svimpact.report.batch import run_batch

    t0 = time.perf_counter()
    res = run_batch(batch_path, out=out, progress=None)
    dt = time.perf_counter() - t0
    if not res.ok:
        bad = [r.describe() for r in res.results if not r.ok] + list(res.gate_findings)
        sys.exit(f"bench_batch: {batch_path} did not succeed: {bad[:5]}")
    return dt, res


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", default=str(ROOT / "params" / "year_one.yaml"))
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    real_yaml = Path(args.batch).resolve()
    times: dict[str, list[float]] = {"real": [], "floor": []}
    with tempfile.TemporaryDirectory(prefix="svimpact-bench-") as tmp:
        tmp_path = Path(tmp)
        floor_yaml = make_floor(real_yaml, tmp_path / "floor")
        sides = {"real": real_yaml, "floor": floor_yaml}
        last = None
        for i in range(args.rounds):
            for side, yml in sides.items():
                # each side keeps its output directory across rounds, as `make demo` does
                out = tmp_path / f"{side}-out"
                dt, res = run_once(yml, out)
                times[side].append(dt)
                if side == "real":
                    last = res
                print(f"round {i + 1}/{args.rounds} {side:5s}: {dt:6.1f} s", flush=True)
    print(f"cpus: {os.cpu_count()}, load average now: {os.getloadavg()[0]:.1f}")
    for side, ts in times.items():
        print(f"{side:5s}: min {min(ts):6.1f} s  median {statistics.median(ts):6.1f} s  "
              f"runs {' '.join(f'{t:.1f}' for t in ts)}")
    if last is not None:
        print("last real run, per notebook: " + ", ".join(
            f"{r.job.name} {r.seconds:.1f} s" for r in last.results))
    ratio = statistics.median(times["real"]) / statistics.median(times["floor"])
    print(f"ratio median(real) / median(floor): {ratio:.2f} (target <= 1.3)")


if __name__ == "__main__":
    main()
