"""`iterative`: noise an image to timesteps[i_start] and denoise it step by step over strided timesteps
(DDPM, Ho et al. 2020), shown every k steps and beside the one-step estimate and a Gaussian blur."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping, Sequence

from generator.diffusion.filters import gaussian_blur, odd_kernel
from generator.diffusion.timesteps import parse_timesteps
from generator.jobs import InputImage, Job
from generator.models.base import ModelSpec
from generator.modes.base import ModelContext, ModelMode, Problem, Result, register
from generator.modes.common import (
    I_START,
    STEPS,
    THRESHOLDING,
    Steps,
    as_image,
    check_prompts,
    checked_start,
    denoising_track,
    kernel_problems,
    noised_input,
    pinned_thresholding,
)
from generator.modes.runtime import engine
from generator.params import ModeParams, Param, param


@dataclass(frozen=True)
class IterativeParams(ModeParams):
    i_start: int = param(I_START)
    show_every: int = param(Param(int, default=5, minimum=1, help="show x_t every k-th step"))
    steps: Steps = param(STEPS)
    thresholding: str = param(THRESHOLDING)
    blur_kernel: int = param(Param(int, default=5, minimum=1, maximum=65, help="odd kernel of the blur baseline"))
    blur_sigma: float = param(Param(float, default=2.0, minimum=0.1, maximum=20.0, help="σ of the blur baseline"))


@register
class Iterative(ModelMode[IterativeParams]):
    name = "iterative"
    inputs = ("image",)
    prompts = (1, 1)
    Params = IterativeParams
    shared_images = ("original",)
    noun = "iterative denoising"

    def resolve(self, p: IterativeParams, spec: ModelSpec) -> IterativeParams:
        checked_start(p.steps, p.i_start, spec)
        return replace(p, thresholding=pinned_thresholding(p.thresholding, spec))

    def check_params(self, p: IterativeParams, inputs: Mapping[str, InputImage], project_root: Path) -> list[Problem]:
        return kernel_problems("blur_kernel", p.blur_kernel, p.size)

    def model_calls(self, job: Job[IterativeParams]) -> int:
        """One conditional estimate per step from timesteps[i_start]."""
        return len(parse_timesteps(job.params.steps)[job.params.i_start :])

    def tracks(self, job: Job[IterativeParams], ctx: ModelContext) -> list[engine.Track]:
        """x_t = √ᾱ x₀ + √(1−ᾱ) ε with ε the seed's first draw (the `forward` mode's ε), then DDPM steps."""
        check_prompts(job, 1, "the prompt denoising is conditioned on")
        p, rng = job.params, engine.make_rng(job.seed)
        x0, x_t = noised_input(job, ctx, rng, p.steps, p.i_start)
        return [
            denoising_track(
                ctx,
                x_t,
                [engine.Term(job.prompts[0])],
                p.steps,
                p.thresholding,
                i_start=p.i_start,
                rng=rng,
                keep_every=p.show_every,
                extras={"original": x0, "noisy": x_t},
            )
        ]

    def assemble(self, job: Job[IterativeParams], tracks: Sequence[engine.Track], ctx: ModelContext) -> Result:
        (track,) = tracks
        p = job.params
        images: dict[str, Any] = {"original": as_image(track.extras["original"])}
        images |= {f"t={s.t}": as_image(s.x_t) for s in track.snapshots}
        if track.snapshots:
            images["one-step"] = as_image(track.snapshots[0].x0_hat)
        images["blurred"] = as_image(gaussian_blur(track.extras["noisy"], odd_kernel(p.blur_kernel), p.blur_sigma))
        images["iterative"] = as_image(track.x)
        return Result(images, {"t_start": track.snapshots[0].t if track.snapshots else None})
