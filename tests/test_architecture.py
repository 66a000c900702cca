"""Architecture rules the package keeps, checked by reading its source with ``ast``.

* no import cycles between svimpact modules (function-local imports and ``if TYPE_CHECKING:`` blocks
  included: a cycle that only type checkers follow still ties the two modules together);
* no module over 400 lines unless its docstring has a line starting with ``Size:`` saying why;
* every exception and warning class lives in ``svimpact/exceptions.py`` and derives from
  ``SvimpactError`` or ``SvimpactWarning``;
* one "did you mean" (``difflib.get_close_matches``) and one sha256 (``hashlib.sha256(...)``), both in
  ``svimpact/_common.py`` (an HMAC keyed with ``hashlib.sha256`` as its digest is allowed).
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "svimpact"
MAX_LINES = 400
HOME_OF_ERRORS = "svimpact.exceptions"
HOME_OF_HELPERS = "svimpact._common"
ERROR_BASES = {"SvimpactError", "SvimpactWarning"}


# ----------------------------------------------------------------------------- reading the package
def modules(package_dir: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py under ``package_dir`` (``pkg/__init__.py`` is ``pkg``)."""
    root = package_dir.parent
    found = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement: top level, in functions and classes, and under TYPE_CHECKING."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _resolve(base: str, names: dict[str, Path]) -> str | None:
    """The nearest module of the package that ``base`` names (``a.b.c`` -> ``a.b`` when c is an object)."""
    while base:
        if base in names:
            return base
        base = base.rpartition(".")[0]
    return None


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    """Module -> the package modules it imports.

    ``from svimpact.x import y`` is an edge to ``svimpact.x.y`` when that is a module, else to
    ``svimpact.x``. Importing a submodule also runs its parent packages' ``__init__``; those implicit
    edges are left out (``pkg.sub`` importing ``pkg.other`` is not a cycle with ``pkg``), so a cycle
    reported here is one written in the source: e.g. a submodule importing a name from its own
    package's ``__init__`` while that ``__init__`` imports the submodule.
    """
    names = modules(package_dir)
    top = package_dir.name
    graph: dict[str, set[str]] = {m: set() for m in names}
    for mod, path in names.items():
        is_pkg = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _import_nodes(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                if node.level:
                    parts = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    parts = parts[: len(parts) - (node.level - 1)]
                    base = ".".join(parts + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in names else base for a in node.names]
            for target in targets:
                if target.split(".")[0] != top:
                    continue
                resolved = _resolve(target, names)
                if resolved and resolved != mod:
                    graph[mod].add(resolved)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def _describe(component: list[str], graph: dict[str, set[str]]) -> str:
    members = set(component)
    edges = [f"{a} -> {b}" for a in component for b in sorted(graph[a] & members)]
    return "{" + ", ".join(component) + "}: " + "; ".join(edges)


# ----------------------------------------------------------------------------- a. import cycles
def test_no_import_cycles() -> None:
    graph = import_graph(PACKAGE)
    found = cycles(graph)
    assert not found, "import cycles between svimpact modules:\n" + "\n".join(_describe(c, graph) for c in found)


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "svimpact"


def test_cycle_checker_finds_a_planted_cycle(tmp_path: Path) -> None:
    pkg = _write(tmp_path, {
        "svimpact/__init__.py": "",
        "svimpact/a.py": "from svimpact.b import thing\n",
        "svimpact/b.py": "def f():\n    from .c import other\n",  # function-local, relative
        "svimpact/c.py": "import svimpact.a\n",
        "svimpact/d.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from svimpact.e import x\n",
        "svimpact/e.py": "from svimpact import d\n",  # d -> e only under TYPE_CHECKING: still a cycle
        "svimpact/pkg/__init__.py": "from svimpact.pkg.sub import y\n",
        "svimpact/pkg/sub.py": "from svimpact.pkg import z\n",  # a real cycle with its own __init__
        "svimpact/ok/__init__.py": "from .one import y\n",
        "svimpact/ok/one.py": "from svimpact.ok.two import z\n",  # sibling, not the package: no cycle
        "svimpact/ok/two.py": "import os\n",
    })
    graph = import_graph(pkg)
    assert graph["svimpact.e"] == {"svimpact.d"}
    assert graph["svimpact.d"] == {"svimpact.e"}
    assert cycles(graph) == [["svimpact.a", "svimpact.b", "svimpact.c"], ["svimpact.d", "svimpact.e"],
                             ["svimpact.pkg", "svimpact.pkg.sub"]]


def test_from_package_import_module_is_an_edge_to_the_module(tmp_path: Path) -> None:
    pkg = _write(tmp_path, {
        "svimpact/__init__.py": "",
        "svimpact/geo/__init__.py": "from svimpact.geo.imd import read\n",
        "svimpact/geo/imd.py": "from svimpact.geo import vintage\n",
        "svimpact/geo/vintage.py": "from ..geo.imd import read\n",
    })
    graph = import_graph(pkg)
    assert graph["svimpact.geo.imd"] == {"svimpact.geo.vintage"}
    assert graph["svimpact.geo.vintage"] == {"svimpact.geo.imd"}
    assert cycles(graph) == [["svimpact.geo.imd", "svimpact.geo.vintage"]]


# ----------------------------------------------------------------------------- b. module size
def _size_exempt(path: Path) -> bool:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return any(line.strip().startswith("Size:") for line in doc.splitlines())


def test_modules_are_small_or_say_why() -> None:
    big = {}
    for mod, path in modules(PACKAGE).items():
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES and not _size_exempt(path):
            big[mod] = n
    assert not big, (f"modules over {MAX_LINES} lines without a 'Size:' line in their docstring: "
                     + ", ".join(f"{m} ({n} lines)" for m, n in sorted(big.items(), key=lambda kv: -kv[1])))


# ----------------------------------------------------------------------------- c. exceptions in one place
_BUILTIN_ERRORS = {n for n, v in vars(builtins).items() if isinstance(v, type) and issubclass(v, BaseException)}


def _base_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _exception_classes(package_dir: Path = PACKAGE) -> dict[str, dict[str, tuple[str, list[str]]]]:
    """Module -> class name -> (module, base names) for classes that derive (transitively) from exceptions.

    A base from another library counts when its name says so (``yaml.YAMLError``, ``SomeWarning``).
    """
    classes: dict[str, tuple[str, list[str]]] = {}
    for mod, path in modules(package_dir).items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                classes[f"{mod}.{node.name}"] = (mod, [_base_name(b) for b in node.bases])
    by_name: dict[str, list[str]] = {}
    for qual in classes:
        by_name.setdefault(qual.rpartition(".")[2], []).append(qual)

    def is_error(qual: str, seen: frozenset[str] = frozenset()) -> bool:
        for base in classes[qual][1]:
            if base in _BUILTIN_ERRORS or (base not in by_name and base.endswith(("Error", "Exception", "Warning"))):
                return True
            if any(q not in seen and is_error(q, seen | {qual}) for q in by_name.get(base, ())):
                return True
        return False

    out: dict[str, dict[str, tuple[str, list[str]]]] = {}
    for qual, (mod, bases) in classes.items():
        if is_error(qual):
            out.setdefault(mod, {})[qual.rpartition(".")[2]] = (mod, bases)
    return out


def test_exceptions_and_warnings_live_in_one_module() -> None:
    found = _exception_classes()
    elsewhere = sorted(f"{mod}.{name}" for mod, classes in found.items() if mod != HOME_OF_ERRORS for name in classes)
    assert not elsewhere, f"exception/warning classes outside {HOME_OF_ERRORS}: {', '.join(elsewhere)}"
    home = found[HOME_OF_ERRORS]
    assert set(ERROR_BASES) <= set(home)

    def roots(name: str) -> bool:
        return name in ERROR_BASES or any(b in home and roots(b) for b in home[name][1])

    stray = sorted(n for n in home if n not in ERROR_BASES and not roots(n))
    assert not stray, f"classes in {HOME_OF_ERRORS} not derived from SvimpactError/SvimpactWarning: {stray}"


# ----------------------------------------------------------------------------- d. one did_you_mean, one sha256
def _is_call_to(node: ast.AST, module: str, attr: str) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == attr
            and isinstance(node.func.value, ast.Name) and node.func.value.id == module)


