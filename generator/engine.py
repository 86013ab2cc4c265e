"""The batching engine: many independent tracks (one image being denoised each) stepped together.

Each tick collects every active track's model requests (its views × {uncond, cond}), packs them into batches
of up to `batch_size` samples (one timestep per sample), runs the backend, scatters the estimates back, and
each track combines its own (CFG per view, inverse views, mean or sum, variance averaged) and takes a DDPM
step. Every track draws its noise from its own CPU RNG (a torch.Generator), so its noise never depends on what else was in
the batch, nor on the device. Its pixels agree within PACKING_ATOL: CPU (and GPU) kernels choose their
algorithm by batch shape, so packing can move the last float bits; the same packing on the same machine is
bit-identical. Nothing in the loop waits for the GPU: timesteps and step coefficients are host
numbers, and host tensors reach the device through pinned, non-blocking copies.

    track = Track(x=x_T, timesteps=[990, 960, …, 0], terms=[Term("a photo", uncond="", guidance=7)],
                  embeddings=ctx.embeddings, schedule=Schedule.from_config(cfg), rng=make_rng(seed))
    run_tracks([track, …], backend)           # backend.predict(x_t (B,C,H,W), t (B,), emb (B,…), **cond)
    track.x                                   # the final image, (1, C, H, W)

A track may name a follow-up (`then`, e.g. stage II super-resolution of its result); all tracks of one
phase finish before the follow-ups of that phase start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Mapping, Sequence

import torch

from generator.diffusion.ddpm import ddpm_step, guide
from generator.diffusion.noise import draw_noise, make_rng
from generator.diffusion.schedule import Schedule, one_step_estimate
from generator.diffusion.views import Identity, View
from generator.models.base import Backend
from generator.models.hardware import CPU_BATCH, batch_for, free_bytes


IDENTITY = Identity()
PACKING_ATOL = 1e-3  # |x alone − x packed| bound, in [-1, 1]: 1/8 of an 8-bit grey level
Hook = Callable[["Track", int], None]
make_generator = make_rng  # the older name (tests, bench and the digits evaluation use it)


def to_device(values: Sequence[int], device: torch.device) -> torch.Tensor:
    """A host list of ints as a long tensor on `device` without a blocking copy."""
    t = torch.tensor(list(values), dtype=torch.long)
    if device.type == "cuda":
        return t.pin_memory().to(device, non_blocking=True)
    return t.to(device)


@dataclass(eq=False)
class Term:
    """One noise estimate a track combines: its prompt seen through `view`, with optional CFG, optionally
    restricted to one factor `component` (factorized diffusion)."""

    prompt: str
    uncond: str | None = None  # the unconditional prompt (usually ""); None: no guidance
    guidance: float = 1.0  # γ in ε = ε_u + γ (ε_c − ε_u)
    view: View = IDENTITY
    component: Callable[[torch.Tensor], torch.Tensor] | None = None

    def prompts(self) -> list[str]:
        return ([self.uncond] if self.uncond is not None else []) + [self.prompt]


@dataclass(eq=False)
class Request:
    """One sample of a model call: (x_t, t, embedding, conditioning), all with batch dim 1."""

    key: Hashable
    x: torch.Tensor
    t: int
    emb: torch.Tensor
    cond: dict[str, torch.Tensor]

    def signature(self) -> tuple:
        """Requests with equal signatures can share one batch."""
        cond = tuple((k, tuple(v.shape[1:]), v.dtype) for k, v in sorted(self.cond.items()))
        return tuple(self.x.shape[1:]), self.x.dtype, tuple(self.emb.shape), self.emb.dtype, cond


@dataclass
class Snapshot:
    """x_t before the step at t, and the one-step estimate x̂₀ made there."""

    t: int
    x_t: torch.Tensor
    x0_hat: torch.Tensor


@dataclass(eq=False)
class Track:
    """One image being denoised: its state, its model requests per tick and how it steps."""

    x: torch.Tensor  # x_t now, (1, C, H, W), float32
    timesteps: list[int]  # still to run; step i goes t_i → t_{i+1} (last → −1)
    terms: list[Term]
    embeddings: Mapping[str, torch.Tensor]  # prompt → embedding (no batch dim)
    schedule: Schedule
    rng: torch.Generator  # this track's noise (diffusion/noise.py)
    thresholding: str = "none"  # dynamic / clip / none, applied to x̂₀ each step
    reduce: str = "mean"  # how terms combine: "mean" (anagrams) or "sum" (factors)
    cond: dict[str, torch.Tensor] = field(default_factory=dict)  # extra inputs; 4-D ones follow the views
    hooks: list[Hook] = field(default_factory=list)  # called after every step as hook(track, t′)
    keep_every: int = 0  # > 0: snapshot every k-th step (iterative figure)
    predict_only: bool = False  # one model call at timesteps[0], no step (x̂₀ only)
    then: Callable[[Track], Track | None] | None = None  # follow-up made when this track is done
    extras: dict[str, Any] = field(default_factory=dict)  # the mode's own notes, for assemble()
    index: int = 0
    eps: torch.Tensor | None = None  # the last combined noise estimate
    x0_hat: torch.Tensor | None = None  # the last one-step estimate (before thresholding)
    snapshots: list[Snapshot] = field(default_factory=list)
    next: Track | None = None  # the follow-up, once made

    def __post_init__(self) -> None:
        if self.x.dim() != 4 or self.x.shape[0] != 1:
            raise ValueError(f"a track's x must be one image shaped (1, C, H, W), got {tuple(self.x.shape)}")
        if self.reduce not in ("mean", "sum"):
            raise ValueError(f"track reduce {self.reduce!r}: expected 'mean' or 'sum'")
        if not self.terms:
            raise ValueError("a track needs at least one term (prompt)")

    @property
    def remaining(self) -> int:
        """Ticks (model calls and steps) still to come in this phase."""
        return max((min(1, len(self.timesteps)) if self.predict_only else len(self.timesteps)) - self.index, 0)

    @property
    def done(self) -> bool:
        return self.remaining == 0

    @property
    def t(self) -> int:
        return self.timesteps[self.index]

    @property
    def t_prev(self) -> int:
        return self.timesteps[self.index + 1] if self.index + 1 < len(self.timesteps) else -1

    def noise(self) -> torch.Tensor:
        """Fresh N(0, I) shaped like x, from this track's RNG."""
        return draw_noise(self.rng, self.x.shape, self.x.device, self.x.dtype)

    def model_calls(self) -> int:
        """Single-sample model evaluations still to come (this phase only)."""
        return len({(term.view, p) for term in self.terms for p in term.prompts()}) * self.remaining

    def requests(self) -> list[Request]:
        """This tick's model inputs: each (view, prompt) once, unconditional before conditional (as diffusers)."""
        seen: dict[Hashable, Request] = {}
        viewed: dict[View, tuple[torch.Tensor, dict[str, torch.Tensor]]] = {}
        for term in self.terms:
            if term.view not in viewed:
                viewed[term.view] = (
                    term.view.view(self.x),
                    {k: term.view.view(v) if v.dim() == 4 else v for k, v in self.cond.items()},
                )
            x, cond = viewed[term.view]
            for prompt in term.prompts():
                key = (self, term.view, prompt)
                if key not in seen:
                    seen[key] = Request(key, x, self.t, self.embeddings[prompt], cond)
        return list(seen.values())

    def combine(
        self, outputs: Mapping[Hashable, tuple[torch.Tensor, torch.Tensor | None]]
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """ε = reduce_i f_i(v_i⁻¹(ε_u + γ(ε_c − ε_u))); variance: mean of v_i⁻¹(var_c) (conditional branch)."""
        eps_parts, var_parts = [], []
        for term in self.terms:
            eps, var = outputs[(self, term.view, term.prompt)]
            if term.uncond is not None:
                eps = guide(outputs[(self, term.view, term.uncond)][0], eps, term.guidance)
            eps = term.view.inverse_view(eps)
            eps_parts.append(term.component(eps) if term.component is not None else eps)
            var_parts.append(None if var is None else term.view.inverse_variance(var))
        eps = total(eps_parts) if self.reduce == "sum" else average(eps_parts)
        var = None if any(v is None for v in var_parts) else average(var_parts)
        return eps, var

    def advance(self, outputs: Mapping[Hashable, tuple[torch.Tensor, torch.Tensor | None]]) -> None:
        """Combine this tick's estimates and step t → t′ (noise only when t > 0, as diffusers)."""
        eps, var = self.combine(outputs)
        t, t_prev = self.t, self.t_prev
        self.eps = eps
        if self.predict_only:
            self.x0_hat = one_step_estimate(self.x, eps, self.schedule.alpha_bar(t))
            self.index += 1
            return
        noise = self.noise() if t > 0 else None
        x_prev, x0_hat = ddpm_step(self.schedule, self.x, eps, var, t, t_prev, noise, self.thresholding)
        if self.keep_every and self.index % self.keep_every == 0:
            self.snapshots.append(Snapshot(t, self.x, x0_hat))
        self.x, self.x0_hat, self.index = x_prev, x0_hat, self.index + 1
        for hook in self.hooks:
            hook(self, t_prev)


def total(parts: list[torch.Tensor]) -> torch.Tensor:
    out = parts[0]
    for p in parts[1:]:
        out = out + p
    return out


def average(parts: list[torch.Tensor]) -> torch.Tensor:
    return parts[0] if len(parts) == 1 else total(parts) / len(parts)


# ---------------------------------------------------------------------------------------------- running


def run_tracks(
    tracks: Sequence[Track],
    backend: Backend,
    batch_size: int | None = None,
    desc: str | None = None,
    progress: bool = True,
    on_done: Callable[[Track], None] | None = None,
    on_tick: Callable[[int], None] | None = None,
) -> Sequence[Track]:
    """Run every track to the end, then their follow-ups (phase by phase); returns `tracks`.

    `on_done(track)` is called for each of `tracks` as soon as it and all its follow-ups are finished, so a
    caller can store a job's result then (durable progress: a kill loses only the jobs still in flight);
    `on_tick(n)` after each tick with its number of model evaluations (a caller's own progress)."""
    root: dict[int, Track] = {id(t): t for t in tracks}

    def finished(track: Track) -> None:
        if track.then is None and on_done is not None:
            on_done(root[id(track)])

    for track in tracks:
        if track.done and track.then is None:
            finished(track)
    phase, number = [t for t in tracks if not t.done or t.then is not None], 1
    while phase:
        label = (desc or "denoising") + (f" · phase {number}" if number > 1 else "")
        run_phase(phase, backend, batch_size, label, progress, on_finish=finished, on_tick=on_tick)
        for track in phase:
            track.next = track.then(track) if track.then is not None else None
            if track.then is not None and track.next is None and on_done is not None:
                on_done(root[id(track)])
            elif track.next is not None:
                root[id(track.next)] = root[id(track)]
                if track.next.done and track.next.then is None:
                    finished(track.next)
        phase, number = [t.next for t in phase if t.next is not None and (not t.next.done or t.next.then)], number + 1
    return tracks


def run_phase(
    tracks: Sequence[Track],
    backend: Backend,
    batch_size: int | None,
    desc: str,
    progress: bool,
    on_finish: Callable[[Track], None] | None = None,
    on_tick: Callable[[int], None] | None = None,
) -> None:
    """Tick until every track is done; one tqdm step per tick; on_finish(track) in the tick a track ends."""
    from tqdm import tqdm

    device = torch.device(backend.device)
    prepare(tracks, device)
    batcher = Batcher(backend, fit_buckets(backend, batch_size or auto_batch_size(backend, tracks[0].x)))
    ticks = max(t.remaining for t in tracks)
    with tqdm(total=ticks, desc=desc, unit="tick", disable=not progress or ticks == 0) as bar:
        while True:
            active = [t for t in tracks if not t.done]
            if not active:
                break
            requests = [r for t in active for r in t.requests()]
            outputs = batcher.predict_all(requests)
            for track in active:
                track.advance(outputs)
            for track in active:
                if track.done and on_finish is not None:
                    on_finish(track)
            bar.set_postfix(samples=len(requests), batch=batcher.size, refresh=False)
            bar.update()
            if on_tick is not None:
                on_tick(len(requests))


def prepare(tracks: Sequence[Track], device: torch.device) -> None:
    """Move each track's tensors (and each distinct embedding, once) to `device`, before the loop."""
    moved: dict[int, torch.Tensor] = {}

    def on_device(value: torch.Tensor) -> torch.Tensor:
        if id(value) not in moved:
            moved[id(value)] = value.to(device)
        return moved[id(value)]

    for track in tracks:
        prompts = {p for term in track.terms for p in term.prompts()}
        missing = sorted(p for p in prompts if p not in track.embeddings)
        if missing:
            raise KeyError(
                f"no embedding for prompt(s) {missing}: encode every prompt of a track "
                f"(backend.encode) and pass the result as the track's `embeddings`"
            )
        track.embeddings = {p: on_device(track.embeddings[p]) for p in prompts}
        track.x = track.x.to(device)
        track.cond = {k: v.to(device) for k, v in track.cond.items()}
        for term in track.terms:  # views and factors build their device tensors now
            x = term.view.view(track.x)
            if term.component is not None:
                term.component(x)


class Batcher:
    """Packs requests into backend calls of at most `size` samples; halves `size` when CUDA runs out of memory."""

    def __init__(self, backend: Backend, size: int) -> None:
        if size < 1:
            raise ValueError(f"batch_size must be at least 1, got {size}")
        self.backend, self.size = backend, size

    def predict_all(self, requests: Sequence[Request]) -> dict[Hashable, tuple[torch.Tensor, torch.Tensor | None]]:
        """Each request's (ε̂, variance), keyed by request key; compatible requests share calls."""
        groups: dict[tuple, list[Request]] = {}
        for r in requests:
            groups.setdefault(r.signature(), []).append(r)
        outputs: dict[Hashable, tuple[torch.Tensor, torch.Tensor | None]] = {}
        for group in groups.values():
            start = 0
            while start < len(group):
                chunk = group[start : start + self.size]
                try:
                    eps, var = predict_chunk(self.backend, chunk)
                except torch.cuda.OutOfMemoryError:
                    if self.size <= 2:
                        raise
                    self.size //= 2
                    torch.cuda.empty_cache()
                    continue
                for i, r in enumerate(chunk):
                    outputs[r.key] = (eps[i : i + 1], None if var is None else var[i : i + 1])
                start += len(chunk)
        return outputs


def predict_chunk(backend: Backend, chunk: Sequence[Request]) -> tuple[torch.Tensor, torch.Tensor | None]:
    """One backend call. A lone sample is padded to two: at batch 1 many kernels switch to gemv, whose rounding
    is furthest from the batched kernels' (packing still moves the last bits: see PACKING_ATOL)."""
    padded = list(chunk) + [chunk[-1]] * (padded_size(backend, len(chunk)) - len(chunk))
    x = torch.cat([r.x for r in padded])
    t = to_device([r.t for r in padded], x.device)
    emb = torch.stack([r.emb for r in padded])
    cond = {k: torch.cat([r.cond[k] for r in padded]) for k in chunk[0].cond}
    eps, var = backend.predict(x, t, emb, **cond)
    eps = eps[: len(chunk)].to(x.dtype)
    return eps, None if var is None else var[: len(chunk)].to(x.dtype)


def padded_size(backend: Backend, n: int) -> int:
    """n, at least 2, rounded up to the backend's smallest fitting batch bucket if it has any."""
    buckets = sorted(backend.batch_buckets or ())
    n = max(n, 2)
    return next((b for b in buckets if b >= n), n)


def fit_buckets(backend: Backend, size: int) -> int:
    """The largest of the backend's batch buckets (compiled shapes) not above `size`; `size` if it has none."""
    buckets = sorted(backend.batch_buckets or ())
    return max([b for b in buckets if b <= size] or buckets[:1] or [size])


def auto_batch_size(backend: Backend, x: torch.Tensor) -> int:
    """Samples per model call for inputs like `x`, sized once the weights they need are resident (the
    backend's `ready_for` loads them first): from the device's free memory less the weights still to move onto
    it, and the backend's memory per sample (CUDA, MPS); a fixed default on the CPU."""
    shape = tuple(x.shape[1:])
    moving = backend.ready_for(shape)
    free = free_bytes(x.device, backend.memory_limit)
    if free is None:
        return CPU_BATCH
    return batch_for(free - moving, backend.bytes_per_sample(shape))
