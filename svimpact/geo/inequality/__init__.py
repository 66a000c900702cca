"""Inequality statistics in the OHID/PHE way: intervals, quantiles, SII/RII, concentration index.

The algorithms follow PHEindicatormethods 2.1.0 (``phe_proportion``, ``phe_rate``,
``phe_quantile``, ``phe_sii``) and, for the concentration index, rineq 0.3.0's ``direct``
method with the Kakwani, Wagstaff & van Doorslaer (1997) variance. Both are described in
``../shared/oracles/README.md`` sections 2 and 3, and the tests reproduce PHE's own test cases.

Conventions: quantile 1 is the most deprived; in :func:`phe_sii` it sits at the x = 0 end of the
regression, so an outcome that is *higher* in deprived areas gives a *negative* SII (PHE's
convention; pass a negative ``multiplier`` to report the gap as positive).

Submodules by idea: :mod:`.intervals` (Wilson, Byars, exact Poisson; proportions and rates),
:mod:`.quantiles` (``phe_quantile``), :mod:`.sii` (SII/RII) and :mod:`.concentration`
(concentration index); every public name is re-exported here.
"""

from svimpact.geo.inequality.concentration import ConcentrationKind, ConcentrationResult, concentration_index
from svimpact.geo.inequality.intervals import (
    byars_interval,
    exact_poisson_interval,
    phe_proportion,
    phe_rate,
    wilson_interval,
)
from svimpact.geo.inequality.quantiles import phe_quantile
from svimpact.geo.inequality.sii import SIIResult, phe_sii

__all__ = [
    "ConcentrationKind",
    "ConcentrationResult",
    "SIIResult",
    "byars_interval",
    "concentration_index",
    "exact_poisson_interval",
    "phe_proportion",
    "phe_quantile",
    "phe_rate",
    "phe_sii",
    "wilson_interval",
]