def _hash_helpers_outside_common(package_dir: Path = PACKAGE) -> list[str]:
    bad = []
    for mod, path in modules(package_dir).items():
        if mod == HOME_OF_HELPERS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if _is_call_to(node, "difflib", "get_close_matches"):
                bad.append(f"{mod}:{node.lineno} difflib.get_close_matches (use svimpact._common.did_you_mean)")
            elif _is_call_to(node, "hashlib", "sha256"):
                bad.append(f"{mod}:{node.lineno} hashlib.sha256() (use svimpact._common.sha256)")
            elif isinstance(node, ast.ImportFrom) and node.module in {"difflib", "hashlib"} and any(
                    a.name in {"get_close_matches", "sha256"} for a in node.names):
                bad.append(f"{mod}:{node.lineno} from {node.module} import ... (use svimpact._common)")
    return bad


def test_one_did_you_mean_and_one_sha256() -> None:
    """``hmac.new(key, msg, hashlib.sha256)`` passes the constructor without calling it: allowed."""
    bad = _hash_helpers_outside_common()
    assert not bad, "duplicate helpers:\n" + "\n".join(bad)


def test_rule_checkers_find_planted_offenders(tmp_path: Path) -> None:
    pkg = _write(tmp_path, {
        "svimpact/__init__.py": "",
        "svimpact/exceptions.py": "class SvimpactError(Exception): ...\nclass SvimpactWarning(UserWarning): ...\n",
        "svimpact/_common.py": "import difflib, hashlib\nh = hashlib.sha256(b'')\n",
        "svimpact/a.py": ("import yaml\nfrom svimpact.exceptions import SvimpactError\n"
                          "class Local(SvimpactError): ...\nclass Deeper(Local): ...\n"
                          "class FromYaml(yaml.YAMLError): ...\nclass Plain: ...\n"),
        "svimpact/b.py": ("import difflib, hashlib, hmac\nfrom hashlib import sha256\n"
                          "x = difflib.get_close_matches('a', ['b'])\nh = hashlib.sha256(b'x').hexdigest()\n"
                          "m = hmac.new(b'k', b'v', hashlib.sha256)\n"),
    })
    found = _exception_classes(pkg)
    assert set(found["svimpact.a"]) == {"Local", "Deeper", "FromYaml"}
    assert set(found["svimpact.exceptions"]) == {"SvimpactError", "SvimpactWarning"}
    bad = _hash_helpers_outside_common(pkg)
    assert sorted(b.split(" ")[0] for b in bad) == ["svimpact.b:2", "svimpact.b:3", "svimpact.b:4"]
