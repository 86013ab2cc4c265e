"""Recipes + store → SiteView, the page model the site presents. Reads stored results only; never loads a model."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

from generator.modes.base import MODES
from generator.project import Plan
from generator.recipes.book import Book, Figure
from generator.recipes.expand import FigureJobs
from generator.site import charts, inputs, motion
from generator.site.layout import FigureResults, mode_layout
from generator.fingerprints import digest
from generator.site.page import BookSource, BookView, FigureView, Grid, Panel, SectionView, SiteView
from generator.store import Store


def command_for(figure: Figure, needs_model: bool) -> str:
    """The exact command that generates a pending figure."""
    if figure.model == "digits" or not needs_model:
        return "make gallery"
    return f".venv/bin/gallery build --book {figure.book} --figure {figure.id}"


def book_command(book: Book) -> str:
    """The one command that generates every pending figure of a book."""
    return "make gallery" if book.model == "digits" else f".venv/bin/gallery build --book {book.slug}"


def site_view(plan: Plan, store: Store) -> SiteView:
    """Every book presented now (for the Hugo export and tests; the CLI renders `site_sources`)."""
    by_id = {(f.figure.book, f.figure.id): f for f in plan.figures}
    return SiteView(plan.title, plan.intro, [book_view(b, by_id, store) for b in plan.books], url=plan.url)


def site_sources(plan: Plan, store: Store) -> SiteView:
    """Every book as a BookSource: presented only if the writer finds its page changed. A book's print is what
    its plan was made from (recipes, inputs, models: Plan.sources) and which of its results are stored."""
    by_id = {(f.figure.book, f.figure.id): f for f in plan.figures}
    stored = store.key_set()
    books = []
    for book in plan.books:
        keys = sorted({j.key for f in plan.figures if f.figure.book == book.slug for j in f.jobs} & stored)
        source = plan.sources.get(book.slug)
        fingerprint = digest([source.state, keys]) if source else ""
        books.append(BookSource(book.slug, book.title, fingerprint, partial(book_view, book, by_id, store,
                                                                             fingerprint)))
    return SiteView(plan.title, plan.intro, books, url=plan.url)


def book_view(book: Book, by_id: dict[tuple[str, str], FigureJobs], store: Store, fingerprint: str = "") -> BookView:
    sections, model = [], ""
    for section in book.sections:
        views = []
        for figure in section.figures:
            expanded = by_id.get((book.slug, figure.id))
            if expanded is None:          # filtered out by --figure: not part of this render
                continue
            model = model or (expanded.model_spec.description if figure.model == book.model else "")
            views.append(figure_view(figure, expanded, store))
        sections.append(SectionView(section.slug, section.title, section.intro, views))
    extras = dict(book.front_matter)
    extras["command"] = book_command(book)
    if book.model != "digits":
        extras["needs"] = "a CUDA GPU and the model's weights"
    return BookView(book.slug, book.title, book.summary, model, sections, extras=extras, print=fingerprint)


def figure_view(figure: Figure, expanded: FigureJobs, store: Store) -> FigureView:
    """The mode's layout of the stored results; while some are pending, the inputs that need no model."""
    mode = MODES[figure.mode]
    outcomes = [(job, store.get(job.key)) for job in expanded.jobs]
    results = FigureResults(figure, expanded.model_spec, outcomes, command_for(figure, mode.needs_model))
    view = mode_layout(mode, results)
    chart = charts.CHARTS.get(figure.mode)
    if chart and not view.pending and expanded.jobs:        # drawn as SVG from the record the job read
        record = json.loads(Path(expanded.jobs[0].input("record").path).read_text())
        view.grids = [Grid([[Panel(None, "", alt=chart[1], data=chart[0](record), suffix=".svg")]])]
    if figure.mode == "anagram" and not view.pending and expanded.jobs:
        motion.animate_anagram(view, list(expanded.jobs[0].params.get("views", [])))
    if figure.mode == "hybrid" and not view.pending:
        motion.hybrid_distance(view)
    if figure.mode in ("hybrid", "factorized") and not view.pending:
        motion.small_views(view)
    if view.pending and expanded.jobs:
        view.inputs = inputs.previews(expanded.jobs[0], expanded.model_spec)
        view.settings = inputs.settings(expanded.jobs)
        view.needs = "a CUDA GPU and the model's weights" if mode.needs_model and figure.model != "digits" else ""
    return view
