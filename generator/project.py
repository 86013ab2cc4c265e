"""Where things live, and the recipes loaded and expanded into jobs (the plan), with nothing generated yet."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from generator.models.base import ModelSpec
from generator.recipes import Book, RecipeError, load_books
from generator.recipes.expand import FigureJobs, expand_all
from generator.recipes.book import load_site
from generator.store import Store


MARKER = Path("recipes") / "site.yaml"      # what makes a folder a gallery project (`gallery init` writes it)


class NoProject(LookupError):
    """No folder from the starting one upward is a project; str() says how to start one."""


def find_root(start: Path) -> Path:
    """The nearest folder from `start` upward holding recipes/site.yaml, the way git finds .git."""
    start = Path(start).resolve()
    for folder in (start, *start.parents):
        if (folder / MARKER).is_file():
            return folder
    bare = next((f for f in (start, *start.parents) if (f / "recipes").is_dir()), None)
    hint = (f" ({bare / 'recipes'} has no site.yaml: add one with a `title:` line to make {bare} a gallery)"
            if bare else "")
    raise NoProject(f"no gallery here: neither {start} nor a folder above it holds {MARKER}{hint}; start one "
                    f"with `gallery init DIR`, then `cd DIR && gallery build`, or name a project with --root")


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

    def pending(self, store: Store, figures: list[FigureJobs] | None = None) -> list[FigureJobs]:
        """The figures (of `figures`, default all) with a job the store lacks."""
        chosen = self.figures if figures is None else figures
        return [f for f in chosen if any(not store.has(j.key) for j in f.jobs)]

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
        return [f for f in chosen if not figures or f.figure.id in figures
                or f"{f.figure.book}/{f.figure.id}" in figures]


class ModelMissing(RuntimeError):
    """A model a book names cannot even be described here (e.g. its files are missing)."""


class FilterError(ValueError):
    """A `--book` or `--figure` that names nothing in the recipes."""

    def __init__(self, kind: str, name: str, known: list[str], scope: str = ""):
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f"closest: {', '.join(close)}" if close else f"there are {len(known)}; `gallery plan` lists them"
        super().__init__(f"--{kind} {name!r} matches no {kind}{scope}; {hint}")


class RecipeErrors(Exception):
    """All problems found in the recipes; str() lists them one per line."""

    def __init__(self, errors: list[RecipeError | str]):
        self.errors = errors
        super().__init__("\n".join(map(str, errors)))


def load_plan(project: Project) -> Plan:
    """Load, validate and expand every recipe of every book (the site always shows them all; filters only
    select work, with Plan.select); raises RecipeErrors with every problem in every file."""
    from generator.models.registry import MODEL_IDS, get_spec
    import generator.modes  # noqa: F401  (registers the modes)

    data, site_errors = load_site(project.recipes)
    loaded, errors = load_books(project.recipes, MODEL_IDS)
    errors = [*site_errors, *errors]
    if errors:
        raise RecipeErrors(errors)
    chosen = loaded
    specs: dict[str, ModelSpec] = {}
    for figure in (f for b in chosen for f in b.figures()):
        if figure.model not in specs:
            try:
                specs[figure.model] = get_spec(figure.model)
            except (RuntimeError, ValueError, OSError) as exc:   # e.g. the digits weights are missing
                raise ModelMissing(f"model {figure.model!r} (book {figure.book!r}): {exc}") from None
    wanted = [f for b in chosen for f in b.figures()]
    expanded, input_errors = expand_all(wanted, specs, project.root, project.store.downloads)
    if input_errors:
        raise RecipeErrors(input_errors)
    return Plan(str(data.get("title", "diffusion-gallery")), str(data.get("intro", "")), chosen, expanded)
