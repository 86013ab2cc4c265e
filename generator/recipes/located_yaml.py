"""Safe, bounded YAML loading that remembers where every key and value came from (file:line:column).

Values come out as plain Python objects; `Located.where(path)` gives the position of any key path, so
validation errors can point at the exact line — the experience of DVC's strictyaml errors. Loading is bounded:
only regular files up to MAX_FILE_BYTES, nesting up to MAX_DEPTH, at most MAX_NODES nodes once aliases are
expanded (a "billion laughs" file is refused, not walked), and only plain data: string keys, finite numbers,
integers below 2⁶³, valid dates, no control characters.
"""

from __future__ import annotations

import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


KeyPath = tuple[Any, ...]  # e.g. ("figures", 2, "sweep", "t")

MAX_FILE_BYTES = 256 * 1024  # recipes are a few kB; PyYAML parses ~150 kB/s
MAX_DEPTH = 64
MAX_NODES = 200_000  # after alias expansion
MAX_INT = 2**63  # |int| must stay below (fits int64 everywhere)
TAG = "tag:yaml.org,2002:"
PLAIN_TAGS = {TAG + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge")}
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")  # C0 controls, DEL, lone surrogates


@dataclass
class RecipeError:
    """One problem in one recipe, reported as `file:line:col: key.path: message`."""

    file: str
    line: int
    column: int
    path: KeyPath
    message: str

    def __str__(self) -> str:
        """`file:line:col: path: message`; a file with no position (a missing file, a folder) is `file: message`."""
        where = format_path(self.path)
        place = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        return f"{place}: {where + ': ' if where else ''}{self.message}"


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


class TooDeep(yaml.MarkedYAMLError):
    """Nesting beyond MAX_DEPTH, raised while composing (before PyYAML's own recursion can overflow)."""


class Exhausted(Exception):
    """The alias-expanded document is larger than MAX_NODES."""


class BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses documents nested deeper than MAX_DEPTH."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise TooDeep(
                    None,
                    None,
                    f"nesting deeper than {MAX_DEPTH} levels; flatten the recipe",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def read_regular_file(path: Path, limit: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most `limit` bytes; FIFOs, devices and folders are refused unopened."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise OSError(f"{what} not found: {path}") from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file (a FIFO, socket or device)"
        raise OSError(f"{path} is {kind}; only regular files are read")
    if info.st_size > limit:
        raise OSError(f"{path} is {info.st_size:,} bytes, more than the limit of {limit:,}")
    with open(path, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"{path} is more than the limit of {limit:,} bytes")
    return data


def decode_utf8(data: bytes, display_name: str) -> tuple[str | None, RecipeError | None]:
    """UTF-8 text (a leading BOM is dropped); an encoding or control-character problem has its position."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start].decode("utf-8", "replace")
        line, col = position(before, len(before))
        return None, RecipeError(
            display_name, line, col, (), f"not UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        )
    bad = CONTROL.search(text)
    if bad:
        line, col = position(text, bad.start())
        return None, RecipeError(
            display_name, line, col, (), f"control character U+{ord(bad[0]):04X} in the file; remove it"
        )
    return text, None


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset."""
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def load_located(path: Path, display_name: str, root: Path | None = None) -> Located:
    """Parse one YAML file safely; syntax errors, duplicate keys and unsafe values become RecipeErrors.
    With `root`, a file that is a link to somewhere outside `root` is refused unread."""
    doc = Located(display_name, None)
    try:
        if root is not None and not path.resolve().is_relative_to(root.resolve()):
            raise OSError(
                f"{path} links to {path.resolve()}, outside the project; recipes are read only from inside it"
            )
        text, problem = decode_utf8(read_regular_file(path, MAX_FILE_BYTES, "recipe"), display_name)
    except (OSError, RuntimeError) as exc:  # RuntimeError: a loop of symlinks
        doc.errors.append(RecipeError(display_name, 1, 1, (), f"cannot read the file: {exc}"))
        return doc
    if problem:
        doc.errors.append(problem)
        return doc
    try:
        loader = BoundedLoader(text)
        try:
            node = loader.get_single_node()
            if node is not None and Walk(doc, loader).node(node, ()):
                doc.data = loader.construct_document(node)
        finally:
            loader.dispose()
    except Exhausted:
        doc.errors.append(
            RecipeError(
                display_name,
                1,
                1,
                (),
                f"the document expands to more than "
                f"{MAX_NODES:,} values (YAML aliases?); write the values out or split it",
            )
        )
    except yaml.reader.ReaderError as exc:
        line, col = position(text, exc.position)
        doc.errors.append(RecipeError(display_name, line, col, (), f"YAML: {exc.reason}; remove the character"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        doc.errors.append(RecipeError(display_name, line, col, (), f"YAML syntax: {exc.problem or exc}"))
    except yaml.YAMLError as exc:
        doc.errors.append(RecipeError(display_name, 1, 1, (), f"YAML: {exc}"))
    return doc


@dataclass
class Walk:
    """Visits every node once per path (aliases expanded) within MAX_NODES, recording positions and refusing
    what plain recipe data cannot be."""

    doc: Located
    loader: BoundedLoader
    visited: int = 0

    def node(self, node: yaml.Node, path: KeyPath) -> bool:
        """Record `node` and its children; False (with an error) when the document must not be constructed."""
        self.visited += 1
        if self.visited > MAX_NODES:
            raise Exhausted
        if len(path) > MAX_DEPTH:
            return self.fail(
                node, path[:2], f"nesting deeper than {MAX_DEPTH} levels (through YAML aliases?); flatten the recipe"
            )
        self.doc.marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if node.tag not in PLAIN_TAGS:
            return self.fail(node, path, f"unsupported YAML tag {node.tag!r}; recipes hold plain data")
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return all([self.node(item, path + (i,)) for i, item in enumerate(node.value)])  # noqa: C419 (every item)
        return self.scalar(node, path)

    def mapping(self, node: yaml.MappingNode, path: KeyPath) -> bool:
        ok, seen = True, set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in (TAG + "str", TAG + "merge"):
                ok = self.fail(key_node, path, "keys must be plain strings (quote it, or remove the '?' key)")
                continue
            key = key_node.value
            mark = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in seen:
                self.doc.errors.append(RecipeError(self.doc.file, *mark, path + (key,), "duplicate key"))
            seen.add(key)
            ok = self.node(value_node, path + (key,)) and ok
            self.doc.marks[path + (key,)] = mark
        return ok

    def scalar(self, node: yaml.ScalarNode, path: KeyPath) -> bool:
        tag = node.tag[len(TAG) :]
        try:
            value = self.loader.construct_object(node)
        except (ValueError, OverflowError) as exc:
            return self.fail(
                node,
                path,
                f"{node.value!r} is not a valid {tag} ({exc}); "
                f"{'write dates as YYYY-MM-DD' if tag == 'timestamp' else 'fix it'}",
            )
        if isinstance(value, float) and not math.isfinite(value):
            return self.fail(node, path, f"expected a finite number, got {node.value!r}")
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= MAX_INT:
            return self.fail(node, path, f"integer {node.value} is out of range (|n| < 2^63)")
        if isinstance(value, str) and CONTROL.search(value):
            return self.fail(node, path, "control character in a string; remove it")
        return True

    def fail(self, node: yaml.Node, path: KeyPath, message: str) -> bool:
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        self.doc.errors.append(RecipeError(self.doc.file, line, col, path, message))
        return False
