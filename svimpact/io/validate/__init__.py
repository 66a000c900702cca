"""Validation at the boundary: every input of a batch checked, every problem reported at once.

:func:`check_service` reads one service's files (records, comparison group, survey, area file,
boundaries) against the schemas of :mod:`svimpact.io.schemas` and returns the converted tables
with a :class:`ValidationReport`. Each :class:`Problem` names the file, the column, the rows
(first ten and a count) and a hint. Row-level problems (a missing value, a bad outcome code, an
impossible date, an unknown area...) block the run unless the params say
``exclude_invalid_rows: true``; then those rows are excluded, listed in the report's
``quarantine`` table (file, row, column, problem: never the values) and counted.
:func:`validate_batch` runs every check of a batch without running any notebook.
"""

from svimpact.io.validate.batch import validate_batch
from svimpact.io.validate.columns import check_table
from svimpact.io.validate.report import Problem, ValidationFailed, ValidationReport
from svimpact.io.validate.service import ServiceCheck, check_service

__all__ = ["Problem", "ServiceCheck", "ValidationFailed", "ValidationReport", "check_service", "check_table",
           "validate_batch"]
