"""`forward`: an input image noised to timestep t — x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε (Ho et al. 2020, eq. 4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

from generator.modes.base import Mode, ModeParams, Param, Result, param, register

if TYPE_CHECKING:
    import torch

    from generator.jobs import Job
    from generator.models.base import ModelSpec

T_PARAM = Param(int, required=True, minimum=0, maximum=999, sweepable=True, help="timestep, 0–999")
SCHEDULE_KEYS = ("num_train_timesteps", "beta_schedule", "beta_start", "beta_end", "trained_betas")


@dataclass(frozen=True)
class NoisedParams(ModeParams):
    """The forward process: the timestep, and the model's noise schedule that `with_schedule` pins."""

    t: int = param(T_PARAM)
    schedule: dict[str, Any] = field(default_factory=dict)


def with_schedule(params: dict[str, Any], spec: ModelSpec) -> dict[str, Any]:
    """The model's noise schedule decides ᾱ, so it is part of the job (no weights needed for it)."""
    config = spec.scheduler_config
    return {**params, "schedule": {k: config[k] for k in SCHEDULE_KEYS if config.get(k) is not None}}


def clean_and_noisy(job: Job) -> tuple[torch.Tensor, torch.Tensor]:
    """The job's input image x₀ and x_t with noise drawn from the job's seed (identical in every mode)."""
    from generator.diffusion.noise import draw_noise, make_rng
    from generator.diffusion.schedule import alphas_cumprod, add_noise
    from generator.images import load_image

    p, fit = NoisedParams.from_job(job), job.params          # fit: the model's size and channels, the resize
    x0 = load_image(job.input("image").path, fit["size"], fit["channels"], fit["resize"])
    eps = draw_noise(make_rng(job.seed), (1, *x0.shape), "cpu")[0]
    return x0, add_noise(x0, eps, alphas_cumprod(p.schedule)[p.t])


@register
class Forward(Mode):
    name = "forward"
    needs_model = False
    inputs = ("image",)
    Params = NoisedParams
    shared_images = ("original",)

    def resolve(self, params: dict[str, Any], spec: ModelSpec) -> dict[str, Any]:
        return with_schedule(params, spec)

    def assemble(self, job: Job, tracks: Sequence[Any], ctx: Any) -> Result:
        x0, x_t = clean_and_noisy(job)
        return Result({"original": x0, "noisy": x_t})
