"""`hybrid`: hybrid images by factorized diffusion (Geng, Park & Owens 2024) — ε = G(ε_far) + (ε_near − G(ε_near)),
G a Gaussian low-pass: the far prompt is seen from afar (or small), the near prompt up close."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence

from generator.jobs import InputImage, Job
from generator.modes.base import ModelContext, Problem, Result, register
from generator.modes.common import (
    IllusionParams,
    SamplingMode,
    as_image,
    check_prompts,
    guided_terms,
    image_shape,
    make_track,
    with_upsampled,
)
from generator.modes.factorized import KERNEL, hybrid_problems
from generator.modes.runtime import engine, factorizations
from generator.params import Param, param


if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class HybridParams(IllusionParams):
    kernel_size: int = param(KERNEL)
    sigma: float = param(
        Param(
            float,
            default=0.0,
            minimum=0.0,
            maximum=20.0,
            help="Gaussian σ at stage I; 0: the paper's 2 at 64², scaled to the model (1 at 32²)",
        )
    )

    def sigmas(self) -> list[float]:
        return [self.sigma] if self.sigma else []


@register
class Hybrid(SamplingMode[HybridParams]):
    name = "hybrid"
    prompts = (2, 2)
    Params = HybridParams
    noun = "hybrid image"
    motions = ("distance", "small")

    def check_params(self, p: HybridParams, inputs: Mapping[str, InputImage], project_root: Path) -> list[Problem]:
        """The stage-I low-pass kernel (made odd) must fit the image and hold the Gaussian (≥ 5σ + 1)."""
        return hybrid_problems(p.kernel_size, p.sigmas(), p.size)

    def prompt_roles(self, p: HybridParams) -> list[str]:
        return ["far", "near"]

    def settings(self, p: HybridParams) -> list[tuple[str, str]]:
        return [("low-pass", f"kernel {p.kernel_size}, σ = {p.sigma}")]

    def tracks(self, job: Job[HybridParams], ctx: ModelContext) -> list[engine.Track]:
        """Prompts in order: far (low frequencies), near (high frequencies); their estimates add up."""
        check_prompts(job, 2, "the far (low-pass) prompt, then the near (high-pass) one")
        p = job.params
        low, high = factorizations.factorization(
            "hybrid", 2, p.size, sigmas=p.sigmas(), kernel_size=p.kernel_size
        ).components
        rng = engine.make_rng(job.seed)
        x_T = engine.draw_noise(rng, image_shape(job), ctx.device)
        terms = [
            *guided_terms(job, job.prompts[:1], component=low),
            *guided_terms(job, job.prompts[1:], component=high),
        ]
        return [make_track(job, ctx, x_T, terms, rng=rng, reduce="sum", extras={"low": low})]

    def assemble(self, job: Job[HybridParams], tracks: Sequence[engine.Track], ctx: ModelContext) -> Result:
        (track,) = tracks
        low = track.extras["low"]

        def shown(x: torch.Tensor) -> dict[str, torch.Tensor]:
            import torch.nn.functional as F

            small = F.interpolate(x, scale_factor=0.25, mode="area")
            return {"far": low(x), "small": small, "hybrid": x}

        images = {name: as_image(x) for name, x in shown(track.x).items()}
        return Result(with_upsampled(images, track, "hybrid", shown))
