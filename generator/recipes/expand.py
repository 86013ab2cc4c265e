"""Figures → concrete jobs: one per seed × combination of swept values, with inputs resolved to bytes.

Expansion is the second half of validation: everything that needs the model's spec (its image size, its
schedule) or the input files is checked here, without torch, and reported at the key's own line."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from generator.images import InputError, resolve_input
from generator.jobs import InputImage, Job
from generator.models.base import ModelSpec
from generator.modes.base import MODES, Mode, ParamError
from generator.recipes.declared import Figure
from generator.recipes.located_yaml import RecipeError


@dataclass
class FigureJobs:
    figure: Figure
    model_spec: ModelSpec
    jobs: list[Job]


def sweep_points(sweep: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of swept values, in recipe order (the first key varies slowest)."""
    keys = list(sweep)
    return [dict(zip(keys, values)) for values in itertools.product(*(sweep[k] for k in keys))]


def expand_figure(
    figure: Figure, spec: ModelSpec, project_root: Path, downloads: Path
) -> tuple[FigureJobs | None, list[RecipeError]]:
    """The jobs of one figure, or every problem found in it (each at the line of the key it is about)."""
    mode = MODES[figure.mode]
    inputs, errors = resolve_inputs(figure, project_root, downloads)
    if errors:
        return None, errors
    base = replace(figure.params, resize=figure.resize, size=spec.image_size, channels=spec.channels)
    jobs, problems = [], {}
    for point in sweep_points(figure.sweep):
        values = {k: v for k, v in point.items() if k != "prompts"}
        prompts = tuple(point.get("prompts", figure.prompts))
        try:
            params = mode.resolve(replace(base, **values), spec)
            new = [
                Job(
                    book=figure.book,
                    section=figure.section,
                    figure=figure.id,
                    mode=mode.name,
                    algorithm=mode.version,
                    params=params,
                    prompts=prompts,
                    seed=seed,
                    model=spec.key() if mode.needs_model else None,
                    inputs=inputs,
                    sweep=point,
                )
                for seed in figure.seeds
            ]
            found = point_problems(mode, figure, new[0], spec, project_root, point)
        except ParamError as exc:
            found = [figure.error((exc.key,), str(exc), point)]
        except ValueError as exc:
            found = [figure.error((), str(exc), point)]
        problems.update((str(e), e) for e in found)
        if not found:
            jobs += new
    if problems:
        return None, list(problems.values())
    return FigureJobs(figure, spec, sorted(jobs, key=lambda j: figure.seeds.index(j.seed))), []


def point_problems(
    mode: Mode, figure: Figure, job: Job, spec: ModelSpec, project_root: Path, point: dict[str, Any]
) -> list[RecipeError]:
    """What the mode finds wrong with one sweep point, given the model's size and the resolved inputs."""
    inputs = {i.name: i for i in job.inputs}
    found = [
        figure.error(path, message, point) for path, message in mode.check_params(job.params, inputs, project_root)
    ]
    try:
        mode.check(job)
    except ValueError as exc:
        found.append(figure.error(("prompts",), str(exc), point))
    for prompt in mode.embedding_prompts(job) if mode.needs_model else ():
        try:
            spec.check_prompt(prompt)
        except ValueError as exc:
            key = "prompts" if prompt in job.prompts else "uncond"
            found.append(figure.error((key,), str(exc), point))
    return found


def resolve_inputs(
    figure: Figure, project_root: Path, downloads: Path
) -> tuple[tuple[InputImage, ...], list[RecipeError]]:
    resolved, errors = [], []
    for name, source in figure.inputs.items():
        try:
            resolved.append(resolve_input(name, source, figure.recipe_dir, project_root, downloads))
        except InputError as exc:
            errors.append(figure.error((name,), str(exc)))
    return tuple(resolved), errors


def expand_all(
    figures: list[Figure], specs: dict[str, ModelSpec], project_root: Path, downloads: Path
) -> tuple[list[FigureJobs], list[RecipeError]]:
    """Expand every figure; problems are collected, not raised, so all are reported at once. When there are
    any, the downloads this expansion stored are removed again: a refused run leaves the store as it was."""
    existed = downloads.is_dir()
    before = set(downloads.iterdir()) if existed else set()
    out, errors = [], []
    for figure in figures:
        expanded, problems = expand_figure(figure, specs[figure.model], project_root, downloads)
        errors += problems
        if expanded is not None:
            out.append(expanded)
    if errors and downloads.is_dir():
        for path in set(downloads.iterdir()) - before:
            path.unlink(missing_ok=True)
        if not existed and not any(downloads.iterdir()):
            downloads.rmdir()
    return out, errors
