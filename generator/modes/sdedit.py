"""`sdedit`: image-to-image translation (SDEdit, Meng et al. 2022) — noise an input image to timesteps[i_start]
and denoise it with CFG; the smaller i_start, the more the model invents."""

from __future__ import annotations

from typing import Sequence

from generator.jobs import Job
from generator.modes.base import ModelContext, Result, register
from generator.modes.common import (
    StartMode,
    StartParams,
    as_image,
    check_prompts,
    guided_terms,
    make_track,
    noised_input,
    with_upsampled,
)
from generator.modes.runtime import engine


@register
class SDEdit(StartMode[StartParams]):
    name = "sdedit"
    inputs = ("image",)
    prompts = (1, 1)
    Params = StartParams
    shared_images = ("original",)
    noun = "SDEdit"

    def tracks(self, job: Job[StartParams], ctx: ModelContext) -> list[engine.Track]:
        """x_t from the input and the seed's first draw; i_start = len(timesteps) leaves the input as it is."""
        check_prompts(job, 1, "the prompt the edit is guided toward")
        p, rng = job.params, engine.make_rng(job.seed)
        x0, x_t = noised_input(job, ctx, rng, p.steps, p.i_start)
        return [
            make_track(
                job, ctx, x_t, guided_terms(job, job.prompts), i_start=p.i_start, rng=rng, extras={"original": x0}
            )
        ]

    def assemble(self, job: Job[StartParams], tracks: Sequence[engine.Track], ctx: ModelContext) -> Result:
        (track,) = tracks
        images = {"original": as_image(track.extras["original"]), "edit": as_image(track.x)}
        return Result(with_upsampled(images, track, "edit"), {"i_start": job.params.i_start})
