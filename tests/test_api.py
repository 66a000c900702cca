"""The public API of ``import svimpact`` is pinned: adding or removing a name is a deliberate change here."""

from __future__ import annotations

import importlib
import inspect

import svimpact

PUBLIC = [
    "EffectEstimate",
    "InputDataError",
    "Interval",
    "Ledger",
    "ParamsError",
    "SustainmentEstimate",
    "SvimpactError",
    "SvimpactWarning",
    "__version__",
    "appraise",
    "disclose",
    "estimate_did",
    "estimate_effect",
    "estimate_sustainment",
    "load_batch_params",
    "load_deflator_file",
    "load_run",
    "load_service_data",
    "load_service_params",
    "load_value_library",
    "net_additional",
    "open_service",
    "run_batch",
    "targeting",
    "validate_run",
]


def test_all_is_pinned() -> None:
    assert svimpact.__all__ == PUBLIC


def test_every_public_name_resolves_to_the_object_its_module_defines() -> None:
    for name in svimpact.__all__:
        value = getattr(svimpact, name)
        assert value is not None, name
        if name == "__version__":
            assert isinstance(value, str) and value
            continue
        assert callable(value), f"svimpact.{name} is not a class or function"
        home = importlib.import_module(value.__module__)
        assert getattr(home, value.__name__) is value, f"svimpact.{name} is not {value.__module__}.{value.__name__}"


def test_star_import_gives_exactly_the_public_names() -> None:
    namespace: dict[str, object] = {}
    exec("from svimpact import *", namespace)  # noqa: S102 - the point of the test
    assert sorted(k for k in namespace if k != "__builtins__") == sorted(PUBLIC)


def test_targeting_is_the_function_not_the_module() -> None:
    assert inspect.isfunction(svimpact.targeting)
    assert svimpact.targeting is importlib.import_module("svimpact.geo.targeting").targeting


def test_lazy_names_match_the_type_checking_imports() -> None:
    """Every public name is either imported plainly or listed in ``_HOME``, and both agree with the source."""
    import ast

    source = ast.parse(inspect.getsource(svimpact))
    checked: dict[str, str] = {}
    for node in ast.walk(source):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom) and imp.module
                checked.update({a.name: imp.module for a in imp.names})
    assert checked == svimpact._HOME
    plain = {n for n in PUBLIC if n not in checked}
    assert plain == {"InputDataError", "Interval", "ParamsError", "SvimpactError", "SvimpactWarning", "__version__",
                     "disclose"}


def test_import_loads_no_pydantic_scipy_or_nbformat() -> None:
    """The names behind ``__getattr__`` stay lazy: ``import svimpact`` alone loads none of these."""
    import subprocess
    import sys

    code = ("import sys, svimpact; print(','.join(m for m in ('pydantic', 'scipy', 'nbformat', 'jsonschema') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"import svimpact loaded {out}"
