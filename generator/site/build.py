"""Recipes + store → SiteView. Reads stored results only; never loads a model."""

from __future__ import annotations

from generator.modes.base import MODES
from generator.project import Plan
from generator.recipes.book import Book, FigureSpec
from generator.recipes.expand import FigureJobs
from generator.site.layout import FigureResults
from generator.site.page import BookView, SectionView, SiteView
from generator.store import Store


def command_for(figure: FigureSpec, needs_model: bool) -> str:
    """The exact command that generates a pending figure."""
    if figure.model == "digits" or not needs_model:
        return "make gallery"
    return f".venv/bin/gallery build --book {figure.book} --figure {figure.id}   # needs a GPU and the DeepFloyd weights"


def site_view(plan: Plan, store: Store) -> SiteView:
    by_id = {(f.figure.book, f.figure.id): f for f in plan.figures}
    return SiteView(plan.title, plan.intro, [book_view(b, by_id, store) for b in plan.books])


def book_view(book: Book, by_id: dict[tuple[str, str], FigureJobs], store: Store) -> BookView:
    sections = []
    model = ""
    for section in book.sections:
        views = []
        for figure in section.figures:
            expanded = by_id.get((book.slug, figure.id))
            if expanded is None:          # filtered out by --figure: not part of this render
                continue
            mode = MODES[figure.mode]
            outcomes = [(job, store.get(job.key)) for job in expanded.jobs]
            results = FigureResults(figure, expanded.spec, outcomes, command_for(figure, mode.needs_model))
            views.append(mode.layout(results))
            model = model or expanded.spec.description
        sections.append(SectionView(section.slug, section.title, section.intro, views))
    return BookView(book.slug, book.title, book.summary, model, sections, extras=dict(book.front_matter))
