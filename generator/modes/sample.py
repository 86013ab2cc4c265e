"""`sample`: an image from pure noise x_T ~ N(0, I) by DDPM over strided timesteps (Ho et al. 2020)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from generator.modes.base import ModeContext, Result, register
from generator.modes.common import ModelMode, SamplingParams, as_image, noise_track, with_upsampled

if TYPE_CHECKING:
    from generator.engine import Track
    from generator.jobs import Job


@register
class Sample(ModelMode):
    name = "sample"
    prompts = (1, 1)
    Params = SamplingParams

    def tracks(self, job: Job, ctx: ModeContext) -> list[Track]:
        return [noise_track(job, ctx)]

    def assemble(self, job: Job, tracks: Sequence[Track], ctx: ModeContext) -> Result:
        (track,) = tracks
        return Result(with_upsampled({"sample": as_image(track.x)}, track, "sample"))
