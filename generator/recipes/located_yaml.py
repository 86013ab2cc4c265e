"""Safe YAML loading that remembers where every key and value came from (file:line:column).

Values come out as plain Python objects; `Located.where(path)` gives the position of any key path, so
validation errors can point at the exact line — the experience of DVC's strictyaml errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

KeyPath = tuple[Any, ...]   # e.g. ("figures", 2, "sweep", "t")


@dataclass
class RecipeError:
    """One problem in one recipe, reported as `file:line:col: key.path: message`."""

    file: str
    line: int
    column: int
    path: KeyPath
    message: str

    def __str__(self) -> str:
        where = format_path(self.path)
        return f"{self.file}:{self.line}:{self.column}: {where + ': ' if where else ''}{self.message}"


def format_path(path: KeyPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass
class Located:
    """A loaded YAML document with the 1-based (line, column) of each key path."""

    file: str
    data: Any
    marks: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    errors: list[RecipeError] = field(default_factory=list)

    def where(self, path: KeyPath) -> tuple[int, int]:
        """Position of `path`, or of its closest ancestor that has one."""
        while path and path not in self.marks:
            path = path[:-1]
        return self.marks.get(path, (1, 1))

    def error(self, path: KeyPath, message: str) -> None:
        line, column = self.where(path)
        self.errors.append(RecipeError(self.file, line, column, path, message))


def load_located(path: Path, display_name: str) -> Located:
    """Parse one YAML file safely; syntax errors and duplicate keys become RecipeErrors."""
    doc = Located(display_name, None)
    try:
        loader = yaml.SafeLoader(path.read_text(encoding="utf-8"))
        try:
            node = loader.get_single_node()
            if node is not None:
                _walk(node, (), doc)
                doc.data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        doc.errors.append(RecipeError(display_name, line, col, (), f"YAML syntax: {exc.problem or exc}"))
    except (OSError, UnicodeDecodeError) as exc:
        doc.errors.append(RecipeError(display_name, 1, 1, (), f"cannot read the file: {exc}"))
    return doc


def _walk(node: yaml.Node, path: KeyPath, doc: Located) -> None:
    doc.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                doc.errors.append(RecipeError(doc.file, line, col, path + (key,), "duplicate key"))
            seen.add(key)
            _walk(value_node, path + (key,), doc)
            doc.marks[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, path + (index,), doc)
