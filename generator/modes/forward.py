"""`forward`: an input image noised to timestep t — x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε (Ho et al. 2020, eq. 4)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from generator.images import load_image
from generator.jobs import Job
from generator.models.base import ModelSpec
from generator.modes.base import ModelFreeMode, Result, register
from generator.modes.runtime import engine, schedule
from generator.params import ModeParams, Param, param, pinned


if TYPE_CHECKING:
    import torch

T_PARAM = Param(int, required=True, minimum=0, maximum=999, sweepable=True, help="timestep, 0–999")
SCHEDULE_KEYS = ("num_train_timesteps", "beta_schedule", "beta_start", "beta_end", "trained_betas")


@dataclass(frozen=True)
class Scheduled(ModeParams):
    """Parameters of a mode that noises with the model's schedule (ᾱ), pinned from its spec: no weights needed."""

    schedule: dict[str, Any] | None = pinned()


@dataclass(frozen=True)
class NoisedParams(Scheduled):
    """The forward process: the timestep, and the model's noise schedule that `with_schedule` pins."""

    t: int = param(T_PARAM)


D = TypeVar("D", bound=Scheduled)


def with_schedule(p: D, spec: ModelSpec) -> D:
    """The model's noise schedule decides ᾱ, so it is part of the job."""
    config = spec.scheduler_config
    return replace(p, schedule={k: config[k] for k in SCHEDULE_KEYS if config.get(k) is not None})


def clean_and_noisy(job: Job[Scheduled], t: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The job's input image x₀ and x_t with noise drawn from the job's seed (identical in every mode)."""
    p = job.params
    x0 = load_image(job.input("image").path, p.size, p.channels, p.resize)
    eps = engine.draw_noise(engine.make_rng(job.seed), (1, *x0.shape), "cpu")[0]
    return x0, schedule.add_noise(x0, eps, schedule.alphas_cumprod(p.schedule or {})[t])


@register
class Forward(ModelFreeMode[NoisedParams]):
    name = "forward"
    inputs = ("image",)
    Params = NoisedParams
    shared_images = ("original",)
    noun = "forward process"

    def resolve(self, p: NoisedParams, spec: ModelSpec) -> NoisedParams:
        return with_schedule(p, spec)

    def make(self, job: Job[NoisedParams]) -> Result:
        x0, x_t = clean_and_noisy(job, job.params.t)
        return Result({"original": x0, "noisy": x_t.clamp(-1, 1)})  # as stored: the PNG clips the same
