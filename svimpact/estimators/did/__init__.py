"""Difference-in-differences (Maryland SMS level 3).

* :mod:`~svimpact.estimators.did.model` - ``estimate_did``: data checks, the design, the OLS fit;
* :mod:`~svimpact.estimators.did.inference` - the ATT interval: cluster-robust t, HC1 or wild bootstrap;
* :mod:`~svimpact.estimators.did.wild` - the wild cluster bootstrap-t;
* :mod:`~svimpact.estimators.did.results` - the event study, the pre-trend check and the
  :class:`~svimpact.estimators.effects.results.EffectEstimate` returned.
"""

from svimpact.estimators.did.model import FEW_CLUSTERS, estimate_did
from svimpact.exceptions import PreTrendWarning

__all__ = ["FEW_CLUSTERS", "PreTrendWarning", "estimate_did"]
