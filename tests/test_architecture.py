"""The shape of the code: no import cycles among generator/'s modules, no capability probing of backends, no
string-key parameter reads, no mode or model names in the site, project imports at the top of the modes.

The import graph is read with ast (nothing is imported): an edge A → B for every `import B` / `from B import x`
in A, at module level, inside functions, in `if TYPE_CHECKING:` blocks, and for every `lazy_import("B")`
(generator/lazy.py), each kind checked on its own so a failure says which kind of import closes the loop.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.code_shape import function_imports, site_name_checks, string_key_reads


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
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The project modules an import statement names (`from pkg import sub` names pkg.sub when it is one)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]


def lazily_imported(node: ast.AST) -> str | None:
    """The module a `lazy_import("generator.x")` call names, if `node` is one."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "lazy_import"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    ):
        return node.args[0].value
    return None


def imports_of(path: Path) -> list[tuple[str, str, int]]:
    """(kind, module, line) for every import in the file; kind is 'module', 'function', 'type' or 'lazy'."""
    module, found = module_name(path), []

    def visit(node: ast.AST, kind: str) -> None:
        for child in ast.iter_child_nodes(node):
            child_kind = kind
            if is_type_checking(child):
                child_kind = "type"
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and kind == "module":
                child_kind = "function"
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.extend(
                    (kind, name, child.lineno) for name in imported(child, module, path.name == "__init__.py")
                )
            if (name := lazily_imported(child)) is not None:
                found.append(("lazy", name, child.lineno))
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
    return "; ".join(
        f"{MODULES[a].relative_to(ROOT)}:{line} imports {b}"
        for a in component
        for b, line in edges[a].items()
        if b in component
    )


@pytest.mark.parametrize(
    "kinds",
    [
        {"module"},
        {"module", "function"},
        {"module", "type"},
        {"module", "lazy"},
        {"module", "function", "type", "lazy"},
    ],
    ids=["module-level", "with-function-local", "with-type-checking", "with-lazy", "all-together"],
)
def test_no_import_cycles(kinds):
    edges = graph(kinds)
    found = cycles(edges)
    assert not found, "import cycles: " + " | ".join(described(c, edges) for c in found)


def test_the_cycle_finder_finds_a_cycle():
    edges = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"a": 4}}
    assert cycles(edges) == [["a", "b", "c"]]
    assert cycles({"a": {"b": 1}, "b": {}}) == []


def test_the_graph_sees_every_kind_of_import():
    edges = {kind: graph({kind}) for kind in ("module", "function", "type", "lazy")}
    assert "generator.diffusion.schedule" in edges["module"]["generator.engine"]
    assert "generator.models.deepfloyd_backend" in edges["function"]["generator.models.deepfloyd"]
    assert "generator.engine" in edges["type"]["generator.modes.base"]
    assert "generator.engine" in edges["lazy"]["generator.modes.runtime"]


PROBING = re.compile(r"hasattr\(|getattr\(backend")


@pytest.mark.parametrize(
    "path", [PACKAGE / "engine.py", *sorted((PACKAGE / "modes").glob("*.py"))], ids=lambda p: p.name
)
def test_no_capability_probing(path):
    """Backends state their capabilities in models/base.py's protocol; the engine and modes never probe."""
    hits = [
        f"{path.name}:{n}: {line.strip()}"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if PROBING.search(line)
    ]
    assert not hits, "capability probing (use the Backend/ModelSpec protocol instead): " + "; ".join(hits)


def test_the_digits_tools_sit_above_the_model_and_the_engine():
    """generator/digits/ (training, classifier, evaluation, atlas) uses models/, engine and diffusion/; never the
    reverse (the digits backend's prompts and schedule live in models/, below both)."""
    edges = graph({"module", "function", "type", "lazy"})
    lower = [
        m for m in MODULES if m.startswith(("generator.models", "generator.diffusion")) or m == "generator.engine"
    ]
    hits = [
        f"{MODULES[m].relative_to(ROOT)}:{line} imports {b}"
        for m in lower
        for b, line in edges[m].items()
        if b.startswith("generator.digits")
    ]
    assert not hits, "; ".join(hits)


def test_parameters_are_read_typed_outside_the_key():
    """Every layer reads a job's typed parameters (`job.params.views`); only the key serialises them
    (ModeParams.key), so no code reads `params["views"]`, `params.get("views")` or `"views" in params`."""
    hits = string_key_reads(PACKAGE)
    assert not hits, "string-key parameter reads: " + "; ".join(hits)


def test_the_site_reads_declarations_not_mode_or_model_names():
    """A mode declares its noun, motions, chart and readings; a model whether it needs a GPU and the command
    that makes its figures: site/ never compares a mode or model with a name, nor keeps a table by mode."""
    hits = site_name_checks(PACKAGE)
    assert not hits, "name checks in site/: " + "; ".join(hits)


def test_the_modes_import_project_modules_at_their_top():
    """The dependency graph shows at the top of each mode file (torch loads lazily: modes/runtime.py)."""
    hits = function_imports(PACKAGE, "modes", project_only=True)
    assert not hits, "project imports inside functions: " + "; ".join(hits)


def test_the_shape_measures_find_what_they_look_for(tmp_path):
    package = tmp_path / "generator"
    for folder in ("modes", "site", "models"):
        (package / folder).mkdir(parents=True)
    (package / "models" / "registry.py").write_text("")
    (package / "models" / "deepfloyd.py").write_text('PRESET = "deepfloyd-if"\n')
    (package / "modes" / "a.py").write_text(
        'class A:\n    name = "anagram"\n    views: list = None\n\n'
        "def f(job):\n    from generator.engine import Track\n"
        '    return job.params["views"], "views" in job.params\n'
    )
    (package / "site" / "s.py").write_text(
        'NOUNS = {"anagram": "visual anagram"}\n'
        'def g(figure):\n    return figure.mode == "anagram" or figure.model == "digits"\n'
    )
    assert len(string_key_reads(package)) == 2
    assert len(site_name_checks(package)) == 3
    assert len(function_imports(package, "modes", project_only=True)) == 1
