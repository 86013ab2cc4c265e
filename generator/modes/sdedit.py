"""`sdedit`: image-to-image translation (SDEdit, Meng et al. 2022) — noise an input image to timesteps[i_start]
and denoise it with CFG; the smaller i_start, the more the model invents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from generator.modes.base import ModeContext, Result, param, register
from generator.modes.common import I_START, GuidedParams, ModelMode, as_image, check_prompts, with_upsampled

if TYPE_CHECKING:
    from generator.engine import Track
    from generator.jobs import Job


@register
class SDEdit(ModelMode):
    name = "sdedit"
    inputs = ("image",)
    prompts = (1, 1)

    @dataclass(frozen=True)
    class Params(GuidedParams):
        i_start: int = param(I_START)

    shared_images = ("original",)

    def tracks(self, job: Job, ctx: ModeContext) -> list[Track]:
        """x_t from the input and the seed's first draw; i_start = len(timesteps) leaves the input as it is."""
        from generator.engine import make_rng
        from generator.modes.common import guided_terms, make_track, noised_input

        check_prompts(job, 1, "the prompt the edit is guided toward")
        rng = make_rng(job.seed)
        x0, x_t = noised_input(job, ctx, rng)
        return [make_track(job, ctx, x_t, guided_terms(job, job.prompts), i_start=self.Params.from_job(job).i_start,
                           rng=rng, extras={"original": x0})]

    def assemble(self, job: Job, tracks: Sequence[Track], ctx: ModeContext) -> Result:
        (track,) = tracks
        images = {"original": as_image(track.extras["original"]), "edit": as_image(track.x)}
        return Result(with_upsampled(images, track, "edit"), {"i_start": self.Params.from_job(job).i_start})
