"""`cfg`: sampling with classifier-free guidance, ε = ε_u + γ (ε_c − ε_u) (Ho & Salimans 2022)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from generator.modes.base import ModeContext, Param, Result, param, register
from generator.modes.common import GuidedParams, ModelMode, as_image, noise_track, with_upsampled

if TYPE_CHECKING:
    from generator.engine import Track
    from generator.jobs import Job


@register
class CFG(ModelMode):
    name = "cfg"
    prompts = (1, 1)

    @dataclass(frozen=True)
    class Params(GuidedParams):
        """The guided sampling parameters, with a guidance scale a figure may sweep."""

        guidance: float = param(Param(float, default=7.0, minimum=0.0, maximum=50.0, sweepable=True,
                                      help="CFG scale γ in ε_u + γ(ε_c − ε_u)"))

    def tracks(self, job: Job, ctx: ModeContext) -> list[Track]:
        return [noise_track(job, ctx)]

    def assemble(self, job: Job, tracks: Sequence[Track], ctx: ModeContext) -> Result:
        (track,) = tracks
        return Result(with_upsampled({"sample": as_image(track.x)}, track, "sample"),
                      {"guidance": self.Params.from_job(job).guidance})
