"""Stored results → a figure's panels, laid out from what the mode declares (`mode_layout`).

The picked seed is shown large (one row, or one row per sweep point); the other seeds follow as a compact grid
of their main image, one row per seed in the order of the sweep points above. Labels come from
generator.site.labels, so they say what a reader needs, not what a recipe key is called.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.jobs import Job
from generator.models.base import ModelSpec
from generator.modes.base import Mode
from generator.recipes.declared import Figure
from generator.site import labels
from generator.site.page import FigureView, Grid, Panel
from generator.store import StoredResult


Outcome = tuple[Job, StoredResult | None]


@dataclass
class FigureResults:
    figure: Figure
    mode: Mode
    model_spec: ModelSpec
    jobs: list[Outcome]
    command: str  # what generates the pending jobs

    @property
    def picked(self) -> list[Outcome]:
        return [(j, r) for j, r in self.jobs if j.seed == self.figure.pick]


def sweep_label(job: Job) -> str:
    """What varies between the sweep points, in words: `t = 250`, `20 steps`, `“7”`."""
    return labels.sweep_label(job.sweep, job.params)


def job_label(job: Job) -> str:
    return ", ".join(filter(None, [sweep_label(job), f"seed {job.seed}"]))


def panel_label(name: str, result: StoredResult) -> str:
    """A stored image's label with the numbers that belong to it ('blurred, σ 1.5, PSNR 23.7 dB')."""
    prompts = result.info.get("prompts") if isinstance(result.info.get("prompts"), dict) else None
    return labels.with_numbers(labels.image_label(name, prompts), name, result.info)


def standing_image(mode: Mode, job: Job, result: StoredResult) -> tuple[str, Any]:
    """The image that stands for a result in the grid of other seeds: the final output, or the first reading
    of a picture that has readings (an anagram's upright one)."""
    items = list(result.images.items())
    return items[0] if mode.readings(job.params) else items[-1]


def seed_label(pick: int, seeds: int) -> str:
    """'seed 3' for the large pictures; 'seed 3, picked from 10' when the others follow below."""
    return f"seed {pick}" + (f", picked from {seeds}" if seeds > 1 else "")


def mode_layout(results: FigureResults) -> FigureView:
    """The figure of its mode: the default layout with its shared images; full-size images never pixelated."""
    mode = results.mode
    view = default_layout(results, mode.shared_images)
    if mode.takes_seed and results.picked:
        view.seed_label = seed_label(results.figure.pick, len(results.figure.seeds))
    if mode.full_size:
        for grid in view.grids:
            for row in grid.rows:
                for panel in row:
                    panel.pixelated = False
    return view


def default_layout(r: FigureResults, shared: tuple[str, ...] = ()) -> FigureView:
    """Picked seed large (one row, or one row per sweep point), other seeds as a compact grid below it."""
    pixelated = r.model_spec.image_size < 128
    grids = [main_grid(r.picked, shared, pixelated)]
    if len(grids[0].rows) > 1 and (lead := shared_panels(r.picked, shared, pixelated)):
        grids.insert(0, Grid([lead]))  # the input once, above a grid of one row per sweep point
    others = [other_panel(r.mode, job, res, pixelated) for job, res in r.jobs if job.seed != r.figure.pick]
    describe_others(others, r)
    view = figure_view(r, grids, others)
    view.others_cols = len(r.picked) if len(r.picked) > 1 else 0
    if others and (readings := r.mode.readings(r.picked[0][0].params)):
        view.others_title = "Other seeds, " + labels.image_label(readings[0])
    describe(view, r)
    return view


def subject(r: FigureResults) -> str:
    """What a figure's pictures are of: its input image in words, else its (unswept) prompts; '' when neither."""
    job = r.jobs[0][0] if r.jobs else None
    if job is None:
        return ""
    image = next((i for i in job.inputs if i.name == "image"), None)
    if image is not None:
        return labels.input_words(image)
    if "prompts" not in job.sweep and any(job.prompts):
        return " / ".join(f"“{p}”" for p in job.prompts)
    return ""


