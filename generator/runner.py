"""Generate what the store lacks: model-free jobs directly, model jobs packed together through the engine."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Callable

from generator.jobs import Job
from generator.models.base import Backend, ModelSpec, ModelUnavailable
from generator.modes.base import MODES
from generator.recipes.expand import FigureJobs
from generator.store import Store


@dataclass
class RunContext:
    """What a mode sees while it builds tracks and assembles results."""

    spec: ModelSpec | None
    model: Backend | None = None
    device: Any = "cpu"
    store_root: Path | None = None
    embeddings: dict[str, Any] = field(default_factory=dict)   # prompt → embedding, encoded up front


@dataclass
class RunStats:
    generated: int = 0
    seconds: float = 0.0
    skipped: dict[str, str] = field(default_factory=dict)   # model id → why its jobs were not run


def package_versions() -> dict[str, str]:
    out = {}
    for name in ("diffusion-gallery", "torch", "diffusers"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "absent"
    return out


def pending_jobs(figures: list[FigureJobs], store: Store) -> list[tuple[Job, ModelSpec]]:
    """Jobs not in the store, each once (two figures may ask for the very same pixels)."""
    seen: dict[str, tuple[Job, ModelSpec]] = {}
    for f in figures:
        for job in f.jobs:
            if job.key not in seen and not store.has(job.key):
                seen[job.key] = (job, f.spec)
    return list(seen.values())


def prompts_of(jobs: list[Job]) -> list[str]:
    """Every prompt the jobs' tracks read (their own, their unconditional one, and ""), once each."""
    return sorted({p for job in jobs for p in MODES[job.mode].embedding_prompts(job)})


def run_model_free(jobs: list[Job], spec_of: dict[str, ModelSpec], store: Store, progress: Callable) -> int:
    if not jobs:
        return 0
    versions = package_versions()
    for job in progress(jobs, desc="model-free figures", unit="job"):
        start = time.perf_counter()
        result = MODES[job.mode].assemble(job, [], RunContext(spec_of[job.key], store_root=store.root))
        store.put(job, result.images, result.info, {"seconds": round(time.perf_counter() - start, 3)}, versions)
    return len(jobs)


def run_model_jobs(jobs: list[Job], backend: Backend, store: Store, batch_size: int | None,
                   chunk: int, progress: Callable) -> int:
    """Pack the tracks of many jobs into shared model calls; store each chunk as soon as it is done."""
    from generator.engine import run_tracks

    versions = package_versions()
    ctx = RunContext(backend.spec, backend, backend.device, store.root, backend.encode(prompts_of(jobs)))
    done = 0
    for start in range(0, len(jobs), chunk):
        part = jobs[start:start + chunk]
        began = time.perf_counter()
        tracks = {job.key: MODES[job.mode].tracks(job, ctx) for job in part}
        run_tracks([t for ts in tracks.values() for t in ts], backend, batch_size=batch_size,
                   desc=f"{backend.spec.id}: jobs {start + 1}–{start + len(part)} of {len(jobs)}")
        seconds = (time.perf_counter() - began) / len(part)
        for job in part:
            result = MODES[job.mode].assemble(job, tracks[job.key], ctx)
            store.put(job, result.images, result.info, {"seconds": round(seconds, 3)}, versions)
        done += len(part)
    return done


def generate(figures: list[FigureJobs], store: Store, *, device: str | None = None,
             batch_size: int | None = None, required: set[str] = frozenset(),
             progress: Callable | None = None) -> RunStats:
    """Run every pending job. A model that cannot run here is skipped (with the reason) unless required."""
    from tqdm import tqdm

    progress = progress or tqdm
    began = time.perf_counter()
    stats = RunStats()
    store.clean_tmp()
    todo = pending_jobs(figures, store)
    spec_of = {job.key: spec for job, spec in todo}
    stats.generated += run_model_free([j for j, _ in todo if not MODES[j.mode].needs_model], spec_of, store,
                                      progress)
    by_model: dict[str, list[Job]] = {}
    for job, spec in todo:
        if MODES[job.mode].needs_model:
            by_model.setdefault(spec.id, []).append(job)
    for model_id, jobs in by_model.items():
        spec = spec_of[jobs[0].key]
        reason = spec.unavailable(needs_stage2=any(j.params.get("upsample") for j in jobs),
                                  prompts=prompts_of(jobs), store_root=store.root, device=device)
        if reason:
            if model_id in required:
                raise ModelUnavailable(f"model {model_id!r}: {reason}")
            stats.skipped[model_id] = f"{len(jobs)} jobs pending — {reason}"
            continue
        backend = spec.load(device, store_root=store.root)
        stats.generated += run_model_jobs(jobs, backend, store, batch_size, chunk=256, progress=progress)
    stats.seconds = time.perf_counter() - began
    return stats
