"""Difference-in-differences (Maryland SMS level 3).

* :mod:`~svimpact.estimators.did.model` - ``estimate_did``: data checks, the design, the fit;
* :mod:`~svimpact.estimators.did.covariance` - OLS by QR; classical, HC1, CR1 and their
  small-sample conventions (``ssc``);
* :mod:`~svimpact.estimators.did.inference` - the ATT interval: t, or the wild cluster bootstrap
  with few clusters; the event-study table and the pre-trend F test;
* :mod:`~svimpact.estimators.did.wild` - the restricted wild cluster bootstrap (WCR);
* :mod:`~svimpact.estimators.did.results` - the :class:`~svimpact.estimators.effects.results.EffectEstimate`;
* staggered adoption (``cohort=``): :mod:`~svimpact.estimators.did.panel` (the balanced panel),
  :mod:`~svimpact.estimators.did.grouptime` (Callaway and Sant'Anna's ``ATT(g, t)`` and
  aggregations), :mod:`~svimpact.estimators.did.ifinference` (their intervals),
  :mod:`~svimpact.estimators.did.staggered` (the result), :mod:`~svimpact.estimators.did.twfe`
  (two-way fixed effects on request, with its warning).
"""

from svimpact.estimators.did.model import FEW_CLUSTERS, estimate_did
from svimpact.estimators.did.staggered import StaggeredDidEstimate
from svimpact.exceptions import PreTrendWarning

__all__ = ["FEW_CLUSTERS", "PreTrendWarning", "StaggeredDidEstimate", "estimate_did"]
