"""`gallery init DIR`: a new gallery from generator/starter/ — recipes/site.yaml (which marks the folder as a
project), one book of a few figures on the embedded digits model, a drawing to edit, .gitignore, Makefile, README.

A new folder is written beside itself and renamed into place, so it appears whole or not at all; into an existing
folder the files are copied only when none of them is there yet (nothing of the user's is ever overwritten).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from generator import PACKAGE
from generator.errors import GalleryError


STARTER = PACKAGE / "starter"


class ScaffoldError(GalleryError):
    """The gallery cannot be written where asked; str() says why and what to do."""


def starter_files() -> list[Path]:
    """The starter's files, relative to it, in order: its top-level files and recipes/ (never a store/ or public/
    that a build run inside the source tree's starter would leave)."""
    return sorted(
        p.relative_to(STARTER)
        for p in STARTER.rglob("*")
        if p.is_file() and (p.parent == STARTER or p.relative_to(STARTER).parts[0] == "recipes")
    )


def init_project(dest: Path) -> list[Path]:
    """Write the starter gallery into `dest` (created when missing; its parent must exist); the files written."""
    dest = Path(dest).absolute()
    files = starter_files()
    if dest.exists() and not dest.is_dir():
        raise ScaffoldError(f"{dest} is a file; name a new or existing folder for the gallery")
    if not dest.parent.is_dir():
        raise ScaffoldError(f"{dest.parent} does not exist; create it first (or check the path for a typo)")
    if not dest.exists():
        with tempfile.TemporaryDirectory(prefix=f".{dest.name}.init-", dir=dest.parent) as staging:
            copy(files, Path(staging) / "gallery")
            (Path(staging) / "gallery").rename(dest)
        return files
    there = [str(f) for f in files if (dest / f).exists() or (dest / f).is_symlink()]
    if there:
        raise ScaffoldError(
            f"{dest} already has {', '.join(there[:4])}{' …' if len(there) > 4 else ''}; "
            f"`gallery init` never overwrites: choose a new folder"
        )
    copy(files, dest)
    return files


def copy(files: list[Path], dest: Path) -> None:
    for file in files:
        (dest / file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(STARTER / file, dest / file)
