"""How well a service reaches deprived areas: service users by LSOA against the area they serve.

Measures (``../shared/METHODS.md`` section 5), each a frozen result with intervals:

* :func:`decile_profile`: users' decile (or quintile) profile against the population, national
  and local deciles side by side;
* :func:`core20`: share of users in the most deprived 20% of LSOAs nationally (NHS England
  Core20PLUS5) and the targeting ratio;
* :func:`reach_by_decile`: users per 1,000 residents by decile, with Wilson score intervals;
* :func:`deprivation_gap`: most against least deprived decile, gap (Newcombe) and ratio (Katz);
* :func:`sii`: Slope and Relative Index of Inequality of reach, the OHID/PHE way;
* :func:`reach_concentration`: concentration index of reach over the IMD rank, with its SE;
* :func:`priority_areas`: high-need, low-reach LSOAs on the domain that fits the service;
* :func:`targeting`: all of the above in one call (:class:`TargetingResult`).

**National deciles** are the published IMD deciles (1 = most deprived 10% of LSOAs in England).
**Local deciles** re-decile the LSOAs of the area frame with PHE's quantile method on the IMD
score (``invert=True``; ``../shared/oracles/README.md`` section 2.4). They are *not* population
weighted: each local decile holds a tenth of the area's LSOAs, as national IMD deciles hold a
tenth of England's LSOAs. Quintiles (``groups=5``) pair national deciles 1-2, 3-4 and so on.

Every table meant for publication comes from a ``published_table()`` method, which passes it
through :func:`svimpact.disclosure.disclose`: small counts are suppressed, the rest rounded, and
rates and interval limits are computed from unrounded counts and suppressed with them.

The measures live in submodules by idea: :mod:`.counts` (users on the area frame),
:mod:`.profile` (decile profile, Core20), :mod:`.reach` (reach, gap and ratio),
:mod:`.inequality` (SII/RII, concentration index), :mod:`.priority` (priority areas) and
:mod:`.core` (:func:`targeting`, :class:`TargetingResult`); every public name is re-exported here.
"""

from svimpact.geo.targeting.core import TargetingResult, targeting
from svimpact.geo.targeting.counts import NEED_BY_SERVICE, AreaCounts, count_users
from svimpact.geo.targeting.inequality import reach_concentration, sii
from svimpact.geo.targeting.priority import PriorityResult, priority_areas
from svimpact.geo.targeting.profile import Core20Result, DecileProfile, core20, decile_profile
from svimpact.geo.targeting.reach import GapResult, ReachResult, deprivation_gap, reach_by_decile

__all__ = [
    "NEED_BY_SERVICE",
    "AreaCounts",
    "Core20Result",
    "DecileProfile",
    "GapResult",
    "PriorityResult",
    "ReachResult",
    "TargetingResult",
    "core20",
    "count_users",
    "decile_profile",
    "deprivation_gap",
    "priority_areas",
    "reach_by_decile",
    "reach_concentration",
    "sii",
    "targeting",
]
