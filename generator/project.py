"""Where things live, and the recipes loaded and expanded into jobs (the plan), with nothing generated yet."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import generator.modes  # noqa: F401  (registers the modes)
from generator.errors import EXIT_MODEL_UNAVAILABLE, EXIT_RECIPE_ERRORS, GalleryError
from generator.models.base import ModelSpec
from generator.models.hardware import Hardware
from generator.models.registry import MODEL_IDS, get_spec
from generator.recipes import Book, RecipeError
from generator.recipes.book import book_folders, load_book, load_site, once, sort_books
from generator.recipes.expand import FigureJobs, expand_all
from generator.store import Store


if TYPE_CHECKING:
    from generator.plan_cache import BookSources


MARKER = Path("recipes") / "site.yaml"  # what makes a folder a gallery project (`gallery init` writes it)


class NoProject(GalleryError):
    """No folder from the starting one upward is a project; str() says how to start one."""


def find_root(start: Path) -> Path:
    """The nearest folder from `start` upward holding recipes/site.yaml, the way git finds .git."""
    start = Path(start).resolve()
    for folder in (start, *start.parents):
        if (folder / MARKER).is_file():
            return folder
    bare = next((f for f in (start, *start.parents) if (f / "recipes").is_dir()), None)
    hint = (
        f" ({bare / 'recipes'} has no site.yaml: add one with a `title:` line to make {bare} a gallery)"
        if bare
        else ""
    )
    raise NoProject(
        f"no gallery here: neither {start} nor a folder above it holds {MARKER}{hint}; start one "
        f"with `gallery init DIR`, then `cd DIR && gallery build`, or name a project with --root"
    )


@dataclass
class Project:
    root: Path
    recipes: Path = field(default=None)  # type: ignore[assignment]
    store_root: Path = field(default=None)  # type: ignore[assignment]
    public: Path = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        self.recipes = self.recipes or self.root / "recipes"
        self.store_root = self.store_root or self.root / "store"
        self.public = self.public or self.root / "public"

    @property
    def store(self) -> Store:
        return Store(self.store_root)


@dataclass
class Plan:
    title: str
    intro: str
    books: list[Book]
    figures: list[FigureJobs]
    url: str = ""  # where the site is published (site.yaml `url`), for Open Graph links
    sources: dict[str, BookSources] = field(default_factory=dict)  # book → what its plan was made from
    hardware: Hardware = Hardware()  # what its specs (and keys) are made for

    def pending(self, store: Store, figures: list[FigureJobs] | None = None) -> list[FigureJobs]:
        """The figures (of `figures`, default all) with a job the store lacks."""
        chosen, stored = self.figures if figures is None else figures, store.key_set()
        return [f for f in chosen if any(j.key not in stored for j in f.jobs)]

    def select(self, books: list[str] | None = None, figures: list[str] | None = None) -> list[FigureJobs]:
        """The figures a `--book` / `--figure` filter names (figure ids alone or as book/id); every figure when
        there is no filter. A name that matches nothing raises FilterError with the closest ids."""
        slugs = [b.slug for b in self.books]
        for name in books or []:
            if name not in slugs:
                raise FilterError("book", name, slugs)
        chosen = [f for f in self.figures if not books or f.figure.book in books]
        ids = sorted({f.figure.id for f in chosen} | {f"{f.figure.book}/{f.figure.id}" for f in chosen})
        for name in figures or []:
            if name not in ids:
                raise FilterError("figure", name, ids, f" in book(s) {', '.join(books)}" if books else "")
        return [
            f for f in chosen if not figures or f.figure.id in figures or f"{f.figure.book}/{f.figure.id}" in figures
        ]


class ModelMissing(GalleryError):
    """A model a book names cannot even be described here (e.g. its files are missing)."""

    exit_code = EXIT_MODEL_UNAVAILABLE


class FilterError(GalleryError):
    """A `--book` or `--figure` that names nothing in the recipes."""

    def __init__(self, kind: str, name: str, known: list[str], scope: str = ""):
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f"closest: {', '.join(close)}" if close else f"there are {len(known)}; `gallery plan` lists them"
        super().__init__(f"--{kind} {name!r} matches no {kind}{scope}; {hint}")


class RecipeErrors(GalleryError):
    """All problems found in the recipes; str() lists them one per line."""

    exit_code = EXIT_RECIPE_ERRORS

    def __init__(self, errors: list[RecipeError | str]):
        self.errors = errors
        super().__init__("\n".join(map(str, errors)))

    def report(self) -> str:
        return f"{self}\n\n{len(self.errors)} problem(s) in the recipes; nothing was generated or written."


def load_plan(project: Project, hardware: Hardware = Hardware(), cache: bool = True) -> Plan:
    """Load, validate and expand every recipe of every book for `hardware` (the site always shows them all;
    filters only select work, with Plan.select); raises RecipeErrors with every problem in every file. A book
    whose YAML, inputs and models are unchanged since it was last loaded comes from the plan cache."""
    from generator.plan_cache import BookPlan, BookPlans, BookSources

    data, errors = load_site(project.recipes)
    folders, found = book_folders(project.recipes)
    plans = BookPlans(project.recipes, project.store_root, hardware) if cache else None
    kept: dict[Path, BookPlan | None] = {f: plans.kept(f) if plans else None for f in folders}
    fresh: dict[Path, Book] = {}
    errors += found
    for folder in (f for f in folders if kept[f] is None):
        book, book_errors = load_book(folder, project.recipes, MODEL_IDS)
        errors += book_errors
        if book is not None:
            fresh[folder] = book
    if errors:
        raise RecipeErrors(once(errors))
    wanted = [f for b in fresh.values() for f in b.figures()]
    expanded, input_errors = expand_all(wanted, model_specs(wanted, hardware), project.root, project.store.downloads)
    if input_errors:
        raise RecipeErrors(input_errors)
    for folder, book in fresh.items():
        figures = [f for f in expanded if f.figure.book == book.slug]
        kept[folder] = BookPlan(book, figures, BookSources.of(folder, figures, hardware))
        if plans:
            plans.keep(folder, kept[folder])
    by_slug = {p.book.slug: p for p in kept.values() if p is not None}
    books = sort_books([p.book for p in by_slug.values()])
    return Plan(
        str(data.get("title", "diffusion-gallery")),
        str(data.get("intro", "")),
        books,
        [f for b in books for f in by_slug[b.slug].figures],
        str(data.get("url", "")),
        {slug: p.sources for slug, p in by_slug.items()},
        hardware,
    )


def model_specs(figures: list, hardware: Hardware) -> dict[str, ModelSpec]:
    """The spec of every model the figures name; ModelMissing when one cannot even be described here."""
    specs: dict[str, ModelSpec] = {}
    for figure in figures:
        if figure.model not in specs:
            try:
                specs[figure.model] = get_spec(figure.model, hardware)
            except (GalleryError, RuntimeError, ValueError, OSError) as exc:  # e.g. a local copy is incomplete
                raise ModelMissing(f"model {figure.model!r} (book {figure.book!r}): {exc}") from None
    return specs
