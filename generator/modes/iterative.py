"""`iterative`: noise an image to timesteps[i_start] and denoise it step by step over strided timesteps
(DDPM, Ho et al. 2020), shown every k steps and beside the one-step estimate and a Gaussian blur."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from generator.modes.base import ModeContext, ModeParams, Param, Problem, Result, param, register
from generator.modes.common import (I_START, STEPS, THRESHOLDING, ModelMode, as_image, check_prompts,
                                    kernel_problems)

if TYPE_CHECKING:
    from generator.engine import Track
    from generator.jobs import Job


@register
class Iterative(ModelMode):
    name = "iterative"
    inputs = ("image",)
    prompts = (1, 1)

    @dataclass(frozen=True)
    class Params(ModeParams):
        i_start: int = param(I_START)
        show_every: int = param(Param(int, default=5, minimum=1, help="show x_t every k-th step"))
        steps: str | list[int] = param(STEPS)
        thresholding: str = param(THRESHOLDING)
        blur_kernel: int = param(Param(int, default=5, minimum=1, maximum=65, help="odd kernel of the blur baseline"))
        blur_sigma: float = param(Param(float, default=2.0, minimum=0.1, maximum=20.0, help="σ of the blur baseline"))

    shared_images = ("original",)

    def check_params(self, params: Mapping[str, Any], inputs: Mapping[str, Any], image_size: int,
                     project_root: Path) -> list[Problem]:
        return kernel_problems("blur_kernel", params["blur_kernel"], image_size)

    def tracks(self, job: Job, ctx: ModeContext) -> list[Track]:
        """x_t = √ᾱ x₀ + √(1−ᾱ) ε with ε the seed's first draw (the `forward` mode's ε), then DDPM steps."""
        from generator.engine import Term, make_rng
        from generator.modes.common import make_track, noised_input

        check_prompts(job, 1, "the prompt denoising is conditioned on")
        p = self.Params.from_job(job)
        rng = make_rng(job.seed)
        x0, x_t = noised_input(job, ctx, rng)
        track = make_track(job, ctx, x_t, [Term(job.prompts[0])], i_start=p.i_start, rng=rng,
                           keep_every=p.show_every, extras={"original": x0, "noisy": x_t})
        return [track]

    def assemble(self, job: Job, tracks: Sequence[Track], ctx: ModeContext) -> Result:
        from generator.diffusion.filters import gaussian_blur, odd_kernel

        (track,) = tracks
        p = self.Params.from_job(job)
        images: dict[str, Any] = {"original": as_image(track.extras["original"])}
        images |= {f"t={s.t}": as_image(s.x_t) for s in track.snapshots}
        if track.snapshots:
            images["one-step"] = as_image(track.snapshots[0].x0_hat)
        images["blurred"] = as_image(gaussian_blur(track.extras["noisy"], odd_kernel(p.blur_kernel), p.blur_sigma))
        images["iterative"] = as_image(track.x)
        return Result(images, {"t_start": track.snapshots[0].t if track.snapshots else None})
