"""svimpact: the additional social value of public services, evaluated reproducibly.

The public API is small and re-exported here; implementations live in submodules. Importing
svimpact has no side effects and stays light: names whose modules need statsmodels, geopandas or
matplotlib are resolved on first use (see ``_LAZY`` and tests/test_packaging.py).
"""

from __future__ import annotations

from svimpact._lazy import lazy_exports
from svimpact._results import Interval
from svimpact._version import __version__
from svimpact.disclosure import disclose
from svimpact.exceptions import InputDataError, ParamsError, SvimpactError

# public name -> module that defines it (imported on first attribute access)
_LAZY = {
    "EffectEstimate": "svimpact.estimators.effects",
    "Ledger": "svimpact.estimators.ledger",
    "appraise": "svimpact.estimators.uncertainty",
    "estimate_did": "svimpact.estimators.did",
    "estimate_effect": "svimpact.estimators.effects",
    "load_batch_params": "svimpact.io.params",
    "load_service_data": "svimpact.io.service",
    "load_service_params": "svimpact.io.params",
    "net_additional": "svimpact.estimators.additionality",
    "run_batch": "svimpact.report.batch",
}

__all__ = sorted(
    [
        "Interval",
        "InputDataError",
        "ParamsError",
        "SvimpactError",
        "__version__",
        "disclose",
        *_LAZY,
    ]
)


__getattr__ = lazy_exports(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
