"""svimpact: the additional social value of public services, evaluated reproducibly.

The public API is small and re-exported here; implementations live in private modules.
Importing svimpact has no side effects and does not import the heavy geospatial or notebook
stacks (see tests/test_import.py).
"""

from svimpact._results import Interval
from svimpact._version import __version__
from svimpact.disclosure import disclose
from svimpact.exceptions import InputDataError, ParamsError, SvimpactError

__all__ = sorted(
    [
        "Interval",
        "InputDataError",
        "ParamsError",
        "SvimpactError",
        "__version__",
        "disclose",
    ]
)
