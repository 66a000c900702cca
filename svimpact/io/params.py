"""Params files: one YAML per service and a batch manifest, validated before anything runs.

An unknown key, a missing key, a share outside [0, 1] or a missing file is a
:class:`~svimpact.exceptions.ParamsError` naming the file and the key. Relative paths in a params
file are resolved against the directory holding that file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from svimpact._common import did_you_mean
from svimpact.disclosure import RULES
from svimpact.exceptions import ParamsError
from svimpact.io.adjustments import Adjustments
from svimpact.io.schema_errors import params_error
from svimpact.io.yamlfile import read_yaml, read_yaml_digest

__all__ = [
    "BatchParams",
    "DataFiles",
    "ServiceParams",
    "load_batch",
    "load_batch_params",
    "load_service_params",
    "read_yaml",
]

EFFECT_METHODS = ("difference", "regression", "psm", "ipw", "aipw")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class DataFiles(_Strict):
    """Input files for one service (paths relative to the params file)."""

    participants: Path
    comparison: Path
    survey: Path | None = None
    areas: Path
    boundaries: Path | None = None
    boroughs: Path | None = None
    # the sheet to read of an Excel workbook, by data key ({participants: "Cohort 2024"})
    sheets: dict[Literal["participants", "comparison", "survey", "areas"], str] = Field(default_factory=dict)

    def files(self) -> dict[str, Path]:
        """The input files given, by data key (no sheets, no absent optional files)."""
        return {k: getattr(self, k) for k in type(self).model_fields if k != "sheets" and getattr(self, k) is not None}


class Outcome(_Strict):
    column: str
    label: str
    kind: Literal["binary", "continuous"] = "binary"


class EffectSettings(_Strict):
    method: Literal["difference", "regression", "ols", "psm", "ipw", "aipw"] = "regression"
    treatment_label: str = "served"
    covariates: list[str] = Field(default_factory=list)
    propensity_covariates: list[str] | None = None  # default: the outcome covariates
    se: Literal["classical", "hc0", "hc1", "cluster", "welch", "ai", "bootstrap"] | None = None  # None: the method's own
    cluster: str | None = None  # column for se: cluster
    trim: tuple[float, float] | Literal["crump"] | None = None
    level: float = Field(0.95, gt=0.5, lt=1.0)
    n_draws: int = Field(2000, ge=100, le=1_000_000)

    def options(self) -> dict:
        """The keyword arguments these settings give :func:`svimpact.estimate_effect` beyond the defaults."""
        out: dict = {"propensity_covariates": self.propensity_covariates, "se": self.se, "cluster": self.cluster,
                     "trim": self.trim}
        return {k: v for k, v in out.items() if v is not None}


class Valuation(_Strict):
    """How net additional outcomes are valued (HM Treasury Green Book)."""

    unit_values: list[str] = Field(min_length=1)
    value_file: Path | None = None  # default: svimpact's library, params/values/unit_values.yaml
    hact_values: bool = False  # value_file is a user-supplied HACT Social Value Bank file (never shipped)
    deflator_file: Path | None = None
    price_year: str | None = None
    years: int = Field(10, ge=1, le=100)
    schedule: Literal["standard", "health"] = "standard"
    n_draws: int = Field(10_000, ge=100, le=1_000_000)


class Targeting(_Strict):
    need: str
    need_label: str


class Disclosure(_Strict):
    rule: str = "nhs-hes"

    @field_validator("rule")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in RULES:
            raise ValueError(f"unknown disclosure rule '{v}'; choose one of {', '.join(sorted(RULES))}")
        return v


class Plausibility(_Strict):
    """Limits outside which a value is refused as implausible (a typing or export error)."""

    age_min: float = 0
    age_max: float = 120
    max_cost_per_participant: float = Field(1_000_000, gt=0)  # GBP, in the cost column's price year

    @model_validator(mode="after")
    def _ordered(self) -> Plausibility:
        if self.age_min >= self.age_max:
            raise ValueError("age_min must be below age_max")
        return self


class ServiceParams(_Strict):
    """Everything the notebooks need to evaluate one service."""

    service: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    description: str
    seed: int = 20261121
    synthetic: bool = False
    map_attribution: str | None = None  # attribution printed on maps; default: synthetic or ONS/MHCLG lines
    data: DataFiles
    id_column: str
    area_column: str = "lsoa_code"
    cost_column: str | None = None
    outcome: Outcome
    effect: EffectSettings = EffectSettings()
    adjustments: Adjustments = Adjustments()  # the ledger's entries (svimpact.io.adjustments)
    valuation: Valuation | None = None
    targeting: Targeting
    disclosure: Disclosure = Disclosure()
    plausibility: Plausibility = Plausibility()
    # Plain labels for code names in published tables and text: covariates, categories
    # ('benefit_type[jsa]'), answers, unit values. Unlisted names get a default
    # (svimpact.present.label: 'years_rough_sleeping' -> 'Years rough sleeping').
    labels: dict[str, str] = Field(default_factory=dict)
    exclude_invalid_rows: bool = False
    pseudonymise: bool = True
    date_format: str = "auto"
    date_order: list[tuple[str, str]] = Field(default_factory=list)
    source_file: Path | None = Field(None, exclude=True)
    source_sha256: str | None = Field(None, exclude=True)  # of the params file's bytes, read once

    def ledger(self):
        """The additionality ledger of this service (``svimpact.estimators.ledger.Ledger``)."""
        from svimpact.estimators.ledger import Ledger

        return Ledger.from_adjustments(self.adjustments,
                                   file=str(self.source_file) if self.source_file else None)

    @field_validator("date_format")
    @classmethod
    def _date_format(cls, v: str) -> str:
        if v not in ("auto", "iso", "dmy", "excel") and "%" not in v:
            raise ValueError("date_format must be auto, iso, dmy, excel or a strftime pattern such as '%d %b %Y'")
        return v


class BatchParams(_Strict):
    """The batch manifest: which services and notebooks to run, and where to write."""

    title: str
    seed: int = 20261121
    output_dir: Path
    notebook_dir: Path
    notebooks: list[str] = Field(min_length=1)
    services: list[Path] = Field(min_length=1)
    timeout_seconds: int = Field(900, ge=10)
    jobs: int = Field(2, ge=1, le=32)
    source_file: Path | None = Field(None, exclude=True)
    source_sha256: str | None = Field(None, exclude=True)  # of the batch file's bytes, read once


def _resolve(base: Path, p: Path) -> Path:
    return p if p.is_absolute() else (base / p).resolve()


def _validated(model: type[BaseModel], path: str | Path) -> tuple[Path, Any]:
    """Read ``path`` and validate it as ``model``; errors name the file and the keys."""
    path = Path(path).resolve()
    raw, digest = read_yaml_digest(path)
    for internal in ("source_file", "source_sha256"):
        if internal in raw:
            raise ParamsError(f"unknown key '{internal}' (set by svimpact itself); remove it", file=str(path))
    try:
        return path, model.model_validate(raw).model_copy(update={"source_sha256": digest})
    except ValidationError as exc:
        raise params_error(exc, model, str(path)) from None


def _not_a_file(p: Path) -> str:
    if p.is_dir():
        return f"{p} is a folder, not a file; point this key at the data file inside it"
    return f"file not found: {p}"


def load_service_params(path: str | Path, *, check_files: bool = True) -> ServiceParams:
    """Load and validate a service params file; data paths come back absolute."""
    path, params = _validated(ServiceParams, path)
    base = path.parent
    files: dict[str, Any] = {k: _resolve(base, v) for k, v in params.data.files().items()}
    if check_files:
        for key, p in files.items():
            if p is not None and not p.is_file():
                raise ParamsError(_not_a_file(p), file=str(path), key=f"data.{key}")
    update: dict[str, Any] = {"data": DataFiles(**files, sheets=params.data.sheets), "source_file": path}
    if params.valuation is not None:
        v = params.valuation
        extra = {k: _resolve(base, getattr(v, k)) for k in ("value_file", "deflator_file") if getattr(v, k)}
        for key, p in extra.items():
            if check_files and not p.is_file():
                raise ParamsError(_not_a_file(p), file=str(path), key=f"valuation.{key}")
        update["valuation"] = v.model_copy(update=extra)
    loaded = params.model_copy(update=update)
    loaded.ledger()  # validate the ledger now: errors name the file and the key path
    return loaded


def load_batch(path: str | Path) -> tuple[BatchParams, tuple[ServiceParams, ...]]:
    """Load a batch manifest and every service params file it names, each file read once.

    A service listed twice (the same file, or two files declaring the same ``service`` name) is
    an error: both runs would write the same output files.
    """
    path, batch = _validated(BatchParams, path)
    base = path.parent
    services = [_resolve(base, s) for s in batch.services]
    loaded: list[ServiceParams] = []
    seen_files: dict[Path, int] = {}
    seen_names: dict[str, int] = {}
    for i, s in enumerate(services):
        if s in seen_files:
            raise ParamsError(f"{s.name} is listed twice (entries {seen_files[s] + 1} and {i + 1}); list each service once",
                              file=str(path), key=f"services.{i}")
        seen_files[s] = i
        if not s.is_file():
            what = "is a folder, not a params file" if s.is_dir() else "file not found"
            raise ParamsError(f"{what}: {s}", file=str(path), key=f"services.{i}")
        sp = load_service_params(s)
        if sp.service in seen_names:
            raise ParamsError(f"service '{sp.service}' is declared by two params files (entries "
                              f"{seen_names[sp.service] + 1} and {i + 1}); each service needs its own name",
                              file=str(path), key=f"services.{i}")
        seen_names[sp.service] = i
        loaded.append(sp)
    nb_dir = _resolve(base, batch.notebook_dir)
    for i, name in enumerate(batch.notebooks):
        if not (nb_dir / f"{name}.ipynb").is_file():
            close = did_you_mean(name, sorted(p.stem for p in nb_dir.glob("*.ipynb")), listing="notebooks here")
            raise ParamsError(f"notebook not found: {nb_dir / (name + '.ipynb')}" + (f"; {close}" if close else ""),
                              file=str(path), key=f"notebooks.{i}")
    if len(set(batch.notebooks)) != len(batch.notebooks):
        twice = sorted({n for n in batch.notebooks if batch.notebooks.count(n) > 1})
        raise ParamsError(f"notebook(s) listed twice: {', '.join(twice)}; list each notebook once",
                          file=str(path), key="notebooks")
    resolved = batch.model_copy(update={
        "services": services,
        "notebook_dir": nb_dir,
        "output_dir": _resolve(base, batch.output_dir),
        "source_file": path,
    })
    return resolved, tuple(loaded)


def load_batch_params(path: str | Path) -> BatchParams:
    """Load a batch manifest, validating every service params file it names (see :func:`load_batch`)."""
    return load_batch(path)[0]
