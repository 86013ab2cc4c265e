"""Where things live, and the recipes loaded and expanded into jobs (the plan), with nothing generated yet."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from generator import PROJECT_ROOT
from generator.models.base import ModelSpec
from generator.recipes import Book, RecipeError, load_books
from generator.recipes.expand import FigureJobs, expand_all
from generator.recipes.book import load_site
from generator.store import Store


@dataclass
class Project:
    root: Path = PROJECT_ROOT
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

    def pending(self, store: Store) -> list[FigureJobs]:
        return [f for f in self.figures if any(not store.has(j.key) for j in f.jobs)]


class ModelMissing(RuntimeError):
    """A model a book names cannot even be described here (e.g. its files are missing)."""


class RecipeErrors(Exception):
    """All problems found in the recipes; str() lists them one per line."""

    def __init__(self, errors: list[RecipeError | str]):
        self.errors = errors
        super().__init__("\n".join(map(str, errors)))


def load_plan(project: Project, books: list[str] | None = None, figures: list[str] | None = None) -> Plan:
    """Load, validate and expand every recipe; raises RecipeErrors with every problem in every file."""
    from generator.models.registry import MODEL_IDS, get_spec
    import generator.modes  # noqa: F401  (registers the modes)

    data, site_errors = load_site(project.recipes)
    loaded, errors = load_books(project.recipes, MODEL_IDS)
    errors = [*site_errors, *errors]
    if errors:
        raise RecipeErrors(errors)
    chosen = [b for b in loaded if not books or b.slug in books]
    specs: dict[str, ModelSpec] = {}
    for figure in (f for b in chosen for f in b.figures()):
        if figure.model not in specs:
            try:
                specs[figure.model] = get_spec(figure.model)
            except (RuntimeError, ValueError, OSError) as exc:   # e.g. the digits weights are missing
                raise ModelMissing(f"model {figure.model!r} (book {figure.book!r}): {exc}") from None
    wanted = [f for b in chosen for f in b.figures() if not figures or f.id in figures]
    expanded, input_errors = expand_all(wanted, specs, project.root, project.store.downloads)
    if input_errors:
        raise RecipeErrors(input_errors)
    return Plan(str(data.get("title", "diffusion-gallery")), str(data.get("intro", "")), chosen, expanded)
