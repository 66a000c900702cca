"""The stable import path for the appraisal and its Monte Carlo machinery.

The code lives in :mod:`svimpact.estimators.appraisal` (``appraise``, ``AppraisalResult``) and
:mod:`svimpact.estimators.montecarlo` (``monte_carlo``, ``tornado``, ``switching_values``); the
notebooks and older code import ``from svimpact.estimators.uncertainty import appraise``, which
keeps working through these re-exports.
"""

from svimpact.estimators.appraisal import HEADLINES, AppraisalResult, appraise
from svimpact.estimators.montecarlo import (
    Model,
    MonteCarloDraws,
    monte_carlo,
    switching_values,
    tornado,
)

__all__ = [
    "HEADLINES",
    "AppraisalResult",
    "Model",
    "MonteCarloDraws",
    "appraise",
    "monte_carlo",
    "switching_values",
    "tornado",
]
