"""svimpact beyond one machine, on Dask: estimators on data that do not fit in memory, distributed batches.

* :func:`estimate_effect_dask` (:mod:`.effects`) - what :func:`svimpact.estimators.effects.estimate_effect`
  does when handed a Dask DataFrame: regression adjustment, IPW and AIPW by map-reduce over partitions;
* :func:`dask_user_counts` (:mod:`.targeting`) - users per LSOA from a Dask DataFrame, so every
  targeting measure accepts one;
* :class:`DaskExecutor` (:mod:`.batch`) - ``svimpact run BATCH --scheduler ADDRESS``: the batch's
  notebooks as Dask tasks on a cluster's workers.

Dask is imported only when one of these runs (``import svimpact`` stays light).
"""

from svimpact._lazy import lazy_exports
from svimpact.distributed._detect import is_dask_collection

__all__ = ["DaskExecutor", "dask_user_counts", "estimate_effect_dask", "is_dask_collection"]

__getattr__ = lazy_exports(__name__, {
    "estimate_effect_dask": "svimpact.distributed.effects",
    "dask_user_counts": "svimpact.distributed.targeting",
    "DaskExecutor": "svimpact.distributed.batch",
}, globals())
