"""`sdedit`: image-to-image translation (SDEdit, Meng et al. 2022) — noise an input image to timesteps[i_start]
and denoise it with CFG; the smaller i_start, the more the model invents."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from generator.modes.base import ModeContext, Result, register
from generator.modes.common import GUIDED, I_START, ModelMode, as_image, check_prompts, with_upsampled

if TYPE_CHECKING:
    from generator.engine import Track
    from generator.jobs import Job


@register
class SDEdit(ModelMode):
    name = "sdedit"
    inputs = ("image",)
    prompts = (1, 1)
    params = {"i_start": I_START, **GUIDED}
    shared_images = ("original",)

    def tracks(self, job: Job, ctx: ModeContext) -> list[Track]:
        """x_t from the input and the seed's first draw; i_start = len(timesteps) leaves the input as it is."""
        from generator.engine import make_generator
        from generator.modes.common import guided_terms, make_track, noised_input

        check_prompts(job, 1, "the prompt the edit is guided toward")
        generator = make_generator(job.seed)
        x0, x_t = noised_input(job, ctx, generator)
        return [make_track(job, ctx, x_t, guided_terms(job, job.prompts), i_start=job.params["i_start"],
                           generator=generator, extras={"original": x0})]

    def assemble(self, job: Job, tracks: Sequence[Track], ctx: ModeContext) -> Result:
        (track,) = tracks
        images = {"original": as_image(track.extras["original"]), "edit": as_image(track.x)}
        return Result(with_upsampled(images, track, "edit"), {"i_start": job.params["i_start"]})
