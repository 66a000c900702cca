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
* :func:`priority_areas`: high-need areas (on the domain that fits the service) whose published reach is
  significantly low, at the reach map's geography (:func:`svimpact.geo.mapunits.map_units`);
* :func:`targeting`: all of the above in one call (:class:`TargetingResult`).

**National deciles** are the published IMD deciles (1 = most deprived 10% of LSOAs in England).
**Local deciles** re-decile the LSOAs of the area frame with PHE's quantile method on the IMD
score (``invert=True``; ``../shared/oracles/README.md`` section 2.4). They are *not* population
weighted: each local decile holds a tenth of the area's LSOAs, as national IMD deciles hold a
tenth of England's LSOAs. Quintiles (``groups=5``) pair national deciles 1-2, 3-4 and so on.

Every table meant for publication comes from a ``published_table()`` method, built from
*published* counts (:mod:`.published`): small counts are suppressed and the rest rounded by the
rule; every table by decile of the same users withholds the same deciles
(:func:`suppressed_deciles`, :func:`decile_pattern`; value by decile uses them too); and
every percentage, rate and interval limit is computed from the published counts at a fixed
precision. The headline measures (Core20, gap and ratio, SII/RII, concentration index) are
computed from the published decile counts only and withheld when one rests on a withheld decile
(:mod:`.measures`). Maps and area lists never tell an area with 0 users from one with 1-7
(:func:`area_pattern`).

The measures live in submodules by idea: :mod:`.counts` (users on the area frame),
:mod:`.profile` (decile profile, Core20), :mod:`.reach` (reach, gap and ratio),
:mod:`.inequality` (SII/RII, concentration index), :mod:`.priority` (priority areas),
:mod:`.published` (suppression patterns, table builder), :mod:`.measures` (published headline
measures) and :mod:`.core` (:func:`targeting`, :class:`TargetingResult`); every public name is
re-exported here.
"""

from svimpact.geo.targeting.core import TargetingResult, targeting
from svimpact.geo.targeting.counts import NEED_BY_SERVICE, AreaCounts, count_users
from svimpact.geo.targeting.inequality import grouped_concentration, reach_concentration, sii
from svimpact.geo.targeting.measures import PublishedMeasure, published_measures
from svimpact.geo.targeting.priority import PriorityResult, priority_areas
from svimpact.geo.targeting.profile import Core20Result, DecileProfile, core20, decile_profile
from svimpact.geo.targeting.published import area_pattern, decile_pattern, suppressed_deciles
from svimpact.geo.targeting.reach import GapResult, ReachResult, deprivation_gap, reach_by_decile

__all__ = [
    "NEED_BY_SERVICE",
    "AreaCounts",
    "Core20Result",
    "DecileProfile",
    "GapResult",
    "PriorityResult",
    "PublishedMeasure",
    "ReachResult",
    "TargetingResult",
    "area_pattern",
    "core20",
    "count_users",
    "decile_pattern",
    "decile_profile",
    "deprivation_gap",
    "grouped_concentration",
    "priority_areas",
    "published_measures",
    "reach_by_decile",
    "reach_concentration",
    "sii",
    "suppressed_deciles",
    "targeting",
]
