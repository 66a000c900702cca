"""Params files: one YAML per service and a batch manifest, validated before anything runs.

An unknown key, a missing key, a share outside [0, 1] or a missing file is a
:class:`~svimpact.exceptions.ParamsError` naming the file and the key. Relative paths in a params
file are resolved against the directory holding that file.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from svimpact.disclosure import RULES
from svimpact.exceptions import ParamsError
from svimpact.io.yamlfile import read_yaml

__all__ = [
    "BatchParams",
    "DataFiles",
    "ServiceParams",
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
    # the sheet to read of an Excel workbook, by data key ({participants: "Cohort 2024"}); kept out of
    # model_dump() so that code iterating the file paths sees paths only
    sheets: dict[Literal["participants", "comparison", "survey", "areas"], str] = Field(default_factory=dict,
                                                                                         exclude=True)


class Outcome(_Strict):
    column: str
    label: str
    kind: Literal["binary", "continuous"] = "binary"


class EffectSettings(_Strict):
    method: Literal["difference", "regression", "psm", "ipw", "aipw"] = "regression"
    treatment_label: str = "served"
    covariates: list[str] = Field(default_factory=list)
    level: float = Field(0.95, gt=0.5, lt=1.0)
    n_draws: int = Field(2000, ge=100, le=1_000_000)


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
    adjustments: dict[str, Any] = Field(default_factory=dict)  # the ledger; validated by Ledger.from_mapping
    valuation: Valuation | None = None
    targeting: Targeting
    disclosure: Disclosure = Disclosure()
    exclude_invalid_rows: bool = False
    pseudonymise: bool = True
    date_format: str = "auto"
    date_order: list[tuple[str, str]] = Field(default_factory=list)
    source_file: Path | None = Field(None, exclude=True)

    def ledger(self):
        """The additionality ledger of this service (``svimpact.estimators.ledger.Ledger``)."""
        from svimpact.estimators.ledger import Ledger

        return Ledger.from_mapping(self.adjustments, file=str(self.source_file) if self.source_file else None)

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


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """The valid field names of the sub-model at ``loc`` (for 'did you mean')."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        candidates = [ann, *args]
        current = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if current is None:
            return []
    return [n for n in getattr(current, "model_fields", {}) if n != "source_file"]


def _raise_params_error(exc: ValidationError, model: type[BaseModel], file: Path) -> None:
    problems = []
    first_key = None
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc)
        first_key = first_key or key
        if err["type"] == "extra_forbidden":
            valid = _fields_at(model, loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), valid, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"valid keys here: {', '.join(valid)}"
            problems.append(f"unknown key '{key}'; {hint}")
        elif err["type"] == "missing":
            problems.append(f"missing required key '{key}'")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            got = err.get("input")
            shown = "" if isinstance(got, (dict, list)) else f" (got {str(got)[:60]!r})"
            problems.append(f"key '{key}': {msg}{shown}")
    raise ParamsError("; ".join(problems), file=str(file)) from None


def _resolve(base: Path, p: Path) -> Path:
    return p if p.is_absolute() else (base / p).resolve()


def _validated(model: type[BaseModel], path: str | Path) -> tuple[Path, Any]:
    """Read ``path`` and validate it as ``model``; errors name the file and the keys."""
    path = Path(path).resolve()
    raw = read_yaml(path)
    try:
        return path, model.model_validate(raw)
    except ValidationError as exc:
        _raise_params_error(exc, model, path)
        raise  # unreachable: _raise_params_error always raises


def load_service_params(path: str | Path, *, check_files: bool = True) -> ServiceParams:
    """Load and validate a service params file; data paths come back absolute."""
    path, params = _validated(ServiceParams, path)
    base = path.parent
    files = {k: (_resolve(base, v) if v is not None else None) for k, v in params.data.model_dump().items()}
    if check_files:
        for key, p in files.items():
            if p is not None and not p.is_file():
                raise ParamsError(f"file not found: {p}", file=str(path), key=f"data.{key}")
    update: dict[str, Any] = {"data": DataFiles(**files), "source_file": path}
    if params.valuation is not None:
        v = params.valuation
        extra = {k: _resolve(base, getattr(v, k)) for k in ("value_file", "deflator_file") if getattr(v, k)}
        for key, p in extra.items():
            if check_files and not p.is_file():
                raise ParamsError(f"file not found: {p}", file=str(path), key=f"valuation.{key}")
        update["valuation"] = v.model_copy(update=extra)
    loaded = params.model_copy(update=update)
    loaded.ledger()  # validate the ledger now: errors name the file and the key path
    return loaded


def load_batch_params(path: str | Path) -> BatchParams:
    """Load a batch manifest and every service params file it names (all validated)."""
    path, batch = _validated(BatchParams, path)
    base = path.parent
    services = [_resolve(base, s) for s in batch.services]
    for i, s in enumerate(services):
        if not s.is_file():
            raise ParamsError(f"file not found: {s}", file=str(path), key=f"services.{i}")
        load_service_params(s)
    nb_dir = _resolve(base, batch.notebook_dir)
    for i, name in enumerate(batch.notebooks):
        if not (nb_dir / f"{name}.ipynb").is_file():
            raise ParamsError(f"notebook not found: {nb_dir / (name + '.ipynb')}", file=str(path), key=f"notebooks.{i}")
    return batch.model_copy(update={
        "services": services,
        "notebook_dir": nb_dir,
        "output_dir": _resolve(base, batch.output_dir),
        "source_file": path,
    })
