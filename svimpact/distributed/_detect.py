"""Telling a Dask collection apart without importing Dask (``import svimpact`` must stay light)."""

from __future__ import annotations

from typing import Any

__all__ = ["is_dask_collection"]


def is_dask_collection(obj: Any) -> bool:
    """Whether ``obj`` is a Dask DataFrame or Series (checked by its type's module, not by importing dask)."""
    module = type(obj).__module__ or ""
    return (module == "dask" or module.startswith(("dask.", "dask_expr"))) and hasattr(obj, "to_delayed")
