"""Parameter distributions: the small spec types every uncertain assumption is written in.

Each type is a frozen dataclass with a central value ``point`` and a vectorised
``sample(n, rng)``. Parse one from a YAML-like mapping with :func:`parse_distribution`::

    {"dist": "triangular", "low": 0.1, "mode": 0.2, "high": 0.4}

=============  ===============================  =====================================
``dist``       keys                             ``point``
=============  ===============================  =====================================
fixed          value                            value
uniform        low, high                        midpoint
triangular     low, mode, high                  mode
pert           low, mode, high                  mode (Beta-PERT, shape 4)
beta           successes, failures [, prior]    successes / (successes + failures)
=============  ===============================  =====================================

:class:`Draws` carries the draws of an estimator (for example a comparison-group estimate of
deadweight); it is built in code, not in YAML. Any object with a ``to_distribution()`` method
returning a :class:`Distribution` is accepted wherever a distribution is (see
:func:`as_distribution`): that is the interface the comparison-group estimators implement.
"""

from svimpact.estimators.distributions.families import (
    BetaCounts,
    Distribution,
    Draws,
    Fixed,
    Kind,
    Pert,
    Triangular,
    Uniform,
    draw_all,
    resolve_seed,
    rng_for,
)
from svimpact.estimators.distributions.parse import (
    DISTRIBUTIONS,
    as_distribution,
    check_kind,
    parse_distribution,
)

__all__ = [
    "DISTRIBUTIONS",
    "BetaCounts",
    "Distribution",
    "Draws",
    "Fixed",
    "Kind",
    "Pert",
    "Triangular",
    "Uniform",
    "as_distribution",
    "check_kind",
    "draw_all",
    "parse_distribution",
    "resolve_seed",
    "rng_for",
]
