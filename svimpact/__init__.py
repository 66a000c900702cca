"""svimpact: the additional social value of public services, evaluated reproducibly.

The public API is the literal ``__all__`` below (pinned by tests/test_api.py); implementations live in
submodules. Importing svimpact has no side effects and stays light (tests/test_packaging.py): the
exceptions, ``Interval``, ``disclose`` and ``__version__`` are imported plainly; the other names need
pydantic, scipy.stats or nbformat, so ``__getattr__`` imports their module on first use. The
``TYPE_CHECKING`` block names every one of them with a plain import, so mypy, IDEs and readers see
where each name comes from.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from svimpact._results import Interval
from svimpact._version import __version__
from svimpact.disclosure import disclose
from svimpact.exceptions import InputDataError, ParamsError, SvimpactError, SvimpactWarning

if TYPE_CHECKING:
    from svimpact.estimators.additionality import net_additional
    from svimpact.estimators.appraisal import appraise
    from svimpact.estimators.did import estimate_did
    from svimpact.estimators.effects import EffectEstimate, estimate_effect
    from svimpact.estimators.ledger import Ledger
    from svimpact.estimators.sustainment import SustainmentEstimate, estimate_sustainment
    from svimpact.estimators.valuation import load_deflator_file, load_value_library
    from svimpact.geo.targeting import targeting
    from svimpact.io.params import load_batch_params, load_service_params
    from svimpact.io.service import load_service_data
    from svimpact.report import open_service
    from svimpact.report.batch import run_batch
    from svimpact.report.plan import load_run, validate_run

__all__ = [
    "EffectEstimate",
    "InputDataError",
    "Interval",
    "Ledger",
    "ParamsError",
    "SustainmentEstimate",
    "SvimpactError",
    "SvimpactWarning",
    "__version__",
    "appraise",
    "disclose",
    "estimate_did",
    "estimate_effect",
    "estimate_sustainment",
    "load_batch_params",
    "load_deflator_file",
    "load_run",
    "load_service_data",
    "load_service_params",
    "load_value_library",
    "net_additional",
    "open_service",
    "run_batch",
    "targeting",
    "validate_run",
]

# Where each name imported on first use lives (the same modules as the TYPE_CHECKING block above).
_HOME = {
    "EffectEstimate": "svimpact.estimators.effects",
    "Ledger": "svimpact.estimators.ledger",
    "SustainmentEstimate": "svimpact.estimators.sustainment",
    "appraise": "svimpact.estimators.appraisal",
    "estimate_did": "svimpact.estimators.did",
    "estimate_effect": "svimpact.estimators.effects",
    "estimate_sustainment": "svimpact.estimators.sustainment",
    "load_batch_params": "svimpact.io.params",
    "load_deflator_file": "svimpact.estimators.valuation",
    "load_run": "svimpact.report.plan",
    "load_service_data": "svimpact.io.service",
    "load_service_params": "svimpact.io.params",
    "load_value_library": "svimpact.estimators.valuation",
    "net_additional": "svimpact.estimators.additionality",
    "open_service": "svimpact.report",
    "run_batch": "svimpact.report.batch",
    "targeting": "svimpact.geo.targeting",
    "validate_run": "svimpact.report.plan",
}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'svimpact' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
