"""The social cost-benefit appraisal of one service (HM Treasury Green Book).

* :mod:`~svimpact.estimators.appraisal.model` - ``appraise`` and the vectorised model it runs;
* :mod:`~svimpact.estimators.appraisal.results` - :class:`AppraisalResult` and its tables.

The Monte Carlo machinery it uses is :mod:`svimpact.estimators.montecarlo`.
"""

from svimpact.estimators.appraisal.model import appraise
from svimpact.estimators.appraisal.results import HEADLINES, NOT_COMPUTED, VFM_MEASURES, AppraisalResult

__all__ = ["HEADLINES", "NOT_COMPUTED", "VFM_MEASURES", "AppraisalResult", "appraise"]
