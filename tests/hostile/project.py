"""The small valid project every hostile case starts from, and the file operations a case applies to it."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable

from PIL import Image


SITE = "title: Hostile\nintro: A valid base project.\n"
BOOK = "title: Base\nmodel: digits\nsummary: Valid.\n"
SECTION = """\
title: Base
figures:
  - id: fwd
    mode: forward
    image: ../images/x.png
    t: 500
  - id: loss
    mode: loss_curve
    record: model/training.json
"""
TRAINING = {
    "step_loss": [1.0, 0.5, 0.25],
    "epoch_loss": [0.5],
    "steps": 3,
    "epochs": 1,
    "steps_per_epoch": 3,
    "wall_time_s": 60.0,
}


class Fifo:
    """Marks a path to be created as a named pipe (reading it would block forever)."""


class Folder:
    """Marks a path to be created as an empty folder."""


class Link:
    """Marks a path to be created as a symlink to `target`."""

    def __init__(self, target: str):
        self.target = target


def make_base(root: Path) -> None:
    """The valid project: one digits book with a forward figure and a loss curve, images, a record, sheets."""
    files: dict[str, Any] = {
        "recipes/site.yaml": SITE,
        "recipes/b/book.yaml": BOOK,
        "recipes/b/10-s.yaml": SECTION,
        "recipes/b/model/training.json": json.dumps(TRAINING),
    }
    apply(root, files)
    (root / "recipes/images").mkdir(parents=True, exist_ok=True)
    Image.new("L", (40, 40), 200).save(root / "recipes/images/x.png")
    Image.new("L", (40, 40), 0).save(root / "recipes/images/mask.png")
    (root / "recipes/b/model/samples").mkdir(parents=True)
    Image.new("L", (20, 20), 90).save(root / "recipes/b/model/samples/epoch-001.png")
    (root / "store/results/00aa").mkdir(parents=True)
    (root / "store/results/00aa/meta.json").write_text("{}")
    (root / "public").mkdir()
    (root / "public/.gallery-site").write_text("")
    (root / "public/index.html").write_text("<p>published</p>")


def apply(root: Path, files: dict[str, Any]) -> None:
    """Write each path: text, bytes, None (delete), Fifo, Folder, Link, or a function of the old text."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if content in (Fifo, Folder) or isinstance(content, Link):
            path.unlink(missing_ok=True)
        if content is None:
            path.unlink()
        elif content is Fifo:
            os.mkfifo(path)
        elif content is Folder:
            path.mkdir()
        elif isinstance(content, Link):
            path.symlink_to(content.target)
        elif callable(content):
            path.write_text(content(path.read_text()))
        else:
            path.write_bytes(content) if isinstance(content, bytes) else path.write_text(
                content.replace("PROJECT", str(root))
            )


def tree_digest(folder: Path) -> str:
    """Every path under `folder` with its kind and bytes, hashed: any write, even an empty folder, changes it."""
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        h.update(str(path.relative_to(folder)).encode())
        h.update(path.read_bytes() if path.is_file() and not path.is_symlink() else b"<dir>")
    return h.hexdigest()


Mutation = dict[str, Any] | Callable[[Path], None]
