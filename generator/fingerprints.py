"""Fingerprints of what a plan and a site are made from, so that work is redone only where something changed.

Text the project owns (recipes, templates, this code) is fingerprinted by its bytes; input files and model weights,
which may be large, by their size, mtime and inode — what git's index and make trust. A fingerprint is a short
sha256 hex digest of canonical JSON (generator/jobs.py's), so it never depends on dict order.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path
from typing import Any, Iterable

from generator.jobs import canonical_json, sha256_hex
from generator.models.hardware import Hardware
from generator.models.registry import get_spec


CODE = Path(__file__).resolve().parent  # the generator package
YAML_SUFFIXES = (".yaml", ".yml")


def digest(value: Any) -> str:
    """The fingerprint of a JSON-able value."""
    return sha256_hex(canonical_json(value))[:32]


def file_state(path: Path) -> list[int] | None:
    """[size, mtime_ns, inode] of a file, None when it is missing or unreadable."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ino]


def bytes_print(paths: Iterable[Path], root: Path) -> dict[str, str]:
    """Each file's path (relative to `root`) → the sha256 of its bytes ("" when unreadable)."""
    out = {}
    for path in paths:
        try:
            out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            out[path.relative_to(root).as_posix()] = ""
    return out


def folder_print(folder: Path) -> str:
    """A recipe folder: the names of its entries and the bytes of its YAML files (not of its images, which the
    recipes that use them fingerprint as inputs)."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return digest(None)
    yaml = [folder / n for n in names if n.lower().endswith(YAML_SUFFIXES) and (folder / n).is_file()]
    return digest([names, bytes_print(yaml, folder)])


def recipes_print(recipes: Path) -> str:
    """The recipes folder: its own entries and those of every folder in it (books and asset folders)."""
    try:
        folders = sorted(p for p in recipes.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return digest(None)
    return digest([folder_print(recipes), {p.name: folder_print(p) for p in folders}])


def tree_print(folder: Path) -> str:
    """Every file under `folder` by its bytes (templates)."""
    return digest(bytes_print(sorted(p for p in folder.rglob("*") if p.is_file()), folder))


@cache
def code_print() -> str:
    """This package's source: a change to how jobs are expanded or pages laid out changes every fingerprint."""
    return digest(bytes_print(sorted(CODE.rglob("*.py")), CODE))


def inputs_print(paths: Iterable[str]) -> str:
    """The state of each input file (size, mtime, inode)."""
    return digest({p: file_state(Path(p)) for p in sorted(set(paths))})


def models_print(model_ids: Iterable[str], hardware: Hardware) -> str:
    """Each model's spec as the plan would compute it for `hardware` (its revision hashes local weights; no
    weights loaded)."""
    out: dict[str, Any] = {}
    for model_id in sorted(set(model_ids)):
        try:
            spec = get_spec(model_id, hardware)
            out[model_id] = [spec.key(), spec.description, spec.image_size]
        except Exception as exc:  # noqa: BLE001 — a model that cannot be described: a changed state
            out[model_id] = f"unavailable: {type(exc).__name__}"
    return digest(out)
