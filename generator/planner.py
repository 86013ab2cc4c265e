"""What runs where: the pending jobs of a selection of figures, per model, with why a model cannot run here.

One planner for every command that asks — `gallery plan` (work and time per model), the plan-size guard of
`build` (model evaluations that will run), a build (which models to load, which to skip) and the leader of a
launch (whose prompts to encode first):

    work = plan_work(pending_jobs(figures, store), store.root, device)
    work.models["digits"].calls, work.models["deepfloyd-if"].why
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from generator.jobs import Job
from generator.models.base import ModelSpec
from generator.modes.base import MODES
from generator.store import Store


if TYPE_CHECKING:
    from generator.recipes.expand import FigureJobs

# Seconds per model evaluation when the store has no measurement: digits as measured on its stored results
# (2-core AMD EPYC); DeepFloyd IF rough (GPU: IFPipeline's 1.43 s per 60-evaluation image on an H200 / 2).
ROUGH_SECONDS_PER_EVAL = {"digits": 0.006, "cuda": 0.03, "cpu": 2.0}


@dataclass
class ModelWork:
    """One model's pending jobs, and why it cannot run them here ("" when it can)."""

    spec: ModelSpec
    jobs: list[Job] = field(default_factory=list)
    why: str = ""

    @property
    def calls(self) -> int:
        """The single-sample model evaluations its jobs need."""
        return sum(MODES[job.mode].model_calls(job) for job in self.jobs)


@dataclass
class Work:
    """Pending jobs: those that need no model, and per model id those that do."""

    model_free: list[Job]
    models: dict[str, ModelWork]

    def running(self, required: set[str] = frozenset()) -> dict[str, ModelWork]:
        """The models whose work runs: those that can run here, and the required ones (which then fail)."""
        return {m: work for m, work in self.models.items() if not work.why or m in required}


def pending_jobs(figures: list[FigureJobs], store: Store) -> list[tuple[Job, ModelSpec]]:
    """Jobs not in the store, each once (two figures may ask for the very same pixels)."""
    seen: dict[str, tuple[Job, ModelSpec]] = {}
    stored = store.key_set()
    for f in figures:
        for job in f.jobs:
            if job.key not in seen and job.key not in stored:
                seen[job.key] = (job, f.model_spec)
    return list(seen.values())


def prompts_of(jobs: list[Job]) -> list[str]:
    """Every prompt the jobs' tracks read (their own, their unconditional one, and ""), once each."""
    return sorted({p for job in jobs for p in MODES[job.mode].embedding_prompts(job)})


def stages_needed(jobs: list[Job]) -> dict[str, bool]:
    """What `spec.unavailable` must check beyond stage I: stage II for upsampling jobs, III for `upsample: 1024`."""
    stages = {MODES[j.mode].stages(j.params) for j in jobs}
    return {"needs_stage2": max(stages, default=1) >= 2, "needs_stage3": 3 in stages}


def plan_work(todo: list[tuple[Job, ModelSpec]], store_root: Path, device: str | None) -> Work:
    """The pending jobs `todo` by model, each model with why it cannot run on `device` ("" when it can): its
    stages, the prompts not yet encoded and its weights, checked without loading anything."""
    model_free, models = [], {}
    for job, spec in todo:
        if not MODES[job.mode].needs_model:
            model_free.append(job)
        else:
            models.setdefault(spec.id, ModelWork(spec)).jobs.append(job)
    for work in models.values():
        work.why = (
            work.spec.unavailable(
                **stages_needed(work.jobs), prompts=prompts_of(work.jobs), store_root=store_root, device=device
            )
            or ""
        )
    return Work(model_free, models)


def seconds_per_evaluation(
    figures: list[FigureJobs], store: Store, model_id: str, device: str | None
) -> tuple[float, str]:
    """Measured: stored results' timing over their model evaluations; else a stated rough default."""
    seconds = calls = 0.0
    for f in (f for f in figures if f.model_spec.id == model_id):
        for job in f.jobs[:50]:
            result = store.get(job.key) if MODES[job.mode].needs_model else None
            if result is not None and result.meta.get("timing", {}).get("seconds"):
                seconds += float(result.meta["timing"]["seconds"])
                calls += MODES[job.mode].model_calls(job)
    if calls >= 100:
        return seconds / calls, "measured on stored results"
    where = "cuda" if (device or "cuda").startswith("cuda") else "cpu"
    default = ROUGH_SECONDS_PER_EVAL.get(model_id) or ROUGH_SECONDS_PER_EVAL[where]
    return default, "rough default" + (
        "" if model_id in ROUGH_SECONDS_PER_EVAL else f" on a {where.upper()}".replace("CUDA", "CUDA GPU")
    )


def estimate(
    figures: list[FigureJobs], store: Store, model_id: str, calls: int, device: str | None
) -> tuple[float, str]:
    """(seconds, "6.0 ms each (how that was found)") for `calls` model evaluations of `model_id`."""
    per, how = seconds_per_evaluation(figures, store, model_id, device)
    return calls * per, f"{per * 1000:.1f} ms each ({how})"
