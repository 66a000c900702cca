"""Reports: publishing tables and figures, the batch runner, the chapter and its manifest."""

from svimpact.report.publish import Figure, PublishedTable, Publisher
from svimpact.report.session import ServiceSession, open_service
from svimpact.report.tables import limitations, survey_table, value_by_decile

__all__ = [
    "Figure",
    "PublishedTable",
    "Publisher",
    "ServiceSession",
    "limitations",
    "open_service",
    "survey_table",
    "value_by_decile",
]