def alt_text(r: FigureResults, what: list[str], seed: int | None) -> str:
    """'SDEdit of a handwritten 7, from t = 840, seed 0'; 'visual anagram, upright reading: 6, seed 3'."""
    noun = r.mode.noun
    about = subject(r)
    words = [w for w in what if w and w != noun.split()[-1]]
    if r.jobs and r.mode.readings(r.jobs[0][0].params):
        words = [w.replace(": ", " reading: ", 1) for w in words]
    tail = [f"seed {seed}"] if seed is not None and any(j.model for j, _ in r.jobs) else []
    head = f"{noun} of {about}" if about else noun
    if r.mode.edits_toward_prompt and r.jobs and r.jobs[0][0].prompts:
        head += f" toward “{r.jobs[0][0].prompts[0]}”"
    return ", ".join([head, *words, *tail])


def describe(view: FigureView, r: FigureResults) -> None:
    """Alt text for every picture of the picked seed: what it is, of what, what varies, which seed."""
    for grid in view.grids:
        for i, row in enumerate(grid.rows):
            row_label = grid.row_labels[i] if i < len(grid.row_labels) else ""
            for p in row:
                if not p.alt:
                    p.alt = alt_text(r, [row_label, p.label], r.figure.pick)


def describe_others(others: list[Panel], r: FigureResults) -> None:
    """The other seeds' alt text, in the same words as the picked seed's."""
    jobs = [job for job, _ in r.jobs if job.seed != r.figure.pick]
    for panel, job in zip(others, jobs):
        what = panel.alt.removesuffix(f", {job_label(job)}") if panel.image is not None else ""
        panel.alt = alt_text(r, [what, sweep_label(job)], job.seed)


def other_panel(mode: Mode, job: Job, res: StoredResult | None, pixelated: bool) -> Panel:
    if res is None:
        return Panel(None, job_label(job), pixelated, alt=job_label(job))
    name, path = standing_image(mode, job, res)
    what = panel_label(name, res)
    return Panel(path, job_label(job), pixelated, alt=f"{what}, {job_label(job)}")


def figure_view(r: FigureResults, grids: list[Grid], others: list[Panel]) -> FigureView:
    pending = [job_label(job) for job, res in r.jobs if res is None]
    model = r.model_spec.description if any(j.model for j, _ in r.jobs) else ""
    return FigureView(
        r.figure.id,
        r.figure.caption,
        r.figure.mode,
        model,
        grids,
        others,
        pending,
        r.command if pending else "",
        facts(r.picked),
        title=r.figure.title,
    )


def facts(picked: list[Outcome]) -> list[tuple[str, str]]:
    """Result numbers under a figure, in words: once when every sweep point agrees, else one per sweep point.

    A number that a label already shows (the swept value, a PSNR on its image) is left out.
    """
    infos = [(job, res.info) for job, res in picked if res]
    keys = [
        k for k in dict.fromkeys(k for _, info in infos for k in info) if not any(k in job.sweep for job, _ in infos)
    ]
    out = []
    for key in keys:
        values = [(job, info.get(key)) for job, info in infos]
        shown = labels.fact(key, values[0][1])
        if shown is None:
            continue
        if len({repr(v) for _, v in values}) == 1:
            out.append(shown)
        else:
            out += [(f"{sweep_label(job)}: {shown[0]}", labels.fact(key, v)[1]) for job, v in values]
    return out


def shared_panels(picked: list[Outcome], shared: tuple[str, ...], pixelated: bool) -> list[Panel]:
    """The images every sweep point shares (e.g. the original), taken from the first stored result."""
    done = [res for _, res in picked if res]
    return [
        Panel(done[0].images[n], panel_label(n, done[0]), pixelated) for n in shared if done and n in done[0].images
    ]


def main_grid(picked: list[Outcome], shared: tuple[str, ...], pixelated: bool) -> Grid:
    if len(picked) == 1:
        job, res = picked[0]
        if res is None:
            return Grid([[Panel(None, job_label(job), pixelated)]])
        return Grid([[Panel(path, panel_label(name, res), pixelated) for name, path in res.images.items()]])
    lead = shared_panels(picked, shared, pixelated)
    own = [[(n, p) for n, p in res.images.items() if n not in shared] if res else [] for _, res in picked]
    if all(len(o) <= 1 for o in own):  # one picture per sweep point: a single labelled row
        row = [Panel(o[0][1] if o else None, sweep_label(job), pixelated) for (job, _), o in zip(picked, own)]
        return Grid([lead + row])
    rows = [
        [Panel(p, panel_label(n, res), pixelated) for n, p in o] or [Panel(None, "pending", pixelated)]
        for (_, res), o in zip(picked, own)
    ]
    return Grid(rows, [sweep_label(job) for job, _ in picked])
