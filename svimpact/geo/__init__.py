"""Geography: English Indices of Deprivation, LSOA vintages, boundaries, postcodes, targeting, maps.

Names are resolved on first use, so ``import svimpact.geo`` does not load geopandas or scipy.
"""

from svimpact._lazy import lazy_exports

_LAZY = {
    **dict.fromkeys(["DOMAINS", "EDITIONS", "LSOA_VINTAGES", "IoDInfo", "iod_info", "tag_iod"], "svimpact.geo.editions"),
    "read_iod": "svimpact.geo.imd",
    **dict.fromkeys(["check_lsoa_codes", "check_same_vintage", "convert_lsoa_counts",
                     "convert_lsoa_flags", "convert_lsoa_rates", "read_lsoa_lookup"], "svimpact.geo.vintage"),
    **dict.fromkeys(["AreaSummary", "area_summary", "local_deciles"], "svimpact.geo.summaries"),
    **dict.fromkeys(["PostcodeLookup", "lookup_postcodes", "normalise_postcode", "normalise_postcodes",
                     "read_postcode_directory", "validate_postcodes"], "svimpact.geo.postcodes"),
    **dict.fromkeys(["BoundaryJoin", "check_geometries", "join_imd", "read_boundaries"], "svimpact.geo.boundaries"),
    **dict.fromkeys(["TargetingResult", "core20", "decile_profile", "deprivation_gap", "priority_areas",
                     "reach_by_decile", "reach_concentration", "sii"], "svimpact.geo.targeting"),
    **dict.fromkeys(["concentration_index", "phe_proportion", "phe_quantile", "phe_rate", "phe_sii",
                     "wilson_interval"], "svimpact.geo.inequality"),
    **dict.fromkeys(["deprivation_map", "reach_map"], "svimpact.geo.maps"),
    **dict.fromkeys(["interactive_map", "write_interactive_map"], "svimpact.geo.webmap"),
    **dict.fromkeys(["MapUnits", "map_units"], "svimpact.geo.mapunits"),
}
__all__ = sorted(_LAZY)
__getattr__ = lazy_exports(__name__, _LAZY, globals())
