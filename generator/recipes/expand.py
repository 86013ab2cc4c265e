"""Figures → concrete jobs: one per seed × combination of swept values, with inputs resolved to bytes."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.images import InputError, resolve_input
from generator.jobs import InputImage, Job
from generator.models.base import ModelSpec
from generator.modes.base import MODES
from generator.recipes.book import FigureSpec
from generator.recipes.located_yaml import RecipeError


@dataclass
class FigureJobs:
    figure: FigureSpec
    spec: ModelSpec
    jobs: list[Job]


def sweep_points(sweep: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of swept values, in recipe order (the first key varies slowest)."""
    keys = list(sweep)
    return [dict(zip(keys, values)) for values in itertools.product(*(sweep[k] for k in keys))]


def expand_figure(figure: FigureSpec, spec: ModelSpec, project_root: Path, downloads: Path) -> FigureJobs:
    """The jobs of one figure; raises InputError (with recipe and figure named) for a bad input image."""
    mode = MODES[figure.mode]
    inputs = tuple(resolve_inputs(figure, project_root, downloads))
    base = {**figure.params, "resize": figure.resize, "size": spec.image_size, "channels": spec.channels}
    jobs = []
    for seed in figure.seeds:
        for point in sweep_points(figure.sweep):
            values = {k: v for k, v in point.items() if k != "prompts"}
            prompts = tuple(point.get("prompts", figure.prompts))
            try:
                params = mode.resolve({**base, **values}, spec)
                job = Job(book=figure.book, section=figure.section, figure=figure.id, mode=mode.name,
                          algorithm=mode.version, params=params, prompts=prompts, seed=seed,
                          model=spec.key() if mode.needs_model else None, inputs=inputs, sweep=point)
                mode.check(job)
                for prompt in (mode.embedding_prompts(job) if mode.needs_model else ()):
                    spec.check_prompt(prompt)
            except ValueError as exc:
                raise InputError(f"{figure.file}:{figure.line}: figure {figure.id!r}: {exc}") from None
            jobs.append(job)
    return FigureJobs(figure, spec, jobs)


def resolve_inputs(figure: FigureSpec, project_root: Path, downloads: Path) -> list[InputImage]:
    resolved = []
    for name, source in figure.inputs.items():
        try:
            resolved.append(resolve_input(name, source, figure.recipe_dir, project_root, downloads))
        except InputError as exc:
            raise InputError(f"{figure.file}:{figure.line}: figure {figure.id!r}, input {name!r}: {exc}") from None
    return resolved


def expand_all(figures: list[FigureSpec], specs: dict[str, ModelSpec], project_root: Path,
               downloads: Path) -> tuple[list[FigureJobs], list[RecipeError | str]]:
    """Expand every figure; input problems are collected, not raised, so all are reported at once."""
    out, errors = [], []
    for figure in figures:
        try:
            out.append(expand_figure(figure, specs[figure.model], project_root, downloads))
        except InputError as exc:
            errors.append(str(exc))
    return out, errors
