"""Generate what the store lacks: model-free jobs directly, model jobs packed together through the engine.

Durable progress: each job is stored as soon as its tracks (and follow-ups) finish, and the engine holds only
a chunk of about two batches of jobs in flight, so a kill loses at most those. Concurrent builders split the
work: a job is computed only under its claim (Store.claim), jobs claimed by a live process are skipped and
waited for at the end. One bad figure never stops the others: a job that fails is reported (Failure) and the
rest still run; a chunk whose engine run fails is rerun job by job to find the culprit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from generator.distributed import barrier
from generator.errors import GalleryError, environment_error
from generator.jobs import Job
from generator.lock import Holder
from generator.models.base import Backend, ModelSpec, ModelUnavailable
from generator.models.embeddings import CorruptCache
from generator.models.hardware import CPU_BATCH, MAX_BATCH, device_kind
from generator.modes.base import MODES, ModelFreeMode, ModelMode
from generator.modes.runtime import engine
from generator.planner import Work, pending_jobs, plan_work, prompts_of
from generator.progress import Progress
from generator.recipes.expand import FigureJobs
from generator.store import Store


if TYPE_CHECKING:
    from generator.distributed import Shard

CHUNK_BATCHES = 2  # jobs in flight: about this many model batches' worth


@dataclass
class RunContext:
    """What a model mode sees while it builds tracks and assembles results (modes/base.py's ModelContext)."""

    spec: ModelSpec
    model: Backend
    device: Any = "cpu"
    store_root: Path | None = None
    embeddings: dict[str, Any] = field(default_factory=dict)  # prompt → embedding, encoded up front


@dataclass(frozen=True)
class Failure:
    """A figure with a job that failed at run time."""

    figure: str  # "book/figure-id"
    where: str  # "recipes/book/10-x.yaml:12"
    reason: str  # one line

    def __str__(self) -> str:
        return f"{self.where}: figure {self.figure!r} failed: {self.reason}"


@dataclass
class RunStats:
    generated: int = 0
    seconds: float = 0.0
    skipped: dict[str, str] = field(default_factory=dict)  # model id → why its jobs were not run
    failures: list[Failure] = field(default_factory=list)
    waited: int = 0  # jobs another live builder computed while this one waited


class StoreWriteError(GalleryError):
    """Writing a result failed (disk full, permissions): an operational error that stops the run."""

    def __init__(self, cause: OSError):
        self.cause = cause
        reported = environment_error(cause)
        super().__init__(str(reported), reported.exit_code)


def package_versions() -> dict[str, str]:
    out = {}
    for name in ("diffusion-gallery", "torch", "diffusers"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "absent"
    return out


def one_line(exc: BaseException) -> str:
    """An exception as one short line: its type and the first line of its message."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300] if text else ''}".rstrip(": ")


class Runner:
    """One generate() call: the store, who owns which job, what failed."""

    def __init__(self, figures: list[FigureJobs], store: Store, stats: RunStats, progress: Progress | None):
        self.store, self.stats, self.progress = store, stats, progress
        self.versions = package_versions()
        self.owners: dict[str, list[FigureJobs]] = {}
        for f in figures:
            for job in f.jobs:
                self.owners.setdefault(job.key, []).append(f)
        self.attempted: set[str] = set()
        self.held: set[str] = set()  # claims this process holds now

    def release(self, key: str) -> None:
        self.store.release(key)
        self.held.discard(key)

    def fail(self, job: Job, exc: BaseException) -> None:
        """Record a failed job once per figure that needs it; release its claim; never retried in this run."""
        self.release(job.key)
        self.attempted.add(job.key)
        known = {(f.figure, f.where) for f in self.stats.failures}
        for f in self.owners.get(job.key, []):
            figure, where = f"{f.figure.book}/{f.figure.id}", f"{f.figure.file}:{f.figure.line}"
            if (figure, where) not in known:
                self.stats.failures.append(Failure(figure, where, one_line(exc)))

    def save(self, job: Job, images: dict, info: dict, timing: dict) -> None:
        """Store a result and drop the claim; a write error stops the run (StoreWriteError)."""
        try:
            self.store.put(job, images, info, timing, self.versions)
        except OSError as exc:
            self.release(job.key)
            raise StoreWriteError(exc) from exc
        self.release(job.key)
        self.stats.generated += 1
        if self.progress is not None:
            self.progress.advance(images=len(images), cost=1)  # + the model evaluations spent in its ticks

    def claim(self, job: Job) -> bool:
        """Claim a job nobody has stored yet; False when it is stored or a live process computes it."""
        if self.store.has(job.key) or not self.store.claim(job.key):
            return False
        self.held.add(job.key)
        if self.store.has(job.key):  # finished by another builder just before our claim
            self.release(job.key)
            return False
        self.attempted.add(job.key)
        return True

    # ---------------------------------------------------------------------------------------- model-free

    def run_model_free(self, jobs: list[Job]) -> None:
        for job in jobs:
            if not self.claim(job):
                continue
            start = time.perf_counter()
            mode = MODES[job.mode]
            assert isinstance(mode, ModelFreeMode)
            try:
                result = mode.make(job)
            except Exception as exc:  # noqa: BLE001 — one bad figure never stops the others
                self.fail(job, exc)
                continue
            self.save(job, result.images, result.info, {"seconds": round(time.perf_counter() - start, 3)})

    # ------------------------------------------------------------------------------------------- models

    def run_model_jobs(
        self, jobs: list[Job], spec: ModelSpec, device: str | None, batch_size: int | None, required: bool
    ) -> None:
        """Claim chunks of about CHUNK_BATCHES batches of jobs and run each through the engine."""
        queue, backend, ctx, done = list(jobs), None, None, 0
        chunk = CHUNK_BATCHES * (batch_size or (CPU_BATCH if device_kind(device) == "cpu" else MAX_BATCH))
        while queue:
            part = []
            while queue and len(part) < chunk:
                job = queue.pop(0)
                if self.claim(job):
                    part.append(job)
            if not part:
                break
            if backend is None:
                try:
                    backend = spec.load(device, store_root=self.store.root)
                    ctx = RunContext(
                        backend.spec, backend, backend.device, self.store.root, backend.encode(prompts_of(jobs))
                    )
                except ModelUnavailable as exc:
                    for job in part:
                        self.release(job.key)
                    if required:
                        raise
                    self.stats.skipped[spec.id] = f"{len(jobs)} jobs pending — {exc}"
                    return
                except CorruptCache:
                    raise  # an operational error, not a figure's
                except Exception as exc:  # noqa: BLE001 — a model that fails to load fails its figures
                    for job in part + queue:
                        self.fail(job, exc)
                    return
            desc = f"{spec.id}: jobs {done + 1}–{done + len(part)} of {len(jobs)}"
            self.run_chunk(part, backend, ctx, batch_size, desc)
            done += len(part)

    def run_chunk(self, part: list[Job], backend: Backend, ctx: RunContext, batch_size: int | None, desc: str) -> None:
        """Run the chunk's tracks packed together; each job is stored the moment its tracks are done."""
        began = time.perf_counter()
        tracks: dict[str, list] = {}
        for job in part:
            try:
                tracks[job.key] = model_mode(job).tracks(job, ctx)
            except Exception as exc:  # noqa: BLE001
                self.fail(job, exc)
        jobs = {job.key: job for job in part if job.key in tracks}
        owner = {id(t): key for key, ts in tracks.items() for t in ts}
        left = {key: len(ts) for key, ts in tracks.items()}
        calls = {key: MODES[jobs[key].mode].model_calls(jobs[key]) for key in jobs}
        total_calls = max(1, sum(calls.values()))

        def on_done(track) -> None:
            key = owner[id(track)]
            left[key] -= 1
            if left[key] == 0:
                self.finish(jobs[key], tracks[key], ctx, (time.perf_counter() - began) * calls[key] / total_calls)

        for key in [k for k, n in left.items() if n == 0]:  # nothing to denoise: assemble at once
            self.finish(jobs[key], tracks[key], ctx, 0.0)
        try:
            engine.run_tracks(
                [t for ts in tracks.values() for t in ts],
                backend,
                batch_size=batch_size,
                desc=desc,
                progress=False,
                on_done=on_done,
                on_tick=self.progress and self.progress.spend,
            )
        except (StoreWriteError, KeyboardInterrupt, MemoryError):
            raise
        except Exception as exc:  # noqa: BLE001 — find the culprit: rerun the rest alone
            unfinished = [jobs[k] for k, n in left.items() if n > 0]
            if len(part) == 1 or len(unfinished) == 1:
                for job in unfinished:
                    self.fail(job, exc)
                return
            for job in unfinished:
                self.run_chunk([job], backend, ctx, batch_size, f"{desc} · retry {job.figure} alone")

    def finish(self, job: Job, tracks: list, ctx: RunContext, seconds: float) -> None:
        """Assemble and store one job whose tracks are all done."""
        try:
            result = model_mode(job).assemble(job, tracks, ctx)
        except Exception as exc:  # noqa: BLE001
            self.fail(job, exc)
            return
        self.save(job, result.images, result.info, {"seconds": round(seconds, 3)})

    # ------------------------------------------------------------------------------------ other builders

    def wait_for_others(self, jobs: list[Job], on_wait: Callable[[str], None] | None, poll: float = 0.5) -> None:
        """Wait until no job of `jobs` is claimed by a live process; names the holders once."""
        told: set[tuple[int, str]] = set()
        while True:
            held: dict[tuple[int, str], tuple[Holder, int]] = {}
            for job in jobs:
                holder = None if self.store.has(job.key) else self.store.claim_holder(job.key)
                if holder is not None:
                    h, n = held.get((holder.pid, holder.host), (holder, 0))
                    held[(holder.pid, holder.host)] = (h, n + 1)
            if not held:
                return
            for who, (holder, n) in held.items():
                if who not in told and on_wait is not None:
                    on_wait(f"waiting for {n} job(s) being computed by {holder.describe()}")
                    told.add(who)
            time.sleep(poll)


def model_mode(job: Job) -> ModelMode:
    mode = MODES[job.mode]
    assert isinstance(mode, ModelMode)
    return mode


def generate(
    figures: list[FigureJobs],
    store: Store,
    *,
    device: str | None = None,
    batch_size: int | None = None,
    required: set[str] = frozenset(),
    progress: bool = True,
    on_wait: Callable[[str], None] | None = None,
    shard: Shard | None = None,
) -> RunStats:
    """Run every pending job (or this shard's share of them). A model that cannot run here is skipped (with
    the reason) unless required; a job that fails is reported in stats.failures and the others still run.
    With `progress`, jobs and images done and the time left are shown on stderr (generator/progress.py)."""
    began = time.perf_counter()
    stats = RunStats()
    store.clean_tmp()
    todo = pending_jobs(figures, store)
    if shard is not None:
        todo = share_of(figures, todo, shard, store, device)
    spec_of = {job.key: spec for job, spec in todo}
    work = plan_work(todo, store.root, device)
    by_model = runnable_models(work, required, stats)
    runnable = work.model_free + [j for js in by_model.values() for j in js]
    shown = Progress(len(runnable), sum(map(job_cost, runnable))) if progress and runnable else None
    runner = Runner(figures, store, stats, shown)
    try:
        run_rounds(runner, runnable, by_model, spec_of, device, batch_size, required, on_wait)
    finally:
        if shown is not None:
            shown.close()
        for key in list(runner.held):  # interrupted: hand back what this process claimed
            runner.release(key)
    stats.seconds = time.perf_counter() - began
    return stats


def job_cost(job: Job) -> int:
    """What a job costs, for splitting work: its model evaluations, plus one for the PNG writes."""
    return MODES[job.mode].model_calls(job) + 1


def share_of(
    figures: list[FigureJobs], todo: list[tuple[Job, ModelSpec]], shard: Shard, store: Store, device: str | None
) -> list[tuple[Job, ModelSpec]]:
    """This process's share of the pending jobs. The split is of every job of the plan, stored or not, so
    shards started at different times (a job array) agree; it is balanced by cost. Under a launcher the
    leader first encodes every pending prompt (T5 runs once, into the on-disk cache) while the others wait."""
    if shard.launched:
        if shard.leader:
            encode_prompts(todo, store, device)
        barrier(shard)
    every = list({job.key: job for f in figures for job in f.jobs}.values())
    mine = {job.key for job in shard.take(every, cost=job_cost, key=lambda job: job.key)}
    return [(job, spec) for job, spec in todo if job.key in mine]


def encode_prompts(todo: list[tuple[Job, ModelSpec]], store: Store, device: str | None) -> None:
    """Encode the prompts of every model job that can run here (a backend caches costly encodings)."""
    for work in plan_work(todo, store.root, device).running().values():
        work.spec.load(device, store_root=store.root).encode(prompts_of(work.jobs))


def runnable_models(work: Work, required: set[str], stats: RunStats) -> dict[str, list[Job]]:
    """Model id → its pending jobs, for the models that can run here; the others go to stats.skipped
    (a required one raises ModelUnavailable, before any work)."""
    by_model: dict[str, list[Job]] = {}
    for model_id, model in work.models.items():
        if not model.why:
            by_model[model_id] = model.jobs
        elif model_id in required:
            raise ModelUnavailable(f"model {model_id!r}: {model.why}")
        else:
            stats.skipped[model_id] = f"{len(model.jobs)} jobs pending — {model.why}"
    return by_model


def run_rounds(
    runner: Runner,
    runnable: list[Job],
    by_model: dict[str, list[Job]],
    spec_of: dict[str, ModelSpec],
    device: str | None,
    batch_size: int | None,
    required: set[str],
    on_wait: Callable[[str], None] | None,
) -> None:
    """Run what can be claimed; wait for jobs other builders hold; take over those they left unfinished."""
    store, stats = runner.store, runner.stats
    while runnable:
        runner.run_model_free([j for j in runnable if not MODES[j.mode].needs_model])
        for model_id in by_model:
            jobs = [j for j in runnable if MODES[j.mode].needs_model and spec_of[j.key].id == model_id]
            if jobs and model_id not in stats.skipped:
                runner.run_model_jobs(jobs, spec_of[jobs[0].key], device, batch_size, model_id in required)
        others = [
            j
            for j in runnable
            if not store.has(j.key)
            and j.key not in runner.attempted
            and not (MODES[j.mode].needs_model and spec_of[j.key].id in stats.skipped)
        ]
        runner.wait_for_others(others, on_wait)
        stats.waited += sum(1 for j in others if store.has(j.key))
        runnable = [j for j in others if not store.has(j.key)]  # released unfinished: try them here
