"""`sample`: an image from pure noise x_T ~ N(0, I) by DDPM over strided timesteps (Ho et al. 2020)."""

from __future__ import annotations

from typing import Sequence

from generator.jobs import Job
from generator.modes.base import ModelContext, Result, register
from generator.modes.common import SamplingMode, SamplingParams, as_image, noise_track, with_upsampled
from generator.modes.runtime import engine


@register
class Sample(SamplingMode[SamplingParams]):
    name = "sample"
    prompts = (1, 1)
    Params = SamplingParams
    noun = "sample"

    def tracks(self, job: Job[SamplingParams], ctx: ModelContext) -> list[engine.Track]:
        return [noise_track(job, ctx)]

    def assemble(self, job: Job[SamplingParams], tracks: Sequence[engine.Track], ctx: ModelContext) -> Result:
        (track,) = tracks
        return Result(with_upsampled({"sample": as_image(track.x)}, track, "sample"))
