"""Recipes + store → SiteView, the page model the site presents. Reads stored results only; never loads a model."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

from generator.fingerprints import digest
from generator.modes.base import MODES
from generator.project import Plan
from generator.recipes.declared import Book, Figure
from generator.recipes.expand import FigureJobs
from generator.site import charts, inputs, motion
from generator.site.layout import FigureResults, mode_layout
from generator.site.page import BookSource, BookView, FigureView, Grid, Panel, SectionView, SiteView
from generator.store import Store


NEEDS_GPU = "a CUDA GPU and the model's weights"  # what a model that `needs_gpu` needs, in words


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
        books.append(
            BookSource(book.slug, book.title, fingerprint, partial(book_view, book, by_id, store, fingerprint))
        )
    return SiteView(plan.title, plan.intro, books, url=plan.url)


def book_view(book: Book, by_id: dict[tuple[str, str], FigureJobs], store: Store, fingerprint: str = "") -> BookView:
    sections, spec = [], None
    for section in book.sections:
        views = []
        for figure in section.figures:
            expanded = by_id.get((book.slug, figure.id))
            if expanded is None:  # filtered out by --figure: not part of this render
                continue
            spec = spec or (expanded.model_spec if figure.model == book.model else None)
            views.append(figure_view(figure, expanded, store))
        sections.append(SectionView(section.slug, section.title, section.intro, views))
    extras = dict(book.front_matter)
    extras["command"] = spec.build_command(book.slug) if spec else "make gallery"
    if spec and spec.needs_gpu:
        extras["needs"] = NEEDS_GPU
    model = spec.description if spec else ""
    return BookView(book.slug, book.title, book.summary, model, sections, extras=extras, print=fingerprint)


def figure_view(figure: Figure, expanded: FigureJobs, store: Store) -> FigureView:
    """The mode's layout of the stored results; while some are pending, the inputs that need no model."""
    mode, spec = MODES[figure.mode], expanded.model_spec
    outcomes = [(job, store.get(job.key)) for job in expanded.jobs]
    command = spec.build_command(figure.book, figure.id) if mode.needs_model else "make gallery"
    view = mode_layout(FigureResults(figure, mode, spec, outcomes, command))
    if mode.chart and not view.pending and expanded.jobs:  # drawn as SVG from the record the job read
        draw, alt = charts.CHARTS[mode.chart]
        record = json.loads(Path(expanded.jobs[0].input("record").path).read_text())
        view.grids = [Grid([[Panel(None, "", alt=alt, data=draw(record), suffix=".svg")]])]
    if not view.pending and expanded.jobs:
        motion.animate(view, mode.motions, mode.readings(expanded.jobs[0].params))
    if view.pending and expanded.jobs:
        view.inputs = inputs.previews(expanded.jobs[0], mode, spec)
        view.settings = inputs.settings(expanded.jobs, mode)
        view.needs = NEEDS_GPU if mode.needs_model and spec.needs_gpu else ""
    return view
