"""Measures of the code's shape, read with ast (nothing is imported): string-key parameter reads, mode and model
names the site checks, imports inside functions, exception classes. tests/test_architecture.py holds them at
their targets; bench/code_shape.py prints them for any checkout (before / after a refactor)."""

from __future__ import annotations

import ast
import re
from pathlib import Path


EXCEPTION_BASES = {
    "Exception",
    "ValueError",
    "RuntimeError",
    "LookupError",
    "KeyError",
    "OSError",
    "TypeError",
    "FileNotFoundError",
    "FileExistsError",
    "ArithmeticError",
}


def python_files(package: Path) -> list[Path]:
    return sorted(p for p in package.rglob("*.py") if "_shipped" not in p.parts)


def is_type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def terminal_name(node: ast.AST) -> str:
    """`params` for `params`, `job.params` and `self.params`; '' for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def parameter_names(package: Path) -> set[str]:
    """Every name a mode's parameters have: the recipe parameters (`param(...)` fields, Param constants) and what
    expansion pins (size, channels, resize, schedule, upscaler…), read from the modes' source."""
    names = {"size", "channels", "resize", "schedule", "upscaler", "upscaler3", "stage2_views", "operator_versions"}
    for path in python_files(package / "modes") + [p for p in (package / "params.py",) if p.exists()]:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                names.add(node.target.id)
    return names


def string_key_reads(package: Path) -> list[str]:
    """`params["x"]`, `params.get("x")` and `"x" in params` (also on `job.params`, `p`, `fit`) for a parameter
    name x: reads of the serialised parameter dict where a typed field would say what it is."""
    names, hits = parameter_names(package), []
    holders = {"params", "p", "fit"}
    for path in python_files(package):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            key = None
            if isinstance(node, ast.Subscript) and terminal_name(node.value) in holders:
                key = node.slice
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and terminal_name(node.func.value) in holders
                and node.args
            ):
                key = node.args[0]
            elif (
                isinstance(node, ast.Compare)
                and len(node.ops) == 1
                and isinstance(node.ops[0], (ast.In, ast.NotIn))
                and terminal_name(node.comparators[0]) in holders
            ):
                key = node.left
            if isinstance(key, ast.Constant) and key.value in names:
                hits.append(f"{path.relative_to(package.parent)}:{node.lineno}: {ast.unparse(node)[:80]}")
    return hits


def mode_names(package: Path) -> set[str]:
    """Every registered mode's name (`name = "…"` in a class under modes/)."""
    out = set()
    for path in python_files(package / "modes"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if (
                        isinstance(item, ast.Assign)
                        and [terminal_name(t) for t in item.targets] == ["name"]
                        and isinstance(item.value, ast.Constant)
                    ):
                        out.add(item.value.value)
    return out


def model_ids(package: Path) -> set[str]:
    text = (package / "models" / "registry.py").read_text() + (package / "models" / "deepfloyd.py").read_text()
    return {"digits", *re.findall(r'"(deepfloyd-if|if-i-[a-z]+)"', text)}


def site_name_checks(package: Path) -> list[str]:
    """Where site/ tells modes or models apart by name: a comparison of a `mode` / `model` with a mode name or
    model id, any other string that is a model id, or a table whose keys are mostly mode names."""
    modes, models, hits = mode_names(package), model_ids(package), []
    for path in python_files(package / "site"):
        where, seen, tree = path.relative_to(package.parent), set(), ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                names = [
                    c for s in sides for c in ast.walk(s) if isinstance(c, ast.Constant) and c.value in modes | models
                ]
                if names and any(terminal_name(s) in ("mode", "model") for s in sides):
                    hits.append(f"{where}:{node.lineno}: {ast.unparse(node)[:80]}")
                    seen.update(map(id, names))
            elif isinstance(node, (ast.Dict, ast.Set)):
                keys = [
                    k
                    for k in (node.keys if isinstance(node, ast.Dict) else node.elts)
                    if isinstance(k, ast.Constant) and isinstance(k.value, str)
                ]
                named = [k for k in keys if k.value in modes]
                if keys and 2 * len(named) > len(keys):
                    hits += [f"{where}:{node.lineno}: a table keyed by mode {k.value!r}" for k in named]
                    seen.update(map(id, named))
        hits += [
            f"{where}:{node.lineno}: model id {node.value!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value in models and id(node) not in seen
        ]
    return hits


def function_imports(package: Path, under: str = "", project_only: bool = False) -> list[str]:
    """Import statements inside function bodies (not under TYPE_CHECKING), in files under `under`."""
    hits = []
    for path in python_files(package / under if under else package):

        def visit(node: ast.AST, in_function: bool) -> None:
            for child in ast.iter_child_nodes(node):
                inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                if in_function and isinstance(child, (ast.Import, ast.ImportFrom)):
                    names = (
                        [child.module or ""] if isinstance(child, ast.ImportFrom) else [a.name for a in child.names]
                    )
                    if (
                        not project_only
                        or any(n.startswith("generator") for n in names)
                        or (isinstance(child, ast.ImportFrom) and child.level)
                    ):
                        hits.append(f"{path.relative_to(package.parent)}:{child.lineno}: {ast.unparse(child)}")
                if not is_type_checking(child):
                    visit(child, inner)

        visit(ast.parse(path.read_text(), str(path)), False)
    return hits


def exception_classes(package: Path) -> dict[str, list[str]]:
    """Exception classes defined in the package, each with its bases' names."""
    found: dict[str, list[str]] = {}
    for path in python_files(package):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ClassDef):
                found[node.name] = [terminal_name(b) for b in node.bases]
    exceptions = set(EXCEPTION_BASES)
    changed = True
    while changed:
        new = {name for name, bases in found.items() if set(bases) & exceptions} - exceptions
        exceptions |= new
        changed = bool(new)
    return {name: bases for name, bases in found.items() if name in exceptions and name not in EXCEPTION_BASES}
