"""Each book's loaded and expanded recipes, kept until something they were made from changes.

Loading a book parses and validates its YAML and expands every figure into jobs (hashing each input); at
thousands of figures that is most of a build's time. So each book's result is kept with what it was made from —
the names and YAML bytes of its folder, the state of every input file its jobs read, its models' specs and this
code (generator/fingerprints.py) — and taken back while all of them are the same.

The cache lives in the user's cache folder ($XDG_CACHE_HOME, else ~/.cache: diffusion-gallery/plans/<project>/;
or $GALLERY_CACHE/plans), never inside a project: a project someone hands you cannot carry a cache entry (a pickle) of its own. Writing it
is best effort (a read-only home only makes loads slower); files are replaced atomically, so concurrent builds
each see a whole entry or none.
"""

from __future__ import annotations

import os
import pickle
import shutil
from dataclasses import dataclass
from pathlib import Path

from generator.fileops import replace_file
from generator.fingerprints import code_print, digest, folder_print, inputs_print, models_print
from generator.models.hardware import Hardware
from generator.recipes.declared import Book
from generator.recipes.expand import FigureJobs


FORMAT = 1
KEEP_PROJECTS = 32  # project folders kept in the cache (the least recently used go first)


@dataclass(frozen=True)
class BookSources:
    """What a book's plan was made from, and their fingerprint (`state`)."""

    inputs: tuple[str, ...]  # every input file its jobs read
    models: tuple[str, ...]  # the model ids its figures use
    state: str

    @staticmethod
    def of(folder: Path, figures: list[FigureJobs], hardware: Hardware) -> BookSources:
        inputs = tuple(sorted({i.path for f in figures for j in f.jobs for i in j.inputs}))
        models = tuple(sorted({f.model_spec.id for f in figures}))
        return BookSources(inputs, models, state(folder, inputs, models, hardware))


def state(folder: Path, inputs: tuple[str, ...], models: tuple[str, ...], hardware: Hardware) -> str:
    return digest([FORMAT, code_print(), folder_print(folder), inputs_print(inputs), models_print(models, hardware)])


@dataclass
class BookPlan:
    book: Book
    figures: list[FigureJobs]
    sources: BookSources


def cache_home() -> Path:
    """$GALLERY_CACHE/plans, else $XDG_CACHE_HOME (or ~/.cache)/diffusion-gallery/plans."""
    if os.environ.get("GALLERY_CACHE"):
        return Path(os.environ["GALLERY_CACHE"]) / "plans"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "diffusion-gallery" / "plans"


class BookPlans:
    """The cached plans of one project's books (its recipes and store folders name it)."""

    def __init__(self, recipes: Path, store_root: Path, hardware: Hardware, home: Path | None = None):
        self.home, self.hardware = home or cache_home(), hardware
        self.folder = self.home / digest([str(Path(recipes).resolve()), str(Path(store_root).resolve())])[:16]

    def kept(self, folder: Path) -> BookPlan | None:
        """The book in `folder` as last loaded, if nothing it was made from has changed since; else None."""
        try:
            saved, inputs, models, payload = pickle.loads((self.folder / f"{folder.name}.pickle").read_bytes())
            if saved != state(folder, inputs, models, self.hardware):
                return None
            book, figures = pickle.loads(payload)
        except Exception:  # noqa: BLE001 — missing, torn, or from other code: load it afresh
            return None
        return BookPlan(book, figures, BookSources(inputs, models, saved))

    def keep(self, folder: Path, plan: BookPlan) -> None:
        """Remember a freshly loaded book (best effort)."""
        s = plan.sources
        for figure in plan.figures:  # computed now, so that they are kept with the jobs
            for job in figure.jobs:
                job.key  # noqa: B018
        try:
            entry = pickle.dumps((s.state, s.inputs, s.models, pickle.dumps((plan.book, plan.figures))))
            fresh = not self.folder.is_dir()
            replace_file(self.folder / f"{folder.name}.pickle", entry)
            if fresh:
                self.prune()
        except (OSError, pickle.PicklingError):
            pass

    def prune(self) -> None:
        """Keep the KEEP_PROJECTS most recently written projects."""
        projects = sorted((p for p in self.home.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
        for old in projects[:-KEEP_PROJECTS]:
            shutil.rmtree(old, ignore_errors=True)
