"""Reports: publishing tables and figures, the batch runner, the chapter and its manifest."""

from svimpact.report.publish import Figure, Publisher
from svimpact.report.tables import ledger_table

__all__ = ["Figure", "Publisher", "ledger_table"]
