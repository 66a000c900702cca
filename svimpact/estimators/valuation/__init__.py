"""Valuing outcomes the Green Book way (METHODS.md section 3).

* a unit-value library kept as data (``params/values/unit_values.yaml``), each value with its
  amount, unit, price year, value type, paying agency, source and licence;
  :func:`load_hact_values` reads a user-supplied HACT Social Value Bank file (never shipped);
* price-year conversion with a GDP deflator series kept as data with its source and vintage;
* Green Book discounting, standard and health schedules, compounding band by band;
* persistence and drop-off profiles; optimism bias.

The appraisal itself (PV, NPSV, BCR... with Monte Carlo intervals) is
:func:`svimpact.estimators.appraisal.appraise`.
"""

from svimpact.estimators.valuation.discounting import (
    GREEN_BOOK_EDITION,
    HEALTH,
    STANDARD,
    DiscountSchedule,
    apply_optimism_bias,
    combined_optimism_bias,
    discount_factors,
    get_schedule,
    persistence_profile,
)
from svimpact.estimators.valuation.prices import (
    HMT_SOURCE,
    DeflatorSeries,
    load_deflator,
    load_deflator_file,
    normalise_year,
    read_hmt_deflators,
)
from svimpact.estimators.valuation.values import (
    HACT_LICENCE,
    VALUE_TYPES,
    VALUES_DIR,
    UnitValue,
    UnitValueLibrary,
    load_hact_values,
    load_unit_values,
    load_value_library,
    parse_unit_values,
)

__all__ = [
    "GREEN_BOOK_EDITION",
    "HACT_LICENCE",
    "HEALTH",
    "HMT_SOURCE",
    "STANDARD",
    "VALUES_DIR",
    "VALUE_TYPES",
    "DeflatorSeries",
    "DiscountSchedule",
    "UnitValue",
    "UnitValueLibrary",
    "apply_optimism_bias",
    "combined_optimism_bias",
    "discount_factors",
    "get_schedule",
    "load_deflator",
    "load_deflator_file",
    "load_hact_values",
    "load_unit_values",
    "load_value_library",
    "normalise_year",
    "parse_unit_values",
    "persistence_profile",
    "read_hmt_deflators",
]
