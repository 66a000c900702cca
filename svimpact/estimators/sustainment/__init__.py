"""Sustainment from dates: Kaplan-Meier for participants, IPW Kaplan-Meier for their counterfactual.

* :mod:`~svimpact.estimators.sustainment.model` - ``estimate_sustainment``, the pipeline;
* :mod:`~svimpact.estimators.sustainment.km` - Kaplan-Meier curves and influence functions (numpy);
* :mod:`~svimpact.io.durations` - dates to durations, horizons;
* :mod:`~svimpact.estimators.sustainment.results` - :class:`SustainmentEstimate` and its by-horizon mapping.
"""

from svimpact.estimators.sustainment.model import estimate_sustainment
from svimpact.estimators.sustainment.results import AtRisk, SustainmentEstimate, SustainmentResults
from svimpact.io.durations import Horizon, durations_from_dates, parse_horizon, parse_horizons

__all__ = ["AtRisk", "Horizon", "SustainmentEstimate", "SustainmentResults", "durations_from_dates",
           "estimate_sustainment", "parse_horizon", "parse_horizons"]
