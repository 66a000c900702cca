"""Comparison-group estimates of the effect on participants (ATT) and the implied deadweight.

The family, in the spirit of linearmodels:

* :mod:`~svimpact.estimators.effects.model` - ``estimate_effect``, the pipeline;
* :mod:`~svimpact.estimators.effects.options` - the options checked once, trimming rules;
* :mod:`~svimpact.estimators.effects.fitters` - one fit function per method;
* :mod:`~svimpact.estimators.effects.numerics` - standardised designs, checked solves, SE forms;
* :mod:`~svimpact.estimators.effects.results` - :class:`EffectEstimate` and its draws;
* :mod:`~svimpact.estimators.effects.data` - column checks and the numeric design;
* :mod:`~svimpact.estimators.effects.propensity` - the logit propensity score and overlap;
* :mod:`~svimpact.estimators.effects.matching` - nearest-neighbour matching (ties share) and its bootstrap;
* :mod:`~svimpact.estimators.effects.abadie_imbens` - matching standard errors (Abadie-Imbens 2016);
* :mod:`~svimpact.estimators.effects.covariance` - RA/IPW/AIPW moments and sandwich standard errors;
* :mod:`~svimpact.estimators.effects.balance` - standardised mean differences and effective sizes.
"""

from svimpact.estimators.effects.model import METHODS, estimate_effect
from svimpact.estimators.effects.results import DEFAULT_N_DRAWS, EffectDraws, EffectEstimate
from svimpact.exceptions import BalanceWarning, OverlapWarning, UnreliableStandardErrorWarning

__all__ = [
    "DEFAULT_N_DRAWS",
    "METHODS",
    "BalanceWarning",
    "EffectDraws",
    "EffectEstimate",
    "OverlapWarning",
    "UnreliableStandardErrorWarning",
    "estimate_effect",
]
