"""The shape of the code: no import cycles among generator/'s modules, no capability probing of backends.

The import graph is read with ast (nothing is imported): an edge A → B for every `import B` / `from B import x`
in A, at module level, inside functions, and in `if TYPE_CHECKING:` blocks, each kind checked on its own so a
failure says which kind of import closes the loop.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "generator"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def is_type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The project modules an import statement names (`from pkg import sub` names pkg.sub when it is one)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]


def imports_of(path: Path) -> list[tuple[str, str, int]]:
    """(kind, module, line) for every import in the file; kind is 'module', 'function' or 'type'."""
    module, found = module_name(path), []

    def visit(node: ast.AST, kind: str) -> None:
        for child in ast.iter_child_nodes(node):
            child_kind = kind
            if is_type_checking(child):
                child_kind = "type"
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and kind == "module":
                child_kind = "function"
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.extend((kind, name, child.lineno) for name in imported(child, module, path.name == "__init__.py"))
            visit(child, child_kind)

    visit(ast.parse(path.read_text(), str(path)), "module")
    return [(kind, name, line) for kind, name, line in found if name in MODULES and name != module]


def graph(kinds: set[str]) -> dict[str, dict[str, int]]:
    """module → {imported module: line} over the imports of the given kinds."""
    edges: dict[str, dict[str, int]] = {m: {} for m in MODULES}
    for module, path in MODULES.items():
        for kind, name, line in imports_of(path):
            if kind in kinds:
                edges[module].setdefault(name, line)
    return edges


def cycles(edges: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan 1972), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while (w := stack.pop()) != v:
                component.append(w)
            if component:
                found.append(sorted([v, *component]))

    for v in edges:
        if v not in index:
            strong(v)
    return found


def described(component: list[str], edges: dict[str, dict[str, int]]) -> str:
    return "; ".join(f"{MODULES[a].relative_to(ROOT)}:{line} imports {b}"
                     for a in component for b, line in edges[a].items() if b in component)


@pytest.mark.parametrize("kinds", [{"module"}, {"module", "function"}, {"module", "type"},
                                   {"module", "function", "type"}],
                         ids=["module-level", "with-function-local", "with-type-checking", "all-together"])
def test_no_import_cycles(kinds):
    edges = graph(kinds)
    found = cycles(edges)
    assert not found, "import cycles: " + " | ".join(described(c, edges) for c in found)


def test_the_cycle_finder_finds_a_cycle():
    edges = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"a": 4}}
    assert cycles(edges) == [["a", "b", "c"]]
    assert cycles({"a": {"b": 1}, "b": {}}) == []


def test_the_graph_sees_every_kind_of_import():
    edges = {kind: graph({kind}) for kind in ("module", "function", "type")}
    assert "generator.diffusion.schedule" in edges["module"]["generator.engine"]
    assert "generator.models.deepfloyd_backend" in edges["function"]["generator.models.deepfloyd"]
    assert "generator.jobs" in edges["type"]["generator.modes.base"]


PROBING = re.compile(r"hasattr\(|getattr\(backend")


@pytest.mark.parametrize("path", [PACKAGE / "engine.py", *sorted((PACKAGE / "modes").glob("*.py"))],
                         ids=lambda p: p.name)
def test_no_capability_probing(path):
    """Backends state their capabilities in models/base.py's protocol; the engine and modes never probe."""
    hits = [f"{path.name}:{n}: {line.strip()}" for n, line in enumerate(path.read_text().splitlines(), 1)
            if PROBING.search(line)]
    assert not hits, "capability probing (use the Backend/ModelSpec protocol instead): " + "; ".join(hits)


def test_the_digits_tools_sit_above_the_model_and_the_engine():
    """generator/digits/ (training, classifier, evaluation, atlas) uses models/, engine and diffusion/; never the
    reverse (the digits backend's prompts and schedule live in models/, below both)."""
    edges = graph({"module", "function", "type"})
    lower = [m for m in MODULES if m.startswith(("generator.models", "generator.diffusion")) or m == "generator.engine"]
    hits = [f"{MODULES[m].relative_to(ROOT)}:{line} imports {b}"
            for m in lower for b, line in edges[m].items() if b.startswith("generator.digits")]
    assert not hits, "; ".join(hits)
