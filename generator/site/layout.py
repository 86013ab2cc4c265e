"""Stored results → a figure's panels. Modes may override; this default covers most of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.jobs import Job
from generator.models.base import ModelSpec
from generator.recipes.book import FigureSpec
from generator.site.page import FigureView, Grid, Panel
from generator.store import StoredResult

Outcome = tuple[Job, StoredResult | None]


@dataclass
class FigureResults:
    figure: FigureSpec
    spec: ModelSpec
    jobs: list[Outcome]
    command: str                 # what generates the pending jobs

    @property
    def picked(self) -> list[Outcome]:
        return [(j, r) for j, r in self.jobs if j.seed == self.figure.pick]


def sweep_label(values: dict[str, Any]) -> str:
    """What varies, in words: `t = 250`, or the prompts themselves when prompts are swept."""
    return ", ".join(" / ".join(f"“{p}”" for p in v) if k == "prompts" else f"{k} = {v}"
                     for k, v in values.items())


def show(value: Any) -> str:
    """A result's number or mapping as a reader would write it."""
    if isinstance(value, dict):
        return ", ".join(f"{k}: {show(v)}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def job_label(job: Job) -> str:
    return ", ".join(filter(None, [sweep_label(job.sweep), f"seed {job.seed}"]))


def primary(result: StoredResult) -> Any:
    """The image that stands for a result in small strips: the last one (the final output)."""
    return list(result.images.values())[-1]


def default_layout(r: FigureResults, shared: tuple[str, ...] = ()) -> FigureView:
    """Picked seed large (one row, or one row per sweep point), other seeds as a strip of final images."""
    pixelated = r.spec.image_size < 128
    grids = [main_grid(r.picked, shared, pixelated)]
    if len(grids[0].rows) > 1 and (lead := shared_panels(r.picked, shared, pixelated)):
        grids.insert(0, Grid([lead]))           # the input once, above a grid of one row per sweep point
    others = [Panel(primary(res) if res else None, job_label(job), pixelated)
              for job, res in r.jobs if job.seed != r.figure.pick]
    return figure_view(r, grids, others)


def figure_view(r: FigureResults, grids: list[Grid], others: list[Panel]) -> FigureView:
    pending = [job_label(job) for job, res in r.jobs if res is None]
    model = r.spec.description if any(j.model for j, _ in r.jobs) else ""
    return FigureView(r.figure.id, r.figure.caption, r.figure.mode, model, grids, others, pending,
                      r.command if pending else "", facts(r.picked), title=r.figure.title)


def facts(picked: list[Outcome]) -> list[tuple[str, str]]:
    """Result numbers under a figure: once when every sweep point agrees, else one per sweep point."""
    infos = [(job, res.info) for job, res in picked if res]
    keys = list(dict.fromkeys(k for _, info in infos for k in info))
    out = []
    for key in keys:
        values = [(job, info.get(key)) for job, info in infos]
        if len({repr(v) for _, v in values}) == 1:
            out.append((key, show(values[0][1])))
        else:
            out += [(f"{sweep_label(job.sweep)}: {key}", show(v)) for job, v in values]
    return out


def shared_panels(picked: list[Outcome], shared: tuple[str, ...], pixelated: bool) -> list[Panel]:
    """The images every sweep point shares (e.g. the original), taken from the first stored result."""
    done = [res for _, res in picked if res]
    return [Panel(done[0].images[n], n, pixelated) for n in shared if done and n in done[0].images]


def main_grid(picked: list[Outcome], shared: tuple[str, ...], pixelated: bool) -> Grid:
    if len(picked) == 1:
        job, res = picked[0]
        if res is None:
            return Grid([[Panel(None, job_label(job), pixelated)]])
        return Grid([[Panel(path, name, pixelated) for name, path in res.images.items()]])
    lead = shared_panels(picked, shared, pixelated)
    own = [[(n, p) for n, p in res.images.items() if n not in shared] if res else [] for _, res in picked]
    if all(len(o) <= 1 for o in own):       # one picture per sweep point: a single labelled row
        row = [Panel(o[0][1] if o else None, sweep_label(job.sweep), pixelated) for (job, _), o in zip(picked, own)]
        return Grid([lead + row])
    rows = [[Panel(p, n, pixelated) for n, p in o] or [Panel(None, "pending", pixelated)] for o in own]
    return Grid(rows, [sweep_label(job.sweep) for job, _ in picked])
