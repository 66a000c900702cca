"""Reading service records at the boundary, with checks that name the file, column and rows.

Validation happens here, once. Nothing downstream re-checks or silently drops rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from svimpact.exceptions import InputDataError
from svimpact.io.params import ServiceParams

__all__ = ["ServiceDataset", "file_sha256", "load_service_data", "read_table"]


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _rows(mask: np.ndarray | pd.Series) -> list[int]:
    """1-based data row numbers where ``mask`` is true."""
    return (np.flatnonzero(np.asarray(mask)) + 1).tolist()


def read_table(path: str | Path, *, required: Sequence[str] = (), dtype: dict | None = None) -> pd.DataFrame:
    """Read a CSV (UTF-8, with or without BOM) or an Excel sheet, checking required columns."""
    path = Path(path)
    if not path.is_file():
        raise InputDataError("file not found", file=str(path))
    try:
        if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"}:
            frame = pd.read_excel(path, dtype=dtype)
        else:
            frame = pd.read_csv(path, encoding="utf-8-sig", dtype=dtype, low_memory=False)
    except UnicodeDecodeError as exc:
        raise InputDataError(
            f"not readable as UTF-8 (byte {exc.start})", file=str(path),
            hint="save the file as CSV UTF-8, or convert it from Windows-1252",
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise InputDataError(f"could not be read as a table: {exc}", file=str(path)) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputDataError(
            f"missing column(s) {', '.join(repr(c) for c in missing)}; found {', '.join(frame.columns)}",
            file=str(path), hint="rename the columns or change the column names in the params file",
        )
    return frame


def _check_binary(frame: pd.DataFrame, column: str, file: str) -> None:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = ~values.isin([0, 1])
    if bad.any():
        raise InputDataError("must be 0 or 1", file=file, column=column, rows=_rows(bad),
                             hint="code the outcome as 1 (achieved) or 0 (not achieved)")


def _check_complete(frame: pd.DataFrame, columns: Sequence[str], file: str) -> None:
    for col in columns:
        bad = frame[col].isna()
        if bad.any():
            raise InputDataError("has missing values", file=file, column=col, rows=_rows(bad),
                                 hint="fill them in, or exclude those records in the params file")


@dataclass(frozen=True)
class ServiceDataset:
    """One service's validated inputs."""

    params: ServiceParams
    participants: pd.DataFrame
    comparison: pd.DataFrame
    survey: pd.DataFrame | None
    areas: pd.DataFrame
    files: dict[str, dict[str, str]]

    @property
    def treatment_column(self) -> str:
        return "_served"

    def analysis_frame(self) -> pd.DataFrame:
        """Participants and comparison stacked, with a 0/1 ``_served`` column."""
        cols = [self.params.area_column, self.params.outcome.column, *self.params.effect.covariates]
        both = pd.concat(
            [self.participants[cols].assign(_served=1), self.comparison[cols].assign(_served=0)],
            ignore_index=True,
        )
        return both


def load_service_data(params: ServiceParams) -> ServiceDataset:
    """Read and check every input file named in ``params``."""
    p = params
    area_col = p.area_column
    needed = [p.id_column, area_col, p.outcome.column, *p.effect.covariates]
    areas = read_table(p.data.areas, required=["lsoa_code", "lad_code", "population", "imd_decile", p.targeting.need])
    dup = areas["lsoa_code"].duplicated(keep=False)
    if dup.any():
        raise InputDataError("area codes are duplicated", file=str(p.data.areas), column="lsoa_code", rows=_rows(dup))
    known = set(areas["lsoa_code"])

    frames = {}
    for role in ("participants", "comparison"):
        path = getattr(p.data, role)
        required = needed + ([p.cost_column] if role == "participants" and p.cost_column else [])
        frame = read_table(path, required=required)
        f = str(path)
        _check_complete(frame, [area_col, p.outcome.column, *p.effect.covariates], f)
        if p.outcome.kind == "binary":
            _check_binary(frame, p.outcome.column, f)
        dup = frame[p.id_column].duplicated(keep=False)
        if dup.any():
            raise InputDataError("identifiers are duplicated", file=f, column=p.id_column, rows=_rows(dup),
                                 hint="remove duplicate records before loading")
        unknown = ~frame[area_col].isin(known)
        if unknown.any():
            examples = ", ".join(sorted(set(frame.loc[unknown, area_col].astype(str)))[:5])
            raise InputDataError(f"area codes not found in {Path(p.data.areas).name} (e.g. {examples})",
                                 file=f, column=area_col, rows=_rows(unknown),
                                 hint="check the LSOA vintage (2011 or 2021) matches the deprivation data")
        if role == "participants" and p.cost_column:
            cost = pd.to_numeric(frame[p.cost_column], errors="coerce")
            bad = cost.isna() | (cost < 0)
            if bad.any():
                raise InputDataError("costs must be non-negative numbers", file=f, column=p.cost_column,
                                     rows=_rows(bad))
        frames[role] = frame

    survey = None
    if p.data.survey is not None:
        survey = read_table(p.data.survey, required=["would_have_happened_anyway"])
    files = {
        role: {"path": str(path), "sha256": file_sha256(path)}
        for role, path in p.data.model_dump().items() if path is not None
    }
    return ServiceDataset(p, frames["participants"], frames["comparison"], survey, areas, files)
